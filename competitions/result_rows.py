"""The rows of a results table — an event's entries as its results read — read as plain values.

A competition page shows a page of results (about forty entries, with members, coaches, award and
evidence counts). Read as model instances with prefetches, that cost ~0.2 ms an entry in the ORM
alone; read here as two value queries (entries with their awards; members and coaches together) it
costs a few milliseconds a page (issue 13). `templatetags.results_cells.entry_rows` writes the rows; an Entry
already fetched with `EntryQuerySet.with_people` becomes a row through `ResultRow.of`.
"""

from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field

from django.db.models import BigIntegerField, F, QuerySet, Value
from django.db.models.functions import Cast

from competitions import evidence
from competitions.models import Award, Entry, EntryCoach, EntryMember
from competitions.querysets import CompiledQuery


@dataclass(slots=True)
class Member:
    """A named member: a home student, a teacher, or an outside competitor's name."""

    name: str
    student_id: int | None = None
    coach_id: int | None = None


@dataclass(slots=True)
class Coach:
    pk: int
    name: str


@dataclass(slots=True)
class ResultRow:
    pk: int
    rank: int | None
    score: str
    organization: str
    is_home: bool
    award: Award | None
    members: list[Member] = field(default_factory=list)
    coaches: list[Coach] = field(default_factory=list)
    scan_count: int = 0
    document_count: int = 0

    @classmethod
    def of(cls, entry: Entry) -> "ResultRow":
        """The row of an entry fetched with its people (EntryQuerySet.with_people), and its
        evidence counts when annotated (evidence.with_evidence_counts)."""
        return cls(
            pk=entry.pk,
            rank=entry.rank,
            score=entry.score,
            organization=entry.organization.name,
            is_home=entry.organization.is_home,
            award=entry.award,
            members=[Member(m.name, m.student_id, m.coach_id) for m in entry.members.all()],
            coaches=[Coach(c.pk, c.name) for c in entry.coaches.all()],
            scan_count=getattr(entry, "scan_count", 0),
            document_count=getattr(entry, "document_count", 0),
        )


def read(event_ids: Iterable[int]) -> dict[int, list[ResultRow]]:
    """The results of these events, by event, each in result order (EntryQuerySet.in_result_order),
    members by position, coaches as Coach orders them: two queries, whatever the number of rows."""
    event_ids = list(event_ids)
    by_event: dict[int, list[ResultRow]] = {pk: [] for pk in event_ids}
    if not event_ids:
        return by_event
    rows: dict[int, ResultRow] = {}
    awards: dict[int, Award] = {}  # one instance per award of the page (a handful), no query of their own
    for values in ENTRIES_OF_EVENTS(event_ids):
        pk, event, rank, score, organization, is_home, award, label, normalized, tier, scans, documents = (
            values
        )
        if award is not None and award not in awards:
            awards[award] = Award(pk=award, label=label, normalized=normalized, tier=tier)
        row = ResultRow(pk, rank, score, organization, is_home, awards.get(award), [], [], scans, documents)
        rows[pk] = row
        by_event[event].append(row)
    if not rows:
        return by_event
    for entry, person in people_of_rows(PEOPLE_OF_EVENTS(event_ids)):
        if isinstance(person, Member):
            rows[entry].members.append(person)
        else:
            rows[entry].coaches.append(person)
    return by_event


def entries_query(event_ids: list[int]) -> QuerySet:
    """The query of read: the entries of these events in result order, with their organization,
    award and evidence counts, as values."""
    entries = evidence.with_evidence_counts(Entry.objects.filter(event__in=event_ids).in_result_order())
    fields = ("pk", "event_id", "rank", "score", "organization__name", "organization__is_home", "award_id")
    award_fields = ("award__label", "award__normalized", "award__tier")
    return entries.values_list(*fields, *award_fields, "scan_count", "document_count")


def read_people(**entries) -> Iterator[tuple[int, Member | Coach]]:
    """(entry id, Member or Coach) of the entries matching the filter (`entry__in=...`,
    `entry__event__in=...`): each entry's members by position, then its coaches as Coach orders
    them (pinyin, name), in one query (a UNION ALL of the two tables)."""
    return people_of_rows(people_query(**entries))


def read_people_of(entry_ids: list[int]) -> Iterator[tuple[int, Member | Coach]]:
    """read_people(entry__in=entry_ids), its SQL compiled once per number of entries."""
    return people_of_rows(PEOPLE_OF_ENTRIES(entry_ids))


def people_of_rows(rows: Iterable[tuple]) -> Iterator[tuple[int, Member | Coach]]:
    for entry, kind, _position, _pinyin, name, student, coach in rows:
        yield entry, Coach(coach, name) if kind else Member(name, student, coach)


def people_query(**entries) -> QuerySet:
    """The query of read_people: (entry id, kind, position, pinyin, name, student, teacher) rows."""
    columns = (
        "entry_id",
        "kind",
        "by_position",
        "by_pinyin",
        "person_name",
        "member_student",
        "member_teacher",
    )
    members = EntryMember.objects.filter(**entries).annotate(
        kind=Value(0),
        by_position=F("position"),
        by_pinyin=Value(""),
        person_name=F("name"),
        member_student=F("student_id"),
        member_teacher=F("coach_id"),
    )
    coaches = EntryCoach.objects.filter(**entries).annotate(
        kind=Value(1),
        by_position=Value(0),
        by_pinyin=F("coach__name_pinyin"),
        person_name=F("coach__name"),
        member_student=Cast(Value(None), BigIntegerField()),
        member_teacher=F("coach_id"),
    )
    # Without the models' own orderings: a part of a UNION may not be ordered (SQLite).
    people = (
        members.order_by().values_list(*columns).union(coaches.order_by().values_list(*columns), all=True)
    )
    # A member's position is unique in its entry; pinyin, name and id order the coaches.
    return people.order_by(*columns[:5], "member_teacher")


PEOPLE_OF_ENTRIES = CompiledQuery(lambda entry_ids: people_query(entry__in=entry_ids))
# read's two queries, compiled once per connection and number of events.
ENTRIES_OF_EVENTS = CompiledQuery(entries_query)
PEOPLE_OF_EVENTS = CompiledQuery(lambda event_ids: people_query(entry__event__in=event_ids))
