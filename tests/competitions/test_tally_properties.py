"""Property tests: every tally equals a brute-force recount, and ranks obey DOMAIN.md rules 2-6.

Hypothesis draws whole result sets (competitions with their own weights and years, individual and
team events, selection events, organizations in and out of the ranking, home students with or
without a department, coaches, award labels in Chinese and English, entries without an award) and
each example is recorded through the same code as real data. The expected tables are recounted
here with plain loops over the drawn entries, without the ORM and without competitions.tallies.
The college's pivot, drill-downs and every other reader are compared in test_one_truth.py.

hypothesis.extra.django.TestCase runs each example in its own transaction, rolled back after it
(function-scoped pytest fixtures would fail Hypothesis's health check).
"""

from collections import defaultdict
from dataclasses import dataclass

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.extra.django import TestCase

from competitions.models import Entry, Skill
from competitions.tallies import medal_table
from tests.factories import (
    make_coach,
    make_competition,
    make_department,
    make_entry,
    make_event,
    make_organization,
    make_student,
)

# Award labels as the office writes them, with their tier, written out here independently of the
# vocabulary migration; None: the entry took part without an award.
LABEL_TIERS = {
    "特等奖": "special",
    "金牌": "gold",
    "一等奖": "gold",
    "冠军": "gold",
    "Gold Medal": "gold",
    "银牌": "silver",
    "二等奖": "silver",
    "Runner-up": "silver",
    "铜牌": "bronze",
    "三等奖": "bronze",
    "季军": "bronze",
    "优胜奖": "excellence",
    "Medallion for Excellence": "excellence",
    "入围国家集训队": "other",
    "参赛奖": "other",
    None: None,
}
MEDALS = ["special", "gold", "silver", "bronze", "excellence"]
TIERS = [*MEDALS, "other"]
LEVELS = ["world", "national", "provincial"]
BYS = ["organization", "department", "student", "coach", "skill"]
ORDERS = ["tiers", "total", "points"]
N_ORGANIZATIONS, N_STUDENTS, N_COACHES, N_SKILLS, N_DEPARTMENTS = 4, 6, 3, 3, 3

# Few labels and few people make ties likely, which is what the rank rules are about.
labels = st.sampled_from(list(LABEL_TIERS))
weights = st.fixed_dictionaries({tier: st.integers(0, 6) for tier in TIERS})


@st.composite
def scenarios(draw):
    competitions = draw(
        st.lists(
            st.fixed_dictionaries(
                {"weights": weights, "year": st.integers(2021, 2023), "level": st.sampled_from(LEVELS)}
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
                    "selection": st.booleans(),
                    "skill": st.integers(0, N_SKILLS - 1),
                }
            ),
            min_size=1,
            max_size=5,
        )
    )
    entries = draw(
        st.lists(
            st.fixed_dictionaries(
                {
                    "event": st.integers(0, len(events) - 1),
                    "organization": st.integers(0, N_ORGANIZATIONS - 1),
                    "members": st.lists(st.integers(0, N_STUDENTS - 1), unique=True, max_size=3),
                    "coaches": st.lists(st.integers(0, N_COACHES - 1), unique=True, max_size=2),
                    "label": labels,
                }
            ),
            max_size=12,
        )
    )
    departments = draw(
        st.lists(st.sampled_from([None, *range(N_DEPARTMENTS)]), min_size=N_STUDENTS, max_size=N_STUDENTS)
    )
    organizations = st.sets(st.integers(0, N_ORGANIZATIONS - 1), max_size=2)
    return {
        "competitions": competitions,
        "events": events,
        "entries": entries,
        "departments": departments,
        "unranked": draw(organizations),
        "excluded": draw(organizations),
    }


@dataclass
class Recorded:
    """One entry as created, in the terms of the drawn scenario plus the objects' keys."""

    entry: Entry
    competition: dict
    year: int
    level: str
    selection: bool
    organization: int
    students: list[int]
    departments: set[int]
    coaches: list[int]
    skill: int
    tier: str | None


def record(scenario) -> tuple[list[Recorded], dict]:
    """Create the scenario's objects and entries; return the entries and the objects by kind."""
    departments = [make_department() for _ in range(N_DEPARTMENTS)]
    organizations = [make_organization(f"单位{i}", is_home=i == 0) for i in range(N_ORGANIZATIONS)]
    students = [
        make_student(f"选手{i}", department=departments[d] if d is not None else None)
        for i, d in enumerate(scenario["departments"])
    ]
    coaches = [make_coach(f"教练{i}") for i in range(N_COACHES)]
    competitions = [
        make_competition(
            year=spec["year"],
            level=spec["level"],
            **{f"weight_{tier}": w for tier, w in spec["weights"].items()},
        )
        for spec in scenario["competitions"]
    ]
    skills = [Skill.objects.create(name=f"技能{i}") for i in range(N_SKILLS)]
    events = [
        make_event(
            competitions[spec["competition"]],
            skill=skills[spec["skill"]],
            is_team=spec["team"],
            is_selection=spec["selection"],
        )
        for spec in scenario["events"]
    ]
    recorded, taken = [], defaultdict(set)
    for spec in scenario["entries"]:
        event_spec = scenario["events"][spec["event"]]
        # A student enters an event once (rule 7), and an individual event has one member.
        members = [i for i in spec["members"] if i not in taken[spec["event"]]]
        if not event_spec["team"]:
            members = members[:1]
        taken[spec["event"]].update(members)
        entry = make_entry(
            events[spec["event"]],
            members=[students[i] for i in members],
            coaches=[coaches[i] for i in spec["coaches"]],
            organization=organizations[spec["organization"]],
            award=spec["label"],
        )
        competition = scenario["competitions"][event_spec["competition"]]
        recorded.append(
            Recorded(
                entry=entry,
                competition=competition,
                year=competition["year"],
                level=competition["level"],
                selection=event_spec["selection"],
                organization=spec["organization"],
                students=members,
                departments={scenario["departments"][i] for i in members} - {None},
                coaches=list(spec["coaches"]),
                skill=event_spec["skill"],
                tier=LABEL_TIERS[spec["label"]],
            )
        )
    objects = {
        "organization": organizations,
        "student": students,
        "department": departments,
        "coach": coaches,
        "skill": skills,
    }
    return recorded, objects


def groups_of(entry: Recorded, by: str) -> set[int]:
    """The indexes of the groups an entry counts for: once per organization, member, department
    of its members, coach, and under its skill. Every table but the organization table is the
    college's (rule 9): organization 0 is the home college, every student is a home student and
    every coach a home teacher."""
    if by != "organization" and not (entry.organization == 0 or entry.students or entry.coaches):
        return set()
    return {
        "organization": {entry.organization},
        "student": set(entry.students),
        "department": entry.departments,
        "coach": set(entry.coaches),
        "skill": {entry.skill},
    }[by]


def recount(entries: list[Recorded], by: str, *, excluded: set[int]) -> dict[int, dict]:
    """The medal table by brute force: group index → counts per tier and points."""
    rows: dict[int, dict] = {}
    for entry in entries:
        # Left-out organizations leave the organization table only (rule 6); the college's tables
        # count its entries whatever organization they compete for (rule 9).
        if (by == "organization" and entry.organization in excluded) or entry.tier is None:
            continue
        for group in groups_of(entry, by):
            row = rows.setdefault(group, {**{tier: 0 for tier in TIERS}, "points": 0})
            row[entry.tier] += 1
            row["points"] += entry.competition["weights"][entry.tier]
    # A table lists who won a medal, or points (when "other" awards are worth some).
    return {group: row for group, row in rows.items() if sum(row[t] for t in MEDALS) or row["points"]}


def order_key(row, order: str) -> tuple:
    counts = tuple(getattr(row, tier) for tier in MEDALS)
    return {"tiers": counts, "total": (sum(counts),), "points": (row.points,)}[order]


class TestMedalTablesEqualABruteForceRecount(TestCase):
    @settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
    @given(scenarios())
    def test_every_table_in_every_order(self, scenario):
        entries, objects = record(scenario)
        unranked, excluded = scenario["unranked"], scenario["excluded"]
        organization_keys = [organization.pk for organization in objects["organization"]]
        for selection_only in (False, True):
            counted = [entry for entry in entries if entry.selection or not selection_only]
            queryset = Entry.objects.all()
            if selection_only:
                queryset = queryset.selection_events()
            for by in BYS:
                expected = recount(counted, by, excluded=excluded)
                keys = {index: obj.pk for index, obj in enumerate(objects[by])}
                expected = {keys[group]: row for group, row in expected.items()}
                for order in ORDERS:
                    table = medal_table(
                        queryset,
                        by=by,
                        order=order,
                        unranked=[organization_keys[i] for i in unranked],
                        exclude=[organization_keys[i] for i in excluded],
                    )
                    context = f"by={by} order={order} selection={selection_only}"
                    got = {
                        row.key: {**{t: getattr(row, t) for t in TIERS}, "points": row.points}
                        for row in table
                    }
                    assert got == expected, context
                    assert len(table) == len(got), f"a group listed twice: {context}"
                    self.check_ranks(
                        table, by, order, unranked={organization_keys[i] for i in unranked}, context=context
                    )
                if by == "organization":
                    # Rule 5: every counted entry with a medal is one medal in the organizations' table.
                    medals = sum(1 for e in counted if e.tier in MEDALS and e.organization not in excluded)
                    assert (
                        sum(
                            row.total
                            for row in medal_table(
                                queryset, by=by, exclude=[organization_keys[i] for i in excluded]
                            )
                        )
                        == medals
                    )

    def check_ranks(self, table, by, order, *, unranked, context):
        ranked = [row for row in table if not (by == "organization" and row.key in unranked)]
        for row in table:
            if by == "organization" and row.key in unranked:
                assert row.rank is None, context  # rule 6: shown without a rank
            else:
                # Rule 3: competition ranking, 1 + the number of ranked rows strictly better.
                better = sum(1 for other in ranked if order_key(other, order) > order_key(row, order))
                assert row.rank == 1 + better, context
        for first, second in zip(table, table[1:], strict=False):
            assert order_key(first, order) >= order_key(second, order), context
            if order_key(first, order) == order_key(second, order):
                assert order_key(first, "tiers") >= order_key(second, "tiers"), context
        ranks = [row.rank for row in ranked]
        assert ranks == sorted(ranks), context
        if ranks:
            assert ranks[0] == 1, context
