"""Who a person is (DOMAIN.md rules 9 and 10): the one place that decides whether a name (and a
number) written in a sheet, the entries form or the demo loader is a recorded student or teacher,
which recorded people may be the same person (near matches), and which pairs of records look like
duplicates for the office to review.

How names are written: `parse_people` reads `郑泽鑫（20210001）、李明` (a name, optionally followed
by its student or staff number in brackets); `format_person` writes a person back the same way.

Who they are (`People`, the finder the importer, the entries form and the demo loader share):
- A student by student number first (a former number of a merged record finds the one kept), else
  by name. A number under another name is refused; a new number given with the name of exactly
  one unnumbered student is that student's number.
- Rule 9: a student number that belongs to a home student links that member in any
  organization's entry; names alone are matched to home students only in the home college's own
  entries. A number in another organization's entry that finds no home student leaves the member
  a name (with a note saying so): it never makes a home student.
- Teachers (coaches with no organization) by staff number, else by name: a coach named in any
  entry is the home teacher of that name when there is exactly one; an ambiguous name is refused
  asking for `姓名（工号）`. With no home teacher of that name, a home entry's coach is a new home
  teacher and another organization's coach is that organization's (found by name, or made).
- Anyone not found is made once, unsaved, and listed in `new_people`, so that the caller shows
  them (with their near matches) before saving.

A near match is a recorded person who may be the one meant, though the rules do not pick them:
- a number equal to theirs but for leading zeros (210001 for 0210001: a spreadsheet stored the
  number typed into a cell not formatted as text as a number), whatever the names;
- the same name with another number (or the same number under another name);
- the same pinyin under another name (蒋家骏 for 蒋家俊 when both read jiangjiajun);
- a name one character away (one character changed, added or dropped) in the same department or
  the same cohort year.
"""

import hashlib
import re
from collections import defaultdict
from collections.abc import Hashable, Iterable, Sequence
from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.db import connection
from django.db.models import Q, QuerySet
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from competitions.models import Category, Member, Organization, person_key
from students.models import Coach, Student, StudentNumberAlias
from students.names import pinyin_key

# Why two records may be one person, in the words the office reads.
LEADING_ZEROS = "leading_zeros"
SAME_NAME = "same_name"
SAME_PINYIN = "same_pinyin"
CLOSE_NAME = "close_name"
REASONS = {
    LEADING_ZEROS: gettext_lazy("same number but for leading zeros"),
    SAME_NAME: gettext_lazy("same name"),
    SAME_PINYIN: gettext_lazy("same pinyin"),
    CLOSE_NAME: gettext_lazy("name one character away"),
}
# At most this many near matches of each kind are shown for one person.
LIMITS = {LEADING_ZEROS: 20, SAME_NAME: 20, SAME_PINYIN: 20, CLOSE_NAME: 50}
# Conditions in one query of close names (a name of n characters adds 3n + 2), below SQLite's
# default limit on the depth of an expression.
CLOSE_CONDITIONS = 900
# Values in one IN (...) query: SQLite limits a query's parameters (32766 since SQLite 3.32).
CHUNK = 5000


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


def number_of(person: Student | Coach) -> str:
    return (person.student_number if isinstance(person, Student) else person.staff_number) or ""


def zeros_key(number: str) -> str:
    """A number of digits without its leading zeros ("" for any other number): 0210001 and 210001,
    one typed into a cell formatted as text and one that a spreadsheet stored as a number, share it."""
    return number.lstrip("0") if number.isdigit() else ""


def same_but_for_zeros(a: str, b: str) -> bool:
    """Whether two different numbers differ only by leading zeros (0210001 and 210001)."""
    return a != b and bool(zeros_key(a)) and zeros_key(a) == zeros_key(b)


# Leading zeros a number may have lost (or gained) at most, when its near matches are looked up.
MAX_ZEROS = 3


def zero_variants(number: str, longest: int) -> list[str]:
    """The numbers equal to `number` but for leading zeros (up to MAX_ZEROS more than it has, and
    `longest` characters), itself excluded."""
    key = zeros_key(number)
    if not key:
        return []
    most = min(len(number) - len(key) + MAX_ZEROS, longest - len(key))
    return ["0" * count + key for count in range(most + 1) if "0" * count + key != number]


def details_of(person: Student | Coach) -> list[str]:
    """What tells a person apart besides name and number: department and cohort year."""
    details = [person.department.name] if person.department_id else []
    if isinstance(person, Student) and person.cohort_year:
        details.append(_("cohort %(year)d") % {"year": person.cohort_year})
    return details


@dataclass(frozen=True)
class NearMatch:
    person: Student | Coach
    reason: str

    @property
    def reason_label(self) -> str:
        return str(REASONS[self.reason])

    @property
    def label(self) -> str:
        """`姓名（学号） · department · cohort`: what the office types (or reads) to pick them."""
        return " · ".join([format_person(self.person), *details_of(self.person)])


@dataclass(frozen=True)
class Sought:
    """A person as written, to find near matches for: name, number, and where they belong."""

    name: str
    number: str = ""
    departments: frozenset = frozenset()
    cohorts: frozenset = frozenset()
    exclude: frozenset = frozenset()  # ids of the person the rules matched, if any
    person: object = None  # the unsaved person sought, never their own near match


def near_reason(model: type[Student] | type[Coach], candidate: Student | Coach, sought: Sought) -> str | None:
    """Why `candidate` may be the person `sought` (a reason of REASONS), or None: the one rule."""
    if sought.number and same_but_for_zeros(number_of(candidate), sought.number):
        return LEADING_ZEROS  # whatever the names: a spreadsheet dropped (or the office added) zeros
    if candidate.name == sought.name:
        if not sought.number:
            return SAME_NAME
        # Another number under the same name; an unnumbered record of that name is handled by the
        # matching rules (the number is given to it), and the same number is the person sought.
        number = number_of(candidate)
        return SAME_NAME if number and number != sought.number else None
    key = pinyin_key(sought.name)
    if key and (candidate.name_pinyin or pinyin_key(candidate.name)) == key:
        return SAME_PINYIN
    in_scope = candidate.department_id in sought.departments or (
        model is Student and candidate.cohort_year in sought.cohorts
    )
    if in_scope and one_apart(candidate.name, sought.name):
        return CLOSE_NAME
    return None


def chunks(values: Iterable, size: int = CHUNK) -> Iterable[list]:
    values = list(values)
    for start in range(0, len(values), size):
        yield values[start : start + size]


def near_matches_of(
    model: type[Student] | type[Coach],
    sought: Sequence[Sought],
    *,
    candidates: QuerySet | None = None,
    among: Sequence[Student | Coach] = (),
) -> list[list[NearMatch]]:
    """Near matches of each person sought, the closest first, in a few queries for any number of
    people: the recorded `candidates` (default: every record of `model`), then `among` (people not
    saved yet, such as the other new people of the same import)."""
    queryset = (model.objects.all() if candidates is None else candidates).select_related("department")
    by_name, by_pinyin, by_zeros = defaultdict(list), defaultdict(list), defaultdict(list)
    number_field = "student_number" if model is Student else "staff_number"
    longest = model._meta.get_field(number_field).max_length
    variants = {variant for person in sought for variant in zero_variants(person.number, longest)}
    for numbers in chunks(variants):
        for person in queryset.filter(**{f"{number_field}__in": numbers}):
            by_zeros[zeros_key(number_of(person))].append(person)
    for names in chunks({person.name for person in sought}):
        for person in queryset.filter(name__in=names):
            by_name[person.name].append(person)
    for keys in chunks({pinyin_key(person.name) for person in sought} - {""}):
        for person in queryset.filter(name_pinyin__in=keys):
            by_pinyin[person.name_pinyin].append(person)
    close: dict[int, list] = {}
    scoped = [
        (index, person)
        for index, person in enumerate(sought)
        if person.departments or (model is Student and person.cohorts)
    ]
    groups, size = [[]], 0
    for index, person in scoped:
        cost = 3 * len(person.name) + 2
        if groups[-1] and size + cost > CLOSE_CONDITIONS:
            groups.append([])
            size = 0
        groups[-1].append((index, person))
        size += cost
    for group in filter(None, groups):
        query = Q(pk__in=[])
        for _index, person in group:
            scope = Q(department_id__in=person.departments)
            if model is Student:
                scope |= Q(cohort_year__in=person.cohorts)
            query |= scope & close_name_query(person.name)
        found = list(queryset.filter(query))
        for index, _person in group:
            close[index] = found
    # People not saved yet, looked up the same way: by name, by pinyin, and (the few that have a
    # department or cohort) by close names.
    among_by_name, among_by_pinyin, among_placed = defaultdict(list), defaultdict(list), []
    among_by_zeros = defaultdict(list)
    for person in among:
        among_by_name[person.name].append(person)
        if zeros_key(number_of(person)):
            among_by_zeros[zeros_key(number_of(person))].append(person)
        among_by_pinyin[person.name_pinyin or pinyin_key(person.name)].append(person)
        if person.department_id or getattr(person, "cohort_year", None):
            among_placed.append(person)
    results = []
    for index, person in enumerate(sought):
        seen, matches, counts = set(person.exclude), [], defaultdict(int)
        key = pinyin_key(person.name)
        recorded = (
            by_zeros[zeros_key(person.number)] + by_name[person.name] + by_pinyin[key] + close.get(index, [])
        )
        unsaved = among_by_zeros[zeros_key(person.number)] + among_by_name[person.name] + among_by_pinyin[key]
        unsaved += among_placed
        for candidate in [*recorded, *unsaved]:
            key = candidate.pk or f"new:{id(candidate)}"
            if key in seen or candidate is person.person:
                continue
            reason = near_reason(model, candidate, person)
            if reason and counts[reason] < LIMITS[reason]:
                seen.add(key)
                counts[reason] += 1
                matches.append(NearMatch(candidate, reason))
        order = list(LIMITS)
        results.append(sorted(matches, key=lambda match: order.index(match.reason)))
    return results


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
    sought = Sought(
        name=name,
        number=number,
        departments=frozenset({department_id} - {None}),
        cohorts=frozenset({cohort_year} - {None}),
        exclude=frozenset(exclude),
    )
    return near_matches_of(model, [sought])[0]


@dataclass(frozen=True)
class DuplicatePair:
    first: Student | Coach
    second: Student | Coach
    reason: str

    @property
    def reason_label(self) -> str:
        return str(REASONS[self.reason])


def likely_duplicates(model: type[Student] | type[Coach], *, limit: int = 500) -> list[DuplicatePair]:
    """Pairs of records of `model` that may be one person, for the office to review: numbers equal
    but for leading zeros, the same name, the same pinyin, or names one character apart in the same
    department or cohort year.

    Reads (id, name, pinyin, department, number, cohort) once and pairs them by keys in memory, so
    the cost grows with the number of people, not with its square.
    """
    number_field = "student_number" if model is Student else "staff_number"
    fields = ["pk", "name", "name_pinyin", "department_id", number_field]
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
    by_zeros = defaultdict(list)
    for row in rows:
        _pk, name, pinyin, department, number = row[:5]
        if zeros_key(number or ""):
            by_zeros[zeros_key(number)].append(row)
        cohort = row[5] if len(row) > 5 else None
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
    pair_up(by_zeros, LEADING_ZEROS, lambda a, b: a[4] != b[4])
    pair_up(by_name, SAME_NAME)
    pair_up(by_pinyin, SAME_PINYIN, lambda a, b: a[1] != b[1])
    pair_up(by_masked, CLOSE_NAME, lambda a, b: one_apart(a[1], b[1]))
    people = model.objects.in_bulk({pk for key in list(pairs)[:limit] for pk in key})
    order = {reason: index for index, reason in enumerate(LIMITS)}
    found = [
        DuplicatePair(people[a], people[b], reason)
        for (a, b), reason in list(pairs.items())[:limit]
        if a in people and b in people
    ]
    return sorted(found, key=lambda pair: (order[pair.reason], pair.first.name_pinyin, pair.first.pk))


# ---------------------------------------------------------------------------------------------
# Names as written

NAME_SEPARATORS = re.compile(r"[、;；,，\n\r]+")
# 郑泽鑫（20210001） or 郑泽鑫 (20210001): a name followed by a student (or staff) number in brackets.
NAME_WITH_NUMBER = re.compile(r"(?P<name>[^()（）]+?)\s*[(（]\s*(?P<number>[^()（）]*?)\s*[)）]")
MAX_NAME_CHARS = 100  # EntryMember.name, Student.name and Coach.name

Person = tuple[str, str]  # (name as written, number or "")


def clean_text(text: str) -> str:
    """A name as written, with runs of spaces collapsed."""
    return " ".join(text.split())


def split_names(text: str) -> list[str]:
    """Names separated by 、 ; , (either width) or new lines."""
    return [clean_text(part) for part in NAME_SEPARATORS.split(text) if clean_text(part)]


def parse_people(text: str) -> list[Person]:
    """Names separated by 、 ; , (either width), each optionally followed by a number in brackets.

    `郑泽鑫（20210001）、李明` → [("郑泽鑫", "20210001"), ("李明", "")].
    """
    people = []
    for part in split_names(text):
        match = NAME_WITH_NUMBER.fullmatch(part)
        name, number = (clean_text(match["name"]), match["number"].strip()) if match else (part, "")
        if any(bracket in name for bracket in "()（）") or (match and not number):
            raise ValidationError(
                _("“%(part)s” cannot be read: write a name, optionally followed by its number in brackets."),
                code="bad_name",
                params={"part": part},
            )
        if len(name) > MAX_NAME_CHARS:
            raise ValidationError(
                _("“%(name)s…” is longer than %(max)d characters."),
                code="long_name",
                params={"name": name[:20], "max": MAX_NAME_CHARS},
            )
        people.append((name, number))
    return people


def format_person(person: Member) -> str:
    """A person as the office writes them, `姓名（学号）` or `姓名（工号）`, so that reading it again
    finds the same one; a name as it is."""
    if isinstance(person, str):
        return person
    number = number_of(person)
    return f"{person.name}（{number}）" if number else person.name


# ---------------------------------------------------------------------------------------------
# Finding the people a batch of rows names


@dataclass
class Note:
    """Something the office should know about a row, though nothing is wrong with it."""

    row: Hashable
    message: str


@dataclass
class NewPerson:
    """A person the batch would create, where they are named, and who they may be instead."""

    person: Student | Coach
    rows: list
    near: list[NearMatch] = field(default_factory=list)

    @property
    def label(self) -> str:
        return format_person(self.person)

    @property
    def kind(self) -> str:
        if isinstance(self.person, Student):
            return _("student")
        if self.person.organization is None:
            return _("home teacher")
        return _("coach of %(organization)s") % {"organization": self.person.organization.name}


def confirmation(new_people: Sequence[NewPerson]) -> str:
    """A token naming these new people and their near matches: a confirmation given for one list
    does not confirm another (the form was changed, or the database changed in between)."""
    lines = sorted(
        "|".join(
            [
                type(new.person).__name__,
                new.person.name,
                number_of(new.person),
                getattr(getattr(new.person, "organization", None), "name", ""),
                ",".join(str(match.person.pk or match.person.name) for match in new.near),
            ]
        )
        for new in new_people
    )
    return hashlib.sha256("\n".join(lines).encode()).hexdigest()[:20]


class People:
    """Finds the people a batch of rows names (a sheet, the entries page, the demo data).

    Made with every (name, number) the batch will ask about, it loads the recorded people in a few
    queries. Each method returns a recorded person, a new unsaved one (made once, so that two rows
    naming the same new person agree), or, for members outside the rules, the name as written; a
    broken rule raises ValidationError with a `code` and `params`:

    - `number_taken`: the number belongs to someone of another name;
    - `numbers_missing`: a new number, and several people of that name have none;
    - `ambiguous_student`, `ambiguous_teacher`, `ambiguous_coach`: several people of that name.

    `new_people`, `numbered` (recorded people given a number, to save) and `notes` collect what the
    batch would do. `row` names where a person is named, for notes and near matches; `event` groups
    rows of one event (the people of an entry, else of its organization's entries in the event,
    tell where a new person may belong when near matches are looked for).
    """

    def __init__(self, named: Iterable[Person] = ()):
        named = list(named)
        names = {name for name, _number in named}
        numbers = {number for _name, number in named if number}
        self.students_by_number: dict[str, Student] = {}
        # Numbers of records merged into another (StudentNumberAlias): they find the record kept
        # whatever name the sheet writes beside them (the merge said the two names are one person).
        self.former_numbers: set[str] = set()
        self.students_by_name: dict[str, list[Student]] = defaultdict(list)
        self.teachers_by_number: dict[str, list[Coach]] = defaultdict(list)  # home teachers
        self.teachers_by_name: dict[str, list[Coach]] = defaultdict(list)  # home teachers
        self.coaches_by_name: dict[tuple[str, str], list[Coach]] = defaultdict(list)  # (organization, name)
        # Students whose numbers equal one of the batch's but for leading zeros, to say so where a
        # number finds nobody (a spreadsheet stored 0210001 as 210001).
        self.students_by_zeros: dict[str, list[Student]] = defaultdict(list)
        longest = Student._meta.get_field("student_number").max_length
        variants = {variant for number in numbers for variant in zero_variants(number, longest)}
        for chunk in chunks(variants - numbers):
            for student in Student.objects.filter(student_number__in=chunk):
                self.students_by_zeros[zeros_key(student.student_number)].append(student)
        for chunk in chunks(numbers):
            for student in Student.objects.filter(student_number__in=chunk):
                self.students_by_number[student.student_number] = student
            # A former number of a merged record finds the record kept.
            for alias in StudentNumberAlias.objects.filter(number__in=chunk).select_related("student"):
                if alias.number not in self.students_by_number:
                    self.students_by_number[alias.number] = alias.student
                    self.former_numbers.add(alias.number)
            for teacher in Coach.objects.filter(organization__isnull=True, staff_number__in=chunk):
                self.teachers_by_number[teacher.staff_number].append(teacher)
        for chunk in chunks(names):
            for student in Student.objects.filter(name__in=chunk):
                self.students_by_name[student.name].append(student)
            for coach in Coach.objects.filter(name__in=chunk).select_related("organization"):
                if coach.organization_id is None:
                    self.teachers_by_name[coach.name].append(coach)
                else:
                    self.coaches_by_name[(coach.organization.name, coach.name)].append(coach)
        self.new_people: list[Student | Coach] = []
        self.numbered: list[Student | Coach] = []
        self.notes: list[Note] = []
        self._rows: dict[int, list] = defaultdict(list)  # id(new person) → rows naming them
        self._people_in_row: dict[Hashable, list] = defaultdict(list)
        self._group_of_row: dict[Hashable, Hashable] = {}  # row → (event, organization name)
        self._known_in_group: dict[Hashable, list] = defaultdict(list)  # recorded people named there

    # -- one person ---------------------------------------------------------------------------

    def student(self, name: str, number: str = "", *, organization: Organization, row: Hashable = None):
        """A student named in an entry of `organization`: a Student, or the name as written."""
        if number:
            student = self.students_by_number.get(number)
            if student is not None:
                if student.name != name and number not in self.former_numbers:
                    raise self.taken(
                        _("Student number %(number)s belongs to %(known)s, not %(name)s."),
                        number,
                        student,
                        name,
                    )
                return student
            if not organization.is_home:
                message = _(
                    "Student number %(number)s matches no home student, so %(name)s is kept as a name in "
                    "this entry of %(organization)s."
                )
                if any(not s.student_number for s in self.students_by_name[name]):
                    message += " " + _(
                        "A home student named %(name)s has no student number: if the number is theirs, "
                        "record it in their entry of the college (or the admin) and import again."
                    )
                message %= {"number": number, "name": name, "organization": organization.name}
                for near in self.students_by_zeros.get(zeros_key(number), []):
                    message += " " + _(
                        "%(known)s has the student number %(theirs)s, the same but for leading zeros: if "
                        "the number lost its zeros in a spreadsheet, correct the sheet."
                    ) % {"known": near.name, "theirs": near.student_number}
                self.note(row, message)
                return name
            unnumbered = [s for s in self.students_by_name[name] if not s.student_number]
            if len(unnumbered) > 1:
                raise ValidationError(
                    _(
                        "Student number %(number)s is new and %(count)d students named %(name)s have none: "
                        "give them their numbers first."
                    ),
                    code="numbers_missing",
                    params={"number": number, "count": len(unnumbered), "name": name},
                )
            if unnumbered:
                # The one student of that name without a number: this is their number.
                student = unnumbered[0]
                student.student_number = number
                if student.pk:
                    self.numbered.append(student)
            else:
                student = self.new(Student(name=name, student_number=number), row)
                self.students_by_name[name].append(student)
            self.students_by_number[number] = student
            return student
        if not organization.is_home:
            return name  # rule 9: names alone are home students only in the home college's entries
        matches = self.students_by_name[name]
        if len(matches) > 1:
            raise ValidationError(
                _(
                    "%(count)d students are named %(name)s: "
                    "write the student number after the name, as in %(example)s."
                ),
                code="ambiguous_student",
                params={"count": len(matches), "name": name, "example": f"{name}（20210001）"},
            )
        if matches:
            return matches[0]
        student = self.new(Student(name=name), row)
        matches.append(student)
        return student

    def teacher(self, name: str, number: str = "", *, organization: Organization, row: Hashable = None):
        """A teacher competing (teacher-ability contests) in an entry of `organization`: a home
        teacher, or the name as written (the rules of students, with staff numbers)."""
        if number:
            teacher = self.home_teacher_by_number(name, number)
            if teacher is not None:
                return teacher
            if not organization.is_home:
                self.note(
                    row,
                    _(
                        "Staff number %(number)s matches no home teacher, so %(name)s is kept as a name in "
                        "this entry of %(organization)s."
                    )
                    % {"number": number, "name": name, "organization": organization.name},
                )
                return name
            return self.home_teacher_with_new_number(name, number, row) or self.new_home_teacher(
                name, number, row
            )
        if not organization.is_home:
            return name
        return self.home_teacher_by_name(name) or self.new_home_teacher(name, "", row)

    def coach(
        self, name: str, number: str = "", *, organization: Organization, row: Hashable = None
    ) -> Coach:
        """A coach of an entry of `organization`: the home teacher of that name (or staff number)
        whatever the organization; else, in the home college's entries, a new home teacher, and in
        other organizations' entries that organization's coach."""
        if number:
            teacher = self.home_teacher_by_number(name, number) or self.home_teacher_with_new_number(
                name, number, row
            )
            if teacher is not None:
                return teacher
            if organization.is_home:
                return self.new_home_teacher(name, number, row)
            self.note(
                row,
                _(
                    "Staff number %(number)s matches no home teacher, so %(name)s is recorded as a coach of "
                    "%(organization)s."
                )
                % {"number": number, "name": name, "organization": organization.name},
            )
        else:
            teacher = self.home_teacher_by_name(name)
            if teacher is not None:
                return teacher
            if organization.is_home:
                return self.new_home_teacher(name, "", row)
        matches = self.coaches_by_name[(organization.name, name)]
        if number and any(coach.staff_number == number for coach in matches):
            matches = [coach for coach in matches if coach.staff_number == number]
        if len(matches) > 1:
            raise ValidationError(
                _(
                    "%(count)d coaches of %(organization)s are named %(name)s: tell them apart in the admin first."
                ),
                code="ambiguous_coach",
                params={"count": len(matches), "name": name, "organization": organization.name},
            )
        if matches:
            return matches[0]
        coach = self.new(Coach(name=name, staff_number=number, organization=organization), row)
        matches.append(coach)
        return coach

    # -- lists of people, as a row names them ---------------------------------------------------

    def members(
        self,
        people: Sequence[Person],
        *,
        organization: Organization,
        competition,
        row: Hashable = None,
        event: Hashable = None,
        linked: Iterable[Student | Coach] = (),
    ) -> list[Member]:
        """The members of an entry: students (teachers in teacher-ability contests), or names.

        `linked` are the people the entry links already: a name written as one of them stays
        theirs, so that editing a row does not unlink a member whose number is not written.
        Every problem of the row is raised at once (a ValidationError with a list)."""
        find = self.teacher if competition.category == Category.TEACHER else self.student
        kind = Coach if competition.category == Category.TEACHER else Student
        by_name = defaultdict(list)
        for person in linked:
            if isinstance(person, kind):
                by_name[person.name].append(person)
        members, errors = [], []
        for name, number in people:
            same = [person for person in by_name[name] if not number or number == number_of(person)]
            if same:
                by_name[name].remove(same[0])  # two members of one name are two people
                members.append(same[0])
                continue
            try:
                members.append(find(name, number, organization=organization, row=row))
            except ValidationError as error:
                errors.append(error)
        if errors:
            raise ValidationError(errors)
        self.seen(members, organization=organization, row=row, event=event)
        return members

    def coaches(
        self,
        people: Sequence[Person],
        *,
        organization: Organization,
        row: Hashable = None,
        event: Hashable = None,
    ) -> list[Coach]:
        """The coaches of an entry, each once however often named; every problem raised at once."""
        coaches, errors = {}, []
        for name, number in people:
            try:
                coach = self.coach(name, number, organization=organization, row=row)
            except ValidationError as error:
                errors.append(error)
            else:
                coaches.setdefault(person_key(coach), coach)
        if errors:
            raise ValidationError(errors)
        self.seen(list(coaches.values()), organization=organization, row=row, event=event)
        return list(coaches.values())

    def seen(
        self, people: Sequence[Member], *, organization: Organization, row: Hashable, event: Hashable
    ) -> None:
        """Record who is named in `row` (an entry of `organization` in `event`): where the new
        people of the batch may belong. Callers add the people of rows they did not ask about."""
        if row is None:
            return
        group = self._group_of_row.setdefault(row, (event, organization.name))
        for person in people:
            if isinstance(person, str):
                continue
            self._people_in_row[row].append(person)
            if person.pk is None:
                if row not in self._rows[id(person)]:
                    self._rows[id(person)].append(row)
            else:
                self._known_in_group[group].append(person)

    # -- new people and their near matches -----------------------------------------------------

    def new_people_report(self, people: Iterable[Student | Coach] | None = None) -> list[NewPerson]:
        """Each new person (of `people`, default all), the rows naming them and their near matches,
        in a few queries for the whole batch."""
        if people is None:
            wanted = self.new_people
        else:
            ids = {id(person) for person in people}
            wanted = [person for person in self.new_people if id(person) in ids]
        report = {id(person): NewPerson(person, self._rows[id(person)]) for person in wanted}
        for model, candidates in (
            (Student, Student.objects.all()),
            (Coach, Coach.objects.filter(organization__isnull=True)),
        ):
            people_of_model = [person for person in wanted if isinstance(person, model)]
            if not people_of_model:
                continue
            sought = [self.sought(person) for person in people_of_model]
            found = near_matches_of(model, sought, candidates=candidates, among=people_of_model)
            for person, near in zip(people_of_model, found, strict=True):
                report[id(person)].near = near
        return list(report.values())

    def sought(self, person: Student | Coach) -> Sought:
        """A new person, with the departments and cohorts of the recorded people named beside them
        (in the same entry, else in the same organization's entries of the event)."""
        rows = self._rows[id(person)]
        known = [p for row in rows for p in self._people_in_row.get(row, []) if p.pk]
        if not known:
            groups = {self._group_of_row[row] for row in rows if row in self._group_of_row}
            known = [p for group in groups for p in self._known_in_group.get(group, [])]
        if isinstance(person, Student):
            known = [p for p in known if isinstance(p, Student)]
        return Sought(
            name=person.name,
            number=number_of(person),
            departments=frozenset(p.department_id for p in known if p.department_id),
            cohorts=frozenset(p.cohort_year for p in known if getattr(p, "cohort_year", None)),
            person=person,
        )

    # -- helpers --------------------------------------------------------------------------------

    def new(self, person: Student | Coach, row: Hashable):
        """A person made for the batch, once: listed to be created (and shown before that)."""
        self.new_people.append(person)
        if row is not None:
            self._rows[id(person)].append(row)
        return person

    def note(self, row: Hashable, message: str) -> None:
        self.notes.append(Note(row, message))

    @staticmethod
    def taken(message: str, number: str, known: Student | Coach, name: str) -> ValidationError:
        return ValidationError(
            message, code="number_taken", params={"number": number, "known": known.name, "name": name}
        )

    def home_teacher_by_number(self, name: str, number: str) -> Coach | None:
        teachers = self.teachers_by_number.get(number, [])
        same = [teacher for teacher in teachers if teacher.name == name]
        if len(same) > 1:
            raise self.ambiguous_teacher(name, len(same))
        if same:
            return same[0]
        if teachers:
            raise self.taken(
                _("Staff number %(number)s belongs to %(known)s, not %(name)s."), number, teachers[0], name
            )
        return None

    def home_teacher_with_new_number(self, name: str, number: str, row: Hashable) -> Coach | None:
        """The one home teacher of that name without a staff number, given this one; None when no
        home teacher of that name lacks a number."""
        unnumbered = [teacher for teacher in self.teachers_by_name[name] if not teacher.staff_number]
        if len(unnumbered) > 1:
            raise ValidationError(
                _(
                    "Staff number %(number)s is new and %(count)d teachers named %(name)s have none: "
                    "give them their numbers first."
                ),
                code="numbers_missing",
                params={"number": number, "count": len(unnumbered), "name": name},
            )
        if not unnumbered:
            return None
        teacher = unnumbered[0]
        teacher.staff_number = number
        if teacher.pk:
            self.numbered.append(teacher)
        self.teachers_by_number[number].append(teacher)
        return teacher

    def home_teacher_by_name(self, name: str) -> Coach | None:
        teachers = self.teachers_by_name[name]
        if len(teachers) > 1:
            raise self.ambiguous_teacher(name, len(teachers))
        return teachers[0] if teachers else None

    def new_home_teacher(self, name: str, number: str, row: Hashable) -> Coach:
        teacher = self.new(Coach(name=name, staff_number=number), row)
        self.teachers_by_name[name].append(teacher)
        if number:
            self.teachers_by_number[number].append(teacher)
        return teacher

    @staticmethod
    def ambiguous_teacher(name: str, count: int) -> ValidationError:
        return ValidationError(
            _(
                "%(count)d teachers are named %(name)s: "
                "write the staff number after the name, as in %(example)s."
            ),
            code="ambiguous_teacher",
            params={"count": count, "name": name, "example": f"{name}（T001）"},
        )


PEOPLE_LOCK = 0x9E09_1E10  # any constant: names the advisory lock under which people are found and made


def lock_people() -> None:
    """Let one transaction at a time find and create people, until it commits (rule 10).

    Two imports into different competitions, or an import and an entries form, that both name a new
    person would otherwise each find nobody and each create them. Recording or restoring an entry
    (competitions.recording) takes it too, so that its "once per event" check sees every entry
    committed before (rule 7) and its locks come in the same order. Taken inside the transaction
    before the people are looked up and before any row lock: imports take it after their
    competitions' advisory locks and before they write, the entries form before it raises the
    event's version (one order everywhere, so they cannot deadlock). SQLite lets one write transaction run at a time already
    (IMMEDIATE transactions).
    """
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [PEOPLE_LOCK])
