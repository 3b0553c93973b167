"""The read API's results (competitions.api.results): medal tables, leaderboards, tallies and the
annual summary give the numbers the command and the pages give, to whom they may be shown."""

import io
import json

import pytest
from django.core.management import call_command
from django.urls import reverse

from competitions import reports, tallies
from competitions.models import Entry, Organization
from competitions.synthetic import generate
from tests.api.results_data import NATIONAL, confirm, key_for, make_results

pytestmark = pytest.mark.django_db

MEDAL_TABLE = "/api/v1/medal-table/"
LEADERBOARD = "/api/v1/leaderboard/"
TALLIES = "/api/v1/tallies/"
SUMMARY = "/api/v1/annual-summary/"
COMMAND_KEYS = ["rank", "name", "special", "gold", "silver", "bronze", "excellence", "total", "points"]


@pytest.fixture
def results():
    return make_results()


@pytest.fixture
def teacher(client, user):
    """Requests with a teacher's key."""
    headers = key_for(user)
    return lambda url, params=None: client.get(url, params or {}, **headers)


@pytest.fixture
def public(client, settings):
    """Anonymous requests with the public switch on."""
    settings.PUBLIC_RESULTS = True
    return lambda url, params=None: client.get(url, params or {})


def command_rows(*args) -> list[dict]:
    out = io.StringIO()
    call_command("medal_table", "--competition", NATIONAL, "--format", "json", *args, stdout=out)
    return json.loads(out.getvalue())


def api_rows(response) -> list[dict]:
    assert response.status_code == 200, response.content
    return [{key: row[key] for key in COMMAND_KEYS} for row in response.json()["rows"]]


# ---------------------------------------------------------------------------------------------
# Medal tables: the command's numbers


COMBINATIONS = [
    ([], {}),
    (["--by", "department"], {"by": "department"}),
    (["--by", "student", "--order", "total"], {"by": "student", "order": "total"}),
    (["--by", "coach", "--order", "points"], {"by": "coach", "order": "points"}),
    (["--order", "points", "--events-flag", "selection"], {"order": "points", "events_flag": "selection"}),
    (["--unranked", "甲学院"], {"unranked": "甲学院"}),
    (["--exclude", "乙学院", "--order", "total"], {"exclude": "乙学院", "order": "total"}),
    (["--unranked", "甲学院，乙学院"], {"unranked": ["甲学院", "乙学院"]}),
]


@pytest.mark.parametrize(("args", "params"), COMBINATIONS)
def test_a_competitions_medal_table_has_the_commands_rows(results, teacher, args, params):
    response = teacher(MEDAL_TABLE, {"competition": results.national.pk, **params})
    assert api_rows(response) == command_rows(*args)
    assert response.json()["confirmed_only"] is False


def test_a_whole_competitions_table_is_read_from_its_stored_tallies(results, teacher):
    """Every result of one competition, nothing left out but by its own setting: the stored table
    (what the competition page shows), not a count of its entries; a cut or another organization
    left out counts the entries."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    def tables_read(params):
        with CaptureQueriesContext(connection) as queries:
            response = teacher(MEDAL_TABLE, {"competition": results.national.pk, **params})
        sql = " ".join(query["sql"] for query in queries.captured_queries)
        return response, "competitions_tallycompetition" in sql

    response, stored = tables_read({"by": "student", "unranked": "甲学院"})
    assert stored
    assert api_rows(response) == command_rows("--by", "student", "--unranked", "甲学院")
    for cut in ({"exclude": "乙学院"}, {"events_flag": "selection"}):
        response, stored = tables_read(cut)
        assert not stored and response.status_code == 200


def test_the_stored_setting_and_the_options_add_up_as_in_the_command(results, teacher):
    # 邀请队 is left out by the competition's own setting, 乙学院 by the request.
    response = teacher(MEDAL_TABLE, {"competition": results.national.pk, "exclude": "乙学院"})
    assert [row["name"] for row in response.json()["rows"]] == ["本校技师学院", "甲学院"]
    assert api_rows(response) == command_rows("--exclude", "乙学院")


def test_a_teacher_sees_ids_other_awards_and_entries(results, teacher):
    rows = teacher(MEDAL_TABLE, {"by": "student"}).json()["rows"]
    zhang = next(row for row in rows if row["name"] == "张伟")
    assert zhang["id"] is not None and zhang["entries"] == 1
    unnamed = teacher(MEDAL_TABLE, {"by": "student"}).json()["unnamed"]
    assert unnamed["name"] == "Unnamed" and unnamed["rank"] is None and unnamed["bronze"] == 1


def test_a_period_table_counts_what_tallies_count(results, teacher):
    response = teacher(
        MEDAL_TABLE, {"by": "skill", "year_from": 2022, "year_to": 2023, "level": "provincial"}
    )
    expected = tallies.medal_table(
        Entry.objects.filter(event__competition__level="provincial"), by="skill", order="tiers"
    )
    assert api_rows(response) == [row.as_dict() for row in expected]
    assert [row["name"] for row in api_rows(response)] == ["数控车床"]


def test_a_year_cuts_the_table(results, teacher):
    rows = api_rows(teacher(MEDAL_TABLE, {"year": 2022}))
    assert [(row["name"], row["total"]) for row in rows] == [("本校技师学院", 2), ("甲学院", 1)]
    assert api_rows(teacher(MEDAL_TABLE, {"year_from": 2024, "year_to": 2023})) == []


# ---------------------------------------------------------------------------------------------
# Who sees what


def test_anonymous_readers_get_nothing_while_the_public_switch_is_off(results, client):
    assert client.get(MEDAL_TABLE).status_code == 401


def test_the_public_sees_confirmed_results_only(results, public, teacher):
    body = public(MEDAL_TABLE, {"competition": results.national.pk, "by": "student"}).json()
    assert body["confirmed_only"] is True
    assert "王芳" not in [row["name"] for row in body["rows"]]  # her silver is unconfirmed
    assert "王芳" in [row["name"] for row in teacher(MEDAL_TABLE, {"by": "student"}).json()["rows"]]
    asked = teacher(MEDAL_TABLE, {"competition": results.national.pk, "by": "student", "confirmed": True})
    assert api_rows(asked) == [{key: row[key] for key in COMMAND_KEYS} for row in body["rows"]]
    # Once confirmed, the public table is the command's.
    confirm(results.unconfirmed)
    response = public(MEDAL_TABLE, {"competition": results.national.pk, "by": "student"})
    assert api_rows(response) == command_rows("--by", "student")


def test_the_public_sees_everything_when_the_office_confirms_nothing(results, public, settings):
    settings.RESULTS_NEED_CONFIRMATION = False
    response = public(MEDAL_TABLE, {"competition": results.national.pk})
    assert response.json()["confirmed_only"] is False
    assert api_rows(response) == command_rows()


def test_public_rows_name_people_without_their_ids(results, public):
    body = public(MEDAL_TABLE, {"by": "student"}).json()
    assert body["rows"] and all(set(row) == set(COMMAND_KEYS) for row in body["rows"])
    assert set(body["unnamed"]) == set(COMMAND_KEYS)


@pytest.mark.parametrize(
    ("url", "params"),
    [
        (MEDAL_TABLE, {"by": "department"}),
        (LEADERBOARD, {"by": "department"}),
        (TALLIES, {"department": 1}),
    ],
)
def test_department_tables_are_not_public(public, url, params):
    response = public(url, params)
    assert response.status_code == 403
    assert "not public" in response.json()["detail"]


def test_the_public_summary_has_no_departments_or_paragraphs(results, public, teacher):
    public_body = public(SUMMARY, {"year": 2023}).json()
    assert "departments" not in public_body and "paragraph_zh" not in public_body
    body = teacher(SUMMARY, {"year": 2023}).json()
    assert [row["name"] for row in body["departments"]] == ["机器人系", "机械系"]
    assert body["paragraph_zh"] and body["paragraph_en"]


# ---------------------------------------------------------------------------------------------
# Leaderboards: the page's rows


@pytest.mark.parametrize(
    ("by", "page_by"),
    [("student", "students"), ("coach", "coaches"), ("department", "departments"), ("skill", "skills")],
)
@pytest.mark.parametrize("params", [{}, {"year_from": 2023, "order": "points"}, {"events_flag": "selection"}])
def test_a_leaderboard_has_the_pages_rows(results, teacher, user_client, by, page_by, params):
    page_params = {
        "by": page_by,
        **{k: v for k, v in params.items() if k != "events_flag"},
        **({"selection": "on"} if "events_flag" in params else {}),
    }
    page = user_client.get(reverse("competitions:leaderboard"), page_params)
    expected = [(row.record.rank, row.record.name, row.record.total) for row in page.context["table"].rows]
    body = teacher(LEADERBOARD, {"by": by, **params}).json()
    assert [(row["rank"], row["name"], row["total"]) for row in body["rows"]] == expected
    assert body["count"] == len(expected)


def test_a_leaderboard_is_read_a_page_at_a_time_with_ranks_going_on(results, teacher):
    whole = teacher(LEADERBOARD, {"by": "organization"}).json()
    pages = [teacher(LEADERBOARD, {"by": "organization", "limit": 1, "offset": n}).json() for n in range(4)]
    assert [page["rows"][0] for page in pages if page["rows"]] == whole["rows"]
    assert all(page["count"] == whole["count"] for page in pages)


def test_an_all_time_leaderboard_for_the_public_counts_confirmed_results_only(results, public, teacher):
    names = [row["name"] for row in public(LEADERBOARD, {"by": "student"}).json()["rows"]]
    # 王芳's provincial gold is confirmed, her national silver is not.
    wang = next(row for row in public(LEADERBOARD, {"by": "student"}).json()["rows"] if row["name"] == "王芳")
    assert (wang["gold"], wang["silver"]) == (1, 0)
    assert sorted(names) == sorted(
        row["name"] for row in teacher(LEADERBOARD, {"by": "student"}).json()["rows"]
    )
    confirm(results.unconfirmed)
    wang = next(row for row in public(LEADERBOARD, {"by": "student"}).json()["rows"] if row["name"] == "王芳")
    assert (wang["gold"], wang["silver"]) == (1, 1)


def test_a_leaderboard_of_one_skill(results, teacher):
    body = teacher(LEADERBOARD, {"by": "student", "skill": results.skill.pk}).json()
    assert sorted(row["name"] for row in body["rows"]) == ["张伟", "李娜"]


# ---------------------------------------------------------------------------------------------
# Tallies and the annual summary


def pivot_numbers(body) -> dict:
    cells = {}
    for year in body["years"]:
        for row in year["levels"]:
            for tier in ("special", "gold", "silver", "bronze", "excellence", "other"):
                if row[tier]:
                    cells[(year["year"], row["level"], tier)] = row[tier]
    return cells


def test_the_tallies_are_the_pivots(results, teacher, user_client):
    body = teacher(TALLIES).json()
    live = tallies.year_level_counts(tallies.college_entries())
    assert pivot_numbers(body) == live
    page = user_client.get(reverse("competitions:pivot"))
    assert page.status_code == 200
    assert body["total"]["total"] == sum(live.values()) == 5
    assert [year["year"] for year in body["years"]] == [2023, 2022]


def test_a_departments_tallies(results, teacher):
    robotics = results.departments[1]
    body = teacher(TALLIES, {"department": robotics.pk}).json()
    assert pivot_numbers(body) == tallies.year_level_counts(tallies.college_entries(department=robotics))
    assert body["department"] == robotics.pk


def test_public_tallies_count_confirmed_results_only(results, public):
    body = public(TALLIES).json()
    assert body["confirmed_only"] is True
    assert pivot_numbers(body) == tallies.year_level_counts(tallies.college_entries(confirmed=True))
    assert (2023, "national", "silver") not in pivot_numbers(body)
    confirm(results.unconfirmed)
    assert pivot_numbers(public(TALLIES).json())[(2023, "national", "silver")] == 1


def test_the_summary_has_the_pages_numbers(results, teacher):
    body = teacher(SUMMARY, {"year": 2023}).json()
    summary = reports.annual_summary(2023)
    assert body["total"]["total"] == summary.total.total
    assert body["listed_medals"] == len(summary.medals) == 3
    assert [row["level"] for row in body["levels"]] == ["national"]
    assert body["paragraph_zh"] == summary.paragraph_zh
    # Without a year: the latest year with awards.
    assert teacher(SUMMARY).json()["year"] == 2023
    squads = teacher(SUMMARY, {"year": 2022}).json()
    assert (squads["squad_selections"], squads["squad_people"]) == (0, 0)  # 乙学院's is not the college's


def test_without_a_home_college_the_tallies_are_empty(teacher):
    Organization.objects.all().delete()
    assert teacher(TALLIES).json()["years"] == []
    assert teacher(SUMMARY, {"year": 2023}).json()["levels"] == []


# ---------------------------------------------------------------------------------------------
# Refused options: 422 with a message, never 500


@pytest.mark.parametrize(
    ("url", "params", "field", "message"),
    [
        (MEDAL_TABLE, {"by": "class"}, "by", "Input should be"),
        (MEDAL_TABLE, {"order": "alphabetical"}, "order", "Input should be"),
        (MEDAL_TABLE, {"level": "galactic"}, "level", "Input should be"),
        (MEDAL_TABLE, {"year": 99999}, "year", "less than or equal to 2200"),
        (MEDAL_TABLE, {"exclude": "a\x00b"}, "exclude", "String should match pattern"),
        (MEDAL_TABLE, {"exclude": "学院," * 500}, "exclude", "at most 1000 characters"),
        (MEDAL_TABLE, {"unranked": ["学院"] * 21}, "unranked", "at most 20 items"),
        (MEDAL_TABLE, {"competition": 2**70}, "competition", "less than or equal to"),
        (MEDAL_TABLE, {"confirmed": "perhaps"}, "confirmed", "valid boolean"),
        (MEDAL_TABLE, {"events_flag": "all"}, "events_flag", "Input should be 'selection'"),
        (LEADERBOARD, {"limit": 0}, "limit", "greater than or equal to 1"),
        (TALLIES, {"category": "chess"}, "category", "Input should be"),
        (SUMMARY, {"year": "last"}, "year", "valid integer"),
    ],
)
def test_invalid_options_are_refused_with_a_message(teacher, url, params, field, message):
    response = teacher(url, params)
    assert response.status_code == 422, response.content
    errors = response.json()["detail"]
    assert any(message in error["msg"] for error in errors), errors
    if field:
        assert any(error["loc"][0] == "query" and field in error["loc"] for error in errors), errors


@pytest.mark.parametrize(
    ("url", "params", "message"),
    [
        (MEDAL_TABLE, {"competition": 999999}, "No competition with id 999999."),
        (LEADERBOARD, {"skill": 999999}, "No skill with id 999999."),
        (MEDAL_TABLE, {"unranked": "甲学院,无此学院"}, "Unknown organizations: 无此学院"),
        (TALLIES, {"department": 999999}, "No department with id 999999."),
    ],
)
def test_an_id_or_a_name_that_names_nothing_is_not_found(results, teacher, url, params, message):
    response = teacher(url, params)
    assert response.status_code == 404 and response.json() == {"detail": message}


# ---------------------------------------------------------------------------------------------
# Query counts: the same for a few rows or many


def grow(entries: int) -> None:
    """Many more results, written in bulk (competitions.synthetic, the benchmark's data)."""
    generate(entries=entries, seed=12, log=lambda *args: None)


BUDGET_URLS = {
    "medal-table": (MEDAL_TABLE, {"by": "organization"}),
    "medal-table-students": (MEDAL_TABLE, {"by": "student", "exclude": "甲学院", "unranked": "乙学院"}),
    "medal-table-competition": (MEDAL_TABLE, {"by": "student", "year": 2021, "confirmed": True}),
    "leaderboard-all-time": (LEADERBOARD, {"by": "student", "offset": 2}),
    "leaderboard-period": (LEADERBOARD, {"by": "skill", "year_from": 2020, "order": "points"}),
    "leaderboard-confirmed": (LEADERBOARD, {"by": "organization", "confirmed": True}),
    "tallies": (TALLIES, {}),
    "tallies-confirmed": (TALLIES, {"confirmed": True}),
    "summary": (SUMMARY, {"year": 2021}),
}
BUDGET = 8  # the key and its user (3), and each endpoint's own few (1-4)


def test_query_counts_do_not_grow_with_the_data(results, teacher, public, django_assert_max_num_queries):
    small = {}
    for name, (url, params) in BUDGET_URLS.items():
        for who, call in (("teacher", teacher), ("public", public)):
            with django_assert_max_num_queries(BUDGET, info=f"{name} {who}"):
                small[name, who] = call(url, params)
    grow(300)
    for name, (url, params) in BUDGET_URLS.items():
        for who, call in (("teacher", teacher), ("public", public)):
            with django_assert_max_num_queries(BUDGET, info=f"{name} {who}"):
                large = call(url, params)
            assert small[name, who].status_code == large.status_code == 200, (name, who, large.content)
            assert len(large.content) >= len(small[name, who].content), (name, who)


def test_a_leaderboard_page_of_many_rows_reads_a_slice(results, teacher, django_assert_max_num_queries):
    grow(300)
    whole = tallies.medal_table(Entry.objects.all(), by="student")
    with django_assert_max_num_queries(BUDGET):
        body = teacher(LEADERBOARD, {"by": "student", "limit": 5, "offset": 20}).json()
    assert body["count"] == len(whole) > 25
    # Ranks go on from the rows before the slice (ties among them may be listed in another order).
    assert [(row["rank"], row["gold"], row["total"]) for row in body["rows"]] == [
        (row.rank, row.gold, row.total) for row in whole[20:25]
    ]


def test_a_medal_table_comes_a_page_at_a_time_and_the_pages_add_up(results, teacher):
    whole = command_rows("--by", "student")
    pages, page = [], 1
    while True:
        body = teacher(MEDAL_TABLE, {"competition": results.national.pk, "by": "student", "page": page,
                                     "page_size": 2}).json()  # fmt: skip
        assert body["count"] == len(whole) and body["page_size"] == 2
        pages += [{key: row[key] for key in COMMAND_KEYS} for row in body["rows"]]
        if page * 2 >= body["count"]:
            break
        assert body["unnamed"] is None  # the unnamed line comes after the last row
        page += 1
    assert pages == whole
    assert page > 1


def test_the_all_time_medal_table_is_read_from_the_stored_tallies_a_page_at_a_time(
    results, teacher, django_assert_max_num_queries
):
    grow(300)
    whole = tallies.medal_table(Entry.objects.all(), by="organization")
    with django_assert_max_num_queries(BUDGET):
        body = teacher(MEDAL_TABLE, {"page": 3, "page_size": 5}).json()
    assert body["count"] == len(whole) > 15
    # The same ranks and numbers at each position (ties may be listed in another order).
    assert [(row["rank"], row["gold"], row["total"], row["points"]) for row in body["rows"]] == [
        (row.rank, row.gold, row.total, row.points) for row in whole[10:15]
    ]
