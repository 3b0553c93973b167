"""The lists' answers, written from the rows by competitions.api.dumping, are what django-ninja's
own validation writes (`schema.from_orm(...)`): the same JSON for every list, for a teacher and
for the public, in both languages."""

import json
from datetime import date, datetime

import pytest
from ninja import Schema

from competitions.api import dumping, schemas
from tests.api.test_resources import LISTS, url
from tests.factories import make_entry, make_event, make_organization

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("generous_rates")]

PUBLIC_LISTS = [name for name in LISTS if name not in ("student-list", "coach-list", "department-list")]


def by_validation(monkeypatch):
    """Every schema answered by ninja's own validation, as before dumping."""
    monkeypatch.setattr(dumping, "plan", lambda schema: None)


@pytest.mark.parametrize("language", ["en", "zh-hans"])
@pytest.mark.parametrize("name", LISTS)
def test_a_teachers_lists_equal_ninjas_own(name, language, results, client, teacher_key, monkeypatch):
    second = make_event(
        results["competition"], name="第二项目 <b>&", skill="数控", is_team=True, max_team_size=3
    )
    make_entry(
        second, members=["甲", "乙"], organization=make_organization("某\\学院\t"), award="二等奖", rank=None
    )
    headers = {"HTTP_ACCEPT_LANGUAGE": language}
    fast = client.get(url(name), headers={"Authorization": f"Bearer {teacher_key}"}, **headers)
    with monkeypatch.context() as patch:
        by_validation(patch)
        slow = client.get(url(name), headers={"Authorization": f"Bearer {teacher_key}"}, **headers)
    assert fast.status_code == slow.status_code == 200
    assert fast["Content-Type"] == slow["Content-Type"]
    assert json.loads(fast.content) == json.loads(slow.content)
    assert fast.json().get("count", 1) >= 1


@pytest.mark.parametrize("name", PUBLIC_LISTS)
def test_the_publics_lists_equal_ninjas_own(name, results, client, settings, monkeypatch):
    settings.PUBLIC_RESULTS = True
    fast = client.get(url(name))
    with monkeypatch.context() as patch:
        by_validation(patch)
        slow = client.get(url(name))
    assert fast.status_code == slow.status_code == 200
    assert json.loads(fast.content) == json.loads(slow.content)
    assert "student_id" not in fast.content.decode()


def test_every_page_the_api_answers_is_planned():
    pages = [schema for schema in vars(schemas).values() if isinstance(schema, type)]
    pages = [schema for schema in pages if issubclass(schema, schemas.Page) and schema is not schemas.Page]
    assert len(pages) >= 9
    for page in pages:
        assert dumping.plan(page) is not None, page


class Stamped(Schema):
    when: datetime
    day: date | None


class Holder(Schema):
    items: list[Stamped]


def test_a_schema_with_a_field_it_does_not_plan_is_validated_by_ninja():
    assert dumping.plan(Stamped) is None and dumping.plan(Holder) is None
    row = {"when": datetime(2024, 5, 1, 8, 30), "day": date(2024, 5, 2)}
    assert dumping.dump(Holder, {"items": [row]}) == Holder.from_orm({"items": [row]}).model_dump(mode="json")


def test_a_json_answer_is_compact_utf8_with_markup_as_text():
    response = dumping.json_response({"name": "李<四>&", "n": 1})
    assert response.content.decode() == '{"name":"李<四>&","n":1}'
    assert response["Content-Type"] == "application/json; charset=utf-8"
