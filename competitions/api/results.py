"""Medal tables, leaderboards and tallies over a period: the read API's results router.

No number is counted here. Each endpoint calls what its page or command calls, so the API, the
pages and `manage.py medal_table` always agree:

- /medal-table/: tallies.medal_table, as the medal_table command and a competition's page;
- /leaderboard/: the leaderboard page's entries (views.leaderboards.leaderboard_entries) and, for
  all-time tables, the stored tallies a page at a time (tallies.TallyRows), as the page;
- /tallies/: the tallies page's year × level × tier pivot (tallies.period_counts, reports.pivot_table);
- /annual-summary/: the annual summary's numbers (reports.annual_summary).

Who sees what (competitions.api.access.Viewer): a user with a role sees every result and every
field. Anonymous readers (settings.PUBLIC_RESULTS on) see confirmed results only while the office
confirms results, names but no ids of people, and nothing of the college's internal structure:
no department tables or filters (departments, classes and student numbers are not public; names
are, as on the public honours page). The stored tallies count every result, so where only
confirmed ones may be counted and some result is unconfirmed, the numbers are counted from the
confirmed entries instead, through the same functions.
"""

from typing import Annotated, Literal

from django.http import HttpResponse
from django.utils.translation import gettext as _
from ninja import Query, Router, Schema
from ninja.errors import HttpError
from pydantic import Field, StringConstraints

import competitions.api.dumping as dumping
import competitions.api.schemas as schemas
from competitions import reports, tallies
from competitions.models import (
    Category,
    Competition,
    Entry,
    Level,
    Organization,
    Skill,
    confirmation_required,
)
from competitions.views.leaderboards import PER_PAGE, leaderboard_entries, summary_year
from students.models import Department

router = Router(tags=["results"])

MAX_ID = 2**63 - 1  # the largest id a database key holds: larger ones are refused, not looked up
MAX_LIMIT = 500
MAX_OFFSET = 1_000_000

By = Literal[tallies.TABLES]  # organization, department, student, coach, skill
Order = Literal[tallies.ORDERS]  # tiers, total, points
LevelCode = Literal[tuple(Level.values)]
CategoryCode = Literal[tuple(Category.values)]
EventsFlag = Literal["selection"]
# Organization names, one or several separated by commas: no NUL (no database stores one), and few
# enough in all that one query can look them up (SQLite takes at most 32,766 values).
Names = Annotated[str, StringConstraints(pattern=r"^[^\x00]*$", max_length=1000)]
MAX_NAMES = 20
# Groupings only users with a role may ask for: departments are the college's internal structure,
# coaches its staff (the public pages name no coach either).
PERSONAL_TABLES = {"department", "coach"}


# ---------------------------------------------------------------------------------------------
# Schemas: the public shape, and the personal one with the fields only a role may see


# What any operation may answer besides its result (competitions.api.schemas), and 403 for a
# grouping the public may not ask for, 404 for an id or name that names nothing.
ERRORS = {**schemas.ERRORS, 403: schemas.Error, 404: schemas.Error}


class PublicMedalRow(Schema):
    """One row of a medal table: the keys of `medal_table --format json`."""

    rank: int | None = Field(description="Shared by ties (1, 2, 2, 4); null for a row out of the ranking.")
    name: str
    special: int
    gold: int
    silver: int
    bronze: int
    excellence: int
    total: int = Field(description="special + gold + silver + bronze + excellence")
    points: int = Field(description="Weighted by each competition's own medal points.")


class MedalRow(PublicMedalRow):
    id: int | None = Field(
        description="The organization, department, student, coach or skill; null for the unnamed line."
    )
    other: int = Field(description="Other awards: named awards, squad selections.")
    entries: int = Field(description="Entries counted, with or without an award.")


class PublicMedalTable(Schema):
    by: str
    order: str
    confirmed_only: bool = Field(description="Only confirmed results were counted.")
    rows: list[PublicMedalRow]
    unnamed: PublicMedalRow | None = Field(
        description="Students' and coaches' tables: the college's entries that name nobody (not ranked)."
    )


class MedalTable(PublicMedalTable):
    rows: list[MedalRow]
    unnamed: MedalRow | None


class PublicMedalTablePage(PublicMedalTable):
    count: int = Field(description="Rows in the whole table, on all pages.")
    page: int
    page_size: int


class MedalTablePage(PublicMedalTablePage):
    rows: list[MedalRow]
    unnamed: MedalRow | None


class PublicLeaderboard(PublicMedalTable):
    count: int = Field(description="Rows in the whole table.")
    limit: int
    offset: int


class Leaderboard(PublicLeaderboard):
    rows: list[MedalRow]
    unnamed: MedalRow | None


class PivotRow(Schema):
    """Entries of each award tier (each entry once) in a year and level."""

    level: str | None = Field(description="null: every level of the year (or of every year).")
    special: int
    gold: int
    silver: int
    bronze: int
    excellence: int
    other: int
    medals: int = Field(description="special + gold + silver + bronze + excellence")
    total: int = Field(description="Every award, other ones included.")


class PivotYear(Schema):
    year: int
    levels: list[PivotRow] = Field(description="Widest level first.")
    total: PivotRow


class Tallies(Schema):
    department: int | None
    category: str | None
    confirmed_only: bool
    years: list[PivotYear] = Field(description="Newest first.")
    total: PivotRow = Field(description="Every year.")


class PublicSummary(Schema):
    year: int
    category: str | None
    confirmed_only: bool
    levels: list[PivotRow]
    total: PivotRow
    listed_medals: int = Field(description="Medals at world, national and national industry level.")
    squad_selections: int
    squad_people: int = Field(description="An entry without named members counts as one person.")
    named_awards: int


class Summary(PublicSummary):
    departments: list[MedalRow]
    paragraph_zh: str
    paragraph_en: str


# ---------------------------------------------------------------------------------------------
# Options


class Period(Schema):
    """Which competitions' results: every one unless cut. The cuts add up (a year_from after
    year_to, or a year outside them, leaves nothing)."""

    year: int | None = Field(None, ge=1900, le=2200, description="One year.")
    year_from: int | None = Field(None, ge=1900, le=2200, description="From this year on.")
    year_to: int | None = Field(None, ge=1900, le=2200, description="Up to this year.")
    level: LevelCode | None = None
    category: CategoryCode | None = None
    events_flag: EventsFlag | None = Field(None, description="selection: WorldSkills selection events only.")
    confirmed: bool = Field(
        False,
        description="Confirmed results only (always so for anonymous readers while results are confirmed).",
    )


class MedalTableOptions(Period, schemas.Paging):
    by: By = "organization"
    order: Order = "tiers"
    competition: int | None = Field(None, ge=1, le=MAX_ID, description="One competition (its id).")
    unranked: list[Names] = Field(
        [],
        max_length=MAX_NAMES,
        description="Organizations shown without a rank (names; repeat or separate with commas).",
    )
    exclude: list[Names] = Field(
        [],
        max_length=MAX_NAMES,
        description="Organizations left out of the table (names; repeat or separate with commas).",
    )


class LeaderboardOptions(Period):
    by: By = "student"
    order: Order = "tiers"
    skill: int | None = Field(None, ge=1, le=MAX_ID, description="One skill (its id).")
    limit: int = Field(PER_PAGE, ge=1, le=MAX_LIMIT)
    offset: int = Field(0, ge=0, le=MAX_OFFSET)


class TallyOptions(Schema):
    department: int | None = Field(None, ge=1, le=MAX_ID, description="One department (its id).")
    category: CategoryCode | None = None
    confirmed: bool = False


class SummaryOptions(Schema):
    year: int | None = Field(None, ge=1900, le=2200, description="Default: the latest year with awards.")
    category: CategoryCode | None = None
    confirmed: bool = False


def not_found(message: str) -> HttpError:
    """A 404 for an id that names nothing (a well-formed request for something that is not there)."""
    return HttpError(404, message)


def personal_only(request, message: str) -> None:
    """A 403 with this message for anonymous readers."""
    if not request.auth.personal:
        raise HttpError(403, message)


def counts_confirmed_only(request, options) -> bool:
    """Whether only confirmed results count: asked for, or always for anonymous readers, while
    results are confirmed at all (otherwise every result counts as confirmed)."""
    return (options.confirmed or request.auth.confirmed_only) and confirmation_required()


def stored_tallies_differ(confirmed_only: bool) -> bool:
    """Whether counting confirmed results only gives other numbers than the stored tallies (which
    count every result): only while some result is unconfirmed. One small query."""
    return confirmed_only and Entry.objects.unconfirmed().exists()


def organization_ids(values: list[str]) -> set[int]:
    """Ids of organization names as the medal_table command reads them (comma-separated, the
    Chinese comma too); an unknown name is a 404 naming it, as the command refuses it."""
    wanted = [
        name.strip() for value in values for name in value.replace("，", ",").split(",") if name.strip()
    ]
    if not wanted:
        return set()
    found = dict(Organization.objects.filter(name__in=wanted).values_list("name", "pk"))
    unknown = [name for name in wanted if name not in found]
    if unknown:
        raise not_found(_("Unknown organizations: %(names)s") % {"names": ", ".join(unknown)})
    return set(found.values())


def cut(options: Period, *, skill: Skill | None = None):
    """The entries of a period: years, level, category, skill and events cut as the leaderboard
    page cuts them (its own function), and one year."""
    entries = leaderboard_entries(
        {
            "year_from": options.year_from,
            "year_to": options.year_to,
            "level": options.level,
            "category": options.category,
            "skill": skill,
            "selection": options.events_flag == "selection",
        }
    )
    if options.year is not None:
        entries = entries.filter(event__competition__year=options.year)
    return entries


def row_out(row: tallies.MedalRow, personal: bool) -> dict:
    """A row as PublicMedalRow (or, for a role, MedalRow) has it."""
    values = row.as_dict()
    if not personal:
        return values
    key = None if row.unnamed else row.key
    return {**values, "id": key, "other": row.other, "entries": row.entries}


def table_response(schema: type[Schema], **values) -> HttpResponse:
    """A medal table or leaderboard answer (its rows row_out's dicts) as `schema` writes it,
    without ninja validating its hundreds of cells again (competitions.api.dumping); the view has
    chosen the schema its viewer may see."""
    return dumping.json_response(dumping.dump(schema, values))


def pivot_row(row: reports.PivotRow) -> PivotRow:
    return PivotRow(level=row.level, **dict(row.cells()), medals=row.medals, total=row.total)


# ---------------------------------------------------------------------------------------------
# Endpoints


@router.get(
    "/medal-table/",
    response={200: MedalTablePage | PublicMedalTablePage, **ERRORS},
    summary="Medal table",
    operation_id="medal_table",
)
def medal_table(request, options: Query[MedalTableOptions]):
    """A medal table of the results of one competition, or of every competition in a period,
    with the medal_table command's options: grouped `by` organization, department, student, coach
    or skill; ordered by tiers (special, gold, silver, bronze, excellence compared in turn), total
    or points; WorldSkills selection events only; organizations out of the ranking (`unranked`) or
    left out (`exclude`), on top of what the competition stores. The rows are the command's JSON
    rows, `page_size` at a time (`count` rows in all); students' and coaches' tables end with an
    `unnamed` line, on the last page. Without a competition or a cut, the all-time table is read
    from the stored tallies a page at a time (rows that tie share a rank; among them the order may
    differ from the command's). Department tables need a role."""
    if options.by in PERSONAL_TABLES:
        personal_only(request, _("Department and coach tables are not public."))
    unranked = organization_ids(options.unranked)
    exclude = organization_ids(options.exclude)
    confirmed = counts_confirmed_only(request, options)
    entries = cut(options)
    competition = None
    if options.competition is not None:
        # The public asks only of the competitions public data shows (Competition.objects.public()).
        competitions = Competition.objects.all() if request.auth.personal else Competition.objects.public()
        competition = competitions.filter(pk=options.competition).first()
        if competition is None:
            raise not_found(_("No competition with id %(id)s.") % {"id": options.competition})
        entries = entries.for_competition(competition)
        unranked |= set(competition.unranked_organizations.values_list("pk", flat=True))
        exclude |= set(competition.excluded_organizations.values_list("pk", flat=True))
    if confirmed:
        entries = entries.confirmed()
    all_time = options.competition is None and not unranked and not exclude and is_all_time(options)
    # One whole competition, with no other organization left out than its own: its stored table.
    whole = competition is not None and is_all_time(options) and not options.exclude
    if all_time and not stored_tallies_differ(confirmed):
        rows = tallies.TallyRows(options.by, options.order)  # in rank order, a slice at a time
    elif whole and not stored_tallies_differ(confirmed):
        rows = tallies.competition_medal_table(
            competition, by=options.by, order=options.order, unranked=unranked
        )
    else:
        rows = tallies.medal_table(
            entries, by=options.by, order=options.order, unranked=unranked, exclude=exclude
        )
    count = len(rows)
    start = (options.page - 1) * options.size
    page = rows[start : start + options.size]
    last = start + options.size >= count
    unnamed = tallies.unnamed_row(entries, by=options.by) if last else None
    personal = request.auth.personal
    table = MedalTablePage if personal else PublicMedalTablePage
    return table_response(
        table,
        by=options.by,
        order=options.order,
        confirmed_only=confirmed,
        count=count,
        page=options.page,
        page_size=options.size,
        rows=[row_out(row, personal) for row in page],
        unnamed=row_out(unnamed, personal) if unnamed else None,
    )


def is_all_time(options: Period, *extra) -> bool:
    """No cut of the period (years, level, category, events) nor of `extra` options."""
    cuts = (
        options.year,
        options.year_from,
        options.year_to,
        options.level,
        options.category,
        options.events_flag,
        *extra,
    )
    return all(value in (None, "") for value in cuts)


@router.get(
    "/leaderboard/",
    response={200: Leaderboard | PublicLeaderboard, **ERRORS},
    summary="Leaderboard",
    operation_id="leaderboard",
)
def leaderboard(request, options: Query[LeaderboardOptions]):
    """Students, coaches, departments, skills or organizations ranked over many competitions, as
    the leaderboards page ranks them, `limit` rows from `offset`. Without a cut (years, level,
    category, skill, events) the all-time table is read from the stored tallies a page at a time.
    Department leaderboards need a role."""
    if options.by in PERSONAL_TABLES:
        personal_only(request, _("Department and coach tables are not public."))
    skill = None
    if options.skill is not None:
        skill = Skill.objects.filter(pk=options.skill).first()
        if skill is None:
            raise not_found(_("No skill with id %(id)s.") % {"id": options.skill})
    confirmed = counts_confirmed_only(request, options)
    entries = cut(options, skill=skill)
    if confirmed:
        entries = entries.confirmed()
    all_time = is_all_time(options, options.skill)
    if all_time and not stored_tallies_differ(confirmed):
        rows = tallies.TallyRows(options.by, options.order)  # in rank order, a slice at a time
    else:
        rows = tallies.medal_table(entries, by=options.by, order=options.order)
    page = rows[options.offset : options.offset + options.limit]
    unnamed = tallies.unnamed_row(entries, by=options.by)
    personal = request.auth.personal
    table = Leaderboard if personal else PublicLeaderboard
    return table_response(
        table,
        by=options.by,
        order=options.order,
        confirmed_only=confirmed,
        count=len(rows),
        limit=options.limit,
        offset=options.offset,
        rows=[row_out(row, personal) for row in page],
        unnamed=row_out(unnamed, personal) if unnamed else None,
    )


@router.get(
    "/tallies/",
    response={200: Tallies, **ERRORS},
    summary="Tallies by year, level and tier",
    operation_id="tallies",
)
def year_level_tallies(request, options: Query[TallyOptions]):
    """The college's results by year × level × award tier, each entry once (the tallies page's
    table), for the whole college or one department's students (needs a role), in one category or
    every one."""
    department = None
    if options.department is not None:
        personal_only(request, _("Department tallies are not public."))
        department = Department.objects.filter(pk=options.department).first()
        if department is None:
            raise not_found(_("No department with id %(id)s.") % {"id": options.department})
    confirmed = counts_confirmed_only(request, options)
    if Organization.home() is None:
        counts = {}
    elif stored_tallies_differ(confirmed):
        entries = tallies.college_entries(category=options.category, department=department, confirmed=True)
        counts = tallies.year_level_counts(entries)
    elif department is None:
        counts = tallies.period_counts("college", tallies.COLLEGE_KEY, category=options.category)
    else:
        counts = tallies.period_counts("department", department.pk, category=options.category)
    years, grand = reports.pivot_table(counts)
    return Tallies(
        department=options.department,
        category=options.category,
        confirmed_only=confirmed,
        years=[
            PivotYear(
                year=year.year, levels=[pivot_row(row) for row in year.levels], total=pivot_row(year.total)
            )
            for year in years
        ],
        total=pivot_row(grand),
    )


@router.get(
    "/annual-summary/",
    response={200: Summary | PublicSummary, **ERRORS},
    summary="Annual summary",
    operation_id="annual_summary",
)
def annual_summary(request, options: Query[SummaryOptions]):
    """The numbers of the annual summary page for one year: the college's results by level and
    tier, how many world and national medals, squad selections and named awards it lists, and
    (with a role) the departments' table and the summary paragraphs in Chinese and English."""
    home = Organization.home()
    confirmed = counts_confirmed_only(request, options)
    year = options.year if options.year is not None else summary_year(home, confirmed=confirmed)[1]
    if home is None:
        summary = reports.AnnualSummary(year=year, category=options.category, confirmed=confirmed)
    else:
        summary = reports.annual_summary(year, category=options.category, confirmed=confirmed)
    levels = [pivot_row(row) for row in summary.levels]
    total = pivot_row(summary.total or reports.PivotRow(year, None, {}))
    numbers = {
        "year": year,
        "category": options.category,
        "confirmed_only": confirmed,
        "levels": levels,
        "total": total,
        "listed_medals": len(summary.medals),
        "squad_selections": len(summary.squads),
        "squad_people": summary.squad_people,
        "named_awards": len(summary.named_awards),
    }
    if not request.auth.personal:
        return PublicSummary(**numbers)
    return Summary(
        **numbers,
        departments=[row_out(row, True) for row in summary.departments],
        paragraph_zh=summary.paragraph_zh,
        paragraph_en=summary.paragraph_en,
    )
