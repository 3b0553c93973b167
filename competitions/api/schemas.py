"""What the read API answers, as django-ninja schemas (so /api/v1/openapi.json describes it).

Public and personal views are separate schemas (`EntryPublic` / `Entry`, `CompetitionPublic` /
`Competition`): the public ones hold only what an anonymous visitor may read (names,
organizations, events, awards, ranks, competitions), the personal ones add what a user with a role
reads (ids of people, notes, whether a result is confirmed). A view builds the one its viewer may
see (`respond`), so a public answer can never carry a personal field.

Choices (level, category, award tier ...) come as their stable value and a label in the request's
language (LocaleMiddleware: Accept-Language, or the language chosen in the app).
"""

from datetime import date
from typing import Annotated, Literal

from django.http import HttpResponse
from ninja import Field, Schema

import competitions.api.dumping as dumping
from competitions import labels
from competitions.models import Category, Level, Organization, Tier
from students.models import Student

# Choice values as the OpenAPI schema's enums (filters answer 422 for any other value).
LevelValue = Literal[tuple(Level.values)]
CategoryValue = Literal[tuple(Category.values)]
TierValue = Literal[tuple(Tier.values)]
OrganizationKind = Literal[tuple(Organization.Kind.values)]
TrainingLevel = Literal[("", *Student.TrainingLevel.values)]

# The largest id any database stores (a 64-bit integer): a larger one is a 422, never a 500.
MAX_ID = 2**63 - 1
Id = Annotated[int, Field(ge=1, le=MAX_ID)]
Year = Annotated[int, Field(ge=1900, le=2200)]  # competition_year_plausible
# Search text: no NUL (PostgreSQL refuses it in a query), and not a novel.
SearchText = Annotated[str, Field(max_length=100, pattern=r"^[^\x00]*$")]

PAGE_SIZE = 50
MAX_PAGE_SIZE = 100
MAX_PAGE = 100_000  # far beyond any real list; keeps the offset inside every database's integers


class Error(Schema):
    detail: str


class FieldError(Schema):
    type: str
    loc: list[str | int]
    msg: str


class ValidationErrors(Schema):
    detail: list[FieldError] = Field(description="Each invalid parameter: its `loc`, `msg` and `type`.")


# What any operation may answer besides its result: no access (401), an invalid parameter (422),
# over the rate limit (429).
ERRORS = {401: Error, 422: ValidationErrors, 429: Error}


class Paging(Schema):
    page: int = Field(1, ge=1, le=MAX_PAGE, description="Page number, from 1.")
    page_size: int = Field(
        PAGE_SIZE,
        ge=1,
        description=f"Rows per page; at most {MAX_PAGE_SIZE} (a larger number gives {MAX_PAGE_SIZE}).",
    )

    @property
    def size(self) -> int:
        return min(self.page_size, MAX_PAGE_SIZE)

    @property
    def rows(self) -> slice:
        """Which rows of all pages this page holds."""
        start = (self.page - 1) * self.size
        return slice(start, start + self.size)

    def slice(self, queryset):
        """This page's rows of an ordered queryset."""
        return queryset[self.rows]


class Page(Schema):
    count: int = Field(description="Rows matching the filters, on all pages.")
    page: int
    page_size: int


def page_of(page_schema: type[Page], queryset, paging: Paging, *, count: int | None = None) -> HttpResponse:
    """One page of an ordered queryset as `page_schema` (its `items` read from the rows), as the
    answer: written by competitions.api.dumping, as the schema would write it, without ninja's
    validation of every attribute. The view has chosen the schema its viewer may see (`respond`).

    Two queries whatever the page size (the count and the rows), plus the queryset's prefetches.
    `count`: the number of rows on all pages when the caller knows it; the queryset is then this
    page's rows already.
    """
    if count is None:
        rows, count = list(paging.slice(queryset)), queryset.count()
    else:
        rows = list(queryset)
    page = {"count": count, "page": paging.page, "page_size": paging.size, "items": rows}
    return dumping.json_response(dumping.dump(page_schema, page))


def respond(data: Schema) -> HttpResponse:
    """`data` as the answer, as its own schema wrote it.

    Where an operation declares public-or-personal (a Union), django-ninja would validate the
    answer against the Union again and might read a personal answer as the public schema or the
    other way round; the view has already chosen the schema its viewer may see, so it is sent as is.
    """
    return HttpResponse(data.model_dump_json(), content_type="application/json; charset=utf-8")


# ---------------------------------------------------------------------------------------------
# Small references, shared by both views


def choice_label(obj, field: str) -> str:
    """obj.get_<field>_display() as text (competitions.labels, remembered per value and language)."""
    return str(labels.display(obj, field))


class Ref(Schema):
    id: int
    name: str


class CompetitionRef(Schema):
    id: int
    name: str
    year: int
    level: LevelValue
    level_label: str

    @staticmethod
    def resolve_level_label(obj) -> str:
        return choice_label(obj, "level")


class SkillOut(Schema):
    id: int
    name: str
    name_en: str
    placeholder: bool = Field(description="Not a real skill: gathers results whose skill is not named.")


class AwardOut(Schema):
    label: str = Field(description="The award as written (金牌, 一等奖 ...).")
    tier: TierValue
    tier_label: str

    @staticmethod
    def resolve_tier_label(obj) -> str:
        return choice_label(obj, "tier")


class OrganizationOut(Schema):
    id: int
    name: str
    short_name: str
    kind: OrganizationKind
    kind_label: str
    is_home: bool = Field(description="The college this tracker belongs to.")
    is_illustrative: bool

    @staticmethod
    def resolve_kind_label(obj) -> str:
        return choice_label(obj, "kind")


# ---------------------------------------------------------------------------------------------
# Competitions and events


class CompetitionPublic(Schema):
    id: int
    name: str
    edition: int | None
    year: int
    start_date: date | None
    end_date: date | None
    host: str
    level: LevelValue
    level_label: str
    category: CategoryValue
    category_label: str
    is_illustrative: bool = Field(description="Made up to fill out demo tables; not real data.")

    @staticmethod
    def resolve_level_label(obj) -> str:
        return choice_label(obj, "level")

    @staticmethod
    def resolve_category_label(obj) -> str:
        return choice_label(obj, "category")


class Competition(CompetitionPublic):
    notes: str


class EventOut(Schema):
    id: int
    name: str
    competition: CompetitionRef
    skill: SkillOut
    is_team: bool
    min_team_size: int
    max_team_size: int
    is_selection: bool = Field(description="A WorldSkills selection event.")


class CompetitionEvent(Schema):
    """An event, inside its competition."""

    id: int
    name: str
    skill: SkillOut
    is_team: bool
    min_team_size: int
    max_team_size: int
    is_selection: bool


class CompetitionDetailPublic(CompetitionPublic):
    events: list[CompetitionEvent]


class CompetitionDetail(Competition):
    events: list[CompetitionEvent]


# ---------------------------------------------------------------------------------------------
# Entries


class NameOut(Schema):
    name: str


class MemberOut(Schema):
    name: str = Field(description="As written in the results.")
    student_id: int | None = Field(description="The home student, if the member is one.")
    teacher_id: int | None = Field(description="The teacher (a coach record), when a teacher competes.")

    @staticmethod
    def resolve_teacher_id(obj) -> int | None:
        return obj.coach_id


class EntryPublic(Schema):
    id: int
    competition: CompetitionRef
    event: Ref
    organization: Ref
    award: AwardOut | None
    rank: int | None
    members: list[NameOut]

    @staticmethod
    def resolve_competition(obj):
        return obj.event.competition


class Entry(EntryPublic):
    """What a role sees of an entry: the public fields, and its score, people and coaches."""

    score: str = Field(description="As published.")
    members: list[MemberOut]
    coaches: list[Ref]
    confirmed: bool = Field(description="Counts in public and confirmed-only tallies.")
    notes: str


class EntryPagePublic(Page):
    items: list[EntryPublic]


class EntryPage(Page):
    items: list[Entry]


class CompetitionPagePublic(Page):
    items: list[CompetitionPublic]


class CompetitionPage(Page):
    items: list[Competition]


class EventPage(Page):
    items: list[EventOut]


class OrganizationPage(Page):
    items: list[OrganizationOut]


class SkillPage(Page):
    items: list[SkillOut]


# ---------------------------------------------------------------------------------------------
# People (personal viewers only)


class TierCount(Schema):
    tier: TierValue
    tier_label: str
    entries: int


class StudentOut(Schema):
    id: int
    name: str
    name_pinyin: str
    student_number: str | None
    department: Ref | None
    major: Ref | None
    class_name: str
    cohort_year: int | None
    training_level: TrainingLevel
    training_level_label: str

    @staticmethod
    def resolve_training_level_label(obj) -> str:
        return choice_label(obj, "training_level") if obj.training_level else ""


class StudentDetail(StudentOut):
    tiers: list[TierCount] = Field(description="The student's entries by award tier, each entry once.")
    entries: list[Entry]


class CoachOut(Schema):
    id: int
    name: str
    name_pinyin: str
    staff_number: str
    department: Ref | None
    organization: Ref | None = Field(description="Empty for the home college's own teachers.")


class CoachDetail(CoachOut):
    coached: list[Entry] = Field(description="Entries the coach coached.")
    competed: list[Entry] = Field(description="Entries the coach competed in (teacher contests).")


class DepartmentOut(Schema):
    id: int
    name: str
    name_en: str
    majors: list[Ref]


class StudentPage(Page):
    items: list[StudentOut]


class CoachPage(Page):
    items: list[CoachOut]


class DepartmentPage(Page):
    items: list[DepartmentOut]


class Choice(Schema):
    value: str
    label: str


class Choices(Schema):
    levels: list[Choice]
    categories: list[Choice]
    tiers: list[Choice]
    organization_kinds: list[Choice]
