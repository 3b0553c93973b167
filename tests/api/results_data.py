"""A small set of results for the read API's tests (tests/api/): two competitions, home students
in two departments, a home coach, other organizations, a team and an unnamed entry, confirmed and
unconfirmed results, and a competition setting (an organization left out of its table)."""

from dataclasses import dataclass

from django.utils import timezone

from competitions import tokens
from competitions.aggregates import results_changed
from competitions.models import Category, Competition, Entry, Level
from tests.factories import (
    make_coach,
    make_competition,
    make_department,
    make_entry,
    make_event,
    make_organization,
    make_student,
)

NATIONAL = "中华人民共和国第二届职业技能大赛"
PROVINCIAL = "广东省第三届职业技能大赛"


@dataclass
class Results:
    national: Competition
    provincial: Competition
    unconfirmed: Entry
    departments: list
    skill: object


def confirm(*entries: Entry) -> None:
    Entry.objects.filter(pk__in=[entry.pk for entry in entries]).update(confirmed_at=timezone.now())


def make_results() -> Results:
    machining, robotics = make_department("机械系"), make_department("机器人系")
    zhang, li = make_student("张伟", department=robotics), make_student("李娜", department=robotics)
    wang = make_student("王芳", department=machining)
    teacher = make_coach("刘欢")
    national = make_competition(NATIONAL, year=2023, level=Level.NATIONAL)
    robots = make_event(national, name="移动机器人", skill="机器人组队赛", is_team=True, is_selection=True)
    tea = make_event(national, name="茶艺", skill="茶艺表演")
    confirmed = [
        make_entry(robots, members=[zhang, li], coaches=[teacher], award="金牌"),
        make_entry(robots, organization="甲学院", members=["甲一", "甲二"], award="金牌"),
        make_entry(robots, organization="乙学院", members=["乙一", "乙二"], award="铜牌"),
        make_entry(tea, organization="邀请队", award="银牌"),
        make_entry(tea, award="铜牌"),  # the college's, naming nobody
    ]
    unconfirmed = make_entry(tea, members=[wang], coaches=[teacher], award="银牌")
    national.excluded_organizations.add(make_organization("邀请队"))
    results_changed([national.pk])  # as every write of the setting does (the stored tables follow it)
    provincial = make_competition(PROVINCIAL, year=2022, level=Level.PROVINCIAL, category=Category.SKILLS)
    lathe = make_event(provincial, name="数控车", skill="数控车床")
    confirmed += [
        make_entry(lathe, members=[wang], award="一等奖", rank=1),
        make_entry(lathe, organization="甲学院", members=["甲三"], award="二等奖", rank=2),
        make_entry(lathe, members=[li], award="优胜奖"),
        make_entry(lathe, organization="乙学院", members=["乙三"], award="入围国家集训队"),
    ]
    confirm(*confirmed)
    return Results(national, provincial, unconfirmed, [machining, robotics], robots.skill)


def key_for(user) -> dict:
    """The request header of a new API key of this user."""
    _token, key = tokens.issue(user, "tests")
    return {"HTTP_AUTHORIZATION": f"Bearer {key}"}
