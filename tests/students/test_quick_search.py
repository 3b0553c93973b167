"""The navigation bar's search-as-you-type endpoint and its place in the page."""

from pathlib import Path

import pytest
from django.urls import reverse

from students.models import Student
from tests.factories import make_coach, make_department, make_organization, make_student

pytestmark = pytest.mark.django_db

URL = reverse("students:quick-search")


def search(client, q: str) -> list[dict]:
    response = client.get(URL, {"q": q})
    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    return response.json()["results"]


@pytest.fixture
def people():
    robots = make_department("机器人系")
    make_student("郑泽鑫", student_number="2023010101", department=robots)
    make_student("李明", student_number="2022020202")
    make_coach("张泽新", department=robots)
    make_coach("林小红", organization=make_organization("兄弟学院"))


@pytest.mark.parametrize("q", ["zzx", "ZZX", "zhengzexin", "郑泽鑫", "2023010101"])
def test_finds_a_student_by_initials_pinyin_name_or_number(user_client, people, q):
    (first, *_rest) = search(user_client, q)
    assert first["name"] == "郑泽鑫"
    assert first["kind"] == "student"
    assert first["url"] == Student.objects.get(name="郑泽鑫").get_absolute_url()
    assert first["detail"] == "2023010101 · 机器人系"


def test_finds_coaches_too_after_the_students(user_client, people):
    results = search(user_client, "zzx")
    assert [(r["kind"], r["name"]) for r in results] == [("student", "郑泽鑫"), ("coach", "张泽新")]
    assert results[1]["detail"] == "机器人系"
    assert search(user_client, "lxh")[0]["detail"] == "兄弟学院"


def test_exact_matches_come_first(user_client):
    make_student("李明亮")  # lml
    make_student("李明")  # lm: an exact match of the initials
    assert [r["name"] for r in search(user_client, "lm")] == ["李明", "李明亮"]


def test_returns_at_most_ten(user_client):
    for i in range(8):
        make_student(f"王{i}号")
        make_coach(f"王教练{i}")
    results = search(user_client, "王")
    assert len(results) == 10
    assert [r["kind"] for r in results] == ["student"] * 8 + ["coach"] * 2


@pytest.mark.parametrize("q", ["", "   ", "%", "_", "' OR 1=1 --", "x" * 500])
def test_empty_or_odd_queries_find_nothing_and_do_not_fail(user_client, people, q):
    assert search(user_client, q) == []


def test_names_are_returned_as_data_for_the_script_to_insert_as_text(user_client):
    make_student("<img src=x onerror=alert(1)>")
    (result,) = search(user_client, "<img")
    assert result["name"] == "<img src=x onerror=alert(1)>"


def test_anonymous_visitors_get_no_names(client, people):
    response = client.get(URL, {"q": "zzx"})
    assert response.status_code == 302
    assert "郑泽鑫" not in response.content.decode()


def test_results_are_not_cached(user_client, people):
    response = user_client.get(URL, {"q": "zzx"})
    assert "no-cache" in response["Cache-Control"] or "max-age=0" in response["Cache-Control"]


def test_the_navigation_bar_has_the_search_box_and_its_script(user_client):
    content = user_client.get(reverse("competitions:competition-list")).content.decode()
    assert f'data-quick-search-url="{URL}"' in content
    assert 'action="/people/students/" method="get" role="search"' in content
    assert '<script src="/static/js/quick-search.js" defer></script>' in content
    assert reverse("competitions:skill-list") in content
    assert reverse("students:department-list") in content


def test_the_script_builds_nodes_as_text_only():
    script = (Path(__file__).resolve().parents[2] / "static/js/quick-search.js").read_text()
    assert "innerHTML" not in script and "insertAdjacentHTML" not in script and "eval(" not in script
    assert "textContent" in script
