"""The public result pages (issue 12): the index of public competitions and a page per
competition, for anonymous visitors while settings.PUBLIC_RESULTS is on (competitions.views.public)."""

import os
import subprocess
import sys
from html.parser import HTMLParser
from pathlib import Path

import pytest
from django.contrib.auth.models import Group
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from competitions import confirming, roles
from competitions.aggregates import results_changed
from competitions.models import Award, Competition, Entry, Photo
from tests.factories import (
    home_organization,
    make_coach,
    make_competition,
    make_department,
    make_entry,
    make_event,
    make_major,
    make_student,
)

pytestmark = pytest.mark.django_db

ROOT = Path(__file__).resolve().parents[2]


def confirm(*entries: Entry) -> None:
    """Confirmed by a second office user (as confirming.confirm leaves them)."""
    Entry.objects.filter(pk__in=[entry.pk for entry in entries]).update(confirmed_at=timezone.now())


def account(django_user_model, username: str, role: str | None):
    user = django_user_model.objects.create_user(username=username, password="a-long-test-password")
    if role:
        user.groups.add(Group.objects.get(name=role))
    return user


@pytest.fixture
def public(settings):
    settings.PUBLIC_RESULTS = True
    settings.RESULTS_NEED_CONFIRMATION = True
    return settings


@pytest.fixture
def contest(media):
    """A competition with everything personal filled in: student numbers, classes, departments,
    notes, scores, coaches and a photo; one result of another organization, one unconfirmed."""
    home = home_organization()
    department = make_department("机电工程系")
    major = make_major("工业机器人技术", department=department)
    jiang = make_student(
        "蒋家俊", student_number="20230001", class_name="机器人2101班", department=department, major=major
    )
    li = make_student("李明辉", student_number="20230002", class_name="机器人2102班", department=department)
    wang = make_student("王小燕", student_number="20230003", class_name="数控2103班", department=department)
    coach = make_coach("陈建华教练")
    competition = make_competition("第二届全国技能大赛", year=2023)
    robots = make_event(competition, name="移动机器人", is_team=True)
    cnc = make_event(competition, name="数控铣", skill="数控铣")
    gold = make_entry(
        robots,
        members=[jiang, li],
        coaches=[coach],
        award="金牌",
        rank=1,
        score="97.25",
        notes="备注：私下说明",
        organization=home,
    )
    silver = make_entry(robots, members=["外校选手甲"], award="银牌", rank=2, organization="广东省代表团")
    waiting = make_entry(cnc, members=[wang], award="铜牌", rank=3, organization=home)
    photo = Photo.objects.create(competition=competition, image="photos/secret-photo.jpg", caption="颁奖合影")
    photo.entries.add(gold)
    confirm(gold, silver)
    return {
        "competition": competition,
        "gold": gold,
        "silver": silver,
        "waiting": waiting,
        "students": [jiang, li, wang],
        "coach": coach,
        "home": home,
    }


@pytest.fixture
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    return tmp_path


def page_url(competition: Competition, **query) -> str:
    url = reverse("public:competition", args=[competition.pk])
    return url + ("?" + "&".join(f"{key}={value}" for key, value in query.items()) if query else "")


def anonymous(language: str = "en") -> Client:
    return Client(headers={"accept-language": language})


# The switch ---------------------------------------------------------------------------------------


def test_switched_off_every_public_page_answers_404_to_everyone(contest, settings, django_user_model):
    settings.PUBLIC_RESULTS = False
    teacher = Client()
    teacher.force_login(account(django_user_model, "teacher-t", roles.TEACHERS))
    urls = [reverse("public:index"), page_url(contest["competition"]), reverse("competitions:honours")]
    for client in (anonymous(), teacher):
        for url in urls:
            assert client.get(url).status_code == 404, url


def test_switched_on_anonymous_visitors_and_every_role_open_the_public_pages(
    contest, public, django_user_model
):
    urls = [reverse("public:index"), page_url(contest["competition"]), reverse("competitions:honours")]
    clients = [anonymous()]
    for name, role in [("t", roles.TEACHERS), ("o", roles.OFFICE), ("nobody", None)]:
        client = Client()
        client.force_login(account(django_user_model, name, role))
        clients.append(client)
    for client in clients:
        for url in urls:
            assert client.get(url).status_code == 200, url


def test_a_competition_without_a_confirmed_result_is_not_public(contest, public):
    unconfirmed = make_competition("尚未确认的比赛")
    make_entry(make_event(unconfirmed), members=["某选手"], award="金牌")
    client = anonymous()
    assert client.get(page_url(unconfirmed)).status_code == 404
    index = client.get(reverse("public:index")).content.decode()
    assert "尚未确认的比赛" not in index and "第二届全国技能大赛" in index
    assert client.get(page_url(contest["competition"], page=2)).status_code == 404
    assert client.get(page_url(contest["competition"], page="x")).status_code == 404
    assert client.post(page_url(contest["competition"])).status_code == 405


# What a public page shows, and what it never shows ---------------------------------------------------


def test_a_public_competition_shows_events_organizations_names_ranks_and_awards(contest, public):
    page = anonymous().get(page_url(contest["competition"])).content.decode()
    for text in [
        "第二届全国技能大赛",
        "移动机器人",
        "本校技师学院",
        "广东省代表团",
        "蒋家俊",
        "李明辉",
        "外校选手甲",
    ]:
        assert text in page, text
    assert "金牌" in page and "银牌" in page
    assert "Medal table" in page


def test_public_pages_never_show_personal_data_or_link_into_the_logged_in_pages(contest, public):
    client = anonymous()
    competition = contest["competition"]
    for url in [page_url(competition), reverse("public:index"), reverse("competitions:honours")]:
        page = client.get(url).content.decode()
        for secret in [
            "20230001",
            "20230002",
            "机器人2101班",
            "机器人2102班",
            "机电工程系",
            "工业机器人技术",
            "私下说明",
            "97.25",
            "陈建华教练",
            "secret-photo",
            "颁奖合影",
            "/media/",
        ]:
            assert secret not in page, (url, secret)
        for student in contest["students"]:
            assert f'href="{reverse("students:student-detail", args=[student.pk])}"' not in page
        assert f'href="{reverse("competitions:competition-detail", args=[competition.pk])}"' not in page
        assert f'href="{reverse("students:student-list")}"' not in page  # no logged-in navigation
        assert f'href="{reverse("competitions:competition-list")}"' not in page
        assert "csrfmiddlewaretoken" not in page


def test_an_unconfirmed_result_shows_only_once_the_office_confirms_nothing(contest, public):
    client = anonymous()
    url = page_url(contest["competition"])
    page = client.get(url).content.decode()
    assert "王小燕" not in page and "数控铣" not in page and "铜牌" not in page
    public.RESULTS_NEED_CONFIRMATION = False
    page = client.get(url).content.decode()
    assert "王小燕" in page and "数控铣" in page and "铜牌" in page


class TableRows(HTMLParser):
    """The text of each body row of the table with class `medal-table`."""

    def __init__(self):
        super().__init__()
        self.rows: list[list[str]] = []
        self.depth = 0  # inside the medal table
        self.in_body = False

    def handle_starttag(self, tag, attrs):
        if tag == "table" and "medal-table" in (dict(attrs).get("class") or ""):
            self.depth = 1
        elif self.depth and tag == "tbody":
            self.in_body = True
        elif self.in_body and tag == "tr":
            self.rows.append([])
        elif self.in_body and tag == "td":
            self.rows[-1].append("")

    def handle_endtag(self, tag):
        if tag == "tbody":
            self.in_body = False
        elif tag == "table":
            self.depth = 0

    def handle_data(self, data):
        if self.in_body and self.rows and self.rows[-1]:
            self.rows[-1][-1] += data.strip()


def medal_rows(html: str) -> list[list[str]]:
    parser = TableRows()
    parser.feed(html)
    return parser.rows


def test_the_medal_table_is_the_logged_in_pages_medal_table(contest, public, django_user_model):
    competition = contest["competition"]
    confirm(contest["waiting"])
    make_entry(contest["waiting"].event, members=["外校选手乙"], award="铜牌", organization="北京市代表团")
    make_entry(contest["waiting"].event, members=["外校选手丙"], award="优胜奖", organization="广东省代表团")
    Entry.objects.update(confirmed_at=timezone.now())
    teacher = Client(headers={"accept-language": "en"})
    teacher.force_login(account(django_user_model, "teacher-t", roles.TEACHERS))
    logged_in = medal_rows(
        teacher.get(reverse("competitions:competition-detail", args=[competition.pk])).text
    )
    public_rows = medal_rows(anonymous().get(page_url(competition)).text)
    assert len(public_rows) == 3
    assert public_rows == logged_in


def test_the_medal_table_counts_confirmed_results_only(contest, public):
    rows = medal_rows(anonymous().get(page_url(contest["competition"])).text)
    # The home college's gold, the delegation's silver; the unconfirmed bronze is not counted.
    assert [row[1] for row in rows] == ["本校技师学院", "广东省代表团"]
    assert sum(int(row[-2]) for row in rows) == 2


# The index and the honours wall ---------------------------------------------------------------------------


def test_the_index_lists_public_competitions_newest_year_first_a_page_at_a_time(public, monkeypatch):
    from competitions.views import public as views

    monkeypatch.setattr(views, "COMPETITIONS_PER_PAGE", 2)
    for year in (2021, 2023, 2022):
        competition = make_competition(f"技能大赛{year}", year=year)
        confirm(make_entry(make_event(competition), members=["选手"], award="金牌"))
    client = anonymous()
    first = client.get(reverse("public:index")).content.decode()
    assert first.index("技能大赛2023") < first.index("技能大赛2022")
    assert "技能大赛2021" not in first
    competition = Competition.objects.get(name="技能大赛2023")
    assert page_url(competition, lang="en") in first.replace("&amp;", "&")
    second = client.get(reverse("public:index"), {"page": 2}).content.decode()
    assert "技能大赛2021" in second and "技能大赛2023" not in second


def test_the_index_and_the_honours_wall_link_each_other(contest, public):
    client = anonymous()
    index = client.get(reverse("public:index")).content.decode()
    honours = client.get(reverse("competitions:honours")).content.decode()
    assert reverse("competitions:honours") in index
    assert reverse("public:index") in honours
    assert "蒋家俊" in honours and "20230001" not in honours


def test_the_login_page_links_the_public_results_while_the_switch_is_on(client, settings):
    settings.PUBLIC_RESULTS = False
    assert reverse("public:index") not in client.get(reverse("login")).content.decode()
    settings.PUBLIC_RESULTS = True
    page = client.get(reverse("login")).content.decode()
    assert reverse("public:index") in page and reverse("competitions:honours") in page


def test_the_logged_in_competition_page_links_its_public_page_while_the_switch_is_on(
    contest, settings, django_user_model
):
    teacher = Client(headers={"accept-language": "en"})
    teacher.force_login(account(django_user_model, "teacher-t", roles.TEACHERS))
    competition = contest["competition"]
    detail = reverse("competitions:competition-detail", args=[competition.pk])
    settings.PUBLIC_RESULTS = False
    assert reverse("public:competition", args=[competition.pk]) not in teacher.get(detail).text
    settings.PUBLIC_RESULTS = True
    page = teacher.get(detail).text
    assert reverse("public:competition", args=[competition.pk]) in page and "Public page" in page
    # Not public before its first confirmed result: said, not linked.
    waiting = make_competition("待确认的比赛")
    make_entry(make_event(waiting), members=["某选手"])
    page = teacher.get(reverse("competitions:competition-detail", args=[waiting.pk])).text
    assert reverse("public:competition", args=[waiting.pk]) not in page
    assert "Not on the public pages yet" in page


# Fast and cacheable ---------------------------------------------------------------------------------------


def test_public_pages_are_publicly_cacheable_and_vary_on_the_language(contest, public):
    public.PUBLIC_CACHE_SECONDS = 120
    client = anonymous()
    for url in [reverse("public:index"), page_url(contest["competition"]), reverse("competitions:honours")]:
        response = client.get(url)
        cache_control = {part.strip() for part in response["Cache-Control"].split(",")}
        assert cache_control == {"public", "max-age=120"}, url
        vary = {part.strip().lower() for part in response["Vary"].split(",")}
        assert {"accept-language", "cookie"} <= vary, url
        assert not response.cookies, url  # nothing per visitor: a proxy may keep it


def test_a_changed_result_shows_at_once(contest, public, django_user_model):
    client = anonymous()
    url = page_url(contest["competition"])
    assert "王小燕" not in client.get(url).text
    # A confirmation raises no version: the page still shows it at once.
    bob = account(django_user_model, "bob", roles.OFFICE)
    waiting = contest["waiting"]
    done = confirming.confirm({waiting.pk: confirming.seen(waiting).partition("@")[2]}, user=bob)
    assert done.confirmed
    assert "王小燕" in client.get(url).text
    # A changed award (every writer ends with results_changed, which raises the version).
    gold_column = 3  # rank, organization, special, gold ...
    assert sum(int(row[gold_column]) for row in medal_rows(client.get(url).text)) == 1
    Entry.objects.filter(pk=contest["gold"].pk).update(award=Award.objects.parse("银牌"))
    results_changed([contest["competition"].pk])
    assert sum(int(row[gold_column]) for row in medal_rows(client.get(url).text)) == 0
    # A renamed competition shows at once on the index too.
    Competition.objects.filter(pk=contest["competition"].pk).update(name="改名后的大赛")
    results_changed([contest["competition"].pk], event_ids=())
    assert "改名后的大赛" in client.get(reverse("public:index")).text


def grow(competition: Competition, events: int, entries_each: int) -> None:
    organizations = ["广东省代表团", "北京市代表团", "上海市代表团"]
    for number in range(events):
        event = make_event(competition, name=f"赛项{competition.pk}-{number}", is_team=True)
        for index in range(entries_each):
            make_entry(
                event,
                members=[f"选手{number}-{index}a", f"选手{number}-{index}b"],
                award=["金牌", "银牌", "铜牌", "优胜奖"][index % 4],
                rank=index + 1,
                organization=organizations[index % 3],
            )
    Entry.objects.update(confirmed_at=timezone.now())


# An anonymous visitor's page: the competition (and its confirmations), 2 ranking settings, the
# medal table, the events' count and page, their entries and members, the college's name.
COMPETITION_QUERIES = 9
# The versions (2 queries), the count and page of competitions, the college's name.
INDEX_QUERIES = 5


@pytest.mark.parametrize("size", [(1, 2), (12, 20)])
def test_a_public_page_reads_a_fixed_number_of_queries(public, size, django_assert_max_num_queries):
    competition = make_competition("大赛")
    grow(competition, *size)
    for other in range(size[0]):
        grow(make_competition(f"大赛{other}", year=2000 + other), 1, 1)
    client = anonymous()
    for _first_then_cached in range(2):
        with django_assert_max_num_queries(COMPETITION_QUERIES):
            assert client.get(page_url(competition)).status_code == 200
        with django_assert_max_num_queries(INDEX_QUERIES):
            assert client.get(reverse("public:index")).status_code == 200
    with django_assert_max_num_queries(1):  # cached: the competition and its confirmations
        client.get(page_url(competition))
    with django_assert_max_num_queries(2):  # cached: the two versions
        client.get(reverse("public:index"))


# Both languages ---------------------------------------------------------------------------------------------


def test_the_public_pages_speak_the_visitors_language(contest, public):
    url = page_url(contest["competition"])
    chinese = anonymous("zh-hans").get(url)
    english = anonymous("en").get(url)
    assert "奖牌榜" in chinese.text and "Medal table" not in chinese.text
    assert "Medal table" in english.text and "奖牌榜" not in english.text
    assert chinese["Content-Language"] == "zh-hans" and english["Content-Language"] == "en"
    # ?lang= picks one whatever the browser asks, and the page's links keep it.
    asked = anonymous("en").get(url, {"lang": "zh-hans"})
    assert "奖牌榜" in asked.text and '<html lang="zh-hans">' in asked.text
    assert f"{reverse('public:index')}?lang=zh-hans" in asked.text
    # The language cookie, as the logged-in pages' switch sets it.
    client = anonymous("en")
    client.cookies["django_language"] = "zh-hans"
    index = client.get(reverse("public:index")).text
    assert "<h1>竞赛成绩</h1>" in index and "Competition results" not in index


# The switch's old name ------------------------------------------------------------------------------------


def public_switch(**env: str) -> str:
    clean = {key: value for key, value in os.environ.items() if not key.startswith("PUBLIC_")}
    done = subprocess.run(
        [sys.executable, "-c", "from django.conf import settings; print(settings.PUBLIC_RESULTS)"],
        cwd=ROOT,
        env={**clean, "DJANGO_SETTINGS_MODULE": "config.settings", **env},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    return done.stdout.strip()


def test_the_old_name_public_honours_page_still_turns_the_switch_on():
    assert public_switch() == "False"
    assert public_switch(PUBLIC_HONOURS_PAGE="true") == "True"
    assert public_switch(PUBLIC_RESULTS="true") == "True"
    assert public_switch(PUBLIC_HONOURS_PAGE="true", PUBLIC_RESULTS="false") == "False"
