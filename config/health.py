"""The health endpoint: can this server reach its database, its cache and its task queue?

For a load balancer, a monitor or systemd: GET /health/ answers 200 with
{"database": "ok", "cache": "ok", "tasks": "ok"}, or 503 naming what failed as "error".
It is open to anonymous callers, so it says nothing else (no versions, no counts, no messages:
the reason goes to the log), and it is cheap: one `SELECT 1`, one cache round trip, and for the
database task backend one indexed query on its table. It enqueues nothing.
"""

import logging
import uuid
from collections.abc import Callable

from django.apps import apps
from django.contrib.auth.decorators import login_not_required
from django.core.cache import cache
from django.db import connection
from django.http import HttpRequest, JsonResponse
from django.tasks import DEFAULT_TASK_BACKEND_ALIAS, task_backends
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

logger = logging.getLogger(__name__)


def check_database() -> None:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
        if cursor.fetchone() != (1,):
            raise RuntimeError("SELECT 1 did not answer 1")


def check_cache() -> None:
    # A key of its own per call: two monitors calling at once must not see each other's value.
    key, value = f"health:{uuid.uuid4().hex}", uuid.uuid4().hex
    cache.set(key, value, 30)
    try:
        if cache.get(key) != value:
            raise RuntimeError("the cache did not return the value just stored")
    finally:
        cache.delete(key)


def check_tasks() -> None:
    """The task backend loads; the database backend's table answers; RQ's Redis answers."""
    backend = task_backends[DEFAULT_TASK_BACKEND_ALIAS]
    if apps.is_installed("django_tasks_db"):
        from django_tasks_db.backend import DatabaseBackend
        from django_tasks_db.models import DBTaskResult

        if isinstance(backend, DatabaseBackend):
            DBTaskResult.objects.only("pk").first()
    if apps.is_installed("django_rq"):
        import django_rq
        from django_tasks_rq.backend import RQBackend

        if isinstance(backend, RQBackend):
            for queue in backend.queues:
                django_rq.get_queue(queue).connection.ping()


CHECKS: dict[str, Callable[[], None]] = {
    "database": check_database,
    "cache": check_cache,
    "tasks": check_tasks,
}


@login_not_required
@never_cache
@require_GET
def health(request: HttpRequest) -> JsonResponse:
    report = {}
    for name, check in CHECKS.items():
        try:
            check()
        except Exception:
            logger.exception("Health check %r failed", name)
            report[name] = "error"
        else:
            report[name] = "ok"
    healthy = all(state == "ok" for state in report.values())
    return JsonResponse(report, status=200 if healthy else 503)
