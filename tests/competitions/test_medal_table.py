import pytest
from hypothesis import given
from hypothesis import strategies as st

from competitions.models import Entry
from competitions.tallies import MedalRow, medal_table, rank_rows
from tests.factories import (
    make_coach,
    make_competition,
    make_department,
    make_entry,
    make_event,
    make_organization,
    make_student,
)


def table(entries=None, **options):
    rows = medal_table((entries if entries is not None else Entry.objects.all()), **options)
    return {row.name: row for row in rows}


@pytest.mark.django_db
def test_team_gold_counts_once_for_the_organization_and_once_per_member():
    event = make_event(is_team=True)
    alice, bob = make_student("李文博"), make_student("郑泽鑫")
    make_entry(event, members=[alice, bob], award="金牌", organization="甲学院")

    by_org = table(by="organization")
    assert (by_org["甲学院"].gold, by_org["甲学院"].total) == (1, 1)
    by_student = table(by="student")
    assert by_student["李文博"].gold == 1
    assert by_student["郑泽鑫"].gold == 1


@pytest.mark.django_db
def test_two_teams_of_one_organization_with_the_same_award_count_twice():
    event = make_event(is_team=True)
    make_entry(event, members=["甲", "乙"], award="铜牌", organization="甲学院")
    make_entry(event, members=["丙", "丁"], award="铜牌", organization="甲学院")
    make_entry(event, members=[], award="铜牌", organization="甲学院")
    assert table()["甲学院"].bronze == 3


@pytest.mark.django_db
def test_a_department_counts_a_team_of_its_own_students_once():
    department = make_department("机器人系")
    event = make_event(is_team=True)
    make_entry(
        event,
        members=[make_student(department=department), make_student(department=department)],
        award="金牌",
    )
    row = table(by="department")["机器人系"]
    assert (row.gold, row.total, row.points) == (1, 1, 4)


@pytest.mark.django_db
def test_a_coach_counts_each_coached_entry_once():
    coach = make_coach("刘欢")
    competition = make_competition()
    make_entry(make_event(competition, is_team=True), members=["甲", "乙"], award="金牌", coaches=[coach])
    make_entry(make_event(competition), members=["丙"], award="银牌", coaches=[coach, make_coach()])
    row = table(by="coach")["刘欢"]
    assert (row.gold, row.silver, row.total) == (1, 1, 2)


@pytest.mark.django_db
def test_ties_share_a_rank_and_the_next_rank_skips():
    event = make_event()
    for org, award in [("A", "金牌"), ("B", "银牌"), ("C", "银牌"), ("D", "铜牌")]:
        make_entry(event, organization=org, award=award)
    ranks = [(row.name, row.rank) for row in medal_table(Entry.objects.all())]
    assert ranks == [("A", 1), ("B", 2), ("C", 2), ("D", 4)]


@pytest.fixture
def three_orders():
    """A has 1 gold; B has 2 silver; C has 1 silver and 3 excellence."""
    event = make_event(is_team=True)
    make_entry(event, organization="A", award="金牌")
    make_entry(event, organization="B", award="银牌")
    make_entry(event, organization="B", award="银牌")
    make_entry(event, organization="C", award="银牌")
    for _ in range(3):
        make_entry(event, organization="C", award="优胜奖")


@pytest.mark.django_db
def test_order_by_tiers_puts_gold_first(three_orders):
    assert [row.name for row in medal_table(Entry.objects.all(), order="tiers")] == ["A", "B", "C"]


@pytest.mark.django_db
def test_order_by_total_counts_every_medal_alike(three_orders):
    rows = medal_table(Entry.objects.all(), order="total")
    assert [(row.name, row.total, row.rank) for row in rows] == [("C", 4, 1), ("B", 2, 2), ("A", 1, 3)]


@pytest.mark.django_db
def test_order_by_points_uses_the_competitions_weights(three_orders):
    # gold 4, silver 3, excellence 1 by default: A 4, B 6, C 6 → B and C share first place.
    rows = medal_table(Entry.objects.all(), order="points")
    assert [(row.name, row.points, row.rank) for row in rows] == [("B", 6, 1), ("C", 6, 1), ("A", 4, 3)]


@pytest.mark.django_db
def test_points_use_each_competitions_own_weights():
    worldskills = make_competition("世赛", weight_gold=10)
    make_entry(make_event(worldskills), organization="A", award="金牌")
    make_entry(make_event(make_competition("省赛")), organization="A", award="金牌")
    assert table(order="points")["A"].points == 14


@pytest.mark.django_db
def test_a_table_can_be_restricted_to_selection_events():
    competition = make_competition()
    selection = make_event(competition, name="移动机器人", is_selection=True)
    other = make_event(competition, name="茶艺")
    make_entry(selection, organization="A", award="金牌")
    make_entry(other, organization="A", award="金牌")
    make_entry(other, organization="B", award="银牌")
    rows = medal_table(Entry.objects.for_competition(competition).selection_events())
    assert [(row.name, row.gold) for row in rows] == [("A", 1)]


@pytest.mark.django_db
def test_an_unranked_organization_keeps_its_medals_and_the_ranks_below_do_not_shift():
    event = make_event()
    guest = make_organization("邀请队")
    make_entry(event, organization="A", award="金牌")
    make_entry(event, organization=guest, award="金牌")
    make_entry(make_event(), organization=guest, award="金牌")
    make_entry(event, organization="B", award="银牌")
    rows = medal_table(Entry.objects.all(), unranked={guest.pk})
    assert [(row.name, row.rank) for row in rows] == [("邀请队", None), ("A", 1), ("B", 2)]


@pytest.mark.django_db
def test_an_excluded_organization_is_left_out():
    event = make_event()
    guest = make_organization("邀请队")
    make_entry(event, organization=guest, award="金牌")
    make_entry(event, organization="A", award="银牌")
    rows = medal_table(Entry.objects.all(), exclude={guest.pk})
    assert [(row.name, row.rank) for row in rows] == [("A", 1)]


@pytest.mark.django_db
def test_other_awards_and_no_award_are_not_medals():
    event = make_event()
    make_entry(event, organization="A", award="入围国家集训队")
    make_entry(event, organization="B", award=None)
    make_entry(event, organization="C", award="特等奖")
    assert [row.name for row in medal_table(Entry.objects.all())] == ["C"]


@pytest.mark.django_db
def test_a_medal_table_is_one_query_whatever_the_size(django_assert_max_num_queries):
    competition = make_competition()
    for index in range(30):
        make_entry(
            make_event(competition, is_team=True),
            organization=f"学院{index % 7}",
            members=[make_student(), make_student()],
            award=["金牌", "银牌", "铜牌", "优胜奖"][index % 4],
            coaches=[make_coach()],
        )
    for by in ("organization", "department", "student", "coach"):
        with django_assert_max_num_queries(1):
            medal_table(Entry.objects.for_competition(competition), by=by, order="points")


def test_an_unknown_grouping_or_order_is_refused():
    with pytest.raises(ValueError):
        rank_rows([], "alphabetical")


# Rank invariants on any rows, for every ordering (pure function, no database).
counts = st.integers(min_value=0, max_value=4)
rows_strategy = st.lists(
    st.builds(
        MedalRow,
        key=st.integers(),
        name=st.text(max_size=3),
        special=counts,
        gold=counts,
        silver=counts,
        bronze=counts,
        excellence=counts,
        points=st.integers(min_value=0, max_value=40),
        ranked=st.booleans(),
    ),
    max_size=12,
)


@given(rows_strategy, st.sampled_from(["tiers", "total", "points"]))
def test_ranks_are_competition_ranks_of_the_chosen_key(rows, order):
    from competitions.tallies import order_key

    ranked = rank_rows(rows, order)
    assert sorted(map(id, ranked)) == sorted(map(id, rows))
    keys = [order_key(row, order) for row in ranked]
    assert keys == sorted(keys, reverse=True)
    for row in ranked:
        if not row.ranked:
            assert row.rank is None
            continue
        better = sum(
            1 for other in ranked if other.ranked and order_key(other, order) > order_key(row, order)
        )
        assert row.rank == better + 1


@pytest.mark.django_db
def test_a_competitions_stored_table_is_its_counted_table():
    """competition_medal_table (the stored tallies) gives medal_table's rows for every competition
    of the demo — organizations left out and out of the ranking, teams, unnamed entries, the
    placeholder skill — in every grouping and order."""
    from competitions.demo import load_demo
    from competitions.models import Competition
    from competitions.tallies import ORDERS, TABLES, competition_medal_table

    load_demo()
    compared = 0
    for competition in Competition.objects.prefetch_related(
        "unranked_organizations", "excluded_organizations"
    ):
        unranked = [o.pk for o in competition.unranked_organizations.all()]
        exclude = [o.pk for o in competition.excluded_organizations.all()]
        for by in TABLES:
            for order in ORDERS:
                counted = medal_table(
                    Entry.objects.for_competition(competition),
                    by=by,
                    order=order,
                    unranked=unranked,
                    exclude=exclude,
                )
                stored = competition_medal_table(competition, by=by, order=order, unranked=unranked)
                assert stored == counted, (competition.name, by, order)
                compared += len(counted)
    assert compared > 100
