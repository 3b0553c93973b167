"""The navigation bar at 1366 px: one row in both languages, the office's actions in one menu that
opens with the keyboard, with or without JavaScript."""

import pytest
from playwright.sync_api import Page, expect

from tests.e2e.test_browsing import log_in

pytestmark = pytest.mark.e2e


def one_row(page: Page) -> bool:
    """Whether every item of the navigation bar shares one row (their vertical extents overlap)."""
    boxes = page.eval_on_selector_all(
        ".navbar > *, .nav-links > li, .nav-tools > *",
        "items => items.map(item => { const box = item.getBoundingClientRect(); return [box.top, box.bottom]; })",
    )
    return max(top for top, _bottom in boxes) < min(bottom for _top, bottom in boxes)


def switch_to(page: Page, language: str) -> None:
    button = page.locator(f".language-form button[lang={language}]")
    if button.is_enabled():
        button.click()
        page.wait_for_load_state()
    expect(page.locator("html")).to_have_attribute("lang", language)


@pytest.mark.parametrize("javascript", [True, False])
def test_the_navigation_fits_one_row_at_1366_px_in_both_languages(
    browser, live_server, office, administrator, javascript
):
    context = browser.new_context(viewport={"width": 1366, "height": 768}, java_script_enabled=javascript)
    page = context.new_page()
    for user in (office, administrator):
        log_in(page, live_server.url, user.username)
        for language in ("zh-hans", "en"):
            switch_to(page, language)
            assert one_row(page), (user.username, language)
            # The office's menu opens from the keyboard; its first link is next in the tab order.
            page.locator(".nav-links .nav-menu summary").focus()
            page.keyboard.press("Enter")
            menu = page.locator(".nav-links .nav-menu ul")
            expect(menu).to_be_visible()
            page.keyboard.press("Tab")
            expect(menu.locator("a").first).to_be_focused()
            page.keyboard.press("Enter")
            page.wait_for_url("**/competitions/new/")
        page.locator(".account-menu summary").click()
        page.locator(".account-menu button[type=submit]").click()
        page.wait_for_load_state()
    context.close()


def test_escape_closes_the_office_menu_and_returns_to_it(page: Page, live_server, office, browser_problems):
    log_in(page, live_server.url, office.username)
    summary = page.locator(".nav-links .nav-menu summary")
    menu = page.locator(".nav-links .nav-menu ul")
    summary.focus()
    page.keyboard.press("Enter")
    expect(menu).to_be_visible()
    page.keyboard.press("Tab")
    page.keyboard.press("Escape")
    expect(menu).to_be_hidden()
    expect(summary).to_be_focused()
    # A click elsewhere closes it too.
    summary.click()
    expect(menu).to_be_visible()
    page.mouse.click(1000, 600)  # below the menu, in the page
    expect(menu).to_be_hidden()
