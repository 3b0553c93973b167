"""Recent changes: who changed what and when, read from the django-simple-history tables of
competitions, events, entries, their members and coaches, awards and photos.

The tables are read as one UNION ordered by time, so a page costs the same few queries however
many changes there are: the union counted and sliced, then the page's records read back a kind
at a time (with the record before each, to name the fields that changed) and their names looked up.
"""

from dataclasses import dataclass, field
from datetime import date

from django.db.models import CharField, F, IntegerField, OuterRef, Subquery, Value
from django.db.models.functions import Cast
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from competitions.models import (
    Award,
    Competition,
    Entry,
    EntryCoach,
    EntryMember,
    Event,
    Organization,
    Photo,
    event_results_url,
)
from students.models import Coach


def event_competition(event_ref):
    """The competition of the event with the id `event_ref` (an expression), as a subquery."""
    return Subquery(Event.objects.filter(pk=event_ref).values("competition_id")[:1])


def entry_event(entry_ref):
    """The event of an entry, deleted or not (its history remembers it)."""
    return Subquery(Entry.history.filter(id=entry_ref).order_by().values("event_id")[:1])


@dataclass(frozen=True)
class Kind:
    key: str
    model: type
    label: str
    # The record's competition (an expression on the historical table), None when it has none.
    competition: object = None


KINDS = [
    Kind("competition", Competition, _("Competition"), F("id")),
    Kind("event", Event, _("Event"), F("competition_id")),
    Kind("entry", Entry, _("Entry"), event_competition(OuterRef("event_id"))),
    Kind("member", EntryMember, _("Member of an entry"), event_competition(OuterRef("event_id"))),
    Kind(
        "coach",
        EntryCoach,
        _("Coach of an entry"),
        event_competition(entry_event(OuterRef(OuterRef("entry_id")))),
    ),
    Kind("award", Award, _("Award"), None),
    Kind("photo", Photo, _("Photo"), F("competition_id")),
]
KIND_BY_KEY = {kind.key: kind for kind in KINDS}
ACTIONS = {
    "+": pgettext_lazy("history action", "Created"),
    "~": pgettext_lazy("history action", "Changed"),
    "-": pgettext_lazy("history action", "Deleted"),
}
# Bookkeeping fields that change with every save: never named as a change.
UNNAMED_FIELDS = {"id", "created_at", "updated_at", "version", "results_version", "normalized", "thumbnail"}


def changes(
    *,
    competition: int | None = None,
    user: int | None = None,
    since: date | None = None,
    until: date | None = None,
):
    """Every historical record matching the filters, newest first, as rows of (history_date,
    history_id, kind, competition): a queryset (a UNION) to count and slice."""
    parts = []
    for kind in KINDS:
        if competition is not None and kind.competition is None:
            continue
        records = kind.model.history.order_by()
        if user is not None:
            records = records.filter(history_user=user)
        if since is not None:
            records = records.filter(history_date__date__gte=since)
        if until is not None:
            records = records.filter(history_date__date__lte=until)
        of_competition = kind.competition if kind.competition is not None else Value(None)
        records = records.annotate(
            kind=Value(kind.key, output_field=CharField()),
            competition_ref=Cast(of_competition, output_field=IntegerField()),
        )
        if competition is not None:
            records = records.filter(competition_ref=competition)
        parts.append(records.values_list("history_date", "history_id", "kind", "competition_ref"))
    first, *others = parts
    return first.union(*others, all=True).order_by("-history_date", "-history_id", "kind")


@dataclass
class Change:
    """One row of the recent changes page."""

    kind: Kind
    history_id: int
    competition_id: int | None
    record: object = None
    name: str = ""
    fields: list[str] = field(default_factory=list)
    url: str = ""
    competition: Competition | None = None

    @property
    def action(self) -> str:
        return ACTIONS.get(self.record.history_type, self.record.history_type)


def changed_fields(kind: Kind, record, previous) -> list[str]:
    """The names of the fields that differ between two historical records of one object."""
    names = []
    for model_field in kind.model._meta.concrete_fields:
        if model_field.name in UNNAMED_FIELDS:
            continue
        if getattr(record, model_field.attname, None) != getattr(previous, model_field.attname, None):
            names.append(str(model_field.verbose_name))
    return names


def read_page(rows, *, user) -> list[Change]:
    """The page's union rows as Changes with their records, names, changed fields and links, in a
    fixed number of queries (two per kind on the page, a few lookups)."""
    page = [
        Change(KIND_BY_KEY[key], history_id, competition_id)
        for _date, history_id, key, competition_id in rows
    ]
    by_kind: dict[str, list[Change]] = {}
    for change in page:
        by_kind.setdefault(change.kind.key, []).append(change)
    for key, kind_changes in by_kind.items():
        history = KIND_BY_KEY[key].model.history
        before = history.filter(id=OuterRef("id"), history_id__lt=OuterRef("history_id")).order_by(
            "-history_id"
        )
        records = history.filter(history_id__in=[c.history_id for c in kind_changes]).select_related(
            "history_user"
        )
        records = {
            r.history_id: r for r in records.annotate(previous_id=Subquery(before.values("history_id")[:1]))
        }
        previous = history.in_bulk(
            [r.previous_id for r in records.values() if r.previous_id], field_name="history_id"
        )
        for change in kind_changes:
            change.record = records[change.history_id]
            if change.record.history_type == "~" and change.record.previous_id in previous:
                change.fields = changed_fields(
                    change.kind, change.record, previous[change.record.previous_id]
                )
    name_changes(page, user=user)
    return page


def name_changes(page: list[Change], *, user) -> None:
    """Each change's object named, with a link to the page that shows it (or its history)."""
    records = [change.record for change in page]
    competitions = Competition.objects.in_bulk({c.competition_id for c in page if c.competition_id})
    # Events named by entries and members, and the events and photos changed (do they still exist?).
    event_ids = {r.event_id for r in records if hasattr(r, "event_id")}
    event_ids |= {c.record.id for c in page if c.kind.key == "event"}
    photos = set(
        Photo.objects.filter(pk__in=[c.record.id for c in page if c.kind.key == "photo"]).values_list(
            "pk", flat=True
        )
    )
    events = Event.objects.only("name", "competition_id").in_bulk(event_ids)
    organizations = Organization.objects.only("name").in_bulk(
        {r.organization_id for r in records if hasattr(r, "organization_id")}
    )
    coaches = Coach.objects.only("name").in_bulk({r.coach_id for r in records if hasattr(r, "coach_id")})
    can_edit = {
        "event": user.has_perm("competitions.change_event"),
        "photo": user.has_perm("competitions.change_photo"),
    }
    for change in page:
        record, key = change.record, change.kind.key
        change.competition = competitions.get(change.competition_id)
        competition_url = change.competition.get_absolute_url() if change.competition else ""
        if key == "competition":
            change.name = record.name
            change.url = competition_url
        elif key == "event":
            change.name = record.name
            if can_edit["event"] and record.id in events:
                change.url = reverse("competitions:event-edit", args=[record.id])
            elif competition_url and record.id in events:
                change.url = event_results_url(events[record.id].competition_id, record.id)
        elif key == "entry":
            event = events.get(record.event_id)
            organization = organizations.get(record.organization_id)
            change.name = " · ".join(part.name for part in (event, organization) if part)
            change.url = reverse("competitions:entry-history", args=[record.id])
        elif key == "member":
            change.name = record.name
            change.url = reverse("competitions:entry-history", args=[record.entry_id])
        elif key == "coach":
            coach = coaches.get(record.coach_id)
            change.name = coach.name if coach else ""
            change.url = reverse("competitions:entry-history", args=[record.entry_id])
        elif key == "award":
            change.name = record.label
            change.url = f"{reverse('competitions:award-list')}#award-{record.id}"
        elif key == "photo":
            change.name = record.caption or str(_("(no caption)"))
            if can_edit["photo"] and record.id in photos:
                change.url = reverse("competitions:photo-edit", args=[record.id])
            elif competition_url:
                change.url = f"{competition_url}#photos"


__all__ = ["KINDS", "Change", "changes", "read_page"]
