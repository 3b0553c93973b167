from collections.abc import Iterable, Iterator
from dataclasses import dataclass

from django.conf import settings
from django.core.paginator import Page, Paginator
from django.db.models import Count, Exists, F, OuterRef, Prefetch, QuerySet, Subquery
from django.db.models.functions import Coalesce
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.template.loader import render_to_string
from django.utils import translation
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _
from django_filters.views import FilterView
from django_tables2 import SingleTableMixin

from competitions import confirming, fragments, result_rows, tallies
from competitions.filters import CompetitionFilter
from competitions.models import (
    MEDAL_TIERS,
    Competition,
    Entry,
    EntryMember,
    Event,
)
from competitions.pagination import BoundedPaginationMixin
from competitions.querysets import CompiledQuery, built_once
from competitions.tables import CompetitionTable
from competitions.tallies import ORDERS, TABLES
from competitions.templatetags.fast_tables import esc
from competitions.views.public import layout_context, public_page


class CompetitionListView(BoundedPaginationMixin, SingleTableMixin, FilterView):
    model = Competition
    table_class = CompetitionTable
    filterset_class = CompetitionFilter
    template_name = "competitions/competition_list.html"
    # Paginated by the table, not by ListView, so the rows are counted once.
    table_pagination = {"per_page": 25}

    def get_queryset(self):
        return competitions_with_counts()

    def known_count(self) -> int | None:
        return self.filterset.known_count()


@built_once
def competitions_with_counts() -> QuerySet[Competition]:
    """Competitions, newest first, with their numbers of events (a correlated subquery, which the
    database works out for the page's rows only: the list's index gives the order) and of medals
    (kept with the tallies, Competition.medal_count), however many competitions."""
    return Competition.objects.order_by("-year", "name").annotate(
        n_events=tallies.count_of(Event, competition=OuterRef("pk")), n_medals=F("medal_count")
    )


# What a competition's medal table can be grouped by and ordered by (tallies.TABLES and ORDERS).
BY_LABELS = {
    "organization": _("Organization"),
    "department": _("Department"),
    "student": _("Student"),
    "coach": _("Coach"),
    "skill": _("Skill"),
}
ORDER_LABELS = {
    "tiers": _("Best tiers first"),
    "total": _("Total medals"),
    "points": _("Points"),
}


def choice(value: str | None, allowed: Iterable[str], default: str) -> str:
    """A GET parameter if it is one of the allowed values, else the default."""
    return value if value in allowed else default


# A competition page shows the medal table's leading rows (the rest on asking) and about this many
# results, whole events at a time (at least one event a page).
MEDAL_ROWS = 50
RESULTS_PER_PAGE = 40


def event_pages(counts: list[tuple[int, int]], budget: int) -> list[list[int]]:
    """Events (id, number of entries), in order, cut into pages of about `budget` entries: an event
    is never split, and one larger than the budget has a page of its own."""
    pages: list[list[int]] = []
    current: list[int] = []
    rows = 0
    for event, count in counts:
        if current and rows + count > budget:
            pages.append(current)
            current, rows = [], 0
        current.append(event)
        rows += count
    if current:
        pages.append(current)
    return pages


# A competition's events in the order of Event's Meta ordering (by competition, then name).
EVENT_ORDER = ("name", "pk")


EVENT_FIELDS = ("pk", "name", "is_team", "is_selection")
# A competition's events in their order, with their numbers of entries (compiled once: the page
# of events asked for is found from them on every later page).
EVENTS_WITH_COUNTS = CompiledQuery(
    lambda competition_id: (
        Event.objects.filter(competition_id=competition_id)
        .order_by(*EVENT_ORDER)
        .values_list(*EVENT_FIELDS)
        .annotate(n=Count("entries"))
    )
)


def event_page(competition: Competition, params) -> Page:
    """The page of a competition's events asked for by `page`, or the page holding `event`, with
    `events` (the page's events: pk, name, is_team, is_selection) and `choices` (the <option>s of
    every event for the page's "go to event" list): one query."""
    # In the events' own order within a competition (by name), without the join to the competition
    # that Event's ordering brings (it doubled the query's time on a national selection).
    events = EVENTS_WITH_COUNTS(competition.pk)
    pages = event_pages([(pk, n) for pk, *_fields, n in events], RESULTS_PER_PAGE)
    paginator = Paginator(pages, 1)
    wanted = params.get("event")
    page = None
    if wanted and wanted.isdecimal():
        page = next(
            (paginator.get_page(number) for number, ids in enumerate(pages, start=1) if int(wanted) in ids),
            None,
        )
    page = page or paginator.get_page(params.get("page"))
    shown = set(page.object_list[0]) if page.object_list else set()
    # The page's events as the results list shows them (no query of their own).
    page.events = [
        Event(competition=competition, **dict(zip(EVENT_FIELDS, values, strict=True)))
        for *values, _n in events
        if values[0] in shown
    ]
    first = page.events[0].pk if page.events else None
    # Built here rather than in the template: hundreds of options cost a template ~10 µs each.
    page.choices = mark_safe(
        "".join(
            f'<option value="{pk}"{" selected" if pk == first else ""}>{esc(name)}</option>'
            for pk, name, *_rest in events
        )
    )
    return page


@dataclass(frozen=True)
class ResultsView:
    """What a competition page's results part shows, from its query string: the medal table's
    grouping, order, selection-only and whole-table choices, and the page of events (or the event)
    asked for. The part is a function of these (and of the competition's results, the language and
    the viewer's permissions) alone: its links carry these values, not the query string as sent."""

    by: str = "organization"
    order: str = "tiers"
    selection_only: bool = False
    whole_table: bool = False
    page: str | None = None  # as asked: Paginator.get_page makes it a page number
    event: str | None = None

    @classmethod
    def of(cls, params) -> "ResultsView":
        return cls(
            by=choice(params.get("by"), TABLES, "organization"),
            order=choice(params.get("order"), ORDERS, "tiers"),
            selection_only=params.get("selection") == "1",
            whole_table=params.get("medals") == "all",
            page=params.get("page") or None,
            event=params.get("event") or None,
        )

    def params(self) -> dict[str, str]:
        """The medal table's choices that differ from the defaults, for the part's links."""
        default = ResultsView()
        params = {"by": self.by, "order": self.order}
        params = {key: value for key, value in params.items() if value != getattr(default, key)}
        if self.selection_only:
            params["selection"] = "1"
        if self.whole_table:
            params["medals"] = "all"
        return params

    def events_page(self, competition: Competition) -> Page:
        """The page of events asked for (event_page: by `page`, or the page holding `event`)."""
        return event_page(competition, {"page": self.page, "event": self.event})

    def medals_shown(self) -> str:
        """The key of what the medal-table part shows (the same above every page of events)."""
        return f"medals.{self.by}.{self.order}.{self.selection_only:d}.{self.whole_table:d}"

    def shown(self, page: int) -> str:
        """The key of what the events part shows at this page of events (its links carry the
        medal table's choices)."""
        return f"events.{self.by}.{self.order}.{self.selection_only:d}.{self.whole_table:d}.{page}"


# The parts the first view after a change reads (competitions.precompute stores them).
DEFAULT_VIEW = ResultsView()

# The medal-table part is the same above every page of events, except that its "whole table" link
# keeps the page of events shown: it is written with this mark, and read_results puts the page in.
# ("<" never comes out of an escaped value, so no name or caption can hold the mark.)
PAGE_MARK = mark_safe("<!--events-page-->")


def competition_detail(request: HttpRequest, pk: int) -> HttpResponse:
    competition = get_object_or_404(
        Competition.objects.prefetch_related("photos").annotate(**competition_notices()), pk=pk
    )
    # Results waiting for a second office user (None: the office confirms nothing).
    unconfirmed = getattr(competition, "unconfirmed", None)
    # The public page's link for the office to copy to the college website, while the public switch
    # is on: True once the competition has a confirmed result (public), False before.
    public = getattr(competition, "public", None)

    results_html = read_results(competition, ResultsView.of(request.GET), fragments.granted(request.user))
    return render(
        request,
        "competitions/competition_detail.html",
        {
            "competition": competition,
            "unconfirmed": unconfirmed,
            "public": public,
            "results_html": results_html,
        },
    )


def competition_notices() -> dict:
    """For annotate() on the page's competition, in its one query: `unconfirmed`, the number of its
    results waiting for a second office user (only while the office confirms results), and
    `public`, whether the public pages show it (only while they are on)."""
    notices = {}
    if confirming.required():
        waiting = (
            Entry.objects.for_competition(OuterRef("pk"))
            .unconfirmed()
            .order_by()
            .values("event__competition")
            .annotate(n=Count("pk"))
            .values("n")
        )
        notices["unconfirmed"] = Coalesce(Subquery(waiting), 0)
    if settings.PUBLIC_RESULTS:
        notices["public"] = Exists(Competition.objects.public().filter(pk=OuterRef("pk")))
    return notices


def read_results(competition: Competition, view: ResultsView, granted: fragments.Granted) -> SafeString:
    """The page's medal table and page of results, two parts: each cached, or stored when results
    changed (the default view: DEFAULT_VIEW, first page; competitions.precompute), or rendered here.
    The medal table depends on no permission and no page, so page 2 renders only its events."""
    events_page = None
    number = 1
    if view.page or view.event:  # the page asked for decides the key
        events_page = view.events_page(competition)
        number = events_page.number
    language = get_language()
    medals, events = fragments.read_many(
        [
            (
                fragments.results_key(competition, language, None, view.medals_shown()),
                lambda: render_medals(medals_context(competition, view)),
                view.medals_shown() == DEFAULT_VIEW.medals_shown(),
            ),
            (
                fragments.results_key(competition, language, granted, view.shown(number)),
                lambda: render_events(events_context(competition, view, events_page), granted),
                view.shown(number) == DEFAULT_VIEW.shown(1),
            ),
        ]
    )
    page = f"&amp;page={number}" if number > 1 else ""
    return mark_safe(medals.replace(PAGE_MARK, page) + events)


def render_medals(context: dict) -> str:
    """The medal-table part in the current language (it shows no permission's links)."""
    return render_to_string("competitions/_competition_medals.html", {**context, "page_mark": PAGE_MARK})


def render_events(context: dict, granted: fragments.Granted) -> str:
    """The events part as a viewer with these permissions sees it, in the current language."""
    return render_to_string("competitions/_competition_events.html", {**context, "perms": granted})


def medals_context(competition: Competition, view: ResultsView) -> dict:
    """What the medal-table part shows: its leading rows (or every row on asking), the unnamed line
    and the notes on organizations out of the ranking."""
    competition.read_ranking_exceptions()
    by, order = view.by, view.order
    counted = Entry.objects.for_competition(competition)
    unranked = [organization.pk for organization in competition.unranked]
    if view.selection_only:
        counted = counted.selection_events()
        medal_rows = tallies.medal_table(
            counted,
            by=by,
            order=order,
            unranked=unranked,
            exclude=[organization.pk for organization in competition.excluded],
        )
    else:  # every result: the competition's stored tallies hold the counts
        medal_rows = tallies.competition_medal_table(competition, by=by, order=order, unranked=unranked)
    return {
        "competition": competition,
        # The whole medal table's link (read_results adds the page of events shown).
        "whole_table_params": {**view.params(), "medals": "all"},
        "medal_rows": medal_rows if view.whole_table else medal_rows[:MEDAL_ROWS],
        "medal_rows_hidden": 0 if view.whole_table else max(0, len(medal_rows) - MEDAL_ROWS),
        "medal_rows_count": len(medal_rows),
        # A person table (students, coaches) ends with one "未署名" line of the entries naming nobody.
        "unnamed": tallies.unnamed_row(counted, by=by),
        "medal_tiers": MEDAL_TIERS,
        "by": by,
        "by_label": BY_LABELS[by],
        "order": order,
        "selection_only": view.selection_only,
        "by_choices": list(BY_LABELS.items()),
        "order_choices": [(key, ORDER_LABELS[key]) for key in ORDERS],
    }


def events_context(competition: Competition, view: ResultsView, events_page: Page | None = None) -> dict:
    """What the events part shows: a page of the events with their results (a national selection
    has hundreds of events); its links keep the medal table's choices."""
    if events_page is None:
        events_page = view.events_page(competition)
    return {
        "params": view.params(),
        "events": with_results(events_page.events),
        "events_page": events_page,
        # A list: the part shows them twice, and is rendered once for each language and role.
        "event_page_numbers": list(events_page.paginator.get_elided_page_range(events_page.number)),
    }


def with_results(events: list[Event]) -> list[Event]:
    """The events, each with its `results` (result_rows.read, with evidence counts): two queries."""
    results = result_rows.read(event.pk for event in events)
    for event in events:
        event.results = results[event.pk]
    return events


def precomputed_results(competition_ids: list[int]) -> Iterator[fragments.Part]:
    """(key, competition id, results version, html) of each competition's default parts
    (DEFAULT_VIEW): the medal table in every language, the first page of events in every language
    for every role (competitions.precompute)."""
    variants = fragments.role_variants()
    for competition in Competition.objects.filter(pk__in=competition_ids).order_by("pk"):
        version = competition.results_version
        medals = medals_context(competition, DEFAULT_VIEW)  # read once, rendered for each
        events = events_context(competition, DEFAULT_VIEW)
        for language, _name in settings.LANGUAGES:
            with translation.override(language):
                key = fragments.results_key(competition, language, None, DEFAULT_VIEW.medals_shown())
                yield key, competition.pk, version, render_medals(medals)
                for granted in variants:
                    key = fragments.results_key(competition, language, granted, DEFAULT_VIEW.shown(1))
                    yield key, competition.pk, version, render_events(events, granted)


@public_page
def honours(request: HttpRequest) -> HttpResponse:
    """The public honours page, when settings.PUBLIC_RESULTS turns it on (public_page: 404 when off).

    Names, events and awards of the college's confirmed medals (rule 9, as every college tally): no student
    numbers, classes, photos or other personal data, and no links to the logged-in pages. In the public
    pages' layout, linked both ways with the public results (competitions.views.public).
    """
    # Public data shows confirmed results only (issue 12's Decision): all of them when the office
    # confirms nothing (competitions.confirming).
    entries = (
        tallies.college_entries(awarded=True, confirmed=True)
        .filter(award__tier__in=MEDAL_TIERS)
        .select_related("event__competition", "award")
        .prefetch_related(
            Prefetch("members", queryset=EntryMember.objects.only("entry_id", "name", "position"))
        )
        .order_by("-event__competition__year", "event__competition__name", "event__name", "id")
    )
    page = Paginator(entries, 100).get_page(request.GET.get("page"))
    layout = layout_context(request.path, page=page.number, section="honours")
    return render(request, "competitions/honours.html", {"page": page, **layout})
