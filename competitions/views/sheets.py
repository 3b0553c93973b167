"""Importing a result sheet through the web: upload → preview → apply, and the blank template.

The uploaded file is kept on disk (MEDIA_ROOT/imports/<token>, with a JSON sidecar naming the file
and the uploader) rather than in the session, so the preview and the apply may reach any worker.
The preview plans the stored file for display, outside any lock. Apply plans it again inside the
import lock of its competitions (importing.import_rows), so it adds only the rows still missing
then: rows someone else imported since the preview are counted as already present. Once applied,
the sheet is deleted and the sidecar keeps a receipt, so a second Apply of the token (a double
click, another tab) adds nothing and says what the first one did. New people with near matches
(DOMAIN.md rule 10) are applied only with the office's confirmation of exactly the warnings the
planner gives inside the lock.
"""

import io
import json
import os
import re
import time
import uuid
from dataclasses import dataclass
from pathlib import Path

from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import permission_required
from django.core.exceptions import ValidationError
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.template.defaultfilters import filesizeformat
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods
from openpyxl import Workbook
from openpyxl.styles import Font

from competitions.importing import ImportBusy, ImportPlan, SheetError, import_rows, plan_import, read_sheet
from competitions.models import Organization

UPLOAD_DIR = "imports"
TOKEN = re.compile(r"[0-9a-f]{32}")
ALLOWED_EXTENSIONS = (".csv", ".xlsx")
# The preview shows this many of the rows to add; the counts above it are always complete.
PREVIEW_ROWS = 200
# Uploads never applied or discarded are removed after this many seconds (they hold personal data).
KEEP_SECONDS = 2 * 24 * 3600
# A second Apply of a token that another request is applying waits this long for its outcome.
APPLY_WAIT_SECONDS = 90
# A claim older than this was left by a worker that died while applying; the upload is freed again.
ABANDONED_CLAIM_SECONDS = 15 * 60

TEMPLATE_HEADER = "赛事 年份 级别 类别 赛项 单位 选手 学号 指导教师 奖项 名次 成绩 备注".split()
TEMPLATE_WIDTHS = [36, 8, 10, 10, 20, 24, 20, 14, 14, 10, 8, 10, 20]
TEMPLATE_FALLBACK_HOME = "广州市机电技师学院"


def max_upload_bytes() -> int:
    return getattr(settings, "IMPORT_MAX_BYTES", 20 * 1024 * 1024)


class SheetUploadForm(forms.Form):
    sheet = forms.FileField(
        label=gettext_lazy("Result sheet"),
        help_text=gettext_lazy(
            "CSV (UTF-8 or GB18030) or XLSX, one row per entry, the header in the first row."
        ),
        widget=forms.ClearableFileInput(attrs={"accept": ",".join(ALLOWED_EXTENSIONS)}),
    )

    def clean_sheet(self):
        upload = self.cleaned_data["sheet"]
        if not upload.name.lower().endswith(ALLOWED_EXTENSIONS):
            raise ValidationError(
                _("Choose a CSV or XLSX file (older .xls workbooks: save them as .xlsx first).")
            )
        limit = max_upload_bytes()
        if upload.size > limit:
            raise ValidationError(
                _("The file is %(size)s; the largest sheet accepted is %(limit)s.")
                % {"size": filesizeformat(upload.size), "limit": filesizeformat(limit)}
            )
        data = upload.read()
        try:
            # Row errors are the preview's business; here only a sheet that cannot be read at all
            # (encoding, format, header) is sent back.
            plan_import(read_sheet(data, upload.name))
        except SheetError as error:
            raise ValidationError(str(error)) from None
        self.sheet_bytes = data
        return upload


# ---------------------------------------------------------------------------------------------
# The stored upload


def upload_dir() -> Path:
    return Path(settings.MEDIA_ROOT) / UPLOAD_DIR


@dataclass
class StoredSheet:
    token: str
    filename: str
    user_id: int
    # After a successful apply: {"entries": added, "present": already present, "url": where it went}.
    applied: dict | None = None

    @property
    def path(self) -> Path:
        return upload_dir() / self.token

    @property
    def sidecar(self) -> Path:
        return upload_dir() / f"{self.token}.json"

    @property
    def claimed(self) -> Path:
        return upload_dir() / f"{self.token}.applying"

    @classmethod
    def save(cls, data: bytes, *, filename: str, user_id: int) -> "StoredSheet":
        stored = cls(uuid.uuid4().hex, Path(filename).name[:200], user_id)
        upload_dir().mkdir(parents=True, exist_ok=True)
        stored.path.write_bytes(data)
        stored.write_sidecar()
        return stored

    @classmethod
    def load(cls, token: str, user) -> "StoredSheet":
        """The user's stored sheet; 404 for a malformed, unknown or someone else's token."""
        if not TOKEN.fullmatch(token):
            raise Http404
        stored = cls(token, "", 0)
        if not stored.reload():
            raise Http404
        if stored.user_id != user.pk and not user.is_superuser:
            raise Http404
        if stored.applied is None and not (stored.path.is_file() or stored.claimed.is_file()):
            raise Http404
        return stored

    def reload(self) -> bool:
        """Read the sidecar again (another request may have applied the sheet); False when it is gone."""
        try:
            meta = json.loads(self.sidecar.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return False
        self.filename, self.user_id, self.applied = meta["filename"], meta["user"], meta.get("applied")
        return True

    def write_sidecar(self) -> None:
        meta = {"filename": self.filename, "user": self.user_id}
        if self.applied is not None:
            meta["applied"] = self.applied
        # Written aside and renamed into place, so that a reader never sees half of it.
        partial = upload_dir() / f"{self.token}.json.{uuid.uuid4().hex}"
        partial.write_text(json.dumps(meta), encoding="utf-8")
        os.replace(partial, self.sidecar)

    def read(self) -> bytes:
        """The sheet, also while another request is applying it."""
        for path in (self.path, self.claimed):
            try:
                return path.read_bytes()
            except FileNotFoundError:
                continue
        raise Http404

    def claim(self) -> bool:
        """Take the file for applying; False if another request has it (a double click, a second tab)."""
        try:
            self.path.rename(self.claimed)
        except FileNotFoundError:
            return False
        os.utime(self.claimed)  # the claim's age tells a claim abandoned by a dead worker
        return True

    def release(self) -> None:
        try:
            self.claimed.rename(self.path)
        except FileNotFoundError:
            pass  # discarded meanwhile

    def release_if_abandoned(self) -> None:
        try:
            age = time.time() - self.claimed.stat().st_mtime
        except FileNotFoundError:
            return
        if age > ABANDONED_CLAIM_SECONDS:
            self.release()

    def record_applied(self, *, entries: int, present: int, url: str) -> None:
        """Keep a receipt instead of the sheet (which holds personal data)."""
        self.applied = {"entries": entries, "present": present, "url": url}
        self.write_sidecar()
        for path in (self.path, self.claimed):
            path.unlink(missing_ok=True)

    def delete(self) -> None:
        for path in (self.path, self.claimed, self.sidecar):
            path.unlink(missing_ok=True)

    def wait_for_claim(self) -> bool:
        """Claim the file, waiting while another request applies it; False once that one has applied it.

        Also False when the other request is still at it after APPLY_WAIT_SECONDS. If it fails
        instead (bad rows, a busy database), the file comes back and this request claims it.
        """
        deadline = time.monotonic() + APPLY_WAIT_SECONDS
        while not self.claim():
            if not self.reload():
                raise Http404  # discarded meanwhile
            if self.applied is not None or time.monotonic() > deadline:
                return False
            self.release_if_abandoned()
            time.sleep(0.1)
        return True


def remove_stale_uploads() -> None:
    directory = upload_dir()
    if not directory.is_dir():
        return
    cutoff = time.time() - KEEP_SECONDS
    for path in directory.iterdir():
        try:
            if path.is_file() and path.stat().st_mtime < cutoff:
                path.unlink()
        except OSError:
            pass  # another worker removed it first


# ---------------------------------------------------------------------------------------------
# Views


@permission_required("competitions.add_entry", raise_exception=True)
@require_http_methods(["GET", "POST"])
def import_upload(request: HttpRequest) -> HttpResponse:
    if request.method == "POST":
        form = SheetUploadForm(request.POST, request.FILES)
        if form.is_valid():
            remove_stale_uploads()
            upload = form.cleaned_data["sheet"]
            stored = StoredSheet.save(form.sheet_bytes, filename=upload.name, user_id=request.user.pk)
            return redirect("competitions:import-preview", token=stored.token)
    else:
        form = SheetUploadForm()
    return render(
        request,
        "competitions/import_upload.html",
        {"form": form, "max_bytes": max_upload_bytes(), "headers": TEMPLATE_HEADER},
    )


@permission_required("competitions.add_entry", raise_exception=True)
@require_http_methods(["GET", "POST"])
def import_preview(request: HttpRequest, token: str) -> HttpResponse:
    stored = StoredSheet.load(token, request.user)
    if request.method == "POST" and request.POST.get("action") == "discard" and stored.applied is None:
        if not stored.path.is_file():
            messages.warning(request, _("This upload is being imported right now; it cannot be discarded."))
            return redirect("competitions:import-preview", token=stored.token)
        stored.delete()
        messages.info(request, _("The uploaded sheet “%(name)s” was discarded.") % {"name": stored.filename})
        return redirect("competitions:import-upload")

    if request.method == "POST" and stored.applied is None:
        if stored.wait_for_claim():
            return apply_stored(request, stored)
        if stored.applied is None:
            messages.warning(
                request,
                _(
                    "This upload is still being imported by another request (a second click or another tab); "
                    "this one added nothing. Reload this page in a moment to see the outcome."
                ),
            )
            return redirect("competitions:import-preview", token=stored.token)

    if stored.applied is not None:
        messages.info(
            request,
            _(
                "“%(name)s” has already been imported: %(entries)d entries were added then "
                "(%(present)d already present). Nothing was added again."
            )
            % {
                "name": stored.filename,
                "entries": stored.applied["entries"],
                "present": stored.applied["present"],
            },
        )
        return redirect(stored.applied["url"])

    try:
        plan = plan_import(read_sheet(stored.read(), stored.filename))
    except SheetError as error:
        return preview_page(request, stored, sheet_error=str(error))
    return preview_page(request, stored, plan=plan)


def apply_stored(request: HttpRequest, stored: StoredSheet) -> HttpResponse:
    """Apply a claimed upload: planned again inside the import lock, only the rows still missing added."""
    try:
        data = stored.claimed.read_bytes()
    except FileNotFoundError:
        raise Http404 from None  # discarded in the moment after the claim
    try:
        plan = import_rows(
            read_sheet(data, stored.filename),
            user=request.user,
            confirm=request.POST.get("confirm_people", ""),
        )
    except SheetError as error:
        stored.release()
        return preview_page(request, stored, sheet_error=str(error))
    except ImportBusy as error:
        stored.release()
        messages.error(request, str(error))
        return redirect("competitions:import-preview", token=stored.token)
    except BaseException:
        stored.release()
        raise
    if plan.errors:
        stored.release()
        messages.error(request, _("The sheet has bad rows now; nothing was imported."))
        return preview_page(request, stored, plan=plan)
    if plan.unconfirmed:
        stored.release()
        messages.error(
            request,
            _(
                "Confirm the new people listed with near matches (tick the box) to import; nothing was imported."
            ),
        )
        return preview_page(request, stored, plan=plan)
    competitions = {row.competition.pk for row in plan.to_add}
    if len(competitions) == 1:
        url = reverse("competitions:competition-detail", kwargs={"pk": competitions.pop()})
    else:
        url = reverse("competitions:import-upload")
    summary = plan.summary()
    stored.record_applied(entries=summary["entries"], present=summary["already_present"], url=url)
    message = success_message(plan, planned=planned_entries(request))
    if summary["entries"]:
        messages.success(request, message)
    else:
        messages.warning(request, message)
    return redirect(url)


def planned_entries(request: HttpRequest) -> int | None:
    """How many entries the preview said it would add (sent back by the Apply form)."""
    try:
        return int(request.POST.get("planned", ""))
    except ValueError:
        return None


def preview_page(
    request: HttpRequest, stored: StoredSheet, *, plan: ImportPlan | None = None, sheet_error: str = ""
) -> HttpResponse:
    context = {"stored": stored, "sheet_error": sheet_error, "plan": plan}
    if plan is not None:
        to_add = plan.to_add
        warned = [new for new in plan.new_people if new.near]
        unwarned = [new for new in plan.new_people if not new.near]
        context.update(
            summary=plan.summary(),
            new_objects=new_object_lists(plan),
            shown_rows=[preview_row(row) for row in to_add[:PREVIEW_ROWS]],
            hidden_rows=max(0, len(to_add) - PREVIEW_ROWS),
            present_rows=number_ranges([row.number for row in plan.already_present]),
            bad_rows=len({error.row for error in plan.errors}),
            # People with near matches first: they are what the office must look at.
            # Every person with a near match is shown (the confirmation covers exactly those); the
            # others only up to the preview's length.
            new_people=warned + unwarned[: max(0, PREVIEW_ROWS - len(warned))],
            hidden_people=max(0, len(unwarned) - max(0, PREVIEW_ROWS - len(warned))),
        )
    return render(request, "competitions/import_preview.html", context)


def preview_row(row) -> dict:
    return {
        "number": row.number,
        "competition": row.competition,
        "event": row.event.name,
        "organization": row.organization.name,
        "members": "、".join(str(member) for member in row.members),
        "coaches": "、".join(coach.name for coach in row.coaches),
        "award": row.award.label,
        "rank": row.rank,
    }


def new_object_lists(plan: ImportPlan) -> list[dict]:
    """What the import creates besides entries, each kind with its names, for the summary."""

    def student(s):
        return f"{s.name} ({s.student_number})" if s.student_number else s.name

    def coach(c):
        return f"{c.name} ({c.organization.name})" if c.organization else c.name

    kinds = [
        (_("New competitions"), plan.new_competitions, str),
        (_("New events"), plan.new_events, lambda e: f"{e.name} · {e.competition}"),
        (_("New organizations"), plan.new_organizations, str),
        (_("New skills"), plan.new_skills, str),
        (_("New students"), plan.new_students, student),
        (_("New coaches and teachers"), plan.new_coaches, coach),
    ]
    return [{"label": label, "names": [name(obj) for obj in objects]} for label, objects, name in kinds]


def number_ranges(numbers: list[int]) -> str:
    """Row numbers written compactly: [2, 3, 4, 7] → "2–4, 7"."""
    parts, start, previous = [], None, None
    for number in sorted(numbers):
        if start is not None and number == previous + 1:
            previous = number
            continue
        if start is not None:
            parts.append(str(start) if start == previous else f"{start}–{previous}")
        start = previous = number
    if start is not None:
        parts.append(str(start) if start == previous else f"{start}–{previous}")
    return ", ".join(parts)


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
    created = [f"{item['label']}: {len(item['names'])}" for item in new_object_lists(plan) if item["names"]]
    return f"{message} {'; '.join(created)}" if created else message


@permission_required("competitions.add_entry", raise_exception=True)
@require_GET
def import_template(request: HttpRequest) -> FileResponse:
    """A blank sheet with the Chinese headers and one example row; it is itself a valid sheet."""
    home = Organization.home()
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = _("Results")
    sheet.append(TEMPLATE_HEADER)
    sheet.append(
        [
            "中华人民共和国第二届职业技能大赛",
            2023,
            "国家级",
            "职业技能",
            "移动机器人",
            home.name if home else TEMPLATE_FALLBACK_HOME,
            "张三、李四",
            None,
            "王老师",
            "金牌",
            1,
            None,
            None,
        ]
    )
    bold = Font(bold=True)
    for cell, width in zip(sheet[1], TEMPLATE_WIDTHS, strict=True):
        cell.font = bold
        sheet.column_dimensions[cell.column_letter].width = width
    sheet.freeze_panes = "A2"
    buffer = io.BytesIO()
    workbook.save(buffer)
    buffer.seek(0)
    return FileResponse(
        buffer,
        as_attachment=True,
        filename="成绩导入模板.xlsx",
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )
