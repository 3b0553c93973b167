"""Small hand-written factories for tests: keyword arguments in, saved objects out.

Every argument has a sensible default, so a test only names what it is about:
`make_entry(make_event(is_team=True), members=[alice, bob], award="金牌")`.
Entries go through competitions.recording.record_entry, so they obey the same rules as real data.
"""

from collections.abc import Iterable, Sequence
from itertools import count

from competitions.models import Award, Competition, Entry, Event, Level, Organization, Skill
from competitions.recording import Member, record_entry
from students.models import Coach, Department, Major, Student

_serial = count(1)


def _next() -> int:
    return next(_serial)


def make_organization(name: str | None = None, **fields) -> Organization:
    """An organization by name (reused if it exists); `is_home=True` for the home college."""
    name = name or f"Organization {_next()}"
    organization, _ = Organization.objects.get_or_create(name=name, defaults=fields)
    return organization


def home_organization() -> Organization:
    """The home college, created on first use."""
    return Organization.home() or make_organization("本校技师学院", is_home=True)


def make_department(name: str | None = None, **fields) -> Department:
    department, _ = Department.objects.get_or_create(name=name or f"Department {_next()}", defaults=fields)
    return department


def make_major(name: str | None = None, *, department: Department | None = None) -> Major:
    department = department or make_department()
    major, _ = Major.objects.get_or_create(department=department, name=name or f"Major {_next()}")
    return major


def make_student(name: str | None = None, **fields) -> Student:
    """A home student; `student_number`, `department`, `major`, `cohort_year` ... as keywords."""
    return Student.objects.create(name=name or f"学生{_next()}", **fields)


def make_coach(name: str | None = None, **fields) -> Coach:
    return Coach.objects.create(name=name or f"教练{_next()}", **fields)


def make_competition(name: str | None = None, **fields) -> Competition:
    """A competition; defaults to a national vocational-skills contest in 2023."""
    fields.setdefault("year", 2023)
    fields.setdefault("level", Level.NATIONAL)
    return Competition.objects.create(name=name or f"Competition {_next()}", **fields)


def make_event(
    competition: Competition | None = None,
    *,
    name: str | None = None,
    skill: Skill | str | None = None,
    is_team: bool = False,
    min_team_size: int = 1,
    max_team_size: int | None = None,
    **fields,
) -> Event:
    """An event; a team event allows up to 6 members unless `max_team_size` says otherwise."""
    competition = competition or make_competition()
    name = name or f"Event {_next()}"
    if not isinstance(skill, Skill):
        skill, _ = Skill.objects.get_or_create(name=skill or name)
    if max_team_size is None:
        max_team_size = max(6, min_team_size) if is_team else 1
    return Event.objects.create(
        competition=competition,
        name=name,
        skill=skill,
        is_team=is_team,
        min_team_size=min_team_size,
        max_team_size=max_team_size,
        **fields,
    )


def make_entry(
    event: Event | None = None,
    *,
    members: Sequence[Member] = (),
    award: Award | str | None = "金牌",
    organization: Organization | str | None = None,
    coaches: Iterable[Coach] = (),
    rank: int | None = None,
    score: str = "",
    notes: str = "",
) -> Entry:
    """An entry recorded through record_entry.

    `award` is a label from the vocabulary (or an Award, or None for no award); `organization`
    is an Organization or a name, and defaults to the home college.
    """
    event = event or make_event()
    if isinstance(award, str):
        award = Award.objects.parse(award)
    if organization is None:
        organization = home_organization()
    elif isinstance(organization, str):
        organization = make_organization(organization)
    return record_entry(
        event=event,
        organization=organization,
        award=award,
        rank=rank,
        score=score,
        notes=notes,
        members=members,
        coaches=coaches,
    )
