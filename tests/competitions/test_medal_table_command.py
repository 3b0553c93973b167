import csv
import io
import json

import pytest
from django.core.management import CommandError, call_command

from tests.factories import make_competition, make_entry, make_event, make_organization

pytestmark = pytest.mark.django_db

NAME = "中华人民共和国第二届职业技能大赛"


@pytest.fixture
def competition():
    competition = make_competition(NAME, year=2023)
    robots = make_event(competition, name="移动机器人", is_team=True, is_selection=True)
    tea = make_event(competition, name="茶艺")
    make_entry(robots, organization="甲学院", members=["a", "b"], award="金牌")
    make_entry(robots, organization="乙学院", members=["c", "d"], award="金牌")  # a tie for gold
    make_entry(robots, organization="丙学院", members=["e", "f"], award="铜牌")
    make_entry(tea, organization="丙学院", award="优胜奖")
    make_entry(tea, organization="邀请队", award="银牌")
    return competition


def run(*args):
    out = io.StringIO()
    call_command("medal_table", "--competition", NAME, *args, stdout=out)
    return out.getvalue()


def test_json_lists_rows_in_table_order_with_the_documented_keys(competition):
    rows = json.loads(run("--format", "json"))
    assert [(r["rank"], r["name"]) for r in rows] == [
        (1, "甲学院"),
        (1, "乙学院"),
        (3, "邀请队"),
        (4, "丙学院"),
    ]
    assert set(rows[0]) == {
        "rank",
        "name",
        "special",
        "gold",
        "silver",
        "bronze",
        "excellence",
        "total",
        "points",
    }
    third = rows[3]
    assert (third["bronze"], third["excellence"], third["total"], third["points"]) == (1, 1, 2, 3)


def test_unranked_organizations_have_a_null_rank_and_do_not_shift_the_others(competition):
    rows = json.loads(run("--format", "json", "--unranked", "邀请队"))
    assert [(r["rank"], r["name"]) for r in rows] == [
        (1, "甲学院"),
        (1, "乙学院"),
        (None, "邀请队"),
        (3, "丙学院"),
    ]


def test_the_stored_setting_and_the_command_line_add_up(competition):
    competition.excluded_organizations.add(make_organization("邀请队"))
    rows = json.loads(run("--format", "json", "--exclude", "乙学院"))
    assert [r["name"] for r in rows] == ["甲学院", "丙学院"]


def test_selection_events_only(competition):
    rows = json.loads(run("--format", "json", "--events-flag", "selection"))
    assert [(r["name"], r["total"]) for r in rows] == [("甲学院", 1), ("乙学院", 1), ("丙学院", 1)]


def test_order_by_total_and_points(competition):
    by_total = json.loads(run("--format", "json", "--order", "total"))
    assert by_total[0]["name"] == "丙学院" and by_total[0]["rank"] == 1
    by_points = json.loads(run("--format", "json", "--order", "points"))
    assert [(r["name"], r["points"], r["rank"]) for r in by_points][:2] == [
        ("甲学院", 4, 1),
        ("乙学院", 4, 1),
    ]


def test_by_student_counts_team_members_once_each(competition):
    rows = json.loads(run("--format", "json", "--by", "student"))
    assert rows == []  # outside competitors are names, not students: no student table rows


def test_csv_has_a_header_and_one_line_per_row(competition):
    rows = list(csv.DictReader(io.StringIO(run("--format", "csv"))))
    assert [row["name"] for row in rows] == ["甲学院", "乙学院", "邀请队", "丙学院"]
    assert rows[0]["gold"] == "1"


def test_text_shows_the_table(competition):
    text = run()
    assert "甲学院" in text and "丙学院" in text


def test_an_unknown_competition_or_organization_is_an_error(competition):
    with pytest.raises(CommandError, match="不存在的赛"):
        call_command("medal_table", "--competition", "不存在的赛", stdout=io.StringIO())
    with pytest.raises(CommandError, match="无名队"):
        run("--unranked", "无名队")


def test_a_name_shared_by_two_years_needs_the_year(competition):
    make_competition(NAME, year=2025)
    with pytest.raises(CommandError, match="2023"):
        run()
    assert json.loads(run("--year", "2023", "--format", "json"))[0]["name"] == "甲学院"


def test_csv_of_an_empty_table_still_has_every_column():
    make_competition(NAME, year=2023)
    header = run("--format", "csv").splitlines()[0]
    assert header == "rank,name,special,gold,silver,bronze,excellence,total,points"


@pytest.mark.parametrize("name", ['=HYPERLINK("http://x","点我")', "+1+1", "-2+3", "@SUM(A1)", "\t=1"])
def test_csv_escapes_a_name_a_spreadsheet_would_run_and_keeps_its_columns(competition, name):
    tea = competition.events.get(name="茶艺")
    make_entry(tea, organization=name, award="金牌")
    text = run("--format", "csv")
    rows = list(csv.DictReader(io.StringIO(text)))
    assert text.splitlines()[0] == "rank,name,special,gold,silver,bronze,excellence,total,points"
    [row] = [row for row in rows if row["name"].endswith(name)]
    assert row["name"] == "'" + name
    assert (row["rank"], row["gold"], row["total"]) == ("1", "1", "1")  # numbers stay plain numbers
    # JSON is not opened by spreadsheets: names stay exactly as recorded.
    assert name in [r["name"] for r in json.loads(run("--format", "json"))]
