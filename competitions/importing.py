"""Importing a result sheet (CSV or XLSX): one row per entry, validated whole, applied all or nothing.

The sheet format is the interface of `import_results` in DOMAIN.md. Reading (bytes → rows of text),
planning (rows → what would be created, what is already there, what is wrong) and applying (one
transaction of bulk inserts) are separate steps, so that a dry run and a preview show exactly what
applying would do.

Imports into one competition are serialized (`lock_competitions`): the sheet is read outside, then
one transaction takes the lock of every competition the sheet names, plans (which rows are already
recorded) and applies. A second import into the same competition waits, then finds the first one's
rows present, so parallel imports of overlapping sheets never add a row twice.
"""

import hashlib
import logging
import re
import unicodedata
from collections import Counter, defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, OperationalError, connection, transaction
from django.db.models import Count, Prefetch
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from competitions import confirming, punctuation
from competitions.aggregates import results_changed
from competitions.auditing import bulk_create_audited
from competitions.models import (
    Award,
    Category,
    Competition,
    Entry,
    EntryCoach,
    EntryMember,
    Event,
    EventAlias,
    Level,
    Organization,
    Skill,
    entry_identity,
    largest,
    match_recorded,
    normalize_label,
    once_per_event,
)
from competitions.reading import DateCell, NumberCell, SheetError, iter_rows, read_sheet  # noqa: F401 (re-exported)
from competitions.recording import member_row
from students.models import Coach, Student
from students.people import (
    NewPerson,
    Note,
    People,
    chunks,
    clean_text,
    confirmation,
    lock_people,
    parse_people,
    split_names,
)

logger = logging.getLogger(__name__)

# Column → the header spellings accepted for it (compared without case, spaces, "_" or "-").
COLUMNS = {
    "competition": ["competition", "赛事", "赛事名称"],
    "year": ["year", "年份", "年度"],
    "level": ["level", "级别"],
    "category": ["category", "类别"],
    "event": ["event", "赛项", "项目"],
    "organization": ["organization", "单位", "代表队"],
    "competitors": ["competitors", "选手", "参赛选手"],
    "student_numbers": ["student_numbers", "学号"],
    "coaches": ["coaches", "指导教师", "教练"],
    "award": ["award", "奖项"],
    "rank": ["rank", "名次"],
    "score": ["score", "成绩"],
    "notes": ["notes", "备注"],
}
REQUIRED_COLUMNS = ["competition", "year", "level", "event", "organization", "competitors", "award"]

LEVEL_WORDS = {
    Level.WORLD: ["世界", "国际", "世界级", "国际级", "世赛"],
    Level.NATIONAL: ["国家级", "全国", "国家", "国赛", "全国性"],
    Level.INDUSTRY: ["全国行业", "国家一类行业赛", "行业", "行业赛", "国家一类"],
    Level.PROVINCIAL: ["省级", "省", "省赛"],
    Level.MUNICIPAL: ["市级", "市", "市赛"],
    Level.REGIONAL: ["区域", "邀请赛", "区域赛", "地区"],
    Level.SCHOOL: ["校级", "校", "校赛"],
}
CATEGORY_WORDS = {
    Category.SKILLS: ["职业技能", "技能", "技能类"],
    Category.TEACHER: ["教师能力", "教师", "教师职业能力"],
    Category.SPORTS: ["体育", "体育类"],
    Category.ARTS: ["文化艺术", "文艺", "艺术", "文体"],
    Category.INNOVATION: ["创新创业", "创新", "创业", "双创"],
    Category.OTHER: ["其他", "其它", "综合"],
}
# The longest value each column may hold (the database's limits, so nothing fails on saving).
MAX_LENGTHS = {
    "competition": Competition._meta.get_field("name").max_length,
    "event": Event._meta.get_field("name").max_length,
    "organization": Organization._meta.get_field("name").max_length,
    "score": Entry._meta.get_field("score").max_length,
}
NAME_LENGTH = EntryMember._meta.get_field("name").max_length
NUMBER_LENGTH = Student._meta.get_field("student_number").max_length
STAFF_NUMBER_LENGTH = Coach._meta.get_field("staff_number").max_length
MAX_CELL_CHARS = 2000
# Entries written per step of an import (with their members, coaches and history rows): the model
# objects of one step are in memory at a time, whatever the size of the sheet.
APPLY_BATCH = 1000
# Recorded entries read per step when a sheet's rows are matched with them (see match_existing).
MATCH_BATCH = 10_000
# While the number of rows is not known yet, progress is reported every this many rows.
PROGRESS_ROWS = 1000


def squash(text: str) -> str:
    """The lookup key for headers and words: width, case, spaces, "_" and "-" do not matter."""
    text = unicodedata.normalize("NFKC", text).casefold()
    return re.sub(r"[\s_\-]+", "", text)


def lookup_table(words: dict[str, list[str]], choices) -> dict[str, str]:
    table = {}
    for value, label in choices.choices:
        table[squash(value)] = value
        table[squash(str(label))] = value
    for value, spellings in words.items():
        for spelling in spellings:
            table[squash(spelling)] = value
    return table


HEADER_LOOKUP = {squash(spelling): column for column, spellings in COLUMNS.items() for spelling in spellings}


class ImportBusy(Exception):
    """Concurrent imports or edits kept getting in the way; nothing was imported (try again later)."""


@dataclass
class RowError:
    row: int
    column: str  # the column's name in COLUMNS ("" for the whole row)
    message: str
    title: str = ""  # the column's header as written in the sheet

    def __str__(self) -> str:
        if self.column:
            return _("Row %(row)d, %(column)s: %(message)s") % {
                "row": self.row,
                "column": self.title or self.column,
                "message": self.message,
            }
        return _("Row %(row)d: %(message)s") % {"row": self.row, "message": self.message}


def number_ranges(numbers: Iterable[int], limit: int = 1000) -> str:
    """Row numbers written compactly: [2, 3, 4, 7] → "2–4, 7" (at most `limit` ranges, then "…")."""
    parts, start, previous = [], None, None
    for number in sorted(numbers):
        if start is not None and number == previous + 1:
            previous = number
            continue
        if start is not None:
            parts.append(str(start) if start == previous else f"{start}–{previous}")
        start = previous = number
    if start is not None:
        parts.append(str(start) if start == previous else f"{start}–{previous}")
    return punctuation.items(parts[:limit] + (["…"] if len(parts) > limit else []))


# Columns whose cells are text: a date or time cell there was typed as text the spreadsheet turned
# into a date (a score 1/2 became the 2nd of January), or typed as a date where text was meant.
DATE_CELL_COLUMNS = (
    "competition",
    "event",
    "organization",
    "competitors",
    "student_numbers",
    "coaches",
    "award",
    "score",
    "notes",
)
# Examples of a warned column's values given in its warning.
WARNING_EXAMPLES = 3


@dataclass
class CellWarning:
    """Cells of one column the spreadsheet stored as numbers or dates where text was meant: read,
    but the office should check them (leading zeros lost; a value turned into a date)."""

    column: str
    title: str  # the column's header as written
    kind: str  # "number" (a NumberCell) or "date" (a DateCell)
    rows: list[int] = field(default_factory=list)
    examples: list[str] = field(default_factory=list)

    def __str__(self) -> str:
        where = ngettext("Row %(rows)s, %(column)s", "Rows %(rows)s, %(column)s", len(self.rows)) % {
            "rows": number_ranges(self.rows, limit=20),
            "column": self.title,
        }
        examples = "、".join(self.examples) + ("…" if len(self.rows) > len(self.examples) else "")
        if self.kind == "number":
            message = ngettext(
                "the student number arrived as a number (%(examples)s); if it had leading zeros, they are "
                "lost: format the column as text in the spreadsheet, type the number again and upload "
                "the sheet again.",
                "the student numbers arrived as numbers (%(examples)s); if they had leading zeros, they "
                "are lost: format the column as text in the spreadsheet, type the numbers again and "
                "upload the sheet again.",
                len(self.rows),
            )
        else:
            message = ngettext(
                "the cell is a date or time cell, read as %(examples)s; if something else was typed "
                "(a score such as 1/2 becomes a date), format the column as text in the spreadsheet, "
                "type the value again and upload the sheet again.",
                "the cells are date or time cells, read as %(examples)s; if something else was typed "
                "(a score such as 1/2 becomes a date), format the column as text in the spreadsheet, "
                "type the values again and upload the sheet again.",
                len(self.rows),
            )
        return f"{where}: {message % {'examples': examples}}"


# ---------------------------------------------------------------------------------------------
# The header


def map_header(header: list[str]) -> dict[int, str]:
    """Column index → column name; unknown, doubled and missing columns are refused."""
    columns: dict[int, str] = {}
    problems = []
    for index, title in enumerate(header):
        if not title.strip():
            continue
        column = HEADER_LOOKUP.get(squash(title))
        if column is None:
            problems.append(_("unknown column “%(title)s”") % {"title": title.strip()})
        elif column in columns.values():
            problems.append(_("column “%(title)s” appears twice") % {"title": title.strip()})
        else:
            columns[index] = column
    missing = [column for column in REQUIRED_COLUMNS if column not in columns.values()]
    if missing:
        problems.append(_("missing columns: %(columns)s") % {"columns": punctuation.items(missing)})
    if problems:
        raise SheetError(
            _("Row 1 (header): %(problems)s. Expected columns: %(expected)s.")
            % {"problems": punctuation.clauses(problems), "expected": punctuation.items(COLUMNS)}
        )
    return columns


# ---------------------------------------------------------------------------------------------
# Planning


@dataclass(slots=True)  # a sheet may have hundreds of thousands of rows: no __dict__ each
class SheetRow:
    number: int
    competition: Competition
    event: Event
    organization: Organization
    members: tuple  # Student, Coach or str, in order
    coaches: tuple
    award: Award
    rank: int | None
    score: str
    notes: str
    present: bool = False


@dataclass
class ImportPlan:
    rows: list[SheetRow] = field(default_factory=list)
    errors: list[RowError] = field(default_factory=list)
    new_competitions: list[Competition] = field(default_factory=list)
    new_events: list[Event] = field(default_factory=list)
    new_organizations: list[Organization] = field(default_factory=list)
    new_skills: list[Skill] = field(default_factory=list)
    new_students: list[Student] = field(default_factory=list)
    new_coaches: list[Coach] = field(default_factory=list)
    numbered_students: list[Student] = field(default_factory=list)  # known students given their number
    numbered_coaches: list[Coach] = field(default_factory=list)  # known teachers given their staff number
    unconfirmed: bool = False  # applied in the browser without confirming its near-match warnings
    # The new students and coaches, where they are named and who they may be instead (rule 10).
    new_people: list[NewPerson] = field(default_factory=list)
    notes: list[Note] = field(default_factory=list)  # rows whose numbers found nobody (rule 9)
    # Cells stored as numbers or dates where text was meant, by column (CellWarning).
    cell_warnings: list[CellWarning] = field(default_factory=list)

    @property
    def warnings(self) -> list[NewPerson]:
        """New people with near matches: applying needs the office's confirmation."""
        return [new for new in self.new_people if new.near]

    @property
    def confirmation(self) -> str:
        """What the office's confirmation of the warnings must carry ("" when there are none)."""
        return confirmation(self.warnings) if self.warnings else ""

    def confirmed_by(self, token: str) -> bool:
        return not self.warnings or token == self.confirmation

    @property
    def to_add(self) -> list[SheetRow]:
        return [row for row in self.rows if not row.present]

    @property
    def already_present(self) -> list[SheetRow]:
        return [row for row in self.rows if row.present]

    def summary(self) -> dict[str, int]:
        return {
            "entries": len(self.to_add),
            "already_present": len(self.already_present),
            "competitions": len(self.new_competitions),
            "events": len(self.new_events),
            "organizations": len(self.new_organizations),
            "skills": len(self.new_skills),
            "students": len(self.new_students),
            "coaches": len(self.new_coaches),
            "numbers_added": len(self.numbered_students) + len(self.numbered_coaches),
        }


def in_chunks(queryset, field: str, values, size: int = 5000):
    """Objects whose `field` is one of `values`, asked in chunks (SQLite limits query parameters)."""
    values = list(values)
    for start in range(0, len(values), size):
        yield from queryset.filter(**{f"{field}__in": values[start : start + size]})


def parse_year(text: str) -> int:
    match = re.fullmatch(r"(\d{4})(?:\.0+)?\s*年?", text.strip())
    if not match or not 1900 <= int(match.group(1)) <= 2200:
        raise ValueError(_("“%(value)s” is not a year") % {"value": text})
    return int(match.group(1))


def parse_rank(text: str) -> int | None:
    text = unicodedata.normalize("NFKC", text).strip()
    if not text:
        return None
    match = re.fullmatch(r"(?:并列|=|T)?\s*第?\s*(\d+)\s*(?:\.0+)?\s*名?", text, flags=re.IGNORECASE)
    if not match or int(match.group(1)) < 1:
        raise ValueError(_("“%(value)s” is not a rank (a whole number from 1)") % {"value": text})
    return int(match.group(1))


class Planner:
    """Turns sheet rows into an ImportPlan, loading what already exists in a few queries."""

    def __init__(self, titles: dict[str, str] | None = None) -> None:
        self.plan = ImportPlan()
        self.titles = titles or {}  # column → its header as written
        self.levels = lookup_table(LEVEL_WORDS, Level)
        self.categories = lookup_table(CATEGORY_WORDS, Category)
        self.home = Organization.home()
        self.awards = {award.normalized: award for award in Award.objects.all()}
        self.competitions: dict[tuple[str, int], Competition] = {}
        self.events: dict[tuple[tuple[str, int], str], Event] = {}
        self.organizations: dict[str, Organization] = {}
        self.skills: dict[str, Skill] = {}
        self.people = People()
        self.event_sizes: dict[int, list[int]] = {}  # id(new event) → member counts seen
        self.strings: dict[str, str] = {}
        self.cell_warnings: dict[tuple[str, str], CellWarning] = {}

    def error(self, row: int, column: str, message: str) -> None:
        self.plan.errors.append(RowError(row, column, message, self.titles.get(column, column)))

    # -- loading what exists ------------------------------------------------------------------

    def preload(self, survey: "Survey") -> None:
        """Load what the sheet may name (a survey of every row) in a few queries."""
        for competition in in_chunks(Competition.objects, "name", survey.competitions):
            self.competitions[(competition.name, competition.year)] = competition
        events = in_chunks(
            Event.objects.select_related("competition"), "competition", self.competitions.values()
        )
        for event in events:
            self.events[((event.competition.name, event.competition.year), event.name)] = event
        # An event's earlier names (it was renamed since the sheet was written) find it too.
        aliases = in_chunks(
            EventAlias.objects.select_related("event__competition"), "competition", self.competitions.values()
        )
        for alias in aliases:
            competition = alias.event.competition
            self.events.setdefault(((competition.name, competition.year), alias.name), alias.event)
        for organization in in_chunks(Organization.objects, "name", survey.organizations):
            self.organizations[organization.name] = organization
        if self.home is not None:
            self.organizations.setdefault(self.home.name, self.home)
        for skill in in_chunks(Skill.objects, "name", survey.events):
            self.skills[skill.name] = skill
        self.people = People(survey.people)

    # -- one row ------------------------------------------------------------------------------

    def competition_for(self, number, name, year, level, category) -> Competition | None:
        competition = self.competitions.get((name, year))
        if competition is None:
            competition = Competition(name=name, year=year, level=level, category=category or Category.SKILLS)
            self.competitions[(name, year)] = competition
            self.plan.new_competitions.append(competition)
            return competition
        ok = True
        if competition.level != level:
            self.error(
                number,
                "level",
                _("“%(level)s” differs from the level “%(known)s” of %(competition)s")
                % {"level": level, "known": competition.level, "competition": competition},
            )
            ok = False
        if category and competition.category != category:
            self.error(
                number,
                "category",
                _("“%(category)s” differs from the category “%(known)s” of %(competition)s")
                % {"category": category, "known": competition.category, "competition": competition},
            )
            ok = False
        return competition if ok else None

    def event_for(self, competition: Competition, name: str) -> Event:
        """The competition's event named `name` now or before a rename (preload), else a new one."""
        key = ((competition.name, competition.year), name)
        event = self.events.get(key)
        if event is None:
            skill = self.skills.get(name)
            if skill is None:
                skill = self.skills[name] = Skill(name=name)
                self.plan.new_skills.append(skill)
            event = self.events[key] = Event(competition=competition, skill=skill, name=name)
            self.plan.new_events.append(event)
            self.event_sizes[id(event)] = []
        return event

    def organization_for(self, name: str) -> Organization:
        organization = self.organizations.get(name)
        if organization is None:
            organization = self.organizations[name] = Organization(name=name)
            self.plan.new_organizations.append(organization)
        return organization

    def people_errors(self, number: int, column: str, problem: ValidationError, numbers_column: str) -> None:
        """The finder's refusals as row errors: number problems in the numbers column."""
        for error in problem.error_list:
            if error.code == "ambiguous_student":
                message = (
                    _("%(count)d students are named %(name)s: give their student numbers") % error.params
                )
            elif error.code == "ambiguous_teacher" and column == "competitors":
                message = (
                    _(
                        "%(count)d teachers are named %(name)s: give their staff numbers in the student numbers column"
                    )
                    % error.params
                )
            else:
                message = " ".join(error.messages)
            where = numbers_column if error.code in ("number_taken", "numbers_missing") else column
            self.error(number, where, message)

    def check_cells(self, number: int, record: dict[str, str]) -> None:
        """Note the cells a spreadsheet stored as numbers or dates where text was meant."""
        for column, value in record.items():
            if isinstance(value, NumberCell) and column == "student_numbers":
                kind = "number"
            elif isinstance(value, DateCell) and column in DATE_CELL_COLUMNS:
                kind = "date"
            else:
                continue
            warning = self.cell_warnings.get((column, kind))
            if warning is None:
                warning = CellWarning(column, self.titles.get(column, column), kind)
                self.cell_warnings[(column, kind)] = warning
            warning.rows.append(number)
            if len(warning.examples) < WARNING_EXAMPLES:
                warning.examples.append(str(value))

    def plan_row(self, number: int, record: dict[str, str]) -> None:
        errors_before = len(self.plan.errors)
        self.check_cells(number, record)
        values = {column: clean_text(record.get(column, "")) for column in COLUMNS}
        for column in ("competition", "year", "level", "event", "organization", "award"):
            if not values[column]:
                self.error(number, column, _("this cell must not be empty"))
        for column, value in record.items():
            if len(value) > MAX_CELL_CHARS:
                self.error(
                    number, column, _("the cell is longer than %(n)d characters") % {"n": MAX_CELL_CHARS}
                )
        year = level = category = award = rank = None
        if values["year"]:
            try:
                year = parse_year(values["year"])
            except ValueError as error:
                self.error(number, "year", str(error))
        if values["level"]:
            level = self.levels.get(squash(values["level"]))
            if level is None:
                self.error(number, "level", _("unknown level “%(value)s”") % {"value": values["level"]})
        if values["category"]:
            category = self.categories.get(squash(values["category"]))
            if category is None:
                self.error(
                    number, "category", _("unknown category “%(value)s”") % {"value": values["category"]}
                )
        if values["award"]:
            award = self.awards.get(normalize_label(values["award"]))
            if award is None:
                self.error(
                    number,
                    "award",
                    _("unknown award “%(label)s”: add it to the award vocabulary with its tier first")
                    % {"label": values["award"]},
                )
        try:
            rank = parse_rank(values["rank"])
        except ValueError as error:
            self.error(number, "rank", str(error))
        # The column's range on every database (SQLite would store more than PostgreSQL accepts).
        rank_max = largest(Entry, "rank")
        if rank is not None and rank > rank_max:
            self.error(number, "rank", _("rank too large: at most %(max)d") % {"max": rank_max})
        for column, limit in MAX_LENGTHS.items():
            if len(values[column]) > limit:
                self.error(number, column, _("longer than %(limit)d characters") % {"limit": limit})
        names = split_names(record.get("competitors", ""))
        numbers = split_names(record.get("student_numbers", ""))
        try:
            coach_people = parse_people(record.get("coaches", ""))
        except ValidationError as error:
            self.error(number, "coaches", " ".join(error.messages))
            coach_people = []
        for column, parts, limit in (
            ("competitors", names, NAME_LENGTH),
            ("student_numbers", numbers, NUMBER_LENGTH),
            ("coaches", [name for name, _number in coach_people], NAME_LENGTH),
            ("coaches", [number for _name, number in coach_people], STAFF_NUMBER_LENGTH),
        ):
            too_long = [part for part in parts if len(part) > limit]
            if too_long:
                self.error(
                    number,
                    column,
                    _("longer than %(limit)d characters: %(values)s")
                    % {"limit": limit, "values": "、".join(too_long)},
                )
        if numbers and len(numbers) != len(names):
            self.error(
                number,
                "student_numbers",
                _("%(numbers)d student numbers for %(names)d competitors")
                % {"numbers": len(numbers), "names": len(names)},
            )
            numbers = []
        people = list(zip(names, numbers or [""] * len(names), strict=True))
        doubled = [name for (name, num), n in Counter(people).items() if n > 1]
        if doubled:
            self.error(number, "competitors", _("listed twice: %(names)s") % {"names": "、".join(doubled)})
        if len(self.plan.errors) > errors_before:
            return

        competition = self.competition_for(number, values["competition"], year, level, category)
        if competition is None:
            return
        event = self.event_for(competition, values["event"])
        organization = self.organization_for(values["organization"])
        members = coaches = None
        where = {"row": number, "event": id(event), "organization": organization}
        try:
            members = self.people.members(people, competition=competition, **where)
        except ValidationError as problem:
            self.people_errors(number, "competitors", problem, "student_numbers")
        try:
            coaches = self.people.coaches(coach_people, **where)
        except ValidationError as problem:
            self.people_errors(number, "coaches", problem, "coaches")
        if members is None or coaches is None:
            return
        if event.pk:
            try:
                event.check_team_size(len(members))
            except ValidationError as error:
                self.error(number, "competitors", " ".join(error.messages))
                return
        else:
            self.event_sizes[id(event)].append(len(members))
        self.plan.rows.append(
            SheetRow(
                number=number,
                competition=competition,
                event=event,
                organization=organization,
                members=tuple(members),  # tuples: smaller than lists, and () is shared
                coaches=tuple(coaches),
                award=award,
                rank=rank,
                score=self.shared(values["score"]),
                notes=self.shared((record.get("notes") or "").strip()),
            )
        )

    def shared(self, text: str) -> str:
        """One string object for each text repeated across rows (scores, notes)."""
        return self.strings.setdefault(text, text)

    # -- the whole sheet ----------------------------------------------------------------------

    def finish(self) -> None:
        for event in self.plan.new_events:
            sizes = [size for size in self.event_sizes[id(event)] if size] or [1]
            event.min_team_size, event.max_team_size = min(sizes), max(sizes)
            event.is_team = event.max_team_size > 1
        self.plan.cell_warnings = sorted(self.cell_warnings.values(), key=lambda warning: warning.rows[0])
        self.match_existing()
        self.check_people_once_per_event()
        self.collect_people()

    def match_existing(self) -> None:
        """Mark rows whose entry is already recorded (competitions.models.match_recorded).

        An entry's identity includes its event, so the recorded entries are read a group of events
        at a time (about MATCH_BATCH entries), and only one group's entries are in memory at once.
        """
        by_event: dict[int, list[SheetRow]] = defaultdict(list)
        for row in self.plan.rows:
            if row.event.pk and row.organization.pk:
                by_event[row.event.pk].append(row)
        recorded: dict[int, int] = {}
        for chunk in chunks(list(by_event)):
            counts = Entry.objects.filter(event__in=chunk).values("event").annotate(n=Count("id"))
            recorded.update(counts.values_list("event", "n"))
        group, size = [], 0
        for event_id in by_event:
            if event_id not in recorded:
                continue  # nothing recorded in this event: no row of it is present
            group.append(event_id)
            size += recorded[event_id]
            if size >= MATCH_BATCH:
                self.match_events(group, by_event)
                group, size = [], 0
        if group:
            self.match_events(group, by_event)

    @staticmethod
    def match_events(event_ids: list[int], by_event: dict[int, list[SheetRow]]) -> None:
        # Only what an entry's identity needs (competitions.models.recorded_identity).
        members = EntryMember.objects.select_related("student", "coach").only(
            "entry", "name", "student__id", "coach__id"
        )
        entries = (
            Entry.objects.filter(event__in=event_ids)
            .only("event", "organization", "award", "rank")
            .prefetch_related(Prefetch("members", queryset=members))
        )
        rows = [row for event_id in event_ids for row in by_event[event_id]]
        planned = [
            entry_identity(
                event_id=row.event.pk,
                organization_id=row.organization.pk,
                award_id=row.award.pk,
                rank=row.rank,
                members=row.members,
            )
            for row in rows
        ]
        for row, present in zip(rows, match_recorded(planned, entries), strict=True):
            row.present = present

    def check_people_once_per_event(self) -> None:
        """Rule 7 (competitions.models.once_per_event) for the rows to add that name recorded or new
        people, a group of events at a time (about MATCH_BATCH rows): a person clashes only with
        themselves in the same event, so no more than one group's bookkeeping is in memory."""
        by_event: dict[int, list[SheetRow]] = defaultdict(list)
        for row in self.plan.to_add:
            if not all(isinstance(member, str) for member in row.members):
                by_event[id(row.event)].append(row)
        group = []
        for rows in by_event.values():
            group += rows
            if len(group) >= MATCH_BATCH:
                self.check_once_per_event(group)
                group = []
        if group:
            self.check_once_per_event(group)

    def check_once_per_event(self, rows: list[SheetRow]) -> None:
        for clash in once_per_event([(row.event, row.members) for row in rows]):
            row = rows[clash.index]
            if clash.other is None:
                message = _("%(name)s already has an entry in “%(event)s”") % {
                    "name": clash.person.name,
                    "event": row.event.name,
                }
            elif clash.other == clash.index:
                message = _("listed twice: %(names)s") % {"names": clash.person.name}
            else:
                message = _("%(name)s is also entered in “%(event)s” in row %(other)d") % {
                    "name": clash.person.name,
                    "event": row.event.name,
                    "other": rows[clash.other].number,
                }
            self.error(row.number, "competitors", message)

    def collect_people(self) -> None:
        """The new people the rows to add need (a row already recorded creates nobody), with their
        near matches, and the people given a number."""
        needed = {id(person) for row in self.plan.to_add for person in [*row.members, *row.coaches]}
        new_people = [person for person in self.people.new_people if id(person) in needed]
        self.plan.new_students = [person for person in new_people if isinstance(person, Student)]
        self.plan.new_coaches = [person for person in new_people if isinstance(person, Coach)]
        self.plan.numbered_students = [p for p in self.people.numbered if isinstance(p, Student)]
        self.plan.numbered_coaches = [p for p in self.people.numbered if isinstance(p, Coach)]
        self.plan.notes = sorted(self.people.notes, key=lambda note: note.row)
        if not self.plan.errors:
            self.plan.new_people = self.people.new_people_report(new_people)


class Progress:
    """Passes progress(phase, done, total) on now and then (see PHASES): when a phase starts, about
    every 1% of its total (every PROGRESS_ROWS rows while the total is unknown) and when it ends."""

    def __init__(self, callback=None) -> None:
        self.callback = callback
        self.phase = ""
        self.due = 0

    def __call__(self, phase: str, done: int, total: int) -> None:
        if self.callback is None:
            return
        if phase != self.phase:
            self.phase, self.due = phase, 0
        if done >= self.due or done == total:
            self.callback(phase, done, total)
            self.due = done + (max(1, total // 100) if total else PROGRESS_ROWS)


def progress_of(progress) -> Progress:
    return progress if isinstance(progress, Progress) else Progress(progress)


def sheet_records(rows: Iterable[list[str]]):
    """Start reading a sheet: (column index → column, column → header as written, the records).

    The records are the non-blank rows after the header, numbered as in the sheet, each as
    (number, {column: text}), or (number, None) for a row with values in columns without a header.
    """
    iterator = iter(rows)
    header = next(iterator, None)
    if header is None:
        raise SheetError(_("The sheet is empty."))
    columns = map_header(header)
    titles = {column: header[index].strip() for index, column in columns.items()}

    def records():
        for number, cells in enumerate(iterator, start=2):
            if not any(cell.strip() for cell in cells):
                continue
            if any(cell.strip() for index, cell in enumerate(cells) if index not in columns):
                yield number, None
                continue
            yield (
                number,
                {column: cells[index] if index < len(cells) else "" for index, column in columns.items()},
            )

    return columns, titles, records()


@dataclass
class Survey:
    """What a first pass over a sheet finds: the competitions it names (their import locks are
    taken before planning) and every name and number the planner looks up, so that it loads them in
    a few queries without keeping the rows."""

    home: str | None  # the home college's name then: names alone are looked up in its rows (rule 9)
    rows: int = 0  # non-blank rows after the header
    keys: set[tuple[str, int]] = field(default_factory=set)  # (competition, year)
    competitions: set[str] = field(default_factory=set)
    organizations: set[str] = field(default_factory=set)
    events: set[str] = field(default_factory=set)
    people: set[tuple[str, str]] = field(default_factory=set)  # (name, number) as written

    def add(self, record: dict[str, str]) -> None:
        competition, organization = clean_text(record["competition"]), clean_text(record["organization"])
        self.competitions.add(competition)
        self.organizations.add(organization)
        self.events.add(clean_text(record["event"]))
        try:
            if competition:
                self.keys.add((competition, parse_year(clean_text(record["year"]))))
        except ValueError:
            pass  # a bad row: nothing is applied
        if self.home is not None and organization == self.home:
            self.people.update((name, "") for name in split_names(record["competitors"]))
        self.people.update(("", number) for number in split_names(record.get("student_numbers", "")))
        try:
            self.people.update(parse_people(record.get("coaches", "")))
        except ValidationError:
            pass  # the row is reported as bad


class Sheet:
    """A sheet file (its bytes or its path) as rows of text, read from the file again each time it
    is iterated: a large sheet is read twice rather than kept in memory. Remembers its survey."""

    def __init__(self, source, filename: str = "") -> None:
        self.source, self.filename = source, filename
        self.survey: Survey | None = None

    def __iter__(self) -> Iterator[list[str]]:
        return iter_rows(self.source, self.filename)


def survey_of(rows: Iterable[list[str]], *, progress=None) -> Survey:
    """The survey of a sheet (header first): taken once for a Sheet, unless the home college changed."""
    home = Organization.home()
    survey = getattr(rows, "survey", None)
    if survey is not None and survey.home == (home.name if home else None):
        return survey
    report = progress_of(progress)
    report("reading", 0, 0)
    survey = Survey(home.name if home else None)
    _columns, _titles, records = sheet_records(rows)
    for _number, record in records:
        survey.rows += 1
        if record is not None:
            survey.add(record)
        report("reading", survey.rows, 0)
    if isinstance(rows, Sheet):
        rows.survey = survey
    return survey


def plan_import(rows: Iterable[list[str]], *, progress=None) -> ImportPlan:
    """Check every row of a sheet (header first) and work out what importing it would do.

    The rows are read twice (a list, or a Sheet that reads its file again): a survey of the names
    and numbers they hold, then row by row. A plan keeps each row compactly (shared objects for
    what rows repeat), whatever the size of the sheet.
    """
    report = progress_of(progress)
    survey = survey_of(rows, progress=report)
    if not survey.rows:
        raise SheetError(_("The sheet has a header but no rows."))
    _columns, titles, records = sheet_records(rows)
    planner = Planner(titles)
    planner.preload(survey)
    report("checking", 0, survey.rows)
    for done, (number, record) in enumerate(records, start=1):
        if record is None:
            planner.error(number, "", _("the row has values in columns without a header"))
        else:
            planner.plan_row(number, record)
        report("checking", done, survey.rows)
    # Rows that planned cleanly are still checked against each other and the database, so that one
    # run lists every bad row.
    planner.finish()
    planner.plan.errors.sort(key=lambda error: error.row)
    return planner.plan


# ---------------------------------------------------------------------------------------------
# Applying


@transaction.atomic
def apply_plan(plan: ImportPlan, *, user=None, confirmed_by=None, progress=None) -> int:
    """Create everything the plan lists, in one transaction; the number of entries added. The plan
    must have no errors.

    Audited models get their history rows (attributed to `user`) in bulk as well. The entries are
    recorded by `user` and unconfirmed, unless `confirmed_by` (a command's --confirmed-by) is given. Entries are
    written APPLY_BATCH rows at a time (entries, then their members and coaches, each with history),
    so that only one batch of model objects is in memory; the transaction keeps it all or nothing.
    Go through import_rows, which plans and applies under the import lock: a plan made outside it
    may list rows that another import adds meanwhile, and they would be added twice.
    """
    if plan.errors:
        raise ValueError("a plan with errors cannot be applied")
    report = progress_of(progress)

    def create(model, objects):
        return bulk_create_audited(objects, model, user=user)

    Organization.objects.bulk_create(plan.new_organizations)
    Skill.objects.bulk_create(plan.new_skills)
    create(Competition, plan.new_competitions)
    # Objects planned before their parents existed pick up the parents' new ids in bulk_create.
    create(Event, plan.new_events)
    for person in [*plan.new_students, *plan.new_coaches]:
        person.fill_search_keys()
    Student.objects.bulk_create(plan.new_students, batch_size=1000)
    Student.objects.bulk_update(plan.numbered_students, ["student_number"], batch_size=1000)
    Coach.objects.bulk_update(plan.numbered_coaches, ["staff_number"], batch_size=1000)
    Coach.objects.bulk_create(plan.new_coaches, batch_size=1000)

    rows = plan.to_add
    report("applying", 0, len(rows))
    for start in range(0, len(rows), APPLY_BATCH):
        batch = rows[start : start + APPLY_BATCH]
        new = [
            Entry(  # ids, not objects: cheaper by a relation descriptor per field per row
                event_id=row.event.pk,
                organization_id=row.organization.pk,
                award_id=row.award.pk if row.award is not None else None,
                rank=row.rank,
                score=row.score,
                notes=row.notes,
            )
            for row in batch
        ]
        for entry in new:  # unconfirmed until a second office user looks (competitions.confirming)
            confirming.stamp(entry, user=user, confirmed_by=confirmed_by)
        entries = create(Entry, new)
        members, coaches = [], []
        for entry, row in zip(entries, batch, strict=True):
            members.extend(
                member_row(entry, position, member) for position, member in enumerate(row.members, 1)
            )
            coaches.extend(EntryCoach(entry_id=entry.pk, coach_id=coach.pk) for coach in row.coaches)
        create(EntryMember, members)
        create(EntryCoach, coaches)
        report("applying", start + len(batch), len(rows))
    # Tallies recounted; editors with one of these events open must reload before saving.
    results_changed({row.event.competition_id for row in rows}, event_ids={row.event.pk for row in rows})
    return len(rows)


# ---------------------------------------------------------------------------------------------
# Serializing imports into one competition

# How many times an import is tried when it loses a race (a lock wait that timed out, a deadlock,
# a row another transaction created first); each try plans afresh.
IMPORT_ATTEMPTS = 3
# How long an import waits (PostgreSQL) for another import into the same competition to commit.
# SQLite waits for its write lock as long as the connection's "timeout" option says.
IMPORT_LOCK_SECONDS = 20
# PostgreSQL errors that mean "another transaction got in the way": serialization failure, deadlock,
# lock wait timeout.
CONFLICT_SQLSTATES = {"40001", "40P01", "55P03"}


def competition_keys(rows: Iterable[list[str]], *, progress=None) -> list[tuple[str, int]]:
    """(name, year) of every competition a sheet (header first) names, as the planner looks them up.

    Rows with a year that cannot be read are left out: they are bad rows, so nothing is applied.
    """
    if isinstance(rows, list) and not rows:
        return []
    return sorted(survey_of(rows, progress=progress).keys)


def lock_key(name: str, year: int) -> int:
    """A stable signed 64-bit number for a competition, the key of its PostgreSQL advisory lock."""
    digest = hashlib.sha256(f"import-competition\x00{name}\x00{year}".encode()).digest()
    return int.from_bytes(digest[:8], "big", signed=True)


def lock_competitions(keys) -> None:
    """Hold the import lock of these competitions (name, year) until the current transaction ends.

    Call it first thing inside `transaction.atomic()`, before planning reads anything: whoever held
    a lock before has committed by the time it is granted, so the plan sees their rows. Keys rather
    than rows, so a competition the sheet itself creates is covered too.

    PostgreSQL: one transaction-level advisory lock per competition, taken in sorted order (two
    imports naming the same competitions cannot deadlock), waiting at most IMPORT_LOCK_SECONDS.
    SQLite: one writer at a time for the whole database. With the IMMEDIATE transaction mode of the
    settings, `atomic()` already began with BEGIN IMMEDIATE (django/db/backends/sqlite3/base.py,
    _start_transaction_under_autocommit), which takes the write lock; a write that changes nothing
    takes it in any other mode too, before any read of this transaction.
    """
    if not connection.in_atomic_block:
        raise RuntimeError("lock_competitions() must be called inside transaction.atomic()")
    if connection.vendor == "postgresql":
        seconds = getattr(settings, "IMPORT_LOCK_SECONDS", IMPORT_LOCK_SECONDS)
        with connection.cursor() as cursor:
            cursor.execute("SELECT current_setting('lock_timeout')")
            (previous,) = cursor.fetchone()
            cursor.execute("SELECT set_config('lock_timeout', %s, true)", [f"{int(seconds * 1000)}ms"])
            for key in sorted({lock_key(name, year) for name, year in keys}):
                cursor.execute("SELECT pg_advisory_xact_lock(%s)", [key])
            cursor.execute("SELECT set_config('lock_timeout', %s, true)", [previous])
    elif connection.vendor == "sqlite":
        with connection.cursor() as cursor:
            cursor.execute(f"UPDATE {Competition._meta.db_table} SET id = id WHERE 0")
    else:
        raise NotImplementedError(f"imports cannot be serialized on {connection.vendor}")


def is_conflict(error: Exception) -> bool:
    """Whether a database error means another transaction got in the way (worth trying again)."""
    if isinstance(error, IntegrityError):
        # The plan was checked inside the lock; a constraint can only fail on a row that another
        # transaction (an import into another competition, an edit) created meanwhile.
        return True
    sqlstate = getattr(error.__cause__, "sqlstate", None)
    if sqlstate:
        return sqlstate in CONFLICT_SQLSTATES
    return "locked" in str(error) or "busy" in str(error)


def import_rows(
    rows: Iterable[list[str]],
    *,
    dry_run: bool = False,
    user=None,
    confirm: str | None = None,
    confirmed_by=None,
    progress=None,
) -> ImportPlan:
    """Plan a sheet's rows (header first: a list, or a Sheet) and, unless dry_run or any row is
    bad, apply them: serialized per competition.

    The plan is made inside the transaction, after the locks, so rows that another import added
    meanwhile are found present and not added again. A run that loses a race (see is_conflict) is
    rolled back and planned again; after IMPORT_ATTEMPTS it raises ImportBusy, nothing imported.
    A dry run plans without the lock and saves nothing. `confirm`, from the browser: the office's
    confirmation of the near-match warnings it was shown; when it does not confirm exactly the
    warnings of the plan made inside the lock, nothing is applied (plan.unconfirmed). The command
    line passes None: it cannot ask, so it lists the warnings and creates the people.
    """
    report = progress_of(progress)
    if dry_run:
        return plan_import(rows, progress=report)
    keys = competition_keys(rows, progress=report)
    for attempt in range(1, IMPORT_ATTEMPTS + 1):
        try:
            with transaction.atomic():
                lock_competitions(keys)
                lock_people()  # new people named in other competitions' sheets too (rule 10)
                plan = plan_import(rows, progress=report)
                plan.unconfirmed = confirm is not None and not plan.confirmed_by(confirm)
                if not plan.errors and not plan.unconfirmed:
                    apply_plan(plan, user=user, confirmed_by=confirmed_by, progress=report)
            return plan
        except (IntegrityError, OperationalError) as error:
            if not is_conflict(error):
                raise
            logger.info("import attempt %d of %d lost a race: %s", attempt, IMPORT_ATTEMPTS, error)
    raise ImportBusy(
        _(
            "The database was kept busy by other imports or changes saved at the same time, so nothing "
            "was imported. Please try again in a minute."
        )
    )


# What an import reports while it works: progress(phase, done, total), phase one of PHASES; total is
# 0 while unknown. Reading counts the rows read (the first pass over the file), checking the rows
# planned (of the rows read), applying the entries written (of the entries to add). The browser's
# background task shows it as a progress bar.
PHASES = ("reading", "checking", "applying")


def import_file(
    source,
    filename: str = "",
    *,
    dry_run: bool = False,
    user=None,
    confirm: str | None = None,
    confirmed_by=None,
    progress=None,
) -> ImportPlan:
    """Read, check and (unless dry_run or any row is bad) import a sheet file: its bytes or its path.

    The one entry point of the command line and the browser's background task. The file is read as
    a stream, twice (a survey, then row by row), and its rows are not kept. Raises SheetError or
    ImportBusy. `progress`, when given, is called as progress(phase, done, total).
    """
    return import_rows(
        Sheet(source, filename),
        dry_run=dry_run,
        user=user,
        confirm=confirm,
        confirmed_by=confirmed_by,
        progress=progress,
    )


def import_sheet(data, filename: str = "", *, dry_run: bool = False, user=None) -> ImportPlan:
    """Read, check and (unless dry_run or any row is bad) import a sheet (bytes or a path).

    Raises SheetError or ImportBusy.
    """
    return import_file(data, filename, dry_run=dry_run, user=user)
