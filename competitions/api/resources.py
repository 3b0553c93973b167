"""Competitions, events, entries, organizations, skills, students, coaches, departments.

Who sees what (request.auth is an access.Viewer):
- A user with a role (teachers, office, administrators alike: teachers read everything) sees every
  result, confirmed or not (with its `confirmed` flag), the ids of the people in it and its notes,
  and the people endpoints (students, coaches, departments).
- An anonymous visitor (only while settings.PUBLIC_RESULTS is on) sees the public fields only:
  competitions, events, organizations, skills and entries with names, awards and ranks; never
  student numbers, classes, departments, notes or people's ids. While results need confirming,
  unconfirmed results are invisible to them everywhere (`Entry.objects.confirmed()`). The people
  endpoints answer them 403, and so does an entries filter by a student or coach (people's records
  are internal; results name their people).

Every list is a page (`?page=`, `?page_size=` up to schemas.MAX_PAGE_SIZE) with its `count`, in a
stable order, and costs the same number of queries for 3 rows or 100.
"""

from django.db.models import Exists, F, OuterRef, Prefetch, Q, QuerySet, Sum
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext_lazy as _
from ninja import Query, Router, Schema
from ninja.errors import HttpError

import competitions.api.schemas as schemas
from competitions import models, tallies
from competitions.api.schemas import Id, Paging, SearchText, Year
from competitions.querysets import CompiledQuery, SharedInstances, column_of
from students import counting
from students.models import Coach, Department, Major, Student

router = Router()

PEOPLE_ONLY = _("Only a logged-in user with a role or an API key may read people's records.")
NOT_FOUND = {404: schemas.Error}
PERSONAL = {403: schemas.Error}
ERRORS = schemas.ERRORS


def personal_only(request) -> None:
    if not request.auth.personal:
        raise HttpError(403, str(PEOPLE_ONLY))


def visible_entries(request) -> QuerySet[models.Entry]:
    """The entries this viewer may see: confirmed ones only for the public while the office
    confirms results (competitions.confirming owns what "confirmed" means)."""
    if request.auth.confirmed_only:
        return models.Entry.objects.confirmed()
    return models.Entry.objects.all()


def visible_competitions(request) -> QuerySet[models.Competition]:
    """Every competition for a role; for the public only those the public pages show
    (Competition.objects.public(): with a confirmed result)."""
    if request.auth.personal:
        return models.Competition.objects.all()
    return models.Competition.objects.public()


def visible_events(request) -> QuerySet[models.Event]:
    """Every event for a role; for the public only events with a result it may see."""
    if request.auth.personal:
        return models.Event.objects.all()
    return models.Event.objects.filter(Exists(visible_entries(request).filter(event=OuterRef("pk"))))


# The columns of an entry that schemas.Entry(Public) shows, read as values: instances of the few
# competitions, events, organizations and awards a page names, not four per entry (issue 13).
ENTRY_VALUES = (
    "pk",
    "rank",
    "score",
    "notes",
    "event_id",
    "event__name",
    "event__competition_id",
    "event__competition__name",
    "event__competition__year",
    "event__competition__level",
    "organization_id",
    "organization_name",
    "award_id",
    "award_label",
    "award_tier",
)
# The organization's and award's columns by subquery, not joined: PostgreSQL planned the six
# tables' join in 1.2 ms (for 0.2 ms to run it), with three subqueries in 0.46 ms (issue 13).
ENTRY_SUBQUERIES = {
    "organization_name": column_of(models.Organization, "organization_id"),
    "award_label": column_of(models.Award, "award_id", "label"),
    "award_tier": column_of(models.Award, "award_id", "tier"),
}


def entries_to_show(
    entries: QuerySet[models.Entry], request, rows: slice | None = None
) -> list[models.Entry]:
    """The entries (`rows` of them: a page), ordered as given, with everything schemas.Entry(Public)
    reads, in three queries whatever their number: the entries, their members (as
    EntryMember orders them) and their coaches (as Coach orders them). Coaches (the college's
    teachers, named) are not public data, as on the public pages; `confirmed` (whether it counts
    where only confirmed results may: asked of Entry.objects.confirmed()) is for roles only."""
    personal = request.auth.personal
    fields = ENTRY_VALUES
    if personal:
        entries, fields = entries.with_confirmed(), (*fields, "confirmed")
    values = entries.annotate(**ENTRY_SUBQUERIES).values_list(*fields)
    if rows is not None:
        values = values[rows]
    one = SharedInstances()
    found: dict[int, models.Entry] = {}
    for row in values:
        (pk, rank, score, notes, event, event_name, competition, name, year, level, organization,
         organization_name, award, label, tier, *confirmed) = row  # fmt: skip
        entry = models.Entry(
            pk=pk,
            rank=rank,
            score=score,
            notes=notes,
            event=one(
                models.Event,
                event,
                name=event_name,
                competition=one(models.Competition, competition, name=name, year=year, level=level),
            ),
            organization=one(models.Organization, organization, name=organization_name),
            award=one(models.Award, award, label=label, tier=tier),
        )
        if confirmed:
            entry.confirmed = confirmed[0]
        # Read by schemas.dump (and ninja) as the prefetched members and coaches would be.
        entry._prefetched_objects_cache = {"members": [], "coaches": []}
        found[pk] = entry
    if not found:
        return []
    for entry, name, student, coach in MEMBERS_OF_ENTRIES(list(found)):
        member = models.EntryMember(name=name, student_id=student, coach_id=coach)
        found[entry]._prefetched_objects_cache["members"].append(member)
    if personal:
        for entry, coach, name in COACHES_OF_ENTRIES(list(found)):
            found[entry]._prefetched_objects_cache["coaches"].append(one(Coach, coach, name=name))
    return list(found.values())


# The members and coaches of a page of entries, compiled once per connection and page length:
# members by position, coaches as Coach orders them (its Meta ordering), then by id.
MEMBERS_OF_ENTRIES = CompiledQuery(
    lambda ids: (
        models.EntryMember.objects.filter(entry__in=ids)
        .order_by("entry_id", "position")
        .values_list("entry_id", "name", "student_id", "coach_id")
    )
)
COACHES_OF_ENTRIES = CompiledQuery(
    lambda ids: (
        models.EntryCoach.objects.filter(entry__in=ids)
        .order_by("coach__name_pinyin", "coach__name", "coach_id")
        .values_list("entry_id", "coach_id", "coach__name")
    )
)


# Newest competition first, then as a competition's page lists its events and results.
ENTRY_ORDER = [
    "-event__competition__year",
    "event__competition__name",
    "event__competition_id",
    "event__name",
    "event_id",
    F("rank").asc(nulls_last=True),
    "id",
]


# ---------------------------------------------------------------------------------------------
# Competitions


class CompetitionFilters(Schema):
    year: Year | None = None
    level: schemas.LevelValue | None = None
    category: schemas.CategoryValue | None = None
    organization: Id | None = None
    q: SearchText | None = None


@router.get(
    "/competitions/",
    response={200: schemas.CompetitionPage | schemas.CompetitionPagePublic, **ERRORS},
    url_name="competition-list",
    tags=["competitions"],
    summary="Competitions",
)
def competition_list(request, filters: Query[CompetitionFilters], paging: Query[Paging]):
    """Newest first. `organization`: the competitions in which that organization has a (visible) entry;
    `q`: part of the name."""
    competitions = visible_competitions(request).order_by("-year", "name", "id")
    if filters.year is not None:
        competitions = competitions.filter(year=filters.year)
    if filters.level:
        competitions = competitions.filter(level=filters.level)
    if filters.category:
        competitions = competitions.filter(category=filters.category)
    if filters.organization is not None:
        entries = visible_entries(request).filter(
            event__competition=OuterRef("pk"), organization=filters.organization
        )
        competitions = competitions.filter(Exists(entries))
    if filters.q:
        competitions = competitions.filter(name__icontains=filters.q.strip())
    if request.auth.personal:
        return schemas.page_of(schemas.CompetitionPage, competitions, paging)
    return schemas.page_of(schemas.CompetitionPagePublic, competitions, paging)


@router.get(
    "/competitions/{competition_id}",
    response={200: schemas.CompetitionDetail | schemas.CompetitionDetailPublic, **NOT_FOUND, **ERRORS},
    url_name="competition-detail",
    tags=["competitions"],
    summary="A competition with its events",
)
def competition_detail(request, competition_id: int):
    events = visible_events(request).select_related("skill").order_by("name", "id")
    competition = get_object_or_404(
        visible_competitions(request).prefetch_related(Prefetch("events", queryset=events)), pk=competition_id
    )
    schema = schemas.CompetitionDetail if request.auth.personal else schemas.CompetitionDetailPublic
    return schemas.respond(schema.from_orm(competition))


# ---------------------------------------------------------------------------------------------
# Events


class EventFilters(Schema):
    competition: Id | None = None
    skill: Id | None = None
    year: Year | None = None


def events_to_show(request) -> QuerySet[models.Event]:
    return visible_events(request).select_related("competition", "skill")


@router.get(
    "/events/",
    response={200: schemas.EventPage, **ERRORS},
    url_name="event-list",
    tags=["competitions"],
    summary="Events",
)
def event_list(request, filters: Query[EventFilters], paging: Query[Paging]):
    """Newest competition first, then by name."""
    events = events_to_show(request).order_by(
        "-competition__year", "competition__name", "competition_id", "name", "id"
    )
    if filters.competition is not None:
        events = events.filter(competition=filters.competition)
    if filters.skill is not None:
        events = events.filter(skill=filters.skill)
    if filters.year is not None:
        events = events.filter(competition__year=filters.year)
    return schemas.page_of(schemas.EventPage, events, paging)


@router.get(
    "/events/{event_id}",
    response={200: schemas.EventOut, **NOT_FOUND, **ERRORS},
    url_name="event-detail",
    tags=["competitions"],
    summary="An event",
)
def event_detail(request, event_id: int):
    return get_object_or_404(events_to_show(request), pk=event_id)


# ---------------------------------------------------------------------------------------------
# Entries


class EntryFilters(Schema):
    competition: Id | None = None
    event: Id | None = None
    year: Year | None = None
    level: schemas.LevelValue | None = None
    category: schemas.CategoryValue | None = None
    organization: Id | None = None
    tier: schemas.TierValue | None = None
    college: bool | None = None
    student: Id | None = None
    coach: Id | None = None


COMPETITION_FILTERS = ("competition", "year", "level", "category")
# ENTRY_ORDER's first keys, said of the competitions themselves: ["-year", "name", "pk"].
COMPETITION_ORDER = [
    key.replace("event__competition__", "").replace("event__competition_id", "pk") for key in ENTRY_ORDER[:3]
]


def competition_filters(filters: EntryFilters) -> dict:
    """The given filters that are about the competition, as lookups on Competition."""
    return {
        "pk" if name == "competition" else name: getattr(filters, name)
        for name in COMPETITION_FILTERS
        if getattr(filters, name) not in (None, "")
    }


def only_competitions_filtered(filters: EntryFilters) -> bool:
    """Whether the entry filters given are all about the competition (or there are none)."""
    given = {name for name, value in filters.model_dump().items() if value not in (None, "")}
    return given <= set(COMPETITION_FILTERS)


COMPETITION_BATCH = 50


def entries_by_competition(
    competitions: QuerySet[models.Competition], paging: schemas.Paging
) -> tuple[int, list[int], slice]:
    """The number of entries of these competitions; the competitions this page's entries belong
    to; and the page's slice of those competitions' entries in ENTRY_ORDER. From the stored entry
    counts (Competition.entry_count): the database reads the entries of the page's few
    competitions, not a million to count and sort them (issue 13)."""
    counts = competitions.order_by(*COMPETITION_ORDER).values_list("pk", "entry_count")
    start = (paging.page - 1) * paging.size
    stop = start + paging.size
    chosen, before, seen = [], 0, 0
    # The competitions in batches (usually one: as many as the page's last entry's position),
    # until the page is filled: the list's index gives them in order without sorting every
    # competition (7 ms on PostgreSQL at 3,400 competitions); the total is one sum.
    offset, batch = 0, max(COMPETITION_BATCH, stop)
    while seen < stop:
        rows = list(counts[offset : offset + batch])
        for pk, n in rows:
            if n and seen < stop and seen + n > start:
                if not chosen:
                    before = seen  # entries of the competitions ahead of the page's first
                chosen.append(pk)
            seen += n
        if len(rows) < batch:
            break
        offset, batch = offset + batch, batch * 4
    total = competitions.aggregate(n=Sum("entry_count"))["n"] or 0
    return total, chosen, slice(start - before, stop - before)


@router.get(
    "/entries/",
    response={200: schemas.EntryPage | schemas.EntryPagePublic, **PERSONAL, **ERRORS},
    url_name="entry-list",
    tags=["entries"],
    summary="Entries and their results",
)
def entry_list(request, filters: Query[EntryFilters], paging: Query[Paging]):
    """Newest competition first, then by competition, event and rank.

    `tier`: the award's tier; `college=true`: the entries that count for the college (a home
    student or teacher among the members or coaches, or competing for the college, whatever the
    organization: DOMAIN rule 9), `false` the others; `student` / `coach`: the entries with that
    student as a member / coached by that coach (users with a role only: 403 for the public).
    """
    of_competition = competition_filters(filters)
    if not request.auth.confirmed_only and only_competitions_filtered(filters):
        competitions = models.Competition.objects.filter(**of_competition)
        count, chosen, rows = entries_by_competition(competitions, paging)
        # Within one competition its keys are all equal: ordered without them, the database reads
        # the page's events in order and stops at the page (not a sort of all 5,000 entries).
        order = ENTRY_ORDER[len(COMPETITION_ORDER) :] if len(chosen) == 1 else ENTRY_ORDER
        entries = models.Entry.objects.filter(event__competition__in=chosen).order_by(*order)
        schema = schemas.EntryPage if request.auth.personal else schemas.EntryPagePublic
        return schemas.page_of(schema, entries_to_show(entries, request, rows), paging, count=count)
    entries = visible_entries(request).filter(
        **{f"event__competition__{field}": value for field, value in of_competition.items()}
    )
    if filters.event is not None:
        entries = entries.filter(event=filters.event)
    if filters.organization is not None:
        entries = entries.filter(organization=filters.organization)
    if filters.tier:
        entries = entries.filter(award__tier=filters.tier)
    if filters.college is not None:
        college = tallies.college_condition()
        entries = entries.filter(college if filters.college else ~college)
    if filters.student is not None or filters.coach is not None:
        personal_only(request)
        if filters.student is not None:
            entries = entries.filter(
                Exists(models.EntryMember.objects.filter(entry=OuterRef("pk"), student=filters.student))
            )
        if filters.coach is not None:
            entries = entries.filter(
                Exists(models.EntryCoach.objects.filter(entry=OuterRef("pk"), coach=filters.coach))
            )
    entries = entries.order_by(*ENTRY_ORDER)
    schema = schemas.EntryPage if request.auth.personal else schemas.EntryPagePublic
    page = entries_to_show(entries, request, paging.rows)
    return schemas.page_of(schema, page, paging, count=entries.count())


# ---------------------------------------------------------------------------------------------
# Organizations and skills


class OrganizationFilters(Schema):
    kind: schemas.OrganizationKind | None = None
    is_home: bool | None = None
    q: SearchText | None = None


@router.get(
    "/organizations/",
    response={200: schemas.OrganizationPage, **ERRORS},
    url_name="organization-list",
    tags=["organizations"],
    summary="Organizations (colleges, delegations, companies)",
)
def organization_list(request, filters: Query[OrganizationFilters], paging: Query[Paging]):
    """By name. `q`: part of the name or short name."""
    organizations = models.Organization.objects.order_by("name", "id")
    if not request.auth.personal:  # the public: organizations with a result it may see
        organizations = organizations.filter(
            Exists(visible_entries(request).filter(organization=OuterRef("pk")))
        )
    if filters.kind:
        organizations = organizations.filter(kind=filters.kind)
    if filters.is_home is not None:
        organizations = organizations.filter(is_home=filters.is_home)
    if filters.q and filters.q.strip():
        text = filters.q.strip()
        organizations = organizations.filter(Q(name__icontains=text) | Q(short_name__icontains=text))
    return schemas.page_of(schemas.OrganizationPage, organizations, paging)


class SkillFilters(Schema):
    q: SearchText | None = None


@router.get(
    "/skills/",
    response={200: schemas.SkillPage, **ERRORS},
    url_name="skill-list",
    tags=["organizations"],
    summary="Skills (the same skill across competitions and years)",
)
def skill_list(request, filters: Query[SkillFilters], paging: Query[Paging]):
    """By name. `q`: part of the Chinese or English name."""
    skills = models.Skill.objects.order_by("name", "id")
    if filters.q and filters.q.strip():
        text = filters.q.strip()
        skills = skills.filter(Q(name__icontains=text) | Q(name_en__icontains=text))
    return schemas.page_of(schemas.SkillPage, skills, paging)


@router.get(
    "/choices/",
    response={200: schemas.Choices, **ERRORS},
    url_name="choices",
    tags=["organizations"],
    summary="Levels, categories, award tiers and organization kinds, with their labels",
)
def choices(request):
    """Every value the `level`, `category`, `tier` and `kind` fields and filters take, with its
    label in the request's language (Accept-Language: zh-hans or en)."""

    def listed(choices_class) -> list[dict]:
        return [{"value": value, "label": str(label)} for value, label in choices_class.choices]

    return {
        "levels": listed(models.Level),
        "categories": listed(models.Category),
        "tiers": listed(models.Tier),
        "organization_kinds": listed(models.Organization.Kind),
    }


# ---------------------------------------------------------------------------------------------
# People: users with a role only


class StudentFilters(Schema):
    q: SearchText | None = None
    department: Id | None = None
    cohort_year: Year | None = None


@router.get(
    "/students/",
    response={200: schemas.StudentPage, **PERSONAL, **ERRORS},
    url_name="student-list",
    tags=["people"],
    summary="Home students",
)
def student_list(request, filters: Query[StudentFilters], paging: Query[Paging]):
    """By pinyin. `q`: a name, the start of its pinyin or initials, or of a student number."""
    personal_only(request)
    students = Student.objects.select_related("department", "major")
    if filters.q and filters.q.strip():
        students = students.search(filters.q)
    if filters.department is not None:
        students = students.filter(department=filters.department)
    if filters.cohort_year is not None:
        students = students.filter(cohort_year=filters.cohort_year)
    students = students.order_by("name_pinyin", "name", "id")
    # Every student's count is kept by the database (students.counting): a COUNT(*) reads them all.
    count = counting.count_of(students)
    return schemas.page_of(schemas.StudentPage, paging.slice(students), paging, count=count)


def tier_counts(entries: list[models.Entry]) -> list[dict]:
    """A person's entries by tier, each once (tallies.tiers_of: what their history page counts)."""
    return [
        {"tier": tier.value, "tier_label": str(tier.label), "entries": count}
        for tier, count in tallies.tiers_of(entries)
    ]


@router.get(
    "/students/{student_id}",
    response={200: schemas.StudentDetail, **PERSONAL, **NOT_FOUND, **ERRORS},
    url_name="student-detail",
    tags=["people"],
    summary="A student with their entries",
)
def student_detail(request, student_id: int):
    personal_only(request)
    student = get_object_or_404(Student.objects.select_related("department", "major"), pk=student_id)
    entries = entries_to_show(
        models.Entry.objects.filter(members__student=student).order_by(*ENTRY_ORDER), request
    )
    student.entries = entries
    student.tiers = tier_counts(entries)
    return student


class CoachFilters(Schema):
    q: SearchText | None = None
    department: Id | None = None
    home: bool | None = None


@router.get(
    "/coaches/",
    response={200: schemas.CoachPage, **PERSONAL, **ERRORS},
    url_name="coach-list",
    tags=["people"],
    summary="Coaches (home teachers, and other organizations' coaches)",
)
def coach_list(request, filters: Query[CoachFilters], paging: Query[Paging]):
    """By pinyin. `q`: a name, the start of its pinyin or initials; `home=true`: the home college's
    own teachers (a coach without an organization)."""
    personal_only(request)
    coaches = Coach.objects.select_related("department", "organization")
    if filters.q and filters.q.strip():
        coaches = coaches.search(filters.q)
    if filters.department is not None:
        coaches = coaches.filter(department=filters.department)
    if filters.home is not None:
        coaches = coaches.filter(organization__isnull=filters.home)
    coaches = coaches.order_by("name_pinyin", "name", "id")
    return schemas.page_of(schemas.CoachPage, coaches, paging)


@router.get(
    "/coaches/{coach_id}",
    response={200: schemas.CoachDetail, **PERSONAL, **NOT_FOUND, **ERRORS},
    url_name="coach-detail",
    tags=["people"],
    summary="A coach with the entries they coached and competed in",
)
def coach_detail(request, coach_id: int):
    personal_only(request)
    coach = get_object_or_404(Coach.objects.select_related("department", "organization"), pk=coach_id)
    coach.coached = entries_to_show(
        models.Entry.objects.filter(coaches=coach).order_by(*ENTRY_ORDER), request
    )
    coach.competed = entries_to_show(
        models.Entry.objects.filter(members__coach=coach).order_by(*ENTRY_ORDER), request
    )
    return coach


@router.get(
    "/departments/",
    response={200: schemas.DepartmentPage, **PERSONAL, **ERRORS},
    url_name="department-list",
    tags=["people"],
    summary="Departments and their majors",
)
def department_list(request, paging: Query[Paging]):
    """By name; the college's internal structure, so users with a role only."""
    personal_only(request)
    departments = Department.objects.prefetch_related(
        Prefetch("majors", queryset=Major.objects.only("id", "name", "department_id").order_by("name", "id"))
    ).order_by("name", "id")
    return schemas.page_of(schemas.DepartmentPage, departments, paging)
