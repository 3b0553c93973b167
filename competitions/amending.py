"""Changing what was created: a competition's facts, its events, the award vocabulary.

Each write is one transaction, saved through the models (so django-simple-history records who
changed what), that ends with aggregates.results_changed like every other write of results
(competitions.recording): a competition's year, level or category moves its tallies between
periods, an award's tier moves its entries between columns, an event's name and skill show in the
cached parts of its competition's page.
"""

from django import forms
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Count
from django.utils.translation import gettext as _

from competitions.aggregates import lock_tallies, results_changed
from competitions.models import Award, Competition, Entry, EntryMember, Event, EventAlias, Skill
from students.people import lock_people


@transaction.atomic
def change_competition(form, *, user=None) -> Competition:
    """Save a ModelForm on an existing competition (its facts and its table settings); the form's
    own save() calls this, so the ModelForm's save is called by name."""
    competition = form.instance
    # The tally lock before the competition's row, as change_weights takes them.
    lock_tallies()
    competition._history_user = user
    forms.ModelForm.save(form)
    results_changed([competition.pk])
    return competition


def entry_label(entry: Entry) -> str:
    """An entry as the office knows it: its organization and its members' names."""
    names = "、".join(member.name for member in entry.members.all())
    return f"{entry.organization.name}（{names}）" if names else entry.organization.name


def entries_larger_than(event: Event, size: int) -> list[Entry]:
    """The event's entries that name more than `size` members (2 queries)."""
    return list(
        Entry.objects.filter(event=event)
        .annotate(named=Count("members"))
        .filter(named__gt=size)
        .select_related("organization")
        .prefetch_related("members")
        .order_by("id")
    )


def check_event_name(event: Event) -> None:
    """An event's name is neither another event's name nor another event's earlier name."""
    others = Event.objects.filter(competition=event.competition_id, name=event.name).exclude(pk=event.pk)
    if others.exists():
        raise ValidationError(
            {"name": _("This competition already has an event named “%(name)s”.") % {"name": event.name}}
        )
    alias = (
        EventAlias.objects.filter(competition=event.competition_id, name=event.name)
        .exclude(event=event.pk)
        .select_related("event")
        .first()
    )
    if alias is not None:
        raise ValidationError(
            {
                "name": _(
                    "“%(name)s” is an earlier name of the event “%(event)s”: sheets with that name "
                    "are imported into it."
                )
                % {"name": event.name, "event": alias.event.name}
            }
        )


def check_event(event: Event) -> None:
    """What a new or changed event must keep (asked by save_event and the admin's event form): a
    name of its own in its competition, and room for the members its entries name. Raises
    ValidationError by field."""
    check_event_name(event)
    if event.pk:
        too_large = entries_larger_than(event, event.max_team_size)
        if too_large:
            raise ValidationError(
                {
                    "max_team_size": _(
                        "These entries name more than %(size)d members: %(entries)s. Change them first."
                    )
                    % {"size": event.max_team_size, "entries": "；".join(map(entry_label, too_large))}
                }
            )


@transaction.atomic
def save_event(event: Event, *, skill_name: str = "", user=None) -> Event:
    """Add or change an event (name, skill, team flag and sizes, selection flag).

    A smaller team size is refused while recorded entries name more members, with those entries
    named; a new name keeps the old one as an earlier name, so that importing an old sheet again
    finds the event and adds nothing (DOMAIN.md “Interfaces”). Raises ValidationError by field.
    """
    # Taken first, as every writer of entries takes it: no entry can grow while it is checked.
    lock_people()
    check_event(event)
    old_name = None
    if event.pk:
        old_name = Event.objects.select_for_update().values_list("name", flat=True).get(pk=event.pk)
    event.skill = Skill.objects.get_or_create(name=skill_name or event.name)[0]
    event._history_user = user
    event.save()
    if old_name is not None and old_name != event.name:
        EventAlias.objects.filter(event=event, name=event.name).delete()  # renamed back
        EventAlias.objects.get_or_create(
            competition_id=event.competition_id, name=old_name, defaults={"event": event}
        )
    results_changed([event.competition_id], event_ids=[event.pk])
    return event


def deleted_entry_count(event: Event) -> int:
    """Entries of the event deleted and not restored (their history records stay)."""
    deleted = Entry.history.filter(event_id=event.pk, history_type="-").values("id").distinct()
    return deleted.exclude(id__in=Entry.objects.filter(event=event).values("id")).count()


@transaction.atomic
def remove_event(event: Event, *, user=None) -> None:
    """Remove an event that has no entries. Its deleted entries' history stays in the audit trail
    (the recent changes list them), but they can no longer be restored: the page says so first."""
    lock_people()
    if Entry.objects.filter(event=event).exists() or EntryMember.objects.filter(event=event).exists():
        raise ValidationError(
            _("“%(event)s” has entries: delete them first.") % {"event": event.name}, code="has_entries"
        )
    competition_id = event.competition_id
    event._history_user = user
    event.delete()
    results_changed([competition_id], event_ids=())


@transaction.atomic
def save_award(award: Award, *, user=None) -> Award:
    """Add a label to the award vocabulary, or change one (its tier): the one path of the office's
    vocabulary page and the admin. A new tier moves every entry with that award between the tally
    columns, so their competitions are recounted."""
    lock_people()  # the lock order of every writer of results
    award._history_user = user
    award.save()
    competitions = Entry.objects.filter(award=award).values_list("event__competition", flat=True)
    results_changed(set(competitions))
    return award
