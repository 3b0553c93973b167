import io
import struct
import zlib

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import TestCase
from django.utils.datastructures import MultiValueDict
from PIL import Image, ImageOps

from competitions.forms import PhotoTagForm, PhotoUploadForm
from competitions.models import Photo
from competitions.photos import make_thumbnail, save_photos, validate_image
from competitions.tasks import enqueue_thumbnails
from tests.factories import make_competition, make_entry, make_event

pytestmark = pytest.mark.django_db

RED, BLUE = (255, 0, 0), (0, 0, 255)
ORIENTATION = 0x0112


@pytest.fixture(autouse=True)
def media_root(settings, tmp_path):
    """Uploaded files land in a temporary directory, never in the repository."""
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.TASK_PROGRESS_DIR = tmp_path / "progress"
    return settings.MEDIA_ROOT


def saved_with_thumbnails(settings, **kwargs) -> list[Photo]:
    """save_photos and the thumbnail task queued on commit (as the upload view does), run here."""
    settings.TASKS = {"default": {"BACKEND": "django.tasks.backends.immediate.ImmediateBackend"}}
    with TestCase.captureOnCommitCallbacks(execute=True):
        photos = save_photos(**kwargs)
        enqueue_thumbnails(photos)
    for photo in photos:
        photo.refresh_from_db()
    return photos


def stored_files(media_root):
    return sorted(p for p in media_root.rglob("*") if p.is_file()) if media_root.exists() else []


def image_bytes(format="JPEG", size=(800, 400), mode="RGB", color=RED, **save_options) -> bytes:
    buffer = io.BytesIO()
    Image.new(mode, size, color).save(buffer, format, **save_options)
    return buffer.getvalue()


def sideways_jpeg() -> bytes:
    """800×400 stored pixels, red left half and blue right half, EXIF "rotate 90° clockwise"."""
    image = Image.new("RGB", (800, 400), BLUE)
    image.paste(RED, (0, 0, 400, 400))
    exif = Image.Exif()
    exif[ORIENTATION] = 6
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", exif=exif, comment=b"Taken by a phone", quality=95)
    return buffer.getvalue()


def png_declaring(width: int, height: int) -> bytes:
    """A small real PNG whose header claims other dimensions (IHDR patched, CRC recomputed)."""
    data = bytearray(image_bytes("PNG", size=(8, 8)))
    # Signature (8) + chunk length (4) + b"IHDR" (4), then 13 bytes of header data and its CRC.
    assert data[12:16] == b"IHDR"
    header = bytearray(data[16:29])
    header[0:8] = struct.pack(">II", width, height)
    data[16:29] = header
    data[29:33] = struct.pack(">I", zlib.crc32(b"IHDR" + header))
    return bytes(data)


def upload(name: str, content: bytes, content_type="image/jpeg") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content, content_type=content_type)


def messages(error: ValidationError) -> str:
    return " ".join(error.messages)


def test_thumbnail_of_a_sideways_jpeg_is_upright_and_has_no_exif(media_root, settings):
    original = sideways_jpeg()
    [photo] = saved_with_thumbnails(
        settings, competition=make_competition(), files=[upload("sideways.jpg", original)]
    )

    with Image.open(photo.image.path) as stored:
        assert stored.size == (800, 400)
        assert stored.getexif()[ORIENTATION] == 6
    with Image.open(photo.thumbnail.path) as thumbnail:
        assert thumbnail.format == "JPEG"
        assert thumbnail.size == (240, 480)  # upright, and fits in 480×480
        assert not thumbnail.getexif()
        assert "exif" not in thumbnail.info
        assert "comment" not in thumbnail.info
        rgb = thumbnail.convert("RGB")
        # Rotated 90° clockwise, the red left half is now on top.
        assert rgb.getpixel((120, 60))[0] > 200
        assert rgb.getpixel((120, 420))[2] > 200
    assert photo.thumbnail.name.endswith(".jpg")


def test_make_thumbnail_returns_a_jpeg_file_and_rewinds():
    uploaded = upload("IMG_0001.JPG", sideways_jpeg())
    thumbnail = make_thumbnail(uploaded)
    assert thumbnail.name == "IMG_0001.jpg"
    assert uploaded.tell() == 0
    with Image.open(io.BytesIO(thumbnail.read())) as image:
        assert image.format == "JPEG"
        assert max(image.size) == 480


def test_a_transparent_png_is_stored_with_a_white_backed_thumbnail(media_root, settings):
    content = image_bytes("PNG", size=(300, 200), mode="RGBA", color=(0, 0, 0, 0))
    [photo] = saved_with_thumbnails(
        settings, competition=make_competition(), files=[upload("team.png", content, "image/png")]
    )

    assert photo.image.name.endswith(".png")
    with Image.open(photo.thumbnail.path) as thumbnail:
        assert thumbnail.size == (300, 200)  # small images are not enlarged
        assert thumbnail.convert("RGB").getpixel((10, 10)) == (255, 255, 255)


def test_a_webp_is_accepted():
    validate_image(upload("stage.webp", image_bytes("WEBP"), "image/webp"))


def test_the_original_is_kept_under_a_random_name(media_root):
    competition = make_competition()
    [photo] = save_photos(competition=competition, files=[upload("张三 领奖.jpg", sideways_jpeg())])

    with Image.open(photo.image.path) as stored:
        assert (stored.format, stored.size) == ("JPEG", (800, 400))
    assert photo.image.name.startswith(f"photos/{competition.pk}/")
    assert photo.image.name.endswith(".jpg")
    assert "张三" not in photo.image.name


GPS_IFD, EXIF_IFD = 0x8825, 0x8769
MAKE, MODEL, ARTIST, SERIAL = 0x010F, 0x0110, 0x013B, 0xA431


def personal_exif(orientation: int | None = 6) -> Image.Exif:
    """EXIF as a phone writes it: a GPS position, the camera, its owner and serial number."""
    exif = Image.Exif()
    if orientation:
        exif[ORIENTATION] = orientation
    exif[MAKE], exif[MODEL], exif[ARTIST] = "Phone maker", "Phone 15", "李文博"
    exif.get_ifd(GPS_IFD).update({1: "N", 2: (31.0, 14.0, 30.5), 3: "E", 4: (121.0, 28.0, 12.0)})
    exif.get_ifd(EXIF_IFD)[SERIAL] = "SN-0042"
    return exif


def photo_with_gps(format: str, orientation: int | None = 6) -> bytes:
    """800×400 stored pixels, red left half and blue right half, with personal EXIF."""
    image = Image.new("RGB", (800, 400), BLUE)
    image.paste(RED, (0, 0, 400, 400))
    options = {"comment": b"Home, 5th floor"} if format == "JPEG" else {}
    buffer = io.BytesIO()
    image.save(buffer, format, exif=personal_exif(orientation), xmp=b"<x:xmpmeta>GPS</x:xmpmeta>", **options)
    return buffer.getvalue()


@pytest.mark.parametrize(
    "format, name", [("JPEG", "phone.jpg"), ("PNG", "phone.png"), ("WEBP", "phone.webp")]
)
def test_the_stored_original_loses_gps_and_personal_exif_but_keeps_its_orientation(media_root, format, name):
    content = photo_with_gps(format)
    with Image.open(io.BytesIO(content)) as sent:  # the test photo really carries it all
        assert sent.getexif().get_ifd(GPS_IFD) and sent.getexif()[MODEL] == "Phone 15"

    [photo] = save_photos(competition=make_competition(), files=[upload(name, content)])

    raw = photo.image.read()
    with Image.open(io.BytesIO(raw)) as stored:
        assert stored.format == format
        exif = stored.getexif()
        assert exif.get_ifd(GPS_IFD) == {}
        assert exif.get_ifd(EXIF_IFD) == {}
        assert dict(exif) == {ORIENTATION: 6}
        assert "comment" not in stored.info and "xmp" not in stored.info
        assert stored.size == (800, 400)
        upright = ImageOps.exif_transpose(stored).convert("RGB")
    # Shown upright (rotated 90° clockwise): the red left half is on top.
    assert upright.size == (400, 800)
    assert upright.getpixel((200, 100))[0] > 200 and upright.getpixel((200, 700))[2] > 200
    for secret in (b"Phone 15", b"SN-0042", "李文博".encode(), b"Home, 5th floor", b"xmpmeta"):
        assert secret not in raw


def test_an_upright_original_keeps_no_exif_at_all(media_root):
    content = photo_with_gps("JPEG", orientation=None)
    [photo] = save_photos(competition=make_competition(), files=[upload("phone.jpg", content)])
    with Image.open(photo.image.path) as stored:
        assert not stored.getexif()
        assert stored.getpixel((100, 200))[0] > 200  # the same picture


def test_the_thumbnail_is_made_once(media_root, settings):
    [photo] = saved_with_thumbnails(
        settings, competition=make_competition(), files=[upload("a.jpg", sideways_jpeg())]
    )
    assert photo.thumbnail
    thumbnail_name = photo.thumbnail.name
    files_before = stored_files(media_root)

    photo.caption = "Opening ceremony"
    photo.save()
    photo.refresh_from_db()

    assert photo.thumbnail.name == thumbnail_name
    assert stored_files(media_root) == files_before


def test_a_text_file_named_jpg_is_refused_by_name_and_nothing_is_stored(media_root):
    with pytest.raises(ValidationError) as refused:
        save_photos(competition=make_competition(), files=[upload("notes.jpg", b"just some text\n")])

    assert "notes.jpg" in messages(refused.value)
    assert Photo.objects.count() == 0
    assert stored_files(media_root) == []


def test_a_truncated_jpeg_is_refused():
    content = image_bytes("JPEG", size=(640, 480))
    with pytest.raises(ValidationError) as refused:
        validate_image(upload("cut.jpg", content[: len(content) // 2]))
    assert "cut.jpg" in messages(refused.value)


@pytest.mark.parametrize("name", ["photo.gif", "photo.svg", "photo.jpg.html", "photo"])
def test_other_extensions_are_refused_even_for_real_images(name):
    with pytest.raises(ValidationError) as refused:
        validate_image(upload(name, image_bytes("JPEG")))
    assert refused.value.code == "extension"
    assert name in messages(refused.value)


def test_a_format_outside_the_list_is_refused_even_with_a_photo_extension():
    with pytest.raises(ValidationError) as refused:
        validate_image(upload("drawing.png", image_bytes("GIF", size=(10, 10)), "image/png"))
    assert refused.value.code == "not_an_image"


def test_a_file_over_the_size_limit_is_refused(settings):
    settings.PHOTO_MAX_BYTES = 1000
    content = image_bytes("JPEG", size=(400, 400), quality=95)
    assert len(content) > 1000
    with pytest.raises(ValidationError) as refused:
        validate_image(upload("big.jpg", content))
    assert refused.value.code == "too_large"
    assert "big.jpg" in messages(refused.value)


@pytest.mark.parametrize(
    "width, height",
    [
        (20000, 20000),  # beyond twice Pillow's limit: Pillow itself refuses while opening
        (12000, 10000),  # between 1x and 2x Pillow's limit, where Pillow only warns
        (7000, 7000),  # under Pillow's limit, over ours: refused from the header, never decoded
    ],
)
def test_a_decompression_bomb_is_refused_and_nothing_is_stored(media_root, width, height):
    bomb = upload("bomb.png", png_declaring(width, height), "image/png")
    with pytest.raises(ValidationError) as refused:
        save_photos(competition=make_competition(), files=[bomb])

    [error] = refused.value.error_list
    assert error.code == "too_many_pixels"
    assert "bomb.png" in messages(refused.value)
    assert Photo.objects.count() == 0
    assert stored_files(media_root) == []


def test_validation_leaves_the_file_at_the_start():
    uploaded = upload("a.jpg", sideways_jpeg())
    uploaded.read(10)
    validate_image(uploaded)
    assert uploaded.tell() == 0

    broken = upload("b.jpg", b"not an image")
    with pytest.raises(ValidationError):
        validate_image(broken)
    assert broken.tell() == 0


def test_one_bad_file_in_a_batch_stores_nothing_and_every_bad_file_is_named(media_root):
    files = [
        upload("good.jpg", sideways_jpeg()),
        upload("bad.jpg", b"oops"),
        upload("worse.txt", b"oops"),
    ]
    with pytest.raises(ValidationError) as refused:
        save_photos(competition=make_competition(), files=files)

    assert len(refused.value.error_list) == 2
    text = messages(refused.value)
    assert "bad.jpg" in text and "worse.txt" in text and "good.jpg" not in text
    assert Photo.objects.count() == 0
    assert stored_files(media_root) == []


def test_photos_are_tagged_with_entries_of_their_competition(media_root, user, settings):
    event = make_event()
    entry = make_entry(event)
    photos = saved_with_thumbnails(
        settings,
        competition=event.competition,
        files=[upload("a.jpg", sideways_jpeg()), upload("b.png", image_bytes("PNG"), "image/png")],
        caption="Podium",
        credit="Media office",
        entries=[entry],
        user=user,
    )

    assert len(photos) == 2
    for photo in photos:
        photo.refresh_from_db()
        assert list(photo.entries.all()) == [entry]
        assert (photo.caption, photo.credit, photo.uploaded_by) == ("Podium", "Media office", user)
        assert photo.thumbnail


def test_entries_of_another_competition_are_refused_and_nothing_is_stored(media_root):
    competition = make_competition()
    elsewhere = make_entry(make_event())
    with pytest.raises(ValidationError) as refused:
        save_photos(competition=competition, files=[upload("a.jpg", sideways_jpeg())], entries=[elsewhere])

    assert refused.value.error_list[0].code == "foreign_entries"
    assert Photo.objects.count() == 0
    assert stored_files(media_root) == []


def test_files_written_before_a_failure_are_removed(media_root, monkeypatch):
    from competitions import photos as photos_module

    calls = []
    real = photos_module.strip_metadata

    def fail_on_second(uploaded_file):
        calls.append(uploaded_file.name)
        if len(calls) == 2:
            raise OSError("disk full")
        return real(uploaded_file)

    monkeypatch.setattr(photos_module, "strip_metadata", fail_on_second)
    files = [upload("a.jpg", sideways_jpeg()), upload("b.jpg", sideways_jpeg())]
    with pytest.raises(OSError):
        save_photos(competition=make_competition(), files=files)

    assert len(calls) == 2
    assert Photo.objects.count() == 0
    assert stored_files(media_root) == []


# The forms


def test_upload_form_stores_two_files(media_root, user, django_assert_max_num_queries):
    event = make_event(name="Mobile Robotics")
    gold = make_entry(event, organization="Shanghai", award="金牌")
    make_entry(event, organization="Beijing", award=None)
    make_entry(event, organization="Tianjin")
    with django_assert_max_num_queries(1):
        rendered = str(PhotoUploadForm(competition=event.competition)["entries"])
    assert '<optgroup label="Mobile Robotics">' in rendered
    assert ">Shanghai · 金牌<" in rendered
    assert ">Beijing<" in rendered

    form = PhotoUploadForm(
        data={"caption": "Podium", "credit": "Office", "entries": [gold.pk]},
        files=MultiValueDict(
            {"images": [upload("a.jpg", sideways_jpeg()), upload("b.png", image_bytes("PNG"), "image/png")]}
        ),
        competition=event.competition,
    )
    assert form.is_valid(), form.errors
    photos = form.save(user=user)

    assert len(photos) == 2
    assert Photo.objects.filter(competition=event.competition, entries=gold).count() == 2


def test_upload_form_shows_a_bad_file_on_the_field(media_root):
    competition = make_competition()
    form = PhotoUploadForm(
        data={},
        files=MultiValueDict({"images": [upload("good.jpg", sideways_jpeg()), upload("fake.jpg", b"text")]}),
        competition=competition,
    )
    assert not form.is_valid()
    assert list(form.errors) == ["images"]
    assert "fake.jpg" in " ".join(form.errors["images"])
    assert stored_files(media_root) == []


def test_upload_form_requires_a_file():
    form = PhotoUploadForm(data={}, files=MultiValueDict(), competition=make_competition())
    assert not form.is_valid()
    assert "images" in form.errors


def test_upload_form_offers_only_the_competitions_entries():
    event = make_event()
    elsewhere = make_entry(make_event())
    form = PhotoUploadForm(
        data={"entries": [elsewhere.pk]},
        files=MultiValueDict({"images": [upload("a.jpg", sideways_jpeg())]}),
        competition=event.competition,
    )
    assert not form.is_valid()
    assert list(form.errors) == ["entries"]


def test_tag_form_limits_entries_to_the_photos_competition(media_root):
    event = make_event()
    own = make_entry(event)
    elsewhere = make_entry(make_event())
    [photo] = save_photos(competition=event.competition, files=[upload("a.jpg", sideways_jpeg())])

    refused = PhotoTagForm({"caption": "x", "entries": [elsewhere.pk]}, instance=photo)
    assert not refused.is_valid()
    assert list(refused.errors) == ["entries"]

    form = PhotoTagForm({"caption": "Team", "credit": "Li", "entries": [own.pk]}, instance=photo)
    assert form.is_valid(), form.errors
    form.save()
    photo.refresh_from_db()
    assert photo.caption == "Team"
    assert list(photo.entries.all()) == [own]


def test_a_student_photo_uploaded_in_the_admin_loses_its_gps_position(media_root, admin_client):
    from students.models import Student

    student = Student.objects.create(name="李文博", student_number="20230001")
    page = admin_client.get(f"/admin/students/student/{student.pk}/change/")
    form = page.context["adminform"].form
    data = {
        name: ("" if value is None else value)
        for name, value in ((name, form[name].value()) for name in form.fields)
        if name != "photo"
    }
    data["photo"] = upload("phone.jpg", photo_with_gps("JPEG"))
    response = admin_client.post(f"/admin/students/student/{student.pk}/change/", data)
    assert response.status_code == 302, response.context["adminform"].form.errors
    student.refresh_from_db()
    with Image.open(student.photo) as stored:
        assert stored.getexif().get_ifd(GPS_IFD) == {}
        assert dict(stored.getexif()) == {ORIENTATION: 6}


def test_the_photo_admin_cannot_replace_files_past_the_checks(admin_client):
    assert admin_client.get("/admin/competitions/photo/add/").status_code == 403
