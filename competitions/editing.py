"""The competition office's editing: an event's entries saved in one go, awards proposed from ranks,
and a new competition with its events.

The entries page sends every row of an event at once. `save_event_entries` finds the people named in
the rows by the importer's rules (competitions.importing.Planner: home students by student number,
else by name; teachers by name within their organization; anyone unknown is created), checks the
rules of DOMAIN.md (7: a student once per event, a team that fits its event) and writes everything in
one transaction. The event's `version` guards the whole save, so that two editors never overwrite
each other without seeing the other's work.
"""

import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F
from django.utils.translation import gettext as _
from simple_history.utils import bulk_create_with_history

from competitions.aggregates import refresh_competitions
from competitions.importing import clean_text, split_names
from competitions.models import (
    Award,
    AwardRule,
    Category,
    Competition,
    Entry,
    EntryCoach,
    EntryMember,
    Event,
    Organization,
    Skill,
)
from competitions.recording import Member, member_row
from students.models import Coach, Student

# ---------------------------------------------------------------------------------------------
# Names as the office types them

# 郑泽鑫（20210001） or 郑泽鑫 (20210001): a name followed by a student (or staff) number in brackets.
NAME_WITH_NUMBER = re.compile(r"(?P<name>[^()（）]+?)\s*[(（]\s*(?P<number>[^()（）]*?)\s*[)）]")
MAX_NAME_CHARS = 100  # EntryMember.name, Student.name and Coach.name

Person = tuple[str, str]  # (name as written, number or "")


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


def format_person(person: Student | Coach | str) -> str:
    """How a member or coach is shown in the entries form, so that saving it again finds the same one."""
    if isinstance(person, str):
        return person
    number = person.student_number if isinstance(person, Student) else person.staff_number
    return f"{person.name}（{number}）" if number else person.name


# ---------------------------------------------------------------------------------------------
# Proposing awards from ranks (DOMAIN.md rule 3)

MEDALS = {1: "金牌", 2: "银牌", 3: "铜牌"}
EXCELLENCE = "优胜奖"
# Cumulative shares of the ranked entries, in percent: first prizes for the top 10%, second prizes
# for the next 20% (top 30%), third prizes for the next 30% (top 60%).
PRIZE_SHARES = [(10, "一等奖"), (30, "二等奖"), (60, "三等奖")]


def propose_awards(rule: str, ranks: list[int | None]) -> list[str | None]:
    """The award label each rank earns under a competition's award rule, in the same order.

    Ties share a rank, so two entries ranked 1 both get the award of rank 1 (DOMAIN.md rule 3).
    Only entries with a rank are counted (`n` below). The result is None for an entry without a
    rank (its caller keeps the award it has) and for a rank that earns nothing.

    - `medals_half`: rank 1 金牌, 2 银牌, 3 铜牌; then 优胜奖 for the other ranks within the top
      half (rank <= n // 2).
    - `percent_10_20_30`: 一等奖, 二等奖, 三等奖 for 10%, 20% and 30% of the entries, counted
      cumulatively and rounded up: 一等奖 for rank <= ceil(10% of n), 二等奖 for
      rank <= ceil(30% of n), 三等奖 for rank <= ceil(60% of n).
    """
    ranked = sum(rank is not None for rank in ranks)
    if rule == AwardRule.MEDALS_HALF:

        def award(rank: int) -> str | None:
            if rank in MEDALS:
                return MEDALS[rank]
            return EXCELLENCE if rank <= ranked // 2 else None

    elif rule == AwardRule.PERCENT_10_20_30:
        # Integer arithmetic: 30 * 10 / 100 must be exactly 3, not 3.0000000000000004.
        limits = [(-(-ranked * percent // 100), label) for percent, label in PRIZE_SHARES]

        def award(rank: int) -> str | None:
            return next((label for limit, label in limits if rank <= limit), None)

    else:
        raise ValueError(f"no award rule {rule!r}")
    return [None if rank is None else award(rank) for rank in ranks]


# ---------------------------------------------------------------------------------------------
# Saving an event's entries


ENTRY_FIELDS = frozenset({"organization", "members", "coaches", "award", "rank", "score", "notes"})


@dataclass
class EntryRow:
    """One row of the entries page, as the office typed it.

    `changed` names the fields the office changed in an existing entry: only those are written, so
    a change another editor made to the other fields survives. A new entry takes every field.
    """

    number: int  # the row's place on the page, from 1, for messages
    entry_id: int | None = None  # None for a new entry
    delete: bool = False
    organization: str = ""
    members: list[Person] = field(default_factory=list)
    coaches: list[Person] = field(default_factory=list)
    award: Award | None = None
    rank: int | None = None
    score: str = ""
    notes: str = ""
    changed: frozenset[str] = ENTRY_FIELDS


class EntriesChanged(Exception):
    """Someone else saved the event's entries after this editor loaded them: nothing was saved."""


class RowErrors(Exception):
    """Rows that break a rule: row number → field ("" for the whole row) → messages. Nothing was saved."""

    def __init__(self, errors: dict[int, dict[str, list[str]]]):
        super().__init__(errors)
        self.errors = errors


class People:
    """Finds the people and organizations named in the rows, by the importer's rules.

    Home students by student number, else by name (several of that name: the number is asked
    for); teachers by name within their organization (home teachers have none), or by staff
    number when several share the name. Anyone not found is made once, unsaved, so that two rows
    naming the same new person agree (and then clash, as one person cannot enter twice).
    """

    def __init__(self, rows: Sequence[EntryRow]):
        self.home = Organization.home()
        self.organizations = {
            organization.name: organization
            for organization in Organization.objects.filter(name__in={row.organization for row in rows})
        }
        named = [person for row in rows for person in [*row.members, *row.coaches]]
        names = {name for name, _number in named}
        numbers = {number for _name, number in named if number}
        self.students_by_number = {
            student.student_number: student for student in Student.objects.filter(student_number__in=numbers)
        }
        self.students_by_name: dict[str, list[Student]] = {}
        for student in Student.objects.filter(name__in=names):
            self.students_by_name.setdefault(student.name, []).append(student)
        self.teachers: dict[tuple[str | None, str], list[Coach]] = {}  # (organization name, name)
        for coach in Coach.objects.filter(name__in=names).select_related("organization"):
            owner = coach.organization.name if coach.organization_id else None
            self.teachers.setdefault((owner, coach.name), []).append(coach)
        self.new_organizations: list[Organization] = []
        self.new_people: list[Student | Coach] = []

    def organization(self, name: str) -> Organization:
        organization = self.organizations.get(name)
        if organization is None:
            organization = self.organizations[name] = Organization(name=name)
            self.new_organizations.append(organization)
        return organization

    def student(self, name: str, number: str) -> Student:
        if number:
            student = self.students_by_number.get(number)
            if student is None:
                student = self.students_by_number[number] = Student(name=name, student_number=number)
                self.students_by_name.setdefault(name, []).append(student)
                self.new_people.append(student)
            elif student.name != name:
                raise ValidationError(
                    _("Student number %(number)s belongs to %(known)s, not %(name)s.")
                    % {"number": number, "known": student.name, "name": name}
                )
            return student
        matches = self.students_by_name.get(name, [])
        if len(matches) > 1:
            raise ValidationError(
                _(
                    "%(count)d students are named %(name)s: "
                    "write the student number after the name, as in %(example)s."
                )
                % {"count": len(matches), "name": name, "example": f"{name}（20210001）"}
            )
        if matches:
            return matches[0]
        student = Student(name=name)
        self.students_by_name[name] = [student]
        self.new_people.append(student)
        return student

    def teacher(self, name: str, number: str, organization: Organization) -> Coach:
        owner = None if organization.is_home else organization
        matches = self.teachers.setdefault((owner.name if owner else None, name), [])
        if number:
            matches = [coach for coach in matches if coach.staff_number == number]
        if len(matches) > 1:
            raise ValidationError(
                _(
                    "%(count)d teachers are named %(name)s: "
                    "write the staff number after the name, as in %(example)s."
                )
                % {"count": len(matches), "name": name, "example": f"{name}（T001）"}
            )
        if matches:
            return matches[0]
        coach = Coach(name=name, staff_number=number, organization=owner)
        self.teachers[(owner.name if owner else None, name)].append(coach)
        self.new_people.append(coach)
        return coach

    def members(self, event: Event, organization: Organization, people: list[Person]) -> list[Member]:
        """Home members become students (teachers in teacher contests); others stay names."""
        if not organization.is_home:
            return [name for name, _number in people]
        if event.competition.category == Category.TEACHER:
            return [self.teacher(name, number, organization) for name, number in people]
        return [self.student(name, number) for name, number in people]

    def coaches(self, organization: Organization, people: list[Person]) -> list[Coach]:
        # Each coach once, however often named (unsaved coaches are told apart by identity()).
        coaches = {}
        for name, number in people:
            coach = self.teacher(name, number, organization)
            coaches.setdefault(identity(coach), coach)
        return list(coaches.values())


def identity(person: Member) -> tuple:
    """What makes two members the same person; people not saved yet are told apart by object."""
    if isinstance(person, str):
        return ("name", person)
    return (type(person).__name__, person.pk or id(person))


@dataclass
class Planned:
    """A row after its people are found: what will be written."""

    row: EntryRow
    entry: Entry | None
    organization: Organization
    members: list[Member]
    coaches: list[Coach]
    replace_members: bool
    replace_coaches: bool


def plan_rows(
    event: Event, rows: Sequence[EntryRow], entries: dict[int, Entry]
) -> tuple[list[Planned], People]:
    """Find everyone the rows name and check the rules; RowErrors lists every broken one."""
    errors: dict[int, dict[str, list[str]]] = {}

    def error(row: EntryRow, column: str, message: str) -> None:
        errors.setdefault(row.number, {}).setdefault(column, []).append(message)

    people = People([row for row in rows if not row.delete])
    planned: list[Planned] = []
    for row in rows:
        entry = entries.get(row.entry_id) if row.entry_id is not None else None
        if row.entry_id is not None and entry is None:
            if not row.delete:
                error(
                    row,
                    "",
                    _("This entry no longer exists: someone else deleted it. Tick “Delete” to drop the row."),
                )
            continue
        if row.delete:
            continue
        new = entry is None
        moved = new or "organization" in row.changed
        replace_members = moved or "members" in row.changed
        replace_coaches = moved or "coaches" in row.changed
        organization = people.organization(row.organization) if moved else entry.organization
        members: list[Member] = []
        coaches: list[Coach] = []
        try:
            if replace_members:
                members = people.members(event, organization, row.members)
            else:
                members = [m.student or m.coach or m.name for m in entry.members.all()]
        except ValidationError as problem:
            error(row, "members", " ".join(problem.messages))
        try:
            coaches = (
                people.coaches(organization, row.coaches) if replace_coaches else list(entry.coaches.all())
            )
        except ValidationError as problem:
            error(row, "coaches", " ".join(problem.messages))
        if replace_members:
            try:
                event.check_team_size(len(members))
            except ValidationError as problem:
                error(row, "members", " ".join(problem.messages))
            keys = [identity(member) for member in members]
            doubled = dict.fromkeys(
                str(m) for m, key in zip(members, keys, strict=True) if keys.count(key) > 1
            )
            if doubled:
                error(
                    row,
                    "members",
                    _("Listed twice in this entry: %(names)s.") % {"names": "、".join(doubled)},
                )
        planned.append(Planned(row, entry, organization, members, coaches, replace_members, replace_coaches))

    # A person enters an event once (DOMAIN.md rule 7): across the rows, and against entries of the
    # event that are not on the page (added by someone else since it was opened).
    on_page = {row.entry_id for row in rows if row.entry_id is not None}
    taken = {
        identity(member.student or member.coach)
        for entry in entries.values()
        if entry.pk not in on_page
        for member in entry.members.all()
        if member.student_id or member.coach_id
    }
    seen: dict[tuple, int] = {}
    # Rows whose members were kept first, so that a clash is reported on the row just typed.
    for plan in sorted(planned, key=lambda plan: plan.replace_members):
        for member in plan.members:
            if isinstance(member, str):
                continue
            key = identity(member)
            if key in taken:
                error(
                    plan.row,
                    "members",
                    _("%(name)s already has another entry in “%(event)s”.")
                    % {"name": member.name, "event": event.name},
                )
            elif key in seen and seen[key] != plan.row.number:
                error(
                    plan.row,
                    "members",
                    _("%(name)s is also entered in row %(other)d: a person enters an event once.")
                    % {"name": member.name, "other": seen[key]},
                )
            else:
                seen[key] = plan.row.number
    if errors:
        raise RowErrors(errors)
    return planned, people


@transaction.atomic
def save_event_entries(*, event: Event, version: int, rows: Sequence[EntryRow], user=None) -> dict[str, int]:
    """Apply the entries page of an event: deletions, changes and additions, all or nothing.

    `version` is the event's version when the page was opened: if anyone saved the event's entries
    since, EntriesChanged is raised and nothing is saved (so a double submit adds nothing twice).
    A broken rule raises RowErrors. History rows are attributed to `user`.
    Returns how many entries were added, changed and deleted.
    """
    if not Event.objects.filter(pk=event.pk, version=version).update(version=F("version") + 1):
        raise EntriesChanged
    event.version = version + 1
    entries = {
        entry.pk: entry
        for entry in Entry.objects.filter(event=event)
        .select_related("organization")
        .prefetch_related("members__student", "members__coach", "coaches")
    }
    planned, people = plan_rows(event, rows, entries)

    for organization in people.new_organizations:
        organization.save()
    for person in people.new_people:
        person.save()  # a new coach of a new organization picks up its id here

    def audited(instance):
        instance._history_user = user  # read by django-simple-history for this save or delete
        return instance

    # Old member and coach rows go first, so that a student moving from one entry to another in
    # the same save never meets the database's "once per event" constraint.
    deleted = [entries[row.entry_id] for row in rows if row.delete and row.entry_id in entries]
    clear_members = deleted + [plan.entry for plan in planned if plan.entry and plan.replace_members]
    clear_coaches = deleted + [plan.entry for plan in planned if plan.entry and plan.replace_coaches]
    for member in EntryMember.objects.filter(entry__in=clear_members):
        audited(member).delete()
    for coaching in EntryCoach.objects.filter(entry__in=clear_coaches):
        audited(coaching).delete()
    for entry in deleted:
        audited(entry).delete()

    added = changed = 0
    new_members: list[EntryMember] = []
    new_coaches: list[EntryCoach] = []
    for plan in planned:
        row, entry = plan.row, plan.entry
        values = {
            "organization_id": plan.organization.pk,
            "award_id": row.award.pk if row.award else None,
            "rank": row.rank,
            "score": row.score,
            "notes": row.notes,
        }
        if entry is None:
            entry = audited(Entry(event=event, **values))
            entry.save()
            added += 1
        else:
            # Only what this editor changed; plan.organization is the entry's own unless it moved.
            wanted = row.changed | {"organization"}
            updates = {
                name: value
                for name, value in values.items()
                if name.removesuffix("_id") in wanted and getattr(entry, name) != value
            }
            for name, value in updates.items():
                setattr(entry, name, value)
            if updates:
                audited(entry).save()
            if updates or plan.replace_members or plan.replace_coaches:
                changed += 1
        if plan.replace_members:
            new_members += [member_row(entry, position, m) for position, m in enumerate(plan.members, 1)]
        if plan.replace_coaches:
            new_coaches += [EntryCoach(entry=entry, coach=coach) for coach in plan.coaches]
    bulk_create_with_history(new_members, EntryMember, default_user=user)
    bulk_create_with_history(new_coaches, EntryCoach, default_user=user)
    refresh_competitions([event.competition_id])  # the tally tables follow every result change
    return {"added": added, "changed": changed, "deleted": len(deleted)}


# ---------------------------------------------------------------------------------------------
# Creating a competition with its events

TEAM_OPTION = re.compile(r"(?:team|团体|团队)\s*(?P<low>\d+)?\s*(?:[-–—~～至到]\s*(?P<high>\d+))?")
SELECTION_WORDS = {"selection", "选拔", "世赛选拔", "世赛选拔项目"}
MAX_TEAM = 100


@dataclass
class EventSpec:
    """An event to create: from a line of text, or copied from another competition's event."""

    name: str
    is_team: bool = False
    min_team_size: int = 1
    max_team_size: int = 1
    is_selection: bool = False
    skill: Skill | None = None  # None: the skill of the same name, created when new


def parse_event_lines(text: str) -> list[EventSpec]:
    """One event per line: a name, optionally `| team 2-3` (or `| team 2`) and `| selection`."""
    specs, problems = [], []
    for number, line in enumerate(text.splitlines(), start=1):
        name, *options = [clean_text(part) for part in line.split("|")]
        if not name and not any(options):
            continue
        spec = EventSpec(name=name)
        if not name:
            problems.append(_("Line %(line)d: the event has no name.") % {"line": number})
        elif len(name) > 200:
            problems.append(_("Line %(line)d: the name is longer than 200 characters.") % {"line": number})
        for option in filter(None, options):
            word = unicodedata.normalize("NFKC", option).casefold()
            team = TEAM_OPTION.fullmatch(word)
            if word in SELECTION_WORDS:
                spec.is_selection = True
            elif team and team["low"]:
                low, high = int(team["low"]), int(team["high"] or team["low"])
                if not 1 <= low <= high <= MAX_TEAM:
                    problems.append(
                        _("Line %(line)d: “%(option)s” is not a team size range.")
                        % {"line": number, "option": option}
                    )
                spec.is_team, spec.min_team_size, spec.max_team_size = True, low, high
            else:
                problems.append(
                    _("Line %(line)d: “%(option)s” is not understood; write “team 2-3” or “selection”.")
                    % {"line": number, "option": option}
                )
        specs.append(spec)
    if problems:
        raise ValidationError(problems)
    return specs


def copied_events(competition: Competition) -> list[EventSpec]:
    """The events of an earlier edition, to hold again: name, skill, team sizes, selection flag."""
    return [
        EventSpec(
            name=event.name,
            is_team=event.is_team,
            min_team_size=event.min_team_size,
            max_team_size=event.max_team_size,
            is_selection=event.is_selection,
            skill=event.skill,
        )
        for event in competition.events.select_related("skill").order_by("name")
    ]


@transaction.atomic
def create_competition(*, competition: Competition, events: Sequence[EventSpec], user=None) -> Competition:
    """Save a new (unsaved) competition and create its events, with history attributed to `user`."""
    competition._history_user = user
    competition.save()
    created = []
    for spec in events:
        skill = spec.skill or Skill.objects.get_or_create(name=spec.name)[0]
        created.append(
            Event(
                competition=competition,
                skill=skill,
                name=spec.name,
                is_team=spec.is_team,
                min_team_size=spec.min_team_size,
                max_team_size=spec.max_team_size,
                is_selection=spec.is_selection,
            )
        )
    bulk_create_with_history(created, Event, default_user=user)
    return competition
