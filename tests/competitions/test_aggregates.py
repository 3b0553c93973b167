"""The tally tables stay equal to a recount of the entries however results change."""

import io

import pytest
from django.core.management import CommandError, call_command
from django.urls import reverse

from competitions.aggregates import rebuild, refresh_competitions, verify
from competitions.importing import import_sheet
from competitions.models import Award, Entry, TallyKind, TallySize, TallyTotal, Tier
from competitions.tallies import medal_table
from tests.factories import (
    home_organization,
    make_coach,
    make_competition,
    make_department,
    make_entry,
    make_event,
    make_student,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def results():
    home_organization()
    competition = make_competition("省赛", level="provincial", weight_gold=5)
    team = make_event(competition, name="机电一体化", is_team=True)
    solo = make_event(competition, name="焊接")
    robotics = make_department("机器人系")
    alice, bob = make_student("甲", department=robotics), make_student("乙", department=robotics)
    coach = make_coach("刘欢")
    gold = make_entry(team, members=[alice, bob], award="金牌", coaches=[coach])
    make_entry(team, members=["外甲", "外乙"], award="金牌", organization="外校")
    make_entry(solo, members=[make_student("丙")], award="优胜奖")
    return {"competition": competition, "gold": gold, "alice": alice, "bob": bob, "robotics": robotics}


def total(kind, key):
    row = TallyTotal.objects.get(kind=kind, key=key)
    return row.gold, row.total, row.points


def test_recording_keeps_the_tables_equal_to_a_recount(results):
    assert verify() == []
    assert total(TallyKind.STUDENT, results["alice"].pk) == (1, 1, 5)
    assert total(TallyKind.DEPARTMENT, results["robotics"].pk) == (1, 1, 5)  # one team, counted once


def test_an_import_keeps_them_equal(results):
    sheet = "赛事,年份,级别,赛项,单位,选手,奖项\n省赛,2023,省级,焊接,外校,某人,金牌\n国赛,2024,国家级,焊接,外校,,铜牌\n"
    assert import_sheet(sheet.encode(), "r.csv").errors == []
    assert verify() == []


def test_a_refresh_of_many_competitions_in_groups_equals_a_recount(results, monkeypatch):
    from competitions import aggregates

    monkeypatch.setattr(aggregates, "REFRESH_GROUP", 2)
    monkeypatch.setattr(aggregates, "CHUNK", 3)
    rows = [f"赛{n},{2020 + n % 3},省级,焊接,外校,某人{n},金牌" for n in range(7)]
    rows += [f"赛{n},{2020 + n % 3},省级,焊接,本校技师学院,{results['alice'].name},银牌" for n in range(7)]
    sheet = "赛事,年份,级别,赛项,单位,选手,奖项\n" + "\n".join(rows) + "\n"
    assert import_sheet(sheet.encode(), "r.csv").errors == []
    assert verify() == []
    assert total(TallyKind.STUDENT, results["alice"].pk)[1] == 8


@pytest.fixture
def admin_client(client, django_user_model):
    admin = django_user_model.objects.create_superuser("root", password="a-long-test-password")
    client.force_login(admin)
    return client


def test_changing_an_awards_tier_in_the_admin_recounts(results, admin_client):
    award = Award.objects.get(label="优胜奖")
    response = admin_client.post(
        reverse("admin:competitions_award_change", args=[award.pk]), {"label": "优胜奖", "tier": Tier.BRONZE}
    )
    assert response.status_code == 302
    assert verify() == []


def test_moving_a_student_to_another_department_in_the_admin_recounts(results, admin_client):
    other = make_department("汽车系")
    alice = results["alice"]
    response = admin_client.post(
        reverse("admin:students_student_change", args=[alice.pk]),
        {
            "name": alice.name,
            "name_pinyin": alice.name_pinyin,
            "name_initials": alice.name_initials,
            "department": other.pk,
            "student_number": "",
            "class_name": "",
            "cohort_year": "",
            "training_level": "",
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    assert verify() == []
    assert total(TallyKind.DEPARTMENT, other.pk) == (1, 1, 5)


def test_deleting_an_entry_in_the_admin_recounts_and_restoring_it_too(results, admin_client):
    gold = results["gold"]
    admin_client.post(reverse("admin:competitions_entry_delete", args=[gold.pk]), {"post": "yes"})
    assert not Entry.objects.filter(pk=gold.pk).exists()
    assert verify() == []
    assert not TallyTotal.objects.filter(kind=TallyKind.STUDENT, key=results["alice"].pk).exists()
    admin_client.post(reverse("competitions:entry-restore", args=[gold.pk]))
    assert verify() == []
    assert total(TallyKind.STUDENT, results["alice"].pk) == (1, 1, 5)


def size(kind) -> int:
    return TallySize.objects.filter(kind=kind).values_list("rows", flat=True).first() or 0


def test_the_stored_sizes_follow_rows_coming_into_and_out_of_the_tables(results, admin_client):
    # 甲 and 乙 have a gold; 丙's excellence award counts too (tier excellence is in the total).
    assert size(TallyKind.STUDENT) == 3
    assert size(TallyKind.ORGANIZATION) == 2
    admin_client.post(reverse("admin:competitions_entry_delete", args=[results["gold"].pk]), {"post": "yes"})
    assert size(TallyKind.STUDENT) == 1
    assert verify() == []
    # A student with an entry but nothing won is not in the table: the size does not count them.
    make_entry(results["competition"].events.get(name="焊接"), members=[make_student("丁")], award=None)
    assert TallyTotal.objects.filter(kind=TallyKind.STUDENT, total=0, points=0).exists()
    assert size(TallyKind.STUDENT) == 1
    admin_client.post(reverse("competitions:entry-restore", args=[results["gold"].pk]))
    assert size(TallyKind.STUDENT) == 3
    assert verify() == []


def test_verify_reports_a_wrong_stored_size_and_the_fix_repairs_it(results):
    TallySize.objects.filter(kind=TallyKind.STUDENT).update(rows=99)
    assert verify() == ["size of the all-time student table: stored 99, recount 3"]
    rebuild()
    assert verify() == [] and size(TallyKind.STUDENT) == 3


def test_the_stored_entry_count_follows_the_entries_and_verify_checks_it(results, admin_client):
    competition = results["competition"]
    competition.refresh_from_db()
    assert competition.entry_count == 3
    admin_client.post(reverse("admin:competitions_entry_delete", args=[results["gold"].pk]), {"post": "yes"})
    competition.refresh_from_db()
    assert competition.entry_count == 2
    type(competition).objects.filter(pk=competition.pk).update(entry_count=7)
    assert verify() == [f"entries of competition {competition.pk}: stored 7, counted 2"]
    rebuild()
    assert verify() == []


def test_the_stored_medal_count_follows_the_tallies_and_verify_checks_it(results, admin_client):
    competition = results["competition"]

    def shown_in_its_medal_table() -> int:
        response = admin_client.get(competition.get_absolute_url(), {"by": "organization"})
        return sum(row.total for row in response.context["medal_rows"])

    def listed() -> int:
        response = admin_client.get(reverse("competitions:competition-list"))
        rows = response.context["table"].page.object_list
        return {row.record.pk: row.record.n_medals for row in rows}[competition.pk]

    competition.refresh_from_db()
    assert competition.medal_count == listed() == shown_in_its_medal_table() == 3
    admin_client.post(reverse("admin:competitions_entry_delete", args=[results["gold"].pk]), {"post": "yes"})
    competition.refresh_from_db()
    assert competition.medal_count == listed() == shown_in_its_medal_table() == 2
    type(competition).objects.filter(pk=competition.pk).update(medal_count=9)
    assert verify() == [f"medals of competition {competition.pk}: stored 9, counted 2"]
    rebuild()
    assert verify() == [] and listed() == 2


def test_deleting_a_whole_competition_in_the_admin_recounts(results, admin_client):
    competition = results["competition"]
    admin_client.post(
        reverse("admin:competitions_competition_delete", args=[competition.pk]), {"post": "yes"}
    )
    assert verify() == []
    assert not TallyTotal.objects.exists()


def test_a_weight_change_recounts_the_points(results):
    competition = results["competition"]
    competition.weight_gold = 10
    competition.save()
    refresh_competitions([competition.pk])
    assert verify() == []
    assert total(TallyKind.STUDENT, results["alice"].pk) == (1, 1, 10)


def test_verify_reports_a_difference_and_the_command_fails_until_fixed(results):
    TallyTotal.objects.filter(kind=TallyKind.ORGANIZATION).update(gold=99)
    problems = verify()
    assert problems and "all-time" in problems[0]
    with pytest.raises(CommandError):
        call_command("verify_tallies", stdout=io.StringIO())
    out = io.StringIO()
    call_command("verify_tallies", "--fix", stdout=out)
    assert "equal" in out.getvalue()
    assert verify() == []


def test_rebuild_gives_the_same_tables_as_the_step_by_step_updates(results):
    before = sorted(TallyTotal.objects.values_list("kind", "key", "gold", "total", "points", "entries"))
    rebuild()
    assert (
        sorted(TallyTotal.objects.values_list("kind", "key", "gold", "total", "points", "entries")) == before
    )


def test_the_competition_page_caches_its_results_until_they_change(
    results, client, django_user_model, django_assert_max_num_queries
):
    from django.core.cache import cache

    cache.clear()
    from django.contrib.auth.models import Group

    user = django_user_model.objects.create_user("t", password="a-long-test-password")
    user.groups.add(Group.objects.get(name="teachers"))
    client.force_login(user)
    url = results["competition"].get_absolute_url()
    first = client.get(url).content.decode()
    assert "外甲" in first
    # The events and their entries come from the cache (12: with the count of unconfirmed results,
    # the medal table's stored tallies and names, and the events' entry counts that cut them into pages).
    with django_assert_max_num_queries(12):
        client.get(url)
    make_entry(
        results["competition"].events.get(name="焊接"),
        members=["新来的选手"],
        award="铜牌",
        organization="外校",
    )
    assert "新来的选手" in client.get(url).content.decode()


@pytest.mark.parametrize("order", ["tiers", "total", "points"])
def test_all_time_pages_from_the_tally_tables_equal_the_recounted_table(order):
    from competitions.tallies import TallyRows

    home_organization()
    awards = ["金牌", "银牌", "铜牌", "优胜奖", "金牌", None]
    for index in range(23):
        event = make_event(is_team=index % 3 == 0)
        members = [make_student(f"生{index}")] + ([make_student(f"伴{index}")] if index % 3 == 0 else [])
        make_entry(event, members=members, award=awards[index % 6], organization=f"单位{index % 4}")
        make_entry(event, award=awards[(index + 2) % 6], organization=f"单位{index % 5}")
    for kind in ("organization", "student"):
        expected = [
            (row.key, row.rank, row.tier_counts(), row.points)
            for row in medal_table(Entry.objects.all(), by=kind, order=order)
        ]
        rows = TallyRows(kind, order)
        assert len(rows) == len(expected)
        # Read in pages of 4, as a table would: ranks continue across pages; ties share them.
        paged = [row for start in range(0, len(rows), 4) for row in rows[start : start + 4]]
        got = [(row.key, row.rank, row.tier_counts(), row.points) for row in paged]
        assert sorted(got) == sorted(expected)
        assert [rank for _key, rank, _counts, _points in got] == sorted(r for _k, r, _c, _p in expected)


def test_a_page_of_an_all_time_table_is_read_and_counted_in_one_query(django_assert_num_queries):
    """A table of TallyRows paged by CountingPaginator reads a page with the table's stored size
    in the rows' query; the pages agree with the table read whole, and a page past the last is
    refused as Paginator refuses it."""
    import django_tables2
    from django.core.paginator import EmptyPage

    from competitions.pagination import CountingPaginator
    from competitions.tables import PagedRows
    from competitions.tallies import TallyRows

    class Table(django_tables2.Table):
        name = django_tables2.Column()

    def paged(by: str, number: int) -> Table:
        table = Table(PagedRows(TallyRows(by, "tiers")))
        table.paginate(paginator_class=CountingPaginator, per_page=3, page=number)
        return table

    home_organization()
    for index in range(7):
        make_entry(make_event(), award=["金牌", "银牌", "铜牌"][index % 3], organization=f"单位{index}")
    whole = list(TallyRows("organization", "tiers"))
    assert len(whole) == 7
    for number, expected in ((1, whole[:3]), (2, whole[3:6]), (3, whole[6:])):
        # The rows, their names and the table's size in one query; below the first page, one more
        # for the first row's rank (the rows better than it).
        with django_assert_num_queries(1 if number == 1 else 2):
            table = paged("organization", number)
            assert table.paginator.count == 7
        shown = [(row.record.key, row.record.rank) for row in table.page.object_list]
        assert shown == [(row.key, row.rank) for row in expected]
        assert (table.paginator.num_pages, table.page.has_next()) == (3, number < 3)
    with pytest.raises(EmptyPage):
        paged("organization", 4)
    empty = paged("coach", 1)
    assert (list(empty.page.object_list), empty.paginator.count) == ([], 0)
