"""Evidence of results: certificate scans of an entry, and the official result documents of a
competition (one notice usually lists many winners, so a document covers many entries).

Every file is checked before anything is written: a size limit (EVIDENCE_MAX_BYTES), its kind
sniffed from its first bytes (filetype), never from its name or the browser's content type, and
then opened in full: an image by Pillow (competitions.photos.image_problem: the formats list, the
pixel limit, a full decode), a PDF by PDFium, whose first page becomes the preview. A file that
fails names itself in the message, and nothing is stored.

What is stored: an image without its metadata (GPS position, camera, dates; only the Orientation
tag is kept, as for photos), a PDF as uploaded, and a preview (an upright JPEG without metadata).
The files live under evidence/, which config.urls.media never serves: evidence is personal data,
sent only by competitions.views.evidence after checking the login and the permission.
"""

import io
import threading
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

import filetype
import pypdfium2 as pdfium
import pypdfium2.raw as pdfium_c
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile, File
from django.core.files.storage import Storage
from django.db import transaction
from django.db.models import Count, IntegerField, OuterRef, QuerySet, Subquery, Value
from django.db.models.functions import Coalesce
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext as _

from competitions import fragments, punctuation
from competitions.models import CertificateScan, Competition, Entry, EvidenceFile, ResultDocument
from competitions.photos import MAX_PIXELS, image_problem, make_thumbnail, strip_metadata

# The kinds accepted, by the MIME type sniffed from the content, with the extension stored.
KINDS = {
    "application/pdf": ".pdf",
    "image/jpeg": ".jpg",
    "image/png": ".png",
    "image/webp": ".webp",
}
PDF = "application/pdf"
# Large enough to read a certificate's text on the page, small enough to load quickly.
PREVIEW_SIZE = (1000, 1000)
SNIFF_BYTES = 262  # filetype reads at most this many bytes from the start
# PDFium is not thread-safe: one document at a time in a process (gunicorn may run threads).
_PDFIUM = threading.Lock()


@dataclass
class Checked:
    """An uploaded file that passed every check, ready to store."""

    original_name: str
    content_type: str
    content: ContentFile  # what is stored: the image without metadata, or the PDF as uploaded
    preview: ContentFile  # an upright JPEG without metadata


def display_name(uploaded_file: File) -> str:
    return Path(uploaded_file.name or "").name


def sniff(uploaded_file: File) -> str | None:
    """The MIME type of the file's content (None when unknown); the file is left at position 0."""
    uploaded_file.seek(0)
    try:
        kind = filetype.guess(uploaded_file.read(SNIFF_BYTES))
    finally:
        uploaded_file.seek(0)
    return kind.mime if kind else None


def check_file(uploaded_file: File) -> Checked:
    """Check one uploaded scan or document and make its preview; ValidationError naming the file
    when it is too large, not a PDF, JPEG, PNG or WebP image by its content, or cannot be read."""
    name = display_name(uploaded_file)
    params = {"name": name}
    size = uploaded_file.size
    if size is not None and size > settings.EVIDENCE_MAX_BYTES:
        raise ValidationError(
            _("“%(name)s” is too large (%(size)s): a scan or document may be at most %(limit)s."),
            code="too_large",
            params={
                **params,
                "size": filesizeformat(size),
                "limit": filesizeformat(settings.EVIDENCE_MAX_BYTES),
            },
        )
    content_type = sniff(uploaded_file)
    if content_type not in KINDS:
        raise ValidationError(
            _(
                "“%(name)s” is not a PDF or a JPEG, PNG or WebP image (judged by its content, "
                "whatever its name says)."
            ),
            code="kind",
            params=params,
        )
    stored_name = f"{Path(name).stem or 'evidence'}{KINDS[content_type]}"
    if content_type == PDF:
        uploaded_file.seek(0)
        data = uploaded_file.read()
        uploaded_file.seek(0)
        preview = pdf_preview(data, name=name)
        return Checked(name, content_type, ContentFile(data, name=stored_name), preview)
    problem = image_problem(uploaded_file)
    if problem == "too_many_pixels":
        raise ValidationError(
            _("“%(name)s” has too many pixels: a scan may be at most %(limit)d megapixels."),
            code="too_many_pixels",
            params={**params, "limit": MAX_PIXELS // 1_000_000},
        )
    if problem is not None:
        raise ValidationError(
            _("“%(name)s” is damaged: it cannot be read as an image."), code="broken_image", params=params
        )
    content = strip_metadata(uploaded_file)
    content.name = stored_name
    preview = make_thumbnail(uploaded_file, size=PREVIEW_SIZE)
    return Checked(name, content_type, content, preview)


def pdf_preview(data: bytes, *, name: str) -> ContentFile:
    """The PDF's first page rendered to fit PREVIEW_SIZE, as a JPEG; ValidationError naming the
    file when the PDF is damaged, needs a password or has no page."""
    params = {"name": name}
    damaged = ValidationError(
        _("“%(name)s” is a damaged PDF: it cannot be opened."), code="broken_pdf", params=params
    )
    with _PDFIUM:
        try:
            pdf = pdfium.PdfDocument(data)
        except pdfium.PdfiumError as error:
            if getattr(error, "err_code", None) in (pdfium_c.FPDF_ERR_PASSWORD, pdfium_c.FPDF_ERR_SECURITY):
                raise ValidationError(
                    _("“%(name)s” is protected by a password: upload a copy without one."),
                    code="encrypted_pdf",
                    params=params,
                ) from None
            raise damaged from None
        try:
            if len(pdf) == 0:
                raise ValidationError(_("“%(name)s” has no pages."), code="empty_pdf", params=params)
            page = pdf[0]
            width, height = page.get_size()
            if width <= 0 or height <= 0:
                raise damaged
            scale = min(PREVIEW_SIZE[0] / width, PREVIEW_SIZE[1] / height)
            image = page.render(scale=scale).to_pil()
        except pdfium.PdfiumError:
            raise damaged from None
        finally:
            pdf.close()
    if image.mode != "RGB":
        image = image.convert("RGB")
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", quality=85, optimize=True)
    return ContentFile(buffer.getvalue(), name=f"{Path(name).stem or 'document'}.jpg")


def check_files(files: Iterable[File]) -> list[Checked]:
    """Check every file; one ValidationError listing every refused file (each message names it)."""
    checked, errors = [], []
    for uploaded_file in files:
        try:
            checked.append(check_file(uploaded_file))
        except ValidationError as error:
            errors.extend(error.error_list)
    if errors:
        raise ValidationError(errors)
    return checked


def _store(stored: EvidenceFile, checked: Checked, written: list[tuple[Storage, str]]) -> None:
    """Write the file and its preview on the (unsaved) row, noting each file written."""
    stored.content_type = checked.content_type
    stored.original_name = checked.original_name[:255]
    stored.size = checked.content.size
    stored.file.save(checked.content.name, checked.content, save=False)
    written.append((stored.file.storage, stored.file.name))
    stored.preview.save(checked.preview.name, checked.preview, save=False)
    written.append((stored.preview.storage, stored.preview.name))


def _remove(written: list[tuple[Storage, str]]) -> None:
    for storage, name in written:
        storage.delete(name)


def _evidence_changed(competition_id: int) -> None:
    """The competition page's results part carries each entry's evidence marker: raise the version
    it is keyed by and have it written again (no tally changes, so no refresh of the tallies)."""
    fragments.shown_changed([competition_id])


def add_scans(*, entry: Entry, files: Iterable[File], caption: str = "", user=None) -> list[CertificateScan]:
    """Store several certificate scans of one entry, all or none (every file is checked first)."""
    checked = check_files(files)
    scans: list[CertificateScan] = []
    written: list[tuple[Storage, str]] = []
    try:
        with transaction.atomic():
            for one in checked:
                scan = CertificateScan(entry=entry, caption=caption, uploaded_by=user)
                _store(scan, one, written)
                scan._history_user = user
                scan.save()
                scans.append(scan)
            _evidence_changed(entry.event.competition_id)
    except BaseException:
        _remove(written)  # the rows are rolled back: take their files with them
        raise
    return scans


def delete_scan(scan: CertificateScan, *, user=None) -> None:
    """Delete a scan; its history keeps the record, and the files stay for recovery (as photos)."""
    with transaction.atomic():
        competition_id = scan.entry.event.competition_id
        scan._history_user = user
        scan.delete()
        _evidence_changed(competition_id)


def save_document(
    *, document: ResultDocument, upload: Checked | None, entries: Iterable[Entry], user=None
) -> ResultDocument:
    """Create or change a result document with the entries it covers, which must belong to its
    competition; a new file replaces the old one (kept for the history). All or nothing."""
    entries = list(entries)
    of_competition = _ids_of(document.competition, entries)
    stray = [entry for entry in entries if entry.pk not in of_competition]
    if stray:
        raise ValidationError(
            _("Not entries of “%(competition)s”: %(entries)s."),
            code="foreign_entries",
            params={"competition": document.competition, "entries": punctuation.clauses(stray)},
        )
    document.number = document.number.strip()
    document.issuer = document.issuer.strip()
    written: list[tuple[Storage, str]] = []
    try:
        with transaction.atomic():
            if upload is not None:
                _store(document, upload, written)
            document._history_user = user
            document.save()
            document.entries.set(entries)
            _evidence_changed(document.competition_id)
    except BaseException:
        _remove(written)
        raise
    return document


def delete_document(document: ResultDocument, *, user=None) -> None:
    with transaction.atomic():
        document._history_user = user
        document.delete()
        _evidence_changed(document.competition_id)


def _ids_of(competition: Competition, entries: list[Entry]) -> set[int]:
    if not entries:
        return set()
    return set(
        Entry.objects.filter(pk__in=[e.pk for e in entries], event__competition=competition).values_list(
            "pk", flat=True
        )
    )


def _count(queryset: QuerySet, field: str) -> Coalesce:
    counted = queryset.filter(**{field: OuterRef("pk")}).order_by().values(field).annotate(n=Count("*"))
    return Coalesce(Subquery(counted.values("n"), output_field=IntegerField()), Value(0))


def with_evidence_counts(entries: QuerySet) -> QuerySet:
    """Entries annotated with `scan_count` and `document_count`, in the same query (a results table
    marks the entries with evidence without a query per row)."""
    return entries.annotate(
        scan_count=_count(CertificateScan.objects.all(), "entry"),
        document_count=_count(ResultDocument.entries.through.objects.all(), "entry"),
    )
