"""What the API's tests share: generous rate limits, a teacher's key, and a few results."""

import pytest
from django.utils import timezone

from competitions import tokens
from competitions.models import Category, Entry, Level
from tests.factories import (
    home_organization,
    make_coach,
    make_competition,
    make_department,
    make_entry,
    make_event,
    make_major,
    make_organization,
    make_student,
)


@pytest.fixture
def generous_rates(settings):
    """For tests that ask many times a minute from one address (the limits have their own tests)."""
    settings.API_RATE_PER_ADDRESS = "10000/min"
    settings.API_RATE_PER_TOKEN = "10000/min"


def confirm(entry: Entry) -> Entry:
    Entry.objects.filter(pk=entry.pk).update(confirmed_at=timezone.now())
    return entry


@pytest.fixture
def results():
    """A confirmed home gold with a student who has every personal field, a coach and notes; an
    unconfirmed silver of another college; a provincial sports competition with nothing in it."""
    home = home_organization()
    department = make_department("智能制造系")
    student = make_student(
        "蒋家俊",
        student_number="20230001",
        class_name="机器人2101班",
        cohort_year=2021,
        department=department,
        major=make_major("工业机器人", department=department),
    )
    coach = make_coach("黄老师", staff_number="T001", department=department)
    competition = make_competition("全国技能大赛", year=2023, level=Level.NATIONAL, notes="内部备注：经费")
    event = make_event(competition, name="移动机器人", skill="移动机器人")
    gold = confirm(
        make_entry(
            event, members=[student], coaches=[coach], award="金牌", rank=1, score="95.5", notes="证书待领"
        )
    )
    other = make_organization("兄弟技师学院")
    silver = make_entry(event, members=["未确认选手"], award="银牌", rank=2, organization=other)
    sports = make_competition("省运动会", year=2022, level=Level.PROVINCIAL, category=Category.SPORTS)
    return {
        "home": home,
        "department": department,
        "student": student,
        "coach": coach,
        "competition": competition,
        "event": event,
        "gold": gold,
        "silver": silver,
        "other": other,
        "sports": sports,
    }


@pytest.fixture
def teacher_key(user):
    _token, key = tokens.issue(user, "t")
    return key
