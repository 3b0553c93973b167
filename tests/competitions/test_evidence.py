"""Evidence: certificate scans of an entry and result documents of a competition (issue 12).

Kinds are sniffed from the content, files are checked before anything is stored, previews carry
no metadata, and evidence is personal data: never to anonymous visitors, never under /media/.
"""

import io
from datetime import date

import pypdfium2 as pdfium
import pytest
from django.contrib.auth.models import Group
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from PIL import Image

from competitions import evidence, roles
from competitions.models import CertificateScan, Competition, Entry, ResultDocument
from tests.factories import make_competition, make_entry, make_event, make_student

pytestmark = pytest.mark.django_db

GPS = 0x8825
MAKE = 0x010F
ORIENTATION = 0x0112


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


def stored_files(media) -> list:
    return [path for path in media.rglob("*") if path.is_file()] if media.exists() else []


def tiny_pdf(width=200, height=100) -> bytes:
    pdf = pdfium.PdfDocument.new()
    pdf.new_page(width, height)
    buffer = io.BytesIO()
    pdf.save(buffer)
    pdf.close()
    return buffer.getvalue()


def handmade_pdf(objects: list[bytes], trailer: bytes = b"") -> bytes:
    """A PDF written by hand, with a correct cross-reference table."""
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    for offset in offsets:
        out += b"%010d 00000 n \n" % offset
    out += b"trailer\n<< /Size %d /Root 1 0 R " % (len(objects) + 1) + trailer + b">>\n"
    out += b"startxref\n%d\n%%%%EOF\n" % xref
    return bytes(out)


def password_protected_pdf() -> bytes:
    """A PDF whose standard security handler needs a password (its /U does not match the empty one)."""
    pages = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 200 100] >>",
        b"<< /Filter /Standard /V 1 /R 2 /O <" + b"ab" * 32 + b"> /U <" + b"cd" * 32 + b"> /P -4 >>",
    ]
    return handmade_pdf(pages, b"/Encrypt 4 0 R /ID [<" + b"01" * 16 + b"> <" + b"01" * 16 + b">] ")


def jpeg_with_exif(size=(60, 40), orientation=6) -> bytes:
    image = Image.new("RGB", size, "red")
    exif = Image.Exif()
    exif[MAKE] = "SecretCam"
    exif[ORIENTATION] = orientation
    exif.get_ifd(GPS)[2] = (23.0, 7.0, 30.0)  # GPSLatitude: Guangzhou
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", exif=exif.tobytes())
    return buffer.getvalue()


def png() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (30, 20), "blue").save(buffer, "PNG")
    return buffer.getvalue()


def upload(name: str, data: bytes, content_type="application/octet-stream") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, data, content_type=content_type)


def logged_in(client, django_user_model, group: str):
    user = django_user_model.objects.create_user(group.replace(" ", "-"), password="a-long-test-password")
    user.groups.add(Group.objects.get(name=group))
    client.force_login(user)
    return user


@pytest.fixture
def entry():
    return make_entry(
        make_event(make_competition("全国技能大赛"), name="移动机器人"), members=[make_student("蒋家俊")]
    )


def scan_of(entry, data=None, name="证书.jpg") -> CertificateScan:
    return evidence.add_scans(entry=entry, files=[upload(name, data or jpeg_with_exif())])[0]


# --- Sniffing and checks ------------------------------------------------------------------------


def test_a_pdf_named_jpg_is_stored_as_a_pdf(entry):
    scan = scan_of(entry, tiny_pdf(), name="certificate.jpg")
    assert scan.content_type == "application/pdf"
    assert scan.file.name.endswith(".pdf") and scan.file.name.startswith(f"evidence/scans/{entry.pk}/")
    assert scan.original_name == "certificate.jpg"
    with scan.file.open("rb") as stored:
        assert stored.read(5) == b"%PDF-"


def test_an_image_named_pdf_is_stored_as_an_image(entry):
    scan = scan_of(entry, png(), name="scan.pdf")
    assert scan.content_type == "image/png" and scan.file.name.endswith(".png")


@pytest.mark.parametrize(
    ("name", "data", "words"),
    [
        ("notes.pdf", b"just some text, not a PDF at all", "is not a PDF or a JPEG, PNG or WebP image"),
        ("page.html", b"<!doctype html><script>alert(1)</script>", "is not a PDF"),
        ("broken.jpg", b"\xff\xd8\xff\xe0" + b"\0" * 300, "is damaged"),
        ("broken.pdf", b"%PDF-1.4\n" + b"garbage " * 50, "is a damaged PDF"),
        ("locked.pdf", password_protected_pdf(), "is protected by a password"),
        (
            "empty.pdf",
            handmade_pdf([b"<< /Type /Catalog /Pages 2 0 R >>", b"<< /Type /Pages /Kids [] /Count 0 >>"]),
            "",
        ),
    ],
)
def test_a_refused_file_is_named_and_nothing_is_stored(
    client, django_user_model, entry, media, name, data, words
):
    logged_in(client, django_user_model, roles.OFFICE)
    response = client.post(
        reverse("competitions:entry-evidence", args=[entry.pk]),
        {"files": [upload("good.png", png()), upload(name, data)], "caption": "x"},
    )
    assert response.status_code == 200
    page = response.content.decode()
    assert f"“{name}”" in page and words in page
    assert CertificateScan.objects.count() == 0
    assert stored_files(media) == []


def test_an_oversize_file_is_refused_naming_it(entry, media, settings):
    settings.EVIDENCE_MAX_BYTES = 1000
    with pytest.raises(Exception) as refused:
        evidence.add_scans(entry=entry, files=[upload("huge.pdf", tiny_pdf() + b"\0" * 2000)])
    assert "“huge.pdf” is too large" in str(refused.value.messages)
    assert CertificateScan.objects.count() == 0 and stored_files(media) == []


def test_a_failure_while_storing_leaves_no_orphan_files(entry, media, monkeypatch):
    def fail(competition_id):
        raise RuntimeError("database gone")

    monkeypatch.setattr(evidence, "_evidence_changed", fail)
    with pytest.raises(RuntimeError):
        evidence.add_scans(entry=entry, files=[upload("a.png", png()), upload("b.pdf", tiny_pdf())])
    assert CertificateScan.objects.count() == 0 and stored_files(media) == []


# --- Previews ------------------------------------------------------------------------------------


def test_a_pdf_gets_its_first_page_as_a_preview(entry):
    scan = scan_of(entry, tiny_pdf(400, 200), name="notice.pdf")
    with scan.preview.open("rb") as stored, Image.open(stored) as preview:
        assert preview.format == "JPEG"
        assert preview.size == (evidence.PREVIEW_SIZE[0], evidence.PREVIEW_SIZE[0] // 2)  # same aspect


def test_an_image_preview_is_upright_and_without_metadata(entry):
    scan = scan_of(entry, jpeg_with_exif(size=(60, 40), orientation=6))
    with scan.preview.open("rb") as stored, Image.open(stored) as preview:
        assert preview.size == (40, 60)  # turned upright (orientation 6: rotate 90°)
        assert dict(preview.getexif()) == {}
        assert "exif" not in preview.info
    with scan.file.open("rb") as stored, Image.open(stored) as original:
        exif = original.getexif()
        assert MAKE not in exif and GPS not in exif  # no camera, no position
        assert exif.get(ORIENTATION) == 6  # still shown upright


# --- Pages and permissions -----------------------------------------------------------------------


def urls(entry, scan, document) -> list[str]:
    return [
        reverse("competitions:entry-evidence", args=[entry.pk]),
        reverse("competitions:scan-edit", args=[scan.pk]),
        reverse("competitions:scan-delete", args=[scan.pk]),
        reverse("competitions:scan-file", args=[scan.pk]),
        reverse("competitions:scan-preview", args=[scan.pk]),
        reverse("competitions:result-document-list", args=[document.competition_id]),
        reverse("competitions:result-document-create", args=[document.competition_id]),
        reverse("competitions:result-document-detail", args=[document.pk]),
        reverse("competitions:result-document-edit", args=[document.pk]),
        reverse("competitions:result-document-file", args=[document.pk]),
        reverse("competitions:result-document-preview", args=[document.pk]),
    ]


def document_of(entry, **fields) -> ResultDocument:
    document = ResultDocument(
        competition=entry.event.competition,
        issuer="人力资源社会保障部",
        number="人社部函〔2021〕99号",
        issued_on=date(2021, 6, 1),
    )
    for name, value in fields.items():
        setattr(document, name, value)
    upload_ = evidence.check_file(upload("通知.pdf", tiny_pdf()))
    return evidence.save_document(document=document, upload=upload_, entries=[entry])


def test_anonymous_visitors_get_no_evidence_page_nor_file(client, entry):
    scan, document = scan_of(entry), document_of(entry)
    for url in urls(entry, scan, document):
        for response in (client.get(url), client.post(url)):
            assert response.status_code in (302, 404), url
            if response.status_code == 302:
                assert response.url.startswith(reverse("login")), url
    assert CertificateScan.objects.count() == 1 and ResultDocument.objects.count() == 1


def test_evidence_files_are_not_served_under_media(client, django_user_model, entry):
    scan, document = scan_of(entry), document_of(entry)
    logged_in(client, django_user_model, roles.OFFICE)
    for name in (scan.file.name, scan.preview.name, document.file.name, document.preview.name):
        assert name.startswith("evidence/")
        assert client.get(f"/media/{name}").status_code == 404


def test_a_teacher_reads_evidence_but_cannot_upload_or_delete(client, django_user_model, entry):
    scan, document = scan_of(entry), document_of(entry)
    logged_in(client, django_user_model, roles.TEACHERS)
    page = client.get(reverse("competitions:entry-evidence", args=[entry.pk]))
    assert page.status_code == 200
    text = page.content.decode()
    assert reverse("competitions:scan-preview", args=[scan.pk]) in text
    assert "人社部函〔2021〕99号" in text
    assert 'type="file"' not in text and reverse("competitions:scan-delete", args=[scan.pk]) not in text
    posted = client.post(
        reverse("competitions:entry-evidence", args=[entry.pk]), {"files": [upload("a.png", png())]}
    )
    assert posted.status_code == 403
    assert client.post(reverse("competitions:scan-delete", args=[scan.pk])).status_code == 403
    assert client.post(reverse("competitions:scan-edit", args=[scan.pk]), {"caption": "x"}).status_code == 403
    assert (
        client.get(reverse("competitions:result-document-create", args=[document.competition_id])).status_code
        == 403
    )
    assert client.get(reverse("competitions:result-document-edit", args=[document.pk])).status_code == 403
    assert client.get(reverse("competitions:scan-file", args=[scan.pk])).status_code == 200
    assert CertificateScan.objects.count() == 1


def test_a_file_is_sent_as_its_sniffed_kind(client, django_user_model, entry):
    scan = scan_of(entry, tiny_pdf(), name="证书 2023.jpg")
    logged_in(client, django_user_model, roles.TEACHERS)
    response = client.get(reverse("competitions:scan-file", args=[scan.pk]))
    assert response["Content-Type"] == "application/pdf"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert "private" in response["Cache-Control"]
    assert (
        response["Content-Disposition"].startswith("inline")
        and "filename*=utf-8''" in response["Content-Disposition"]
    )
    assert b"".join(response.streaming_content).startswith(b"%PDF-")
    preview = client.get(reverse("competitions:scan-preview", args=[scan.pk]))
    assert preview["Content-Type"] == "image/jpeg" and preview["X-Content-Type-Options"] == "nosniff"


def test_the_office_uploads_and_deletes_scans(client, django_user_model, entry, media):
    logged_in(client, django_user_model, roles.OFFICE)
    url = reverse("competitions:entry-evidence", args=[entry.pk])
    response = client.post(
        url,
        {
            "files": [upload("a.jpg", jpeg_with_exif()), upload("b.pdf", tiny_pdf())],
            "caption": "<b>获奖证书</b>",
        },
    )
    assert response.status_code == 302
    assert CertificateScan.objects.filter(entry=entry, caption="<b>获奖证书</b>").count() == 2
    page = client.get(url).content.decode()
    assert "&lt;b&gt;获奖证书&lt;/b&gt;" in page and "<b>获奖证书</b>" not in page
    scan = CertificateScan.objects.first()
    assert (
        client.post(reverse("competitions:scan-edit", args=[scan.pk]), {"caption": " 第一页 "}).status_code
        == 302
    )
    scan.refresh_from_db()
    assert scan.caption == "第一页"
    assert client.post(reverse("competitions:scan-delete", args=[scan.pk])).status_code == 302
    assert CertificateScan.objects.count() == 1
    assert CertificateScan.history.filter(id=scan.pk, history_type="-").exists()  # audited
    assert client.get(reverse("competitions:scan-file", args=[scan.pk])).status_code == 404


def test_the_competition_page_marks_entries_with_evidence(client, django_user_model, entry):
    logged_in(client, django_user_model, roles.OFFICE)
    competition = entry.event.competition
    other = make_entry(entry.event, organization="兄弟学院")
    url = competition.get_absolute_url()
    evidence_url = reverse("competitions:entry-evidence", args=[entry.pk])
    assert evidence_url in client.get(url).content.decode()  # cached now
    scan_of(entry)
    document_of(entry)
    page = client.get(url).content.decode()  # the cache is keyed by results_version, raised
    assert "📎 2" in page
    assert reverse("competitions:entry-evidence", args=[other.pk]) in page
    assert page.count("📎") == 1
    assert reverse("competitions:result-document-list", args=[competition.pk]) in page


def entries_with_evidence(count: int):
    competition = make_competition()
    event = make_event(competition)
    entries = [make_entry(event, organization=f"学院{number}", award=None) for number in range(count)]
    for entry in entries:
        CertificateScan.objects.create(entry=entry, file="evidence/x.jpg", preview="evidence/p.jpg")
    document = ResultDocument.objects.create(
        competition=competition, issuer="人社部", number="1号", issued_on=date(2023, 1, 1)
    )
    document.entries.set(entries)
    return competition, entries


@pytest.mark.parametrize("count", [3, 30])
def test_the_competition_page_counts_its_markers_in_a_fixed_number_of_queries(
    client, django_user_model, django_assert_max_num_queries, count
):
    logged_in(client, django_user_model, roles.OFFICE)
    competition, _entries = entries_with_evidence(count)
    with django_assert_max_num_queries(20):
        page = client.get(competition.get_absolute_url()).content.decode()
    assert page.count("📎 2") == count


@pytest.mark.parametrize("count", [3, 30])
def test_the_evidence_page_reads_in_a_fixed_number_of_queries(
    client, django_user_model, django_assert_max_num_queries, count
):
    logged_in(client, django_user_model, roles.OFFICE)
    competition, entries = entries_with_evidence(1)
    entry = entries[0]
    for number in range(count):
        CertificateScan.objects.create(entry=entry, file=f"evidence/{number}.jpg", caption=f"第{number}页")
        document = ResultDocument.objects.create(
            competition=competition, issuer="人社部", number=f"{number}号", issued_on=date(2023, 1, 1)
        )
        document.entries.add(entry)
    with django_assert_max_num_queries(14):
        page = client.get(reverse("competitions:entry-evidence", args=[entry.pk])).content.decode()
    assert f"第{count - 1}页" in page and f"{count - 1}号" in page


# --- Result documents ----------------------------------------------------------------------------


def test_a_document_number_keeps_its_chinese_brackets(client, django_user_model, entry):
    logged_in(client, django_user_model, roles.OFFICE)
    competition = entry.event.competition
    other = make_entry(entry.event, organization="兄弟学院")
    response = client.post(
        reverse("competitions:result-document-create", args=[competition.pk]),
        {
            "issuer": " 人力资源社会保障部 ",
            "number": "\u3000人社部函〔2021〕99号 ",
            "issued_on": "2021-06-01",
            "title": "关于第一届全国技能大赛获奖选手的通报",
            "upload": upload("通知.jpg", tiny_pdf()),
            "entries": [entry.pk, other.pk],
        },
    )
    assert response.status_code == 302
    document = ResultDocument.objects.get()
    assert document.number == "人社部函〔2021〕99号" and document.issuer == "人力资源社会保障部"
    assert document.content_type == "application/pdf" and document.preview
    assert set(document.entries.all()) == {entry, other}
    assert "人社部函〔2021〕99号" in client.get(document.get_absolute_url()).content.decode()
    assert (
        "人社部函〔2021〕99号"
        in client.get(reverse("competitions:entry-evidence", args=[other.pk])).content.decode()
    )
    listing = client.get(reverse("competitions:result-document-list", args=[competition.pk])).content.decode()
    assert "人社部函〔2021〕99号" in listing
    # Editing keeps the number as typed, and can change which entries the document covers.
    edit = reverse("competitions:result-document-edit", args=[document.pk])
    form = client.get(edit).content.decode()
    assert 'value="人社部函〔2021〕99号"' in form
    client.post(
        edit,
        {
            "issuer": "人力资源社会保障部",
            "number": "人社部函〔2021〕99号",
            "issued_on": "2021-06-01",
            "entries": [entry.pk],
        },
    )
    document.refresh_from_db()
    assert list(document.entries.all()) == [entry] and document.file  # the file stays
    assert client.post(edit, {"delete": "1"}).status_code == 302
    assert ResultDocument.objects.count() == 0


def test_a_document_covers_entries_of_its_own_competition_only(client, django_user_model, entry):
    logged_in(client, django_user_model, roles.OFFICE)
    stranger = make_entry(make_event(make_competition("另一赛事")))
    response = client.post(
        reverse("competitions:result-document-create", args=[entry.event.competition_id]),
        {"issuer": "人社部", "number": "1号", "issued_on": "2021-06-01", "entries": [stranger.pk]},
    )
    assert response.status_code == 200 and ResultDocument.objects.count() == 0
    with pytest.raises(Exception, match="Not entries of"):
        evidence.save_document(
            document=ResultDocument(
                competition=entry.event.competition, issuer="人社部", number="1号", issued_on=date(2021, 6, 1)
            ),
            upload=None,
            entries=[stranger],
        )


def test_a_refused_document_file_is_named_and_nothing_is_stored(client, django_user_model, entry, media):
    logged_in(client, django_user_model, roles.OFFICE)
    response = client.post(
        reverse("competitions:result-document-create", args=[entry.event.competition_id]),
        {
            "issuer": "人社部",
            "number": "1号",
            "issued_on": "2021-06-01",
            "upload": upload("通知.pdf", b"hello"),
        },
    )
    assert response.status_code == 200 and "“通知.pdf”" in response.content.decode()
    assert ResultDocument.objects.count() == 0 and stored_files(media) == []


def test_competition_results_version_is_raised_by_evidence(entry):
    before = Competition.objects.get(pk=entry.event.competition_id).results_version
    scan = scan_of(entry)
    evidence.delete_scan(scan)
    assert Competition.objects.get(pk=entry.event.competition_id).results_version == before + 2


def test_restoring_a_deleted_entry_brings_back_its_evidence(entry):
    from competitions.recording import restore_entry

    scan, document = scan_of(entry), document_of(entry)
    pk = entry.pk
    entry.delete()
    assert not CertificateScan.objects.exists() and not document.entries.exists()
    restore_entry(Entry.history.filter(id=pk, history_type="-").latest())
    restored = CertificateScan.objects.get()
    assert (
        restored.pk == scan.pk
        and restored.file.name == scan.file.name
        and restored.preview.name == scan.preview.name
    )
    assert list(document.entries.values_list("pk", flat=True)) == [pk]
