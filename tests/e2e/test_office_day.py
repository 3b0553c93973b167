"""The competition office's day in a real browser (issue 11 §12), at 1366×768, in Chinese and in English.

One test per language walks the day step by step, each step a method of OfficeDay, with a
screenshot after each (screenshots/office-day-<language>-<nn>-<step>.png) and axe-core on the
pages a step leaves open in a state the page-by-page check (test_accessibility.py) does not reach
(the new-people warning, an import's preview, the deleted entries, the unconfirmed results of the day):

    log in as the office → create a competition → edit it (dates, award rule, an event added, one
    renamed) → record entries, with a near-duplicate warning → a second office user confirms them
    (the first is refused: he recorded them) → import a sheet (upload, progress with the real task
    worker, preview, apply) → upload and tag photos → delete an entry and restore it from the deleted
    entries page.

Every page is reached by the links and menus the office uses (the navigation's Office and account
menus, the competition page's actions and event headings, the gallery), never by typing a URL.

The office uses the keyboard for the decisions (ticking a box, pressing a button): everything it
does works without a mouse.
"""

import io
import re

import pytest
from django.urls import reverse
from django.utils import translation
from PIL import Image
from playwright.sync_api import Page, expect

from competitions.models import AwardRule, Competition, Entry, Photo
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

    def __init__(
        self, page: Page, base: str, language: str, user, worker, screenshot, college, second_user=None
    ):
        self.page = page
        self.base = base
        self.language = language
        self.user = user
        self.second_user = second_user
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

    def gettext(self, message: str) -> str:
        """A message of the app as the page shows it in the day's language."""
        with translation.override(self.language):
            return str(translation.gettext(message))

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

    def from_office_menu(self, url: str) -> None:
        """Follow a link of the navigation bar's Office menu (a <details> menu), opened from the keyboard."""
        menu = self.page.locator("nav li.nav-menu details", has=self.page.locator(f"a[href='{url}']"))
        self.press(menu.locator("summary"))
        expect(menu).to_have_attribute("open", "")
        menu.locator(f"a[href='{url}']").click()

    def event(self, name: str):
        """The competition page's section of an event, by the name in its heading."""
        return self.page.locator("#events article.event", has=self.page.locator("h3", has_text=name))

    def open_competition(self) -> None:
        """The day's competition's page, from the navigation's list of competitions."""
        page, url = self.page, self.competition.get_absolute_url()
        page.locator(f"nav a[href='{reverse('competitions:competition-list')}']").first.click()
        page.wait_for_url(re.compile(r"/competitions/$"))
        page.locator(f"main a[href='{url}']").first.click()
        page.wait_for_url(re.compile(rf"{re.escape(url)}$"))

    def open_entries_form(self, event_name: str) -> None:
        self.open_competition()
        page = self.page
        event = page.locator("#events article.event", has=page.locator("h3", has_text=event_name))
        if not event.count():  # on another page of events: the "go to event" list opens it
            jump = page.locator("form.event-jump")
            jump.locator("select[name=event]").select_option(label=event_name)
            jump.locator("button[type=submit]").click()
            page.wait_for_url(re.compile(r"[?&]event=\d+"))
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
        self.sign_in(self.user)

    def sign_in(self, user) -> None:
        """On the login page: log in as `user`, and land on the competitions."""
        page = self.page
        page.fill("input[name=username]", user.username)
        page.fill("input[name=password]", PASSWORD)
        self.press(page.locator("form.stacked-form button[type=submit]"))
        page.wait_for_url(re.compile(r"/competitions/$"))
        expect(page.locator("details.account-menu summary")).to_contain_text(user.username)

    def log_out(self) -> None:
        """From the account menu of the navigation bar (a <details> menu; logging out is a POST)."""
        page = self.page
        menu = page.locator("details.account-menu")
        self.press(menu.locator("summary"))
        expect(menu).to_have_attribute("open", "")
        self.press(menu.locator("form button[type=submit]"))
        page.wait_for_url(re.compile(r"/accounts/login/$"))
        expect(page.locator("details.account-menu")).to_have_count(0)

    def create_competition(self) -> None:
        page = self.page
        self.from_office_menu(reverse("competitions:competition-create"))
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

    def edit_competition(self) -> None:
        page = self.page
        competition = self.competition
        # Its facts: the dates moved by a day, and the award rule now known.
        page.locator("main .page-actions").get_by_role(
            "link", name=self.gettext("Edit competition"), exact=True
        ).click()
        page.wait_for_url(
            re.compile(rf"{re.escape(reverse('competitions:competition-edit', args=[competition.pk]))}$")
        )
        expect(page.locator("[name=name]")).to_have_value(COMPETITION)
        page.fill("[name=start_date]", "2026-05-21")
        page.fill("[name=end_date]", "2026-05-23")
        page.select_option("[name=award_rule]", AwardRule.MEDALS_HALF.value)
        self.press(page.locator("main form.stacked-form button[type=submit]"))
        page.wait_for_url(re.compile(rf"{re.escape(competition.get_absolute_url())}$"))
        self.expect_success()
        competition.refresh_from_db()
        assert (str(competition.start_date), str(competition.end_date)) == ("2026-05-21", "2026-05-23")
        assert competition.award_rule == AwardRule.MEDALS_HALF
        with translation.override(self.language):
            rule = str(AwardRule.MEDALS_HALF.label)
        expect(page.locator("dl.facts")).to_contain_text(rule)

        # An event forgotten when it was created.
        page.locator("main .page-actions").get_by_role(
            "link", name=self.gettext("Add event"), exact=True
        ).click()
        page.wait_for_url(
            re.compile(rf"{re.escape(reverse('competitions:event-add', args=[competition.pk]))}$")
        )
        page.fill("[name=name]", "工业机器人")
        self.press(page.locator("main form.stacked-form button[type=submit]"))
        page.wait_for_url(re.compile(rf"{re.escape(competition.get_absolute_url())}\?event=(\d+)#event-\1$"))
        self.expect_success()
        expect(self.event("工业机器人")).to_be_visible()

        # An event renamed, from its heading; its earlier name stays for imports.
        event = competition.events.get(name="机电一体化")
        edit = reverse("competitions:event-edit", args=[event.pk])
        self.event("机电一体化").locator(f"h3 a[href='{edit}']").click()
        page.wait_for_url(re.compile(rf"{re.escape(edit)}$"))
        expect(page.locator("[name=name]")).to_have_value("机电一体化")
        page.fill("[name=name]", "机电一体化（高职组）")
        self.press(page.locator("main form.stacked-form button[type=submit]"))
        page.wait_for_url(re.compile(rf"{re.escape(event.results_url())}$"))
        self.expect_success()
        assert list(competition.events.order_by("name").values_list("name", flat=True)) == [
            "工业机器人",
            "机电一体化（高职组）",
            "移动机器人",
        ]
        expect(self.event("机电一体化（高职组）")).to_be_visible()
        expect(page.locator("dl.facts")).to_contain_text(rule)
        self.shot("competition-edited")

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

    def confirm_as_second_user(self) -> None:
        page = self.page
        competition = self.competition
        unconfirmed_url = reverse("competitions:unconfirmed", args=[competition.pk])
        count = Entry.objects.filter(event__competition=competition).count()
        assert Entry.objects.filter(event__competition=competition).unconfirmed().count() == count == 3

        # The competition page says how many results wait for a second office user.
        page.locator("main .breadcrumb a[href^='/competitions/']").last.click()
        # Back to the competition, on the page of events holding the event edited.
        page.wait_for_url(re.compile(rf"{re.escape(competition.get_absolute_url())}\?event=\d+#event-\d+$"))
        notice = page.locator("#confirmation")
        expect(notice).to_have_class(re.compile(r"\bwarning\b"))
        expect(notice).to_contain_text(str(count))

        # The office user who recorded them may not confirm them himself.
        notice.locator(f"a[href='{unconfirmed_url}']").click()
        page.wait_for_url(re.compile(rf"{re.escape(unconfirmed_url)}$"))
        rows = page.locator("main table tbody tr")
        expect(rows).to_have_count(count)
        self.press(rows.first.locator("button[type=submit]"))
        page.wait_for_url(re.compile(rf"{re.escape(unconfirmed_url)}$"))
        refused = page.locator(".messages .message.error")
        expect(refused).to_contain_text(
            self.gettext("You recorded or last changed this result: another office user must confirm it.")
        )
        assert Entry.objects.filter(event__competition=competition).unconfirmed().count() == count
        self.log_out()

        # A second office user: the competition page, its unconfirmed results, confirmed all at once.
        self.sign_in(self.second_user)
        self.open_competition()
        expect(notice).to_contain_text(str(count))
        notice.locator(f"a[href='{unconfirmed_url}']").click()
        page.wait_for_url(re.compile(rf"{re.escape(unconfirmed_url)}$"))
        expect(rows).to_have_count(count)
        expect(page.locator("main table")).to_contain_text("郑泽欣")
        self.shot("unconfirmed")
        self.check_accessibility(
            "the unconfirmed results, for a second office user", "competitions:unconfirmed"
        )
        confirm_all = page.locator("main form.inline-form", has=page.locator("input[name=seen]")).filter(
            has_not=page.locator("input[name=next]")
        )
        self.press(confirm_all.locator("button[type=submit]"))
        page.wait_for_url(re.compile(rf"{re.escape(unconfirmed_url)}$"))
        self.expect_success()
        expect(page.locator(".messages .message.success")).to_contain_text(str(count))
        expect(rows).to_have_count(1)  # the "every result is confirmed" row
        expect(rows).to_contain_text(self.gettext("Every result is confirmed."))
        assert Entry.objects.filter(event__competition=competition).unconfirmed().count() == 0
        assert set(
            Entry.objects.filter(event__competition=competition).values_list("confirmed_by", flat=True)
        ) == {self.second_user.pk}

        # Back on the competition page: nothing waits any more.
        page.locator("main .breadcrumb a").first.click()
        page.wait_for_url(re.compile(rf"{re.escape(competition.get_absolute_url())}$"))
        expect(notice).not_to_have_class(re.compile(r"\bwarning\b"))
        expect(notice).to_contain_text(self.gettext("Every result is confirmed."))
        self.shot("confirmed")

        # The first office user carries on with the day.
        self.log_out()
        self.sign_in(self.user)

    def import_sheet(self) -> None:
        page = self.page
        self.from_office_menu(reverse("competitions:import-upload"))
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

        # Tag the second photo with the bronze team too: its page from the gallery, then its edit page.
        detail = reverse("competitions:photo-detail", args=[photos[1].pk])
        page.locator(f"#photos figure a.photo-frame[href='{detail}']").click()
        page.wait_for_url(re.compile(rf"{re.escape(detail)}$"))
        edit = reverse("competitions:photo-edit", args=[photos[1].pk])
        page.locator(f"main .photo-actions a[href='{edit}']").click()
        page.wait_for_url(re.compile(rf"{re.escape(edit)}$"))
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

        # The deleted entries of the event: from its heading on the competition page.
        page.locator(f"main .breadcrumb a[href^='{self.competition.get_absolute_url()}']").click()
        page.wait_for_url(
            re.compile(rf"{re.escape(self.competition.get_absolute_url())}\?event=\d+#event-\d+$")
        )
        deleted_url = reverse("competitions:deleted-entries", args=[deleted.event_id])
        self.event("移动机器人").locator(f"h3 a[href='{deleted_url}']").click()
        page.wait_for_url(re.compile(rf"{re.escape(deleted_url)}$"))
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
    language,
    page: Page,
    live_server,
    office,
    second_office,
    task_worker,
    college,
    browser_problems,
    screenshot,
):
    day = OfficeDay(
        page, live_server.url, language, office, task_worker, screenshot, college, second_user=second_office
    )
    day.log_in()
    day.create_competition()
    day.edit_competition()
    day.record_entries()
    day.confirm_as_second_user()
    day.import_sheet()
    day.upload_and_tag_photos()
    day.delete_and_restore_an_entry()
    assert day.accessibility == [], "\n".join(day.accessibility)
    assert "Traceback" not in task_worker.output()
