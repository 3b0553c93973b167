"""The read API's resources (/api/v1/ competitions, events, entries, organizations, skills, choices,
students, coaches, departments): who sees what, filters, pages, errors and query budgets."""

import re
from pathlib import Path

import pytest
from django.contrib.auth.models import Group
from django.contrib.staticfiles import finders
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from competitions import roles, tokens
from competitions.models import Category, Entry, Level
from tests.api.conftest import confirm
from tests.factories import (
    home_organization,
    make_coach,
    make_competition,
    make_department,
    make_entry,
    make_event,
    make_major,
    make_student,
)

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("generous_rates")]

LISTS = [
    "competition-list",
    "event-list",
    "entry-list",
    "organization-list",
    "skill-list",
    "choices",
    "student-list",
    "coach-list",
    "department-list",
]
PEOPLE_LISTS = ["student-list", "coach-list", "department-list"]
DETAILS = ["competition-detail", "event-detail", "student-detail", "coach-detail"]


def url(name: str, *args) -> str:
    return reverse(f"api-v1:{name}", args=args)


def detail_args(name: str, data) -> tuple:
    return {
        "competition-detail": (data["competition"].pk,),
        "event-detail": (data["event"].pk,),
        "student-detail": (data["student"].pk,),
        "coach-detail": (data["coach"].pk,),
    }[name]


def get(client, path, key=None, **params):
    headers = {"Authorization": f"Bearer {key}"} if key else {}
    return client.get(path, params, headers=headers)


# ---------------------------------------------------------------------------------------------
# Who may ask


@pytest.mark.parametrize("how", ["session", "key"])
@pytest.mark.parametrize("name", LISTS + DETAILS)
def test_a_teacher_reads_every_endpoint_by_session_and_by_key(name, how, results, client, user, teacher_key):
    if how == "session":
        client.force_login(user)
    path = url(name, *detail_args(name, results)) if name in DETAILS else url(name)
    response = get(client, path, key=teacher_key if how == "key" else None)
    assert response.status_code == 200, response.content
    assert response["Content-Type"].startswith("application/json")


@pytest.mark.parametrize("role", [roles.OFFICE, roles.ADMINISTRATORS])
def test_the_office_and_administrators_read_what_teachers_read(role, results, client, django_user_model):
    account = django_user_model.objects.create_user(username="someone", password="a-long-test-password")
    account.groups.add(Group.objects.get(name=role))
    client.force_login(account)
    entries = client.get(url("entry-list")).json()["items"]
    assert {entry["id"] for entry in entries} == {results["gold"].pk, results["silver"].pk}
    assert client.get(url("student-detail", results["student"].pk)).json()["student_number"] == "20230001"


@pytest.mark.parametrize("name", LISTS + DETAILS)
def test_anonymous_visitors_get_401_while_results_are_not_public(name, results, client, settings):
    settings.PUBLIC_RESULTS = False
    path = url(name, *detail_args(name, results)) if name in DETAILS else url(name)
    assert client.get(path).status_code == 401


def test_a_user_without_a_role_gets_nothing(results, client, django_user_model, settings):
    settings.PUBLIC_RESULTS = True  # even then: a session without a role is not anonymous
    nobody = django_user_model.objects.create_user(username="nobody", password="a-long-test-password")
    _token, key = tokens.issue(nobody, "t")
    assert get(client, url("entry-list"), key=key).status_code == 401


# ---------------------------------------------------------------------------------------------
# The public view


def test_the_public_reads_names_events_awards_and_ranks_without_personal_data(results, client, settings):
    settings.PUBLIC_RESULTS = True
    response = client.get(url("entry-list"))
    assert response.status_code == 200
    raw = response.content.decode()
    [entry] = response.json()["items"]
    assert entry["members"] == [{"name": "蒋家俊"}]
    assert entry["award"] == {"label": "金牌", "tier": "gold", "tier_label": "Gold"}
    assert entry["rank"] == 1
    # Coaches (the college's staff) and scores are not public data, as on the public pages.
    assert "coaches" not in entry and "score" not in entry and "黄老师" not in raw
    assert entry["organization"]["name"] == results["home"].name
    assert entry["competition"]["name"] == "全国技能大赛" and entry["event"]["name"] == "移动机器人"
    for personal in [
        "20230001",
        "机器人2101班",
        "证书待领",
        "智能制造系",
        "T001",
        "95.5",
        "student_id",
        "notes",
        "confirmed",
    ]:
        assert personal not in raw


def test_the_public_reads_competitions_without_their_notes(results, client, settings):
    settings.PUBLIC_RESULTS = True
    listed = client.get(url("competition-list")).content.decode()
    detail = client.get(url("competition-detail", results["competition"].pk))
    assert "全国技能大赛" in listed and "内部备注" not in listed and '"notes"' not in listed
    assert detail.status_code == 200 and "notes" not in detail.json()
    assert [event["name"] for event in detail.json()["events"]] == ["移动机器人"]


@pytest.mark.parametrize("name", PEOPLE_LISTS + ["student-detail", "coach-detail"])
def test_the_public_may_not_read_peoples_records(name, results, client, settings):
    settings.PUBLIC_RESULTS = True
    path = url(name, *detail_args(name, results)) if name in DETAILS else url(name)
    response = client.get(path)
    assert response.status_code == 403
    assert "detail" in response.json() and "蒋家俊" not in response.content.decode()


@pytest.mark.parametrize("person", ["student", "coach"])
def test_the_public_may_not_filter_entries_by_a_person(person, results, client, settings):
    settings.PUBLIC_RESULTS = True
    assert client.get(url("entry-list"), {person: results[person].pk}).status_code == 403


def test_a_request_with_a_bad_key_is_refused_not_served_as_public(results, client, settings):
    settings.PUBLIC_RESULTS = True
    assert get(client, url("entry-list"), key="rt_not-a-key").status_code == 401


def test_unconfirmed_results_are_invisible_to_the_public_while_confirmation_is_on(results, client, settings):
    settings.PUBLIC_RESULTS = True
    settings.RESULTS_NEED_CONFIRMATION = True
    raw = client.get(url("entry-list")).content.decode()
    assert "未确认选手" not in raw and "银牌" not in raw
    listed = client.get(url("competition-list"), {"organization": results["other"].pk}).json()
    assert listed["count"] == 0  # its only entry is unconfirmed

    settings.RESULTS_NEED_CONFIRMATION = False
    raw = client.get(url("entry-list")).content.decode()
    assert "未确认选手" in raw and "银牌" in raw
    assert client.get(url("competition-list"), {"organization": results["other"].pk}).json()["count"] == 1


def test_the_public_sees_only_what_the_public_pages_show(results, client, settings, user):
    """Competitions, events and organizations without a confirmed result are not public (as
    /public/ answers 404 for them): listed for a role, hidden from the public, their ids 404."""
    settings.PUBLIC_RESULTS = True
    settings.RESULTS_NEED_CONFIRMATION = True
    unconfirmed = make_competition("未确认的赛事", year=2024)
    only_unconfirmed = make_entry(make_event(unconfirmed, name="待确认赛项"), members=["某人"], award="金牌")
    assert not Entry.objects.confirmed().filter(pk=only_unconfirmed.pk).exists()

    listed = {item["name"] for item in client.get(url("competition-list")).json()["items"]}
    assert listed == {"全国技能大赛"}  # not the unconfirmed one, nor the empty sports meeting
    assert client.get(url("competition-detail", unconfirmed.pk)).status_code == 404
    events = {item["name"] for item in client.get(url("event-list")).json()["items"]}
    assert events == {"移动机器人"}
    assert client.get(url("event-detail", only_unconfirmed.event_id)).status_code == 404
    organizations = {item["name"] for item in client.get(url("organization-list")).json()["items"]}
    assert organizations == {results["home"].name}  # 兄弟技师学院's only result is unconfirmed
    assert client.get("/api/v1/medal-table/", {"competition": unconfirmed.pk}).status_code == 404
    assert client.get("/api/v1/leaderboard/", {"by": "coach"}).status_code == 403
    assert client.get("/api/v1/medal-table/", {"by": "coach"}).status_code == 403
    # The summary's default year is the latest with a confirmed award (the stored tallies count all).
    assert client.get("/api/v1/annual-summary/").json()["year"] == 2023

    # A role sees all of it.
    settings.PUBLIC_RESULTS = False
    client.force_login(user)
    listed = {item["name"] for item in client.get(url("competition-list")).json()["items"]}
    assert listed == {"全国技能大赛", "未确认的赛事", "省运动会"}
    assert client.get(url("competition-detail", unconfirmed.pk)).status_code == 200


def test_teachers_see_unconfirmed_results_with_their_flag(results, user_client, settings):
    settings.RESULTS_NEED_CONFIRMATION = True
    items = {entry["id"]: entry for entry in user_client.get(url("entry-list")).json()["items"]}
    assert items[results["gold"].pk]["confirmed"] is True
    assert items[results["silver"].pk]["confirmed"] is False
    settings.RESULTS_NEED_CONFIRMATION = False  # a one-person office: everything counts as confirmed
    items = user_client.get(url("entry-list")).json()["items"]
    assert all(entry["confirmed"] for entry in items)


def test_teachers_read_the_people_in_a_result(results, user_client):
    gold = user_client.get(url("entry-list"), {"tier": "gold"}).json()["items"][0]
    assert gold["members"] == [{"name": "蒋家俊", "student_id": results["student"].pk, "teacher_id": None}]
    assert gold["coaches"] == [{"id": results["coach"].pk, "name": "黄老师"}]
    assert gold["notes"] == "证书待领"


def test_a_students_record_with_their_entries_and_tiers(results, user_client):
    student = user_client.get(url("student-detail", results["student"].pk)).json()
    assert student["student_number"] == "20230001" and student["class_name"] == "机器人2101班"
    assert student["department"]["name"] == "智能制造系" and student["major"]["name"] == "工业机器人"
    assert [entry["id"] for entry in student["entries"]] == [results["gold"].pk]
    assert {row["tier"]: row["entries"] for row in student["tiers"]}["gold"] == 1


def test_a_coachs_record_with_coached_and_competed_entries(results, user_client):
    teacher_event = make_event(make_competition(category=Category.TEACHER), name="教师技能")
    competed = make_entry(teacher_event, members=[results["coach"]], award="二等奖")
    coach = user_client.get(url("coach-detail", results["coach"].pk)).json()
    assert [entry["id"] for entry in coach["coached"]] == [results["gold"].pk]
    assert [entry["id"] for entry in coach["competed"]] == [competed.pk]
    assert coach["competed"][0]["members"][0]["teacher_id"] == results["coach"].pk
    assert coach["organization"] is None  # a home teacher


def test_departments_with_their_majors(results, user_client):
    [department] = user_client.get(url("department-list")).json()["items"]
    assert department["name"] == "智能制造系"
    assert [major["name"] for major in department["majors"]] == ["工业机器人"]


# ---------------------------------------------------------------------------------------------
# Labels in the request's language


def test_labels_follow_accept_language(results, user_client):
    chinese = user_client.get(url("competition-list"), headers={"Accept-Language": "zh-hans"}).json()
    national = next(item for item in chinese["items"] if item["level"] == "national")
    assert national["level_label"] == "国家级"
    english = user_client.get(url("competition-list"), headers={"Accept-Language": "en"}).json()
    assert next(item for item in english["items"] if item["level"] == "national")["level_label"] == "National"
    choices = user_client.get(url("choices"), headers={"Accept-Language": "zh-hans"}).json()
    assert {"value": "gold", "label": "金牌"} in choices["tiers"]
    assert [choice["value"] for choice in choices["levels"]] == Level.values


# ---------------------------------------------------------------------------------------------
# Filters


def ids(response) -> list[int]:
    assert response.status_code == 200, response.content
    return [item["id"] for item in response.json()["items"]]


def test_competition_filters(results, user_client):
    national, sports = results["competition"].pk, results["sports"].pk
    assert ids(user_client.get(url("competition-list"))) == [national, sports]  # newest first
    assert ids(user_client.get(url("competition-list"), {"year": 2022})) == [sports]
    assert ids(user_client.get(url("competition-list"), {"level": "national"})) == [national]
    assert ids(user_client.get(url("competition-list"), {"category": "sports"})) == [sports]
    assert ids(user_client.get(url("competition-list"), {"organization": results["home"].pk})) == [national]
    assert ids(user_client.get(url("competition-list"), {"q": "运动"})) == [sports]


def test_event_filters(results, user_client):
    other = make_event(results["sports"], name="田径")
    assert ids(user_client.get(url("event-list"), {"competition": results["sports"].pk})) == [other.pk]
    assert ids(user_client.get(url("event-list"), {"year": 2023})) == [results["event"].pk]
    assert ids(user_client.get(url("event-list"), {"skill": other.skill_id})) == [other.pk]
    event = user_client.get(url("event-detail", results["event"].pk)).json()
    assert event["competition"]["id"] == results["competition"].pk and event["skill"]["name"] == "移动机器人"


def test_entry_filters(results, user_client):
    gold, silver = results["gold"].pk, results["silver"].pk
    sports_event = make_event(results["sports"], name="田径")
    bronze = make_entry(sports_event, members=["张三"], award="铜牌", organization=results["other"]).pk

    def entries(**params):
        return ids(user_client.get(url("entry-list"), params))

    assert entries() == [gold, silver, bronze]
    assert entries(competition=results["sports"].pk) == [bronze]
    assert entries(event=results["event"].pk) == [gold, silver]
    assert entries(year=2022) == [bronze]
    assert entries(level="provincial") == [bronze]
    assert entries(category="sports") == [bronze]
    assert entries(organization=results["other"].pk) == [silver, bronze]
    assert entries(tier="silver") == [silver]
    assert entries(student=results["student"].pk) == [gold]
    assert entries(coach=results["coach"].pk) == [gold]
    assert entries(college="true") == [gold]  # rule 9: the college's own
    assert entries(college="false") == [silver, bronze]


@pytest.mark.parametrize("batch", [1, 2, 50])
def test_entry_pages_from_the_stored_counts_equal_the_whole_list_cut_into_pages(
    user_client, monkeypatch, batch
):
    """The list by competition only (its count and pages from Competition.entry_count, the
    competitions read in growing batches) gives what ordering and cutting every entry gives, at
    every page size, also where a page spans competitions and where competitions have no entries."""
    from competitions.api import resources
    from competitions.api.resources import ENTRY_ORDER

    monkeypatch.setattr(resources, "COMPETITION_BATCH", batch)

    for year, name, sizes in [
        (2024, "乙赛", [3, 1]),
        (2024, "甲赛", [2]),
        (2023, "丙赛", [0]),
        (2022, "丁赛", [4]),
    ]:
        competition = make_competition(name, year=year)
        for index, size in enumerate(sizes):
            event = make_event(competition, name=f"赛项{index}")
            for rank in range(size, 0, -1):
                make_entry(event, members=[f"{name}{index}-{rank}"], award=None, rank=rank)
    make_competition("空赛", year=2025)
    for params in [{}, {"year": 2024}, {"level": "national"}, {"year": 2021}]:
        expected = list(
            Entry.objects.filter(**{f"event__competition__{k}": v for k, v in params.items()})
            .order_by(*ENTRY_ORDER)
            .values_list("pk", flat=True)
        )
        for size in (1, 2, 3, 5, 100):
            pages = []
            for page in range(1, len(expected) // size + 3):
                response = user_client.get(url("entry-list"), {**params, "page": page, "page_size": size})
                assert response.json()["count"] == len(expected)
                pages.append(ids(response))
            assert [pk for page in pages for pk in page] == expected, (params, size)
            assert all(len(page) == size for page in pages[: len(expected) // size])


def test_people_and_organization_filters(results, user_client):
    make_student("李明", student_number="20230002")
    outside = make_coach("外校教练", organization=results["other"])
    assert ids(user_client.get(url("student-list"), {"q": "2023000"})) != []
    assert ids(user_client.get(url("student-list"), {"q": "jjj"})) == [results["student"].pk]
    assert ids(user_client.get(url("student-list"), {"department": results["department"].pk})) == [
        results["student"].pk
    ]
    assert ids(user_client.get(url("coach-list"), {"home": "true"})) == [results["coach"].pk]
    assert ids(user_client.get(url("coach-list"), {"home": "false"})) == [outside.pk]
    assert ids(user_client.get(url("organization-list"), {"is_home": "true"})) == [results["home"].pk]
    assert ids(user_client.get(url("organization-list"), {"q": "兄弟"})) == [results["other"].pk]
    skills = user_client.get(url("skill-list"), {"q": "机器人"}).json()["items"]
    assert [skill["name"] for skill in skills] == ["移动机器人"]


# ---------------------------------------------------------------------------------------------
# Pages


def test_pages_count_all_rows_and_never_exceed_the_largest_page(user_client):
    for number in range(105):
        make_competition(f"赛事{number:03d}", year=2000 + number % 20)
    first = user_client.get(url("competition-list"), {"page_size": 500}).json()
    assert first["count"] == 105 and first["page_size"] == 100 and len(first["items"]) == 100
    default = user_client.get(url("competition-list")).json()
    assert default["page_size"] == 50 and len(default["items"]) == 50
    seen = []
    for page in (1, 2, 3):
        seen += ids(user_client.get(url("competition-list"), {"page": page, "page_size": 40}))
    assert len(seen) == len(set(seen)) == 105  # a stable order: no row twice, none left out
    beyond = user_client.get(url("competition-list"), {"page": 99}).json()
    assert beyond["items"] == [] and beyond["count"] == 105


# ---------------------------------------------------------------------------------------------
# Errors


@pytest.mark.parametrize(
    ("name", "params"),
    [
        ("competition-list", {"year": "abc"}),
        ("competition-list", {"year": "99999"}),
        ("competition-list", {"level": "galactic"}),
        ("competition-list", {"organization": "x"}),
        ("competition-list", {"page": "0"}),
        ("competition-list", {"page": "99999999999999999999"}),
        ("competition-list", {"page_size": "0"}),
        ("event-list", {"competition": "-1"}),
        ("entry-list", {"tier": "shiny"}),
        ("entry-list", {"category": "chess"}),
        ("entry-list", {"college": "perhaps"}),
        ("entry-list", {"event": "99999999999999999999999"}),
        ("student-list", {"q": "\x00"}),
        ("student-list", {"q": "x" * 101}),
    ],
)
def test_invalid_filters_answer_422_with_the_reason(name, params, user_client):
    response = user_client.get(url(name), params)
    assert response.status_code == 422
    assert response.json()["detail"][0]["loc"][-1] in params


@pytest.mark.parametrize("name", DETAILS)
def test_an_unknown_id_answers_404_json(name, user_client):
    response = user_client.get(url(name, 987654321))
    assert response.status_code == 404
    assert response.json() == {"detail": "Not Found"}


def test_a_non_numeric_id_is_not_an_api_route(user_client):
    assert user_client.get("/api/v1/competitions/abc").status_code in (404, 422)


# ---------------------------------------------------------------------------------------------
# Query budgets: a page of 3 rows and one of 100 cost the same


def add_results(count: int, *, start: int = 0):
    """`count` more confirmed team entries, each with a student, a coach and an organization of its
    own, in competitions of their own; and as many departments with a major each."""
    for number in range(start, start + count):
        department = make_department(f"系{number}")
        make_major(f"专业{number}", department=department)
        competition = make_competition(f"赛事{number}", year=2000 + number % 20, notes="n")
        event = make_event(competition, name=f"赛项{number}", is_team=True)
        student = make_student(student_number=f"S{number:05d}", department=department)
        coach = make_coach(department=department)
        members = [student, f"队友{number}"]
        organization = home_organization() if number % 2 else f"学院{number}"
        confirm(make_entry(event, members=members, coaches=[coach], organization=organization, award="金牌"))


def list_costs(client, key) -> dict[str, int]:
    """Queries per list endpoint (a page of 100) for a teacher's key, and for the public."""
    costs = {}
    for viewer in ("teacher", "public"):
        for name in LISTS:
            if viewer == "public" and name in PEOPLE_LISTS:
                continue
            with CaptureQueriesContext(connection) as queries:
                response = get(client, url(name), key=key if viewer == "teacher" else None, page_size=100)
            assert response.status_code == 200, (name, viewer, response.content)
            costs[f"{name} ({viewer})"] = len(queries)
    return costs


def test_every_list_costs_the_same_for_3_rows_and_for_100(client, teacher_key, settings):
    settings.PUBLIC_RESULTS = True
    add_results(3)
    get(client, url("choices"), key=teacher_key)  # a key's first use notes when it was used: one write
    few = list_costs(client, teacher_key)
    add_results(100, start=3)
    many = list_costs(client, teacher_key)
    assert many == few
    assert max(few.values()) <= 8, few
    assert len(get(client, url("entry-list"), page_size=100).json()["items"]) == 100


@pytest.mark.parametrize("name", DETAILS)
def test_every_detail_costs_the_same_for_few_and_many_entries(
    name, client, teacher_key, django_assert_max_num_queries
):
    department = make_department()
    coach = make_coach(department=department)
    student = make_student(student_number="X1", department=department)
    competition = make_competition("大赛")
    events = [make_event(competition, name=f"赛项{number}", is_team=True) for number in range(40)]
    data = {"competition": competition, "event": events[0], "student": student, "coach": coach}

    def add(event_range):
        for number in event_range:
            make_entry(events[number], members=[student, f"队友{number}"], coaches=[coach], award="金牌")

    add(range(2))
    path = url(name, *detail_args(name, data))
    get(client, url("choices"), key=teacher_key)  # a key's first use notes when it was used: one write
    with django_assert_max_num_queries(8) as few:
        assert get(client, path, key=teacher_key).status_code == 200
    add(range(2, 40))
    with django_assert_max_num_queries(len(few.captured_queries)):
        assert get(client, path, key=teacher_key).status_code == 200


# ---------------------------------------------------------------------------------------------
# The schema and the docs page


def test_the_schema_and_docs_open_to_roles_and_to_everyone_only_while_results_are_public(
    user_client, settings
):
    client = Client()  # anonymous (user_client is the `client` fixture, logged in)
    assert client.get(reverse("api-v1:openapi-json")).status_code == 401
    docs = client.get(reverse("api-v1:openapi-view"))
    assert docs.status_code == 302 and docs["Location"].startswith(reverse("login"))
    assert user_client.get(reverse("api-v1:openapi-json")).status_code == 200
    settings.PUBLIC_RESULTS = True
    assert client.get(reverse("api-v1:openapi-json")).status_code == 200
    assert client.get(reverse("api-v1:openapi-view")).status_code == 200


def test_the_schema_shows_public_and_personal_shapes(user_client):
    schema = user_client.get(reverse("api-v1:openapi-json")).json()
    assert {"Entry", "EntryPublic", "Competition", "CompetitionPublic", "StudentOut"} <= set(
        schema["components"]["schemas"]
    )
    entry = schema["components"]["schemas"]["Entry"]["properties"]
    public = schema["components"]["schemas"]["EntryPublic"]["properties"]
    assert "notes" in entry and "confirmed" in entry
    assert "notes" not in public and "confirmed" not in public


def test_every_operation_documents_its_error_answers(user_client):
    schema = user_client.get(reverse("api-v1:openapi-json")).json()
    for path, operations in schema["paths"].items():
        if not path.startswith(("/api/v1/competitions", "/api/v1/events", "/api/v1/entries")):
            continue
        for operation in operations.values():
            assert {"200", "401", "422", "429"} <= set(operation["responses"]), path
            if "{" in path:
                assert "404" in operation["responses"], path


def test_the_docs_page_runs_no_inline_script_and_its_static_files_exist(user_client):
    response = user_client.get(reverse("api-v1:openapi-view"))
    assert response.status_code == 200
    page = response.content.decode()
    scripts = re.findall(r"<script\b([^>]*)>", page)
    assert scripts
    for attributes in scripts:
        assert "src=" in attributes or 'type="application/json"' in attributes, attributes
    assert "style=" not in page and "<style" not in page
    static_files = re.findall(r'(?:src|href)="/static/([^"]+)"', page)
    assert "ninja/swagger-ui-bundle.js" in static_files and "ninja/swagger-ui-init.js" in static_files
    for name in static_files:
        assert finders.find(name), name
    # The CSP header the page is served with allows no inline script.
    policy = response["Content-Security-Policy"]
    assert "unsafe-inline" not in policy and "unsafe-eval" not in policy


def test_logged_in_users_find_the_api_docs_from_the_home_page(user_client):
    page = user_client.get("/", follow=True).content.decode()
    assert f'href="{reverse("api-v1:openapi-view")}"' in page


def test_the_api_docs_link_is_not_shown_to_anonymous_visitors(client, settings):
    settings.PUBLIC_RESULTS = True
    page = client.get(reverse("login")).content.decode()
    assert reverse("api-v1:openapi-view") not in page


def test_swagger_ui_bundle_is_ninjas_own_copy():
    # Served from the installed package (no CDN): the file the page names is django-ninja's.
    found = Path(finders.find("ninja/swagger-ui-bundle.js"))
    assert "ninja" in found.parts and found.stat().st_size > 100_000
