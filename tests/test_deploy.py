"""Running in production (issue 10, section 5): static files, `check --deploy`, the health
endpoint, and one cache shared by every worker process when REDIS_URL is set."""

import json
import os
import secrets
import socket
import subprocess
import sys
import time
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from unittest import mock

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.core.management import call_command
from django.db import OperationalError
from django.tasks import TaskBackendHandler
from django.urls import reverse

ROOT = Path(__file__).resolve().parents[1]
MANIFEST_STORAGE = "whitenoise.storage.CompressedManifestStaticFilesStorage"

# What the README's "Run in production" section tells the college to set.
PRODUCTION_ENV = {
    "DJANGO_SECRET_KEY": secrets.token_urlsafe(50),
    "DJANGO_ALLOWED_HOSTS": "results.example.edu.cn",
    "DJANGO_CSRF_TRUSTED_ORIGINS": "https://results.example.edu.cn",
    "DJANGO_SECURE_SSL_REDIRECT": "true",
    "DJANGO_SECURE_PROXY_SSL_HEADER": "true",
    "DJANGO_SECURE_COOKIES": "true",
    "DJANGO_HSTS_SECONDS": "31536000",
    "DJANGO_HSTS_INCLUDE_SUBDOMAINS": "true",
    "DJANGO_HSTS_PRELOAD": "true",
}


def environment(**extra) -> dict:
    env = {k: v for k, v in os.environ.items() if not k.startswith("DJANGO_")}
    return {**env, **extra}


# Static files -----------------------------------------------------------------------------------


@pytest.fixture
def production_static(settings, tmp_path):
    settings.DEBUG = False
    settings.STATIC_ROOT = tmp_path / "staticfiles"
    settings.STORAGES = {**settings.STORAGES, "staticfiles": {"BACKEND": MANIFEST_STORAGE}}
    return settings.STATIC_ROOT


@pytest.mark.django_db
def test_without_collected_static_files_a_production_page_fails(client, production_static):
    with pytest.raises(ValueError, match="Missing staticfiles manifest entry"):
        client.get(reverse("login"))


@pytest.mark.django_db
def test_after_collectstatic_the_login_page_renders_with_debug_off(client, production_static):
    call_command("collectstatic", interactive=False, verbosity=0)

    response = client.get(reverse("login"))

    assert response.status_code == 200
    assert (production_static / "staticfiles.json").exists()
    # Hashed names, which whitenoise can serve with a far-future expiry.
    hashed = json.loads((production_static / "staticfiles.json").read_text())["paths"]
    assert any(name in response.text for name in hashed.values() if name.endswith(".css"))


def test_setup_collects_static_files_with_the_production_storage():
    """scripts/setup.sh runs collectstatic with DEBUG off, so the manifest exists even when the
    rest of the set-up ran in development mode."""
    script = (ROOT / "scripts" / "setup.sh").read_text()
    collect = next(line for line in script.splitlines() if "manage.py collectstatic" in line)
    before = script[: script.index(collect)].splitlines()[-1]
    assert "--noinput" in collect
    assert "DJANGO_DEBUG=false" in before + collect


# check --deploy ---------------------------------------------------------------------------------


def test_check_deploy_reports_nothing_under_the_documented_production_variables():
    done = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT,
        env=environment(**PRODUCTION_ENV),
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    assert "no issues" in done.stdout


def test_check_deploy_still_warns_without_https_settings():
    """The test above is not vacuous: leave out the HTTPS variables and the checks speak."""
    env = {k: v for k, v in PRODUCTION_ENV.items() if "SECRET" in k or "HOSTS" in k}
    done = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT,
        env=environment(**env),
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode != 0
    for code in ("security.W004", "security.W008", "security.W012", "security.W016"):
        assert code in done.stderr


# Health ---------------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_health_answers_anonymous_callers_with_every_check_ok(client, django_assert_max_num_queries):
    with django_assert_max_num_queries(2):
        response = client.get("/health/")

    assert response.status_code == 200
    assert response.json() == {"database": "ok", "cache": "ok", "tasks": "ok"}
    assert "no-cache" in response["Cache-Control"]


@pytest.mark.django_db
def test_health_is_not_redirected_to_https(client, settings):
    settings.SECURE_SSL_REDIRECT = True
    assert client.get("/health/").status_code == 200
    assert client.get(reverse("login")).status_code == 301


@pytest.mark.django_db
def test_health_says_503_when_the_database_is_down(client):
    with mock.patch("config.health.connection.cursor", side_effect=OperationalError("no route")):
        response = client.get("/health/")

    assert response.status_code == 503
    # The default task queue lives in the same database: it is down with it (RQ's, with REDIS_URL, is not).
    queue = "ok" if os.environ.get("REDIS_URL") else "error"
    assert response.json() == {"database": "error", "cache": "ok", "tasks": queue}
    assert "no route" not in response.text  # the reason goes to the log, not to anonymous callers


@pytest.mark.django_db
def test_health_says_503_when_the_cache_loses_what_it_was_given(client):
    with mock.patch("config.health.cache.get", return_value=None):
        response = client.get("/health/")

    assert response.status_code == 503
    assert response.json()["cache"] == "error"


@pytest.mark.django_db
def test_health_says_503_when_the_task_backend_cannot_be_loaded(client):
    broken = TaskBackendHandler({"default": {"BACKEND": "no.such.TaskBackend"}})
    with mock.patch("config.health.task_backends", broken):
        response = client.get("/health/")

    assert response.status_code == 503
    assert response.json() == {"database": "ok", "cache": "ok", "tasks": "error"}


@pytest.mark.django_db
def test_health_checks_the_table_of_the_database_task_backend(client):
    from django.apps import apps

    if not apps.is_installed("django_tasks_db"):
        pytest.skip("the database task backend is not installed")
    database = TaskBackendHandler({"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}})
    with mock.patch("config.health.task_backends", database):
        assert client.get("/health/").json()["tasks"] == "ok"
        with mock.patch(
            "django_tasks_db.models.DBTaskResult.objects.only", side_effect=OperationalError("gone")
        ):
            assert client.get("/health/").json()["tasks"] == "error"


def test_health_refuses_writes(client):
    assert client.post("/health/").status_code == 405


# One cache for every worker ---------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.mark.skipif(not os.environ.get("REDIS_URL"), reason="REDIS_URL is not set")
def test_two_gunicorn_workers_share_one_cache(settings, tmp_path):
    """Two worker processes, each counting calls with cache.incr: with a shared cache the counts
    interleave into one sequence; with a per-process cache each worker would start again at 1."""
    port = free_port()
    location = settings.CACHES["default"]["LOCATION"]
    key = f"shared-counter-{secrets.token_hex(4)}"
    env = environment(DJANGO_DEBUG="true", REDIS_URL=location, CACHE_KEY_PREFIX=key, PYTHONPATH=str(ROOT))
    log = tmp_path / "gunicorn.log"
    command = [sys.executable, "-m", "gunicorn", "--workers=2", f"--bind=127.0.0.1:{port}"]
    command += ["--no-control-socket", "tests.shared_cache_app:application"]
    with log.open("w") as output:
        server = subprocess.Popen(command, cwd=ROOT, env=env, stdout=output, stderr=subprocess.STDOUT)
        try:
            answers = count_at_once(f"http://127.0.0.1:{port}", server, log, times=8)
        finally:
            server.terminate()
            server.wait(timeout=30)

    assert len({answer["pid"] for answer in answers}) == 2
    assert sorted(answer["count"] for answer in answers) == list(range(1, 9))


def count_at_once(base: str, server: subprocess.Popen, log: Path, *, times: int) -> list[dict]:
    deadline = time.monotonic() + 60
    while True:
        try:
            urllib.request.urlopen(f"{base}/ready/", timeout=5).read()
            break
        except OSError:
            if time.monotonic() > deadline or server.poll() is not None:
                raise AssertionError(log.read_text()) from None
            time.sleep(0.2)

    def count(_):
        return json.loads(urllib.request.urlopen(f"{base}/count/", timeout=30).read())

    # Requests at once, each holding its worker a moment, so that both workers answer.
    with ThreadPoolExecutor(max_workers=times) as pool:
        return list(pool.map(count, range(times)))


def test_the_documented_runtime_variables_reach_the_settings(monkeypatch):
    """Each variable of the README's table that has no page of its own to test it."""
    import runpy

    from config.settings import BASE_DIR

    for name, value in {
        "DJANGO_DEBUG": "true",
        "DATABASE_CONN_MAX_AGE": "60",
        "DJANGO_TIME_ZONE": "Asia/Urumqi",
        "DJANGO_LOG_LEVEL": "INFO",
        "DJANGO_BACKUP_DIR": "/srv/results/backups",
        "REDIS_URL": "redis://127.0.0.1:6379/9",
        "TASK_TIMEOUT_SECONDS": "7200",
    }.items():
        monkeypatch.setenv(name, value)
    read = runpy.run_path(str(BASE_DIR / "config" / "settings.py"))
    assert read["DATABASES"]["default"]["CONN_MAX_AGE"] == 60
    assert read["TIME_ZONE"] == "Asia/Urumqi"
    assert read["LOGGING"]["root"]["level"] == "INFO"
    assert str(read["BACKUP_DIR"]) == "/srv/results/backups"
    assert read["TASKS"]["default"]["BACKEND"] == "django_tasks_rq.RQBackend"
    assert read["RQ_QUEUES"]["default"]["DEFAULT_TIMEOUT"] == 7200
    assert read["CACHES"]["default"]["BACKEND"] == "django.core.cache.backends.redis.RedisCache"
    # Prepared statements: on for kept connections, off for a connection per request, unless said.
    monkeypatch.setenv("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/results")
    for max_age, prepared, expected in [
        ("60", None, True),
        ("0", None, False),
        ("60", "false", False),
        ("0", "true", True),
    ]:
        monkeypatch.setenv("DATABASE_CONN_MAX_AGE", max_age)
        if prepared is None:
            monkeypatch.delenv("DATABASE_PREPARED_STATEMENTS", raising=False)
        else:
            monkeypatch.setenv("DATABASE_PREPARED_STATEMENTS", prepared)
        options = runpy.run_path(str(BASE_DIR / "config" / "settings.py"))["DATABASES"]["default"].get(
            "OPTIONS"
        )
        assert options == ({"server_side_binding": True, "prepare_threshold": 5} if expected else None), (
            max_age
        )
    monkeypatch.setenv("DATABASE_CONN_MAX_AGE", "60")
    monkeypatch.setenv("TASK_TIMEOUT_SECONDS", "soon")
    with pytest.raises(ImproperlyConfigured):
        runpy.run_path(str(BASE_DIR / "config" / "settings.py"))


@pytest.mark.django_db
def test_postgresql_prepares_a_query_asked_again(monkeypatch):
    """The options DATABASE_PREPARED_STATEMENTS gives a kept connection: on such a connection the
    same query asked again is prepared by the sixth time, whatever its parameters, and answers
    the same."""
    import runpy

    from django.db import connection
    from django.db.backends.postgresql.base import DatabaseWrapper

    from config.settings import BASE_DIR

    if connection.vendor != "postgresql":
        pytest.skip("prepared statements are PostgreSQL's")
    monkeypatch.setenv("DATABASE_CONN_MAX_AGE", "60")
    monkeypatch.delenv("DATABASE_PREPARED_STATEMENTS", raising=False)
    options = runpy.run_path(str(BASE_DIR / "config" / "settings.py"))["DATABASES"]["default"]["OPTIONS"]
    kept = DatabaseWrapper({**connection.settings_dict, "OPTIONS": options}, alias="kept")
    try:
        with kept.cursor() as cursor:
            for number in range(6):
                cursor.execute("SELECT %s + 1 FROM django_migrations WHERE id > %s LIMIT 1", [number, -1])
                assert cursor.fetchone()[0] == number + 1
            cursor.execute(
                "SELECT count(*) FROM pg_prepared_statements WHERE statement LIKE %s", ["%django_migrations%"]
            )
            assert cursor.fetchone()[0] == 1
    finally:
        kept.close()
