"""One truth: every reader of the medal counts equals one brute-force recount (DOMAIN.md rules 2-6, 9).

Hypothesis draws whole result sets — the home college and other organizations, home students
competing for other organizations (a province's delegation), teams, entries without named members,
home teachers and other organizations' coaches, teachers competing, students with and without a
department, ties, organizations out of the ranking and left out of a competition's table, several
years — records them through the same code as real data, and compares every reader with
`Truth`, a recount written here with plain loops over the drawn entries (no ORM, no
competitions.tallies):

the live medal tables (competition page and command), the stored tally tables (all-time and per
period), the five leaderboards with and without a period, the tallies pivot and each drill-down,
the department list and pages, the skill list and pages, the student and coach pages, and the
competition list.
"""

from collections import Counter, defaultdict
from dataclasses import dataclass, field

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.cache import cache
from django.urls import reverse
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.extra.django import TestCase

from competitions import roles, tallies
from competitions.aggregates import refresh_competitions, verify
from competitions.models import Category, Entry, Skill, TallyTotal
from tests.factories import (
    make_coach,
    make_competition,
    make_department,
    make_entry,
    make_event,
    make_organization,
    make_student,
)

LABEL_TIERS = {"金牌": "gold", "银牌": "silver", "铜牌": "bronze", "优胜奖": "excellence", "特等奖": "special",
               "入围国家集训队": "other", None: None}  # fmt: skip
MEDALS = ["special", "gold", "silver", "bronze", "excellence"]
TIERS = [*MEDALS, "other"]
LEVELS = ["world", "national", "provincial"]
N_ORGANIZATIONS, N_STUDENTS, N_TEACHERS, N_SKILLS, N_DEPARTMENTS = 4, 6, 4, 3, 2
HOME = 0  # organization 0 is the home college; 1 is a province's delegation
# Teachers 0 and 1 are the college's; 2 coaches for organization 2, 3 for organization 3.
TEACHER_ORGANIZATION = [None, None, 2, 3]
BYS = ["organization", "department", "student", "coach", "skill"]
LEADERBOARDS = {"organization": "organizations", "department": "departments", "student": "students",
                "coach": "coaches", "skill": "skills"}  # fmt: skip

labels = st.sampled_from(list(LABEL_TIERS))


@st.composite
def scenarios(draw):
    competitions = draw(
        st.lists(
            st.fixed_dictionaries(
                {
                    "weights": st.fixed_dictionaries({tier: st.integers(0, 5) for tier in TIERS}),
                    "year": st.integers(2022, 2024),
                    "level": st.sampled_from(LEVELS),
                    "unranked": st.sets(st.integers(0, N_ORGANIZATIONS - 1), max_size=1),
                    "excluded": st.sets(st.integers(1, N_ORGANIZATIONS - 1), max_size=1),
                }
            ),
            min_size=1,
            max_size=3,
        )
    )
    events = draw(
        st.lists(
            st.fixed_dictionaries(
                {
                    "competition": st.integers(0, len(competitions) - 1),
                    "team": st.booleans(),
                    "skill": st.integers(0, N_SKILLS - 1),
                }
            ),
            min_size=1,
            max_size=4,
        )
    )
    entries = draw(
        st.lists(
            st.fixed_dictionaries(
                {
                    "event": st.integers(0, len(events) - 1),
                    # Mostly the college and the delegation, where home students compete.
                    "organization": st.sampled_from([0, 0, 1, 1, 2, 3]),
                    "students": st.lists(st.integers(0, N_STUDENTS - 1), unique=True, max_size=3),
                    "teacher_member": st.sampled_from([None, None, None, 0, 2]),
                    "outsiders": st.integers(0, 1),
                    "coaches": st.lists(st.integers(0, N_TEACHERS - 1), unique=True, max_size=2),
                    "label": labels,
                }
            ),
            max_size=12,
        )
    )
    departments = draw(
        st.lists(st.sampled_from([None, *range(N_DEPARTMENTS)]), min_size=N_STUDENTS, max_size=N_STUDENTS)
    )
    return {"competitions": competitions, "events": events, "entries": entries, "departments": departments}


@dataclass
class Drawn:
    """One recorded entry in the scenario's terms."""

    pk: int
    competition: int
    year: int
    level: str
    weights: dict
    organization: int
    students: list[int]
    departments: set[int]
    teacher_members: list[int]
    coaches: list[int]
    skill: int
    tier: str | None
    excluded: set[int] = field(default_factory=set)

    @property
    def for_college(self) -> bool:
        """Rule 9, written out: the college's own entry, or one with a home student or home teacher
        among its members, or a home teacher among its coaches."""
        home_teachers = [t for t in self.teacher_members + self.coaches if TEACHER_ORGANIZATION[t] is None]
        return self.organization == HOME or bool(self.students) or bool(home_teachers)

    def groups(self, by: str) -> set[int]:
        if by == "organization":
            return set() if self.organization in self.excluded else {self.organization}
        if not self.for_college:
            return set()
        return {
            "college": {0},
            "student": set(self.students),
            "department": self.departments,
            "coach": {t for t in self.coaches if TEACHER_ORGANIZATION[t] is None},
            "skill": {self.skill},
        }[by]


class Truth:
    """The brute-force recount: group index → tier counts, points and entries."""

    def __init__(self, entries: list[Drawn]):
        self.entries = entries

    def table(self, by: str, *, where=lambda entry: True, with_empty: bool = False) -> dict[int, dict]:
        rows: dict[int, dict] = {}
        for entry in self.entries:
            if not where(entry):
                continue
            for group in entry.groups(by):
                row = rows.setdefault(group, {**dict.fromkeys(TIERS, 0), "points": 0, "entries": 0})
                row["entries"] += 1
                if entry.tier:
                    row[entry.tier] += 1
                    row["points"] += entry.weights[entry.tier]
        if with_empty:
            return rows
        return {g: row for g, row in rows.items() if sum(row[t] for t in MEDALS) or row["points"]}

    def cells(self, by: str, group: int) -> Counter:
        """(year, level, tier) → awarded entries of one group."""
        return Counter((e.year, e.level, e.tier) for e in self.entries if e.tier and group in e.groups(by))


def as_counts(row) -> dict:
    return {**{tier: getattr(row, tier) for tier in TIERS}, "points": row.points}


def without_entries(table: dict[int, dict]) -> dict[int, dict]:
    return {g: {k: v for k, v in row.items() if k != "entries"} for g, row in table.items()}


def record(scenario):
    departments = [make_department(f"系{i}") for i in range(N_DEPARTMENTS)]
    organizations = [make_organization(f"单位{i}", is_home=i == HOME) for i in range(N_ORGANIZATIONS)]
    students = [
        make_student(f"选手{i}", department=departments[d] if d is not None else None)
        for i, d in enumerate(scenario["departments"])
    ]
    teachers = [
        make_coach(f"教师{i}", organization=organizations[o] if o is not None else None)
        for i, o in enumerate(TEACHER_ORGANIZATION)
    ]
    competitions = []
    for spec in scenario["competitions"]:
        competition = make_competition(
            year=spec["year"], level=spec["level"], **{f"weight_{t}": w for t, w in spec["weights"].items()}
        )
        competition.unranked_organizations.set([organizations[i] for i in spec["unranked"]])
        competition.excluded_organizations.set([organizations[i] for i in spec["excluded"]])
        competitions.append(competition)
    skills = [Skill.objects.create(name=f"技能{i}") for i in range(N_SKILLS)]
    events = [
        make_event(competitions[spec["competition"]], skill=skills[spec["skill"]], is_team=spec["team"])
        for spec in scenario["events"]
    ]
    drawn, taken = [], defaultdict(set)
    for spec in scenario["entries"]:
        event_spec = scenario["events"][spec["event"]]
        people = [("s", i) for i in spec["students"]]
        if spec["teacher_member"] is not None:
            people.append(("t", spec["teacher_member"]))
        people = [p for p in people if p not in taken[spec["event"]]]  # rule 7
        people += [("x", n) for n in range(spec["outsiders"])]
        if not event_spec["team"]:
            people = people[:1]
        taken[spec["event"]].update(p for p in people if p[0] != "x")
        members = [
            students[i] if kind == "s" else teachers[i] if kind == "t" else f"外人{len(drawn)}-{i}"
            for kind, i in people
        ]
        entry = make_entry(
            events[spec["event"]],
            members=members,
            coaches=[teachers[i] for i in spec["coaches"]],
            organization=organizations[spec["organization"]],
            award=spec["label"],
        )
        competition = scenario["competitions"][event_spec["competition"]]
        student_ids = [i for kind, i in people if kind == "s"]
        drawn.append(
            Drawn(
                pk=entry.pk,
                competition=event_spec["competition"],
                year=competition["year"],
                level=competition["level"],
                weights=competition["weights"],
                organization=spec["organization"],
                students=student_ids,
                departments={scenario["departments"][i] for i in student_ids} - {None},
                teacher_members=[i for kind, i in people if kind == "t"],
                coaches=list(spec["coaches"]),
                skill=event_spec["skill"],
                tier=LABEL_TIERS[spec["label"]],
                excluded=set(competition["excluded"]),
            )
        )
    # The rankings settings were set after the competitions were made: a results change.
    refresh_competitions([competition.pk for competition in competitions])
    objects = {
        "organization": organizations,
        "student": students,
        "department": departments,
        "coach": teachers,
        "skill": skills,
        "competition": competitions,
        "college": [organizations[HOME]],
    }
    return drawn, objects


class TestEveryReaderEqualsOneRecount(TestCase):
    def login(self):
        user = get_user_model().objects.create_user("reader", password="x")
        user.groups.add(Group.objects.get(name=roles.TEACHERS))
        self.client.force_login(user)

    def keyed(self, objects, by, table):
        return {objects[by][group].pk: row for group, row in table.items()}

    @settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
    @given(scenarios())
    def test_every_reader(self, scenario):
        cache.clear()  # each example is rolled back; cached pages keyed by versions would repeat
        drawn, objects = record(scenario)
        truth = Truth(drawn)
        self.login()
        assert verify() == []
        years = sorted({entry.year for entry in drawn})

        for by in BYS:
            expected = self.keyed(objects, by, truth.table(by))
            # Live medal table over everything, and the stored all-time table.
            live = {row.key: as_counts(row) for row in tallies.medal_table(Entry.objects.all(), by=by)}
            assert live == without_entries(expected), by
            stored = {row.key: as_counts(row) for row in tallies.TallyRows(by, "tiers")}
            assert stored == without_entries(expected), by
            period = {row.key: as_counts(row) for row in tallies.period_table(by)}
            assert period == without_entries(expected), by
            # Every category (read from the all-time table) is the sum of each category's table
            # (summed from the period table), "other" awards listed too, with the same names.
            every_category = tallies.period_table(by, with_other=True)
            summed: dict[int, dict] = {}
            for category in Category.values:
                for row in tallies.period_table(by, category=category, with_other=True):
                    counts = summed.setdefault(row.key, dict.fromkeys(as_counts(row), 0))
                    for name, value in as_counts(row).items():
                        counts[name] += value
            assert {row.key: as_counts(row) for row in every_category} == summed, by
            assert {row.key: row.name for row in every_category} == tallies.group_names(by, summed), by
            # Stored entries counts (with or without an award), for every group.
            every = self.keyed(objects, by, truth.table(by, with_empty=True))
            kind = tallies.GROUPINGS[by].kind
            assert {t.key: t.entries for t in TallyTotal.objects.filter(kind=kind)} == {
                key: row["entries"] for key, row in every.items()
            }, by
            # The leaderboard page, all-time and over one year.
            for period_filter in [{}, *({"year_from": y, "year_to": y} for y in years[:2])]:
                response = self.client.get(
                    reverse("competitions:leaderboard"), {"by": LEADERBOARDS[by], **period_filter}
                )
                assert response.status_code == 200
                got = {row.key: as_counts(row) for row in response.context["view"].rows}
                year = period_filter.get("year_from")
                want = truth.table(by, where=lambda e, y=year: y is None or e.year == y)
                assert got == without_entries(self.keyed(objects, by, want)), (by, period_filter)

        # Each competition's page and the command's table: its own settings (rule 6).
        for index, competition in enumerate(objects["competition"]):
            for by in BYS:
                response = self.client.get(competition.get_absolute_url(), {"by": by})
                got = {row.key: as_counts(row) for row in response.context["medal_rows"]}
                want = truth.table(by, where=lambda e, i=index: e.competition == i)
                assert got == without_entries(self.keyed(objects, by, want)), (index, by)
                if by == "organization":
                    unranked = {
                        objects["organization"][i].pk for i in scenario["competitions"][index]["unranked"]
                    }
                    for row in response.context["medal_rows"]:
                        assert (row.rank is None) == (row.key in unranked)

        # The competition list: each competition's medals in its organization table.
        response = self.client.get(reverse("competitions:competition-list"))
        listed = {row.record.pk: row.record.n_medals for row in response.context["table"].page.object_list}
        for index, competition in enumerate(objects["competition"]):
            want = truth.table("organization", where=lambda e, i=index: e.competition == i)
            assert listed[competition.pk] == sum(sum(row[t] for t in MEDALS) for row in want.values())

        # The college's pivot (stored) and every drill-down (live) agree with the recount.
        college = truth.cells("college", 0)
        assert tallies.period_counts("college", tallies.COLLEGE_KEY) == dict(college)
        for (year, level, tier), n in college.items():
            cell = tallies.college_entries(year=year, level=level, tier=tier)
            assert sorted(cell.values_list("pk", flat=True)) == sorted(
                e.pk for e in drawn if e.for_college and (e.year, e.level, e.tier) == (year, level, tier)
            )
            response = self.client.get(
                reverse("competitions:pivot-entries"), {"year": year, "level": level, "tier": tier}
            )
            assert response.context["table"].paginator.count == n
        for index, department in enumerate(objects["department"]):
            cells = truth.cells("department", index)
            assert tallies.period_counts("department", department.pk) == dict(cells)
            for (year, level, tier), n in cells.items():
                assert (
                    tallies.college_entries(department=department, year=year, level=level, tier=tier).count()
                    == n
                )
            # The department's page: awarded entries by year.
            response = self.client.get(reverse("students:department-detail", args=[department.pk]))
            by_year = Counter()
            for (year, _level, tier), n in cells.items():
                by_year[(year, tier)] += n
            for row in response.context["years"]:
                counts = dict(zip(TIERS, row["counts"], strict=True))
                assert all(counts[t] == by_year[(row["year"], t)] for t in TIERS), department
        # The department list.
        response = self.client.get(reverse("students:department-list"))
        want = self.keyed(objects, "department", truth.table("department"))
        for department in response.context["departments"]:
            medals = department.medals
            got = as_counts(medals) if medals else None
            assert got == (without_entries(want).get(department.pk)), department

        # The skill list and pages: the college's medals in each skill (rule 9).
        want = self.keyed(objects, "skill", truth.table("skill"))
        response = self.client.get(reverse("competitions:skill-list"))
        for row in response.context["table"].page.object_list:
            medals = want.get(row.record.pk)
            assert row.record.n_home_medals == (sum(medals[t] for t in MEDALS) if medals else 0)
        for index, skill in enumerate(objects["skill"]):
            response = self.client.get(reverse("competitions:skill-detail", args=[skill.pk]))
            totals = response.context["title_totals"]
            mine = [e for e in drawn if e.for_college and e.skill == index]
            assert totals["entries"] == len(mine)
            assert totals["medals"] == sum(1 for e in mine if e.tier in MEDALS)

        # Student and coach pages: each person's entries by tier, equal to their leaderboard row.
        students = truth.table("student", with_empty=True)
        for index, student in enumerate(objects["student"]):
            response = self.client.get(reverse("students:student-detail", args=[student.pk]))
            got = {str(tier): n for tier, n in response.context["tier_counts"]}
            row = students.get(index, dict.fromkeys(TIERS, 0))
            assert all(got[t] == row[t] for t in TIERS), student
        coaches = truth.table("coach", with_empty=True)
        for index, teacher in enumerate(objects["coach"]):
            if TEACHER_ORGANIZATION[index] is not None:
                continue  # the college's tallies credit its own teachers
            response = self.client.get(reverse("students:coach-detail", args=[teacher.pk]))
            got = {str(tier): n for tier, n in response.context["coached_tier_counts"]}
            row = coaches.get(index, dict.fromkeys(TIERS, 0))
            assert all(got[t] == row[t] for t in TIERS), teacher


# The reproductions of issue 9: each failed before counting had one owner.


def test_a_home_students_gold_for_a_delegation_counts_the_same_on_every_department_reader(user_client):
    from tests.factories import home_organization

    home_organization()
    robotics = make_department("机器人系")
    student = make_student("郑泽鑫", department=robotics)
    competition = make_competition("中华人民共和国第二届职业技能大赛", year=2023)
    make_entry(make_event(competition), members=[student], award="金牌", organization="广东省代表团")
    leaderboard = reverse("competitions:leaderboard")

    def department_row(response):
        return {row.key: (row.gold, row.total) for row in response.context["view"].rows}[robotics.pk]

    assert department_row(user_client.get(leaderboard, {"by": "departments"})) == (1, 1)
    filtered = user_client.get(leaderboard, {"by": "departments", "year_from": 2023, "year_to": 2023})
    assert department_row(filtered) == (1, 1)
    page = user_client.get(reverse("students:department-detail", args=[robotics.pk]))
    assert [(row["year"], row["medals"]) for row in page.context["years"]] == [(2023, 1)]
    listing = user_client.get(reverse("students:department-list"))
    [listed] = [d for d in listing.context["departments"] if d.pk == robotics.pk]
    assert (listed.medals.gold, listed.medals.total) == (1, 1)
    # The college's pivot and summary count it too; the organization table credits the delegation.
    assert tallies.period_counts("college", tallies.COLLEGE_KEY) == {(2023, "national", "gold"): 1}
    organizations = {row.name: row.gold for row in tallies.medal_table(Entry.objects.all())}
    assert organizations == {"广东省代表团": 1}


def test_an_other_organizations_entry_without_home_people_is_not_the_colleges(user_client):
    from tests.factories import home_organization

    home_organization()
    outside = make_coach("外校教练", organization=make_organization("外校"))
    make_entry(make_event(), members=["张三"], coaches=[outside], award="金牌", organization="外校")
    assert not tallies.college_entries().exists()
    assert tallies.medal_table(Entry.objects.all(), by="coach") == []
    assert tallies.medal_table(Entry.objects.all(), by="skill") == []
    assert verify() == []
