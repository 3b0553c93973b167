"""Importing a result sheet through the web: upload → preview → apply, and the blank template.

The uploaded file is kept on disk (MEDIA_ROOT/imports/<token>, with a JSON sidecar naming the file
and the uploader) rather than in the session, so the preview and the apply may reach any worker.
The preview and the apply both plan the stored file afresh: the database may change in between,
and what is applied is what the planner says at that moment, in one transaction. New people with
near matches (DOMAIN.md rule 10) are applied only with the office's confirmation of exactly the
warnings the planner gives at that moment.
"""

import io
import json
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
from django.db import transaction
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods
from openpyxl import Workbook
from openpyxl.styles import Font

from competitions.importing import ImportPlan, SheetError, apply_plan, plan_import, read_sheet
from competitions.models import Organization

UPLOAD_DIR = "imports"
TOKEN = re.compile(r"[0-9a-f]{32}")
ALLOWED_EXTENSIONS = (".csv", ".xlsx")
# The preview shows this many of the rows to add; the counts above it are always complete.
PREVIEW_ROWS = 200
# Uploads never applied or discarded are removed after this many seconds (they hold personal data).
KEEP_SECONDS = 2 * 24 * 3600

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
        stored.sidecar.write_text(
            json.dumps({"filename": stored.filename, "user": user_id}), encoding="utf-8"
        )
        return stored

    @classmethod
    def load(cls, token: str, user) -> "StoredSheet":
        """The user's stored sheet; 404 for a malformed, unknown or someone else's token."""
        if not TOKEN.fullmatch(token):
            raise Http404
        try:
            meta = json.loads((upload_dir() / f"{token}.json").read_text(encoding="utf-8"))
        except (OSError, ValueError):
            raise Http404 from None
        stored = cls(token, meta["filename"], meta["user"])
        if stored.user_id != user.pk and not user.is_superuser:
            raise Http404
        if not stored.path.is_file():
            raise Http404
        return stored

    def read(self) -> bytes:
        return self.path.read_bytes()

    def claim(self) -> None:
        """Take the file for applying. A second apply of the same token (a double click) finds it gone."""
        try:
            self.path.rename(self.claimed)
        except FileNotFoundError:
            raise Http404 from None

    def release(self) -> None:
        self.claimed.rename(self.path)

    def delete(self) -> None:
        for path in (self.path, self.claimed, self.sidecar):
            path.unlink(missing_ok=True)


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
    if request.method == "POST" and request.POST.get("action") == "discard":
        stored.delete()
        messages.info(request, _("The uploaded sheet “%(name)s” was discarded.") % {"name": stored.filename})
        return redirect("competitions:import-upload")

    if request.method == "POST":
        stored.claim()
        try:
            # Planned again inside the transaction: the database may have changed since the preview.
            with transaction.atomic():
                plan = plan_import(read_sheet(stored.claimed.read_bytes(), stored.filename))
                confirmed = plan.confirmed_by(request.POST.get("confirm_people", ""))
                if not plan.errors and confirmed:
                    entries = apply_plan(plan, user=request.user)
        except SheetError as error:
            stored.release()
            return preview_page(request, stored, sheet_error=str(error))
        except BaseException:
            stored.release()
            raise
        if plan.errors:
            stored.release()
            messages.error(request, _("The sheet has bad rows now; nothing was imported."))
            return preview_page(request, stored, plan=plan)
        if not confirmed:
            stored.release()
            messages.error(
                request,
                _(
                    "Confirm the new people listed with near matches (tick the box) to import; nothing was imported."
                ),
            )
            return preview_page(request, stored, plan=plan)
        stored.delete()
        messages.success(request, success_message(plan))
        competitions = {entry.event.competition_id for entry in entries}
        if len(competitions) == 1:
            return redirect("competitions:competition-detail", pk=competitions.pop())
        return redirect("competitions:import-upload")

    try:
        plan = plan_import(read_sheet(stored.read(), stored.filename))
    except SheetError as error:
        return preview_page(request, stored, sheet_error=str(error))
    return preview_page(request, stored, plan=plan)


def preview_page(
    request: HttpRequest, stored: StoredSheet, *, plan: ImportPlan | None = None, sheet_error: str = ""
) -> HttpResponse:
    context = {"stored": stored, "sheet_error": sheet_error, "plan": plan}
    if plan is not None:
        to_add = plan.to_add
        context.update(
            summary=plan.summary(),
            new_objects=new_object_lists(plan),
            shown_rows=[preview_row(row) for row in to_add[:PREVIEW_ROWS]],
            hidden_rows=max(0, len(to_add) - PREVIEW_ROWS),
            present_rows=number_ranges([row.number for row in plan.already_present]),
            bad_rows=len({error.row for error in plan.errors}),
            # People with near matches first: they are what the office must look at.
            new_people=sorted(plan.new_people, key=lambda new: not new.near)[:PREVIEW_ROWS],
            hidden_people=max(0, len(plan.new_people) - PREVIEW_ROWS),
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


def success_message(plan: ImportPlan) -> str:
    summary = plan.summary()
    message = _("Added %(entries)d entries (%(present)d already present).") % {
        "entries": summary["entries"],
        "present": summary["already_present"],
    }
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
