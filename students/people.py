"""Who a person is (DOMAIN.md rules 9 and 10): the one place that decides whether a name (and a
number) written in a sheet, the entries form or the demo loader is a recorded student or teacher,
which recorded people may be the same person (near matches), and which pairs of records look like
duplicates for the office to review.

A near match is a recorded person who may be the one meant, though the rules do not pick them:
- the same name with another number (or the same number under another name);
- the same pinyin under another name (蒋家骏 for 蒋家俊 when both read jiangjiajun);
- a name one character away (one character changed, added or dropped) in the same department or
  the same cohort year.
"""

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass

from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from students.models import Coach, Student
from students.names import pinyin_key

# Why two records may be one person, in the words the office reads.
SAME_NAME = "same_name"
SAME_PINYIN = "same_pinyin"
CLOSE_NAME = "close_name"
REASONS = {
    SAME_NAME: _("same name"),
    SAME_PINYIN: _("same pinyin"),
    CLOSE_NAME: _("name one character away"),
}


def one_apart(a: str, b: str) -> bool:
    """True when `b` is `a` with exactly one character changed, added or dropped."""
    if a == b or abs(len(a) - len(b)) > 1:
        return False
    if len(a) == len(b):
        return sum(x != y for x, y in zip(a, b, strict=True)) == 1
    short, long = (a, b) if len(a) < len(b) else (b, a)
    return any(long[:i] + long[i + 1 :] == short for i in range(len(long)))


def close_name_query(name: str) -> Q:
    """Names one character away from `name`, as conditions a database can answer
    (each a prefix and a suffix; the caller narrows by department or cohort)."""
    query = Q(pk__in=[])
    for i in range(len(name) + 1):
        # a character changed or added at i (the name keeps its prefix and its suffix)
        query |= Q(name__startswith=name[:i], name__endswith=name[i + 1 :]) & ~Q(name=name)
        query |= Q(name__startswith=name[:i], name__endswith=name[i:]) & ~Q(name=name)
    for i in range(len(name)):
        # a character dropped at i
        query |= Q(name=name[:i] + name[i + 1 :])
    return query


@dataclass(frozen=True)
class NearMatch:
    person: Student | Coach
    reason: str

    @property
    def reason_label(self) -> str:
        return str(REASONS[self.reason])


def near_matches(
    model: type[Student] | type[Coach],
    name: str,
    *,
    number: str = "",
    department_id: int | None = None,
    cohort_year: int | None = None,
    exclude: Iterable[int] = (),
) -> list[NearMatch]:
    """Recorded people of `model` who may be the person written as `name` (and `number`), the
    closest first. `exclude` are ids of the person the rules matched, if any."""
    excluded = set(exclude)
    found: dict[int, NearMatch] = {}

    def add(people, reason: str) -> None:
        for person in people:
            if person.pk not in excluded and person.pk not in found:
                found[person.pk] = NearMatch(person, reason)

    number_field = "student_number" if model is Student else "staff_number"
    same_name = model.objects.filter(name=name)
    if number:
        # Another number under the same name; an unnumbered record of that name is handled by
        # the matching rules (the number is given to it), so it is not a near match.
        same_name = same_name.exclude(**{number_field: number}).exclude(
            Q(**{f"{number_field}__isnull": True}) | Q(**{number_field: ""})
        )
    add(same_name[:20], SAME_NAME)
    key = pinyin_key(name)
    if key:
        add(model.objects.filter(name_pinyin=key).exclude(name=name)[:20], SAME_PINYIN)
    if department_id is not None or cohort_year is not None:
        scope = Q(pk__in=[])
        if department_id is not None:
            scope |= Q(department_id=department_id)
        if cohort_year is not None and model is Student:
            scope |= Q(cohort_year=cohort_year)
        close = model.objects.filter(scope).filter(close_name_query(name))[:50]
        add([person for person in close if one_apart(person.name, name)], CLOSE_NAME)
    return list(found.values())


@dataclass(frozen=True)
class DuplicatePair:
    first: Student | Coach
    second: Student | Coach
    reason: str

    @property
    def reason_label(self) -> str:
        return str(REASONS[self.reason])


def likely_duplicates(model: type[Student] | type[Coach], *, limit: int = 500) -> list[DuplicatePair]:
    """Pairs of records of `model` that may be one person, for the office to review: the same name,
    the same pinyin, or names one character apart in the same department or cohort year.

    Reads (id, name, pinyin, department, cohort) once and pairs them by keys in memory, so the cost
    grows with the number of people, not with its square.
    """
    fields = ["pk", "name", "name_pinyin", "department_id"]
    if model is Student:
        fields.append("cohort_year")
    rows = list(model.objects.values_list(*fields))
    pairs: dict[tuple[int, int], str] = {}

    def pair_up(groups: dict, reason: str, check=None) -> None:
        for members in groups.values():
            if len(members) < 2:
                continue
            for i, a in enumerate(members):
                for b in members[i + 1 :]:
                    key = (min(a[0], b[0]), max(a[0], b[0]))
                    if key not in pairs and (check is None or check(a, b)):
                        pairs[key] = reason

    by_name, by_pinyin, by_masked = defaultdict(list), defaultdict(list), defaultdict(list)
    for row in rows:
        pk, name, pinyin, department = row[:4]
        cohort = row[4] if len(row) > 4 else None
        by_name[name].append(row)
        if pinyin:
            by_pinyin[pinyin].append(row)
        # Names one character apart share a key with that character masked out (or dropped).
        for scope in (("d", department), ("c", cohort)):
            if scope[1] is None:
                continue
            for i in range(len(name)):
                by_masked[(scope, name[:i] + "\0" + name[i + 1 :])].append(row)
                by_masked[(scope, "drop", name[:i] + name[i + 1 :])].append(row)
            by_masked[(scope, "drop", name)].append(row)
    pair_up(by_name, SAME_NAME)
    pair_up(by_pinyin, SAME_PINYIN, lambda a, b: a[1] != b[1])
    pair_up(by_masked, CLOSE_NAME, lambda a, b: one_apart(a[1], b[1]))
    people = model.objects.in_bulk({pk for key in list(pairs)[:limit] for pk in key})
    order = {SAME_NAME: 0, SAME_PINYIN: 1, CLOSE_NAME: 2}
    found = [
        DuplicatePair(people[a], people[b], reason)
        for (a, b), reason in list(pairs.items())[:limit]
        if a in people and b in people
    ]
    return sorted(found, key=lambda pair: (order[pair.reason], pair.first.name_pinyin, pair.first.pk))
