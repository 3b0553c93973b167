"""The home college's tallies, the annual-summary paragraph, its workbook, and the SVG charts."""

import re

import pytest

from competitions import charts, reports, tallies
from competitions.models import Award, Tier
from tests.factories import (
    home_organization,
    make_coach,
    make_competition,
    make_department,
    make_entry,
    make_event,
    make_organization,
    make_student,
)


@pytest.fixture
def home(db):
    return home_organization()


# Counting


def test_college_entries_are_the_colleges_entries_with_an_award(home):
    event = make_event(is_team=True)
    counted = make_entry(event, award="金牌")
    make_entry(event, award="金牌", organization="外校")
    make_entry(event, award=None)
    # Rule 9: a home student competing for a delegation, a home teacher coaching another team.
    delegation = make_entry(event, members=[make_student()], award="银牌", organization="广东省代表团")
    coached = make_entry(event, members=["外人"], coaches=[make_coach()], award="铜牌", organization="外校")
    make_entry(event, members=["外人乙"], coaches=[make_coach(organization=make_organization("外校"))],
               award="铜牌", organization="外校")  # fmt: skip
    assert set(tallies.college_entries()) == {counted, delegation, coached}


def test_a_department_counts_a_team_once_and_a_mixed_team_once_for_each_department(home):
    robotics, cars = make_department("机器人系"), make_department("汽车系")
    make_entry(
        make_event(is_team=True),
        members=[make_student(department=robotics), make_student(department=robotics)],
        award="金牌",
    )
    make_entry(
        make_event(is_team=True),
        members=[make_student(department=robotics), make_student(department=cars), "外校选手"],
        award="入围国家集训队",
    )
    assert tallies.college_entries(department=robotics).count() == 2
    rows = tallies.medal_table(tallies.college_entries(), by="department", with_other=True)
    counts = {row.name: {tier: n for tier, n in row.counts.items() if n} for row in rows}
    assert counts == {"机器人系": {"gold": 1, "other": 1}, "汽车系": {"other": 1}}


def test_the_pivot_has_years_newest_first_levels_widest_first_and_totals(home):
    for year, level, award in [
        (2022, "provincial", "金牌"),
        (2023, "provincial", "铜牌"),
        (2023, "national", "金牌"),
        (2023, "national", "一等奖"),
        (2023, "world", "Medallion for Excellence"),
    ]:
        make_entry(make_event(make_competition(year=year, level=level)), award=award)
    years, grand = reports.pivot_table(tallies.year_level_counts(tallies.college_entries()))
    assert [(y.year, [row.level for row in y.levels]) for y in years] == [
        (2023, ["world", "national", "provincial"]),
        (2022, ["provincial"]),
    ]
    assert years[0].levels[1].counts == {"gold": 2}
    assert years[0].total.counts == {"gold": 2, "bronze": 1, "excellence": 1}
    assert (grand.total, grand.medals, grand.counts["gold"]) == (5, 5, 3)


@pytest.mark.parametrize(
    "label, squad",
    [
        ("入围国家集训队", True),
        ("National Training Squad", True),
        ("国家集训队", True),
        ("优秀组织奖", False),
    ],
)
def test_squad_selections_are_other_awards_naming_the_squad(db, label, squad):
    assert reports.is_squad(Award.objects.parse(label)) is squad


def test_a_squad_word_in_a_medal_label_is_not_a_squad_selection(db):
    award = Award.objects.create(label="集训队金牌", tier=Tier.GOLD)
    assert reports.is_squad(award) is False


# The paragraph


def test_a_year_without_awards_says_so(home):
    summary = reports.annual_summary(2019)
    assert summary.paragraph_zh == "2019 年，学院师生在各级各类竞赛中暂无获奖记录。"
    assert summary.paragraph_en == "In 2019, no awards were recorded for the college."


def test_the_paragraph_follows_the_report_style(home):
    national = make_competition("第二届全国技能大赛", year=2023, level="national")
    student, mate = make_student("郑泽鑫"), make_student("郑永壕")
    make_entry(
        make_event(national, name="机电一体化", is_team=True),
        members=[student, mate],
        coaches=[make_coach("陈老师"), make_coach("王老师")],
        award="银牌",
    )
    make_entry(make_event(national, name="移动机器人"), members=[make_student("蒋家俊")], award="金牌")
    unnamed = make_event(national, name="其他世赛选拔项目")
    for award in ["铜牌", "铜牌", "优胜奖"]:
        make_entry(unnamed, award=award)
    provincial = make_competition("省赛", year=2023, level="provincial")
    make_entry(make_event(provincial), award="一等奖")
    make_entry(make_event(provincial), award="二等奖")
    Award.objects.create(label="百县千镇万村高质量发展贡献奖", tier=Tier.OTHER)
    make_entry(make_event(provincial, name="创业赛"), award="百县千镇万村高质量发展贡献奖")
    text = reports.annual_summary(2023).paragraph_zh
    assert text.startswith("2023 年，学院师生在各级各类竞赛中取得了丰硕的成果。")
    assert (
        "共获得 1 个国赛一等奖、1 个二等奖、2 个三等奖、1 个优胜奖，以及 1 个省赛一等奖、1 个二等奖。" in text
    )
    assert (
        "其中，在第二届全国技能大赛中，蒋家俊获得移动机器人项目金牌，"
        "郑泽鑫、郑永壕获得机电一体化项目银牌（指导教师：陈老师、王老师），"
        "学院代表队在其他世赛选拔项目获得铜牌 2 个、优胜奖 1 个。"
    ) in text
    assert "学院还获得百县千镇万村高质量发展贡献奖（省赛）。" in text


def test_the_english_paragraph_says_the_same(home):
    national = make_competition("National Games", year=2023, level="national")
    make_entry(
        make_event(national, name="Mechatronics", is_team=True),
        members=[make_student("Li"), make_student("Wang")],
        award="一等奖",
    )
    make_entry(make_event(national, name="Robotics"), members=[make_student("Zhou")], award="银牌")
    make_entry(make_event(make_competition(year=2023, level="provincial")), award="铜牌")
    text = reports.annual_summary(2023).paragraph_en
    assert (
        "They won 1 first prize and 1 second prize at national level; and 1 third prize at provincial level."
        in text
    )
    assert "At National Games, Li and Wang won gold in Mechatronics; Zhou won silver in Robotics." in text


def test_the_english_paragraph_names_awards_by_their_tier_in_any_interface_language(home):
    from django.utils import translation

    national = make_competition("National Games", year=2023, level="national")
    unnamed = make_event(national, name="Robotics", is_team=True)
    for award in ["金牌", "铜牌", "铜牌", "优胜奖"]:
        make_entry(unnamed, award=award)
    Award.objects.create(label="Best Design Prize", tier=Tier.OTHER)
    make_entry(make_event(national, name="Design"), members=[make_student("Zhou")], award="Best Design Prize")
    with translation.override("zh-hans"):  # the office reads the page in Chinese
        text = reports.annual_summary(2023).paragraph_en
    assert "the college's team won 1 × gold, 2 × bronze and 1 × excellence in Robotics" in text
    assert "金" not in text and "铜" not in text and "优胜" not in text
    assert "The college also received Best Design Prize (National Games)." in text  # its label, kept


def test_a_category_changes_who_the_paragraph_is_about_and_what_it_counts(home):
    make_entry(make_event(make_competition(year=2023, category="skills")), award="金牌")
    make_entry(make_event(make_competition(year=2023, category="sports")), award="金牌")
    text = reports.annual_summary(2023, category="skills").paragraph_zh
    assert text.startswith("2023 年，学院学生在职业技能竞赛中取得了丰硕的成果。共获得 1 个国赛一等奖。")


def test_named_squad_members_are_listed_and_unnamed_ones_counted(home):
    squad = make_competition("第47届世界技能大赛中国集训队选拔", year=2023)
    make_entry(make_event(squad, name="A"), members=[make_student("李文博")], award="入围国家集训队")
    make_entry(make_event(squad, name="B"), members=[make_student("周玮")], award="入围国家集训队")
    assert "此外，李文博、周玮在第47届世界技能大赛中国集训队选拔中入围国家集训队。" in (
        reports.annual_summary(2023).paragraph_zh
    )
    make_entry(make_event(squad, name="C"), award="入围国家集训队")
    summary = reports.annual_summary(2023)
    assert summary.squad_people == 3
    assert "此外，李文博、周玮等 3 人在" in summary.paragraph_zh
    assert "In addition, 3 people, including 李文博 and 周玮, were selected at" in summary.paragraph_en


def test_the_department_breakdown_ends_the_paragraph(home):
    robotics = make_department("机器人系")
    make_entry(make_event(), members=[make_student(department=robotics)], award="金牌")
    make_entry(make_event(), members=[make_student(department=robotics)], award="入围国家集训队")
    summary = reports.annual_summary(2023)
    assert summary.paragraph_zh.endswith("分系部看，机器人系获奖 2 项（一等奖 1 个、其他奖项 1 个）。")
    assert summary.paragraph_en.endswith(
        "By department: 机器人系: 2 awards (1 first prize and 1 other award)."
    )


def test_medals_are_listed_widest_level_first_then_by_the_competitions_best_medals(home):
    weak = make_competition("甲赛", year=2023, level="national")
    strong = make_competition("乙赛", year=2023, level="national")
    world = make_competition("世赛", year=2023, level="world")
    make_entry(make_event(weak), award="银牌")
    make_entry(make_event(strong), award="金牌")
    make_entry(make_event(world), award="铜牌")
    make_entry(make_event(make_competition("省赛", year=2023, level="provincial")), award="金牌")
    summary = reports.annual_summary(2023)
    assert [item.competition.name for item in summary.medals] == ["世赛", "乙赛", "甲赛"]


def test_the_workbook_has_a_sheet_per_table(home):
    make_entry(make_event(), members=[make_student("=cmd")], award="金牌")
    sheets = reports.summary_sheets(reports.annual_summary(2023))
    assert [len(sheet.rows) for sheet in sheets] == [2, 1, 0, 0, 0, 0, 2]  # no honours
    assert sheets[1].rows[0][5] == "=cmd"  # escaped when written (competitions.exports)


# Charts


def test_chart_labels_are_escaped():
    bars = [charts.Bar('<script>alert("x")</script>', {"gold": 2, "silver": 1}, url='/x?a=1&b="2"')]
    svg = str(charts.stacked_bars(bars, title="<b>title</b>"))
    assert "<script>" not in svg and "<b>" not in svg
    assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;" in svg
    assert 'href="/x?a=1&amp;b=&quot;2&quot;"' in svg
    assert "&lt;b&gt;title&lt;/b&gt;" in svg
    columns = str(charts.stacked_columns([charts.Bar("<i>2023</i>", {"gold": 1})], title="t"))
    assert "<i>" not in columns and "&lt;i&gt;2023&lt;/i&gt;" in columns


def test_stacked_columns_draw_one_rect_per_nonzero_tier_and_the_total():
    svg = str(
        charts.stacked_columns(
            [charts.Bar("2022", {"gold": 3, "bronze": 1}), charts.Bar("2023", {"silver": 2, "other": 9})],
            title="Medals by year",
        )
    )
    assert svg.startswith("<svg") and 'role="img"' in svg
    bars = re.findall(r'<g class="chart-bar">.*?</g>', svg)
    assert len(bars) == 2
    assert bars[0].count("<rect") == 2 and ">4</text>" in bars[0]
    assert bars[1].count("<rect") == 1 and ">2</text>" in bars[1]  # "other" is not a medal


def test_horizontal_bars_keep_at_most_the_limit_and_shorten_long_labels():
    bars = [
        charts.Bar(f"汽车电器维修工（新能源汽车电控系统技术方向）{i}", {"gold": 20 - i}) for i in range(20)
    ]
    svg = str(charts.stacked_bars(bars, title="t", limit=5))
    assert svg.count('<g class="chart-bar">') == 5
    assert "汽车电器维修工（新能源汽车电控…" in svg
    assert "<title>汽车电器维修工（新能源汽车电控系统技术方向）0: " in svg


def test_an_empty_chart_says_so():
    assert "chart-empty" in str(charts.stacked_bars([charts.Bar("x", {"other": 3})], title="t"))
    assert "chart-empty" in str(charts.stacked_columns([], title="t"))


@pytest.mark.parametrize("maximum, step", [(1, 1), (4, 1), (7, 2), (15, 5), (43, 20), (100, 50), (250, 100)])
def test_grid_steps_are_round(maximum, step):
    assert charts.nice_step(maximum) == step


def test_a_chart_with_links_is_a_named_group_and_one_without_is_an_image():
    # Links inside role="img" are hidden from screen readers yet reachable by Tab (axe: nested-interactive).
    linked = str(
        charts.stacked_bars([charts.Bar("机器人系", {"gold": 1}, url="/people/departments/1/")], title="t")
    )
    plain = str(charts.stacked_bars([charts.Bar("机器人系", {"gold": 1})], title="t"))
    assert 'role="group"' in linked and 'role="img"' not in linked and "<a href=" in linked
    assert 'role="img"' in plain and "<a " not in plain
    assert re.search(r'aria-labelledby="(chart-title-\d+)".*<title id="\1">t</title>', linked)
