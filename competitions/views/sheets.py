"""Importing a result sheet through the web: upload → check (a task) → preview → apply (a task).

The upload form reads only the header and the first row (a file that cannot be read at all is sent
back at once), keeps the file in the database (competitions.models.SheetImport, so that a task worker
on any server reads it) and queues the preview task (competitions.tasks). The upload's page
(/import/<token>/) shows, depending on how far it got: a progress bar while a task works (polled by
static/js/task-progress.js, or reloaded by hand), the preview once checked, and after Apply the
outcome. Apply plans the sheet again inside the import lock of its competitions (importing.import_rows),
so it adds only the rows still missing then. Only one Apply of an upload is ever queued: a second
one (a double click, another tab) adds nothing and says what the first one did. New people with near
matches (DOMAIN.md rule 10) are applied only with the office's confirmation of exactly the warnings
the planner gives inside the lock. Only the uploader (or a superuser) sees an upload.
"""

import io
import re
from pathlib import Path

from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import permission_required
from django.core.exceptions import ValidationError
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.template.defaultfilters import filesizeformat
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods
from openpyxl import Workbook
from openpyxl.styles import Alignment, Font

from competitions import tasks
from competitions.exports import XLSX_CONTENT_TYPE, set_up_page
from competitions.forms import whole_number
from competitions.importing import SheetError, iter_rows, map_header
from competitions.models import Organization, SheetImport, largest

TOKEN = re.compile(r"[0-9a-f]{32}")
# Excel's "Unicode text" (UTF-16, tab-separated) is saved as .txt.
ALLOWED_EXTENSIONS = (".csv", ".txt", ".xlsx")
# Spreadsheets the reader refuses with a message saying how to save them (the command line's too).
SAVE_AS_FIRST = (".xls", ".ods", ".et")

TEMPLATE_HEADER = "赛事 年份 级别 类别 赛项 单位 选手 学号 指导教师 奖项 名次 成绩 备注".split()
TEMPLATE_WIDTHS = [36, 8, 10, 10, 20, 24, 20, 14, 14, 10, 8, 10, 20]
TEMPLATE_FALLBACK_HOME = "广州市机电技师学院"
# Columns of the template left in the General format (numbers); every other one is text ("@").
TEMPLATE_NUMBER_COLUMNS = {"年份", "名次"}
# How many rows below the header the template formats as text, cell by cell.
TEMPLATE_TEXT_ROWS = 1000
TEXT_FORMAT = "@"


def max_upload_bytes() -> int:
    return getattr(settings, "IMPORT_MAX_BYTES", 64 * 1024 * 1024)


def check_readable(data: bytes, filename: str) -> None:
    """Refuse a file that cannot be a result sheet at all, reading no further than its first row.

    Row errors are the preview's business (a task); here only the encoding, the format and the
    header are checked, so the upload never plans the whole sheet.
    """
    rows = iter_rows(data, filename)
    header = next(rows, None)
    if header is None:
        raise SheetError(_("The sheet is empty."))
    map_header(header)
    for cells in rows:
        if any(cell.strip() for cell in cells):
            return
    raise SheetError(_("The sheet has a header but no rows."))


class SheetUploadForm(forms.Form):
    sheet = forms.FileField(
        label=gettext_lazy("Result sheet"),
        help_text=gettext_lazy(
            "CSV (UTF-8, UTF-16 or GB18030) or XLSX, one row per entry, the header in the first row."
        ),
        widget=forms.ClearableFileInput(attrs={"accept": ",".join(ALLOWED_EXTENSIONS)}),
    )

    def clean_sheet(self):
        upload = self.cleaned_data["sheet"]
        name = upload.name.lower()
        if name.endswith(SAVE_AS_FIRST) and upload.size <= max_upload_bytes():
            try:
                next(iter_rows(upload.read(), upload.name), None)
            except SheetError as error:  # the reader's own words: .xls and .ods are not read
                raise ValidationError(str(error)) from None
        if not name.endswith(ALLOWED_EXTENSIONS):
            raise ValidationError(
                _(
                    "Choose a CSV or XLSX file (save other spreadsheets as .xlsx or CSV UTF-8 first: in "
                    "Excel, WPS or LibreOffice, File → Save As)."
                )
            )
        limit = max_upload_bytes()
        if upload.size > limit:
            raise ValidationError(
                _("The file is %(size)s; the largest sheet accepted is %(limit)s.")
                % {"size": filesizeformat(upload.size), "limit": filesizeformat(limit)}
            )
        data = upload.read()
        try:
            check_readable(data, upload.name)
        except SheetError as error:
            raise ValidationError(str(error)) from None
        self.sheet_bytes = data
        return upload


def load_upload(token: str, user) -> SheetImport:
    """The user's upload (without its file); 404 for a malformed, unknown or someone else's token."""
    if not TOKEN.fullmatch(token):
        raise Http404
    job = SheetImport.objects.defer("data").filter(token=token).first()
    if job is None or (job.user_id != user.pk and not user.is_superuser):
        raise Http404
    return job


# ---------------------------------------------------------------------------------------------
# Views


@permission_required("competitions.add_entry", raise_exception=True)
@require_http_methods(["GET", "POST"])
def import_upload(request: HttpRequest) -> HttpResponse:
    if request.method == "POST":
        form = SheetUploadForm(request.POST, request.FILES)
        if form.is_valid():
            upload = form.cleaned_data["sheet"]
            job = SheetImport.objects.create(
                user=request.user,
                filename=Path(upload.name).name[:200],
                data=form.sheet_bytes,
                language=request.LANGUAGE_CODE,
            )
            tasks.enqueue(job)
            return redirect("competitions:import-preview", token=job.token)
    else:
        form = SheetUploadForm()
    # The user's uploads not imported yet, so that a page left while a task works is found again.
    pending = (
        SheetImport.objects.filter(user=request.user)
        .exclude(state=SheetImport.State.APPLIED)
        .only("token", "filename", "state", "created_at")
        .order_by("-created_at")[:20]
    )
    return render(
        request,
        "competitions/import_upload.html",
        {"form": form, "max_bytes": max_upload_bytes(), "headers": TEMPLATE_HEADER, "pending": pending},
    )


@permission_required("competitions.add_entry", raise_exception=True)
@require_http_methods(["GET", "POST"])
def import_preview(request: HttpRequest, token: str) -> HttpResponse:
    """An upload's page: its progress, its preview, or (once applied) a redirect to the outcome."""
    job = load_upload(token, request.user)
    here = redirect("competitions:import-preview", token=job.token)
    action = request.POST.get("action") if request.method == "POST" else None
    if request.method == "GET" and request.GET.get("format") == "json":
        # The progress script's question: answered as it is, without the redirect and the one-time
        # message of an applied upload (the script reloads the page, which shows them).
        return JsonResponse(progress_of(job))
    if job.state == SheetImport.State.APPLIED:
        return applied(request, job)
    if action == "discard":
        if job.state == SheetImport.State.APPLYING:
            messages.warning(request, _("This upload is being imported right now; it cannot be discarded."))
            return here
        # Only a state it still has: an Apply queued in the meantime keeps it.
        if SheetImport.objects.filter(pk=job.pk, state=job.state).delete()[0]:
            tasks.clear_progress(job.token)
            messages.info(request, _("The uploaded sheet “%(name)s” was discarded.") % {"name": job.filename})
            return redirect("competitions:import-upload")
        return here
    if action == "retry":
        if tasks.run_again(job):
            messages.info(request, _("The task was queued again."))
        return here
    if action == "apply":
        return apply(request, job)
    if job.state in tasks.RUNNING:
        return render(request, "competitions/import_progress.html", {"job": job, **progress_of(job)})
    if job.outcome:  # why the last Apply imported nothing: said once
        messages.add_message(request, level_of(job.outcome["level"]), job.outcome["message"])
        SheetImport.objects.filter(pk=job.pk, state=job.state).update(outcome=None)
    return preview_page(request, job)


def apply(request: HttpRequest, job: SheetImport) -> HttpResponse:
    """Queue the upload's import, once: a second Apply while it is queued or running adds nothing."""
    here = redirect("competitions:import-preview", token=job.token)
    if job.state == SheetImport.State.APPLYING:
        messages.warning(
            request,
            _(
                "This upload is still being imported by another request (a second click or another tab); "
                "this one added nothing. Reload this page in a moment to see the outcome."
            ),
        )
        return here
    if job.state != SheetImport.State.CHECKED:
        return here  # still being checked: the page shows how far
    preview = job.preview or {}
    if preview.get("sheet_error") or preview.get("error_count"):
        messages.error(request, _("The sheet has bad rows; nothing was imported."))
        return here
    queued = SheetImport.objects.filter(pk=job.pk, state=SheetImport.State.CHECKED).update(
        state=SheetImport.State.APPLYING,
        confirm=request.POST.get("confirm_people", "")[:128],
        planned=planned_entries(request),
        outcome=None,
        error="",
        started_at=timezone.now(),
    )
    if queued:
        job.state = SheetImport.State.APPLYING
        tasks.enqueue(job)
        return here
    # Another request got there first (a double click): answer as that one's second half.
    job.refresh_from_db(fields=["state", "outcome"])
    if job.state == SheetImport.State.APPLIED:
        return applied(request, job)
    return apply(request, job)


def applied(request: HttpRequest, job: SheetImport) -> HttpResponse:
    """Send an applied upload's page to where it went: with its outcome the first time, else a reminder."""
    outcome = job.outcome
    first = SheetImport.objects.filter(pk=job.pk, outcome__shown=False).update(
        outcome={**outcome, "shown": True}
    )
    if first and outcome.get("message"):
        messages.add_message(request, level_of(outcome["level"]), outcome["message"])
    else:
        messages.info(
            request,
            _(
                "“%(name)s” has already been imported: %(entries)d entries were added then "
                "(%(present)d already present). Nothing was added again."
            )
            % {"name": job.filename, "entries": outcome["entries"], "present": outcome["present"]},
        )
    return redirect(outcome["url"])


def level_of(name: str) -> int:
    return {"success": messages.SUCCESS, "warning": messages.WARNING, "error": messages.ERROR}.get(
        name, messages.INFO
    )


def planned_entries(request: HttpRequest) -> int | None:
    """How many entries the preview said it would add (sent back by the Apply form)."""
    return whole_number(request.POST.get("planned"), maximum=largest(SheetImport, "planned"))


PHASE_LABELS = {
    "queued": gettext_lazy("Waiting for the task worker"),
    "reading": gettext_lazy("Reading the sheet"),
    "checking": gettext_lazy("Checking the rows"),
    "applying": gettext_lazy("Importing the rows"),
}


def progress_of(job: SheetImport) -> dict:
    """How far the upload's task got, for the progress page and its polling script (JSON)."""
    running = job.state in tasks.RUNNING
    progress = (running and tasks.read_progress(job.token)) or {"phase": "queued", "done": 0, "total": 0}
    if not running:
        progress = {"phase": job.state, "done": 0, "total": 0}
    return {
        "state": job.state,
        "running": running,
        "phase": progress["phase"],
        "label": str(PHASE_LABELS.get(progress["phase"]) or job.get_state_display()),
        "done": progress["done"],
        "total": progress["total"],
        "stuck": running and tasks.is_stuck(job, progress),
    }


def preview_page(request: HttpRequest, job: SheetImport) -> HttpResponse:
    preview = job.preview or {"sheet_error": _("This upload has no preview.")}
    return render(request, "competitions/import_preview.html", {"job": job, "preview": preview})


def template_workbook() -> Workbook:
    """The import template: the sheet to fill in first (the only one an import reads), its text
    columns formatted as text so that a student number 0210001 keeps its zero and a score 1/2 stays
    1/2; then an example sheet and the instructions. Importing it unedited adds nothing."""
    home = Organization.home()
    workbook = Workbook()
    bold = Font(bold=True)
    wrapped = Alignment(wrap_text=True, vertical="top")

    def headed(sheet):
        sheet.append(TEMPLATE_HEADER)
        for cell, width in zip(sheet[1], TEMPLATE_WIDTHS, strict=True):
            cell.font = bold
            sheet.column_dimensions[cell.column_letter].width = width
        sheet.freeze_panes = "A2"

    results = workbook.active
    results.title = _("Results")
    headed(results)
    for column, header in enumerate(TEMPLATE_HEADER, start=1):
        if header in TEMPLATE_NUMBER_COLUMNS:
            continue
        letter = results.cell(row=1, column=column).column_letter
        # The column's own format (new cells typed anywhere in it) and that of each cell of the
        # first rows (what every spreadsheet program honours).
        results.column_dimensions[letter].number_format = TEXT_FORMAT
        for row in range(2, TEMPLATE_TEXT_ROWS + 2):
            results.cell(row=row, column=column).number_format = TEXT_FORMAT

    example = workbook.create_sheet(_("Example"))
    headed(example)
    example.append(
        [
            "中华人民共和国第二届职业技能大赛",
            2023,
            "国家级",
            "职业技能",
            "移动机器人",
            home.name if home else TEMPLATE_FALLBACK_HOME,
            "张三、李四",
            "0210001、0210002",
            "王老师",
            "金牌",
            1,
            "95.5",
            _("example only: this sheet is not imported"),
        ]
    )
    for cell, header in zip(example[2], TEMPLATE_HEADER, strict=True):
        if header not in TEMPLATE_NUMBER_COLUMNS:
            cell.number_format = TEXT_FORMAT

    instructions = workbook.create_sheet(_("Instructions"))
    instructions.column_dimensions["A"].width = 100
    for line in template_instructions():
        instructions.append([line])
        instructions.cell(row=instructions.max_row, column=1).alignment = wrapped
    instructions["A1"].font = bold
    for sheet in (results, example):
        set_up_page(sheet)  # printed as every exported sheet is (competitions.exports)
    workbook.active = 0
    return workbook


def template_instructions() -> list[str]:
    return [
        _("How to fill in this template"),
        _(
            "Fill in the first sheet (%(sheet)s), one row per entry, below the header; keep the header "
            "as it is. Only the first sheet is imported: the example sheet is not."
        )
        % {"sheet": _("Results")},
        _(
            "Required: competition, year, level, event, organization and award; competitors may be "
            "empty for an entry without names. Several names (and their student numbers, in the same "
            "order) are separated by 、 or a comma."
        ),
        _(
            "The student number, score, notes and the other text columns are formatted as text, so "
            "that 0210001 keeps its leading zero and a score such as 1/2 or 03:25 is not turned into a "
            "date. When pasting from another sheet, paste values only (Paste Special) so that the text "
            "format stays."
        ),
        _(
            "A coach may carry a staff number in brackets: 王老师（0123）. Level: 世界, 国家级, 全国行业, "
            "省级, 市级, 区域 or 校级."
        ),
        _(
            "Save as .xlsx (Excel, WPS or LibreOffice) or as CSV UTF-8. Older .xls and .ods files are "
            "not read: save them as .xlsx first."
        ),
    ]


@permission_required("competitions.add_entry", raise_exception=True)
@require_GET
def import_template(request: HttpRequest) -> FileResponse:
    """The import template (template_workbook) as a download."""
    buffer = io.BytesIO()
    template_workbook().save(buffer)
    buffer.seek(0)
    return FileResponse(
        buffer,
        as_attachment=True,
        filename="成绩导入模板.xlsx",
        content_type=XLSX_CONTENT_TYPE,
    )
