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
from pathlib import Path

import pytest
from django.apps import apps as django_apps
from django.contrib.auth.models import Group
from django.urls import get_resolver

from competitions import roles

CHROMIUM = Path("/usr/bin/chromium")
SCREENSHOTS = Path(__file__).resolve().parents[2] / "screenshots"
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
            if "e2e" in item.keywords:
                item.add_marker(skip)


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


@pytest.fixture
def browser_problems(page):
    """Every JavaScript dialog, page error and console error: a test fails if there is any."""
    problems = []

    def on_dialog(dialog):
        problems.append(f"dialog {dialog.type}: {dialog.message}")
        dialog.dismiss()

    page.on("dialog", on_dialog)
    page.on("pageerror", lambda error: problems.append(f"page error: {error}"))

    def on_console(message):
        # The site has no favicon yet; Chromium asks for /favicon.ico anyway.
        if message.type in ("error", "assert") and not message.location["url"].endswith("/favicon.ico"):
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
