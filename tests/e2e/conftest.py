"""Real-browser tests: Playwright for Python driving Debian's Chromium against pytest-django's live server.

Run them on their own, in one process:  DJANGO_DEBUG=true .venv/bin/python -m pytest -m e2e tests/e2e
Without `-m e2e` they are skipped, and so they are when /usr/bin/chromium is missing
(apt-get install chromium chromium-driver fonts-noto-cjk).
`playwright install` is never needed: the browser is the system's.
"""

import importlib
import importlib.util
import os
import re
import signal
import subprocess
import sys
from pathlib import Path

import pytest
from django.apps import apps as django_apps
from django.contrib.auth.models import Group
from django.db import connection
from django.urls import get_resolver

from competitions import roles

CHROMIUM = Path("/usr/bin/chromium")
ROOT = Path(__file__).resolve().parents[2]
SCREENSHOTS = ROOT / "screenshots"
PASSWORD = "a-long-test-password"

LAUNCH_ARGS = [
    "--no-sandbox",  # CI runs as root
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def missing_browser() -> str | None:
    if importlib.util.find_spec("playwright") is None:
        return "Playwright is not installed (pip install -r requirements-dev.txt)"
    if not CHROMIUM.exists():
        return f"no Chromium at {CHROMIUM} (apt-get install chromium chromium-driver fonts-noto-cjk)"
    return None


def e2e_selected(config) -> bool:
    """Whether `-m` asks for the browser tests (`-m e2e`), rather than leaving them out or saying nothing."""
    return re.search(r"(?<!not )\be2e\b", config.option.markexpr or "") is not None


def pytest_collection_modifyitems(config, items):
    # Browser tests flush the database after each test (the live server needs committed data), which
    # would take the award vocabulary away from the tests after them: they run in their own session.
    reason = missing_browser() if e2e_selected(config) else "they run on their own: pytest -m e2e tests/e2e"
    if reason:
        skip = pytest.mark.skip(reason=f"end-to-end tests skipped: {reason}")
        for item in items:
            if item.get_closest_marker("e2e"):  # not item.keywords: it holds the checkout folder's name
                item.add_marker(skip)


@pytest.fixture(scope="session")
def django_db_modify_db_settings(django_db_modify_db_settings, tmp_path_factory):
    """On SQLite, a test database in a file rather than in memory, so that a task worker in a process
    of its own (task_worker) reads and writes the live server's database."""
    from django.conf import settings

    database = settings.DATABASES["default"]
    if database["ENGINE"] == "django.db.backends.sqlite3":
        test = database.setdefault("TEST", {})
        if not test.get("NAME") or test["NAME"] == ":memory:":
            test["NAME"] = str(tmp_path_factory.mktemp("e2e-database") / "test.sqlite3")


@pytest.fixture(scope="session", autouse=True)
def allow_the_orm_beside_playwright():
    # Playwright's sync API runs an event loop in this thread; without this, every ORM call made
    # by a test or fixture raises SynchronousOnlyOperation (microsoft/playwright-pytest#29).
    previous = os.environ.get("DJANGO_ALLOW_ASYNC_UNSAFE")
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    yield
    if previous is None:
        os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
    else:
        os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = previous


@pytest.fixture(autouse=True)
def migrated_data(transactional_db):
    """What migrations write, put back after the previous test's flush: the award vocabulary, the roles."""
    vocabulary = importlib.import_module("competitions.migrations.0003_award_vocabulary")
    vocabulary.add_labels(django_apps, None)
    roles.ensure_roles()


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    return {**browser_type_launch_args, "executable_path": str(CHROMIUM), "args": LAUNCH_ARGS}


@pytest.fixture(scope="session")
def browser_context_args(browser_context_args):
    return {
        **browser_context_args,
        "locale": "zh-CN",
        "viewport": {"width": 1280, "height": 900},
        "accept_downloads": True,
    }


@pytest.fixture
def media(settings, tmp_path, monkeypatch):
    """Photos stored under tmp_path and served from there by the live server.

    config/urls.py hands MEDIA_ROOT to django.views.static.serve when it is imported, so the
    pattern's own copy has to follow the setting.
    """
    root = tmp_path / "media"
    root.mkdir()
    settings.MEDIA_ROOT = root
    for pattern in get_resolver().url_patterns:
        if "document_root" in getattr(pattern, "default_args", {}):
            monkeypatch.setitem(pattern.default_args, "document_root", str(root))
    return root


@pytest.fixture
def teacher(django_user_model):
    user = django_user_model.objects.create_user("lin.teacher", password=PASSWORD)
    user.groups.add(Group.objects.get(name=roles.TEACHERS))
    return user


# Chromium reports a Content-Security-Policy violation on the console ("Refused to ..."); the page's
# own securitypolicyviolation event is logged too, in case a violation has no console line.
CSP_WORDS = ("Content Security Policy", "Content-Security-Policy", "Refused to")
CSP_LISTENER = """
document.addEventListener("securitypolicyviolation", function (event) {
  console.error("Content Security Policy violation: " + event.violatedDirective + " blocked "
    + (event.blockedURI || "inline") + " at " + event.sourceFile + ":" + event.lineNumber);
});
"""


@pytest.fixture
def browser_problems(page):
    """Every JavaScript dialog, page error, console error and Content-Security-Policy violation:
    a test fails if there is any."""
    problems = []
    page.add_init_script(CSP_LISTENER)

    def on_dialog(dialog):
        problems.append(f"dialog {dialog.type}: {dialog.message}")
        dialog.dismiss()

    page.on("dialog", on_dialog)
    page.on("pageerror", lambda error: problems.append(f"page error: {error}"))

    def on_console(message):
        # The site has no favicon yet; Chromium asks for /favicon.ico anyway.
        favicon = message.location["url"].endswith("/favicon.ico")
        if (message.type in ("error", "assert") and not favicon) or any(
            word in message.text for word in CSP_WORDS
        ):
            problems.append(f"console {message.type}: {message.text} at {message.location}")

    page.on("console", on_console)
    yield problems
    assert problems == [], "the browser reported problems"


@pytest.fixture
def screenshot(page):
    SCREENSHOTS.mkdir(exist_ok=True)

    def take(name: str) -> Path:
        path = SCREENSHOTS / f"{name}.png"
        page.screenshot(path=str(path), full_page=True)
        return path

    return take


@pytest.fixture
def administrator(django_user_model):
    """An administrator: staff, in the administrators group (the Backups page, the admin site)."""
    user = django_user_model.objects.create_user("he.admin", password=PASSWORD, is_staff=True)
    user.groups.add(Group.objects.get(name=roles.ADMINISTRATORS))
    return user


@pytest.fixture
def office(django_user_model):
    user = django_user_model.objects.create_user("wu.office", password=PASSWORD)
    user.groups.add(Group.objects.get(name=roles.OFFICE))
    return user


@pytest.fixture
def second_office(django_user_model):
    """A second office user, who confirms the results the first one recorded (issue 11 §4)."""
    user = django_user_model.objects.create_user("zhao.office", password=PASSWORD)
    user.groups.add(Group.objects.get(name=roles.OFFICE))
    return user


class TaskWorker:
    """`manage.py db_worker` in a process of its own, on the live server's database, started and
    stopped by the test (so that a test sees a task waiting before the worker takes it). Its tasks
    hold their first progress reports a few seconds (paced_worker.py), so the page sees them."""

    def __init__(self, env: dict, log: Path) -> None:
        self.env = env
        self.log = log
        self.process: subprocess.Popen | None = None

    def start(self) -> None:
        assert self.process is None, "the worker is running already"
        self.process = subprocess.Popen(
            # --no-reload: with DEBUG the worker would otherwise run the tasks in a child process.
            [sys.executable, str(Path(__file__).with_name("paced_worker.py")), "--no-reload"]
            + ["--no-startup-delay", "--interval", "0.1"],
            env=self.env,
            stdout=self.log.open("ab"),
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )

    def stop(self) -> None:
        """Stop the worker (it finishes the task it is running first)."""
        if self.process is None:
            return
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait()
        self.process = None

    def output(self) -> str:
        return self.log.read_text(errors="replace") if self.log.exists() else ""


@pytest.fixture
def task_worker(settings, transactional_db, live_server, media, tmp_path):
    """A real task worker for the live server: the database's own queue (django-tasks-db) and
    progress files both processes read. Not started: the test calls .start() when it wants it."""
    if connection.vendor == "postgresql":
        database = connection.settings_dict
        password = f":{database['PASSWORD']}" if database["PASSWORD"] else ""
        url = (
            f"postgres://{database['USER']}{password}@{database['HOST'] or '127.0.0.1'}:"
            f"{database['PORT'] or 5432}/{database['NAME']}"
        )
    elif connection.vendor == "sqlite" and not connection.is_in_memory_db():
        url = f"sqlite:///{connection.settings_dict['NAME']}"
    else:
        pytest.skip(f"no task worker beside the live server on this database ({connection.vendor})")
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    settings.TASK_PROGRESS_DIR = tmp_path / "progress"
    settings.BACKUP_DIR = tmp_path / "backups"
    env = {
        **os.environ,
        "DJANGO_DEBUG": "true",
        "DATABASE_URL": url,
        "DJANGO_MEDIA_ROOT": str(media),
        "DJANGO_TASK_PROGRESS_DIR": str(settings.TASK_PROGRESS_DIR),
        "DJANGO_BACKUP_DIR": str(settings.BACKUP_DIR),
    }
    env.pop("DJANGO_SETTINGS_MODULE", None)
    env.pop("REDIS_URL", None)  # the database's own queue, as settings.TASKS above
    worker = TaskWorker(env, tmp_path / "db_worker.log")
    yield worker
    worker.stop()
