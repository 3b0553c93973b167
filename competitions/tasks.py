"""Long work in the background, on Django's own tasks framework (django.tasks): importing a sheet
uploaded in the browser (its preview, then its apply), rebuilding the tally tables, and making the
thumbnails of uploaded photos.

The backend is the settings' TASKS: the project's own database (django-tasks-db, worker
`manage.py db_worker`) on one machine, RQ on Redis (django-tasks-rq, worker
`manage.py rqworker default --job-class django_tasks_rq.Job`) when REDIS_URL is set. Tasks take JSON
arguments only (an upload's token) and are queued in `transaction.on_commit`.

An upload (competitions.models.SheetImport) carries the file and, once a task has run, what the pages
show: the preview as JSON (PREVIEW_ROWS rows to add, at most MAX_LISTED errors and names, with their
full counts) and, after Apply, a receipt.

Progress: a running import reports progress(phase, done, total) (importing.import_file), and the apply
reports it while its own transaction is still open, on SQLite holding the database's write lock. So
progress is never written to the database: with settings.TASK_PROGRESS_DIR set (the default without
Redis: one machine), it is a small JSON file per upload in that folder, replaced atomically; with it
None (REDIS_URL), it is a cache key, and the cache is then Redis, shared by every server. Either way
it carries the time of the last report, which tells a task whose worker died (TASK_STUCK_SECONDS).

All or nothing: the import is one transaction (importing.import_rows), so a worker killed mid-task
leaves the database unchanged; the upload stays "being checked" or "being imported" and its page
offers to run the task again once it is stuck. Running an apply twice is harmless: the second one
finds the first one's rows present.

Thumbnails: an upload stores the photos' originals and rows, and queues make_thumbnails for them on
commit; its progress is the competition's record ("thumbnails-<id>"), shown on the competition page.
The task makes only the thumbnails still missing, so running it again after a worker was killed
(`manage.py make_thumbnails`) finishes the batch.
"""

import json
import logging
import os
import time
import uuid
from pathlib import Path

from django.conf import settings
from django.core.cache import cache
from django.db import transaction
from django.tasks import task
from django.tasks.exceptions import TaskResultDoesNotExist
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from competitions import aggregates, punctuation
from competitions.importing import ImportBusy, ImportPlan, SheetError, import_file, number_ranges
from competitions.models import Photo, SheetImport
from competitions.photos import make_missing_thumbnails

logger = logging.getLogger(__name__)

# The preview shows this many of the rows to add; the counts above it are always complete.
PREVIEW_ROWS = 200
# At most this many errors, notes and names of one kind are stored for the preview (with the count).
MAX_LISTED = 1000
# Progress is written at most this often (a sheet reports every row).
PROGRESS_INTERVAL_SECONDS = 0.5

RUNNING = (SheetImport.State.CHECKING, SheetImport.State.APPLYING)


# ---------------------------------------------------------------------------------------------
# Progress, outside the database


def progress_path(token: str) -> Path:
    return Path(settings.TASK_PROGRESS_DIR) / f"{token}.json"


def write_progress(token: str, phase: str, done: int, total: int) -> None:
    record = {"phase": phase, "done": done, "total": total, "at": time.time()}
    if settings.TASK_PROGRESS_DIR is None:
        cache.set(f"task-progress:{token}", record, timeout=2 * 24 * 3600)
        return
    path = progress_path(token)
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_name(f"{path.name}.{uuid.uuid4().hex}")  # renamed into place: never half-read
    partial.write_text(json.dumps(record), encoding="utf-8")
    os.replace(partial, path)


def read_progress(token: str) -> dict | None:
    """The last progress reported for an upload: {"phase", "done", "total", "at"}, or None."""
    if settings.TASK_PROGRESS_DIR is None:
        return cache.get(f"task-progress:{token}")
    try:
        return json.loads(progress_path(token).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None


def silent_since(at: float) -> bool:
    """Whether a task that last reported at `at` (time.time()) has been silent for TASK_STUCK_SECONDS:
    its worker died or was stopped."""
    return time.time() - at > settings.TASK_STUCK_SECONDS


def clear_progress(token: str) -> None:
    if settings.TASK_PROGRESS_DIR is None:
        cache.delete(f"task-progress:{token}")
    else:
        progress_path(token).unlink(missing_ok=True)


class Reporter:
    """The progress callback of one task: writes a phase change at once, counts at most twice a second."""

    def __init__(self, token: str) -> None:
        self.token = token
        self.phase = ""
        self.written = 0.0

    def __call__(self, phase: str, done: int, total: int) -> None:
        now = time.monotonic()
        if (
            phase != self.phase
            or now - self.written >= PROGRESS_INTERVAL_SECONDS
            or (total and done >= total)
        ):
            write_progress(self.token, phase, done, total)
            self.phase, self.written = phase, now


# ---------------------------------------------------------------------------------------------
# Queueing and watching


def enqueue(job: SheetImport) -> None:
    """Queue the task for the upload's state (check or apply) once the current transaction commits."""
    chosen = preview_import if job.state == SheetImport.State.CHECKING else apply_import
    write_progress(job.token, "queued", 0, 0)

    def send() -> None:
        result = chosen.enqueue(job.token)
        SheetImport.objects.filter(pk=job.pk).update(task_id=str(result.id))

    transaction.on_commit(send)


def task_status(job: SheetImport) -> str:
    """The task queue's word on the upload's latest task ("" when the backend cannot say)."""
    if not job.task_id:
        return ""
    try:
        return str(preview_import.get_backend().get_result(job.task_id).status)
    except (TaskResultDoesNotExist, NotImplementedError, ValueError):
        return ""  # forgotten (RQ keeps results for minutes), or a backend that cannot say
    except Exception:  # the queue is unreachable: the page still shows, judged by the progress alone
        logger.exception("cannot ask the task queue about task %s", job.task_id)
        return ""


def is_stuck(job: SheetImport, progress: dict | None) -> bool:
    """A running upload whose task failed, or reported nothing for TASK_STUCK_SECONDS (a dead worker)."""
    if job.state not in RUNNING:
        return False
    if job.error:
        return True
    status = task_status(job)
    if status == "FAILED":
        return True
    if status == "READY":
        return False  # waiting for a worker: running it again would only queue it twice
    last = progress["at"] if progress and progress.get("phase") != "queued" else job.started_at.timestamp()
    return silent_since(last)


def run_again(job: SheetImport) -> bool:
    """Queue a stuck upload's task again; False when it is not stuck (any more)."""
    if not is_stuck(job, read_progress(job.token)):
        return False
    if not SheetImport.objects.filter(pk=job.pk, state=job.state, started_at=job.started_at).update(
        started_at=timezone.now(), error="", task_id=""
    ):
        return False  # someone else ran it again just now
    enqueue(job)
    return True


# ---------------------------------------------------------------------------------------------
# The tasks


def load(token: str) -> SheetImport | None:
    return SheetImport.objects.filter(token=token).select_related("user").first()


def record_failure(token: str, state: str, error: BaseException) -> None:
    SheetImport.objects.filter(token=token, state=state).update(
        error=f"{type(error).__name__}: {error}"[:2000]
    )


@task
def preview_import(token: str) -> None:
    """Check an upload without saving anything and store what its preview page shows."""
    job = load(token)
    if job is None or job.state != SheetImport.State.CHECKING:
        return  # discarded, or already checked by an earlier run of this task
    with translation.override(job.language or settings.LANGUAGE_CODE):
        try:
            plan = import_file(bytes(job.data), job.filename, dry_run=True, progress=Reporter(token))
            preview = preview_data(plan)
        except SheetError as error:
            preview = {"sheet_error": str(error)}
        except BaseException as error:
            record_failure(token, SheetImport.State.CHECKING, error)
            raise
    SheetImport.objects.filter(pk=job.pk, state=SheetImport.State.CHECKING).update(
        state=SheetImport.State.CHECKED, preview=preview
    )
    clear_progress(token)


@task
def apply_import(token: str) -> None:
    """Import an upload (planned again inside the import lock) and keep a receipt instead of the file."""
    job = load(token)
    if job is None or job.state != SheetImport.State.APPLYING:
        return
    checked = {"state": SheetImport.State.CHECKED}
    with translation.override(job.language or settings.LANGUAGE_CODE):
        try:
            plan = import_file(
                bytes(job.data), job.filename, user=job.user, confirm=job.confirm, progress=Reporter(token)
            )
        except SheetError as error:
            checked.update(preview={"sheet_error": str(error)}, outcome=notice("error", str(error)))
        except ImportBusy as error:
            checked.update(outcome=notice("error", str(error)))
        except BaseException as error:
            record_failure(token, SheetImport.State.APPLYING, error)
            raise
        else:
            if plan.errors:
                message = _("The sheet has bad rows now; nothing was imported.")
                checked.update(preview=preview_data(plan), outcome=notice("error", message))
            elif plan.unconfirmed:
                message = _(
                    "Confirm the new people listed with near matches (tick the box) to import; nothing was imported."
                )
                checked.update(preview=preview_data(plan), outcome=notice("error", message))
            else:
                checked = {
                    "state": SheetImport.State.APPLIED,
                    "data": b"",
                    "preview": None,
                    "outcome": receipt(plan, planned=job.planned),
                }
    SheetImport.objects.filter(pk=job.pk, state=SheetImport.State.APPLYING).update(**checked)
    clear_progress(token)


@task
def rebuild_tallies() -> list[str]:
    """Recount every tally table from the entries; returns what verify() finds afterwards (nothing)."""
    aggregates.rebuild()
    return aggregates.verify()


# ---------------------------------------------------------------------------------------------
# Photo thumbnails


def thumbnails_token(competition_id: int) -> str:
    """The progress record of the thumbnails being made for a competition's photos."""
    return f"thumbnails-{competition_id}"


def enqueue_thumbnails(photos: list[Photo]) -> None:
    """Queue make_thumbnails for stored photos once the current transaction commits, one task per
    competition (a task per photo would be thousands of queue rows for a big batch)."""
    batches: dict[int, list[int]] = {}
    for photo in photos:
        batches.setdefault(photo.competition_id, []).append(photo.pk)

    def send() -> None:
        for competition_id, photo_ids in batches.items():
            token = thumbnails_token(competition_id)
            write_progress(token, "queued", 0, len(photo_ids))
            try:
                make_thumbnails.enqueue(photo_ids, token)
            except Exception:
                # The photos are stored and show their originals; `manage.py make_thumbnails` makes
                # the thumbnails later. The upload itself must not fail for this.
                logger.exception("cannot queue the thumbnails of photos %s", photo_ids)
                clear_progress(token)

    if batches:
        transaction.on_commit(send)


@task
def make_thumbnails(photo_ids: list[int], token: str = "") -> int:
    """Make the thumbnails these photos do not have yet, reporting to the progress record `token`;
    returns how many were made. Photos that have one already, or were deleted, are skipped."""
    try:
        return make_missing_thumbnails(photo_ids, progress=Reporter(token) if token else None)
    finally:
        if token:
            clear_progress(token)


def thumbnail_progress(competition_id: int) -> dict | None:
    """The thumbnails being made for a competition's photos: {"phase", "done", "total", "at",
    "stalled"}, or None. Stalled: nothing reported for TASK_STUCK_SECONDS (the worker is stopped,
    or busy with a long task)."""
    record = read_progress(thumbnails_token(competition_id))
    if record is None:
        return None
    return {**record, "stalled": silent_since(record["at"])}


# ---------------------------------------------------------------------------------------------
# What the pages show, as JSON


def notice(level: str, message: str) -> dict:
    return {"level": level, "message": message}


def receipt(plan: ImportPlan, *, planned: int | None) -> dict:
    competitions = {row.competition.pk for row in plan.to_add}
    if len(competitions) == 1:
        url = reverse("competitions:competition-detail", kwargs={"pk": competitions.pop()})
    else:
        url = reverse("competitions:import-upload")
    summary = plan.summary()
    return {
        "entries": summary["entries"],
        "present": summary["already_present"],
        "url": url,
        "message": success_message(plan, planned=planned),
        "level": "success" if summary["entries"] else "warning",
        "shown": False,
    }


def preview_data(plan: ImportPlan) -> dict:
    """What the preview page shows of a plan, as JSON (lists capped, counts complete)."""
    to_add = plan.to_add
    warned = [new for new in plan.new_people if new.near]
    unwarned = [new for new in plan.new_people if not new.near]
    room = max(0, PREVIEW_ROWS - len(warned))
    return {
        "sheet_error": "",
        "errors": [{"row": error.row, "text": str(error)} for error in plan.errors[:MAX_LISTED]],
        "error_count": len(plan.errors),
        "bad_rows": len({error.row for error in plan.errors}),
        "summary": plan.summary(),
        "new_objects": new_object_lists(plan),
        "shown_rows": [preview_row(row) for row in to_add[:PREVIEW_ROWS]],
        "hidden_rows": max(0, len(to_add) - PREVIEW_ROWS),
        "present_rows": number_ranges([row.number for row in plan.already_present], MAX_LISTED),
        # People with near matches first: they are what the office must look at. Every person with
        # a near match is shown (the confirmation covers exactly those); the others only up to the
        # preview's length.
        "new_people": [new_person(new) for new in warned + unwarned[:room]],
        "hidden_people": max(0, len(unwarned) - room),
        "warnings": len(warned),
        "confirmation": plan.confirmation,
        "notes": [{"row": note.row, "message": str(note.message)} for note in plan.notes[:MAX_LISTED]],
        "note_count": len(plan.notes),
        "cell_warnings": [str(warning) for warning in plan.cell_warnings],
    }


def new_person(new) -> dict:
    return {
        "rows": list(new.rows),
        "label": new.label,
        "kind": str(new.kind),
        "near": [{"label": match.label, "reason_label": match.reason_label} for match in new.near],
    }


def preview_row(row) -> dict:
    return {
        "number": row.number,
        "competition": str(row.competition),
        "event": row.event.name,
        "organization": row.organization.name,
        "members": "、".join(str(member) for member in row.members),
        "coaches": "、".join(coach.name for coach in row.coaches),
        "award": row.award.label,
        "rank": row.rank,
    }


def new_object_lists(plan: ImportPlan) -> list[dict]:
    """What the import creates besides entries, each kind with its count and (some of) its names."""

    # "蒋家俊 (S001)" in English, "蒋家俊（S001）" in Chinese.
    def student(s):
        return (
            _("%(name)s (%(detail)s)") % {"name": s.name, "detail": s.student_number}
            if s.student_number
            else s.name
        )

    def coach(c):
        return (
            _("%(name)s (%(detail)s)") % {"name": c.name, "detail": c.organization.name}
            if c.organization
            else c.name
        )

    kinds = [
        (_("New competitions"), plan.new_competitions, str),
        (_("New events"), plan.new_events, lambda e: f"{e.name} · {e.competition}"),
        (_("New organizations"), plan.new_organizations, str),
        (_("New skills"), plan.new_skills, str),
        (_("New students"), plan.new_students, student),
        (_("New coaches and teachers"), plan.new_coaches, coach),
    ]
    return [
        {"label": str(label), "count": len(objects), "names": [name(obj) for obj in objects[:MAX_LISTED]]}
        for label, objects, name in kinds
    ]


def success_message(plan: ImportPlan, *, planned: int | None = None) -> str:
    summary = plan.summary()
    message = _("Added %(entries)d entries (%(present)d already present).") % {
        "entries": summary["entries"],
        "present": summary["already_present"],
    }
    if planned is not None and summary["entries"] < planned:
        message += " " + _(
            "%(count)d of the rows to add in the preview had been recorded by someone else meanwhile; "
            "they were not added again."
        ) % {"count": planned - summary["entries"]}
    # "New events: 2; New students: 5", in Chinese "新赛项：2；新学生：5".
    created = [
        punctuation.labelled(item["label"], item["count"]) for item in new_object_lists(plan) if item["count"]
    ]
    return f"{message} {punctuation.clauses(created)}" if created else message


# ---------------------------------------------------------------------------------------------
# Backups made from the Backups page

BACKUP_PROGRESS = "backup"  # one backup at a time: its progress record's key
BACKUP_NAME = "results-backup-{:%Y%m%d-%H%M%S}.zip"


def backup_running() -> dict | None:
    """The progress of the backup being made ({"phase", "done", "total", "at"}), or None."""
    progress = read_progress(BACKUP_PROGRESS)
    if progress and progress["phase"] in ("queued", "tables", "files"):
        return progress
    return None


def start_backup() -> bool:
    """Queue a backup unless one is running (and not stuck); True when one was queued."""
    running = backup_running()
    if running and not silent_since(running["at"]):
        return False
    write_progress(BACKUP_PROGRESS, "queued", 0, 0)
    transaction.on_commit(make_backup.enqueue)
    return True


@task
def make_backup() -> str:
    """Write a dated archive of the whole installation into BACKUP_DIR (competitions.backups)."""
    from competitions.backups import BackupError, backup

    directory = Path(settings.BACKUP_DIR)
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / BACKUP_NAME.format(timezone.localtime())
    try:
        summary = backup(path, steps=Reporter(BACKUP_PROGRESS))
    except BackupError as error:
        write_progress(BACKUP_PROGRESS, "failed", 0, 0)
        logger.error("the backup failed: %s", error)
        raise
    except BaseException:
        write_progress(BACKUP_PROGRESS, "failed", 0, 0)
        raise
    write_progress(BACKUP_PROGRESS, "done", summary.rows, summary.rows)
    return summary.path.name
