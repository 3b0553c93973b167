"""Background tasks in a real browser, with a real task worker (issue 10): an import's progress page
follows the check and the apply by itself, a backup is made from the Backups page, and no page
breaks the Content-Security-Policy or logs an error.

The worker is `manage.py db_worker` in a process of its own on the live server's database (the
task_worker fixture). A test starts it only once the browser has seen a task waiting, so the
progress page is seen whatever the speed of the machine.
"""

import re
import time

import pytest
from django.urls import reverse
from playwright.sync_api import Page, expect

from competitions import tasks
from competitions.models import Competition, Entry, SheetImport
from tests.competitions.test_import_views import HEADER, HOME, csv_bytes
from tests.e2e.test_browsing import log_in
from tests.factories import (
    home_organization,
    make_coach,
    make_competition,
    make_entry,
    make_event,
    make_student,
)

# The live server's database is shared with the test: committed transactions, not a rolled-back one.
pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

COMPETITION = "第三届浏览器导入测试大赛"
ROWS = 1000
TASK_SECONDS = 30  # the longest a task may take here before the test gives up (it takes about one)
IMPORT_PAGE = re.compile(r"/competitions/import/[0-9a-f]{32}/$")


def result_sheet(size: int) -> bytes:
    """`size` rows of one competition over 20 team events; every tenth row is a home team."""
    rows = [HEADER]
    awards = ["金牌", "银牌", "铜牌", "优胜奖"]
    for i in range(size):
        if i % 10 == 0:
            people = [HOME, f"学生{i}甲、学生{i}乙", f"E{i:05d}A、E{i:05d}B", f"教师{i // 10 % 30}"]
        else:
            people = [f"测试学院{i % 97}", f"选手{i}甲、选手{i}乙", "", ""]
        rows.append(
            [COMPETITION, "2024", "省级", f"测试赛项{i % 20}", *people, awards[i % 4], str(i // 20 + 1)]
        )
    return csv_bytes(rows)


def follow_polls(page: Page) -> list[dict]:
    """The answers task-progress.js gets to its ?format=json questions, in order (read on the way,
    since the page may reload before an answer's body could be asked for)."""
    answers = []

    def on_poll(route):
        response = route.fetch()
        if response.ok:
            answers.append(response.json())
        route.fulfill(response=response)

    page.route(re.compile(r"\?format=json$"), on_poll)
    return answers


def test_the_office_uploads_a_sheet_and_follows_the_check_and_the_import_to_the_outcome(
    page: Page, live_server, office, task_worker, browser_problems, screenshot
):
    home_organization()
    log_in(page, live_server.url, office.username)
    polls = follow_polls(page)

    page.goto(live_server.url + reverse("competitions:import-upload"))
    page.set_input_files(
        "input[name=sheet]",
        files=[{"name": "省赛成绩.csv", "mimeType": "text/csv", "buffer": result_sheet(ROWS)}],
    )
    page.locator("form.filter-form button[type=submit]").click()

    # The upload's page: the check waits for the worker, and the page says so.
    page.wait_for_url(IMPORT_PAGE)
    here = page.url
    expect(page.locator("h1")).to_contain_text("省赛成绩.csv")
    expect(page.locator("[data-task-progress]")).to_be_visible()
    expect(page.locator("progress[data-progress-bar]")).to_be_attached()
    assert SheetImport.objects.get().state == SheetImport.State.CHECKING
    screenshot("import-checking")

    # The worker checks the sheet; the page asks how far it got, moves the bar, and shows the
    # preview by itself.
    task_worker.start()
    bar = page.locator("progress[data-progress-bar]")
    expect(bar).to_have_attribute("max", str(ROWS), timeout=TASK_SECONDS * 1000)
    expect(page.locator("[data-progress-count]")).to_have_text(re.compile(rf"^[1-9]\d* / {ROWS}$"))
    assert 0 < int(bar.get_attribute("value")) < ROWS
    expect(page.locator("[data-progress-label]")).not_to_have_text("")
    screenshot("import-checking-rows")
    apply = page.locator("button[name=action][value=apply]")
    expect(apply).to_be_visible(timeout=TASK_SECONDS * 1000)
    assert page.url == here
    assert polls, "the preview came without the page asking for the progress"
    assert all({"running", "done", "total", "label", "stuck"} <= poll.keys() for poll in polls)
    assert polls[-1]["running"] is False and polls[-1]["state"] == SheetImport.State.CHECKED
    expect(apply).to_contain_text(str(ROWS))
    assert Entry.objects.count() == 0
    screenshot("import-preview")

    # Apply: the import waits for the worker (stopped meanwhile), the progress page says so.
    task_worker.stop()
    polls.clear()
    apply.click()
    page.wait_for_url(here)
    expect(page.locator("[data-task-progress]")).to_be_visible()
    expect(page.locator("button[name=action][value=apply]")).to_have_count(0)
    assert SheetImport.objects.get().state == SheetImport.State.APPLYING
    screenshot("import-applying")

    # The worker imports; the page follows to the outcome: the competition, with the message.
    task_worker.start()
    expect(page.locator("progress[data-progress-bar]")).to_have_attribute(
        "max", str(ROWS), timeout=TASK_SECONDS * 1000
    )
    page.wait_for_url(re.compile(r"/competitions/\d+/$"), timeout=TASK_SECONDS * 1000)
    competition_page = live_server.url + Competition.objects.get(name=COMPETITION).get_absolute_url()
    assert page.url == competition_page
    expect(page.locator(".messages .message.success")).to_contain_text(str(ROWS))
    assert polls and polls[-1]["running"] is False
    assert Entry.objects.filter(event__competition__name=COMPETITION).count() == ROWS
    assert SheetImport.objects.get().state == SheetImport.State.APPLIED
    assert "Traceback" not in task_worker.output()

    # The upload's page now only says where it went, and adds nothing again.
    page.goto(here)
    page.wait_for_url(competition_page)
    expect(page.locator(".messages .message")).to_contain_text(str(ROWS))
    assert Entry.objects.count() == ROWS


def test_an_administrator_makes_a_backup_and_downloads_it(
    page: Page, live_server, administrator, task_worker, browser_problems, screenshot
):
    make_entry(
        make_event(make_competition("广州市职业技能大赛")), members=[make_student("李文博")], award="金牌"
    )
    log_in(page, live_server.url, administrator.username)
    polls = follow_polls(page)

    page.goto(live_server.url + reverse("competitions:backup-list"))
    table = page.locator("table.table tbody")
    expect(table.locator("a")).to_have_count(0)
    page.locator("main form button[type=submit]").click()

    # The backup waits for the worker; the page shows its progress bar instead of the button.
    page.wait_for_url(live_server.url + reverse("competitions:backup-list"))
    expect(page.locator("[data-task-progress]")).to_be_visible()
    expect(page.locator("main form button[type=submit]")).to_have_count(0)
    screenshot("backup-running")

    task_worker.start()
    link = table.locator("a[href*='results-backup-']")
    expect(link).to_have_count(1, timeout=TASK_SECONDS * 1000)
    expect(page.locator("[data-task-progress]")).to_have_count(0)
    expect(page.locator("main form button[type=submit]")).to_be_visible()
    assert any(poll["running"] and 0 <= poll["done"] < poll["total"] for poll in polls)
    assert polls[-1]["running"] is False
    screenshot("backup-done")

    with page.expect_download() as download_info:
        link.click()
    download = download_info.value
    assert re.fullmatch(r"results-backup-\d{8}-\d{6}\.zip", download.suggested_filename)
    assert download.path().read_bytes()[:2] == b"PK"
    assert "Traceback" not in task_worker.output()


@pytest.fixture
def places(media):
    home = home_organization()
    student = make_student("郑泽鑫", student_number="2023010101")
    competition = make_competition("广东省第三届职业技能大赛", year=2024, host="广州")
    event = make_event(competition, name="移动机器人")
    make_entry(
        event, members=[student], award="金牌", rank=1, organization=home, coaches=[make_coach("陈泽文")]
    )
    make_entry(event, members=["王小明"], award="银牌", rank=2, organization="兄弟技师学院")
    return {"competition": competition, "event": event, "student": student}


def test_the_main_pages_keep_to_the_content_security_policy_and_log_no_error(
    page: Page, live_server, administrator, places, browser_problems
):
    log_in(page, live_server.url, administrator.username)
    urls = [
        reverse("competitions:competition-list"),
        places["competition"].get_absolute_url(),
        reverse("competitions:leaderboard"),
        reverse("competitions:pivot"),
        reverse("students:student-list"),
        places["student"].get_absolute_url(),
        reverse("competitions:event-entries", args=[places["event"].pk]),
        reverse("competitions:import-upload"),
        reverse("competitions:backup-list"),
        reverse("admin:index"),
    ]
    for url in urls:
        response = page.goto(live_server.url + url)
        assert response.ok, f"{url}: {response.status}"
        policy = response.headers.get("content-security-policy", "")
        assert "script-src 'self'" in policy and "unsafe-inline" not in policy, f"{url}: {policy!r}"
        page.wait_for_load_state("networkidle")
        assert browser_problems == [], f"{url}: the browser reported problems"

    # The scripts of the entries form and of the search box run under the policy.
    page.goto(live_server.url + reverse("competitions:event-entries", args=[places["event"].pk]))
    page.locator("#quick-search-input").press_sequentially("zzx", delay=20)
    expect(page.locator("#quick-search-results").get_by_role("option").first).to_contain_text("郑泽鑫")


def test_a_stuck_backup_offers_to_start_again_and_the_page_stays_put(
    page: Page, live_server, administrator, settings, tmp_path, browser_problems
):
    settings.TASK_PROGRESS_DIR = tmp_path / "progress"
    settings.BACKUP_DIR = tmp_path / "backups"
    settings.TASK_STUCK_SECONDS = 1
    tasks.write_progress(tasks.BACKUP_PROGRESS, "tables", 3, 30)  # a worker that went away
    time.sleep(1.1)
    log_in(page, live_server.url, administrator.username)
    loads = []
    page.on("load", lambda loaded: loads.append(loaded.url))
    page.goto(live_server.url + reverse("competitions:backup-list"))
    expect(page.locator("[role=alert] form button[type=submit]")).to_be_visible()
    # task-progress.js asks after one second, then every two: a page showing "start again" has
    # nothing to reload for (it once reloaded itself every second, taking the button away).
    page.wait_for_timeout(4500)
    assert loads == [page.url]
    page.locator("[role=alert] form button[type=submit]").click()
    expect(page.locator(".messages .message")).to_be_visible()
