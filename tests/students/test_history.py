"""Student and coach pages: medal collection, selection pathway, timeline, exports, coaching record."""

import csv
import io
import re
from pathlib import Path

import openpyxl
import pytest
from django.urls import reverse

from competitions.models import Competition, Level, Organization, Photo, Skill
from tests.factories import make_coach, make_competition, make_entry, make_event, make_student
from tests.students.results import jpeg

pytestmark = pytest.mark.django_db


@pytest.fixture
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    return tmp_path


@pytest.fixture
def career(media):
    """郑泽鑫's road in 移动机器人 from the school contest to WorldSkills, and one 机电一体化 entry."""
    robots, _ = Skill.objects.get_or_create(name="移动机器人")
    zheng = make_student("郑泽鑫", student_number="2023010101")
    mate = make_student("黄子轩")
    chen = make_coach("陈老师")

    def result(name, year, level, award, rank=None, skill=robots, members=None, **fields):
        competition = Competition.objects.filter(name=name, year=year).first() or make_competition(
            name, year=year, level=level
        )
        event = make_event(competition, name=fields.pop("event", skill.name), skill=skill, is_team=True)
        return make_entry(
            event, members=members or [zheng, mate], award=award, rank=rank, coaches=[chen], **fields
        )

    entries = {
        "school": result("校技能节", 2021, Level.SCHOOL, "一等奖", rank=1),
        "school-later": result("校技能节", 2022, Level.SCHOOL, "二等奖", rank=2),
        "provincial": result("广东省职业技能大赛", 2022, Level.PROVINCIAL, "金牌", rank=1),
        "national-bronze": result("全国技能大赛", 2022, Level.NATIONAL, "铜牌", rank=3),
        "national-gold": result("中华人民共和国第二届职业技能大赛", 2023, Level.NATIONAL, "金牌", rank=1),
        "world": result(
            "第47届世界技能大赛",
            2024,
            Level.WORLD,
            "Medallion for Excellence",
            rank=4,
            score="702",
            organization="中国代表团",
        ),
        "other-skill": result(
            "广东省职业技能大赛",
            2022,
            Level.PROVINCIAL,
            "银牌",
            skill=Skill.objects.create(name="机电一体化"),
            members=[zheng],
        ),
    }
    photo = Photo.objects.create(competition=entries["world"].event.competition, image=jpeg(), caption="领奖")
    photo.entries.add(entries["world"])
    return {
        "student": zheng,
        "mate": mate,
        "coach": chen,
        "entries": entries,
        "photo": photo,
        "skill": robots,
    }


def test_the_pathway_shows_the_best_result_at_each_level_in_level_order(user_client, career):
    response = user_client.get(career["student"].get_absolute_url())
    robots, mechatronics = response.context["pathways"]
    assert robots.skill == career["skill"]
    entries = career["entries"]
    assert robots.steps == [
        entries["school"],  # 一等奖 beats the later 二等奖
        entries["provincial"],
        entries["national-gold"],  # gold beats the earlier bronze
        entries["world"],
    ]
    assert [step.event.competition.level for step in mechatronics.steps] == [Level.PROVINCIAL]
    content = response.content.decode()
    assert (
        content.index("校技能节") < content.index("广东省职业技能大赛") < content.index("第47届世界技能大赛")
    )
    assert reverse("competitions:skill-detail", args=[career["skill"].pk]) in content


def test_the_pathway_marks_each_step_with_its_level_award_rank_and_competition(user_client, career):
    response = user_client.get(career["student"].get_absolute_url(), headers={"accept-language": "zh-hans"})
    content = response.content.decode()
    pathway = content[content.index('<section id="pathway">') : content.index('<section id="timeline">')]
    steps = re.findall(r'<li class="pathway-step">(.*?)</li>', pathway, re.S)
    assert len(steps) == 5  # four levels of 移动机器人, one of 机电一体化
    world = career["entries"]["world"].event.competition
    assert '<span class="pathway-level">世界/国际</span>' in steps[3]
    assert "Medallion for Excellence" in steps[3] and "第 4 名" in steps[3]
    assert f'<a href="{world.get_absolute_url()}">' in steps[3]
    assert "第47届世界技能大赛（2024）" in steps[3]  # the name, then its year
    english = user_client.get(career["student"].get_absolute_url(), headers={"accept-language": "en"})
    english = english.content.decode()
    assert "rank 4" in english and "World / international" in english
    assert '<span lang="zh-Hans">第47届世界技能大赛</span> (2024)' in english  # marked Chinese


def test_a_person_page_reads_honours_only_for_someone_who_has_them(user_client, career):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from competitions.honours import save_honour
    from competitions.models import Honour, HonourKind

    student, coach = career["student"], career["coach"]

    def honour_reads(url: str) -> tuple[int, str]:
        with CaptureQueriesContext(connection) as captured:
            content = user_client.get(url).content.decode()
        return sum(q["sql"].startswith('SELECT "competitions_honour"') for q in captured), content

    for person in (student, coach):
        reads, content = honour_reads(person.get_absolute_url())
        assert reads == 0 and 'id="honours"' not in content
    save_honour(
        honour=Honour(kind=HonourKind.SKILL_GRADE, title="高级技师", year=2023, student=student), entries=[]
    )
    save_honour(
        honour=Honour(kind=HonourKind.TEACHING_TITLE, title="正高级讲师", year=2023, coach=coach), entries=[]
    )
    for person, title in ((student, "高级技师"), (coach, "正高级讲师")):
        reads, content = honour_reads(person.get_absolute_url())
        assert reads == 1 and 'id="honours"' in content and title in content


def test_a_person_page_prints_the_home_college_read_with_the_person(user_client, career):
    from tests.factories import home_organization

    def college(url: str) -> str:
        content = user_client.get(url).content.decode()
        return re.search(r'<span class="print-college">(.*?)</span>', content).group(1)

    home = home_organization()
    Organization.objects.filter(pk=home.pk).update(is_home=False)
    for person in (career["student"], career["coach"]):
        assert college(person.get_absolute_url()) == ""  # no home college
    Organization.objects.filter(pk=home.pk).update(is_home=True, name="本校<技师>学院")
    for person in (career["student"], career["coach"]):
        assert college(person.get_absolute_url()) == "本校&lt;技师&gt;学院"


def test_the_medal_collection_counts_each_entry_once(user_client, career):
    response = user_client.get(career["student"].get_absolute_url())
    assert dict((tier.value, n) for tier, n in response.context["tier_counts"]) == {
        "special": 0,
        "gold": 3,
        "silver": 2,
        "bronze": 1,
        "excellence": 1,
        "other": 0,
    }
    content = response.content.decode()
    assert 'class="medal-collection"' in content


def test_the_timeline_lists_every_entry_newest_first_with_people_awards_and_photos(user_client, career):
    response = user_client.get(career["student"].get_absolute_url())
    assert [e.event.competition.year for e in response.context["entries"]] == [
        2024,
        2023,
        2022,
        2022,
        2022,
        2022,
        2021,
    ]
    content = response.content.decode()
    timeline = content[content.index('id="timeline"') :]
    assert f'<a href="{career["mate"].get_absolute_url()}">黄子轩</a>' in timeline
    assert f'<a href="{career["coach"].get_absolute_url()}">陈老师</a>' in timeline
    assert "Medallion for Excellence" in timeline and "702" in timeline and "中国代表团" in timeline
    photo = career["photo"]
    # The thumbnail (the 480 px rendition, shown up to 160 px in its own aspect) opens the photo page.
    assert f'<a href="{photo.get_absolute_url()}" class="timeline-photo"' in timeline
    assert f'<img src="{photo.preview.url}"' in timeline
    assert timeline.count('class="year-row"') == 4


def test_the_timeline_gives_each_competitions_dates_one_day_once(user_client, career):
    import datetime

    days = Competition.objects.filter(name="第47届世界技能大赛")
    days.update(start_date=datetime.date(2024, 9, 10), end_date=datetime.date(2024, 9, 15))
    Competition.objects.filter(name="全国技能大赛").update(
        start_date=datetime.date(2022, 5, 6), end_date=datetime.date(2022, 5, 6)
    )
    response = user_client.get(career["student"].get_absolute_url(), HTTP_ACCEPT_LANGUAGE="en")
    content = response.content.decode()
    timeline = content[content.index('id="timeline"') :]
    assert '<div class="cell-note">Sept. 10, 2024 – Sept. 15, 2024</div>' in timeline
    assert '<div class="cell-note">May 6, 2022</div>' in timeline
    # Entries of a competition without dates show none; each competition links to its page.
    assert timeline.count('<div class="cell-note">') - timeline.count('<div class="cell-note"><a') == 2
    world = days.get()
    assert (
        f'<a href="{world.get_absolute_url()}"><span lang="zh-Hans">第47届世界技能大赛</span></a>' in timeline
    )


def test_the_student_page_prints_without_navigation_or_forms():
    css = (Path(__file__).resolve().parents[2] / "static/css/site.css").read_text()
    hidden = css[css.index("@media print") :].split("{")[1]  # the first rule's selectors
    for selector in (".site-header", ".no-print", "form", ".export-links"):
        assert selector in hidden


# Exports of the timeline


def test_the_timeline_exports_as_csv_with_a_bom(user_client, career):
    response = user_client.get(career["student"].get_absolute_url(), {"_export": "csv"})
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"].startswith("attachment; filename*=utf-8''")
    text = response.content.decode("utf-8")
    assert text.startswith("\ufeff")
    rows = list(csv.reader(io.StringIO(text[1:])))
    assert len(rows) == 1 + 7
    world = rows[1]
    assert world[0] == "2024" and world[2] == "第47届世界技能大赛"
    assert "黄子轩" in world and "陈老师" in world and "Medallion for Excellence" in world
    assert "702" in world and "4" in world
    assert "郑泽鑫" not in world  # team mates only


def test_the_timeline_exports_as_xlsx(user_client, career):
    response = user_client.get(career["student"].get_absolute_url(), {"_export": "xlsx"})
    book = openpyxl.load_workbook(io.BytesIO(response.content))
    sheet = book.active
    assert sheet.title == "郑泽鑫"
    assert sheet.max_row == 1 + 7
    assert sheet["A2"].value == 2024  # a number, not text


def test_a_formula_in_the_timeline_is_escaped(user_client, media):
    student = make_student("郑泽鑫")
    make_entry(make_event(name="=cmd|' /C calc'!A0", is_team=True), members=[student, "@evil"], award="金牌")
    text = user_client.get(student.get_absolute_url(), {"_export": "csv"}).content.decode("utf-8")
    row = list(csv.reader(io.StringIO(text[1:])))[1]
    assert "'=cmd|' /C calc'!A0" in row
    assert "'@evil" in row


def test_an_unknown_export_format_shows_the_page(user_client, career):
    response = user_client.get(career["student"].get_absolute_url(), {"_export": "yaml"})
    assert response.status_code == 200 and response["Content-Type"].startswith("text/html")


def test_the_student_page_offers_csv_and_xlsx(user_client, career):
    content = user_client.get(career["student"].get_absolute_url()).content.decode()
    assert 'href="?_export=csv"' in content and 'href="?_export=xlsx"' in content


# The coach page


def test_the_coach_page_lists_the_students_coached_with_their_best_result(user_client, career):
    chen = career["coach"]
    other = make_student("李明")
    make_entry(make_event(name="数控铣"), members=[other], coaches=[chen], award="铜牌")
    response = user_client.get(chen.get_absolute_url())
    rows = response.context["coached_students"]
    # Best result first (the highest level first: a world Medallion for Excellence beats a national
    # gold, tallies.result_order), then more entries (郑泽鑫 also has 机电一体化).
    assert [row.student.name for row in rows] == ["郑泽鑫", "黄子轩", "李明"]
    assert rows[0].best == career["entries"]["world"]
    assert rows[-1].best.award.label == "铜牌"
    assert [len(row.entries) for row in rows] == [7, 6, 1]
    content = response.content.decode()
    assert f'<a href="{other.get_absolute_url()}">李明</a>' in content


def test_the_coach_page_tallies_coached_entries_by_level_and_tier(user_client, career):
    response = user_client.get(career["coach"].get_absolute_url())
    by_level = {row.level: row for row in response.context["coached_by_level"]}
    assert list(by_level) == [Level.WORLD, Level.NATIONAL, Level.PROVINCIAL, Level.SCHOOL]
    # Tiers in order: special, gold, silver, bronze, excellence, other.
    assert by_level[Level.NATIONAL].counts == [0, 1, 0, 1, 0, 0]
    assert by_level[Level.PROVINCIAL].counts == [0, 1, 1, 0, 0, 0]
    assert by_level[Level.SCHOOL].medals == 2
    assert sum(row.entries for row in by_level.values()) == 7  # a team entry counts once


def test_the_coachs_own_entries_are_kept_apart(user_client, career):
    chen = career["coach"]
    make_entry(make_event(name="教师教学能力大赛"), members=[chen], award="一等奖")
    response = user_client.get(chen.get_absolute_url())
    assert [e.event.name for e in response.context["competed"]] == ["教师教学能力大赛"]
    assert "教师教学能力大赛" not in [e.event.name for e in response.context["coached"]]
    assert dict((t.value, n) for t, n in response.context["competed_tier_counts"])["gold"] == 1


def test_a_script_in_a_name_is_escaped_on_the_history_pages(user_client, media):
    name = '<script>alert("x")</script>'
    student, coach = make_student(name), make_coach(name)
    skill = Skill.objects.create(name=name)
    event = make_event(make_competition(name), name=name, skill=skill, is_team=True)
    make_entry(event, members=[student, make_student(name)], coaches=[coach], award="金牌")
    for url in (student.get_absolute_url(), coach.get_absolute_url()):
        content = user_client.get(url).content.decode()
        assert "<script>alert" not in content, url
        assert "&lt;script&gt;" in content, url


def test_a_name_excel_refuses_as_a_sheet_title_still_exports(user_client, media):
    student = make_student("A/B [测试]: 一个很长很长很长很长很长很长很长很长很长很长的名字")
    make_entry(make_event(), members=[student])
    response = user_client.get(student.get_absolute_url(), {"_export": "xlsx"})
    sheet = openpyxl.load_workbook(io.BytesIO(response.content)).active
    assert sheet.title.startswith("A-B -测试--") and len(sheet.title) <= 31
