"""Evidence pages: an entry's certificate scans and the result documents that cover it, and a
competition's result documents. Teachers read them; the office adds, changes and deletes.

Evidence is personal data: every page and file needs a login (LoginRequiredMiddleware sends
anonymous visitors to the login page) and the model's view permission, and the files are sent
only by this module (they sit under evidence/, which /media/ never serves).
"""

from pathlib import Path

from django.contrib import messages
from django.contrib.auth.decorators import permission_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Count, F, Prefetch
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_POST

from competitions import evidence
from competitions.forms import ResultDocumentForm, ScanCaptionForm, ScanUploadForm
from competitions.models import CertificateScan, Competition, Entry, EvidenceFile, ResultDocument


@permission_required("competitions.view_certificatescan", raise_exception=True)
def entry_evidence(request: HttpRequest, pk: int) -> HttpResponse:
    """An entry's certificate scans (previews, originals) and result documents; the office uploads
    scans here (a POST), all or none."""
    entry = get_object_or_404(
        Entry.objects.with_people().select_related("event__competition"),
        pk=pk,
    )
    form = None
    if request.user.has_perm("competitions.add_certificatescan"):
        form = ScanUploadForm(request.POST or None, request.FILES or None)
    elif request.method == "POST":
        raise PermissionDenied
    if request.method == "POST" and form.is_valid():
        try:
            scans = evidence.add_scans(
                entry=entry,
                files=form.cleaned_data["files"],
                caption=form.cleaned_data["caption"],
                user=request.user,
            )
        except ValidationError as error:
            form.add_error("files", error)
        else:
            messages.success(
                request,
                ngettext("%(count)d scan uploaded.", "%(count)d scans uploaded.", len(scans))
                % {"count": len(scans)},
            )
            return redirect("competitions:entry-evidence", pk=entry.pk)
    scans = CertificateScan.objects.filter(entry=entry).select_related("uploaded_by").order_by("id")
    documents = entry.result_documents.order_by("issued_on", "id")
    return render(
        request,
        "competitions/entry_evidence.html",
        {
            "entry": entry,
            "event": entry.event,
            "competition": entry.event.competition,
            "scans": scans,
            "documents": documents,
            "form": form,
        },
    )


@require_POST
@permission_required("competitions.delete_certificatescan", raise_exception=True)
def scan_delete(request: HttpRequest, pk: int) -> HttpResponse:
    scan = get_object_or_404(CertificateScan.objects.select_related("entry__event"), pk=pk)
    evidence.delete_scan(scan, user=request.user)
    messages.success(request, _("Scan deleted."))
    return redirect("competitions:entry-evidence", pk=scan.entry_id)


@require_POST
@permission_required("competitions.change_certificatescan", raise_exception=True)
def scan_edit(request: HttpRequest, pk: int) -> HttpResponse:
    """A scan's caption, changed on the entry's evidence page."""
    scan = get_object_or_404(CertificateScan, pk=pk)
    form = ScanCaptionForm(request.POST, instance=scan)
    if form.is_valid():
        scan._history_user = request.user
        form.save()
        messages.success(request, _("Caption saved."))
    else:
        messages.error(request, " ".join(form.errors.get("caption", [])))
    return redirect("competitions:entry-evidence", pk=scan.entry_id)


def send_file(stored: EvidenceFile, *, preview: bool) -> FileResponse:
    """The stored file or its preview, as its sniffed kind, never guessed again by the browser."""
    field = stored.preview if preview else stored.file
    if not field:
        raise Http404
    try:
        handle = field.open("rb")
    except (FileNotFoundError, IsADirectoryError):
        raise Http404 from None
    name = stored.original_name or Path(stored.file.name).name
    if preview:
        content_type, name = "image/jpeg", f"{Path(name).stem}-preview.jpg"
    else:
        content_type = stored.content_type if stored.content_type in evidence.KINDS else None
    response = FileResponse(
        handle,
        content_type=content_type or "application/octet-stream",
        as_attachment=content_type is None,  # a kind not sniffed (an admin's row): download only
        filename=name,
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"  # personal data: no shared cache keeps it
    return response


@permission_required("competitions.view_certificatescan", raise_exception=True)
def scan_file(request: HttpRequest, pk: int) -> FileResponse:
    return send_file(get_object_or_404(CertificateScan, pk=pk), preview=False)


@permission_required("competitions.view_certificatescan", raise_exception=True)
def scan_preview(request: HttpRequest, pk: int) -> FileResponse:
    return send_file(get_object_or_404(CertificateScan, pk=pk), preview=True)


@permission_required("competitions.view_resultdocument", raise_exception=True)
def result_document_file(request: HttpRequest, pk: int) -> FileResponse:
    return send_file(get_object_or_404(ResultDocument, pk=pk), preview=False)


@permission_required("competitions.view_resultdocument", raise_exception=True)
def result_document_preview(request: HttpRequest, pk: int) -> FileResponse:
    return send_file(get_object_or_404(ResultDocument, pk=pk), preview=True)


@permission_required("competitions.view_resultdocument", raise_exception=True)
def result_document_list(request: HttpRequest, pk: int) -> HttpResponse:
    competition = get_object_or_404(Competition, pk=pk)
    documents = competition.result_documents.annotate(entry_count=Count("entries")).order_by(
        "issued_on", "id"
    )
    return render(
        request,
        "competitions/result_document_list.html",
        {"competition": competition, "documents": documents},
    )


@permission_required("competitions.view_resultdocument", raise_exception=True)
def result_document_detail(request: HttpRequest, pk: int) -> HttpResponse:
    covered = (
        Entry.objects.with_people()
        .select_related("event")
        .order_by("event__name", "event_id", F("rank").asc(nulls_last=True), "id")
    )
    document = get_object_or_404(
        ResultDocument.objects.select_related("competition").prefetch_related(
            Prefetch("entries", queryset=covered)
        ),
        pk=pk,
    )
    return render(
        request,
        "competitions/result_document_detail.html",
        {"document": document, "competition": document.competition},
    )


@permission_required("competitions.add_resultdocument", raise_exception=True)
def result_document_create(request: HttpRequest, pk: int) -> HttpResponse:
    competition = get_object_or_404(Competition, pk=pk)
    return _document_form(request, competition, ResultDocument(competition=competition))


@permission_required("competitions.change_resultdocument", raise_exception=True)
def result_document_edit(request: HttpRequest, pk: int) -> HttpResponse:
    document = get_object_or_404(ResultDocument.objects.select_related("competition"), pk=pk)
    if request.method == "POST" and "delete" in request.POST:
        if not request.user.has_perm("competitions.delete_resultdocument"):
            raise PermissionDenied
        evidence.delete_document(document, user=request.user)
        messages.success(request, _("Result document deleted."))
        return redirect("competitions:result-document-list", pk=document.competition_id)
    return _document_form(request, document.competition, document)


def _document_form(request: HttpRequest, competition: Competition, document: ResultDocument) -> HttpResponse:
    form = ResultDocumentForm(
        request.POST or None, request.FILES or None, instance=document, competition=competition
    )
    if request.method == "POST" and form.is_valid():
        try:
            document = form.save(user=request.user)
        except ValidationError as error:
            form.add_error("entries", error)
        else:
            messages.success(request, _("Result document saved."))
            return redirect(document)
    return render(
        request,
        "competitions/result_document_form.html",
        {"competition": competition, "document": document, "form": form},
    )
