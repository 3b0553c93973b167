"""The logged-in pages: access, query budgets, escaping, search and the medal-table options."""

import io
import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import translation
from PIL import Image

from competitions.models import Photo
from tests.factories import (
    make_coach,
    make_competition,
    make_department,
    make_entry,
    make_event,
    make_organization,
    make_student,
)

pytestmark = pytest.mark.django_db

# Queries each page may make, whatever the amount of data; two of them load the session and the user.
# Every page also reads the user's permissions once (2 queries) for the navigation bar.
PERMISSIONS = 2
QUERY_BUDGETS = {
    "competition-list": 4 + PERMISSIONS,  # the years with their counts (the year choices and the count), page
    # competition, photos, 2 ranking settings, unconfirmed count, medal table (stored tallies and
    # names), the events' entry counts (their pages), a page of events + 3
    "competition-detail": 14 + PERMISSIONS,
    "student-list": 6 + PERMISSIONS,  # department, major and cohort choices (1), count, page, best results
    # student, entries + 3 prefetches, the college (print header), honours + their entries
    "student-detail": 10 + PERMISSIONS,
    "coach-list": 5 + PERMISSIONS,  # department choices, count, page
    # coach, 2 x (entries + 3 prefetches), the college (print header), honours + their entries
    "coach-detail": 14 + PERMISSIONS,
}

AWARDS = ["金牌", "银牌", "铜牌", "优胜奖", "一等奖", "入围国家集训队", None]


def png(name: str = "photo.png") -> SimpleUploadedFile:
    buffer = io.BytesIO()
    Image.new("RGB", (8, 6), "steelblue").save(buffer, format="PNG")
    return SimpleUploadedFile(name, buffer.getvalue(), content_type="image/png")


@pytest.fixture
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    return tmp_path


@pytest.fixture
def world():
    """One of everything each page shows, for access tests and as a base to grow."""
    department = make_department("智能制造系")
    student = make_student("郑泽鑫", student_number="2023010101", department=department, cohort_year=2023)
    coach = make_coach("陈老师", department=department)
    competition = make_competition("第二届全国技能大赛", year=2023, host="天津")
    guest = make_organization("邀请队")
    competition.unranked_organizations.add(guest)
    competition.excluded_organizations.add(make_organization("不计入单位"))
    return {"student": student, "coach": coach, "competition": competition}


def grow(world, start: int, stop: int) -> None:
    """Add units `start`..`stop - 1`: each is an event with a team entry for the world's student
    (coached by the world's coach, with a new team mate and an outside member), an event the coach
    competes in, a photo tagged on the entry, and one more competition, student and coach."""
    student, coach, competition = world["student"], world["coach"], world["competition"]
    for i in range(start, stop):
        event = make_event(competition, name=f"赛项{i}", is_team=True, is_selection=i % 2 == 0)
        mate = make_student(f"队友{i}", student_number=f"2022{i:06d}", department=student.department)
        entry = make_entry(
            event,
            members=[student, mate, f"外校选手{i}"],
            award=AWARDS[i % len(AWARDS)],
            organization=f"学院{i % 4}",
            coaches=[coach, make_coach(f"助理教练{i}")],
            rank=i + 1,
            score=f"{90 - i}.5",
        )
        teacher_event = make_event(competition, name=f"教师赛{i}")
        make_entry(teacher_event, members=[coach], award="二等奖", organization=f"学院{i % 4}")
        photo = Photo.objects.create(competition=competition, image=png(), caption=f"照片{i}")
        photo.entries.add(entry)
        other = make_competition(f"省赛{i}", year=2020 + i % 4, level="provincial")
        make_entry(make_event(other), members=[make_student(f"省赛选手{i}")], award="铜牌")


def page_urls(world) -> dict[str, str]:
    return {
        "competition-list": reverse("competitions:competition-list"),
        "competition-detail": world["competition"].get_absolute_url(),
        "student-list": reverse("students:student-list"),
        "student-detail": world["student"].get_absolute_url(),
        "coach-list": reverse("students:coach-list"),
        "coach-detail": world["coach"].get_absolute_url(),
    }


PAGES = list(QUERY_BUDGETS)


# Access


@pytest.mark.parametrize("page", PAGES)
def test_page_renders_for_a_logged_in_user(user_client, world, media, page):
    grow(world, 0, 2)
    response = user_client.get(page_urls(world)[page])
    assert response.status_code == 200


@pytest.mark.parametrize("page", PAGES)
def test_page_redirects_anonymous_users_to_login(client, world, page):
    url = page_urls(world)[page]
    response = client.get(url)
    assert response.status_code == 302
    assert response.url == f"{reverse('login')}?next={url}"


def test_login_page_is_open_and_has_a_csrf_protected_form(client):
    response = client.get(reverse("login"))
    assert response.status_code == 200
    assert b"csrfmiddlewaretoken" in response.content
    assert b'name="password"' in response.content


def test_home_redirects_to_competitions(user_client):
    response = user_client.get("/")
    assert response.status_code == 302
    assert response.url == reverse("competitions:competition-list")


def test_navigation_has_logout_and_language_forms_and_no_admin_link_for_teachers(user_client):
    content = user_client.get(reverse("competitions:competition-list")).content.decode()
    assert f'action="{reverse("logout")}" method="post"' in content
    assert f'action="{reverse("set_language")}" method="post"' in content
    assert content.count("csrfmiddlewaretoken") >= 2
    assert reverse("admin:index") not in content


def test_navigation_shows_admin_to_staff(staff_client):
    content = staff_client.get(reverse("competitions:competition-list")).content.decode()
    assert reverse("admin:index") in content


def test_language_switch_is_a_post_that_sets_the_language(user_client, settings):
    url = reverse("competitions:competition-list")
    response = user_client.post(reverse("set_language"), {"language": "en", "next": url})
    assert response.status_code == 302
    assert response.url == url
    try:
        assert user_client.get(url).headers["Content-Language"] == "en"
    finally:
        translation.activate(settings.LANGUAGE_CODE)  # the request left English active in this thread


def test_logout_is_a_post(user_client):
    assert user_client.get(reverse("logout")).status_code == 405
    response = user_client.post(reverse("logout"))
    assert response.status_code == 302
    assert user_client.get(reverse("competitions:competition-list")).status_code == 302


# Query budgets


@pytest.mark.parametrize("page", PAGES)
def test_query_count_does_not_grow_with_the_data(
    user_client, world, media, page, django_assert_max_num_queries
):
    grow(world, 0, 3)
    with django_assert_max_num_queries(QUERY_BUDGETS[page]):
        small = user_client.get(page_urls(world)[page])
    grow(world, 3, 30)
    with django_assert_max_num_queries(QUERY_BUDGETS[page]):
        large = user_client.get(page_urls(world)[page])
    assert small.status_code == large.status_code == 200
    assert len(large.content) > len(small.content)


# Escaping


def test_a_script_in_a_name_is_escaped_in_the_student_list_and_history(user_client, media):
    name = '<script>alert("x")</script>'
    student = make_student(name, student_number="2023999999")
    entry = make_entry(make_event(), members=[student], award="金牌")
    photo = Photo.objects.create(competition=entry.event.competition, image=png(), caption=name)
    photo.entries.add(entry)
    pages = [
        reverse("students:student-list"),
        student.get_absolute_url(),
        entry.event.competition.get_absolute_url(),
    ]
    for url in pages:
        content = user_client.get(url).content.decode()
        assert "<script>" not in content, url
        assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;" in content, url


# Search


@pytest.fixture
def two_students():
    make_student("郑泽鑫", student_number="2023010101")
    make_student("李明", student_number="2022020202")


@pytest.mark.parametrize("q", ["2023010101", "zzx", "ZZX", "zhengzexin", "泽鑫"])
def test_student_search_finds_by_number_pinyin_initials_or_name(user_client, two_students, q):
    response = user_client.get(reverse("students:student-list"), {"q": q})
    names = [row.record.name for row in response.context["table"].rows]
    assert names == ["郑泽鑫"]


def test_student_list_filters_by_department_and_cohort(user_client):
    department = make_department("汽车系")
    make_student("王一", department=department, cohort_year=2022)
    make_student("王二", department=department, cohort_year=2023)
    make_student("王三", cohort_year=2022)
    response = user_client.get(
        reverse("students:student-list"), {"department": department.pk, "cohort_year": 2022}
    )
    assert [row.record.name for row in response.context["table"].rows] == ["王一"]


def test_student_list_counts_entries_and_shows_the_best_result(user_client):
    student = make_student("郑泽鑫")
    make_entry(make_event(), members=[student], award="铜牌")
    make_entry(make_event(is_team=True), members=[student, make_student("队友")], award="一等奖")
    response = user_client.get(reverse("students:student-list"), {"q": "zzx"})
    (row,) = response.context["table"].rows
    assert row.get_cell("n_entries") == 2
    assert row.get_cell("best_result").startswith("一等奖 · ")


def test_coach_search_finds_by_initials(user_client):
    make_coach("陈大文")
    make_coach("林小红")
    response = user_client.get(reverse("students:coach-list"), {"q": "cdw"})
    assert [row.record.name for row in response.context["table"].rows] == ["陈大文"]


def test_competition_list_filters_and_counts(user_client):
    national = make_competition("全国赛", year=2023, level="national")
    make_competition("省赛", year=2022, level="provincial")
    event = make_event(national, is_team=True)
    make_entry(event, members=[make_student(), make_student()], award="金牌")
    make_entry(event, award="入围国家集训队")
    make_entry(make_event(national), award="铜牌")
    response = user_client.get(reverse("competitions:competition-list"), {"year": 2023, "level": "national"})
    (row,) = response.context["table"].rows
    assert row.record == national
    assert row.get_cell("n_events") == 2
    assert row.get_cell("n_medals") == 2  # the squad selection is not a medal


def test_competition_list_counts_from_the_years(user_client, django_assert_num_queries):
    """The list's count comes from the years' counts when no filter but the year is in use, and
    agrees with the rows; with another filter it is counted (one query more) unless the first
    page holds every row."""
    for number in range(20):
        make_competition(f"赛{number:02}", year=2023, level="provincial" if number % 2 else "national")
    for number in range(9):
        make_competition(f"旧赛{number}", year=2021, level="national")
    url = reverse("competitions:competition-list")
    for params, expected, counted in [
        ({}, 29, False),
        ({"page": 2}, 29, False),
        ({"year": 2023}, 20, False),
        ({"year": 2021, "page": 1}, 9, False),
        ({"level": "national"}, 19, False),  # the first page holds every row: no count
        ({"year": 2023, "level": "national", "per_page": 5}, 10, True),
        ({"name": "旧", "per_page": 4, "page": 2}, 9, True),
    ]:
        with django_assert_num_queries(QUERY_BUDGETS["competition-list"] + counted):
            response = user_client.get(url, params)
        paginator = response.context["table"].paginator
        assert paginator.count == expected, params
        rows = [row.record for number in paginator.page_range for row in paginator.page(number)]
        assert len(rows) == expected and len(set(rows)) == expected, params
    # The options of the year list are the years that have a competition, newest first.
    form = user_client.get(url).context["filter"].form
    assert [value for value, _label in form.fields["year"].choices][1:] == [2023, 2021]
    refused = user_client.get(url, {"year": 1999})
    assert refused.context["filter"].errors and refused.context["table"].paginator.count == 0


# The competition's medal table


def medal_table_html(response) -> str:
    content = response.content.decode()
    return content[content.index('class="table medal-table"') :].split("</table>", 1)[0]


def test_team_gold_counts_once_for_the_organization(user_client):
    competition = make_competition()
    team = [make_student("甲"), make_student("乙"), make_student("丙")]
    make_entry(make_event(competition, is_team=True), members=team, award="金牌", organization="本校")
    response = user_client.get(competition.get_absolute_url())
    (row,) = response.context["medal_rows"]
    assert (row.name, row.gold, row.total) == ("本校", 1, 1)
    table = medal_table_html(response)
    assert table.count("本校") == 1
    cells = re.findall(r'<td class="num">(\d+)</td>', table)
    assert cells == ["1", "0", "1", "0", "0", "0", "1", "4"]  # rank, 5 tiers, total, points


@pytest.fixture
def contest():
    """A gold for 甲校 and three bronzes for 乙校, one of them in a selection event."""
    competition = make_competition()
    make_entry(make_event(competition), members=[make_student("金牌选手")], award="金牌", organization="甲校")
    for i in range(3):
        make_entry(
            make_event(competition, is_selection=i == 0),
            members=[make_student(f"铜牌选手{i}")],
            award="铜牌",
            organization="乙校",
        )
    return competition


def test_medal_table_order_changes_with_the_order_param(user_client, contest):
    url = contest.get_absolute_url()
    by_tiers = user_client.get(url).context["medal_rows"]
    by_total = user_client.get(url, {"order": "total"}).context["medal_rows"]
    assert [row.name for row in by_tiers] == ["甲校", "乙校"]
    assert [row.name for row in by_total] == ["乙校", "甲校"]


def test_medal_table_groups_by_student_with_links(user_client, contest):
    response = user_client.get(contest.get_absolute_url(), {"by": "student"})
    rows = response.context["medal_rows"]
    assert [row.name for row in rows][0] == "金牌选手"
    assert len(rows) == 4
    assert reverse("students:student-detail", args=[rows[0].key]) in medal_table_html(response)


def test_medal_table_can_count_selection_events_only(user_client, contest):
    rows = user_client.get(contest.get_absolute_url(), {"selection": "1"}).context["medal_rows"]
    assert [(row.name, row.bronze) for row in rows] == [("乙校", 1)]


def test_an_organization_out_of_the_ranking_has_no_rank_and_the_others_do_not_shift(user_client, contest):
    contest.unranked_organizations.add(make_organization("甲校"))
    response = user_client.get(contest.get_absolute_url())
    assert [(row.name, row.rank) for row in response.context["medal_rows"]] == [("甲校", None), ("乙校", 1)]
    first_row = medal_table_html(response).split("<tbody>")[1].split("</tr>")[0]
    assert re.search(r'<td class="num"><span title="[^"]+">—</span></td>', first_row)
    assert "甲校" in first_row


def test_excluded_organization_is_left_out_of_the_table(user_client, contest):
    from competitions.aggregates import results_changed

    contest.excluded_organizations.add(make_organization("乙校"))
    results_changed([contest.pk])  # as the competition form and the admin do after this change
    rows = user_client.get(contest.get_absolute_url()).context["medal_rows"]
    assert [row.name for row in rows] == ["甲校"]
    selection = user_client.get(contest.get_absolute_url(), {"selection": "1"}).context["medal_rows"]
    assert "乙校" not in [row.name for row in selection]


@pytest.mark.parametrize(
    "params",
    [
        {"by": "password", "order": "DROP TABLE", "selection": "yes"},
        {"by": "", "order": ""},
        {"by": ["student", "evil"], "order": "points\x00"},
    ],
)
def test_invalid_medal_table_params_fall_back_to_defaults(user_client, contest, params):
    response = user_client.get(contest.get_absolute_url(), params)
    assert response.status_code == 200
    assert response.context["order"] == "tiers"
    assert response.context["selection_only"] is False
    assert response.context["by"] == "organization"


@pytest.mark.parametrize(
    "url_name, params",
    [
        (
            "competitions:competition-list",
            {"year": "abc", "level": "evil", "sort": "password", "page": "999"},
        ),
        ("competitions:competition-list", {"_connector": "OR", "name__regex": ".*", "page": "x"}),
        ("students:student-list", {"department": "x", "cohort_year": "y", "training_level": "z"}),
        ("students:student-list", {"q": "%' OR 1=1 --", "sort": "-best_result"}),
        ("students:coach-list", {"q": "<b>", "department": "999999", "sort": "staff_number"}),
    ],
)
def test_invalid_list_params_do_not_error(user_client, url_name, params):
    response = user_client.get(reverse(url_name), params)
    assert response.status_code == 200


# History pages


def test_student_history_shows_each_entry_with_team_mates_coaches_and_tier_counts(user_client, media):
    student = make_student("郑泽鑫", student_number="2023010101")
    mate = make_student("黄子轩")
    coach = make_coach("陈老师")
    competition = make_competition("世界技能大赛", year=2024, level="world")
    entry = make_entry(
        make_event(competition, name="移动机器人", is_team=True),
        members=[student, mate],
        award="Medallion for Excellence",
        organization="中国代表团",
        coaches=[coach],
        rank=4,
        score="702",
    )
    make_entry(make_event(name="机电一体化"), members=[student], award="金牌")
    photo = Photo.objects.create(competition=competition, image=png(), caption="领奖")
    photo.entries.add(entry)

    response = user_client.get(student.get_absolute_url())
    content = response.content.decode()
    assert [e.event.name for e in response.context["entries"]] == ["移动机器人", "机电一体化"]
    assert dict((tier.value, n) for tier, n in response.context["tier_counts"]) == {
        "special": 0,
        "gold": 1,
        "silver": 0,
        "bronze": 0,
        "excellence": 1,
        "other": 0,
    }
    assert f'<a href="{mate.get_absolute_url()}">黄子轩</a>' in content
    assert f'<a href="{coach.get_absolute_url()}">陈老师</a>' in content
    # Chinese data on an English page says it is Chinese (competitions.templatetags.lang_marks).
    assert (
        f'<a href="{competition.get_absolute_url()}"><span lang="zh-Hans">世界技能大赛</span></a>' in content
    )
    assert "Medallion for Excellence" in content
    assert photo.image.url in content
    # The student is not listed as their own team mate.
    assert content.count(f'href="{student.get_absolute_url()}"') == 0


def test_coach_page_keeps_coached_and_competed_entries_apart(user_client):
    coach = make_coach("陈老师")
    student = make_student("郑泽鑫")
    make_entry(make_event(name="数控铣"), members=[student], coaches=[coach], award="银牌")
    make_entry(make_event(name="教师教学能力"), members=[coach], award="一等奖")
    response = user_client.get(coach.get_absolute_url())
    assert [e.event.name for e in response.context["coached"]] == ["数控铣"]
    assert [e.event.name for e in response.context["competed"]] == ["教师教学能力"]
    assert f'<a href="{student.get_absolute_url()}">郑泽鑫</a>' in response.content.decode()


def test_competition_detail_links_members_and_coaches(user_client):
    competition = make_competition()
    student = make_student("郑泽鑫")
    teacher = make_coach("陈老师")
    make_entry(
        make_event(competition, is_team=True),
        members=[student, "外校选手"],
        coaches=[teacher],
        award="金牌",
    )
    content = user_client.get(competition.get_absolute_url()).content.decode()
    assert f'<a href="{student.get_absolute_url()}">郑泽鑫</a>' in content
    assert f'<a href="{teacher.get_absolute_url()}">陈老师</a>' in content
    assert '<li lang="zh-Hans">外校选手</li>' in content  # Chinese data marked on an English page
