import io
import json
import re
import zipfile
from datetime import timedelta

import pytest
from django.contrib.auth.models import Group
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import OperationalError
from django.test import Client, TestCase
from django.urls import resolve, reverse
from django.utils import timezone
from django.utils.html import escape
from django.utils.translation import gettext, override
from openpyxl import Workbook, load_workbook

from competitions import importing
from competitions.aggregates import verify
from competitions.importing import import_sheet, plan_import, read_sheet
from competitions.models import Competition, Entry, EntryMember, Event, SheetImport
from competitions.roles import OFFICE, TEACHERS
from students.models import Coach, Student
from tests.factories import home_organization, make_competition, make_department, make_student

pytestmark = pytest.mark.django_db

HOME = "本校技师学院"
COMPETITION = "中华人民共和国第二届职业技能大赛"
HEADER = ["赛事", "年份", "级别", "赛项", "单位", "选手", "学号", "指导教师", "奖项", "名次"]
HOME_TEAM = ["蒋家俊、李文博", "S001、S002", "王老师"]  # competitors, student numbers, coaches
GOOD_ROWS = [
    [COMPETITION, "2023", "国家级", "移动机器人", HOME, *HOME_TEAM, "金牌", "1"],
    [COMPETITION, "2023", "国家级", "移动机器人", "外省技师学院", "张三,李四", "", "", "银牌", "2"],
    [COMPETITION, "2023", "national", "机电一体化", HOME, "", "", "", "铜牌", ""],
    [COMPETITION, "2023", "国家级", "机电一体化", HOME, "", "", "", "铜牌", ""],
]
UPLOAD = reverse("competitions:import-upload")
TEMPLATE = reverse("competitions:import-template")


def csv_bytes(rows, encoding="utf-8"):
    def quoted(cell):
        return f'"{cell}"' if "," in cell or "\n" in cell else cell

    return "\r\n".join(",".join(map(quoted, row)) for row in rows).encode(encoding)


def xlsx_bytes(rows):
    workbook = Workbook()
    for row in rows:
        workbook.active.append([int(cell) if cell.isdigit() and len(cell) < 6 else cell for cell in row])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def with_cell(row_index, column, value, rows=GOOD_ROWS):
    rows = [list(row) for row in rows]
    rows[row_index][HEADER.index(column)] = value
    return rows


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    # The tasks a request queues run when it has answered, in this process (as a worker would).
    settings.TASKS = {"default": {"BACKEND": "django.tasks.backends.immediate.ImmediateBackend"}}
    settings.TASK_PROGRESS_DIR = tmp_path / "progress"
    return tmp_path


class TaskClient(Client):
    """A test client whose requests' on-commit callbacks (the queued tasks) run when they answer."""

    def request(self, **request):
        with TestCase.captureOnCommitCallbacks(execute=True):
            return super().request(**request)


@pytest.fixture(autouse=True)
def home():
    return home_organization()


def member_of(django_user_model, username, role):
    user = django_user_model.objects.create_user(username, password="a-long-test-password")
    user.groups.add(Group.objects.get(name=role))
    return user


@pytest.fixture
def office(django_user_model):
    return member_of(django_user_model, "office", OFFICE)


@pytest.fixture
def office_client(office):
    client = TaskClient()
    client.force_login(office)
    return client


def client_for(user):
    client = TaskClient()
    client.force_login(user)
    return client


def upload(client, data, name="results.csv"):
    return client.post(UPLOAD, {"sheet": SimpleUploadedFile(name, data)})


def upload_token(client, data, name="results.csv"):
    response = upload(client, data, name)
    assert response.status_code == 302, response.context["form"].errors if response.context else response
    return resolve(response.url).kwargs["token"]


def preview_url(token):
    return reverse("competitions:import-preview", args=[token])


def stored_files(media):
    """The uploads kept, with their state and whether they still hold the file."""
    return sorted((job.token, job.state, bool(job.data)) for job in SheetImport.objects.all())


def apply(client, token, **data):
    """Click Apply; when the answer is the upload's own page (the task's progress), open it."""
    response = client.post(preview_url(token), {"action": "apply", **data})
    if response.status_code == 302 and response.url == preview_url(token):
        return client.get(response.url)
    return response


def counts():
    return (
        Competition.objects.count(),
        Event.objects.count(),
        Entry.objects.count(),
        EntryMember.objects.count(),
        Student.objects.count(),
        Coach.objects.count(),
    )


def test_a_good_sheet_is_previewed_then_applied_and_audited(office_client, office, media, settings):
    data = csv_bytes([HEADER, *GOOD_ROWS])
    token = upload_token(office_client, data)
    job = SheetImport.objects.get()
    assert (job.token, job.filename, job.user, bytes(job.data)) == (token, "results.csv", office, data)
    assert job.state == SheetImport.State.CHECKED

    page = office_client.get(preview_url(token)).content.decode()
    assert Entry.objects.count() == 0
    assert '<dd id="count-entries">4</dd>' in page and '<dd id="count-present">0</dd>' in page
    for created in [
        f"{COMPETITION} (2023)",
        "移动机器人",
        "机电一体化",
        "外省技师学院",
        "蒋家俊 (S001)",
        "李文博 (S002)",
        "王老师",
    ]:
        assert created in page
    assert "张三、李四" in page  # an outside team's members, as written
    assert 'value="apply"' in page

    response = apply(office_client, token)
    competition = Competition.objects.get()
    assert response.status_code == 302 and response.url == competition.get_absolute_url()
    assert Entry.objects.count() == 4 and EntryMember.objects.count() == 4
    assert Entry.history.filter(history_type="+", history_user=office).count() == 4
    assert EntryMember.history.filter(history_user=office).count() == 4
    # The sheet (personal data) is gone; a receipt is kept for a second click on Apply.
    assert stored_files(media) == [(token, "applied", False)]
    job.refresh_from_db()
    assert (job.outcome["entries"], job.outcome["present"]) == (4, 0)
    assert job.outcome["url"] == competition.get_absolute_url() and job.preview is None
    with override(settings.LANGUAGE_CODE):
        added = gettext("Added %(entries)d entries (%(present)d already present).")
    added %= {"entries": 4, "present": 0}
    shown = [str(message) for message in office_client.get(UPLOAD).context["messages"]]
    assert len(shown) == 1 and shown[0].startswith(added)


def test_bad_rows_are_all_listed_no_apply_button_and_applying_anyway_saves_nothing(office_client, media):
    rows = with_cell(1, "级别", "宇宙级", with_cell(3, "奖项", "金杯"))
    data = csv_bytes([HEADER, *rows])
    token = upload_token(office_client, data)
    errors = plan_import(read_sheet(data, "results.csv")).errors
    assert [error.row for error in errors] == [3, 5]

    page = office_client.get(preview_url(token)).content.decode()
    # The unknown award's message links to the vocabulary page, where the office adds it.
    vocabulary = f'<a href="{reverse("competitions:award-list")}">award vocabulary</a>'
    for error in errors:
        text = escape(str(error)).replace("award vocabulary", vocabulary)
        assert f'<li data-row="{error.row}">{text}</li>' in page
    assert vocabulary in page
    assert "宇宙级" in page and "金杯" in page
    assert 'value="apply"' not in page

    before = counts()
    response = apply(office_client, token)
    assert response.status_code == 200
    assert counts() == before
    assert "宇宙级" in response.content.decode()
    assert "The sheet has bad rows; nothing was imported." in response.content.decode()
    # The upload is kept, so the office can still look at it (or discard it).
    assert stored_files(media) == [(token, "checked", True)]


def test_rows_that_turn_bad_after_the_preview_are_refused_at_apply(office_client, media):
    token = upload_token(office_client, csv_bytes([HEADER, *GOOD_ROWS]))
    assert 'value="apply"' in office_client.get(preview_url(token)).content.decode()
    # Meanwhile someone records the competition at another level.
    make_competition(COMPETITION, year=2023, level="provincial")
    before = counts()
    response = apply(office_client, token)
    assert response.status_code == 200
    assert counts() == before
    page = response.content.decode()
    assert 'data-row="2"' in page and 'value="apply"' not in page
    assert "The sheet has bad rows now; nothing was imported." in page
    assert stored_files(media) == [(token, "checked", True)]


@pytest.mark.parametrize(
    ("data", "name"),
    [
        pytest.param(csv_bytes([HEADER, *GOOD_ROWS], "gb18030"), "成绩.csv", id="gb18030"),
        pytest.param(b"\xef\xbb\xbf" + csv_bytes([HEADER, *GOOD_ROWS]), "results.csv", id="utf-8-bom"),
        pytest.param(xlsx_bytes([HEADER, *GOOD_ROWS]), "成绩.xlsx", id="xlsx"),
    ],
)
def test_gb18030_csv_and_xlsx_uploads_import(office_client, data, name):
    token = upload_token(office_client, data, name)
    page = office_client.get(preview_url(token)).content.decode()
    assert name in page and '<dd id="count-entries">4</dd>' in page
    apply(office_client, token)
    assert Entry.objects.count() == 4
    assert Student.objects.get(student_number="S001").name == "蒋家俊"


@pytest.mark.parametrize(
    ("data", "name", "expected"),
    [
        pytest.param(b"\x89PNG\r\n\x1a\n\x00\xff\xfe\xfd", "results.csv", "UTF-8", id="png-bytes-named-csv"),
        pytest.param(b"PK\x03\x04 not really a zip", "results.xlsx", "XLSX", id="broken-xlsx"),
        pytest.param(b"\x89PNG\r\n\x1a\n\x00", "photo.png", "CSV", id="png"),
        pytest.param(csv_bytes([[*HEADER[:-2], "奖品"], *GOOD_ROWS]), "results.csv", "奖品", id="bad-header"),
        pytest.param(csv_bytes([HEADER]), "results.csv", "", id="header-only"),
    ],
)
def test_an_unreadable_file_is_refused_on_the_form_and_nothing_is_saved(
    office_client, media, data, name, expected
):
    response = upload(office_client, data, name)
    assert response.status_code == 200
    errors = response.context["form"].errors["sheet"]
    assert errors and expected in " ".join(errors)
    assert escape(errors[0]) in response.content.decode()
    assert stored_files(media) == []
    assert Entry.objects.count() == 0


def test_a_file_over_the_size_limit_is_refused(office_client, media, settings):
    settings.IMPORT_MAX_BYTES = 100
    response = upload(office_client, csv_bytes([HEADER, *GOOD_ROWS]))
    assert response.status_code == 200
    assert "100" in " ".join(response.context["form"].errors["sheet"])
    assert stored_files(media) == []


def test_the_upload_page_has_the_form_and_the_template_link(office_client):
    page = office_client.get(UPLOAD).content.decode()
    assert 'enctype="multipart/form-data"' in page and 'name="sheet"' in page
    assert "csrfmiddlewaretoken" in page
    assert TEMPLATE in page


def test_forms_need_the_csrf_token(office):
    client = Client(enforce_csrf_checks=True)
    client.force_login(office)
    assert upload(client, csv_bytes([HEADER, *GOOD_ROWS])).status_code == 403


def test_teachers_are_refused_everywhere(office_client, django_user_model, media):
    token = upload_token(office_client, csv_bytes([HEADER, *GOOD_ROWS]))
    teacher = client_for(member_of(django_user_model, "teacher", TEACHERS))
    for url in [UPLOAD, preview_url(token), TEMPLATE]:
        assert teacher.get(url).status_code == 403
    assert upload(teacher, csv_bytes([HEADER, *GOOD_ROWS])).status_code == 403
    assert teacher.post(preview_url(token), {"action": "apply"}).status_code == 403
    assert Entry.objects.count() == 0
    assert len(stored_files(media)) == 1


def test_anonymous_users_are_sent_to_log_in(client, office_client):
    token = upload_token(office_client, csv_bytes([HEADER, *GOOD_ROWS]))
    anonymous = Client()
    for url in [UPLOAD, preview_url(token), TEMPLATE]:
        response = anonymous.get(url)
        assert response.status_code == 302 and response.url.startswith(reverse("login"))
    assert anonymous.post(preview_url(token)).status_code == 302
    assert Entry.objects.count() == 0


def test_only_the_uploader_or_a_superuser_can_open_a_token(office_client, django_user_model):
    token = upload_token(office_client, csv_bytes([HEADER, *GOOD_ROWS]))
    colleague = client_for(member_of(django_user_model, "colleague", OFFICE))
    assert colleague.get(preview_url(token)).status_code == 404
    assert colleague.post(preview_url(token), {"action": "apply"}).status_code == 404
    assert colleague.post(preview_url(token), {"action": "discard"}).status_code == 404
    assert Entry.objects.count() == 0
    admin = client_for(django_user_model.objects.create_superuser("admin", password="a-long-test-password"))
    assert admin.get(preview_url(token)).status_code == 200


@pytest.mark.parametrize(
    "path",
    [
        "/competitions/import/../../etc/",
        "/competitions/import/..%2F..%2Fetc/",
        "/competitions/import/%2E%2E/",
        "/competitions/import/..%5C..%5Cnotes/",
        "/competitions/import/notes/",
        "/competitions/import/0123456789ABCDEF0123456789ABCDEF/",
        "/competitions/import/0123456789abcdef0123456789abcdef/",
    ],
)
def test_a_malformed_or_unknown_token_is_not_found(office_client, office, media, path):
    # Files an attacker would like the view to read: only hex tokens of 32 digits are looked up.
    (media / "imports").mkdir()
    for name in ["notes", "..\\..\\notes"]:
        (media / "imports" / name).write_bytes(csv_bytes([HEADER, *GOOD_ROWS]))
        (media / "imports" / f"{name}.json").write_text(json.dumps({"filename": "x.csv", "user": office.pk}))
    assert office_client.get(path).status_code == 404
    assert office_client.post(path, {"action": "apply"}).status_code == 404
    assert Entry.objects.count() == 0


def shown_messages(client):
    return [str(message) for message in client.get(UPLOAD).context["messages"]]


def test_applying_twice_adds_nothing_the_second_time(office_client, media):
    data = csv_bytes([HEADER, *GOOD_ROWS])
    token = upload_token(office_client, data)
    first = apply(office_client, token)
    assert first.status_code == 302
    shown_messages(office_client)
    before = counts()
    # A double click, or Apply in a second tab: nothing added, and the page says why.
    for method in (office_client.post, office_client.get):
        second = method(preview_url(token), {"action": "apply"})
        assert second.status_code == 302 and second.url == first.url
        assert counts() == before
        assert shown_messages(office_client) == [
            "“results.csv” has already been imported: 4 entries were added then (0 already present). "
            "Nothing was added again."
        ]
    # Discarding it afterwards does not pretend it was not imported.
    office_client.post(preview_url(token), {"action": "discard"})
    assert stored_files(media) == [(token, "applied", False)]

    again = upload_token(office_client, data)
    page = office_client.get(preview_url(again)).content.decode()
    assert '<dd id="count-entries">0</dd>' in page and '<dd id="count-present">4</dd>' in page
    assert "2–5" in page  # the rows already recorded
    # Nothing to apply: the page says so and offers no Apply ("Import 0 entries").
    assert "Nothing new to import: all 4 rows are already recorded." in page
    assert 'value="apply"' not in page and "Import 0 entries" not in page
    response = apply(office_client, again)
    assert response.status_code == 302 and response.url == UPLOAD
    assert counts() == before
    assert stored_files(media) == sorted([(token, "applied", False), (again, "applied", False)])


def test_an_upload_can_be_discarded(office_client, media):
    token = upload_token(office_client, csv_bytes([HEADER, *GOOD_ROWS]))
    response = office_client.post(preview_url(token), {"action": "discard"})
    assert response.status_code == 302 and response.url == UPLOAD
    assert stored_files(media) == []
    assert office_client.get(preview_url(token)).status_code == 404
    assert Entry.objects.count() == 0


def test_names_in_the_sheet_are_escaped_in_the_preview(office_client):
    rows = with_cell(1, "单位", '<script>alert(1)</script>"><svg onload=alert(2)>')
    token = upload_token(office_client, csv_bytes([HEADER, *rows]))
    page = office_client.get(preview_url(token)).content.decode()
    assert "<script>alert" not in page and "<svg onload" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page


def test_the_template_downloads_as_a_valid_xlsx_sheet(office_client, home):
    response = office_client.get(TEMPLATE)
    assert response.status_code == 200
    assert response["Content-Type"] == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    disposition = response["Content-Disposition"]
    assert disposition.startswith("attachment")
    assert "filename*=utf-8''%E6%88%90%E7%BB%A9%E5%AF%BC%E5%85%A5%E6%A8%A1%E6%9D%BF.xlsx" in disposition
    data = b"".join(response.streaming_content)

    rows = read_sheet(data, "成绩导入模板.xlsx")
    # Only the header: the unedited template imports nothing (the example is on another sheet).
    assert rows == ["赛事 年份 级别 类别 赛项 单位 选手 学号 指导教师 奖项 名次 成绩 备注".split()]
    with pytest.raises(importing.SheetError, match="header but no rows"):
        plan_import(rows)
    workbook = load_workbook(io.BytesIO(data))
    assert workbook.sheetnames == ["Results", "Example", "Instructions"]
    sheet = workbook.worksheets[0]
    assert sheet["A1"].font.b and sheet.column_dimensions["A"].width > 20
    # The text columns are text, cell by cell and as the column's own format; year and rank are not.
    header = [cell.value for cell in sheet[1]]
    for title in ["学号", "成绩", "备注", "选手", "指导教师", "赛项"]:
        letter = sheet.cell(row=1, column=header.index(title) + 1).column_letter
        assert sheet.column_dimensions[letter].number_format == "@"
        assert {sheet[f"{letter}{row}"].number_format for row in range(2, 1002)} == {"@"}
    for title in ["年份", "名次"]:
        letter = sheet.cell(row=1, column=header.index(title) + 1).column_letter
        assert sheet[f"{letter}2"].number_format == "General"
    example = [cell.value for cell in workbook["Example"][2]]
    assert example[:7] == [COMPETITION, 2023, "国家级", "职业技能", "移动机器人", home.name, "张三、李四"]
    assert example[7] == "0210001、0210002"
    # The example, moved to the first sheet, is a valid sheet.
    plan = plan_import([rows[0], [str(value) for value in example]])
    assert plan.errors == []
    assert len(plan.to_add) == 1 and [s.name for s in plan.new_students] == ["张三", "李四"]
    assert [s.student_number for s in plan.new_students] == ["0210001", "0210002"]
    assert "Only the first sheet is imported" in " ".join(c.value for c in workbook["Instructions"]["A"])


def big_sheet(size):
    """`size` rows over 5 competitions and 100 team events; every tenth row is a home team."""
    rows = [HEADER]
    awards = ["金牌", "银牌", "铜牌", "优胜奖"]
    for i in range(size):
        competition = f"第{i % 5 + 1}届测试职业技能大赛"
        event = f"测试赛项{i % 100}"
        if i % 10 == 0:
            people = [HOME, f"学生{i}甲、学生{i}乙", f"T{i:05d}A、T{i:05d}B", f"教师{i // 10 % 30}"]
        else:
            people = [f"测试学院{i % 97}", f"选手{i}甲、选手{i}乙", "", ""]
        rows.append([competition, "2024", "省级", event, *people, awards[i % 4], str(i // 100 + 1)])
    return csv_bytes(rows)


def test_a_five_thousand_row_sheet_round_trips(office_client, office, media, django_assert_max_num_queries):
    data = big_sheet(5000)
    token = upload_token(office_client, data)

    with django_assert_max_num_queries(30):
        response = office_client.get(preview_url(token))
    page = response.content.decode()
    assert '<dd id="count-entries">5000</dd>' in page
    assert page.count('<td class="num">') == 2 * 200  # row number and rank of the 200 shown rows
    assert "4800" in page  # the rows not shown, counted exactly
    assert "测试学院96" in page

    response = apply(office_client, token)
    assert response.status_code == 302
    assert Entry.objects.count() == 5000
    assert EntryMember.objects.count() == 10000
    assert (Competition.objects.count(), Event.objects.count()) == (5, 100)
    assert Student.objects.filter(student_number__startswith="T").count() == 1000
    assert Coach.objects.count() == 30
    assert Entry.history.filter(history_user=office).count() == 5000

    again = upload_token(office_client, data)
    with django_assert_max_num_queries(30):
        page = office_client.get(preview_url(again)).content.decode()
    assert '<dd id="count-entries">0</dd>' in page and '<dd id="count-present">5000</dd>' in page
    assert "2–5001" in page
    apply(office_client, again)
    assert Entry.objects.count() == 5000


# ---------------------------------------------------------------------------------------------
# Apply re-checks inside the import lock (issue 9, section 4); parallel runs: test_import_concurrency.py


def test_rows_imported_by_someone_else_since_the_preview_are_not_added_again(office_client, media):
    token = upload_token(office_client, csv_bytes([HEADER, *GOOD_ROWS]))
    page = office_client.get(preview_url(token)).content.decode()
    assert '<input type="hidden" name="planned" value="4">' in page
    # Meanwhile a colleague imports two of the rows (one of the two identical unnamed rows among them).
    import_sheet(csv_bytes([HEADER, GOOD_ROWS[0], GOOD_ROWS[2]]), "colleague.csv")
    response = apply(office_client, token, planned="4")
    assert response.status_code == 302
    assert Entry.objects.count() == 4
    assert shown_messages(office_client) == [
        "Added 2 entries (2 already present). 2 of the rows to add in the preview had been recorded by "
        "someone else meanwhile; they were not added again. New organizations: 1"
    ]
    assert verify() == []


@pytest.mark.parametrize("planned", ["99999999999999999999", "-1", "²", "4e3"])
def test_a_forged_planned_count_imports_as_usual(office_client, media, planned):
    token = upload_token(office_client, csv_bytes([HEADER, *GOOD_ROWS]))
    response = apply(office_client, token, planned=planned)
    assert response.status_code == 302
    assert Entry.objects.count() == 4


def test_a_busy_database_at_apply_keeps_the_upload_and_says_to_try_again(office_client, media, monkeypatch):
    token = upload_token(office_client, csv_bytes([HEADER, *GOOD_ROWS]))

    def busy(keys):
        raise OperationalError("database is locked")

    monkeypatch.setattr(importing, "lock_competitions", busy)
    response = office_client.post(preview_url(token), {"action": "apply", "planned": "4"})
    assert response.status_code == 302 and response.url == preview_url(token)
    assert Entry.objects.count() == 0
    page = office_client.get(preview_url(token)).content.decode()
    assert "saved at the same time, so nothing was imported. Please try again in a minute." in page
    assert 'value="apply"' in page
    assert stored_files(media) == [(token, "checked", True)]
    monkeypatch.undo()
    assert apply(office_client, token).status_code == 302
    assert Entry.objects.count() == 4


def test_apply_while_another_request_applies_the_same_upload(office_client, office, media):
    token = upload_token(office_client, csv_bytes([HEADER, *GOOD_ROWS]))
    # The first click's task is queued or at work.
    SheetImport.objects.filter(token=token).update(state=SheetImport.State.APPLYING)
    response = office_client.post(preview_url(token), {"action": "apply"})
    assert response.status_code == 302 and response.url == preview_url(token)
    assert Entry.objects.count() == 0
    # The progress page shows, with what happened to the second click.
    page = office_client.get(preview_url(token)).content.decode()
    assert (
        "This upload is still being imported by another request (a second click or another tab); this one "
        "added nothing. Reload this page in a moment to see the outcome."
    ) in page
    assert "<progress" in page
    # Discarding waits for it.
    office_client.post(preview_url(token), {"action": "discard"})
    assert stored_files(media) == [(token, "applying", True)]
    # The first click fails (say, a bad row) and gives the upload back: the second one applies it.
    SheetImport.objects.filter(token=token).update(state=SheetImport.State.CHECKED)
    assert apply(office_client, token).status_code == 302
    assert Entry.objects.count() == 4


def test_an_apply_left_by_a_dead_worker_can_be_run_again(office_client, office, media, settings):
    token = upload_token(office_client, csv_bytes([HEADER, *GOOD_ROWS]))
    # Its worker was killed: the upload stays "being imported", its progress long silent.
    long_ago = timezone.now() - timedelta(seconds=settings.TASK_STUCK_SECONDS + 60)
    SheetImport.objects.filter(token=token).update(state=SheetImport.State.APPLYING, started_at=long_ago)
    page = office_client.get(preview_url(token)).content.decode()
    assert 'value="retry"' in page and "Nothing was saved by it" in page
    response = office_client.post(preview_url(token), {"action": "retry"})
    assert response.status_code == 302 and response.url == preview_url(token)
    assert Entry.objects.count() == 4
    assert office_client.get(preview_url(token)).url == Competition.objects.get().get_absolute_url()
    assert stored_files(media) == [(token, "applied", False)]


# New people and their near matches (DOMAIN.md rule 10), numbers that find nobody (rule 9)


def confirmation_of(page: str) -> str:
    return re.search(r'name="confirm_people" value="(\w+)"', page)[1]


def test_the_preview_lists_new_people_with_near_matches_and_apply_needs_a_confirmation(office_client, media):
    robots = make_department("机器人系")
    make_student("蒋家俊", student_number="20210001", department=robots, cohort_year=2021)
    make_student("郑泽鑫", student_number="20210002")
    rows = [
        [COMPETITION, "2023", "国家级", "移动机器人", HOME, "蒋家骏", "", "", "金牌", "1"],
        [COMPETITION, "2023", "国家级", "机电一体化", HOME, "郑泽鑫", "20219999", "", "银牌", "2"],
        [COMPETITION, "2023", "国家级", "机电一体化", HOME, "李明", "", "", "铜牌", "3"],
    ]
    token = upload_token(office_client, csv_bytes([HEADER, *rows]))
    page = office_client.get(preview_url(token)).content.decode()
    assert "蒋家骏" in page and escape("蒋家俊（20210001） · 机器人系 · cohort 2021") in page
    assert "same pinyin" in page
    assert "郑泽鑫（20219999）" in page and "郑泽鑫（20210002）" in page and "same name" in page
    assert "李明" in page  # new, with no near match
    assert 'name="confirm_people"' in page

    before = counts()
    response = apply(office_client, token)
    assert response.status_code == 200 and counts() == before
    assert "Confirm the new people" in response.content.decode()
    assert stored_files(media) == [(token, "checked", True)]
    response = apply(office_client, token, confirm_people="not-the-list")
    assert response.status_code == 200 and counts() == before

    response = apply(office_client, token, confirm_people=confirmation_of(page))
    assert response.status_code == 302
    assert Entry.objects.count() == 3
    assert set(Student.objects.values_list("name", flat=True)) == {"蒋家俊", "蒋家骏", "郑泽鑫", "李明"}


def test_a_confirmation_does_not_cover_a_near_match_recorded_after_the_preview(office_client):
    make_student("蒋家俊", student_number="20210001")
    rows = [[COMPETITION, "2023", "国家级", "移动机器人", HOME, "蒋家骏、郑泽鑫", "", "", "金牌", "1"]]
    token = upload_token(office_client, csv_bytes([HEADER, *rows]))
    page = office_client.get(preview_url(token)).content.decode()
    make_student("郑泽馨", student_number="20210002")  # meanwhile: now 郑泽鑫 has a near match too
    response = apply(office_client, token, confirm_people=confirmation_of(page))
    assert response.status_code == 200 and not Entry.objects.exists()
    assert "郑泽馨（20210002）" in response.content.decode()


def test_the_preview_notes_numbers_of_other_organizations_that_find_no_home_student(office_client):
    jiang = make_student("蒋家俊", student_number="20210001")
    rows = [
        [
            COMPETITION,
            "2023",
            "国家级",
            "移动机器人",
            "广东省代表团",
            "蒋家俊、王五",
            "20210001、20219999",
            "",
            "金牌",
            "1",
        ],
    ]
    token = upload_token(office_client, csv_bytes([HEADER, *rows]))
    page = office_client.get(preview_url(token)).content.decode()
    assert '<li data-row="2">' in page and "20219999" in page
    assert 'name="confirm_people"' not in page  # nobody new
    assert apply(office_client, token).status_code == 302
    members = Entry.objects.get().members.order_by("position")
    assert [(m.name, m.student) for m in members] == [("蒋家俊", jiang), ("王五", None)]


def people_sheet(size):
    """`size` home rows, each a known student of the 机器人系 and a new one a character away."""
    rows = [HEADER]
    for i in range(size):
        rows.append(
            [
                COMPETITION,
                "2023",
                "国家级",
                f"赛项{i}",
                HOME,
                f"老生{i:03d}号、老生{i:03d}",
                "",
                "",
                "金牌",
                "1",
            ]
        )
    return csv_bytes(rows)


def test_the_preview_of_new_people_makes_a_bounded_number_of_queries_for_10_or_100_rows(
    office_client, django_assert_max_num_queries
):
    robots = make_department("机器人系")
    for i in range(100):
        make_student(f"老生{i:03d}号", student_number=f"S{i:04d}", department=robots, cohort_year=2021)
    # Close names are asked for in one query per ~900 conditions (about 50 new people of five
    # characters): 100 new people take one query more than 10 do.
    budget = 16
    for size in (10, 100):
        token = upload_token(office_client, people_sheet(size))
        with django_assert_max_num_queries(budget):
            page = office_client.get(preview_url(token)).content.decode()
        assert page.count("name one character away") == size


def test_numbers_and_dates_where_text_was_meant_are_flagged_in_the_preview(office_client, home):
    """A student number that lost its leading zeros is a near match of the recorded one, and the
    preview says which cells a spreadsheet stored as numbers or dates (issue 11 §10)."""
    import datetime

    zhang = make_student("张三", student_number="0210001")
    workbook = Workbook()
    sheet = workbook.active
    sheet.append([*HEADER, "成绩"])
    sheet.append([COMPETITION, 2023, "国家级", "移动机器人", HOME, "张三", 210001, "", "金牌", 1, "95"])
    sheet.append([COMPETITION, 2023, "国家级", "机电一体化", HOME, "李四", "0210002", "", "银牌", 2, None])
    sheet["K3"] = datetime.datetime(2026, 1, 2)  # a score typed 1/2
    sheet["K3"].number_format = "m/d/yy"
    buffer = io.BytesIO()
    workbook.save(buffer)
    token = upload_token(office_client, buffer.getvalue(), "results.xlsx")
    page = office_client.get(preview_url(token)).content.decode()
    assert "Check these cells" in page
    assert (
        escape(
            "Row 2, 学号: the student number arrived as a number (210001); if it had leading zeros, they are lost"
        )
        in page
    )
    assert "Row 3, 成绩: the cell is a date or time cell, read as 2026-01-02" in page
    # Not a new student without a word: a near match to confirm.
    assert "张三（0210001）" in page and "same number but for leading zeros" in page
    assert 'name="confirm_people"' in page
    assert Student.objects.get() == zhang


def test_xls_and_ods_uploads_get_the_readers_message_and_unicode_text_is_accepted(office_client, home):
    xls = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 500
    response = upload(office_client, xls, "results.xls")
    errors = " ".join(response.context["form"].errors["sheet"])
    assert "(.xls)" in errors and "save it as .xlsx" in errors and "CSV UTF-8" in errors
    ods = io.BytesIO()
    with zipfile.ZipFile(ods, "w") as archive:
        archive.writestr("mimetype", "application/vnd.oasis.opendocument.spreadsheet")
    errors = " ".join(upload(office_client, ods.getvalue(), "results.ods").context["form"].errors["sheet"])
    assert "(.ods)" in errors and "save it as .xlsx" in errors
    # Excel's "Unicode text" (UTF-16, tab-separated, saved as .txt) is read as on the command line.
    text = "\r\n".join("\t".join(row) for row in [HEADER, *GOOD_ROWS]).encode("utf-16")
    token = upload_token(office_client, text, "results.txt")
    assert '<dd id="count-entries">4</dd>' in office_client.get(preview_url(token)).content.decode()
