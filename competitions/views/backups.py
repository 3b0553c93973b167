"""Backups for administrators: the archives made so far, and one more made in the background.

An archive holds everything (results, people, accounts with their password hashes, photos), so only
administrators see this page and download from it. It is written by the task worker
(competitions.tasks.make_backup, with competitions.backups) into settings.BACKUP_DIR, where the
nightly timer of the README puts its archives too; `manage.py restore` reads any of them.
"""

import re
from datetime import UTC, datetime
from pathlib import Path

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import permission_required
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods

from competitions import tasks

ARCHIVE = re.compile(r"results-backup-\d{8}-\d{6}\.zip")
PHASE_LABELS = {
    "queued": gettext_lazy("Waiting for the task worker"),
    "tables": gettext_lazy("Writing the tables"),
    "files": gettext_lazy("Copying the photos"),
}


def archives() -> list[dict]:
    """The archives in BACKUP_DIR, newest first (half-written ones are not listed)."""
    directory = Path(settings.BACKUP_DIR)
    if not directory.is_dir():
        return []
    found = []
    for path in directory.iterdir():
        if ARCHIVE.fullmatch(path.name) and path.is_file():
            stat = path.stat()
            found.append(
                {"name": path.name, "size": stat.st_size, "made": datetime.fromtimestamp(stat.st_mtime, UTC)}
            )
    return sorted(found, key=lambda archive: archive["name"], reverse=True)


def status() -> dict:
    """What the progress script asks (the contract of static/js/task-progress.js)."""
    progress = tasks.backup_running()
    if progress is None:
        return {"running": False, "stuck": False, "label": "", "done": 0, "total": 0}
    return {
        "running": True,
        "stuck": tasks.silent_since(progress["at"]),
        "label": str(PHASE_LABELS.get(progress["phase"], "")),
        "done": progress["done"],
        "total": progress["total"],
    }


@permission_required("competitions.make_backup", raise_exception=True)
@require_http_methods(["GET", "POST"])
def backup_list(request: HttpRequest) -> HttpResponse:
    if request.method == "POST":
        if tasks.start_backup():
            messages.info(request, _("A backup is being made in the background."))
        else:
            messages.warning(request, _("A backup is being made already; wait for it to finish."))
        return redirect("competitions:backup-list")
    if request.GET.get("format") == "json":
        return JsonResponse(status())
    last = tasks.read_progress(tasks.BACKUP_PROGRESS)
    return render(
        request,
        "competitions/backup_list.html",
        {
            "archives": archives(),
            "status": status(),
            "failed": bool(last and last["phase"] == "failed"),
            "directory": settings.BACKUP_DIR,
        },
    )


@permission_required("competitions.make_backup", raise_exception=True)
def backup_download(request: HttpRequest, name: str) -> FileResponse:
    path = Path(settings.BACKUP_DIR) / name
    if not ARCHIVE.fullmatch(name) or not path.is_file():
        raise Http404
    return FileResponse(path.open("rb"), as_attachment=True, filename=name, content_type="application/zip")
