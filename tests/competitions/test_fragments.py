"""Page parts written when results change (competitions.fragments): the first view after a change
reads them, they equal what the page renders itself, and they are never stale."""

import io
import logging
import re
from types import SimpleNamespace

import pytest
from django.contrib.auth.models import Group
from django.core.cache import cache
from django.core.management import CommandError, call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from competitions import fragments
from competitions.models import StoredFragment
from competitions.roles import ADMINISTRATORS, OFFICE, TEACHERS
from competitions.views import pages
from tests.factories import home_organization, make_competition, make_entry, make_event, make_student

pytestmark = pytest.mark.django_db

IMMEDIATE = {"default": {"BACKEND": "django.tasks.backends.immediate.ImmediateBackend"}}
PIVOT = reverse("competitions:pivot")


@pytest.fixture
def immediate_tasks(settings):
    settings.TASKS = IMMEDIATE


@pytest.fixture
def competition(immediate_tasks, django_capture_on_commit_callbacks):
    home_organization()
    competition = make_competition("全国职业院校技能大赛", year=2024)
    with django_capture_on_commit_callbacks(execute=True):
        make_entry(make_event(competition, name="焊接"), members=[make_student("张三")], award="金牌")
        make_entry(
            make_event(competition, name="机电<一体化>", is_team=True),
            members=["外甲", "外乙"],
            award="银牌",
            organization="外校",
        )
    competition.refresh_from_db()
    return competition


def login(client, django_user_model, role: str | None, **fields):
    user = django_user_model.objects.create_user(
        f"u-{role}-{len(fields)}", password="a-long-test-password", **fields
    )
    if role:
        user.groups.add(Group.objects.get(name=role))
    client.force_login(user)
    return user


def events_section(html: str) -> str:
    """The results part: the medal table's section and the events' section."""
    return re.search(r'<section id="medal-table">.*<section id="events">.*?</section>', html, re.S).group(0)


def without_token(html: str) -> str:
    """The page without what differs between two renders of it: the form's token and the charts'
    element ids (numbered per process)."""
    html = re.sub(r'name="csrfmiddlewaretoken" value="[^"]*"', "", html)
    return re.sub(r"chart-title-\d+", "chart-title", html)


def page(client, url: str, language: str = "en") -> tuple[str, int]:
    """The page's HTML and its number of queries, with Django's cache empty (a cold view)."""
    cache.clear()
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url, HTTP_ACCEPT_LANGUAGE=language)
    assert response.status_code == 200
    return response.content.decode(), len(queries)


@pytest.mark.parametrize("role", [TEACHERS, OFFICE, ADMINISTRATORS, "superuser"])
@pytest.mark.parametrize("language", ["en", "zh-hans"])
def test_the_first_view_after_a_change_reads_the_stored_results_and_they_equal_a_render(
    competition, client, django_user_model, role, language
):
    if role == "superuser":
        login(client, django_user_model, None, is_superuser=True, is_staff=True)
    else:
        login(client, django_user_model, role)
    url = competition.get_absolute_url()
    stored, stored_queries = page(client, url, language)
    StoredFragment.objects.all().delete()
    rendered, rendered_queries = page(client, url, language)
    assert events_section(stored) == events_section(rendered)
    assert "张三" in events_section(stored)
    assert "机电&lt;一体化&gt;" in events_section(stored)
    # Reading the stored part costs one query; rendering reads the events' results and people.
    assert stored_queries < rendered_queries
    if language == "en":
        assert "Deleted entries" in events_section(stored)
        assert ("Edit entries" in events_section(stored)) == (role != TEACHERS)
    else:
        assert "Deleted entries" not in events_section(stored)


def test_each_role_and_language_has_its_own_part(competition):
    stored = StoredFragment.objects.filter(competition=competition)
    # The events part: teachers (the certificates' column, no edit links), the office,
    # administrators and superusers (edit links too): two sets of permissions, in two languages.
    # The medal-table part, the same for every role: one per language.
    assert stored.count() == 6
    assert len({html for html in stored.values_list("html", flat=True)}) == 6
    medals = stored.filter(key__contains=":-:medals.")
    assert medals.count() == 2 and all(
        '<section id="medal-table">' in html for html in medals.values_list("html", flat=True)
    )
    assert StoredFragment.objects.filter(competition=None).count() == 2  # the pivot, two languages


def medal_section(html: str) -> str:
    return re.search(r'<section id="medal-table">.*?</section>', html, re.S).group(0)


def test_a_later_page_of_events_reads_the_stored_medal_table_and_renders_only_its_events(
    competition, client, django_user_model, monkeypatch
):
    """The medal table is the same above every page of events: page 2's first view after a change
    reads it from the stored parts, with its whole-table link keeping page 2."""
    from competitions import precompute

    monkeypatch.setattr(pages, "RESULTS_PER_PAGE", 1)
    monkeypatch.setattr(pages, "MEDAL_ROWS", 1)  # two organizations: the whole-table link shows
    precompute.precompute([competition.pk])
    login(client, django_user_model, TEACHERS)
    url = competition.get_absolute_url() + "?page=2"
    stored, stored_queries = page(client, url)
    StoredFragment.objects.all().delete()
    rendered, rendered_queries = page(client, url)
    assert events_section(stored) == events_section(rendered)
    assert 'href="?medals=all&amp;page=2#medal-table"' in medal_section(stored)
    # Events in their listed order (by name): 机电<一体化> on page 1, 焊接 on page 2.
    assert "events-page" not in stored and "张三" in stored and "外甲" not in stored
    assert stored_queries < rendered_queries  # the medal table's tallies are not read

    precompute.precompute([competition.pk])
    StoredFragment.objects.filter(key__contains=":-:medals.").update(
        html='<section id="medal-table">as stored <a href="?medals=all<!--events-page-->#medal-table"></a></section>'
    )
    html = page(client, url)[0]
    assert 'as stored <a href="?medals=all&amp;page=2#medal-table">' in html
    assert "张三" in events_section(html)


def test_a_later_change_is_seen_at_once_even_before_its_parts_are_written(
    competition, client, django_user_model
):
    login(client, django_user_model, TEACHERS)
    url = competition.get_absolute_url()
    assert "新选手" not in page(client, url)[0]
    # Recorded without running the on-commit precompute: the stored parts are of the old results.
    make_entry(competition.events.get(name="焊接"), members=[make_student("新选手")], award="铜牌")
    assert "新选手" in events_section(page(client, url)[0])
    home = home_organization()
    assert str(2025) not in page(client, PIVOT)[0]
    make_entry(make_event(make_competition("新赛事", year=2025)), members=[make_student()], organization=home)
    assert "2025" in page(client, PIVOT)[0]


def test_the_next_precompute_replaces_the_parts_it_makes_unused(
    competition, django_capture_on_commit_callbacks
):
    before = set(StoredFragment.objects.values_list("key", flat=True))
    with django_capture_on_commit_callbacks(execute=True):
        make_entry(competition.events.get(name="焊接"), members=[make_student("新选手")], award="铜牌")
    after = set(StoredFragment.objects.values_list("key", flat=True))
    assert len(after) == len(before) and not before & after
    competition.refresh_from_db()
    teachers = fragments.Granted({"competitions.view_certificatescan"})
    key = fragments.results_key(competition, "en", teachers, pages.DEFAULT_VIEW.shown(1))
    assert "新选手" in StoredFragment.objects.get(key=key).html


def test_the_stored_pivot_equals_its_render(competition, client, django_user_model):
    login(client, django_user_model, TEACHERS)
    for language in ("en", "zh-hans"):
        stored, stored_queries = page(client, PIVOT, language)
        kept = list(StoredFragment.objects.filter(competition=None))
        StoredFragment.objects.filter(competition=None).delete()
        rendered, rendered_queries = page(client, PIVOT, language)
        assert without_token(stored) == without_token(rendered)
        assert stored_queries < rendered_queries
        StoredFragment.objects.bulk_create(kept)


def test_parts_of_another_version_of_the_code_are_not_read_and_the_command_deletes_them(
    competition, client, django_user_model, monkeypatch
):
    login(client, django_user_model, TEACHERS)
    url = competition.get_absolute_url()
    StoredFragment.objects.update(html="<p>written by another release</p>")
    assert "another release" in page(client, url)[0]  # this release's key: read as stored
    monkeypatch.setattr(fragments, "code_version", lambda: "next-release")
    html = page(client, url)[0]
    assert "another release" not in html and "张三" in html
    out = io.StringIO()
    call_command("precompute_pages", stdout=out)
    assert "deleted 8 of other versions" in out.getvalue()
    assert set(StoredFragment.objects.values_list("render_version", flat=True)) == {"next-release"}
    assert StoredFragment.objects.filter(competition=competition).count() == 6


def test_the_command_writes_the_parts_of_the_competitions_asked_for(competition):
    other = make_competition("另一个比赛")
    make_entry(make_event(other), members=[make_student()])  # its precompute never ran
    assert not StoredFragment.objects.filter(competition=other).exists()
    call_command("precompute_pages", "--competition", str(other.pk), stdout=io.StringIO())
    assert StoredFragment.objects.filter(competition=other).count() == 6
    assert StoredFragment.objects.filter(competition=competition).count() == 6
    with pytest.raises(CommandError, match="No competition with id 999999"):
        call_command("precompute_pages", "--competition", "999999", stdout=io.StringIO())


def test_a_queue_that_is_down_does_not_stop_the_write(
    competition, django_capture_on_commit_callbacks, monkeypatch, caplog
):
    from competitions import precompute

    def refuse(*args):
        raise ConnectionError("the queue is down")

    monkeypatch.setattr(precompute, "precompute_pages", SimpleNamespace(enqueue=refuse))
    with caplog.at_level(logging.ERROR), django_capture_on_commit_callbacks(execute=True):
        entry = make_entry(
            competition.events.get(name="焊接"), members=[make_student("新选手")], award="铜牌"
        )
    assert entry.pk and "could not queue the precompute" in caplog.text


def test_granted_answers_as_perms_does(competition, django_user_model):
    from django.contrib.auth.context_processors import PermWrapper

    user = django_user_model.objects.create_user("office-user")
    user.groups.add(Group.objects.get(name=OFFICE))
    granted, perms = fragments.granted(user), PermWrapper(user)
    for name in fragments.EVENT_PERMS:
        app, codename = name.split(".")
        assert (name in granted) == (name in perms)
        assert granted[app][codename] == perms[app][codename]


def test_other_views_of_the_results_are_rendered_and_their_links_carry_only_their_choices(
    competition, client, django_user_model
):
    login(client, django_user_model, TEACHERS)
    url = competition.get_absolute_url()
    default = events_section(page(client, url)[0])
    assert events_section(page(client, url + "?page=1")[0]) == default  # the same part
    StoredFragment.objects.update(html="<p>stored</p>")
    assert "<p>stored</p>" in page(client, url + "?page=1")[0]  # read from the stored part
    by_student, _queries = page(client, url + "?by=student&order=points&junk=%22%3E")
    assert "<p>stored</p>" not in by_student  # not the default view: rendered
    assert "张三" in events_section(by_student)
    assert 'value="student" selected' in by_student and 'value="points" selected' in by_student
    assert "junk" not in events_section(by_student)


@pytest.fixture
def long_competition(immediate_tasks, django_capture_on_commit_callbacks):
    """A competition of 12 events of 5 results each: two pages of results."""
    home_organization()
    competition = make_competition("长赛", year=2024)
    with django_capture_on_commit_callbacks(execute=True):
        for number in range(12):
            event = make_event(competition, name=f"赛项{number:02d}")
            for place in range(5):
                make_entry(event, members=[f"选手{number}-{place}"], award="金牌" if place == 0 else None)
    competition.refresh_from_db()
    return competition


@pytest.mark.parametrize("role", [TEACHERS, OFFICE])
def test_every_stored_part_of_a_long_competition_has_its_page_links(
    long_competition, client, django_user_model, role
):
    login(client, django_user_model, role)
    url = long_competition.get_absolute_url()
    for language in ("en", "zh-hans"):
        stored = events_section(page(client, url, language)[0])
        kept = list(StoredFragment.objects.filter(competition=long_competition))
        StoredFragment.objects.filter(competition=long_competition).delete()
        rendered = events_section(page(client, url, language)[0])
        StoredFragment.objects.bulk_create(kept)
        assert stored == rendered
        # The two lists of pages (above and below the results), each linking page 2.
        assert stored.count('href="?page=2#events">2</a>') == 2


def test_a_part_rendered_from_older_results_is_not_stored_and_removes_nothing(competition):
    before = set(StoredFragment.objects.values_list("key", flat=True))
    old = [("results:old", competition.pk, competition.results_version - 1, "<p>old</p>")]
    now = {competition.pk: competition.results_version}
    assert fragments.store(old, lambda: now) == 0
    assert set(StoredFragment.objects.values_list("key", flat=True)) == before
    pivot = [("pivot:old", None, "1.1", "<p>old</p>")]
    assert fragments.store(pivot, lambda: {None: "2.1"}) == 0
    assert set(StoredFragment.objects.values_list("key", flat=True)) == before


def test_a_rebuild_of_the_tallies_leaves_no_stored_part_in_use(competition, client, django_user_model):
    from competitions.aggregates import rebuild

    login(client, django_user_model, TEACHERS)
    StoredFragment.objects.update(html="<p>drawn from the tables before</p>")
    version = competition.results_version
    rebuild()
    competition.refresh_from_db()
    assert competition.results_version == version + 1
    for url in (competition.get_absolute_url(), PIVOT):
        assert "drawn from the tables before" not in page(client, url)[0]


@pytest.fixture
def admin_client(client, django_user_model):
    admin = django_user_model.objects.create_superuser("root", password="a-long-test-password")
    client.force_login(admin)
    return client


def version_of(competition) -> int:
    competition.refresh_from_db()
    return competition.results_version


def test_what_the_admin_changes_on_a_competition_page_raises_its_version(
    competition, admin_client, settings, tmp_path
):
    from competitions.models import Competition, Skill
    from tests.competitions.test_evidence import document_of, scan_of

    settings.MEDIA_ROOT = tmp_path / "media"
    entry = competition.events.get(name="焊接").entries.get()
    scan, document = scan_of(entry), document_of(entry)
    steps = [
        ("competitions_certificatescan_delete", scan.pk, {"post": "yes"}),
        ("competitions_resultdocument_delete", document.pk, {"post": "yes"}),
    ]
    for view, pk, data in steps:
        version = version_of(competition)
        response = admin_client.post(reverse(f"admin:{view}", args=[pk]), data)
        assert response.status_code == 302, view
        assert version_of(competition) > version, view
    # A skill renamed.
    skill = Skill.objects.get(events__name="焊接")
    version = version_of(competition)
    data = {"name": "焊接技术", "name_en": "Welding", "placeholder": ""}
    response = admin_client.post(reverse("admin:competitions_skill_change", args=[skill.pk]), data)
    assert response.status_code == 302
    assert version_of(competition) > version
    # An organization out of the ranking of a competition where it has no result, renamed.
    other = make_competition("另一个比赛")
    make_entry(make_event(other), members=[make_student()])
    outsider = competition.events.get(name="机电<一体化>").entries.get().organization
    other.unranked_organizations.add(outsider)
    version = version_of(other)
    data = {"name": "外校（新名）", "short_name": "", "kind": outsider.kind}
    response = admin_client.post(reverse("admin:competitions_organization_change", args=[outsider.pk]), data)
    assert response.status_code == 302, response.content.decode()[-2000:]
    assert version_of(other) > version
    assert Competition.objects.get(pk=other.pk).unranked_organizations.get().name == "外校（新名）"


def test_a_department_added_in_the_admin_drops_the_stored_pivot(competition, admin_client):
    assert StoredFragment.objects.filter(competition=None).exists()
    response = admin_client.post(
        reverse("admin:students_department_add"),
        {
            "name": "新系",
            "name_en": "New department",
            "majors-TOTAL_FORMS": "0",
            "majors-INITIAL_FORMS": "0",
        },
    )
    assert response.status_code == 302, response.content.decode()[-2000:]
    assert not StoredFragment.objects.filter(competition=None).exists()
    assert "新系" in admin_client.get(PIVOT).content.decode()
