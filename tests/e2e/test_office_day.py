"""The competition office's day in a real browser (issue 11 §12), at 1366×768, in Chinese and in English.

One test per language walks the day step by step, each step a method of OfficeDay, with a
screenshot after each (screenshots/office-day-<language>-<nn>-<step>.png) and axe-core on the
pages a step leaves open in a state the page-by-page check (test_accessibility.py) does not reach
(the new-people warning, an import's preview, the deleted entries):

    log in as the office → create a competition → record entries, with a near-duplicate warning
    → import a sheet (upload, progress with the real task worker, preview, apply) → upload and tag
    photos → delete an entry and restore it from the deleted entries page.

The office uses the keyboard for the decisions (ticking a box, pressing a button): everything it
does works without a mouse.
"""

import io
import re

import pytest
from django.urls import reverse
from PIL import Image
from playwright.sync_api import Page, expect

from competitions.models import Competition, Entry, Photo
from students.models import Student
from tests.competitions.test_import_views import HEADER, csv_bytes
from tests.e2e.axe import axe_violations
from tests.e2e.conftest import PASSWORD
from tests.e2e.test_accessibility import PENDING
from tests.factories import home_organization, make_coach, make_student

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

VIEWPORT = {"width": 1366, "height": 768}
TASK_SECONDS = 30
COMPETITION = "第四届竞赛办一日技能大赛"
IMPORT_PAGE = re.compile(r"/competitions/import/[0-9a-f]{32}/$")
SHEET_ROWS = 40


def jpeg_bytes(colour: str, size=(900, 600)) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", size, colour).save(buffer, format="JPEG")
    return buffer.getvalue()


def import_sheet_rows() -> bytes:
    """SHEET_ROWS entries of the day's competition in two new events, for other colleges."""
    rows = [HEADER]
    awards = ["金牌", "银牌", "铜牌", "优胜奖"]
    for i in range(SHEET_ROWS):
        rows.append(
            [
                COMPETITION,
                "2026",
                "省级",
                f"导入赛项{i % 2 + 1}",
                f"兄弟学院{i}",
                f"选手{i}",
                "",
                "",
                awards[i % 4],
                str(i // 2 + 1),
            ]
        )
    return csv_bytes(rows)


@pytest.fixture
def college(media):
    """The home college with the students and the coach of the day's entries."""
    home = home_organization()
    return {
        "home": home,
        "zheng": make_student("郑泽鑫", student_number="2023010101", cohort_year=2021),
        "huang": make_student("黄子轩", student_number="2023010102", cohort_year=2021),
        "chen": make_coach("陈泽文"),
    }


class OfficeDay:
    """The office's day, one method a step. Each step starts where the previous one left the page."""

    def __init__(self, page: Page, base: str, language: str, user, worker, screenshot, college):
        self.page = page
        self.base = base
        self.language = language
        self.user = user
        self.worker = worker
        self.take = screenshot
        self.college = college
        self.shots = 0
        self.competition: Competition | None = None
        self.accessibility: list[str] = []

    # Helpers

    def shot(self, name: str) -> None:
        self.shots += 1
        self.take(f"office-day-{self.language}-{self.shots:02d}-{name}")

    def check_accessibility(self, where: str, url_name: str = "") -> None:
        self.accessibility += axe_violations(
            self.page, f"{where} ({self.language})", ignore=PENDING.get(url_name, frozenset())
        )

    def expect_success(self) -> None:
        expect(self.page.locator(".messages .message.success")).to_be_visible()

    def press(self, locator) -> None:
        """Press a button or tick a box from the keyboard: focus it, then Enter or Space."""
        locator.focus()
        expect(locator).to_be_focused()
        tag = locator.evaluate("element => element.tagName + ':' + (element.type || '')")
        locator.press("Space" if tag in ("INPUT:checkbox", "INPUT:radio") else "Enter")

    def row_of(self, name: str) -> int:
        """The index of the entries form's row whose members hold `name`."""
        fields = self.page.locator("input[name$='-members']")
        for i in range(fields.count()):
            if name in fields.nth(i).input_value():
                return int(re.search(r"-(\d+)-members$", fields.nth(i).get_attribute("name")).group(1))
        raise AssertionError(f"no row of the entries form holds {name}")

    def open_entries_form(self, event_name: str) -> None:
        self.page.goto(self.base + self.competition.get_absolute_url())
        event = self.page.locator("#events article.event", has=self.page.locator("h3", has_text=event_name))
        event.locator("a[href$='/entries/']").first.click()
        self.page.wait_for_url(re.compile(r"/competitions/events/\d+/entries/"))

    # Steps

    def log_in(self) -> None:
        page = self.page
        page.set_viewport_size(VIEWPORT)
        page.context.add_cookies([{"name": "django_language", "value": self.language, "url": self.base}])
        page.goto(f"{self.base}/accounts/login/")
        expect(page.locator("html")).to_have_attribute("lang", self.language)
        self.shot("login")
        page.fill("input[name=username]", self.user.username)
        page.fill("input[name=password]", PASSWORD)
        self.press(page.locator("form.stacked-form button[type=submit]"))
        page.wait_for_url(re.compile(r"/competitions/$"))

    def create_competition(self) -> None:
        page = self.page
        page.locator(f"a[href='{reverse('competitions:competition-create')}']").first.click()
        page.wait_for_url(re.compile(r"/competitions/new/$"))
        page.fill("[name=name]", COMPETITION)
        page.fill("[name=edition]", "4")
        page.fill("[name=year]", "2026")
        page.fill("[name=start_date]", "2026-05-20")
        page.fill("[name=end_date]", "2026-05-22")
        page.fill("[name=host]", "广州")
        page.select_option("[name=level]", "provincial")
        page.fill("[name=events]", "移动机器人 | team 2-2 | selection\n机电一体化 | team 1-2")
        self.shot("competition-new")
        self.press(page.locator("main form button[type=submit]"))
        page.wait_for_url(re.compile(r"/competitions/\d+/$"))
        self.expect_success()
        self.competition = Competition.objects.get(name=COMPETITION, year=2026)
        assert list(self.competition.events.order_by("name").values_list("name", flat=True)) == [
            "机电一体化",
            "移动机器人",
        ]
        expect(page.locator("h1")).to_contain_text(COMPETITION)
        self.shot("competition-created")

    # The lead adds here, after merging helper "office":  edit_competition — open the competition's
    # edit page from its header (competitions:competition-edit), change the dates and the award rule,
    # add an event (competitions:event-add), rename one (competitions:event-edit), save, and see the
    # award rule on the competition page; screenshot "competition-edited".

    def record_entries(self) -> None:
        page = self.page
        self.open_entries_form("移动机器人")
        home = self.college["home"].name
        rows = [
            (home, "郑泽鑫、黄子轩", "陈泽文", "金牌", "1"),
            ("兄弟技师学院", "王小明、李小华", "", "银牌", "2"),
            # 郑泽欣 is new, and reads as 郑泽鑫 (zheng ze xin): a near match the office is warned of.
            (home, "郑泽欣、周玮", "", "铜牌", "3"),
        ]
        for i, (organization, members, coaches, award, rank) in enumerate(rows):
            page.fill(f"[name=entries-{i}-organization]", organization)
            page.fill(f"[name=entries-{i}-members]", members)
            page.fill(f"[name=entries-{i}-coaches]", coaches)
            page.fill(f"[name=entries-{i}-award]", award)
            page.fill(f"[name=entries-{i}-rank]", rank)
        page.keyboard.press("Escape")  # closes a suggestion list the last field may have opened
        self.shot("entries-typed")
        self.press(page.locator("button[name=save]"))

        # Nothing saved: the new people are listed with the recorded person they may be.
        warning = page.locator("#new-people")
        expect(warning).to_be_visible()
        near = warning.locator("tr.near-match", has_text="郑泽欣")
        expect(near).to_contain_text("郑泽鑫")
        expect(near).to_contain_text("2023010101")
        assert Entry.objects.filter(event__competition=self.competition).count() == 0
        self.shot("entries-near-duplicate")
        self.check_accessibility("the entries form's new-people warning", "competitions:event-entries")

        # They are different people: the office creates them, from the keyboard.
        self.press(warning.locator("input[name=create_people]"))
        expect(warning.locator("input[name=create_people]")).to_be_checked()
        self.press(page.locator("button[name=save]"))
        self.expect_success()
        expect(page.locator("#new-people")).to_have_count(0)
        assert Entry.objects.filter(event__competition=self.competition).count() == 3
        assert Student.objects.filter(name="郑泽欣").count() == 1
        assert Student.objects.filter(name="郑泽鑫").count() == 1
        self.shot("entries-saved")

    # The lead adds here, after merging helper "confirm":  confirm_as_second_user — log out, log in
    # as a second office user (a fixture like `office`), open the competition's unconfirmed results
    # (competitions:unconfirmed), confirm the three entries (competitions:entry-confirm, POST), see
    # the count of unconfirmed results on the competition page drop to 0; log back in as the first
    # office user; screenshots "unconfirmed" and "confirmed".

    def import_sheet(self) -> None:
        page = self.page
        page.locator(f"a[href='{reverse('competitions:import-upload')}']").first.click()
        page.wait_for_url(re.compile(r"/competitions/import/$"))
        page.set_input_files(
            "input[name=sheet]",
            files=[{"name": "成绩表.csv", "mimeType": "text/csv", "buffer": import_sheet_rows()}],
        )
        self.shot("import-upload")
        self.press(page.locator("main form.filter-form button[type=submit]"))

        # The check waits for the worker; the page says so, then follows it to the preview.
        page.wait_for_url(IMPORT_PAGE)
        expect(page.locator("[data-task-progress]")).to_be_visible()
        self.shot("import-waiting")
        self.worker.start()
        apply = page.locator("button[name=action][value=apply]")
        expect(apply).to_be_visible(timeout=TASK_SECONDS * 1000)
        expect(apply).to_contain_text(str(SHEET_ROWS))
        self.shot("import-preview")
        self.check_accessibility("an import's preview", "competitions:import-preview")

        self.press(apply)
        page.wait_for_url(
            re.compile(rf"{re.escape(self.competition.get_absolute_url())}$"), timeout=TASK_SECONDS * 1000
        )
        expect(page.locator(".messages .message.success")).to_contain_text(str(SHEET_ROWS))
        assert Entry.objects.filter(event__competition=self.competition).count() == 3 + SHEET_ROWS
        expect(page.locator("#events")).to_contain_text("导入赛项1")
        self.shot("import-applied")

    def upload_and_tag_photos(self) -> None:
        page = self.page
        gold = Entry.objects.get(
            event__competition=self.competition, award__label="金牌", rank=1, event__name="移动机器人"
        )
        bronze = Entry.objects.get(
            event__competition=self.competition, award__label="铜牌", event__name="移动机器人"
        )
        upload = reverse("competitions:photo-upload", args=[self.competition.pk])
        page.locator(f"a[href='{upload}']").first.click()
        page.wait_for_url(re.compile(rf"{re.escape(upload)}$"))
        page.set_input_files(
            "input[name=images]",
            files=[
                {"name": "颁奖.jpg", "mimeType": "image/jpeg", "buffer": jpeg_bytes("darkorange")},
                {"name": "合影.jpg", "mimeType": "image/jpeg", "buffer": jpeg_bytes("steelblue", (600, 900))},
            ],
        )
        page.fill("[name=caption]", "移动机器人颁奖")
        self.tag(page, [gold.pk])
        self.shot("photos-upload")
        self.press(page.locator("main form button[type=submit]"))
        page.wait_for_url(re.compile(r"/competitions/\d+/#photos$"))
        self.expect_success()
        expect(page.locator("#photos figure")).to_have_count(2)
        photos = list(Photo.objects.filter(competition=self.competition).order_by("pk"))
        assert [list(photo.entries.all()) for photo in photos] == [[gold], [gold]]
        self.shot("photos-uploaded")

        # Tag the second photo with the bronze team too. The lead replaces this goto with a click on
        # the photo once helper "photos" has linked its page (competitions:photo-detail).
        page.goto(self.base + reverse("competitions:photo-edit", args=[photos[1].pk]))
        self.tag(page, [gold.pk, bronze.pk])
        self.shot("photo-tagging")
        self.press(page.locator("main form.stacked-form button[type=submit]"))
        self.expect_success()
        assert set(photos[1].entries.all()) == {gold, bronze}

    @staticmethod
    def tag(page: Page, entry_ids: list[int]) -> None:
        """Choose the entries a photo shows: a multiple select, or checkboxes."""
        values = [str(pk) for pk in entry_ids]
        select = page.locator("select[name=entries]")
        if select.count():
            select.select_option(values)
        else:
            for value in values:
                page.locator(f"input[name=entries][value='{value}']").check()

    def delete_and_restore_an_entry(self) -> None:
        page = self.page
        self.open_entries_form("移动机器人")
        row = self.row_of("王小明")
        deleted = Entry.objects.get(event__competition=self.competition, members__name="王小明")
        self.press(page.locator(f"input[name=entries-{row}-DELETE]"))
        self.shot("entry-delete")
        self.press(page.locator("button[name=save]"))
        self.expect_success()
        assert not Entry.objects.filter(pk=deleted.pk).exists()

        # The deleted entries of the event; the lead replaces this goto with a click on its link once
        # helper "office" has linked it from the entries form / competition page.
        page.goto(self.base + reverse("competitions:deleted-entries", args=[deleted.event_id]))
        row = page.locator("main table tbody tr", has_text="王小明")
        expect(row).to_contain_text("银牌")
        self.shot("deleted-entries")
        self.check_accessibility("the deleted entries", "competitions:deleted-entries")
        self.press(row.locator("button[type=submit]"))
        page.wait_for_url(re.compile(rf"/competitions/entries/{deleted.pk}/history/$"))
        self.expect_success()
        restored = Entry.objects.get(pk=deleted.pk)
        assert sorted(member.name for member in restored.members.all()) == ["李小华", "王小明"]
        self.shot("entry-restored")


@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_the_office_day(
    language, page: Page, live_server, office, task_worker, college, browser_problems, screenshot
):
    day = OfficeDay(page, live_server.url, language, office, task_worker, screenshot, college)
    day.log_in()
    day.create_competition()
    # day.edit_competition()  — after helper "office" is merged
    day.record_entries()
    # day.confirm_as_second_user()  — after helper "confirm" is merged
    day.import_sheet()
    day.upload_and_tag_photos()
    day.delete_and_restore_an_entry()
    assert day.accessibility == [], "\n".join(day.accessibility)
    assert "Traceback" not in task_worker.output()
