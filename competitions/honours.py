"""Honours that results lead to (models.Honour): the rules that need the linked entries, saving
and deleting from the office's pages, and the one count the annual summary, its XLSX and its Word
export read (`honours_by_kind`).

A squad selection (入围国家集训队) is recorded twice in the report's terms: the entry whose award is
the squad award (the result), and the honour that links it (who was selected, with the document
that says so). The honour links the entry rather than repeating it, so the summary's paragraph tells
squad selections once, from the entries (reports.squads_zh), and counts the honours in its table.
"""

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Count, Exists, Min, OuterRef, Prefetch, Q, QuerySet, Sum
from django.utils.translation import gettext as _

from competitions.models import Entry, Honour, HonourKind, HonourPeople, HonourStatus, Tier

KINDS = list(HonourKind)
STATUSES = list(HonourStatus)

# Squad selections (入围国家集训队, 入围中国集训队, National Training Squad) are "other" awards of the
# vocabulary with these words: the one definition, read by the summary (reports) and the honours.
SQUAD_WORDS = ("集训队", "squad")
SQUADS = Q(award__tier=Tier.OTHER) & (Q(award__label__contains="集训队") | Q(award__label__icontains="squad"))


def is_squad(award) -> bool:
    return (
        award is not None
        and award.tier == Tier.OTHER
        and any(w in award.label.casefold() for w in SQUAD_WORDS)
    )


def squad_entries(entries: QuerySet[Entry]) -> QuerySet[Entry]:
    """The entries whose award is a squad selection, as the award vocabulary says it."""
    return entries.filter(SQUADS)


def check_entries(honour: Honour, entries: Iterable[Entry]) -> None:
    """The rule that needs the linked entries: a squad selection links at least one entry whose
    award is the squad award. Raises ValidationError on the entries field."""
    if honour.kind != HonourKind.SQUAD:
        return
    ids = [entry.pk for entry in entries]
    if not ids or not squad_entries(Entry.objects.filter(pk__in=ids)).exists():
        raise ValidationError(
            {
                "entries": _(
                    "A national training squad selection links the entry that records it: choose at "
                    "least one entry whose award is a squad selection."
                )
            }
        )


@transaction.atomic
def save_honour(*, honour: Honour, entries: Sequence[Entry]) -> Honour:
    """Check and save an honour with its entries (one history row each); nothing is saved when a
    rule is broken."""
    honour.full_clean()
    check_entries(honour, entries)
    honour.save()
    honour.entries.set(entries)
    return honour


def has_honours(field: str) -> Exists:
    """An annotation of a Student (`field` "student") or Coach ("coach") query: whether an honour
    names the row's person, so that a page reading the person with it skips honours_of's query
    for the many who have none."""
    return Exists(Honour.objects.filter(**{field: OuterRef("pk")}))


def honours_of(*, student=None, coach=None) -> list[Honour]:
    """A person's honours, newest first, with their entries, in 2 queries (1 when there are none)."""
    honours = (
        Honour.objects.filter(student=student) if student is not None else Honour.objects.filter(coach=coach)
    )
    entries = Entry.objects.select_related("event__competition", "award").order_by(
        "-event__competition__year", "id"
    )
    return list(
        honours.order_by("-year", "-date", "kind", "id").prefetch_related(
            Prefetch("entries", queryset=entries)
        )
    )


# ---------------------------------------------------------------------------------------------
# Counting: the one function the summary page, its XLSX and its Word export read


@dataclass
class HonourCount:
    """One row of the summary's honours table: the honours of one kind and status in a year."""

    kind: str
    status: str
    named: int = 0  # honours naming a person (one person each)
    unnamed: int = 0  # people counted by unnamed honours
    students: bool = False  # someone counted is a student
    teachers: bool = False  # someone counted is a teacher
    titles: list[str] = field(default_factory=list)  # titles as written, in the order first met

    @property
    def total(self) -> int:
        """People counted: the named ones and the unnamed counts added."""
        return self.named + self.unnamed

    @property
    def kind_label(self) -> str:
        return str(HonourKind(self.kind).label)

    @property
    def status_label(self) -> str:
        return str(HonourStatus(self.status).label)

    @property
    def who(self) -> str:
        """students, teachers or both (HonourPeople): who the row counts."""
        if self.students and self.teachers:
            return HonourPeople.BOTH
        return HonourPeople.TEACHERS if self.teachers else HonourPeople.STUDENTS


def honours_by_kind(year: int) -> list[HonourCount]:
    """The year's honours by kind and status (kinds and statuses in their choices' order, empty
    rows left out), named and unnamed people added: one query."""
    groups = (
        Honour.objects.filter(year=year)
        .order_by()
        .values("kind", "status", "title", "people")
        .annotate(
            named=Count("id", filter=Q(count__isnull=True)),
            unnamed=Sum("count"),
            students=Count("student"),
            teachers=Count("coach"),
            first=Min("id"),
        )
        .order_by("first")
    )
    rows: dict[tuple[str, str], HonourCount] = {}
    for group in groups:
        row = rows.setdefault((group["kind"], group["status"]), HonourCount(group["kind"], group["status"]))
        row.named += group["named"]
        row.unnamed += group["unnamed"] or 0
        people = group["people"]
        row.students |= bool(group["students"]) or people in (HonourPeople.STUDENTS, HonourPeople.BOTH)
        row.teachers |= bool(group["teachers"]) or people in (HonourPeople.TEACHERS, HonourPeople.BOTH)
        if group["title"] and group["title"] not in row.titles:
            row.titles.append(group["title"])
    return sorted(rows.values(), key=lambda row: (KINDS.index(row.kind), STATUSES.index(row.status)))


# ---------------------------------------------------------------------------------------------
# The summary's sentence on honours, in Chinese and in English (content in a fixed language, as
# the rest of the paragraph: reports.py). Squad selections are left to the squad sentence.

IN_PARAGRAPH = [kind for kind in KINDS if kind != HonourKind.SQUAD]

KIND_ZH = {
    HonourKind.SQUAD: "国家集训队",
    HonourKind.NATIONAL_EXPERT: "全国技术能手",
    HonourKind.PROVINCIAL_EXPERT: "省技术能手",
    HonourKind.SKILL_GRADE: "更高技能等级",
    HonourKind.TEACHING_TITLE: "更高职称",
}
WHO_ZH = {HonourPeople.STUDENTS: "学生", HonourPeople.TEACHERS: "教师", HonourPeople.BOTH: "师生"}
# Experts are titles conferred (quoted, as the report quotes them); grades and titles are promotions.
EXPERTS = (HonourKind.NATIONAL_EXPERT, HonourKind.PROVINCIAL_EXPERT)


def phrase_zh(row: HonourCount) -> str:
    name = "、".join(row.titles) or KIND_ZH[row.kind]
    if row.kind == HonourKind.SQUAD:
        return f"入围{name}"
    if row.kind in EXPERTS:
        name = "、".join(f"“{title}”" for title in (row.titles or [KIND_ZH[row.kind]]))
        return {
            HonourStatus.QUALIFIED: f"获得{name}申报资格",
            HonourStatus.NOMINATED: f"被推荐申报{name}",
            HonourStatus.AWARDED: f"获评{name}",
        }[row.status]
    return {
        HonourStatus.QUALIFIED: f"获得{name}申报资格",
        HonourStatus.NOMINATED: f"被推荐晋升{name}",
        HonourStatus.AWARDED: f"晋升{name}",
    }[row.status]


def sentence_zh(rows: Sequence[HonourCount]) -> str:
    """ "共有 20 名师生获得“全国技术能手”申报资格，11 名教师获评“全国技术能手”。" """
    parts = [f"{row.total} 名{WHO_ZH[row.who]}{phrase_zh(row)}" for row in rows if row.kind in IN_PARAGRAPH]
    return f"共有 {'，'.join(parts)}。" if parts else ""


KIND_EN = {
    HonourKind.SQUAD: "the national training squad",
    HonourKind.NATIONAL_EXPERT: "National Technical Expert",
    HonourKind.PROVINCIAL_EXPERT: "Provincial Technical Expert",
    HonourKind.SKILL_GRADE: "a higher skill grade",
    HonourKind.TEACHING_TITLE: "a higher teaching title",
}
WHO_EN = {
    HonourPeople.STUDENTS: ("student", "students"),
    HonourPeople.TEACHERS: ("teacher", "teachers"),
    HonourPeople.BOTH: ("student or teacher", "students and teachers"),
}


def phrase_en(row: HonourCount) -> str:
    name = ", ".join(row.titles) or KIND_EN[row.kind]
    were = "was" if row.total == 1 else "were"
    if row.kind == HonourKind.SQUAD:
        return f"{were} selected for {name}"
    promotion = "" if row.kind in EXPERTS else "promotion to "
    return {
        HonourStatus.QUALIFIED: f"qualified to apply for {promotion}{name}",
        HonourStatus.NOMINATED: f"{were} nominated for {promotion}{name}",
        HonourStatus.AWARDED: f"{were} named {name}" if row.kind in EXPERTS else f"{were} promoted to {name}",
    }[row.status]


def sentence_en(rows: Sequence[HonourCount]) -> str:
    """ "Honours: 20 students and teachers qualified to apply for National Technical Expert, and
    11 teachers were named National Technical Expert." """
    parts = []
    for row in rows:
        if row.kind in IN_PARAGRAPH:
            singular, plural = WHO_EN[row.who]
            parts.append(f"{row.total} {singular if row.total == 1 else plural} {phrase_en(row)}")
    if not parts:
        return ""
    joined = parts[0] if len(parts) == 1 else ", ".join(parts[:-1]) + " and " + parts[-1]
    return f"Honours: {joined}."
