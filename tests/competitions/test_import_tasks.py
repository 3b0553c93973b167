"""Browser imports as background tasks (issue 10, section 1): the queue, the progress, the worker.

Most tests run the tasks in the test process (django.tasks' ImmediateBackend); the last ones queue
them in the database (django-tasks-db, the default backend) and run the real `manage.py db_worker`,
once killed in the middle of an apply.
"""

import json
import os
import signal
import sqlite3
import subprocess
import sys
import time
from datetime import timedelta
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.db import connection
from django.test import Client, TestCase
from django.urls import resolve, reverse
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from competitions import importing, tasks
from competitions.aggregates import verify
from competitions.models import Entry, SheetImport, TallyTotal
from tests.competitions.test_import_concurrency import (  # noqa: F401 (fixtures)
    PROCESS_SECONDS,
    ROOT,
    shared_db,
    sqlite_template,
)
from tests.competitions.test_import_views import GOOD_ROWS, HEADER, big_sheet, csv_bytes, office  # noqa: F401
from tests.factories import home_organization

IMMEDIATE = {"default": {"BACKEND": "django.tasks.backends.immediate.ImmediateBackend"}}
UPLOAD = reverse("competitions:import-upload")
CLIENT = Path(__file__).with_name("task_client.py")


def page_url(token):
    return reverse("competitions:import-preview", args=[token])


@pytest.fixture
def progress_dir(settings, tmp_path):
    settings.TASK_PROGRESS_DIR = tmp_path / "progress"
    return settings.TASK_PROGRESS_DIR


@pytest.fixture
def immediate(settings, progress_dir):
    settings.TASKS = IMMEDIATE


class TaskClient(Client):
    """Runs the tasks a request queues (on commit) when it has answered."""

    def request(self, **request):
        with TestCase.captureOnCommitCallbacks(execute=True):
            return super().request(**request)


@pytest.fixture
def office_client(office):  # noqa: F811 (the fixture imported above)
    home_organization()
    client = TaskClient()
    client.force_login(office)
    return client


# The default backend (no REDIS_URL): the project's database. With REDIS_URL the tasks are RQ's, and
# the Task objects are made for that backend when this module is imported, so the database queue
# cannot be switched on for a test: those tests run in the passes without Redis.
DATABASE_QUEUE_ONLY = pytest.mark.skipif(
    bool(os.environ.get("REDIS_URL")), reason="with REDIS_URL the queue is RQ's (see the RQ test)"
)


def upload(client, data, name="results.csv"):
    response = client.post(UPLOAD, {"sheet": SimpleUploadedFile(name, data)})
    assert response.status_code == 302, response
    return resolve(response.url).kwargs["token"]


# ---------------------------------------------------------------------------------------------
# In the test process


@DATABASE_QUEUE_ONLY
@pytest.mark.django_db
def test_the_upload_queues_the_check_and_the_page_waits_for_the_worker(
    office_client, progress_dir, monkeypatch
):
    def never(*args, **kwargs):
        raise AssertionError("the upload form planned the sheet")

    monkeypatch.setattr(importing, "plan_import", never)  # the form reads the header and one row only
    token = upload(office_client, csv_bytes([HEADER, *GOOD_ROWS]))
    # The default backend keeps the task in the database until a worker takes it.
    [queued] = DBTaskResult.objects.all()
    assert queued.status == "READY" and queued.args_kwargs["args"] == [token]
    assert SheetImport.objects.get(token=token).task_id == str(queued.id)
    page = office_client.get(page_url(token)).content.decode()
    assert "<progress" in page and "Waiting for the task worker" in page
    assert 'href="/competitions/import/' in page  # the Reload link
    assert 'value="discard"' in page and "csrfmiddlewaretoken" in page
    status = office_client.get(page_url(token), {"format": "json"}).json()
    assert status == {
        "state": "checking",
        "running": True,
        "phase": "queued",
        "label": "Waiting for the task worker",
        "done": 0,
        "total": 0,
        "stuck": False,
    }
    assert Entry.objects.count() == 0


@pytest.mark.django_db
def test_the_progress_page_shows_rows_done_and_has_no_inline_script_or_style(office_client, progress_dir):
    token = upload(office_client, csv_bytes([HEADER, *GOOD_ROWS]))
    tasks.write_progress(token, "checking", 1200, 5000)
    page = office_client.get(page_url(token)).content.decode()
    assert '<progress data-progress-bar max="5000" value="1200">' in page
    assert "1200 of 5000 rows" in page and "Checking the rows" in page
    assert 'src="/static/js/task-progress.js"' in page
    content = page[page.index("<main") if "<main" in page else 0 :]
    assert "<script>" not in content and " style=" not in content and " onclick=" not in content
    status = office_client.get(page_url(token), {"format": "json"}).json()
    assert (status["phase"], status["done"], status["total"]) == ("checking", 1200, 5000)


@pytest.mark.django_db
def test_progress_goes_to_the_cache_when_there_is_no_folder(settings):
    settings.TASK_PROGRESS_DIR = None
    tasks.write_progress("a" * 32, "applying", 3, 9)
    assert tasks.read_progress("a" * 32)["done"] == 3
    tasks.clear_progress("a" * 32)
    assert tasks.read_progress("a" * 32) is None


@pytest.mark.django_db
def test_a_failed_check_offers_to_run_it_again(office_client, immediate, monkeypatch):
    def crash(*args, **kwargs):
        raise RuntimeError("the disk went away")

    monkeypatch.setattr(tasks, "import_file", crash)
    token = upload(office_client, csv_bytes([HEADER, *GOOD_ROWS]))
    job = SheetImport.objects.get(token=token)
    assert job.state == "checking" and "the disk went away" in job.error
    page = office_client.get(page_url(token)).content.decode()
    assert 'value="retry"' in page and "Try again" in page
    monkeypatch.undo()
    response = office_client.post(page_url(token), {"action": "retry"})
    assert response.status_code == 302
    page = office_client.get(page_url(token)).content.decode()
    assert '<dd id="count-entries">4</dd>' in page and "The task was queued again." in page


@DATABASE_QUEUE_ONLY
@pytest.mark.django_db
def test_a_running_task_is_not_run_twice(office_client, progress_dir):
    token = upload(office_client, csv_bytes([HEADER, *GOOD_ROWS]))
    tasks.write_progress(token, "checking", 1, 4)  # a worker at work, reporting
    office_client.post(page_url(token), {"action": "retry"})
    assert DBTaskResult.objects.count() == 1


@pytest.mark.django_db
def test_the_preview_lists_the_first_thousand_errors_and_counts_them_all(office_client, immediate):
    rows = [[*row[:2], "宇宙级", *row[3:]] for row in GOOD_ROWS * 300]  # 1,200 rows, each bad
    token = upload(office_client, csv_bytes([HEADER, *rows]))
    preview = SheetImport.objects.get(token=token).preview
    assert preview["error_count"] == 1200 and len(preview["errors"]) == 1000
    page = office_client.get(page_url(token)).content.decode()
    assert "The first 1000 of 1200 errors are listed." in page
    assert 'value="apply"' not in page


@pytest.mark.django_db
def test_stale_uploads_are_removed_by_the_command(office, settings, progress_dir, tmp_path):  # noqa: F811
    settings.MEDIA_ROOT = tmp_path
    old = timezone.now() - timedelta(days=2, minutes=1)
    kept = {}
    for name, state, age in [
        ("old-checked", "checked", old),
        ("old-stuck", "applying", old),
        ("old-applied", "applied", old),
        ("new", "checked", timezone.now()),
        ("old-applying-now", "applying", old),  # uploaded long ago, applied just now: running
    ]:
        job = SheetImport.objects.create(user=office, filename=name, data=b"x", state=state)
        started = timezone.now() if name == "old-applying-now" else age
        SheetImport.objects.filter(pk=job.pk).update(created_at=age, started_at=started)
        tasks.write_progress(job.token, "checking", 0, 0)
        kept[name] = job.token
    stale_file = Path(progress_dir) / f"{kept['old-stuck']}.json"
    legacy = tmp_path / "imports"
    legacy.mkdir()
    (legacy / "0123").write_bytes(b"old upload")
    two_days_ago = old.timestamp()
    os.utime(legacy / "0123", (two_days_ago, two_days_ago))
    call_command("remove_stale_uploads", stdout=open(os.devnull, "w"))
    assert sorted(SheetImport.objects.values_list("filename", flat=True)) == [
        "new",
        "old-applied",
        "old-applying-now",
    ]
    assert not stale_file.exists() and not (legacy / "0123").exists()
    assert tasks.read_progress(kept["new"]) is not None


@pytest.mark.django_db
def test_rebuilding_the_tallies_runs_as_a_task(settings):
    from tests.factories import make_competition, make_entry, make_event

    settings.TASKS = IMMEDIATE
    event = make_event(make_competition("重建测试赛", year=2024))
    make_entry(event, award="金牌")
    TallyTotal.objects.all().delete()
    assert verify() != []
    result = tasks.rebuild_tallies.enqueue()
    assert result.status == "SUCCESSFUL" and result.return_value == []
    assert verify() == []
    TallyTotal.objects.all().delete()
    call_command("verify_tallies", "--fix", "--background", stdout=open(os.devnull, "w"))
    assert verify() == []


# ---------------------------------------------------------------------------------------------
# The database queue and the real worker, in processes of their own


def run(env, *arguments, check=True) -> subprocess.CompletedProcess:
    done = subprocess.run(
        [sys.executable, *map(str, arguments)],
        env=env,
        capture_output=True,
        text=True,
        timeout=PROCESS_SECONDS,
    )
    if check:
        assert done.returncode == 0, done.stderr
    return done


def state(env, token) -> dict:
    return json.loads(run(env, CLIENT, "state", token).stdout)


def db_worker(env, *options):
    return run(env, ROOT / "manage.py", "db_worker", "--interval", "0.1", *options)


@pytest.fixture
def queue_env(shared_db, tmp_path):  # noqa: F811 (the fixture imported above)
    env = {**shared_db, "DJANGO_TASK_PROGRESS_DIR": str(tmp_path / "progress")}
    env.pop("REDIS_URL", None)  # the database's own queue
    return env


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_the_database_queue_and_its_worker_preview_and_apply_a_sheet(queue_env, tmp_path):
    sheet = tmp_path / "results.csv"
    sheet.write_bytes(csv_bytes([HEADER, *GOOD_ROWS]))
    token = run(queue_env, CLIENT, "upload", "office", sheet).stdout.strip()
    assert state(queue_env, token)["state"] == "checking"
    db_worker(queue_env, "--batch")
    checked = state(queue_env, token)
    assert checked["state"] == "checked" and checked["summary"]["entries"] == 4
    run(queue_env, CLIENT, "apply", "office", token)
    assert state(queue_env, token)["entries"] == 0  # queued, not run
    db_worker(queue_env, "--batch")
    applied = state(queue_env, token)
    assert applied["state"] == "applied" and applied["entries"] == 4 and not applied["has_file"]
    assert applied["outcome"]["entries"] == 4


def holds_write_lock(env) -> bool:
    """Whether another connection is inside a write transaction (the import's)."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            # Entries inserted by a transaction that has not committed yet.
            cursor.execute(
                "SELECT count(*) FROM pg_locks l JOIN pg_class c ON c.oid = l.relation "
                "WHERE c.relname = 'competitions_entry' AND l.mode = 'RowExclusiveLock' AND l.pid <> pg_backend_pid()"
            )
            return cursor.fetchone()[0] > 0
    path = env["DATABASE_URL"].removeprefix("sqlite:///")
    probe = sqlite3.connect(path, timeout=0)
    try:
        probe.execute("BEGIN IMMEDIATE")
        probe.rollback()
        return False
    except sqlite3.OperationalError:
        return True
    finally:
        probe.close()


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_worker_killed_mid_apply_leaves_the_database_unchanged_and_the_task_runs_again(queue_env, tmp_path):
    sheet = tmp_path / "big.csv"
    sheet.write_bytes(big_sheet(8000))
    token = run(queue_env, CLIENT, "upload", "office", sheet).stdout.strip()
    db_worker(queue_env, "--batch")
    assert state(queue_env, token)["summary"]["entries"] == 8000
    run(queue_env, CLIENT, "apply", "office", token)

    worker = subprocess.Popen(
        # --no-reload: with DEBUG the worker would otherwise run the tasks in a child process.
        [sys.executable, str(ROOT / "manage.py"), "db_worker", "--interval", "0.1", "--no-reload"],
        env=queue_env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    try:
        progress = Path(queue_env["DJANGO_TASK_PROGRESS_DIR"]) / f"{token}.json"
        deadline = time.monotonic() + PROCESS_SECONDS
        # Killed once the apply reports its rows and holds the import's transaction open.
        while time.monotonic() < deadline and worker.poll() is None:
            report = json.loads(progress.read_text()) if progress.exists() else {}
            if (
                report.get("phase") in ("checking", "applying")
                and report.get("total")
                and holds_write_lock(queue_env)
            ):
                break
            time.sleep(0.02)
        assert worker.poll() is None, "the worker ended before it could be killed"
        os.killpg(worker.pid, signal.SIGKILL)
        worker.wait()
    finally:
        if worker.poll() is None:
            worker.kill()
            worker.wait()

    killed = state(queue_env, token)
    assert killed["entries"] == 0 and killed["state"] == "applying" and killed["has_file"]
    # The page offers to run it again once it is stuck (here: after a second without progress).
    time.sleep(1.1)
    retried = json.loads(
        run({**queue_env, "TASK_STUCK_SECONDS": "1"}, CLIENT, "retry", "office", token).stdout
    )
    assert retried["state"] == "applying"
    db_worker(queue_env, "--batch")
    done = state(queue_env, token)
    assert done["state"] == "applied" and done["entries"] == 8000
    assert done["outcome"]["entries"] == 8000


@pytest.mark.django_db
def test_the_upload_page_links_to_the_uploads_not_imported_yet(office_client, immediate, django_user_model):
    token = upload(office_client, csv_bytes([HEADER, *GOOD_ROWS]), "mine.csv")
    done = upload(office_client, csv_bytes([HEADER, *GOOD_ROWS]), "done.csv")
    SheetImport.objects.filter(token=done).update(state=SheetImport.State.APPLIED)
    other = django_user_model.objects.create_user("colleague")
    SheetImport.objects.create(user=other, filename="theirs.csv", data=b"x")
    page = office_client.get(UPLOAD).content.decode()
    assert f'href="{page_url(token)}">mine.csv</a> · Checked' in page
    assert "done.csv" not in page and "theirs.csv" not in page


@pytest.mark.django_db
def test_the_progress_script_learns_of_the_end_without_taking_the_outcome_message(office_client, immediate):
    token = upload(office_client, csv_bytes([HEADER, *GOOD_ROWS]))
    office_client.post(page_url(token), {"action": "apply"})
    status = office_client.get(page_url(token), {"format": "json"})
    assert status.status_code == 200
    assert status.json()["state"] == "applied" and status.json()["running"] is False
    # The page the script then reloads still says what the import did.
    response = office_client.get(page_url(token))
    shown = [str(message) for message in office_client.get(response.url).context["messages"]]
    assert len(shown) == 1 and shown[0].startswith("Added 4 entries (0 already present).")


@pytest.mark.skipif(not os.environ.get("REDIS_URL"), reason="the RQ queue is used with REDIS_URL")
@pytest.mark.django_db
def test_with_redis_the_check_goes_through_rq_and_its_worker(office_client, progress_dir):
    import django_rq
    from django_tasks_rq.backend import Job
    from rq import SimpleWorker

    queue = django_rq.get_queue("default")
    queue.empty()
    token = upload(office_client, csv_bytes([HEADER, *GOOD_ROWS]))
    assert SheetImport.objects.get(token=token).state == SheetImport.State.CHECKING
    assert queue.count >= 1
    # The worker as production runs it (`rqworker default --job-class django_tasks_rq.Job`), in
    # this process so that it sees the test's database.
    SimpleWorker([queue], connection=queue.connection, job_class=Job).work(burst=True)
    job = SheetImport.objects.get(token=token)
    assert job.state == SheetImport.State.CHECKED
    assert job.preview["summary"]["entries"] == len(GOOD_ROWS)
