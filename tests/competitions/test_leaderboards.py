"""Leaderboards, the tallies pivot with its drill-down, the annual summary and the weights page."""

import io
import re
from html import unescape

import pytest
from django.contrib.auth.models import Group
from django.urls import reverse
from openpyxl import load_workbook

from competitions import roles
from competitions.aggregates import refresh_competitions, verify
from competitions.demo import HOME_COLLEGE, load_demo
from competitions.models import Award, Competition, Entry, Level, Organization, Skill, Tier
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

LEADERBOARD = reverse("competitions:leaderboard")
PIVOT = reverse("competitions:pivot")
PIVOT_ENTRIES = reverse("competitions:pivot-entries")
SUMMARY = reverse("competitions:annual-summary")


def summary_xlsx(year: int) -> str:
    return reverse("competitions:annual-summary-xlsx", args=[year])


@pytest.fixture
def demo():
    load_demo()
    return Competition.objects.get(name="中华人民共和国第二届职业技能大赛", year=2023)


@pytest.fixture
def office_client(client, django_user_model):
    user = django_user_model.objects.create_user("office-user", password="a-long-test-password")
    user.groups.add(Group.objects.get(name=roles.OFFICE))
    client.force_login(user)
    return client


@pytest.fixture
def teacher_client(client, django_user_model):
    user = django_user_model.objects.create_user("teacher-user", password="a-long-test-password")
    user.groups.add(Group.objects.get(name=roles.TEACHERS))
    client.force_login(user)
    return client


def rows(response) -> list[tuple]:
    return [(row.record.name, row.record.rank, row.record.total) for row in response.context["table"].rows]


# Every page with the demo data (the 2023 annual report)


DEMO_PAGES = [
    LEADERBOARD,
    *(f"{LEADERBOARD}?by={by}" for by in ["students", "coaches", "departments", "skills", "organizations"]),
    f"{LEADERBOARD}?by=organizations&order=points&year_from=2023&year_to=2023&level=national",
    f"{LEADERBOARD}?by=students&selection=on&sort=-gold",
    PIVOT,
    f"{PIVOT}?category=skills",
    f"{PIVOT_ENTRIES}?year=2023&level=national&tier=gold",
    SUMMARY,
    f"{SUMMARY}?year=2023&category=skills",
]


def test_every_page_renders_for_a_teacher_with_the_demo_data(teacher_client, demo):
    statuses = {url: teacher_client.get(url).status_code for url in DEMO_PAGES}
    assert statuses == {url: 200 for url in DEMO_PAGES}


def test_the_demo_national_medals_show_in_the_organizations_leaderboard(teacher_client, demo):
    response = teacher_client.get(
        LEADERBOARD, {"by": "organizations", "level": "national", "category": "skills"}
    )
    home = next(row.record for row in response.context["table"].rows if row.record.name == HOME_COLLEGE)
    # 6.3: 2 金 2 银 4 铜 3 优胜 at the national games, plus the 振兴杯 金奖 and 银奖.
    assert (home.gold, home.silver, home.bronze, home.excellence) == (3, 3, 4, 3)


def test_department_pivot_renders_with_the_demo_data(teacher_client, demo):
    department = Entry.objects.filter(members__student__department__name="机器人系").values_list(
        "members__student__department", flat=True
    )[0]
    response = teacher_client.get(PIVOT, {"department": department})
    assert response.status_code == 200
    assert response.context["years"][0]["total"]["total"] == 6


# Leaderboards


@pytest.fixture
def medals():
    """Two students of one department share a team gold; one of them also won a bronze alone,
    coached; another department's student won a silver in 2021 at provincial level."""
    robotics, cars = make_department("机器人系"), make_department("汽车系")
    alice = make_student("李文博", department=robotics)
    bob = make_student("郑泽鑫", department=robotics)
    carol = make_student("周焯祺", department=cars)
    coach = make_coach("刘老师")
    national = make_competition("全国赛", year=2023, level="national")
    make_entry(make_event(national, name="移动机器人", is_team=True), members=[alice, bob], award="金牌")
    make_entry(make_event(national, name="机电一体化"), members=[alice], award="铜牌", coaches=[coach])
    provincial = make_competition("省赛", year=2021, level="provincial", category="innovation")
    make_entry(make_event(provincial, name="汽车维修"), members=[carol], award="银牌")
    return {"alice": alice, "bob": bob, "carol": carol, "coach": coach, "robotics": robotics}


def test_a_team_medal_counts_once_for_each_member(user_client, medals):
    response = user_client.get(LEADERBOARD, {"by": "students"})
    assert rows(response) == [("李文博", 1, 2), ("郑泽鑫", 2, 1), ("周焯祺", 3, 1)]


def test_a_department_counts_a_team_of_its_students_once(user_client, medals):
    response = user_client.get(LEADERBOARD, {"by": "departments"})
    assert rows(response) == [("机器人系", 1, 2), ("汽车系", 2, 1)]


def test_leaderboards_filter_by_year_range_level_and_category(user_client, medals):
    assert [r[0] for r in rows(user_client.get(LEADERBOARD, {"year_from": 2022}))] == ["李文博", "郑泽鑫"]
    assert [r[0] for r in rows(user_client.get(LEADERBOARD, {"year_to": 2022}))] == ["周焯祺"]
    assert [r[0] for r in rows(user_client.get(LEADERBOARD, {"level": "provincial"}))] == ["周焯祺"]
    assert [r[0] for r in rows(user_client.get(LEADERBOARD, {"category": "innovation"}))] == ["周焯祺"]


def test_leaderboards_filter_by_skill(user_client, medals):
    skill = Entry.objects.get(event__name="机电一体化").event.skill
    response = user_client.get(LEADERBOARD, {"skill": skill.pk})
    assert rows(response) == [("李文博", 1, 1)]


def test_coaches_and_skills_leaderboards(user_client, medals):
    assert rows(user_client.get(LEADERBOARD, {"by": "coaches"})) == [("刘老师", 1, 1)]
    # Skills count the home college's entries (the factories' default organization).
    skills = rows(user_client.get(LEADERBOARD, {"by": "skills"}))
    assert skills == [("移动机器人", 1, 1), ("汽车维修", 2, 1), ("机电一体化", 3, 1)]


def test_the_order_param_changes_the_ranking(user_client, medals):
    make_entry(make_event(), members=[medals["carol"]], award="优胜奖")
    make_entry(make_event(), members=[medals["carol"]], award="优胜奖")
    by_tiers = [r[0] for r in rows(user_client.get(LEADERBOARD, {"order": "tiers"}))]
    by_total = [r[0] for r in rows(user_client.get(LEADERBOARD, {"order": "total"}))]
    assert by_tiers == ["李文博", "郑泽鑫", "周焯祺"]
    assert by_total == ["周焯祺", "李文博", "郑泽鑫"]


def test_ties_share_a_rank(user_client):
    for name in ["甲", "乙"]:
        make_entry(make_event(), members=[make_student(name)], award="金牌")
    make_entry(make_event(), members=[make_student("丙")], award="银牌")
    assert [r[1] for r in rows(user_client.get(LEADERBOARD))] == [1, 1, 3]


def test_an_organization_left_out_of_a_competitions_table_is_left_out_of_that_competition_here(user_client):
    left_out, counted = make_competition("A"), make_competition("B")
    for competition in (left_out, counted):
        make_entry(make_event(competition), award="金牌", organization="邀请队")
        make_entry(make_event(competition), award="银牌", organization="本校")
    left_out.excluded_organizations.add(Organization.objects.get(name="邀请队"))
    refresh_competitions([left_out.pk])  # what the admin and every write path do after a change
    response = user_client.get(LEADERBOARD, {"by": "organizations"})
    assert rows(response) == [("邀请队", 1, 1), ("本校", 2, 2)]


def test_names_link_to_student_coach_and_department_pages(user_client, medals):
    students = user_client.get(LEADERBOARD, {"by": "students"}).content.decode()
    assert f'href="{medals["alice"].get_absolute_url()}"' in students
    coaches = user_client.get(LEADERBOARD, {"by": "coaches"}).content.decode()
    assert f'href="{medals["coach"].get_absolute_url()}"' in coaches
    departments = user_client.get(LEADERBOARD, {"by": "departments"}).content.decode()
    assert f'href="{PIVOT}?department={medals["robotics"].pk}"' in departments


def test_the_leaderboard_table_is_sortable_and_paginated(user_client):
    for i in range(55):
        make_entry(make_event(), members=[make_student(f"学生{i:02d}")], award="铜牌" if i % 2 else "金牌")
    first = user_client.get(LEADERBOARD)
    assert len(first.context["table"].page.object_list) == 50
    assert len(user_client.get(LEADERBOARD, {"page": 2}).context["table"].page.object_list) == 5
    by_bronze = user_client.get(LEADERBOARD, {"sort": "-bronze"})
    assert by_bronze.context["table"].rows[0].record.bronze == 1


def test_the_all_time_board_reads_only_the_rows_it_shows(user_client, monkeypatch):
    """A page of the stored all-time table reads (and names) its own rows and the chart's, never
    every row."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from competitions.views import leaderboards

    for i in range(12):
        make_entry(make_event(), members=[make_student(f"学生{i:02d}")], award="金牌")
    monkeypatch.setattr(leaderboards.LeaderboardView, "table_pagination", {"per_page": 4})
    monkeypatch.setattr(leaderboards, "CHART_BARS", 3)
    with CaptureQueriesContext(connection) as captured:
        response = user_client.get(LEADERBOARD, {"by": "students", "page": 2})
    assert len(response.context["table"].page.object_list) == 4
    assert response.context["table"].page.paginator.count == 12
    reads = [
        query["sql"]
        for query in captured
        if "competitions_tallytotal" in query["sql"] and "students_student" in query["sql"]
    ]
    assert reads and all(re.search(r"LIMIT [34]\b", sql) for sql in reads), reads


@pytest.mark.parametrize(
    "params",
    [
        {"by": "password", "order": "DROP TABLE"},
        {"year_from": "abc", "level": "evil", "skill": "999999", "sort": "password", "page": "x"},
        {"_connector": "OR", "name__regex": ".*", "category": "<script>"},
        {"year_from": 2024, "year_to": 2020},
    ],
)
def test_invalid_leaderboard_params_show_errors_not_data(user_client, medals, params):
    response = user_client.get(LEADERBOARD, params)
    assert response.status_code == 200
    if set(params) & {"by", "year_from", "category"}:
        assert response.context["form"].errors
        assert list(response.context["table"].rows) == []


def test_a_script_in_a_name_is_escaped_in_the_leaderboard_and_its_chart(user_client):
    name = '<script>alert("x")</script>'
    make_entry(make_event(), members=[make_student(name)], award="金牌")
    content = user_client.get(LEADERBOARD).content.decode()
    assert "<script>" not in content
    assert content.count("&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;") >= 2  # table and chart


# The pivot and its drill-down


@pytest.fixture
def tallies():
    """Home entries over two years and levels, a department's team, and another college's gold."""
    department = make_department("机器人系")
    team = [make_student("甲", department=department), make_student("乙", department=department)]
    national = make_competition("全国赛", year=2023, level="national")
    make_entry(make_event(national, name="团体", is_team=True), members=team, award="一等奖")
    make_entry(make_event(national, name="个人"), members=[make_student("丙")], award="金牌")
    make_entry(make_event(national, name="无名"), award="二等奖")
    make_entry(make_event(national, name="外校"), award="金牌", organization="外校")
    make_entry(make_event(national, name="未获奖"), award=None)
    provincial = make_competition("省赛", year=2022, level="provincial")
    make_entry(make_event(provincial, name="省赛项目"), members=[team[0]], award="铜牌")
    make_entry(make_event(provincial, name="集训"), award="入围国家集训队")
    return department


def pivot_links(response) -> list[tuple[str, int]]:
    """(drill-down URL, the number shown) of every linked cell of the pivot."""
    content = response.content.decode()
    found = re.findall(rf'<a href="({re.escape(PIVOT_ENTRIES)}\?[^"]*)"[^>]*>(\d+)</a>', content)
    return [(unescape(url), int(n)) for url, n in found]


def test_pivot_counts_entries_of_the_home_college_by_year_level_and_tier(user_client, tallies):
    response = user_client.get(PIVOT)
    years = response.context["years"]
    assert [year["year"] for year in years] == [2023, 2022]
    national = years[0]["levels"][0]
    assert national["label"] == Level.NATIONAL.label
    assert {tier: n for tier, n, _url in national["cells"]} == {
        "special": 0,
        "gold": 2,
        "silver": 1,
        "bronze": 0,
        "excellence": 0,
        "other": 0,
    }
    assert national["total"] == 3  # another college's gold and the entry without an award do not count
    assert response.context["grand"]["total"] == 5


@pytest.mark.parametrize("department", [False, True])
def test_every_pivot_cell_drills_down_to_exactly_that_many_entries(user_client, tallies, department):
    params = {"department": tallies.pk} if department else {}
    links = pivot_links(user_client.get(PIVOT, params))
    assert len(links) >= 6
    for url, shown in links:
        response = user_client.get(url)
        assert response.status_code == 200
        assert response.context["table"].paginator.count == shown, url
        assert len(response.context["table"].rows) == shown, url


def test_a_department_pivot_counts_a_team_of_its_students_once(user_client, tallies):
    response = user_client.get(PIVOT, {"department": tallies.pk})
    assert [(year["year"], year["total"]["total"]) for year in response.context["years"]] == [
        (2023, 1),
        (2022, 1),
    ]


def test_the_drill_down_lists_competition_event_members_and_award(user_client, tallies):
    response = user_client.get(PIVOT_ENTRIES, {"year": 2023, "level": "national", "tier": "gold"})
    content = response.content.decode()
    assert [row.record.event.name for row in response.context["table"].rows] == ["个人", "团体"]
    for text in ["全国赛", "团体", "甲", "乙", "一等奖", "金牌"]:
        assert text in content
    assert "外校" not in content


def test_the_drill_down_refuses_bad_filters(user_client, tallies):
    response = user_client.get(PIVOT_ENTRIES, {"year": "x", "tier": "platinum", "department": "0"})
    assert response.status_code == 200
    assert response.context["form"].errors
    assert list(response.context["table"].rows) == []


def test_pivot_without_a_home_college_says_so(user_client):
    assert "home college" in user_client.get(PIVOT).content.decode()


def test_pivot_shows_trend_department_and_skill_charts(user_client, tallies):
    response = user_client.get(PIVOT)
    assert response.content.decode().count("<svg") == 3
    trend = str(response.context["trend_chart"])
    assert trend.index(">2022<") < trend.index(">2023<")  # years run left to right


# The annual summary


def test_the_summary_paragraph_gives_the_counts_by_level_and_tier(user_client):
    home_organization()
    national = make_competition("全国赛", year=2023, level="national")
    for event in ["甲", "乙"]:
        make_entry(make_event(national, name=event), award="一等奖")
    make_entry(make_event(make_competition("省赛", year=2023, level="provincial")), award="二等奖")
    make_entry(make_event(make_competition("旧赛", year=2022, level="national")), award="一等奖")
    response = user_client.get(SUMMARY, {"year": 2023})
    summary = response.context["summary"]
    assert "共获得 2 个国赛一等奖，以及 1 个省赛二等奖。" in summary.paragraph_zh
    assert "2 first prizes at national level; and 1 second prize at provincial level" in summary.paragraph_en
    content = response.content.decode()
    assert "共获得 2 个国赛一等奖，以及 1 个省赛二等奖。" in content
    assert "<textarea" in content


def test_the_summary_defaults_to_the_latest_year_with_entries(user_client):
    home_organization()
    make_entry(make_event(make_competition("旧赛", year=2021)), award="一等奖")
    make_entry(make_event(make_competition("新赛", year=2022)), award="二等奖")
    make_entry(make_event(make_competition("外校赛", year=2024)), award="二等奖", organization="外校")
    assert user_client.get(SUMMARY).context["year"] == 2022


def test_the_summary_names_national_medals_with_events_and_coaches_and_the_squads(user_client):
    home_organization()
    national = make_competition("第二届全国技能大赛", year=2023, level="national")
    student = make_student("蒋家俊")
    make_entry(
        make_event(national, name="移动机器人"),
        members=[student],
        coaches=[make_coach("陈老师")],
        award="金牌",
    )
    squad = make_competition("集训队选拔", year=2023, level="national")
    make_entry(make_event(squad, name="选拔"), members=[make_student("李文博")], award="入围国家集训队")
    make_entry(make_event(squad, name="选拔2"), award="National Training Squad")
    summary = user_client.get(SUMMARY).context["summary"]
    assert "在第二届全国技能大赛中，蒋家俊获得移动机器人项目金牌（指导教师：陈老师）" in summary.paragraph_zh
    assert (
        "此外，李文博等 2 人在集训队选拔中入围国家集训队、National Training Squad。" in summary.paragraph_zh
    )
    assert "蒋家俊 won gold in 移动机器人 (coach: 陈老师)" in summary.paragraph_en


def test_the_summary_xlsx_opens_and_has_a_sheet_per_table(user_client, demo):
    response = user_client.get(summary_xlsx(2023))
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    workbook = load_workbook(io.BytesIO(response.content))
    assert len(workbook.sheetnames) == 7
    levels, medals, squads, _named, departments, _honours, paragraphs = workbook.worksheets
    assert levels["A2"].value == str(Level.NATIONAL.label)
    assert medals.max_row - 1 == len(user_client.get(SUMMARY).context["summary"].medals)
    assert squads.max_row - 1 == 7
    assert departments["A2"].value == "机器人系"
    assert paragraphs["B2"].value.startswith("2023 年，学院师生在各级各类竞赛中取得了丰硕的成果。")


def test_the_summary_xlsx_refuses_an_unknown_category(user_client):
    assert user_client.get(summary_xlsx(2023), {"category": "evil"}).status_code == 400


# Weights


def test_office_changes_the_weights_and_the_points_follow(office_client):
    competition = make_competition("世界技能大赛", year=2023, level="world")
    make_entry(make_event(competition), award="金牌", organization="中国")
    make_entry(make_event(competition), award="Medallion for Excellence", organization="中国")
    url = reverse("competitions:competition-weights", args=[competition.pk])
    assert office_client.get(url).status_code == 200
    weights = {"weight_special": 5, "weight_gold": 10, "weight_silver": 3, "weight_bronze": 2}
    response = office_client.post(url, {**weights, "weight_excellence": 2, "weight_other": 0})
    assert response.status_code == 302
    (row,) = office_client.get(competition.get_absolute_url(), {"order": "points"}).context["medal_rows"]
    assert row.points == 12
    record = competition.history.latest("history_date")
    assert (record.weight_gold, record.history_user.username) == (10, "office-user")
    assert verify() == []  # the stored tallies' points follow the new weights
    assert "office-user" in office_client.get(url).content.decode()


def test_weights_are_whole_numbers_from_0_to_100(office_client):
    competition = make_competition()
    url = reverse("competitions:competition-weights", args=[competition.pk])
    data = {f"weight_{tier}": 1 for tier in ["special", "gold", "silver", "bronze", "excellence", "other"]}
    for bad in [-1, 101, "x"]:
        response = office_client.post(url, {**data, "weight_gold": bad})
        assert response.status_code == 200 and response.context["form"].errors
    competition.refresh_from_db()
    assert competition.weight_gold == 4


def test_a_teacher_reads_the_weights_but_may_not_change_them(teacher_client):
    competition = make_competition()
    url = reverse("competitions:competition-weights", args=[competition.pk])
    page = teacher_client.get(url)
    assert page.status_code == 200
    assert '<form method="post" class="weights-form">' not in page.content.decode()
    assert teacher_client.post(url, {"weight_gold": 9}).status_code == 403
    competition.refresh_from_db()
    assert competition.weight_gold == 4


# Query budgets

# Two queries load the session and the user, two the user's permissions for the navigation bar.
BASE = 4
QUERY_BUDGETS = {
    # years, skill choices, skill lookup, medal table (all-time: a page of tallies, their count, names)
    # + the "未署名" line of the person tables (tallies.unnamed_row), the placeholder skills of the
    # skill table (tallies.mark_placeholders)
    "leaderboard-students": BASE + 5,
    "leaderboard-departments": BASE + 4,
    "leaderboard-coaches": BASE + 5,
    "leaderboard-skills": BASE + 5,
    "leaderboard-organizations": BASE + 4,
    # all-time: years, skill choices, a page of the stored tallies with their names and the table's
    # size (one query: CountingPaginator.counted_page) + the "未署名" line of a person table
    "leaderboard-all-time-organizations": BASE + 3,
    "leaderboard-all-time-students": BASE + 4,
    # years, skill lookup, medal table, unnamed line: an export has no navigation bar, but the role
    # check reads the permissions (2)
    "leaderboard-csv": BASE + 4,
    # home college, department choices, pivot, skill chart + names, department chart + names
    # (the charts and the pivot are read from the stored period tallies)
    "pivot": BASE + 9,  # + the tallies' version, which keys the cached page body; placeholder skills
    # home college, department lookup and choices, pivot, skill chart
    "pivot-department": BASE + 7,  # + placeholder skills
    # home college, department lookup, count, page, members, coaches
    "pivot-entries": BASE + 6,
    # home college, entries, members, coaches
    "pivot-entries-csv": BASE + 4,
    # home college, years, counts, listed entries + members + coaches, departments, skill chart,
    # unconfirmed results of the year, placeholder skills, honours by kind (competitions.honours)
    "summary": BASE + 11,
    "summary-xlsx": BASE + 7,
}


def grow(start: int, stop: int) -> None:
    """Add units `start`..`stop - 1`: each a competition (four years, three levels) with a team
    entry of two home students (three departments) with a coach, a single entry, a squad
    selection, a named award and another college's entry."""
    home = home_organization()
    levels = ["national", "provincial", "world"]
    for i in range(start, stop):
        competition = make_competition(f"赛事{i}", year=2020 + i % 4, level=levels[i % 3])
        department = make_department(f"系{i % 3}")
        team = [
            make_student(f"学生{i}a", department=department),
            make_student(f"学生{i}b", department=department),
        ]
        coach = make_coach(f"教练{i}")
        make_entry(
            make_event(
                competition, name=f"团体{i}", skill=f"技能{i % 3}", is_team=True, is_selection=i % 2 == 0
            ),
            members=team,
            coaches=[coach],
            award=["金牌", "银牌", "铜牌", "优胜奖"][i % 4],
            organization=home,
        )
        make_entry(
            make_event(competition, name=f"个人{i}"), members=[make_student(f"选手{i}")], award="一等奖"
        )
        make_entry(
            make_event(competition, name=f"选拔{i}"),
            members=[make_student(f"集训{i}")],
            award="入围国家集训队",
        )
        make_entry(make_event(competition, name=f"特别{i}"), award="优秀组织奖")
        make_entry(
            make_event(competition, name=f"外校{i}"),
            members=[f"外校选手{i}"],
            award="金牌",
            organization=f"外校{i % 3}",
        )


def budget_urls() -> dict[str, str]:
    department = make_department("系0")
    skill = Skill.objects.get(name="技能0").pk
    board = f"{LEADERBOARD}?year_from=2020&year_to=2023&skill={skill}&order=points"
    return {
        **{
            f"leaderboard-{by}": f"{LEADERBOARD}?by={by}&year_from=2020&year_to=2023&order=points"
            for by in ["students", "departments", "coaches", "skills", "organizations"]
        },
        "leaderboard-students": board,
        "leaderboard-all-time-organizations": f"{LEADERBOARD}?by=organizations",
        "leaderboard-all-time-students": f"{LEADERBOARD}?by=students",
        "leaderboard-csv": f"{board}&_export=csv",
        "pivot": PIVOT,
        "pivot-department": f"{PIVOT}?department={department.pk}",
        "pivot-entries": f"{PIVOT_ENTRIES}?category=skills&department={department.pk}",
        "pivot-entries-csv": f"{PIVOT_ENTRIES}?year=2020&_export=csv",
        "summary": f"{SUMMARY}?year=2020",
        "summary-xlsx": summary_xlsx(2020),
    }


def test_query_counts_do_not_grow_with_the_data(user_client, django_assert_max_num_queries):
    grow(0, 1)  # 5 entries
    urls = budget_urls()
    small = {}
    for page, url in urls.items():
        with django_assert_max_num_queries(QUERY_BUDGETS[page], info=page):
            small[page] = user_client.get(url)
    grow(1, 8)  # 40 entries
    for page, url in urls.items():
        with django_assert_max_num_queries(QUERY_BUDGETS[page], info=page):
            large = user_client.get(url)
        assert small[page].status_code == large.status_code == 200, page
        assert len(large.content) > len(small[page].content), page


def test_the_weights_page_makes_a_fixed_number_of_queries(office_client, django_assert_max_num_queries):
    competition = make_competition()
    url = reverse("competitions:competition-weights", args=[competition.pk])
    for gold in range(5, 25):
        competition.weight_gold = gold
        competition.save()
    # session, user, permission check (2), competition, its history, navigation permissions are cached
    with django_assert_max_num_queries(BASE + 2):
        assert office_client.get(url).status_code == 200


def test_hostile_names_are_escaped_on_the_tally_and_summary_pages(user_client):
    hostile = '"><svg onload=alert(1)>'
    home_organization()
    Award.objects.create(label=f"{hostile}奖", tier=Tier.GOLD)
    competition = make_competition(f"{hostile}赛", year=2023, level="national")
    student = make_student(f"{hostile}生", department=make_department(f"{hostile}系"))
    event = make_event(competition, name=f"{hostile}项", skill=f"{hostile}技")
    make_entry(event, members=[student], coaches=[make_coach(f"{hostile}师")], award=f"{hostile}奖")
    department = student.department.pk
    for url in [
        PIVOT,
        f"{PIVOT}?department={department}",
        f"{PIVOT_ENTRIES}?year=2023",
        SUMMARY,
        *(
            f"{LEADERBOARD}?by={by}"
            for by in ["students", "coaches", "departments", "skills", "organizations"]
        ),
    ]:
        content = user_client.get(url).content.decode()
        assert "<svg onload" not in content, url
        assert "&quot;&gt;&lt;svg onload=alert(1)&gt;" in content, url


def test_the_cached_tallies_page_changes_with_the_results(user_client):
    home_organization()
    first = user_client.get(PIVOT).content.decode()
    make_entry(make_event(make_competition("新赛事", year=2031)), members=[make_student()], award="金牌")
    assert "2031" not in first
    assert "2031" in user_client.get(PIVOT).content.decode()


def test_query_urls_quote_as_urlencode_does():
    from urllib.parse import urlencode

    from competitions.views.leaderboards import query_url

    params = {
        "q": "机器人 & 3D=打印",
        "year": 2023,
        "level": "national",
        "empty": "",
        "none": None,
        "on": True,
    }
    expected = urlencode({key: value for key, value in params.items() if value not in (None, "", False)})
    assert query_url("competitions:pivot", params) == f"{reverse('competitions:pivot')}?{expected}"
    assert query_url("competitions:pivot", {"off": False}) == reverse("competitions:pivot")
