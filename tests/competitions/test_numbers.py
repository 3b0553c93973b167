"""Numbers that read right (issue 11, §9): charts add up to their tables, the "未署名" line of the
person tables, placeholder skills left unranked, and the print header of a person's page."""

import csv
import io
import json
import re
from html import unescape

import pytest
from django.contrib.auth.models import Group
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from competitions import roles, tallies
from competitions.demo import UNNAMED_SKILL, load_demo
from competitions.models import Competition, Entry, Level, Skill
from competitions.views.leaderboards import LeaderboardView
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
SUMMARY = reverse("competitions:annual-summary")


@pytest.fixture
def office_client(client, django_user_model):
    user = django_user_model.objects.create_user("office-user", password="a-long-test-password")
    user.groups.add(Group.objects.get(name=roles.OFFICE))
    client.force_login(user)
    return client


# ---------------------------------------------------------------------------------------------
# Reading numbers out of the pages


def svg_of(html: str, css_class: str) -> str:
    match = re.search(rf'<svg class="chart {css_class}".*?</svg>', html, re.S)
    assert match, f"no {css_class} chart"
    return match.group(0)


def chart_values(svg: str) -> dict[str, int]:
    """Bar label → the total written beside (or on top of) the bar."""
    values = {}
    for bar in re.findall(r'<g class="chart-bar">(.*?)</g>', svg, re.S):
        value = int(re.search(r'class="chart-value"[^>]*>(\d+)<', bar).group(1))
        label = re.search(r'class="chart-(?:axis|label)"[^>]*>([^<]+)<', bar).group(1)
        values[unescape(label)] = value
    return values


def figure_after(html: str, caption: str) -> str:
    """The chart in the <figure> whose caption starts with `caption`."""
    start = html.index(caption)
    return html[start : html.index("</figure>", start)]


def pivot_year_totals(html: str) -> dict[str, int]:
    """Year → the pivot table's total for that year (its subtotal row's last cell)."""
    totals = {}
    for year, row in re.findall(r'rowspan="\d+">(\d{4})</th>.*?<tr class="subtotal">(.*?)</tr>', html, re.S):
        totals[year] = int(re.findall(r">(\d+)</(?:a|span)></td>", row)[-1])
    return totals


@pytest.fixture
def awards():
    """2023: a national gold (a student of 机器人系), a squad selection and a named award (both
    "other"), one of them unnamed; 2022: a provincial bronze. Skills: 移动机器人, 机电一体化."""
    home = home_organization()
    robots = make_department("机器人系")
    cars = make_department("汽车系")
    zheng = make_student("郑泽鑫", department=robots)
    wang = make_student("王芳", department=cars)
    national = make_competition("全国赛", year=2023, level=Level.NATIONAL)
    provincial = make_competition("省赛", year=2022, level=Level.PROVINCIAL)
    make_entry(make_event(national, name="移动机器人"), members=[zheng], award="金牌")
    make_entry(make_event(national, name="机电一体化"), members=[wang], award="入围国家集训队")
    make_entry(
        make_event(national, name="移动机器人团体", skill="移动机器人"), award="优秀组织奖", organization=home
    )
    make_entry(make_event(provincial, name="移动机器人"), members=[zheng], award="铜牌")
    return {"zheng": zheng, "wang": wang}


# ---------------------------------------------------------------------------------------------
# Charts add up to their tables


def test_the_pivot_charts_count_the_other_awards_the_table_counts(user_client, awards):
    html = user_client.get(PIVOT).content.decode()
    table = pivot_year_totals(html)
    assert table == {"2023": 3, "2022": 1}  # the gold and two "other" awards; the bronze
    trend = chart_values(svg_of(html, "chart-columns"))
    assert trend == table  # without "other", the 2023 column said 1
    # Each award has one skill: the skill chart adds up to the whole table.
    skills = chart_values(svg_of(figure_after(html, "Awards by skill"), "chart-bars"))
    assert sum(skills.values()) == sum(table.values())
    # Each department's bar is its own tally (the squad selection of 汽车系 is an award too).
    departments = chart_values(svg_of(figure_after(html, "Awards by department"), "chart-bars"))
    assert departments == {"机器人系": 2, "汽车系": 1}


def test_the_demo_pivot_chart_says_52_for_2023_as_its_table_does(user_client):
    """The issue's numbers: the table said 52 for 2023 and the chart 43 (其他 left out)."""
    load_demo()
    html = user_client.get(PIVOT).content.decode()
    table = pivot_year_totals(html)
    trend = chart_values(svg_of(html, "chart-columns"))
    assert trend == table
    assert trend["2023"] == 52


def test_the_summary_charts_add_up_to_the_summary_tables(user_client, awards):
    response = user_client.get(SUMMARY, {"year": 2023})
    html = response.content.decode()
    departments = {item["row"].name: item["row"].awards for item in response.context["departments"]}
    chart = chart_values(svg_of(figure_after(html, "Awards by department"), "chart-bars"))
    assert chart == departments == {"机器人系": 1, "汽车系": 1}
    skills = chart_values(svg_of(figure_after(html, "Awards by skill"), "chart-bars"))
    assert sum(skills.values()) == response.context["summary"].total.total == 3


def test_the_leaderboard_chart_shows_the_tables_totals(user_client, awards):
    for by in ("students", "departments", "skills", "organizations"):
        response = user_client.get(LEADERBOARD, {"by": by})
        rows = {row.record.name: row.record.total for row in response.context["table"].rows}
        chart = chart_values(str(response.context["chart"]))
        assert chart == {name: total for name, total in rows.items() if total}, by


# ---------------------------------------------------------------------------------------------
# The "未署名" line of the person tables


@pytest.fixture
def unnamed():
    """A competition with a named gold (郑泽鑫, coached by 陈老师), three unnamed home entries (two
    golds and a bronze), an unnamed entry of another college and an entry with a coach only."""
    competition = make_competition("全国赛", year=2023, level=Level.NATIONAL)
    zheng, chen = make_student("郑泽鑫"), make_coach("陈老师")
    make_entry(make_event(competition, name="移动机器人"), members=[zheng], coaches=[chen], award="金牌")
    make_entry(make_event(competition, name="其他甲"), award="金牌")
    make_entry(make_event(competition, name="其他甲2"), award="金牌")
    make_entry(make_event(competition, name="其他乙"), award="铜牌")
    make_entry(make_event(competition, name="其他丙"), award="金牌", organization="外校")
    make_entry(make_event(competition, name="教练赛项"), coaches=[chen], award="银牌")
    return competition


def test_unnamed_row_counts_the_college_entries_that_name_nobody(unnamed):
    entries = Entry.objects.for_competition(unnamed)
    row = tallies.unnamed_row(entries, by="student")
    assert (row.gold, row.silver, row.bronze, row.total) == (2, 0, 1, 3)
    assert row.rank is None and not row.ranked and row.unnamed
    assert tallies.unnamed_row(entries, by="coach").total == 3  # the coached silver names 陈老师
    assert tallies.unnamed_row(entries, by="organization") is None
    assert tallies.unnamed_row(entries, by="department") is None


def test_the_competition_pages_student_table_ends_with_the_unnamed_line(user_client, unnamed):
    response = user_client.get(unnamed.get_absolute_url(), {"by": "student"})
    assert [row.name for row in response.context["medal_rows"]] == ["郑泽鑫"]
    line = response.context["unnamed"]
    assert (line.gold, line.bronze, line.rank) == (2, 1, None)
    html = response.content.decode()
    table = html[
        html.index('<table class="table medal-table">') : html.index("</table>", html.index("medal-table"))
    ]
    assert table.index("郑泽鑫") < table.index("Unnamed")
    footer = table[table.index('<tfoot class="unnamed-line">') :]
    assert '<td class="num"></td>' in footer  # no rank number
    assert "recorded without naming anyone" in html  # the note says what the line is


def test_the_competition_pages_coach_table_has_the_line_and_the_organization_table_not(user_client, unnamed):
    by_coach = user_client.get(unnamed.get_absolute_url(), {"by": "coach"})
    assert by_coach.context["unnamed"].total == 3
    by_organization = user_client.get(unnamed.get_absolute_url())
    assert by_organization.context["unnamed"] is None
    assert "unnamed-line" not in by_organization.content.decode()


def test_the_unnamed_line_is_not_in_medal_tables_json(unnamed):
    out = io.StringIO()
    call_command("medal_table", competition="全国赛", by="student", format="json", stdout=out)
    assert [row["name"] for row in json.loads(out.getvalue())] == ["郑泽鑫"]


def test_the_students_leaderboard_shows_the_unnamed_line_last_on_the_last_page(
    user_client, unnamed, monkeypatch
):
    make_entry(make_event(unnamed, name="数控铣"), members=[make_student("李明")], award="银牌")
    monkeypatch.setattr(LeaderboardView, "table_pagination", {"per_page": 1})
    first = user_client.get(LEADERBOARD, {"by": "students"})
    assert first.context["table"].unnamed is None  # counted only where it is shown
    assert "unnamed-line" not in first.content.decode()
    last = user_client.get(LEADERBOARD, {"by": "students", "page": 2})
    assert last.context["table"].unnamed.total == 3
    html = last.content.decode()
    assert "李明" in html and html.index("李明") < html.index("Unnamed")
    assert '<tfoot class="unnamed-line">' in html
    # The people keep their ranks: the line takes none.
    assert [row.record.rank for row in last.context["table"].page.object_list] == [2]


def test_the_leaderboard_export_ends_with_the_unnamed_line_without_a_rank(user_client, unnamed):
    response = user_client.get(LEADERBOARD, {"by": "students", "_export": "csv"})
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert rows[1][:2] == ["1", "郑泽鑫"]
    assert rows[-1][1] == "Unnamed" and rows[-1][0] in ("", "—")
    assert rows[-1][3] == "2"  # its golds


def test_a_cut_leaderboard_counts_the_unnamed_line_for_the_same_filters(user_client, unnamed):
    later = make_competition("省赛", year=2024, level=Level.PROVINCIAL)
    make_entry(make_event(later, name="其他丁"), award="铜牌")
    response = user_client.get(LEADERBOARD, {"by": "coaches", "year_from": 2024})
    assert response.context["table"].unnamed.total == 1
    response = user_client.get(LEADERBOARD, {"by": "departments"})
    assert response.context["table"].unnamed is None


# ---------------------------------------------------------------------------------------------
# Placeholder skills


@pytest.fixture
def placeholder():
    """赛项未列明 (a placeholder) with three golds; 移动机器人 with one gold, 机电一体化 with a silver."""
    competition = make_competition("全国赛", year=2023, level=Level.NATIONAL)
    for name in ("甲", "乙", "丙"):
        make_entry(make_event(competition, name=f"未列明{name}", skill=UNNAMED_SKILL), award="金牌")
    make_entry(make_event(competition, name="移动机器人"), members=[make_student()], award="金牌")
    make_entry(make_event(competition, name="机电一体化"), members=[make_student()], award="银牌")
    Skill.objects.filter(name=UNNAMED_SKILL).update(placeholder=True)
    return competition


def ranked(response) -> list[tuple[str, int | None]]:
    return [(row.record.name, row.record.rank) for row in response.context["table"].rows]


@pytest.mark.parametrize("cut", [{}, {"year_from": 2023}], ids=["all-time (stored tallies)", "counted"])
def test_a_placeholder_skill_is_listed_last_without_a_rank(user_client, placeholder, cut):
    response = user_client.get(LEADERBOARD, {"by": "skills", **cut})
    assert ranked(response) == [("移动机器人", 1), ("机电一体化", 2), (UNNAMED_SKILL, None)]


def test_a_placeholder_skill_is_ranked_when_the_flag_is_off(user_client, placeholder):
    Skill.objects.filter(name=UNNAMED_SKILL).update(placeholder=False)
    response = user_client.get(LEADERBOARD, {"by": "skills"})
    assert ranked(response)[0] == (UNNAMED_SKILL, 1)


def test_the_competition_pages_skill_table_marks_the_placeholder(user_client, placeholder):
    response = user_client.get(placeholder.get_absolute_url(), {"by": "skill"})
    rows = response.context["medal_rows"]
    assert [(row.name, row.rank) for row in rows] == [
        ("移动机器人", 1),
        ("机电一体化", 2),
        (UNNAMED_SKILL, None),
    ]
    assert "placeholder, not ranked" in response.content.decode()


def test_tally_rows_pages_rank_around_the_placeholder(placeholder):
    rows = tallies.TallyRows("skill", "tiers")
    assert len(rows) == 3
    assert [(row.name, row.rank) for row in rows[1:3]] == [("机电一体化", 2), (UNNAMED_SKILL, None)]


def test_the_demo_marks_its_placeholder_skill_and_it_does_not_rank_first(user_client):
    load_demo()
    assert list(Skill.objects.filter(placeholder=True).values_list("name", flat=True)) == [UNNAMED_SKILL]
    rows = ranked(user_client.get(LEADERBOARD, {"by": "skills"}))
    assert rows[0][0] != UNNAMED_SKILL and rows[0][1] == 1
    assert (UNNAMED_SKILL, None) in rows


# ---------------------------------------------------------------------------------------------
# The skill edit page


def test_the_office_marks_a_skill_as_a_placeholder(office_client, placeholder):
    skill = Skill.objects.get(name="机电一体化")
    versions = dict(Competition.objects.values_list("pk", "results_version"))
    page = office_client.get(reverse("competitions:skill-detail", args=[skill.pk])).content.decode()
    url = reverse("competitions:skill-edit", args=[skill.pk])
    assert f'href="{url}"' in page  # linked from the skill's page
    response = office_client.post(url, {"name": "机电一体化", "name_en": "Mechatronics", "placeholder": "on"})
    assert response.status_code == 302
    skill.refresh_from_db()
    assert skill.placeholder and skill.name_en == "Mechatronics"
    # The cached tallies pages are keyed by the competitions' results_version.
    assert Competition.objects.get(pk=placeholder.pk).results_version > versions[placeholder.pk]


def test_a_skill_name_taken_is_refused_with_a_message(office_client, placeholder):
    skill = Skill.objects.get(name="机电一体化")
    url = reverse("competitions:skill-edit", args=[skill.pk])
    response = office_client.post(url, {"name": "移动机器人", "name_en": ""})
    assert response.status_code == 200
    assert response.context["form"].errors["name"]
    skill.refresh_from_db()
    assert skill.name == "机电一体化"


def test_teachers_cannot_edit_a_skill_nor_see_the_link(user_client, placeholder):
    skill = Skill.objects.get(name="机电一体化")
    url = reverse("competitions:skill-edit", args=[skill.pk])
    assert url not in user_client.get(reverse("competitions:skill-detail", args=[skill.pk])).content.decode()
    assert user_client.get(url).status_code == 403
    assert user_client.post(url, {"name": "x", "placeholder": "on"}).status_code == 403
    skill.refresh_from_db()
    assert skill.name == "机电一体化" and not skill.placeholder


# ---------------------------------------------------------------------------------------------
# Printing


def test_a_students_page_carries_the_college_and_the_date_for_print(user_client, awards):
    html = user_client.get(awards["zheng"].get_absolute_url()).content.decode()
    header = html[html.index('<div class="print-header print-only">') :]
    header = header[: header.index("</div>")]
    assert home_organization().name in header
    assert timezone.localdate().strftime("%Y-%m-%d") in header
    assert "郑泽鑫" in header


def test_the_print_css_numbers_the_pages():
    from django.contrib.staticfiles import finders

    css = open(finders.find("css/site.css"), encoding="utf-8").read()
    page = css[css.index("@page") :]
    assert "@bottom-center" in page and 'counter(page) " / " counter(pages)' in page
    assert ".print-only {\n  display: none;" in css
