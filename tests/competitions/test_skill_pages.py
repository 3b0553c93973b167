"""Skill pages: every result of one skill across competitions and years, and the college's titles."""

import pytest
from django.urls import reverse

from competitions.models import Level, Skill
from tests.factories import home_organization, make_competition, make_entry, make_event, make_student

pytestmark = pytest.mark.django_db


@pytest.fixture
def robots():
    home_organization()
    skill = Skill.objects.create(name="移动机器人", name_en="Mobile Robotics")
    world = make_competition("第47届世界技能大赛", year=2024, level=Level.WORLD)
    national = make_competition("第二届全国技能大赛", year=2023, level=Level.NATIONAL)
    provincial = make_competition("广东省第三届职业技能大赛", year=2023, level=Level.PROVINCIAL)
    team = [make_student("郑泽鑫"), make_student("黄子轩")]

    def event(competition):
        return make_event(competition, name="移动机器人", skill=skill, is_team=True)

    make_entry(
        event(world), members=team, award="Medallion for Excellence", organization="中国代表团", rank=4
    )
    national_event = event(national)
    make_entry(national_event, members=team, award="金牌", rank=1)
    make_entry(national_event, members=["外校甲", "外校乙"], award="银牌", organization="兄弟学院", rank=2)
    provincial_event = event(provincial)
    make_entry(provincial_event, members=[make_student("李明")], award="金牌", rank=1)
    make_entry(provincial_event, award="铜牌", rank=3)  # the report names no one
    make_entry(provincial_event, award="铜牌", rank=3)  # a second team of ours, also bronze
    make_event(make_competition("另一赛事"), name="机电一体化")
    return skill


def test_the_skill_page_shows_every_result_across_competitions_and_years(user_client, robots):
    response = user_client.get(reverse("competitions:skill-detail", args=[robots.pk]))
    events = response.context["events"]
    # Newest first, and the highest level first within a year.
    assert [(e.competition.year, e.competition.level) for e in events] == [
        (2024, Level.WORLD),
        (2023, Level.NATIONAL),
        (2023, Level.PROVINCIAL),
    ]
    assert sum(len(e.entries.all()) for e in events) == 6
    content = response.content.decode()
    assert "兄弟学院" in content and "中国代表团" in content and "郑泽鑫" in content
    assert "机电一体化" not in content


def test_the_colleges_titles_are_counted_by_level_and_tier(user_client, robots):
    response = user_client.get(reverse("competitions:skill-detail", args=[robots.pk]))
    rows = {row["label"]: row for row in response.context["title_rows"]}
    # Tiers in order: special, gold, silver, bronze, excellence, other. The 中国代表团 entry is the
    # college's too: its members are home students (rule 9). 兄弟学院's is not.
    assert list(rows) == [Level.WORLD.label, Level.NATIONAL.label, Level.PROVINCIAL.label]
    assert rows[Level.WORLD.label]["counts"] == [0, 0, 0, 0, 1, 0]
    assert rows[Level.NATIONAL.label]["counts"] == [0, 1, 0, 0, 0, 0]
    assert rows[Level.PROVINCIAL.label]["counts"] == [0, 1, 0, 2, 0, 0]  # two bronzes: two entries
    totals = response.context["title_totals"]
    assert (totals["medals"], totals["entries"]) == (5, 5)


def test_the_skill_page_filters_by_level_year_and_home_college(user_client, robots):
    url = reverse("competitions:skill-detail", args=[robots.pk])
    national = user_client.get(url, {"level": "national"}).context["events"]
    assert [e.competition.level for e in national] == [Level.NATIONAL]
    in_2024 = user_client.get(url, {"year": "2024"}).context["events"]
    assert [e.competition.year for e in in_2024] == [2024]
    home = user_client.get(url, {"home": "1", "level": "national"}).context["events"]
    assert [entry.organization.name for entry in home[0].entries.all()] == ["本校技师学院"]


@pytest.mark.parametrize("params", [{"level": "evil", "year": "abc", "home": "yes"}, {"year": "1900"}])
def test_odd_skill_page_params_fall_back_to_everything(user_client, robots, params):
    response = user_client.get(reverse("competitions:skill-detail", args=[robots.pk]), params)
    assert response.status_code == 200
    assert len(response.context["events"]) == 3


def test_the_skill_list_counts_competitions_years_and_the_colleges_medals(user_client, robots):
    response = user_client.get(reverse("competitions:skill-list"))
    row = next(r for r in response.context["table"].rows if r.record == robots)
    assert row.get_cell("n_competitions") == 3
    assert (row.get_cell("first_year"), row.get_cell("last_year")) == (2023, 2024)
    assert row.get_cell("n_entries") == 6
    assert row.get_cell("n_home_medals") == 5  # the 中国代表团 entry of home students counts (rule 9)
    assert reverse("competitions:skill-detail", args=[robots.pk]) in response.content.decode()


@pytest.mark.parametrize(
    "params, expected",
    [
        ({"q": "机器人"}, ["移动机器人"]),
        ({"q": "mobile"}, ["移动机器人"]),
        ({"level": "world"}, ["移动机器人"]),
        ({"year": "2024"}, ["移动机器人"]),
        ({"year": "2023"}, ["机电一体化", "移动机器人"]),
        ({"level": "school"}, []),
    ],
)
def test_the_skill_list_filters(user_client, robots, params, expected):
    response = user_client.get(reverse("competitions:skill-list"), params)
    assert [row.record.name for row in response.context["table"].rows] == expected
