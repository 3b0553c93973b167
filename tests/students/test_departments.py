"""Department pages: the list with medals, and one department's students, tallies by year and top people."""

import pytest
from django.urls import reverse

from competitions.models import Level
from tests.factories import (
    make_coach,
    make_competition,
    make_department,
    make_entry,
    make_event,
    make_student,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def departments():
    robots, cars = make_department("机器人系"), make_department("汽车系")
    zheng = make_student("郑泽鑫", department=robots)
    huang = make_student("黄子轩", department=robots)
    li = make_student("李明", department=robots)
    wang = make_student("王芳", department=cars)
    chen = make_coach("陈老师", department=robots)
    lin = make_coach("林老师", department=robots)
    make_coach("周老师", department=cars)
    y2023 = make_competition("全国赛", year=2023, level=Level.NATIONAL)
    y2022 = make_competition("省赛", year=2022, level=Level.PROVINCIAL)
    # Two of the department's students in one team, with a student of another department: counts once.
    make_entry(make_event(y2023, is_team=True), members=[zheng, huang, wang], award="金牌", coaches=[chen])
    make_entry(make_event(y2023), members=[zheng], award="银牌", coaches=[chen])
    make_entry(make_event(y2022), members=[li], award="铜牌", coaches=[lin])
    make_entry(make_event(y2022), members=[li], award=None)
    return {"robots": robots, "cars": cars, "zheng": zheng, "chen": chen}


def test_the_department_list_counts_people_and_medals_a_team_once(user_client, departments):
    response = user_client.get(reverse("students:department-list"))
    rows = {d.name: d for d in response.context["departments"]}
    robots = rows["机器人系"]
    assert (robots.n_students, robots.n_coaches) == (3, 2)
    assert (robots.medals.gold, robots.medals.silver, robots.medals.bronze, robots.medals.total) == (
        1,
        1,
        1,
        3,
    )
    assert (rows["汽车系"].medals.gold, rows["汽车系"].medals.total) == (1, 1)
    content = response.content.decode()
    assert reverse("students:department-detail", args=[departments["robots"].pk]) in content


def test_the_department_page_tallies_by_year_each_entry_once(user_client, departments):
    response = user_client.get(reverse("students:department-detail", args=[departments["robots"].pk]))
    years = response.context["years"]
    assert [row["year"] for row in years] == [2023, 2022]
    # Tiers in order: special, gold, silver, bronze, excellence, other.
    assert years[0]["counts"] == [0, 1, 1, 0, 0, 0] and years[0]["entries"] == 2
    assert years[1]["counts"] == [0, 0, 0, 1, 0, 0] and years[1]["entries"] == 2
    assert years[1]["medals"] == 1


def test_the_department_page_ranks_its_top_students_and_coaches(user_client, departments):
    response = user_client.get(reverse("students:department-detail", args=[departments["robots"].pk]))
    assert [(s.name, s.medal_counts) for s in response.context["top_students"]] == [
        ("郑泽鑫", [0, 1, 1, 0, 0]),
        ("黄子轩", [0, 1, 0, 0, 0]),
        ("李明", [0, 0, 0, 1, 0]),
    ]
    assert [(c.name, c.medal_counts) for c in response.context["top_coaches"]] == [
        ("陈老师", [0, 1, 1, 0, 0]),
        ("林老师", [0, 0, 0, 1, 0]),
    ]
    assert [row.record.name for row in response.context["table"].rows] == ["黄子轩", "李明", "郑泽鑫"]
    content = response.content.decode()
    assert f'<a href="{departments["zheng"].get_absolute_url()}">郑泽鑫</a>' in content
    assert f'<a href="{departments["chen"].get_absolute_url()}">陈老师</a>' in content
    assert "王芳" not in content  # a team mate from another department is not one of its students


def test_a_missing_department_is_not_found(user_client):
    assert user_client.get(reverse("students:department-detail", args=[999999])).status_code == 404
