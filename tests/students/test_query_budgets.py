"""Every list and history page of people and skills makes a fixed number of queries, 3 entries or 30."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from tests.students.results import grow, make_world

pytestmark = pytest.mark.django_db

SESSION = 2  # the session and the user
PERMISSIONS = 2  # base.html reads the user's permissions for the navigation bar

# page → (queries the page itself makes, why)
BUDGETS = {
    "student-list": (
        4 + PERMISSIONS,
        "department, major and cohort choices (one query), count, page, the page's best results",
    ),
    "student-list-csv": (2 + PERMISSIONS, "every matching row, their best results (and the role check)"),
    "student-list-filtered": (
        4 + PERMISSIONS,
        "the same: the chosen department and major are among the choices",
    ),
    "coach-list": (3 + PERMISSIONS, "department choices, count, page"),
    "coach-list-xlsx": (1 + PERMISSIONS, "every matching row (and the role check)"),
    "student-detail": (
        4 + PERMISSIONS,
        "student (with the home college for print and whether any honour names them), entries, "
        "members and coaches, photos (honours and their entries: two more, only for someone who has any)",
    ),
    "student-detail-csv": (4 + PERMISSIONS, "the same, no template (and the role check)"),
    "coach-detail": (
        8 + PERMISSIONS,
        "coach (with the home college and whether any honour names them), 2 x (entries, members "
        "and coaches, photos), the students coached",
    ),
    "department-list": (2 + PERMISSIONS, "departments with counts, medal table"),
    "department-detail": (
        10 + PERMISSIONS,
        "department, tallies by year, top students and top coaches (stored tallies, then the "
        "people), count, page, the page's best results, home college (print header)",
    ),
    "skill-list": (3 + PERMISSIONS, "year choices, count, page"),
    "skill-detail": (7 + PERMISSIONS, "skill, years, events, entries, members, coaches, titles"),
    "skill-detail-filtered": (7 + PERMISSIONS, "the same, filters applied in the events query"),
    "quick-search": (
        10 + PERMISSIONS,
        "students, coaches, and up to 8 indexed prefix lookups (and the role check)",
    ),
}


def urls(world) -> dict[str, str]:
    student, coach, department, skill = world["student"], world["coach"], world["department"], world["skill"]
    students = reverse("students:student-list")
    return {
        "student-list": students,
        "student-list-csv": f"{students}?_export=csv",
        "student-list-filtered": f"{students}?department={department.pk}&major={world['major'].pk}"
        "&has_medal=yes&class_name=2101&training_level=pre_technician&sort=-best_result",
        "coach-list": reverse("students:coach-list"),
        "coach-list-xlsx": reverse("students:coach-list") + "?_export=xlsx",
        "student-detail": student.get_absolute_url(),
        "student-detail-csv": f"{student.get_absolute_url()}?_export=csv",
        "coach-detail": coach.get_absolute_url(),
        "department-list": reverse("students:department-list"),
        "department-detail": reverse("students:department-detail", args=[department.pk]),
        "skill-list": reverse("competitions:skill-list"),
        "skill-detail": reverse("competitions:skill-detail", args=[skill.pk]),
        "skill-detail-filtered": reverse("competitions:skill-detail", args=[skill.pk])
        + "?level=national&home=1",
        "quick-search": reverse("students:quick-search") + "?q=d",  # 队友, 助理教练 ... all start with d
    }


@pytest.fixture
def world(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    return make_world()


def count_queries(client, url: str) -> tuple[int, int, int]:
    """The queries a GET makes, its status and its length."""
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    return len(queries), response.status_code, len(response.content)


def test_query_counts_do_not_grow_with_the_data(user_client, world):
    # One world for every page (growing it is the slow part); every page over budget is reported.
    grow(world, 0, 3)
    small = {name: count_queries(user_client, url) for name, url in urls(world).items()}
    grow(world, 3, 30)
    large = {name: count_queries(user_client, url) for name, url in urls(world).items()}
    over = {}
    for name, (budget, why) in BUDGETS.items():
        allowed = SESSION + budget
        if small[name][0] > allowed or large[name][0] > allowed:
            over[name] = (
                f"{small[name][0]} and {large[name][0]} queries for 3 and 30 units; {allowed} allowed ({why})"
            )
    assert over == {}
    for name in BUDGETS:
        assert small[name][1] == large[name][1] == 200, name
        assert large[name][2] > small[name][2], f"{name}: the larger world should show more"
