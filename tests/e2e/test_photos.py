"""Photos in a real browser: the gallery shows a portrait photo whole, in its own aspect, and the
photo page shows it large, with the previous and next photos of the competition."""

import re

import pytest
from playwright.sync_api import Page, expect

from competitions.photos import make_missing_thumbnails, save_photos
from tests.e2e.conftest import PASSWORD
from tests.factories import make_competition, make_entry, make_event, make_student
from tests.students.results import jpeg

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

# The rendered box of an image, its natural size, and the box of the frame around it.
BOXES = """img => {
  const box = img.getBoundingClientRect();
  const frame = img.closest(".photo-frame") || img.parentElement;
  const outer = frame.getBoundingClientRect();
  return {
    width: box.width, height: box.height, naturalWidth: img.naturalWidth, naturalHeight: img.naturalHeight,
    inside: box.left >= outer.left - 0.5 && box.right <= outer.right + 0.5
      && box.top >= outer.top - 0.5 && box.bottom <= outer.bottom + 0.5,
  };
}"""


def keeps_its_aspect(boxes: dict) -> bool:
    natural = boxes["naturalWidth"] / boxes["naturalHeight"]
    rendered = boxes["width"] / boxes["height"]
    return boxes["naturalWidth"] > 0 and abs(rendered - natural) / natural < 0.03


@pytest.fixture
def gallery(media):
    competition = make_competition("广东省第三届职业技能大赛", year=2022)
    student = make_student("郑泽鑫")
    entry = make_entry(make_event(competition, name="移动机器人"), members=[student], award="金牌")
    photos = save_photos(
        competition=competition,
        files=[
            jpeg("横.jpg", size=(800, 500), colour="darkorange"),
            jpeg("竖.jpg", size=(600, 1000), colour="steelblue"),
        ],
        caption="颁奖",
        entries=[entry],
    )
    make_missing_thumbnails([photo.pk for photo in photos])
    return {"competition": competition, "student": student, "landscape": photos[0], "portrait": photos[1]}


def log_in(page: Page, base_url: str, username: str) -> None:
    page.goto(f"{base_url}/accounts/login/")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", PASSWORD)
    page.click("form.stacked-form button[type=submit]")
    page.wait_for_url(re.compile(r"/competitions/$"))


def test_a_portrait_photo_is_shown_whole_in_the_gallery_and_large_on_its_page(
    page: Page, live_server, teacher, gallery, browser_problems, screenshot
):
    log_in(page, live_server.url, teacher.username)
    page.goto(live_server.url + gallery["competition"].get_absolute_url())
    images = page.locator("#photos .photo-frame img")
    expect(images).to_have_count(2)
    for index in range(2):
        image = images.nth(index)
        image.scroll_into_view_if_needed()
        expect(image).to_be_visible()
        page.wait_for_function("img => img.complete && img.naturalWidth > 0", arg=image.element_handle())
        boxes = image.evaluate(BOXES)
        assert keeps_its_aspect(boxes), boxes
        assert boxes["inside"], boxes  # nothing of it is cut off by the frame
    portrait = images.nth(1).evaluate(BOXES)
    assert portrait["height"] > portrait["width"] and portrait["height"] >= 200
    page.locator("#photos").scroll_into_view_if_needed()
    screenshot("photo-gallery")

    # The portrait opens its page: the photo large, the tagged student, the previous photo.
    page.locator(f'#photos a[href="{gallery["portrait"].get_absolute_url()}"]').click()
    large = page.locator(".photo-large img")
    expect(large).to_be_visible()
    page.wait_for_function("img => img.complete && img.naturalWidth > 0", arg=large.element_handle())
    boxes = large.evaluate(BOXES)
    assert keeps_its_aspect(boxes), boxes
    assert boxes["height"] > 400  # large: the 1000 px original, up to 80 % of the window's height
    expect(page.get_by_role("link", name="郑泽鑫")).to_be_visible()
    expect(page.locator("a[rel=next]")).to_have_count(0)
    screenshot("photo-detail")
    page.locator("a[rel=prev]").click()
    expect(page).to_have_url(live_server.url + gallery["landscape"].get_absolute_url())


def test_the_timeline_shows_photos_large_enough_to_recognise_someone(
    page: Page, live_server, teacher, gallery, browser_problems, screenshot
):
    log_in(page, live_server.url, teacher.username)
    page.goto(live_server.url + gallery["student"].get_absolute_url())
    thumbnails = page.locator("#timeline a.timeline-photo img")
    expect(thumbnails).to_have_count(2)
    for index in range(2):
        image = thumbnails.nth(index)
        page.wait_for_function("img => img.complete && img.naturalWidth > 0", arg=image.element_handle())
        boxes = image.evaluate(BOXES)
        assert keeps_its_aspect(boxes), boxes
        assert max(boxes["width"], boxes["height"]) == pytest.approx(160, abs=1), boxes
    screenshot("photo-timeline")
    thumbnails.nth(1).click()
    expect(page).to_have_url(live_server.url + gallery["portrait"].get_absolute_url())
