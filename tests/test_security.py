"""Security: login throttling, Content-Security-Policy, request size caps, bounded page sizes."""

import csv
import io
import re
import runpy
from pathlib import Path

import pytest
from django.conf import settings as django_settings
from django.core.management import call_command
from django.test import Client
from django.urls import reverse
from django.utils import translation
from django.utils.translation import ngettext
from openpyxl import load_workbook

from competitions.exports import is_formula_like

BASE_DIR = Path(django_settings.BASE_DIR)
LOGIN = reverse("login")
ADMIN_LOGIN = reverse("admin:login")
PASSWORD = "a-long-test-password"

# --- Login throttling -----------------------------------------------------------------------------


@pytest.fixture
def accounts(django_user_model):
    return {
        name: django_user_model.objects.create_user(username=name, password=PASSWORD, is_staff=True)
        for name in ("teacher", "office")
    }


def attempt(client, username, password, url=LOGIN):
    return client.post(url, {"username": username, "password": password})


def fail(client, username, times, url=LOGIN):
    for _ in range(times):
        response = attempt(client, username, "wrong-password", url)
        assert response.status_code == 200  # the form again, with its error


@pytest.mark.django_db
def test_too_many_wrong_passwords_lock_the_account_out_even_with_the_right_one(accounts, settings):
    settings.AXES_FAILURE_LIMIT = 3
    client = Client(REMOTE_ADDR="192.0.2.10")
    fail(client, "teacher", 2)
    response = attempt(client, "teacher", "wrong-password")
    assert response.status_code == 429
    response = attempt(client, "teacher", PASSWORD)
    assert response.status_code == 429
    assert "_auth_user_id" not in client.session
    content = response.content.decode()
    # The app's layout, not axes' bare text.
    assert 'class="site-header"' in content
    assert "Too many failed login attempts. Try again in 15 minutes." in content


LOCKOUT_MESSAGE = "Too many failed login attempts. Try again in %(minutes)s minute."


@pytest.mark.django_db
def test_the_lockout_message_is_in_chinese_too(accounts, settings):
    with translation.override("zh-hans"):
        chinese = ngettext(LOCKOUT_MESSAGE, LOCKOUT_MESSAGE.replace("minute.", "minutes."), 15)
    if chinese.startswith("Too many"):
        pytest.skip("the lead merges this branch's translations (i10-security.po-fragment) into locale/")
    settings.AXES_FAILURE_LIMIT = 2
    client = Client(REMOTE_ADDR="192.0.2.10")
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "zh-hans"
    with translation.override("zh-hans"):
        fail(client, "teacher", 1)
        assert attempt(client, "teacher", "wrong-password").status_code == 429
        response = attempt(client, "teacher", PASSWORD)
    assert response.status_code == 429
    assert chinese % {"minutes": 15} in response.content.decode()
    assert '<html lang="zh-hans">' in response.content.decode()


@pytest.mark.django_db
def test_a_lockout_leaves_other_users_and_other_addresses_alone(accounts, settings):
    settings.AXES_FAILURE_LIMIT = 2
    attacker = Client(REMOTE_ADDR="192.0.2.10")
    fail(attacker, "teacher", 1)
    assert attempt(attacker, "teacher", "wrong-password").status_code == 429
    # The same address, another account.
    assert attempt(attacker, "office", PASSWORD).status_code == 302
    # The locked account from another address.
    colleague = Client(REMOTE_ADDR="192.0.2.99")
    response = attempt(colleague, "teacher", PASSWORD)
    assert response.status_code == 302 and colleague.session["_auth_user_id"] == str(accounts["teacher"].pk)


@pytest.mark.django_db
def test_a_successful_login_resets_the_count(accounts, settings):
    settings.AXES_FAILURE_LIMIT = 3
    client = Client(REMOTE_ADDR="192.0.2.10")
    fail(client, "teacher", 2)
    assert attempt(client, "teacher", PASSWORD).status_code == 302
    client.logout()
    fail(client, "teacher", 2)
    assert attempt(client, "teacher", PASSWORD).status_code == 302


@pytest.mark.django_db
def test_the_admin_login_is_throttled_too(accounts, settings):
    settings.AXES_FAILURE_LIMIT = 3
    client = Client(REMOTE_ADDR="192.0.2.10")
    fail(client, "office", 3 - 1, url=ADMIN_LOGIN)
    assert attempt(client, "office", "wrong-password", ADMIN_LOGIN).status_code == 429
    response = attempt(client, "office", PASSWORD, ADMIN_LOGIN)
    assert response.status_code == 429
    assert "Too many failed login attempts" in response.content.decode()
    # One count for both login pages: the app's login is locked for that pair as well.
    assert attempt(client, "office", PASSWORD).status_code == 429


def settings_with(monkeypatch, **environment) -> dict:
    """config/settings.py as it reads under these environment variables."""
    for name, value in environment.items():
        monkeypatch.setenv(name, value)
    return runpy.run_path(str(BASE_DIR / "config" / "settings.py"))


def test_limits_and_proxy_come_from_the_environment(monkeypatch):
    defaults = settings_with(monkeypatch, DJANGO_DEBUG="true")
    assert defaults["AXES_FAILURE_LIMIT"] == 5
    assert defaults["AXES_COOLOFF_TIME"].total_seconds() == 15 * 60
    assert defaults["AXES_IPWARE_META_PRECEDENCE_ORDER"] == ("REMOTE_ADDR",)
    assert defaults["AUTHENTICATION_BACKENDS"][0] == "axes.backends.AxesStandaloneBackend"
    assert defaults["MIDDLEWARE"][-1] == "axes.middleware.AxesMiddleware"
    behind_nginx = settings_with(
        monkeypatch, LOGIN_FAILURE_LIMIT="10", LOGIN_COOLOFF_MINUTES="30", DJANGO_PROXY_COUNT="1"
    )
    assert behind_nginx["AXES_FAILURE_LIMIT"] == 10
    assert behind_nginx["AXES_COOLOFF_TIME"].total_seconds() == 30 * 60
    assert behind_nginx["AXES_IPWARE_PROXY_COUNT"] == 0
    assert behind_nginx["AXES_IPWARE_META_PRECEDENCE_ORDER"][0] == "HTTP_X_FORWARDED_FOR"


@pytest.mark.django_db
def test_behind_a_proxy_each_client_address_counts_on_its_own(accounts, settings, monkeypatch):
    behind_nginx = settings_with(monkeypatch, DJANGO_DEBUG="true", DJANGO_PROXY_COUNT="1")
    settings.AXES_IPWARE_PROXY_COUNT = behind_nginx["AXES_IPWARE_PROXY_COUNT"]
    settings.AXES_IPWARE_META_PRECEDENCE_ORDER = behind_nginx["AXES_IPWARE_META_PRECEDENCE_ORDER"]
    settings.AXES_FAILURE_LIMIT = 2
    # Every request comes from nginx on 127.0.0.1; X-Forwarded-For names the client.
    attacker = Client(REMOTE_ADDR="127.0.0.1", HTTP_X_FORWARDED_FOR="203.0.113.5")
    fail(attacker, "teacher", 1)
    assert attempt(attacker, "teacher", "wrong-password").status_code == 429
    assert attempt(attacker, "teacher", PASSWORD).status_code == 429
    colleague = Client(REMOTE_ADDR="127.0.0.1", HTTP_X_FORWARDED_FOR="203.0.113.6")
    assert attempt(colleague, "teacher", PASSWORD).status_code == 302


# --- Content-Security-Policy ------------------------------------------------------------------------

# What a strict policy blocks: a <script> without src, a <style> element, a style="" attribute, an
# on*= handler and a javascript: URL.
INLINE_SCRIPT = re.compile(r"<script\b(?![^>]*\bsrc=)[^>]*>", re.IGNORECASE)
INLINE_CODE = {
    "inline <script>": INLINE_SCRIPT,
    "<style> element": re.compile(r"<style\b", re.IGNORECASE),
    'style="" attribute': re.compile(r"""\sstyle\s*=\s*["'{]""", re.IGNORECASE),
    "on*= handler": re.compile(r"""\son[a-z]+\s*=\s*["'{]""", re.IGNORECASE),
    "javascript: URL": re.compile(r"javascript:", re.IGNORECASE),
}


def inline_code(html: str) -> list[str]:
    return [
        f"{what}: {match[0]!r}" for what, pattern in INLINE_CODE.items() for match in pattern.finditer(html)
    ]


def test_the_policy_allows_nothing_inline_and_nothing_from_elsewhere(client):
    response = client.get(LOGIN)
    policy = response["Content-Security-Policy"]
    directives = dict(
        (part.split()[0], part.split()[1:]) for part in (p.strip() for p in policy.split(";")) if part
    )
    assert directives["default-src"] == ["'self'"]
    for directive in ("script-src", "style-src"):
        assert directives[directive] == ["'self'"]
    assert directives["object-src"] == ["'none'"]
    assert directives["frame-ancestors"] == ["'none'"]
    assert "unsafe-inline" not in policy and "unsafe-eval" not in policy


@pytest.mark.parametrize(
    "template", sorted(str(p.relative_to(BASE_DIR)) for p in (BASE_DIR / "templates").rglob("*.html"))
)
def test_no_template_has_inline_script_style_or_handlers(template):
    assert inline_code((BASE_DIR / template).read_text(encoding="utf-8")) == []


def test_no_python_module_writes_inline_style_or_handlers():
    # Table cells and charts are built in Python (format_html); they obey the same policy.
    offenders = []
    for folder in ("competitions", "students", "config"):
        for path in (BASE_DIR / folder).rglob("*.py"):
            if "migrations" in path.parts:
                continue
            found = inline_code(path.read_text(encoding="utf-8"))
            offenders += [f"{path.relative_to(BASE_DIR)}: {item}" for item in found]
    assert offenders == []


@pytest.mark.django_db
def test_the_app_pages_carry_the_policy_and_no_inline_code(user_client):
    from tests.factories import make_entry, make_event, make_student

    student = make_student("李文博")
    entry = make_entry(make_event(), members=[student], award="金牌")
    pages = [
        reverse("competitions:competition-list"),
        reverse("competitions:leaderboard"),
        reverse("competitions:pivot"),
        reverse("competitions:annual-summary"),
        reverse("competitions:skill-list"),
        reverse("students:student-list"),
        reverse("students:coach-list"),
        reverse("students:department-list"),
        entry.event.competition.get_absolute_url(),
        student.get_absolute_url(),
    ]
    for url in pages:
        response = user_client.get(url)
        assert response.status_code == 200, url
        assert "Content-Security-Policy" in response, url
        assert inline_code(response.content.decode()) == [], url


@pytest.mark.django_db
def test_the_admin_works_under_the_policy(staff_client):
    from tests.factories import make_entry, make_event, make_student

    entry = make_entry(make_event(), members=[make_student()], award="金牌")
    pages = [
        reverse("admin:index"),
        reverse("admin:competitions_entry_changelist"),
        reverse("admin:competitions_entry_change", args=[entry.pk]),
        reverse("admin:competitions_competition_add"),
        reverse("admin:students_student_changelist"),
        reverse("admin:auth_user_changelist"),
    ]
    for url in pages:
        response = staff_client.get(url)
        assert response.status_code == 200, url
        assert "Content-Security-Policy" in response, url
        assert INLINE_SCRIPT.findall(response.content.decode()) == [], url


# --- Every export neutralises formulas ------------------------------------------------------------

EVIL = '=HYPERLINK("http://evil.example","点我")'


def csv_cells(data: bytes) -> list[str]:
    return [cell for row in csv.reader(io.StringIO(data.decode("utf-8-sig"))) for cell in row]


def formula_cells_in_csv(data: bytes) -> list[str]:
    return [cell for cell in csv_cells(data) if is_formula_like(cell)]


def formula_cells_in_xlsx(data: bytes) -> list[str]:
    """Formula-like text cells that a spreadsheet would evaluate (no quote prefix), and formulas."""
    found = []
    for sheet in load_workbook(io.BytesIO(data)).worksheets:
        for row in sheet.iter_rows():
            for cell in row:
                if cell.data_type == "f" or (is_formula_like(cell.value) and not cell.quotePrefix):
                    found.append(str(cell.value))
    return found


@pytest.fixture
def hostile_names(db):
    from tests.factories import (
        home_organization,
        make_coach,
        make_department,
        make_entry,
        make_event,
        make_student,
    )

    home_organization()
    student = make_student(EVIL, department=make_department("@SUM(A1)"))
    coach = make_coach("+cmd|' /C calc'!A0")
    entry = make_entry(
        make_event(name="-2+3"), members=[student], coaches=[coach], award="金牌", organization=None
    )
    make_entry(make_event(name="团体"), members=["=1+2"], organization="@外校", award="银牌")
    return {"student": student, "coach": coach, "entry": entry}


def test_every_web_export_neutralises_formulas(user_client, hostile_names):
    year = hostile_names["entry"].event.competition.year
    exports = [
        (reverse("competitions:leaderboard"), {"by": by})
        for by in ("students", "organizations", "coaches", "departments")
    ] + [
        (reverse("competitions:pivot-entries"), {"year": year}),
        (reverse("students:student-list"), {}),
        (reverse("students:coach-list"), {}),
        (hostile_names["student"].get_absolute_url(), {}),
    ]
    seen_evil = False
    for url, params in exports:
        for export_format in ("csv", "xlsx"):
            response = user_client.get(url, {**params, "_export": export_format})
            assert response.status_code == 200, (url, params, export_format)
            assert response["Content-Disposition"].startswith("attachment"), (url, params, export_format)
            if export_format == "csv":
                assert formula_cells_in_csv(response.content) == [], (url, params)
                seen_evil |= ("'" + EVIL) in csv_cells(response.content)
            else:
                assert formula_cells_in_xlsx(response.content) == [], (url, params)
    assert seen_evil
    summary = user_client.get(reverse("competitions:annual-summary-xlsx", args=[year]))
    assert summary.status_code == 200
    assert formula_cells_in_xlsx(summary.content) == []


def test_the_command_line_csv_neutralises_formulas(hostile_names):
    competition = hostile_names["entry"].event.competition
    for by in ("organization", "student", "coach", "department"):
        out = io.StringIO()
        call_command(
            "medal_table", "--competition", competition.name, "--by", by, "--format", "csv", stdout=out
        )
        assert formula_cells_in_csv(out.getvalue().encode()) == [], by


# --- Page sizes ---------------------------------------------------------------------------------


def test_page_size_takes_the_default_for_bad_values_and_caps_big_ones():
    from competitions.pagination import MAX_PER_PAGE, page_size

    assert [page_size(value, 25) for value in (None, "", "abc", "-1", "0", "1.5", "  ")] == [25] * 7
    assert [page_size(value, 25) for value in ("1", "80", str(MAX_PER_PAGE))] == [1, 80, MAX_PER_PAGE]
    assert page_size("1000000", 25) == MAX_PER_PAGE == 200
    assert page_size("9" * 40, 25) == MAX_PER_PAGE


@pytest.fixture
def many_rows(db):
    """More than the largest page of every list: competitions, skills, students, coaches, entries."""
    from competitions.models import Competition, Level, Organization, Skill
    from students.models import Coach, Department, Student

    home = Organization.objects.create(name="本校技师学院", is_home=True)
    department = Department.objects.create(name="机器人系")
    n = 205
    students = Student.objects.bulk_create(
        Student(name=f"学生{i}", name_pinyin=f"xuesheng{i:03}", department=department) for i in range(n)
    )
    Coach.objects.bulk_create(Coach(name=f"教练{i}", name_pinyin=f"jiaolian{i:03}") for i in range(n))
    competitions = Competition.objects.bulk_create(
        Competition(name=f"大赛{i}", year=2023, level=Level.NATIONAL) for i in range(n)
    )
    Skill.objects.bulk_create(Skill(name=f"技能{i}") for i in range(n))
    return {"home": home, "department": department, "students": students, "competitions": competitions}


def list_pages(many_rows) -> list[tuple[str, dict, int]]:
    """(URL, query, default page size) of every paginated list."""
    return [
        (reverse("competitions:competition-list"), {}, 25),
        (reverse("competitions:skill-list"), {}, 50),
        (reverse("students:student-list"), {}, 50),
        (reverse("students:coach-list"), {}, 50),
        (reverse("students:department-detail", args=[many_rows["department"].pk]), {}, 50),
        (reverse("competitions:leaderboard"), {"by": "students"}, 50),
        (reverse("competitions:pivot-entries"), {"year": 2023}, 50),
    ]


@pytest.mark.parametrize(
    "per_page, expected", [("-1", None), ("0", None), ("abc", None), ("1000000", 200), ("7", 7)]
)
def test_every_list_bounds_per_page(user_client, many_rows, per_page, expected):
    for url, query, default in list_pages(many_rows):
        response = user_client.get(url, {**query, "per_page": per_page})
        assert response.status_code == 200, (url, per_page)
        table = response.context["table"]
        assert table.paginator.per_page == (expected or default), (url, per_page)
        assert len(table.page.object_list) <= table.paginator.per_page


# --- Request size cap ------------------------------------------------------------------------------


@pytest.mark.django_db
def test_a_request_over_the_cap_gets_a_413_page_before_its_body_is_read(staff_client, settings, tmp_path):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from competitions.models import Photo
    from tests.factories import make_competition

    settings.MEDIA_ROOT = tmp_path
    settings.REQUEST_MAX_BYTES = 10_000

    url = reverse("competitions:photo-upload", args=[make_competition().pk])
    big = SimpleUploadedFile("big.jpg", b"\xff" * 20_000, content_type="image/jpeg")
    response = staff_client.post(url, {"images": [big]})
    assert response.status_code == 413
    content = response.content.decode()
    assert 'class="site-header"' in content  # the site's layout
    assert "this site accepts at most 9.8\xa0KB at a time. Nothing was saved." in content
    assert Photo.objects.count() == 0 and not any(tmp_path.rglob("*.jpg"))
    # Under the cap the same page answers as usual.
    assert staff_client.get(url).status_code == 200


def test_a_declared_length_over_the_cap_is_refused_for_anyone(client, settings):
    settings.REQUEST_MAX_BYTES = 1000
    response = client.post(LOGIN, {"username": "x", "password": "y"}, CONTENT_LENGTH="5000000")
    assert response.status_code == 413


def test_the_caps_let_the_largest_sheet_and_photo_through_and_stream_files_to_disk(monkeypatch):
    values = settings_with(monkeypatch, DJANGO_DEBUG="true")
    assert values["REQUEST_MAX_BYTES"] > values["IMPORT_MAX_BYTES"]
    assert values["REQUEST_MAX_BYTES"] > values["PHOTO_MAX_BYTES"]
    # Files above this size are written to a temporary file as they arrive, not held in memory.
    assert values["FILE_UPLOAD_MAX_MEMORY_SIZE"] <= 2_621_440
    assert values["DATA_UPLOAD_MAX_MEMORY_SIZE"] < values["REQUEST_MAX_BYTES"]
    assert settings_with(monkeypatch, REQUEST_MAX_BYTES="1048576")["REQUEST_MAX_BYTES"] == 1_048_576
