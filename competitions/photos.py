"""Competition photos: checking uploads, making thumbnails, and storing a batch all or nothing.

Uploads are checked before anything is written (OWASP File Upload): an extension allow-list, a
size limit, Pillow opening the file with a formats list, a pixel limit checked from the header
before decoding (a decompression bomb), and a full decode (a truncated or corrupt file).

What is stored carries no personal data beyond the picture: the original is written again without
its EXIF (GPS position, camera serial number, dates), comments and XMP, keeping only the Orientation
tag so that it still shows upright; the thumbnail has no metadata at all.

The request stores the originals and their rows; the thumbnails are made afterwards by the task
worker (competitions.tasks.make_thumbnails, queued by the upload view when its rows commit), which
may take a while for a large batch. Until a photo has its thumbnail the pages show its original.
"""

import io
import logging
import struct
import warnings
from collections.abc import Iterable
from pathlib import Path

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile, File
from django.core.files.storage import Storage
from django.db import transaction
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext as _
from PIL import Image, ImageOps

from competitions import punctuation
from competitions.models import Competition, Entry, Photo

logger = logging.getLogger(__name__)

ALLOWED_EXTENSIONS = (".jpg", ".jpeg", ".png", ".webp")
ALLOWED_FORMATS = ["JPEG", "PNG", "WEBP"]
# Far below Pillow's own MAX_IMAGE_PIXELS (89.5 MP), which only warns between 1x and 2x; a phone
# photo is 12-50 MP, and 40 MP decoded as RGB is already about 120 MB of memory.
MAX_PIXELS = 40_000_000
THUMBNAIL_SIZE = (480, 480)
THUMBNAIL_QUALITY = 85
ORIENTATION = 0x0112  # the one EXIF tag an original keeps
# A JPEG original is written again with its own quantisation tables ("keep"); other lossy originals
# (WebP, a multi-picture JPEG) at this quality.
ORIGINAL_QUALITY = 92

# What Pillow raises on a file that is not an image, or a broken one, while opening or decoding.
_BROKEN_IMAGE_ERRORS = (OSError, SyntaxError, ValueError, EOFError, IndexError, struct.error)


def _display_name(uploaded_file: File) -> str:
    return Path(uploaded_file.name or "").name


def validate_image(uploaded_file: File) -> None:
    """Refuse a file that is not a JPEG, PNG or WebP photo we are willing to store.

    Every message names the file, so a batch upload can list which files were refused.
    The file is left at position 0.
    """
    name = _display_name(uploaded_file)
    params = {"name": name}
    if Path(name).suffix.lower() not in ALLOWED_EXTENSIONS:
        raise ValidationError(
            _("“%(name)s” is not a photo: only .jpg, .jpeg, .png and .webp files can be uploaded."),
            code="extension",
            params=params,
        )
    if uploaded_file.size is not None and uploaded_file.size > settings.PHOTO_MAX_BYTES:
        raise ValidationError(
            _("“%(name)s” is too large (%(size)s): a photo may be at most %(limit)s."),
            code="too_large",
            params={
                **params,
                "size": filesizeformat(uploaded_file.size),
                "limit": filesizeformat(settings.PHOTO_MAX_BYTES),
            },
        )
    problem = image_problem(uploaded_file)
    if problem == "too_many_pixels":
        raise ValidationError(
            _("“%(name)s” has too many pixels: a photo may be at most %(limit)d megapixels."),
            code="too_many_pixels",
            params={**params, "limit": MAX_PIXELS // 1_000_000},
        )
    if problem == "not_an_image":
        raise ValidationError(
            _("“%(name)s” is not a JPEG, PNG or WebP image, or the file is damaged."),
            code="not_an_image",
            params=params,
        )


def image_problem(uploaded_file: File) -> str | None:
    """Why Pillow will not take this file as a JPEG, PNG or WebP image: "too_many_pixels" (more
    than MAX_PIXELS, checked from the header before decoding: a decompression bomb) or
    "not_an_image" (another format, or truncated or corrupt data); None when it decodes in full.

    Shared by photos (validate_image) and evidence scans (competitions.evidence), which word their
    refusals each in their own terms. The file is left at position 0.
    """
    try:
        with warnings.catch_warnings():
            # Pillow only warns between 1x and 2x its own limit: make that a refusal too.
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            uploaded_file.seek(0)
            with Image.open(uploaded_file, formats=ALLOWED_FORMATS) as image:
                # Opening reads only the header: refuse huge dimensions before decoding anything.
                width, height = image.size
                if width * height > MAX_PIXELS:
                    return "too_many_pixels"
                image.verify()
            # verify() leaves the image unusable; decoding in full catches truncated data.
            uploaded_file.seek(0)
            with Image.open(uploaded_file, formats=ALLOWED_FORMATS) as image:
                image.load()
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        return "too_many_pixels"
    except _BROKEN_IMAGE_ERRORS:
        return "not_an_image"
    finally:
        uploaded_file.seek(0)
    return None


def make_thumbnail(uploaded_file: File, *, size: tuple[int, int] = THUMBNAIL_SIZE) -> ContentFile:
    """An upright JPEG that fits in `size` (480×480), without EXIF (no camera data, no GPS position).

    Call it on a file validate_image accepted. The file is left at position 0.
    """
    uploaded_file.seek(0)
    try:
        with Image.open(uploaded_file, formats=ALLOWED_FORMATS) as original:
            image = ImageOps.exif_transpose(original)
    finally:
        uploaded_file.seek(0)
    # A colour profile describes the source's colour space: it only still fits if that was RGB.
    icc_profile = image.info.get("icc_profile") if image.mode in ("RGB", "RGBA", "P", "PA") else None
    if image.mode in ("RGBA", "LA", "PA") or "transparency" in image.info:
        # JPEG has no transparency: put transparent parts on white rather than black.
        rgba = image.convert("RGBA")
        image = Image.new("RGB", rgba.size, "white")
        image.paste(rgba, mask=rgba.getchannel("A"))
    elif image.mode != "RGB":
        image = image.convert("RGB")
    image.thumbnail(size)
    # JPEG's writer copies a comment from image.info; keep nothing but the colour profile.
    image.info = {}
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", quality=THUMBNAIL_QUALITY, optimize=True, icc_profile=icc_profile)
    return ContentFile(buffer.getvalue(), name=f"{Path(_display_name(uploaded_file)).stem or 'photo'}.jpg")


def strip_metadata(uploaded_file: File) -> ContentFile:
    """The original, same format and pixels, without its metadata except the Orientation tag.

    GPS position, camera and owner data, dates, comments and XMP are dropped; the colour profile
    stays (it is part of how the picture looks). Call it on a file validate_image accepted; the
    file is left at position 0.
    """
    uploaded_file.seek(0)
    try:
        with Image.open(uploaded_file, formats=ALLOWED_FORMATS) as image:
            image.load()
            orientation = image.getexif().get(ORIENTATION)
            exif = Image.Exif()
            if orientation and orientation != 1:
                exif[ORIENTATION] = orientation
            options = {"exif": exif.tobytes() if exif else b""}
            if icc_profile := image.info.get("icc_profile"):
                options["icc_profile"] = icc_profile
            image_format = image.format
            if image_format == "JPEG":
                options.update(quality="keep", comment=b"", progressive=bool(image.info.get("progressive")))
            elif image_format == "MPO":  # a phone's multi-picture JPEG: its first picture
                image_format = "JPEG"
                options.update(quality=ORIGINAL_QUALITY, comment=b"")
            elif image_format == "WEBP":
                options.update(quality=ORIGINAL_QUALITY)
            buffer = io.BytesIO()
            image.save(buffer, image_format, **options)
    finally:
        uploaded_file.seek(0)
    return ContentFile(buffer.getvalue(), name=_display_name(uploaded_file))


def save_photos(
    *,
    competition: Competition,
    files: Iterable[File],
    caption: str = "",
    credit: str = "",
    entries: Iterable[Entry] = (),
    user=None,
) -> list[Photo]:
    """Store several uploaded photos of one competition, all or none.

    Every file is checked first; if any is refused, one ValidationError lists them all (each
    message names its file) and nothing is stored. Each photo keeps the original, without its
    personal metadata (strip_metadata); the caller queues the task that makes the thumbnails
    (competitions.tasks.enqueue_thumbnails, which runs make_missing_thumbnails). `entries` are the
    entries shown, and must belong to `competition`.
    """
    files = list(files)
    entries = list(entries)
    errors: list[ValidationError] = []
    for uploaded_file in files:
        try:
            validate_image(uploaded_file)
        except ValidationError as error:
            errors.extend(error.error_list)
    ids_of_competition = _entry_ids_of(competition, entries)
    stray = [entry for entry in entries if entry.pk not in ids_of_competition]
    if stray:
        errors.append(
            ValidationError(
                _("Not entries of “%(competition)s”: %(entries)s."),
                code="foreign_entries",
                params={"competition": competition, "entries": punctuation.clauses(stray)},
            )
        )
    if errors:
        raise ValidationError(errors)

    photos: list[Photo] = []
    written: list[tuple[Storage, str]] = []  # every file stored so far
    try:
        with transaction.atomic():
            for uploaded_file in files:
                photo = Photo(competition=competition, caption=caption, credit=credit, uploaded_by=user)
                original = strip_metadata(uploaded_file)
                photo.image.save(original.name, original, save=False)
                written.append((photo.image.storage, photo.image.name))
                photo.save()
                if entries:
                    photo.entries.set(entries)
                photos.append(photo)
    except BaseException:
        # The rows are rolled back; take the files already written with them.
        for storage, name in written:
            storage.delete(name)
        raise
    return photos


def make_missing_thumbnails(photo_ids: Iterable[int], *, progress=None) -> int:
    """Make the thumbnail of each of these photos that has none yet; returns how many were made.

    Safe to run again, and alongside another run: a photo that has its thumbnail, or that was
    deleted meanwhile, is skipped, and a thumbnail is only recorded on a row that still has none.
    A photo whose original cannot be read is logged and skipped. `progress(phase, done, total)` is
    told after each photo.
    """
    photo_ids = list(photo_ids)
    made = 0
    for done, pk in enumerate(photo_ids, start=1):
        photo = Photo.objects.filter(pk=pk).first()
        if photo is not None and not photo.thumbnail and make_thumbnail_of(photo):
            made += 1
        if progress:
            progress("thumbnails", done, len(photo_ids))
    return made


def make_thumbnail_of(photo: Photo) -> bool:
    """Make and record one photo's thumbnail from its stored original; False if it was not recorded."""
    try:
        with photo.image.open("rb") as original:
            thumbnail = make_thumbnail(original)
    except (*_BROKEN_IMAGE_ERRORS, Image.DecompressionBombError) as error:
        # The original is missing or damaged (it was checked at upload): the page shows it as it is.
        logger.warning("no thumbnail for photo %s (%s): %s", photo.pk, photo.image.name, error)
        return False
    photo.thumbnail.save(thumbnail.name, thumbnail, save=False)
    # Only the thumbnail column, and only while it is empty: the caption or tags may be edited
    # meanwhile, and another run may have been quicker. (Not a change anyone made: no history row.)
    if Photo.objects.filter(pk=photo.pk, thumbnail="").update(thumbnail=photo.thumbnail.name):
        return True
    photo.thumbnail.storage.delete(photo.thumbnail.name)  # deleted meanwhile, or made by another run
    return False


def _entry_ids_of(competition: Competition, entries: list[Entry]) -> set[int]:
    """The ids among `entries` that belong to `competition`, in one query."""
    if not entries:
        return set()
    return set(
        Entry.objects.filter(pk__in=[e.pk for e in entries], event__competition=competition).values_list(
            "pk", flat=True
        )
    )
