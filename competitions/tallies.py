"""What a medal counts: the one module that counts and ranks (DOMAIN.md rules 2-6 and 9).

Every page, command, export, chart, the admin and the stored tally tables (competitions.aggregates,
which are storage only) read their numbers here; no other module counts medals.

- **Groupings** (`GROUPINGS`): what a table groups entries by. The organization table counts an
  entry for the organization it competes for. Every other table is the college's own and follows
  rule 9 (`for_college`): an entry counts when one of its members is a home student or a home
  teacher, or one of its coaches is a home teacher, or it competes for the home college, whatever
  organization it competes for. Departments are credited through their home students, once per
  department per entry; coaches' tables list the home teachers.
- **Counting**: entries, never (event, organization, award) triples (rule 5); a team entry counts
  once per group (rule 2): `Count("id", distinct=True)` per tier, in one grouped query.
- **Ranking** (`rank_rows`, `TallyRows`): three orders (tiers, total, points); ties share a rank
  (1, 2, 2, 4); organizations out of the ranking keep their place without a rank and do not shift
  the ranks below; excluded organizations are left out of the organization table (rule 6).
"""

import dataclasses
from collections import Counter, defaultdict
from collections.abc import Collection, Iterable
from dataclasses import dataclass
from functools import partial
from operator import attrgetter

from django.db.models import (
    Case,
    Count,
    Exists,
    F,
    IntegerField,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Sum,
    Value,
    When,
)
from django.db.models.functions import Coalesce
from django.utils.translation import gettext

from competitions.models import (
    MEDAL_TIERS,
    Competition,
    Entry,
    EntryCoach,
    EntryMember,
    Level,
    Organization,
    Skill,
    TallyCompetition,
    TallyCounts,
    TallyKind,
    TallyPeriod,
    TallySize,
    TallyTotal,
    Tier,
)
from competitions.querysets import CompiledQuery, column_of
from students.models import Coach, Department, Student
from students.names import pinyin_key

TIERS = [str(tier) for tier in Tier.values]  # special, gold, silver, bronze, excellence, other
MEDALS = [str(tier) for tier in MEDAL_TIERS]  # the tiers a medal total adds up
ORDERS = ("tiers", "total", "points")
# The columns each order compares, best first; rows equal in them share a rank.
ORDER_FIELDS = {"tiers": MEDALS, "total": ["total"], "points": ["points"]}
COUNTS = TallyCounts.COUNTS  # the tiers, then total, points and entries


# ---------------------------------------------------------------------------------------------
# Whose medal is it (rule 9)


def college_condition(competitions: Collection[int] | None = None) -> Q:
    """Entries that count for the college (rule 9), as a condition on Entry.

    Correlated EXISTS subqueries, so that a filter on one competition's entries looks at those
    entries' members and coaches only (through their entry indexes). `competitions`, the ids of
    the competitions the entries are known to belong to, narrows the subqueries to those
    competitions' entries: PostgreSQL may answer an EXISTS under an OR by hashing every row the
    subquery can see (every home membership in the database: 0.4 s at a million entries) rather
    than probing entry by entry; narrowed, it hashes those competitions' only (tallies recount).
    """
    home_member = EntryMember.objects.filter(entry=OuterRef("pk")).filter(
        Q(student__isnull=False) | Q(coach__isnull=False, coach__organization__isnull=True)
    )
    home_coach = EntryCoach.objects.filter(entry=OuterRef("pk"), coach__organization__isnull=True)
    if competitions is not None:
        home_member = home_member.filter(entry__event__competition__in=competitions)
        home_coach = home_coach.filter(entry__event__competition__in=competitions)
    return Q(organization__is_home=True) | Q(Exists(home_member)) | Q(Exists(home_coach))


def for_college(entries: QuerySet[Entry], competitions: Collection[int] | None = None) -> QuerySet[Entry]:
    """The entries among these that count for the college (rule 9); `competitions`: see
    college_condition."""
    return entries.filter(college_condition(competitions))


def for_department(entries: QuerySet[Entry], department) -> QuerySet[Entry]:
    """Entries with a home student of the department as a member (each entry once)."""
    return entries.filter(
        Exists(EntryMember.objects.filter(entry=OuterRef("pk"), student__department=department))
    )


def left_out(entries: QuerySet[Entry]) -> QuerySet[Entry]:
    """Entries without those of organizations their competition leaves out of its table (rule 6)."""
    settings = Competition.excluded_organizations.through.objects.filter(
        competition_id=OuterRef("event__competition_id"), organization_id=OuterRef("organization_id")
    )
    return entries.exclude(Exists(settings))


def college_entries(
    *,
    year: int | None = None,
    level: str | None = None,
    tier: str | None = None,
    category: str | None = None,
    department=None,
    awarded: bool = True,
    confirmed: bool = False,
) -> QuerySet[Entry]:
    """The college's entries (rule 9), cut by the given filters; only awarded ones unless told,
    only confirmed ones (competitions.confirming) when told.

    The tallies page, its drill-down, the annual summary and the honours page all start here, so
    a drill-down lists exactly the entries its cell counted.
    """
    entries = for_college(Entry.objects.confirmed() if confirmed else Entry.objects.all())
    if awarded:
        entries = entries.filter(award__isnull=False)
    if year is not None:
        entries = entries.filter(event__competition__year=year)
    if level:
        entries = entries.filter(event__competition__level=level)
    if tier:
        entries = entries.filter(award__tier=tier)
    if category:
        entries = entries.filter(event__competition__category=category)
    if department is not None:
        entries = for_department(entries, department)
    return entries


# ---------------------------------------------------------------------------------------------
# Groupings


@dataclass(frozen=True)
class Grouping:
    kind: str  # TallyKind of the stored tables
    field: str | None  # from an entry to the group's id; None: one group, the college
    label: str | None  # from an entry to the group's name
    college: bool  # the college's table (rule 9) rather than the organization table
    groups: Q = Q()  # which groups of `field` have a row (coaches: home teachers)
    # Belonging to a group proves the entry is the college's (a home student or home teacher is in
    # it), so the rule-9 condition need not be asked again: a cheaper query, the same count.
    proves_college: bool = False


GROUPINGS = {
    "organization": Grouping(TallyKind.ORGANIZATION, "organization", "organization__name", college=False),
    "college": Grouping(TallyKind.COLLEGE, None, None, college=True),
    "department": Grouping(
        TallyKind.DEPARTMENT,
        "members__student__department",
        "members__student__department__name",
        True,
        proves_college=True,
    ),
    "student": Grouping(
        TallyKind.STUDENT, "members__student", "members__student__name", True, proves_college=True
    ),
    "coach": Grouping(
        TallyKind.COACH,
        "coaches",
        "coaches__name",
        True,
        Q(coaches__organization__isnull=True),
        proves_college=True,
    ),
    "skill": Grouping(TallyKind.SKILL, "event__skill", "event__skill__name", True),
}
# The tables a competition page, the command and a leaderboard can be grouped by.
TABLES = ("organization", "department", "student", "coach", "skill")
COLLEGE_KEY = 0  # the college's one row in the stored tables


def _counted(
    entries: QuerySet[Entry], by: str, competitions: Collection[int] | None = None
) -> QuerySet[Entry]:
    """The entries a table grouped `by` counts: the college's for its own tables (the groups of
    some prove it themselves: see Grouping.proves_college); for the organization table every entry
    but those its competition leaves out. `competitions`: see college_condition."""
    grouping = GROUPINGS[by]
    if not grouping.college:
        return left_out(entries)
    return entries if grouping.proves_college else for_college(entries, competitions)


def grouped_counts(
    entries: QuerySet[Entry],
    by: str,
    *,
    per_competition: bool = False,
    names: dict | None = None,
    competitions: Collection[int] | None = None,
) -> dict[tuple, list[int]]:
    """(group key,) or (competition id, group key) → COUNTS, in one grouped query.

    Entries are counted once per group (a team of two students of one department is one entry
    for it); points use each competition's own weights. `names`, when given, is filled with the
    groups' names from the same query. `competitions`, when every entry is of these competitions,
    makes the rule-9 check cheaper (see college_condition).
    """
    grouping = GROUPINGS[by]
    entries = _counted(entries, by, competitions)
    weights = [f"event__competition__weight_{tier}" for tier in TIERS]
    fields = []
    if grouping.field is not None:
        entries = entries.filter(grouping.groups, **{f"{grouping.field}__isnull": False})
        fields.append(grouping.field)
        if names is not None:
            fields.append(grouping.label)
    rows = (
        entries.values("event__competition", *fields, *weights)
        .annotate(
            n_entries=Count("id", distinct=True),
            **{f"n_{tier}": Count("id", distinct=True, filter=Q(award__tier=tier)) for tier in TIERS},
        )
        .order_by()
    )
    result: dict[tuple, list[int]] = {}
    for row in rows:
        key = row[grouping.field] if grouping.field else COLLEGE_KEY
        if names is not None and grouping.label:
            names[key] = row[grouping.label]
        counts = [row[f"n_{tier}"] for tier in TIERS]
        points = sum(n * row[weight] for n, weight in zip(counts, weights, strict=True))
        values = [*counts, sum(counts[: len(MEDALS)]), points, row["n_entries"]]
        group = (row["event__competition"], key) if per_competition else (key,)
        total = result.setdefault(group, [0] * len(COUNTS))
        for index, value in enumerate(values):
            total[index] += value
    return result


def count_by(entries: QuerySet[Entry], *fields: str) -> dict[tuple, Counter]:
    """(values of `fields`) → Counter of tiers ("" for no award) of these entries, each entry once
    per cell: the pivot's year × level × tier, a skill's titles by level, a person's by level."""
    rows = entries.values(*fields, "award__tier").annotate(n=Count("id", distinct=True)).order_by()
    cells: dict[tuple, Counter] = defaultdict(Counter)
    for row in rows:
        cells[tuple(row[field] for field in fields)][row["award__tier"] or ""] += row["n"]
    return dict(cells)


def year_level_counts(entries: QuerySet[Entry]) -> dict[tuple[int, str, str], int]:
    """(year, level, tier) → number of these entries, for the pivot and the annual summary."""
    cells = count_by(entries, "event__competition__year", "event__competition__level")
    return {(year, level, tier): n for (year, level), tiers in cells.items() for tier, n in tiers.items()}


def tiers_of(entries: Iterable[Entry]) -> list[tuple[Tier, int]]:
    """How many of these (fetched) entries won each tier, each entry once, team or not (rule 2):
    a person's history page, where every entry listed counts for them."""
    counts = Counter(entry.award.tier if entry.award_id else None for entry in entries)
    return [(tier, counts[tier.value]) for tier in Tier]


@dataclass
class LevelTally:
    level: str
    counts: list[int]  # per tier, in Tier order
    entries: int

    @property
    def medals(self) -> int:
        return sum(self.counts[: len(MEDALS)])


def levels_of(entries: Iterable[Entry]) -> list[LevelTally]:
    """These (fetched) entries counted by level and tier, each entry once, highest level first."""
    counts: dict[str, Counter] = defaultdict(Counter)
    for entry in entries:
        counts[entry.event.competition.level][entry.award.tier if entry.award_id else None] += 1
    return [
        LevelTally(level, [counts[level][tier] for tier in TIERS], sum(counts[level].values()))
        for level in Level
        if level.value in counts
    ]


# ---------------------------------------------------------------------------------------------
# A person's best result: ONE result (award, level, competition), by one order.
#
# What a competition office means by "best result": a medal before any "other" award (a named
# award or a squad selection is not better than a medal); among medals, the highest level first
# and, within a level, the best tier (a national silver is better than a provincial gold); then
# the better rank, then the later year. The student list's column and filters, a coach's students
# and a student's pathway all ask this order.

LEVEL_NUMBERS = {level: number for number, level in enumerate(Level.values)}  # world 0, national 1 ...
TIER_NUMBERS = {tier: number for number, tier in enumerate(Tier.values)}  # special 0, gold 1 ...
NO_RESULT = 10**6  # the order of "no award at all": after every result


def result_order(level: str, tier: str) -> int:
    """Where a result of this level and tier stands, 0 the best (see above)."""
    other = 0 if tier in MEDALS else 1
    return (other * len(LEVEL_NUMBERS) + LEVEL_NUMBERS[level]) * len(TIER_NUMBERS) + TIER_NUMBERS[tier]


def result_level_tier(order: int) -> tuple[str, str] | None:
    """The (level, tier) of a `result_order` number; None for NO_RESULT."""
    if order is None or order >= NO_RESULT:
        return None
    rest, tier = divmod(order, len(TIER_NUMBERS))
    return Level.values[rest % len(LEVEL_NUMBERS)], Tier.values[tier]


def result_orders(*, level: str | None = None, tier: str | None = None) -> list[int]:
    """Every `result_order` number of results with this level and/or tier (for filters)."""
    return [
        result_order(each_level, each_tier)
        for each_level in Level.values
        for each_tier in Tier.values
        if level in (None, each_level) and tier in (None, each_tier)
    ]


FIRST_NON_MEDAL = min(result_orders(tier=Tier.OTHER))  # orders below it are medals

# The same order in SQL, for an entry (award and competition joined): result_order is a part
# that depends on the tier only plus one that depends on the level only, so the SQL is two small
# CASEs (one WHEN per tier, one per level) rather than one per level and tier, which made the
# student list's query slower to build than to run (issue 13).
TIER_PART = {tier: result_order(Level.values[0], tier) for tier in Tier.values}  # the first level's: 0
LEVEL_PART = {level: result_order(level, Tier.values[0]) for level in Level.values}  # the first tier's: 0
assert all(
    TIER_PART[tier] + LEVEL_PART[level] == result_order(level, tier)
    for level in Level.values
    for tier in Tier.values
)
RESULT_ORDER = Case(
    When(award__isnull=True, then=Value(NO_RESULT)),
    default=Case(*[When(award__tier=tier, then=Value(n)) for tier, n in TIER_PART.items()])
    + Case(*[When(event__competition__level=level, then=Value(n)) for level, n in LEVEL_PART.items()]),
    output_field=IntegerField(),
)


def result_sort_key(level: str, tier: str | None, rank: int | None, year: int) -> tuple:
    """Where a result stands, best first (the order above): by result_order (no award, tier None:
    last), then the better rank (unranked last), then the later year."""
    order = NO_RESULT if tier is None else result_order(level, tier)
    return (order, rank or 10**9, -year)


def result_key(entry: Entry) -> tuple:
    """Sorts fetched entries best result first (the order above); entries without an award last."""
    competition = entry.event.competition
    tier = entry.award.tier if entry.award_id else None
    return result_sort_key(competition.level, tier, entry.rank, competition.year)


def best_results(entries: QuerySet[Entry]) -> QuerySet[Entry]:
    """These entries with an award, best result first (the order above), in SQL."""
    return (
        entries.filter(award__isnull=False)
        .annotate(result_order=RESULT_ORDER)
        .order_by("result_order", F("rank").asc(nulls_last=True), "-event__competition__year", "pk")
    )


def best_result_annotations(person: str = "student") -> dict:
    """For annotate() on Student (or Coach, person="coach"): the outer person's best result as
    `best_order` (a `result_order` number, NO_RESULT when none), a correlated subquery, so that a
    list filters and sorts by it in its one query. What the result was (its award and
    competition) is read for the rows shown only: describe_best_results."""
    best = best_results(Entry.objects.filter(**{f"members__{person}": OuterRef("pk")}))
    return {"best_order": Coalesce(Subquery(best.values("result_order")[:1]), Value(NO_RESULT))}


def with_best_order(people: QuerySet, person: str = "student") -> QuerySet:
    """The people with `best_order` (best_result_annotations), for a list filtered or sorted by it;
    a list shown without is given it by describe_best_results, for its rows shown only (the
    subquery was a third of a search's list query, issue 13)."""
    if "best_order" in people.query.annotations:
        return people
    return people.annotate(**best_result_annotations(person))


def awards_of_people(person: str, keys: list[int]) -> QuerySet:
    """The awarded entries of these people (students, or coaches as members), as describe_best_results
    reads them: (person, entry, rank, award label, tier, level, year, competition name)."""
    return EntryMember.objects.filter(**{f"{person}__in": keys}, entry__award__isnull=False).values_list(
        f"{person}_id",
        "entry_id",
        "entry__rank",
        "entry__award__label",
        "entry__award__tier",
        "entry__event__competition__level",
        "entry__event__competition__year",
        "entry__event__competition__name",
    )


# Compiled once per connection and number of people (a page of a list shows the same few numbers).
AWARDS_OF_PEOPLE = {
    person: CompiledQuery(partial(awards_of_people, person)) for person in ("student", "coach")
}


def describe_best_results(people: Iterable, person: str = "student") -> None:
    """Give each person `best_award` (the label as written) and `best_competition` (its name) of
    their best result, None without one, and `best_order` when the list did not annotate it
    (with_best_order): one query per thousand people, the result picked by the same order as
    best_results (result_sort_key, then the first recorded), so an annotated `best_order` and the
    one given here agree."""
    people = list(people)
    for each in people:
        each.best_award = each.best_competition = None
    # Annotated: only those with an award have one to describe; else every one is looked up.
    wanted = {
        each.pk: each
        for each in people
        if getattr(each, "best_order", None) is None or each.best_order < NO_RESULT
    }
    for each in wanted.values():
        if not hasattr(each, "best_order"):
            each.best_order = NO_RESULT
    keys = list(wanted)
    for start in range(0, len(keys), 1000):
        rows = AWARDS_OF_PEOPLE[person](keys[start : start + 1000])
        best: dict[int, tuple] = {}
        for key, pk, rank, label, tier, level, year, name in rows:
            order = (*result_sort_key(level, tier, rank, year), pk)
            if key not in best or order < best[key][0]:
                best[key] = (order, label, name)
        for key, (order, label, name) in best.items():
            wanted[key].best_award, wanted[key].best_competition = label, name
            wanted[key].best_order = order[0]


# ---------------------------------------------------------------------------------------------
# Rows and ranks


@dataclass
class MedalRow:
    key: int
    name: str
    special: int = 0
    gold: int = 0
    silver: int = 0
    bronze: int = 0
    excellence: int = 0
    other: int = 0
    points: int = 0
    entries: int = 0
    ranked: bool = True
    rank: int | None = None
    # A placeholder skill (Skill.placeholder, the demo's 赛项未列明): counted, never ranked, listed last.
    placeholder: bool = False
    # The "未署名" line of a person table (unnamed_row): not a person, never ranked.
    unnamed: bool = False

    @property
    def total(self) -> int:
        return self.special + self.gold + self.silver + self.bronze + self.excellence

    @property
    def medals(self) -> int:
        return self.total

    @property
    def awards(self) -> int:
        """Every award, "other" ones included."""
        return self.total + self.other

    def tier_counts(self) -> tuple[int, ...]:
        return MEDAL_GETTER(self)

    def cells(self) -> list[tuple[str, int]]:
        """(tier, count) for every tier, "other" included, best first."""
        return [(tier, getattr(self, tier)) for tier in TIERS]

    @property
    def counts(self) -> dict[str, int]:
        return {tier: getattr(self, tier) for tier in TIERS}

    def as_dict(self) -> dict:
        """The shape of one object in `medal_table --format json`."""
        return {
            "rank": self.rank,
            "name": self.name,
            **{tier: getattr(self, tier) for tier in MEDALS},
            "total": self.total,
            "points": self.points,
        }

    @classmethod
    def of(cls, key: int, name: str, counts) -> "MedalRow":
        """A row from COUNTS (a list, or an object with those attributes)."""
        values = counts if isinstance(counts, list | tuple) else [getattr(counts, n) for n in COUNTS]
        named = dict(zip(COUNTS, values, strict=True))
        return cls(key=key, name=name, points=named["points"], entries=named["entries"],
                   **{tier: named[tier] for tier in TIERS})  # fmt: skip


def tuple_getter(fields: list[str]):
    """attrgetter that returns a tuple for one field too."""
    getter = attrgetter(*fields)
    return getter if len(fields) > 1 else lambda row: (getter(row),)


ORDER_GETTERS = {order: tuple_getter(fields) for order, fields in ORDER_FIELDS.items()}
MEDAL_GETTER = tuple_getter(MEDALS)


# A MedalRow's first fields, in order: MedalRow(*values) of a stored table's values_list(*ROW_FIELDS)
# with its group_name annotated as "name".
ROW_FIELDS = ("key", "name", *TIERS, "points", "entries")
assert [f.name for f in dataclasses.fields(MedalRow)][: len(ROW_FIELDS)] == list(ROW_FIELDS)


def order_key(row, order: str) -> tuple[int, ...]:
    """What decides a row's rank: rows with equal keys share a rank."""
    return ORDER_GETTERS[order](row)


def rank_rows(rows: Iterable[MedalRow], order: str) -> list[MedalRow]:
    """Sort rows best first and give competition ranks (1, 2, 2, 4).

    Rows out of the ranking keep their place in the order but get no rank, and the ranks of the
    rows below them do not shift. Placeholder skills are listed after every other row, without a
    rank. Rows that tie are listed by medals, then "other" awards, then alphabetically as Chinese
    readers sort.
    """
    if order not in ORDERS:
        raise ValueError(f"order must be one of {', '.join(ORDERS)}, not {order!r}")
    deciding, medals = ORDER_GETTERS[order], MEDAL_GETTER

    def sort_key(row: MedalRow) -> tuple:
        # Counts descending by sorting on their negations; a few µs a row (hundreds on a page).
        return (
            row.placeholder,
            [-n for n in deciding(row)],
            [-n for n in medals(row)],
            -row.other,
            pinyin_key(row.name),
            row.name,
            row.key,
        )

    ordered = sorted(rows, key=sort_key)
    position, previous, rank = 0, None, None
    for row in ordered:
        if not row.ranked or row.placeholder:
            row.rank = None
            continue
        position += 1
        key = order_key(row, order)
        if key != previous:
            rank, previous = position, key
        row.rank = rank
    return ordered


def placeholder_skills() -> set[int]:
    """The ids of the skills marked as placeholders (Skill.placeholder): one small query."""
    return set(Skill.objects.filter(placeholder=True).values_list("pk", flat=True))


def mark_placeholders(rows: Iterable[MedalRow], by: str) -> None:
    """Flag the rows of placeholder skills in a skill table, so that rank_rows leaves them unranked
    and last: "赛项未列明" gathers results whose skill the report does not name, and ranking it
    against real skills would put a non-skill first. Its medals stay in the table (shown last,
    without a rank), so the table still adds up to the college's totals."""
    if by != "skill":
        return
    placeholders = placeholder_skills()
    for row in rows:
        row.placeholder = row.key in placeholders


def is_listed(row: MedalRow, *, with_other: bool) -> bool:
    """A medal table lists groups with a medal or points; the college's tallies also list groups
    whose awards are all "other" ones (named awards, squad selections)."""
    return bool(row.total or row.points or (with_other and row.other))


def medal_table(
    entries: QuerySet[Entry],
    *,
    by: str = "organization",
    order: str = "tiers",
    unranked: Collection[int] = (),
    exclude: Collection[int] = (),
    with_other: bool = False,
) -> list[MedalRow]:
    """The medal table of these entries, grouped `by` and ordered by `order`.

    `unranked` and `exclude` are organization ids for the organization table (rule 6): the first
    are shown without a rank, the second are left out, on top of what each competition stores.
    The college's tables (every other grouping) follow rule 9 and are not cut by them.
    """
    if by not in GROUPINGS:
        raise ValueError(f"by must be one of {', '.join(GROUPINGS)}, not {by!r}")
    if order not in ORDERS:
        raise ValueError(f"order must be one of {', '.join(ORDERS)}, not {order!r}")
    grouping = GROUPINGS[by]
    if exclude and not grouping.college:
        entries = entries.exclude(organization__in=list(exclude))
    names: dict[int, str] = {}
    counts = grouped_counts(entries, by, names=names)
    if not grouping.field:
        names = group_names(by, [COLLEGE_KEY])
    rows = [MedalRow.of(key, names.get(key, "?"), values) for (key,), values in counts.items()]
    return ranked_table(rows, by=by, order=order, unranked=unranked, with_other=with_other)


def ranked_table(
    rows: list[MedalRow], *, by: str, order: str, unranked: Collection[int] = (), with_other: bool = False
) -> list[MedalRow]:
    """A medal table's listed rows, the organizations out of the ranking marked, ranked."""
    rows = [row for row in rows if is_listed(row, with_other=with_other)]
    if not GROUPINGS[by].college:
        for row in rows:
            row.ranked = row.key not in unranked
    mark_placeholders(rows, by)
    return rank_rows(rows, order)


def competition_medal_table(
    competition: Competition, *, by: str, order: str, unranked: Collection[int] = ()
) -> list[MedalRow]:
    """The medal table of every result of one competition — `medal_table` of its entries, with
    the organizations it leaves out left out — read from its stored tallies (TallyCompetition:
    grouped_counts of the competition's entries, kept by competitions.aggregates and checked by
    verify_tallies): a few hundred rows instead of a grouped count of thousands of entries."""
    if by not in TABLES:
        raise ValueError(f"by must be one of {', '.join(TABLES)}, not {by!r}")
    stored = TallyCompetition.objects.filter(competition_id=competition.pk, kind=GROUPINGS[by].kind)
    rows = [MedalRow(*values) for values in stored.annotate(name=group_name(by)).values_list(*ROW_FIELDS)]
    return ranked_table(rows, by=by, order=order, unranked=unranked)


# Person tables: the one "未署名" line of the entries that name nobody.
PERSON_TABLES = ("student", "coach")


def names_nobody(entries: QuerySet[Entry]) -> QuerySet[Entry]:
    """The entries among these that name nobody: no member, no coach (the report's "5 金 3 铜"
    without names). A person table cannot list them under anyone."""
    return entries.exclude(Exists(EntryMember.objects.filter(entry=OuterRef("pk")))).exclude(
        Exists(EntryCoach.objects.filter(entry=OuterRef("pk")))
    )


def unnamed_row(entries: QuerySet[Entry], *, by: str, with_other: bool = False) -> MedalRow | None:
    """The "未署名" line of a person table (students, coaches) of these entries: the college's
    entries that name nobody, counted as the college's tables count (rule 9; each entry once).

    It is not a person: not ranked, shown after every person, and not part of medal_table (so not
    of `medal_table --format json`). None for other tables, or when there is nothing to show.
    """
    if by not in PERSON_TABLES:
        return None
    # Without members or coaches, an entry is the college's only when it competes for the college
    # (rule 9): the filter narrows the scan to those; grouped_counts still asks rule 9 itself.
    counted = names_nobody(entries.filter(organization__is_home=True))
    total = grouped_counts(counted, "college").get((COLLEGE_KEY,), [0] * len(COUNTS))
    row = MedalRow.of(COLLEGE_KEY, gettext("Unnamed"), total)
    row.ranked, row.unnamed = False, True
    return row if is_listed(row, with_other=with_other) else None


GROUP_MODELS = {
    "organization": Organization,
    "department": Department,
    "student": Student,
    "coach": Coach,
    "skill": Skill,
}


def group_names(by: str, keys: Iterable[int]) -> dict[int, str]:
    """The names of the groups of a grouping, by key (one query)."""
    keys = list(keys)
    if by == "college":
        home = Organization.home()
        return {COLLEGE_KEY: home.name if home else ""}
    model = GROUP_MODELS[by]
    names: dict[int, str] = {}
    for start in range(0, len(keys), 5000):
        names.update(model.objects.filter(pk__in=keys[start : start + 5000]).values_list("pk", "name"))
    return names


def group_name(by: str, key: str = "key") -> Coalesce:
    """The name of the group whose key is the row's `key`, as a subquery for annotate() (the stored
    tables' key is no foreign key): group_names in the rows' own query. "?" for a missing group."""
    if by == "college":  # as Organization.home() finds it
        return Coalesce(Subquery(Organization.objects.filter(is_home=True).values("name")[:1]), Value(""))
    return Coalesce(column_of(GROUP_MODELS[by], key), Value("?"))


# ---------------------------------------------------------------------------------------------
# Reading the stored tables (competitions.aggregates keeps them equal to grouped_counts)


def better_than(fields: list[str], values: list[int]) -> Q:
    """Rows whose (fields) come lexicographically after `values` in descending order."""
    condition = Q(**{f"{fields[-1]}__gt": values[-1]})
    for field, value in zip(reversed(fields[:-1]), reversed(values[:-1]), strict=True):
        condition = Q(**{f"{field}__gt": value}) | (Q(**{field: value}) & condition)
    return condition


# A group is in an all-time table when it has a medal or points (a group with entries only is not).
SHOWN = Q(total__gt=0) | Q(points__gt=0)


def shown(counts: TallyCounts) -> bool:
    """SHOWN, for a row in memory (competitions.aggregates keeps TallySize with it)."""
    return counts.total > 0 or counts.points > 0


class TallyRows:
    """The all-time table of a grouping in rank order, read from TallyTotal a slice at a time.

    Behaves like the list `medal_table` returns (len, slicing, the same ranks), but a page costs a
    few indexed queries however long the history is.
    """

    def __init__(self, by: str, order: str) -> None:
        self.by, self.order = by, order
        self.fields = ORDER_FIELDS[order]
        self.kind = GROUPINGS[by].kind
        rows = TallyTotal.objects.filter(kind=self.kind).filter(SHOWN)
        # Placeholder skills come last, without a rank (see mark_placeholders).
        self.placeholders = placeholder_skills() if by == "skill" else set()
        order = [*(f"-{field}" for field in self.fields), "key"]  # as the indexes on TallyTotal
        if self.placeholders:
            last = Case(When(key__in=self.placeholders, then=Value(1)), default=Value(0))
            self.rows = rows.annotate(last=last).order_by("last", *order)
        else:
            self.rows = rows.order_by(*order)
        self.ranked_rows = rows.exclude(key__in=self.placeholders)
        self._length = None
        self._fetched = None  # (start, stop, rows) of the last slice read

    def size(self) -> QuerySet:
        """The table's number of rows, as stored with them (TallySize), not counted on every view."""
        return TallySize.objects.filter(kind=self.kind).values("rows")

    def __len__(self) -> int:
        if self._length is None:
            self._length = self.size().values_list("rows", flat=True).first() or 0
        return self._length

    def counted_slice(self, start: int, stop: int) -> list[MedalRow]:
        """The rows from `start` to `stop`, with the number of rows in the table when it is not
        known yet, in the rows' one query (read): a page counted and read in one round trip
        (CountingPaginator); both are kept for the table's len() and slice that follow."""
        return self[start:stop]

    def __iter__(self):
        return iter(self[0 : len(self)])

    def __getitem__(self, index):
        if not isinstance(index, slice):
            return self[index : index + 1][0]
        start = index.start or 0
        # A page's rows answer a later request for rows within them (the chart's leading rows).
        fetched = self._fetched
        if fetched and fetched[0] <= start and index.stop is not None and index.stop <= fetched[1]:
            return fetched[2][start - fetched[0] : index.stop - fetched[0]]
        rows = self.read(start, index.stop)
        if index.stop is not None:
            # Fewer rows than asked for: the table ends there, and a later stop reads no more.
            end = start + len(rows) if len(rows) == index.stop - start else float("inf")
            self._fetched = (start, end, rows)
        else:
            self._fetched = None
        return rows

    def read(self, start: int, stop: int | None) -> list[MedalRow]:
        # The table's size comes with the rows (a subquery), when it is not known yet.
        query, fields = self.rows.annotate(name=group_name(self.by)), ROW_FIELDS
        if self._length is None:
            query, fields = query.annotate(size=Subquery(self.size()[:1])), (*ROW_FIELDS, "size")
        rows = []
        for values in query.values_list(*fields)[start:stop]:
            rows.append(MedalRow(*values[: len(ROW_FIELDS)]))
            if len(values) > len(ROW_FIELDS):
                self._length = values[-1] or 0
        if not rows:
            return []
        for row in rows:
            row.placeholder = row.key in self.placeholders
        ranked = [row for row in rows if not row.placeholder]  # the first ones: placeholders are last
        if not ranked:
            return rows
        # The first row's rank is one more than the rows strictly better; ranks go on as rank_rows
        # gives them.
        first = list(order_key(ranked[0], self.order))
        rank = 1 if start == 0 else 1 + self.ranked_rows.filter(better_than(self.fields, first)).count()
        previous = None
        for position, row in enumerate(ranked, start=start + 1):
            key = order_key(row, self.order)
            if previous is not None and key != previous:
                rank = position
            previous = key
            row.rank = rank
        return rows


def count_of(model, **filters) -> Coalesce:
    """How many `model` rows point at the outer row, as a subquery (no join that multiplies rows):
    `count_of(EntryMember, student=OuterRef("pk"))`."""
    rows = model.objects.filter(**filters).order_by().values(*filters).annotate(n=Count("pk")).values("n")
    return Coalesce(Subquery(rows), 0)


def stored_count(by: str, field: str = "total", outer: str = "pk") -> Coalesce:
    """One count of the outer row's group from the stored all-time table, as a subquery for
    annotate() (0 when the group has no row): a list page costs the same at any size."""
    rows = TallyTotal.objects.filter(kind=GROUPINGS[by].kind, key=OuterRef(outer)).values(field)[:1]
    return Coalesce(Subquery(rows), 0)


def top(by: str, people: QuerySet, limit: int = 10) -> list:
    """The people (students or coaches) of a queryset with the most medals, best tiers first, from
    the stored all-time table; each gets `medal_counts`, `n_entries` and `rank` (two queries)."""
    rows = TallyTotal.objects.filter(
        kind=GROUPINGS[by].kind, key__in=people.values("pk"), total__gt=0
    ).order_by(*(f"-{tier}" for tier in MEDALS), "key")[:limit]
    found = people.model.objects.in_bulk([row.key for row in rows])
    table = rank_rows(
        [MedalRow.of(row.key, found[row.key].name, row) for row in rows if row.key in found], "tiers"
    )
    result = []
    for row in table:
        person = found[row.key]
        person.medal_counts, person.n_entries, person.rank = list(row.tier_counts()), row.entries, row.rank
        result.append(person)
    return result


def competition_medals(outer: str = "pk") -> Coalesce:
    """The medals of the outer row's competition (its organization table's total), as a subquery
    for annotate() from the stored per-competition table."""
    medals = (
        TallyCompetition.objects.filter(competition_id=OuterRef(outer), kind=GROUPINGS["organization"].kind)
        .values("competition_id")
        .annotate(n=Sum("total"))
        .values("n")
    )
    return Coalesce(Subquery(medals), 0)


def period_rows(by: str, *, category: str | None = None, key: int | None = None):
    rows = TallyPeriod.objects.filter(kind=GROUPINGS[by].kind)
    if category:
        rows = rows.filter(category=category)
    if key is not None:
        rows = rows.filter(key=key)
    return rows


def period_counts(by: str, key: int, *, category: str | None = None) -> dict[tuple[int, str, str], int]:
    """(year, level, tier) → entries of one group with that tier, from the period table."""
    counts: dict[tuple[int, str, str], int] = defaultdict(int)
    tiers = [str(tier) for tier in TIERS]
    for year, level, *values in period_rows(by, category=category, key=key).values_list(
        "year", "level", *tiers
    ):
        for tier, value in zip(tiers, values, strict=True):
            if value:
                counts[(year, level, tier)] += value
    return dict(counts)


def period_by_year(by: str, key: int) -> list[tuple[int, MedalRow]]:
    """(year, row) of one group, newest year first, from the period table (one query)."""
    grouped = (
        period_rows(by, key=key)
        .values("year")
        .annotate(**{f"n_{name}": Sum(name) for name in COUNTS})
        .order_by("-year")
    )
    return [(row["year"], MedalRow.of(key, "", [row[f"n_{name}"] for name in COUNTS])) for row in grouped]


def period_table(
    by: str,
    *,
    order: str = "total",
    category: str | None = None,
    names: dict[int, str] | None = None,
    with_other: bool = False,
) -> list[MedalRow]:
    """Every group of a grouping summed over all years (one category, or all), ranked. `names`:
    the groups' names when the caller has them (else one query reads them); `with_other`: groups
    whose awards are all "other" ones are listed too (see is_listed)."""
    if not category:  # every category: the all-time table holds these sums (TallyTotal), named
        listed = SHOWN | Q(other__gt=0) if with_other else SHOWN
        stored = TallyTotal.objects.filter(kind=GROUPINGS[by].kind).filter(listed)
        if names is None:
            table = [
                MedalRow(*values) for values in stored.annotate(name=group_name(by)).values_list(*ROW_FIELDS)
            ]
        else:
            counts = stored.values_list("key", *ROW_FIELDS[2:])
            table = [MedalRow(key, names.get(key, "?"), *values) for key, *values in counts]
        mark_placeholders(table, by)
        return rank_rows(table, order)
    grouped = (
        period_rows(by, category=category)
        .values("key")
        .annotate(**{f"n_{name}": Sum(name) for name in COUNTS})
        .order_by()
    )
    grouped = [
        group
        for group in grouped
        if group["n_total"] or group["n_points"] or (with_other and group["n_other"])
    ]
    if names is None:
        names = group_names(by, [group["key"] for group in grouped])
    table = [
        MedalRow.of(group["key"], names.get(group["key"], "?"), [group[f"n_{name}"] for name in COUNTS])
        for group in grouped
    ]
    mark_placeholders(table, by)
    return rank_rows(table, order)


def award_years(*, by: str = "college", key: int = COLLEGE_KEY) -> list[int]:
    """Years in which a group (the college by default) won an award, newest first."""
    rows = period_rows(by, key=key).filter(Q(total__gt=0) | Q(other__gt=0))
    return list(rows.order_by("-year").values_list("year", flat=True).distinct())
