"""A teacher looks people up in a real browser: search, a student's history, photos, language, export.

Screenshots of the main pages go to screenshots/ at the repository root.
"""

import csv
import io
import re

import pytest
from playwright.sync_api import Page, expect

from competitions.models import Level, Skill
from competitions.photos import save_photos
from tests.e2e.conftest import PASSWORD
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
from tests.students.results import jpeg

# The live server's database is shared with the test: committed transactions, not a rolled-back one.
pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def results(media):
    """郑泽鑫's road in 移动机器人 from a school contest to WorldSkills, with a team mate,
    coaches and a photo."""
    home_organization()
    robots_department = make_department("机器人系", name_en="Robotics")
    robots, _ = Skill.objects.get_or_create(name="移动机器人", defaults={"name_en": "Mobile Robotics"})
    zheng = make_student(
        "郑泽鑫",
        student_number="2023010101",
        department=robots_department,
        major=make_major("工业机器人应用与维护", department=robots_department),
        class_name="机器人2101班",
        cohort_year=2021,
        training_level="pre_technician",
    )
    huang = make_student(
        "黄子轩", student_number="2023010102", department=robots_department, cohort_year=2021
    )
    chen = make_coach("陈泽文", department=robots_department)
    lin = make_coach("林晓红", department=robots_department)
    steps = [
        ("校第十届技能节", 2021, Level.SCHOOL, "一等奖", 1, "", "本校技师学院"),
        ("广州市职业技能大赛", 2022, Level.MUNICIPAL, "金牌", 1, "", "本校技师学院"),
        ("广东省第三届职业技能大赛", 2022, Level.PROVINCIAL, "金牌", 1, "", "本校技师学院"),
        ("中华人民共和国第二届职业技能大赛", 2023, Level.NATIONAL, "金牌", 1, "", "广东省代表团"),
        ("第47届世界技能大赛", 2024, Level.WORLD, "Medallion for Excellence", 4, "702", "中国代表团"),
    ]
    entries = {}
    for name, year, level, award, rank, score, organization in steps:
        competition = make_competition(name, year=year, level=level, host="广州")
        event = make_event(competition, name="移动机器人", skill=robots, is_team=True, is_selection=True)
        entries[level] = make_entry(
            event,
            members=[zheng, huang],
            award=award,
            rank=rank,
            score=score,
            organization=organization,
            coaches=[chen, lin],
        )
        make_entry(
            event, members=["王小明", "李小华"], award="银牌", organization="兄弟技师学院", rank=rank + 1
        )
    mechatronics = make_event(
        entries[Level.PROVINCIAL].event.competition, name="机电一体化", is_team=True, max_team_size=2
    )
    make_entry(
        mechatronics,
        members=[make_student("周玮", department=robots_department)],
        award="铜牌",
        coaches=[chen],
        rank=3,
    )
    make_entry(
        make_event(
            make_competition("广州市技工院校教师职业能力大赛", level=Level.MUNICIPAL), name="教学能力"
        ),
        members=[chen],
        award="一等奖",
    )
    world = entries[Level.WORLD]
    (photo,) = save_photos(
        competition=world.event.competition,
        files=[jpeg("领奖.jpg", size=(640, 480), colour="darkorange")],
        caption="郑泽鑫、黄子轩在颁奖台上",
        entries=[world],
    )
    return {"student": zheng, "mate": huang, "coach": chen, "world": world, "photo": photo, "skill": robots}


def log_in(page: Page, base_url: str, username: str) -> None:
    page.goto(f"{base_url}/accounts/login/")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", PASSWORD)
    page.click("form.stacked-form button[type=submit]")
    page.wait_for_url(re.compile(r"/competitions/$"))


def test_a_teacher_finds_a_student_reads_the_history_switches_language_and_exports(
    page: Page, live_server, teacher, results, browser_problems, screenshot
):
    log_in(page, live_server.url, teacher.username)
    expect(page.locator("html")).to_have_attribute("lang", "zh-hans")

    # Search by pinyin initials in the navigation bar; the results appear as you type.
    search = page.locator("#quick-search-input")
    search.press_sequentially("zzx", delay=40)
    option = page.locator("#quick-search-results").get_by_role("option").filter(has_text="郑泽鑫")
    expect(option).to_be_visible()
    expect(option).to_contain_text("2023010101")
    expect(search).to_have_attribute("aria-expanded", "true")
    option.click()
    page.wait_for_url(f"**{results['student'].get_absolute_url()}")
    expect(page.locator("h1")).to_have_text("郑泽鑫")

    # The timeline: every entry with its competition, team mate, coaches and award.
    timeline = page.locator("#timeline table")
    expect(timeline.locator("tbody tr:not(.year-row)")).to_have_count(5)
    world_row = timeline.locator("tr", has_text="第47届世界技能大赛")
    expect(world_row).to_contain_text("黄子轩")
    expect(world_row).to_contain_text("陈泽文")
    expect(world_row).to_contain_text("Medallion for Excellence")
    expect(world_row).to_contain_text("702")

    # The selection pathway runs from the school contest to the world.
    steps = page.locator("#pathway .pathway-step .pathway-level")
    expect(steps).to_have_count(5)

    # The photo's thumbnail has loaded, and it opens the photo's page with the photo large.
    thumbnail = world_row.locator("a.timeline-photo img")
    expect(thumbnail).to_be_visible()
    assert thumbnail.evaluate("img => img.complete && img.naturalWidth > 0")
    world_row.locator("a.timeline-photo").click()
    expect(page).to_have_url(re.compile(re.escape(results["photo"].get_absolute_url()) + "$"))
    large = page.locator(".photo-large img")
    expect(large).to_be_visible()
    assert large.evaluate("img => img.complete && img.naturalWidth > 0")
    page.go_back()
    expect(page.locator("h1")).to_have_text("郑泽鑫")
    screenshot("student-detail")

    # Export the timeline as CSV: a BOM, then the rows.
    with page.expect_download() as download_info:
        page.locator("#timeline a[data-export=csv]").click()
    download = download_info.value
    assert download.suggested_filename.endswith(".csv")
    data = download.path().read_bytes()
    assert data.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))
    assert len(rows) == 1 + 5
    assert rows[1][0] == "2024" and "第47届世界技能大赛" in rows[1]
    assert any("黄子轩" in cell for cell in rows[1]) and "Medallion for Excellence" in rows[1]

    # Switch to English from the navigation bar; the choice is remembered on the next page.
    page.locator(".language-form button[lang=en]").click()
    page.wait_for_load_state()
    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(page.locator("h1")).to_have_text("郑泽鑫")
    expect(page.locator(".language-form button[lang=en]")).to_be_disabled()
    screenshot("student-detail-en")
    page.locator(".nav-links a", has_text="Coaches").click()
    expect(page.locator("html")).to_have_attribute("lang", "en")
    page.locator(".language-form button[lang=zh-hans]").click()
    page.wait_for_load_state()
    expect(page.locator("html")).to_have_attribute("lang", "zh-hans")


def test_the_search_box_works_from_the_keyboard_and_shows_names_as_text(
    page: Page, live_server, teacher, results, browser_problems
):
    make_student("<img src=x onerror=alert(1)>郑", student_number="2023999999")
    log_in(page, live_server.url, teacher.username)
    search = page.locator("#quick-search-input")
    search.press_sequentially("zhengzexin", delay=20)
    expect(page.locator("#quick-search-results").get_by_role("option")).to_have_count(1)
    search.press("ArrowDown")
    expect(page.locator("#quick-search-results").get_by_role("option").first).to_have_attribute(
        "aria-selected", "true"
    )
    search.press("Enter")
    page.wait_for_url(f"**{results['student'].get_absolute_url()}")

    # A name that is markup stays text: no image element, no script run (browser_problems: no dialog).
    search = page.locator("#quick-search-input")
    search.press_sequentially("2023999", delay=20)
    option = page.locator("#quick-search-results").get_by_role("option")
    expect(option).to_have_count(1)
    expect(option).to_contain_text("<img src=x onerror=alert(1)>郑")
    assert page.locator("#quick-search-results img").count() == 0
    search.press("Escape")
    expect(page.locator("#quick-search-results")).to_be_hidden()

    # Nothing found says so; Enter without a chosen result searches the student list.
    search.fill("")
    search.press_sequentially("qqqq", delay=20)
    expect(page.locator(".quick-search-empty")).to_be_visible()
    search.press("Enter")
    page.wait_for_url(re.compile(r"/people/students/\?q=qqqq$"))


def test_screenshots_of_the_main_pages(
    page: Page, live_server, teacher, results, browser_problems, screenshot
):
    log_in(page, live_server.url, teacher.username)
    base = live_server.url
    world = results["world"].event.competition
    pages = {
        "competition-list": "/competitions/",
        "competition-detail": world.get_absolute_url(),
        "student-list": "/people/students/",
        "coach-detail": results["coach"].get_absolute_url(),
        "skill-list": "/competitions/skills/",
        "skill-detail": f"/competitions/skills/{results['skill'].pk}/",
        "department-list": "/people/departments/",
        "department-detail": f"/people/departments/{results['student'].department_id}/",
        "coach-list": "/people/coaches/",
    }
    for name, path in pages.items():
        response = page.goto(base + path)
        assert response.ok, path
        expect(page.locator("h1")).to_be_visible()
        screenshot(name)

    # The skill page counts the college's titles — the delegations' entries of its students too
    # (rule 9): five steps of 郑泽鑫's road; the coach page keeps the teacher's own contest apart.
    page.goto(base + pages["skill-detail"])
    expect(page.locator("#titles tfoot td").last).to_have_text("5")
    page.goto(base + pages["coach-detail"])
    expect(page.locator("#competed")).to_contain_text("广州市技工院校教师职业能力大赛")
    expect(page.locator("#coached")).not_to_contain_text("广州市技工院校教师职业能力大赛")


def test_the_student_page_prints_without_navigation_and_forms(page: Page, live_server, teacher, results):
    log_in(page, live_server.url, teacher.username)
    page.goto(live_server.url + results["student"].get_absolute_url())
    page.emulate_media(media="print")
    expect(page.locator(".site-header")).to_be_hidden()
    expect(page.locator(".export-links").first).to_be_hidden()
    expect(page.locator("#timeline table")).to_be_visible()
    page.emulate_media(media="screen")
    expect(page.locator(".site-header")).to_be_visible()
