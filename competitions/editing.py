"""The competition office's editing: a page of an event's entries saved in one go, awards proposed
from ranks, and a new competition with its events.

The entries page sends the rows of one page of an event (the rows the office may have changed, and
new ones); the event's other entries stay as recorded. `save_event_entries` finds the people named in
the rows by the importer's rules (students.people.People: home students by student number, else by
name in the home college's entries; teachers by staff number, else by name; anyone unknown is made),
checks the rules of DOMAIN.md (7: a person once per event, across the rows and the entries on other
pages; a team that fits its event; 10: a new person is created only once the office has seen them
and their near matches) and writes everything in one transaction. The event's `version` guards the whole save, so that two editors never
overwrite each other without seeing the other's work.
"""

import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F, Q
from django.utils.translation import gettext as _

from competitions import confirming
from competitions.aggregates import results_changed
from competitions.auditing import bulk_create_audited
from competitions.models import (
    Award,
    AwardRule,
    Competition,
    Entry,
    EntryCoach,
    EntryMember,
    Event,
    Member,
    Organization,
    Skill,
    once_per_event,
    person_key,
)
from competitions.recording import member_row
from students.models import Coach, Student
from students.people import NewPerson, People, Person, clean_text, confirmation, lock_people

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


class NewPeopleToConfirm(Exception):
    """The save would create people: nothing was saved. The office reads who they are and who they
    may be instead (near matches), then confirms them (`confirmation`) or writes the person meant."""

    def __init__(self, new_people: list[NewPerson], notes: list[str]):
        super().__init__(new_people)
        self.new_people = new_people
        self.notes = notes
        self.confirmation = confirmation(new_people)


@dataclass
class Saved:
    added: int
    changed: int
    deleted: int
    notes: list[str]  # members whose numbers found nobody and stay names (rule 9)


class Organizations:
    """The organizations named in the rows, each made once (unsaved) when new."""

    def __init__(self, rows: Sequence[EntryRow]):
        names = {row.organization for row in rows}
        self.known = {
            organization.name: organization for organization in Organization.objects.filter(name__in=names)
        }
        self.new: list[Organization] = []

    def get(self, name: str) -> Organization:
        organization = self.known.get(name)
        if organization is None:
            organization = self.known[name] = Organization(name=name)
            self.new.append(organization)
        return organization


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
) -> tuple[list[Planned], Organizations, People]:
    """Find everyone the rows name and check the rules; RowErrors lists every broken one."""
    errors: dict[int, dict[str, list[str]]] = {}

    def error(row: EntryRow, column: str, message: str) -> None:
        errors.setdefault(row.number, {}).setdefault(column, []).append(message)

    kept = [row for row in rows if not row.delete]
    organizations = Organizations(kept)
    people = People(person for row in kept for person in [*row.members, *row.coaches])
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
        organization = organizations.get(row.organization) if moved else entry.organization
        where = {"organization": organization, "row": row.number, "event": event.pk}
        recorded: list[Member] = (
            [m.student or m.coach or m.name for m in entry.members.all()] if entry else []
        )
        members: list[Member] = recorded
        coaches: list[Coach] = []
        if replace_members:
            try:
                members = people.members(
                    row.members,
                    competition=event.competition,
                    linked=[member for member in recorded if not isinstance(member, str)],
                    **where,
                )
            except ValidationError as problem:
                members = []
                for message in problem.messages:
                    error(row, "members", message)
        else:
            people.seen(members, **where)
        if replace_coaches:
            try:
                coaches = people.coaches(row.coaches, **where)
            except ValidationError as problem:
                for message in problem.messages:
                    error(row, "coaches", message)
        else:
            coaches = list(entry.coaches.all())
            people.seen(coaches, **where)
        if replace_members:
            try:
                event.check_team_size(len(members))
            except ValidationError as problem:
                error(row, "members", " ".join(problem.messages))
        planned.append(Planned(row, entry, organization, members, coaches, replace_members, replace_coaches))

    # A person enters an event once (DOMAIN.md rule 7): across the rows, and against entries of the
    # event that are not on the page (added by someone else since it was opened). Rows whose
    # members were kept go first, so that a clash is reported on the row just typed.
    # The page may show only some of the event's entries: the others are checked as recorded.
    order = sorted(planned, key=lambda plan: plan.replace_members)
    doubled: dict[int, list[str]] = {}
    on_page = [row.entry_id for row in rows if row.entry_id is not None]
    clashes = once_per_event([(event, plan.members) for plan in order], replacing=on_page)
    recorded = recorded_entries(event, [c.person for c in clashes if c.other is None], excluding=on_page)
    for clash in clashes:
        plan = order[clash.index]
        if clash.other is None:
            error(
                plan.row,
                "members",
                entered_elsewhere(clash.person, event, recorded.get(person_key(clash.person))),
            )
        elif clash.other == clash.index:
            doubled.setdefault(plan.row.number, []).append(clash.person.name)
        else:
            error(
                plan.row,
                "members",
                _("%(name)s is also entered in row %(other)d: a person enters an event once.")
                % {"name": clash.person.name, "other": order[clash.other].row.number},
            )
    for plan in planned:
        # Outside competitors' names too: a name written twice in one entry is a typing slip.
        names = [member for member in plan.members if isinstance(member, str)]
        twice = [name for name in dict.fromkeys(names) if names.count(name) > 1]
        twice += doubled.get(plan.row.number, [])
        if plan.replace_members and twice:
            error(
                plan.row, "members", _("Listed twice in this entry: %(names)s.") % {"names": "、".join(twice)}
            )
    if errors:
        raise RowErrors(errors)
    return planned, organizations, people


def named_entries(event: Event, rows: Sequence[EntryRow]) -> dict[int, Entry]:
    """The entries of `event` the rows name, by id, with what plan_rows reads of them."""
    return {
        entry.pk: entry
        for entry in Entry.objects.filter(event=event, pk__in=[row.entry_id for row in rows if row.entry_id])
        .select_related("organization")
        .prefetch_related("members__student", "members__coach", "coaches")
    }


def check_event_entries(*, event: Event, rows: Sequence[EntryRow]) -> RowErrors | None:
    """The rules of DOMAIN.md the rows break, as save_event_entries would refuse them, without
    saving anything: for a page whose fields have errors, so that the office reads every error in
    one pass rather than the duplicates and team sizes only once the fields are right."""
    try:
        plan_rows(event, rows, named_entries(event, rows))
    except RowErrors as errors:
        return errors
    return None


def recorded_entries(event: Event, people: Sequence[Student | Coach], *, excluding: Sequence[int]) -> dict:
    """The recorded entry of `event` each of these students and teachers is in (by person_key),
    leaving out the entries in `excluding`; one query."""
    if not people:
        return {}
    students = [person.pk for person in people if isinstance(person, Student)]
    teachers = [person.pk for person in people if isinstance(person, Coach)]
    rows = (
        EntryMember.objects.filter(event=event)
        .filter(Q(student__in=students) | Q(coach__in=teachers))
        .exclude(entry__in=list(excluding))
        .select_related("entry__organization", "student", "coach")
    )
    return {person_key(row.student or row.coach): row.entry for row in rows}


def entered_elsewhere(person: Student | Coach, event: Event, entry: Entry | None) -> str:
    """Rule 7's refusal for a person already in a recorded entry, naming that entry so that the
    office finds it, on whichever page of the event it is."""
    names = {"name": person.name, "event": event.name}
    if entry is None:  # deleted meanwhile: the database's constraint would still refuse the row
        return _("%(name)s already has another entry in “%(event)s”.") % names
    names["organization"] = entry.organization.name
    if entry.rank is None:
        return (
            _("%(name)s already has another entry in “%(event)s”: an unranked entry of %(organization)s.")
            % names
        )
    return _(
        "%(name)s already has another entry in “%(event)s”: the entry of %(organization)s ranked %(rank)d."
    ) % {**names, "rank": entry.rank}


@transaction.atomic
def save_event_entries(
    *, event: Event, version: int, rows: Sequence[EntryRow], user=None, confirmed: str = ""
) -> Saved:
    """Apply a page of an event's entries: deletions, changes and additions, all or nothing.

    Only the entries the rows name are touched; the event's other entries are checked (rule 7)
    but never changed.

    `version` is the event's version when the page was opened: if anyone saved the event's entries
    since, EntriesChanged is raised and nothing is saved (so a double submit adds nothing twice).
    A broken rule raises RowErrors. A save that would create people raises NewPeopleToConfirm
    unless `confirmed` is the confirmation of exactly those people (as the office was shown them).
    History rows are attributed to `user`. Returns how many entries were added, changed and deleted.
    """
    # No other save or import creates the same new person meanwhile (rule 10). Taken before any row
    # lock (the event's version below), as imports take it before they touch events: one order, so
    # an import and a save of the same event cannot deadlock.
    lock_people()
    if not Event.objects.filter(pk=event.pk, version=version).update(version=F("version") + 1):
        raise EntriesChanged
    event.version = version + 1
    # The entries the rows name (a page of the event's), as they are now that the version is held.
    entries = named_entries(event, rows)
    planned, organizations, people = plan_rows(event, rows, entries)
    notes = [_("Row %(row)d: %(note)s") % {"row": note.row, "note": note.message} for note in people.notes]
    if people.new_people:
        new_people = people.new_people_report()
        if confirmed != confirmation(new_people):
            raise NewPeopleToConfirm(new_people, notes)

    for organization in organizations.new:
        organization.save()
    for person in people.new_people:
        person.save()  # a new coach of a new organization picks up its id here
    for person in people.numbered:
        # A recorded person given the number written beside their name: said, never silent.
        is_student = isinstance(person, Student)
        person.save(update_fields=["student_number" if is_student else "staff_number"])
        notes.append(
            _("%(name)s, recorded without a number, now has the number %(number)s.")
            % {"name": person.name, "number": person.student_number if is_student else person.staff_number}
        )

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
            confirming.stamp(entry, user=user)
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
            lists = {"members": plan.replace_members, "coaches": plan.replace_coaches}
            changed_fields = [*updates, *(name for name, replaced in lists.items() if replaced)]
            # A changed result waits for a second office user again (competitions.confirming).
            stamped = confirming.stamp(entry, user=user, changed=changed_fields)
            if updates or stamped:
                audited(entry).save()
            if updates or plan.replace_members or plan.replace_coaches:
                changed += 1
        if plan.replace_members:
            new_members += [member_row(entry, position, m) for position, m in enumerate(plan.members, 1)]
        if plan.replace_coaches:
            new_coaches += [EntryCoach(entry=entry, coach=coach) for coach in plan.coaches]
    bulk_create_audited(new_members, EntryMember, user=user)
    bulk_create_audited(new_coaches, EntryCoach, user=user)
    # The tally tables follow every result change; the event's version was raised above.
    results_changed([event.competition_id], event_ids=())
    return Saved(added=added, changed=changed, deleted=len(deleted), notes=notes)


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
    bulk_create_audited(created, Event, user=user)
    return competition
