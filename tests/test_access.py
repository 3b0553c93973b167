"""Every URL × every role → the expected status (issue: roles).

The test walks the URL configuration, so a new page without an expectation here fails the suite.
"""

from datetime import date

import pytest
from django.contrib.auth.models import Group, User
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.utils import timezone

from competitions import roles, tokens
from competitions.models import CertificateScan, Entry, Honour, Photo, ResultDocument
from students.models import Department
from tests.factories import make_coach, make_competition, make_entry, make_event, make_student

ROLES = ["anonymous", "teacher", "office", "administrator"]
LOGIN = 302  # anonymous visitors are sent to the login page

# url name → (arguments, {role: status}) for a GET.
READ = {"anonymous": LOGIN, "teacher": 200, "office": 200, "administrator": 200}
OFFICE_ONLY = {"anonymous": LOGIN, "teacher": 403, "office": 200, "administrator": 200}
POST_ONLY_OFFICE = {"anonymous": LOGIN, "teacher": 405, "office": 405, "administrator": 405}
# The public pages with the public switch (settings.PUBLIC_RESULTS) off, as in these tests.
NOT_PUBLIC = {"anonymous": 404, "teacher": 404, "office": 404, "administrator": 404}
FILE_MISSING = {"anonymous": LOGIN, "teacher": 404, "office": 404, "administrator": 404}
EXPECTED = {
    "home": ((), {"anonymous": LOGIN, "teacher": 302, "office": 302, "administrator": 302}),
    "login": ((), {"anonymous": 200, "teacher": 200, "office": 200, "administrator": 200}),
    "logout": ((), {"anonymous": LOGIN, "teacher": 405, "office": 405, "administrator": 405}),
    "set_language": ((), {"anonymous": 302, "teacher": 302, "office": 302, "administrator": 302}),
    "health": ((), {"anonymous": 200, "teacher": 200, "office": 200, "administrator": 200}),
    "competitions:competition-list": ((), READ),
    "competitions:competition-detail": (("competition",), READ),
    "competitions:honours": ((), NOT_PUBLIC),
    # The public result pages: 404 to everyone while PUBLIC_RESULTS is off (as here); with it on,
    # 200 to everyone, anonymous visitors included (tests/competitions/test_public_pages.py).
    "public:index": ((), NOT_PUBLIC),
    "public:competition": (("competition",), NOT_PUBLIC),
    "competitions:leaderboard": ((), READ),
    "competitions:pivot": ((), READ),
    "competitions:pivot-entries": ((), READ),
    "competitions:annual-summary": ((), READ),
    "competitions:annual-summary-xlsx": (("year",), READ),
    "competitions:annual-summary-docx": (("year",), READ),
    "competitions:competition-weights": (("competition",), READ),
    "competitions:competition-edit": (("competition",), OFFICE_ONLY),
    "competitions:event-add": (("competition",), OFFICE_ONLY),
    "competitions:event-edit": (("event",), OFFICE_ONLY),
    "competitions:award-list": ((), READ),
    "competitions:recent-changes": ((), READ),
    "competitions:competition-create": ((), OFFICE_ONLY),
    "competitions:event-entries": (("event",), OFFICE_ONLY),
    "competitions:people-search": ((), READ),
    "competitions:import-upload": ((), OFFICE_ONLY),
    "competitions:import-preview": (("token",), {**OFFICE_ONLY, "office": 404, "administrator": 404}),
    "competitions:import-template": ((), OFFICE_ONLY),
    "competitions:backup-list": ((), {**OFFICE_ONLY, "office": 403}),
    "competitions:backup-download": (("archive",), {**OFFICE_ONLY, "office": 403, "administrator": 404}),
    "competitions:photo-upload": (("competition",), OFFICE_ONLY),
    "competitions:photo-detail": (("photo",), READ),
    "competitions:photo-edit": (("photo",), OFFICE_ONLY),
    "competitions:entry-history": (("entry",), READ),
    "competitions:deleted-entries": (("event",), READ),
    "competitions:entry-restore": (("entry",), POST_ONLY_OFFICE),
    "competitions:unconfirmed": (("competition",), READ),
    "competitions:entry-confirm": (("entry",), POST_ONLY_OFFICE),
    "competitions:honour-list": ((), READ),
    "competitions:honour-create": ((), OFFICE_ONLY),
    "competitions:honour-edit": (("honour",), OFFICE_ONLY),
    "competitions:honour-delete": (("honour",), POST_ONLY_OFFICE),
    "students:student-list": ((), READ),
    "students:student-detail": (("student",), READ),
    "students:coach-list": ((), READ),
    "students:coach-detail": (("coach",), READ),
    "students:department-list": ((), READ),
    "students:department-detail": (("department",), READ),
    "students:quick-search": ((), READ),
    "students:duplicates": ((), OFFICE_ONLY),
    "students:student-merge-pick": (("student",), OFFICE_ONLY),
    "students:student-merge": (("student", "student2"), OFFICE_ONLY),
    "students:coach-merge-pick": (("coach",), OFFICE_ONLY),
    "students:coach-merge": (("coach", "coach2"), OFFICE_ONLY),
    "competitions:skill-list": ((), READ),
    "competitions:skill-detail": (("skill",), READ),
    "competitions:skill-edit": (("skill",), OFFICE_ONLY),
    "media": (("media",), {**READ, "teacher": 404, "office": 404, "administrator": 404}),
    "profile": ((), READ),
    "password_change": ((), READ),
    # Someone else's key: each user revokes only their own (administrators: in the admin).
    "api-token-revoke": (("api_token",), {**READ, "teacher": 404, "office": 404, "administrator": 404}),
    # Evidence: personal data, every role reads it, the office changes it; the files' rows name
    # files that do not exist here (404), as "media" above.
    "competitions:entry-evidence": (("entry",), READ),
    "competitions:scan-edit": (("scan",), POST_ONLY_OFFICE),
    "competitions:scan-delete": (("scan",), POST_ONLY_OFFICE),
    "competitions:scan-file": (("scan",), FILE_MISSING),
    "competitions:scan-preview": (("scan",), FILE_MISSING),
    "competitions:result-document-list": (("competition",), READ),
    "competitions:result-document-create": (("competition",), OFFICE_ONLY),
    "competitions:result-document-detail": (("document",), READ),
    "competitions:result-document-edit": (("document",), OFFICE_ONLY),
    "competitions:result-document-file": (("document",), FILE_MISSING),
    "competitions:result-document-preview": (("document",), FILE_MISSING),
}
# The admin site: only administrators (staff) get in; everyone else is sent to its login page.
ADMIN = {"anonymous": 302, "teacher": 302, "office": 302, "administrator": 200}
ADMIN_SAMPLES = [
    "admin:index",
    "admin:competitions_entry_changelist",
    "admin:students_student_changelist",
    "admin:students_mergerecord_changelist",
    "admin:students_studentnumberalias_changelist",
    "admin:competitions_apitoken_changelist",
]


def url_names(resolver=None, namespace=""):
    """Every named URL pattern, with its namespace; media is named by its prefix."""
    resolver = resolver or get_resolver()
    for pattern in resolver.url_patterns:
        if isinstance(pattern, URLResolver):
            inner = f"{namespace}{pattern.namespace}:" if pattern.namespace else namespace
            yield from url_names(pattern, inner)
        elif isinstance(pattern, URLPattern):
            name = pattern.name or ("media" if "<path:path>" in str(pattern.pattern) else None)
            yield f"{namespace}{name}" if pattern.name else name


def test_every_url_has_an_expectation_for_every_role():
    # The read API (api-v1:) answers JSON with its own access rules: tests/api/.
    names = {name for name in url_names() if name and not name.startswith(("admin:", "api-v1:"))}
    assert names - set(EXPECTED) == set(), "add these pages to EXPECTED with a status per role"
    assert set(EXPECTED) - names == set(), "these pages no longer exist"
    assert all(set(statuses) == set(ROLES) for _args, statuses in EXPECTED.values())


@pytest.fixture
def objects():
    competition = make_competition()
    event = make_event(competition, is_team=True)
    student, coach = make_student(), make_coach()
    entry = make_entry(event, members=[student], coaches=[coach])
    photo = Photo.objects.create(competition=competition, image="photos/missing.jpg")
    department = Department.objects.create(name="机器人系")
    scan = CertificateScan.objects.create(
        entry=entry, file="evidence/missing.pdf", preview="evidence/missing.jpg"
    )
    document = ResultDocument.objects.create(
        competition=competition, issuer="人社部", number="人社部函〔2021〕99号", issued_on=date(2021, 6, 1)
    )
    return {
        "competition": competition.pk,
        "event": event.pk,
        "entry": entry.pk,
        "student": student.pk,
        "student2": make_student().pk,
        "coach": coach.pk,
        "coach2": make_coach().pk,
        "photo": photo.pk,
        "scan": scan.pk,
        "document": document.pk,
        "honour": Honour.objects.create(kind="national_expert", year=2023, count=3, people="both").pk,
        "department": department.pk,
        "skill": event.skill_id,
        "token": "0" * 32,
        "archive": "results-backup-20000101-000000.zip",
        "year": 2023,
        "media": "photos/missing.jpg",
        "api_token": tokens.issue(User.objects.create_user("keyholder"), "a key")[0].pk,
    }


@pytest.fixture
def login(client, django_user_model):
    def as_role(role):
        if role == "anonymous":
            return client
        user = django_user_model.objects.create_user(role, password="a-long-test-password")
        if role == "administrator":
            user.is_staff = user.is_superuser = True
            user.save()
            user.groups.add(Group.objects.get(name=roles.ADMINISTRATORS))
        else:
            user.groups.add(Group.objects.get(name=roles.OFFICE if role == "office" else roles.TEACHERS))
        client.force_login(user)
        return client

    return as_role


def url_for(name, args, objects):
    if name == "media":
        return f"/media/{objects['media']}"
    return reverse(name, args=[objects[arg] for arg in args])


@pytest.mark.django_db
@pytest.mark.parametrize("role", ROLES)
def test_every_page_answers_each_role_as_expected(role, objects, login):
    client = login(role)
    wrong = {}
    for name, (args, statuses) in EXPECTED.items():
        status = client.get(url_for(name, args, objects)).status_code
        if status != statuses[role]:
            wrong[name] = (status, statuses[role])
    for name in ADMIN_SAMPLES:
        status = client.get(reverse(name)).status_code
        if status != ADMIN[role]:
            wrong[name] = (status, ADMIN[role])
    assert wrong == {}, "url: (got, expected)"


@pytest.mark.django_db
def test_anonymous_visitors_are_sent_to_the_login_page(client, objects):
    response = client.get(reverse("students:student-detail", args=[objects["student"]]))
    assert response.status_code == 302 and response.url.startswith(reverse("login"))


@pytest.mark.django_db
def test_the_public_honours_page_shows_names_events_and_awards_only(client, settings):
    settings.PUBLIC_RESULTS = True
    from tests.factories import home_organization

    home_organization()
    student = make_student("蒋家俊", student_number="20230001", class_name="机器人2101班")
    entry = make_entry(make_event(name="移动机器人"), members=[student], award="金牌")
    Entry.objects.filter(pk=entry.pk).update(confirmed_at=timezone.now())  # public: confirmed only
    response = client.get(reverse("competitions:honours"))
    assert response.status_code == 200
    page = response.content.decode()
    assert "蒋家俊" in page and "移动机器人" in page and "金牌" in page
    assert "20230001" not in page and "机器人2101班" not in page
    assert reverse("students:student-detail", args=[student.pk]) not in page


@pytest.mark.django_db
@pytest.mark.parametrize(
    "path",
    [
        "photos/%2e%2e/imports/secret",
        "photos/../imports/secret",
        "imports/secret",
        "photos/./../imports/secret",
    ],
)
def test_media_serves_photo_folders_only(path, login, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    (tmp_path / "imports").mkdir()
    (tmp_path / "imports" / "secret").write_text("学号,姓名")
    (tmp_path / "photos").mkdir()
    (tmp_path / "photos" / "a.jpg").write_bytes(b"jpeg")
    client = login("teacher")
    assert client.get(f"/media/{path}").status_code == 404
    assert client.get("/media/photos/a.jpg").status_code == 200


@pytest.mark.django_db
def test_a_logged_in_user_without_a_role_sees_nothing_but_can_log_out(client, django_user_model, objects):
    client.force_login(django_user_model.objects.create_user("nobody", password="a-long-test-password"))
    wrong = {}
    for name, (args, statuses) in EXPECTED.items():
        if statuses["anonymous"] != LOGIN or name in ("logout", "set_language"):  # open to all
            continue
        status = client.get(url_for(name, args, objects)).status_code
        if status != 403:
            wrong[name] = status
    assert wrong == {}
    assert client.get(reverse("login")).status_code == 200
    assert client.post(reverse("logout")).status_code == 302
