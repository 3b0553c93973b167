"""The office's entries form in a real browser: it fits a 1366 px screen, and people are found and
chosen with the keyboard alone."""

import pytest
from playwright.sync_api import Page, expect

from competitions.models import Entry
from tests.e2e.test_browsing import log_in
from tests.factories import (
    home_organization,
    make_coach,
    make_competition,
    make_entry,
    make_event,
    make_student,
)

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def relay():
    """A team event with long organization and member names: the widest rows the form shows."""
    home_organization()
    competition = make_competition("中华人民共和国第二届职业技能大赛", year=2023)
    event = make_event(competition, name="机器人系统集成", is_team=True, min_team_size=1, max_team_size=3)
    make_student("郑泽鑫", student_number="2023010101")
    make_student("郑小明", student_number="2023010103")
    make_student("李华", student_number="2023010105")
    chen_yiming = make_student("陈一鸣", student_number="2023010104")
    huang = make_student("黄子轩", student_number="2023010102")
    chen = make_coach("陈泽文", staff_number="T001")
    make_entry(
        event,
        members=[chen_yiming, huang],
        award="金牌",
        rank=1,
        score="702.5",
        organization="广东省代表团",
        coaches=[chen],
        notes="世赛选拔",
    )
    make_entry(
        event, members=["王小明", "李小华", "张大伟"], award="银牌", rank=2, organization="兄弟技师学院"
    )
    # Unranked, recorded worse tier first: the form shows the bronze above the excellence award.
    make_entry(event, members=["孙三"], award="优胜奖", organization="本校技师学院")
    make_entry(event, members=["赵一", "钱二"], award="铜牌", organization="广州市工贸技师学院（白云校区）")
    return event


def open_form(page: Page, base_url: str, office, event, language: str) -> None:
    page.set_viewport_size({"width": 1366, "height": 768})
    log_in(page, base_url, office.username)
    page.context.add_cookies([{"name": "django_language", "value": language, "url": base_url}])
    page.goto(f"{base_url}/competitions/events/{event.pk}/entries/")


@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_the_entries_form_fits_1366_pixels(
    page: Page, live_server, office, relay, browser_problems, screenshot, language
):
    open_form(page, live_server.url, office, relay, language)
    screenshot(f"entries-form-1366-{language}")
    assert page.evaluate("document.scrollingElement.scrollWidth <= window.innerWidth")
    inner = page.evaluate("window.innerWidth")
    box = page.locator(".entries-table").bounding_box()
    assert box["x"] + box["width"] <= inner
    # Every row's delete box is on the screen, named for its row.
    for number in range(1, 5):
        delete = page.locator(f"input[name='entries-{number - 1}-DELETE']")
        delete.scroll_into_view_if_needed()
        expect(delete).to_be_in_viewport(ratio=1)
        if language == "en":
            expect(delete).to_have_accessible_name(f"Delete entry {number}")
    # Ranked first, then the unranked by tier: 铜牌 above 优胜奖, whatever order they were recorded in.
    awards = page.locator(".entries-table input[name^='entries-'][name$='-award']")
    assert [awards.nth(index).input_value() for index in range(4)] == ["金牌", "银牌", "铜牌", "优胜奖"]


def test_a_member_is_found_and_chosen_with_the_keyboard_alone(
    page: Page, live_server, office, relay, browser_problems, screenshot
):
    open_form(page, live_server.url, office, relay, "en")
    # From the last field of row 4: Tab to its delete box, Space ticks it, Tab on to the first
    # blank row, whose organization is typed; Tab to its members.
    page.locator("input[name='entries-3-notes']").focus()
    page.keyboard.press("Tab")
    delete = page.locator("input[name='entries-3-DELETE']")
    expect(delete).to_be_focused()
    page.keyboard.press("Space")
    expect(delete).to_be_checked()
    page.keyboard.press("Tab")
    expect(page.locator("input[name='entries-4-organization']")).to_be_focused()
    page.keyboard.type("本校技师学院")
    page.keyboard.press("Tab")
    members = page.locator("input[name='entries-4-members']")
    expect(members).to_be_focused()
    expect(members).to_have_attribute("role", "combobox")
    expect(members).to_have_attribute("aria-expanded", "false")

    page.keyboard.type("郑")
    listbox = page.get_by_role("listbox")
    expect(listbox).to_be_visible()
    expect(members).to_have_attribute("aria-expanded", "true")
    expect(members).to_have_attribute("aria-controls", "people-suggestions")
    options = listbox.get_by_role("option")
    expect(options).to_have_count(2)  # 郑泽鑫, 郑小明
    # Right under the input, named as it is.
    under, field = listbox.bounding_box(), members.bounding_box()
    assert abs(under["x"] - field["x"]) <= 2 and abs(under["y"] - (field["y"] + field["height"])) <= 2
    expect(listbox).to_have_accessible_name("Members, entry 5")

    # Down highlights the first suggestion, Down again the second, Up the first again.
    page.keyboard.press("ArrowDown")
    first = options.nth(0)
    expect(first).to_have_attribute("aria-selected", "true")
    expect(members).to_have_attribute("aria-activedescendant", first.get_attribute("id"))
    page.keyboard.press("ArrowDown")
    expect(options.nth(1)).to_have_attribute("aria-selected", "true")
    expect(first).to_have_attribute("aria-selected", "false")
    page.keyboard.press("ArrowUp")
    expect(first).to_have_attribute("aria-selected", "true")
    # The highlighted option stands out: its text and background contrast with the list's.
    colours = first.evaluate("o => [getComputedStyle(o).color, getComputedStyle(o).backgroundColor]")
    assert colours == ["rgb(255, 255, 255)", "rgb(11, 92, 173)"]
    screenshot("entries-form-suggestions")
    chosen = first.text_content().split(" · ")[0]

    # Enter chooses it and does not submit the form; Escape closes a list without choosing.
    page.keyboard.press("Enter")
    expect(listbox).to_be_hidden()
    expect(members).to_have_value(chosen)
    expect(members).to_have_attribute("aria-expanded", "false")
    page.keyboard.type("、李")
    expect(listbox).to_be_visible()
    page.keyboard.press("Escape")
    expect(listbox).to_be_hidden()
    expect(members).to_have_value(f"{chosen}、李")
    # Down asks again for a closed list.
    page.keyboard.press("ArrowDown")
    expect(listbox).to_be_visible()
    page.keyboard.press("ArrowDown")
    page.keyboard.press("Enter")
    expect(members).to_have_value(f"{chosen}、李华（2023010105）")

    # The rest of the row, then save with the keyboard: Tab through award and rank to the button.
    page.keyboard.press("Tab")  # coaches
    page.keyboard.press("Tab")  # award
    page.keyboard.type("铜牌")
    page.keyboard.press("Tab")  # rank
    page.keyboard.type("3")
    page.keyboard.press("Enter")  # Enter in a field with no list open submits the form
    expect(page.locator(".messages, .message").first).to_contain_text("1 added, 0 changed, 1 deleted")
    assert not Entry.objects.filter(event=relay, award__label="优胜奖").exists()
    entry = Entry.objects.get(event=relay, rank=3)
    assert [member.student.name for member in entry.members.all()] == [chosen.split("（")[0], "李华"]


def test_errors_are_summarized_and_each_link_takes_the_focus_to_its_field(
    page: Page, live_server, office, relay, browser_problems, screenshot
):
    open_form(page, live_server.url, office, relay, "en")
    page.fill("input[name='entries-1-award']", "金杯")  # a field error: not in the vocabulary
    page.fill("input[name='entries-4-organization']", "本校技师学院")
    page.fill("input[name='entries-4-members']", "陈一鸣（2023010104）")  # already in row 1
    page.get_by_role("button", name="Save entries").click()
    summary = page.locator("#error-summary")
    expect(summary).to_be_focused()
    expect(summary.locator("li")).to_have_count(2)
    screenshot("entries-form-error-summary")
    summary.get_by_role("link").filter(has_text="Row 5").click()
    expect(page.locator("input[name='entries-4-members']")).to_be_focused()
    summary.get_by_role("link").filter(has_text="Row 2").click()
    expect(page.locator("input[name='entries-1-award']")).to_be_focused()
    assert page.evaluate("document.scrollingElement.scrollWidth <= window.innerWidth")
