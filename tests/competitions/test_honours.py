"""Honours that results lead to (competitions.honours, models.Honour): the rules, the office's
pages, the person pages, the annual summary's counts and the demo's honours."""

import io
from collections import Counter
from datetime import date

import pytest
from django.contrib.auth.models import Group
from django.core.exceptions import ValidationError
from django.urls import reverse
from openpyxl import load_workbook

from competitions import reports, roles
from competitions.demo import SQUAD_COMPETITION, load_demo
from competitions.honours import honours_by_kind, save_honour
from competitions.models import Entry, Honour, HonourKind, HonourPeople, HonourStatus
from tests.factories import (
    home_organization,
    make_coach,
    make_competition,
    make_entry,
    make_event,
    make_student,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def office_client(client, django_user_model):
    user = django_user_model.objects.create_user("office-user", password="a-long-test-password")
    user.groups.add(Group.objects.get(name=roles.OFFICE))
    client.force_login(user)
    return client


@pytest.fixture
def teacher_client(client, django_user_model):
    user = django_user_model.objects.create_user("teacher-user", password="a-long-test-password")
    user.groups.add(Group.objects.get(name=roles.TEACHERS))
    client.force_login(user)
    return client


def squad_entry(competition=None):
    competition = competition or make_competition("第47届世界技能大赛中国集训队选拔")
    return make_entry(make_event(competition, name="入围集训队"), award="入围国家集训队")


def form_data(**fields) -> dict:
    data = {
        "kind": HonourKind.NATIONAL_EXPERT,
        "status": HonourStatus.QUALIFIED,
        "title": "",
        "year": "2023",
        "date": "",
        "document_number": "",
        "student_name": "",
        "teacher_name": "",
        "count": "",
        "people": "",
        "competition": "",
        "notes": "",
    }
    data.update(fields)
    return {key: value for key, value in data.items() if value is not None}


# ---------------------------------------------------------------------------------------------
# The rules


def messages_of(honour: Honour) -> dict:
    with pytest.raises(ValidationError) as caught:
        honour.full_clean()
    return caught.value.message_dict


def test_a_named_honour_is_for_one_student_or_one_teacher_not_both():
    honour = Honour(kind=HonourKind.NATIONAL_EXPERT, year=2023, student=make_student(), coach=make_coach())
    assert messages_of(honour)["coach"] == [
        "An honour is for one person: choose a student or a teacher, not both."
    ]


def test_an_unnamed_honour_needs_a_count_of_one_or_more_and_who():
    errors = messages_of(Honour(kind=HonourKind.NATIONAL_EXPERT, year=2023))
    assert errors["count"] == [
        "An unnamed honour needs the number of people (1 or more); or name a student or a teacher."
    ]
    assert errors["people"] == ["Say whether the unnamed people are students, teachers or both."]
    errors = messages_of(
        Honour(kind=HonourKind.NATIONAL_EXPERT, year=2023, count=0, people=HonourPeople.BOTH)
    )
    assert "count" in errors


def test_a_named_honour_has_no_count_and_no_who():
    honour = Honour(
        kind=HonourKind.SKILL_GRADE, year=2023, student=make_student(), count=3, people=HonourPeople.STUDENTS
    )
    errors = messages_of(honour)
    assert errors["count"] == ["A named honour is for one person: leave the number of people empty."]
    assert errors["people"] == ["Only an unnamed honour says who its people are: leave it empty."]


def test_the_date_falls_in_the_year():
    honour = Honour(kind=HonourKind.SKILL_GRADE, year=2023, date=date(2022, 12, 1), student=make_student())
    assert messages_of(honour)["date"] == ["The date is in 2022, not in 2023."]


def test_the_database_refuses_a_person_and_a_count():
    from django.db import IntegrityError, transaction

    with pytest.raises(IntegrityError), transaction.atomic():
        Honour.objects.create(kind=HonourKind.SKILL_GRADE, year=2023, student=make_student(), count=2)


def test_a_squad_selection_must_link_a_squad_entry():
    honour = Honour(kind=HonourKind.SQUAD, year=2023, count=1, people=HonourPeople.STUDENTS)
    message = (
        "A national training squad selection links the entry that records it: choose at least one entry "
        "whose award is a squad selection."
    )
    with pytest.raises(ValidationError) as caught:
        save_honour(honour=honour, entries=[])
    assert caught.value.message_dict["entries"] == [message]
    with pytest.raises(ValidationError):
        save_honour(honour=honour, entries=[make_entry(award="金牌")])
    assert not Honour.objects.exists()
    entry = squad_entry()
    save_honour(honour=honour, entries=[entry])
    assert list(honour.entries.all()) == [entry]


# ---------------------------------------------------------------------------------------------
# The office's pages


def test_the_office_adds_a_named_honour_for_a_student_written_with_the_number(office_client):
    home_organization()
    student = make_student("李文博", student_number="20210001")
    make_student("李文博", student_number="20210002")
    entry = make_entry(make_event(name="移动机器人"), members=[student], award="金牌")
    competition = entry.event.competition
    response = office_client.post(
        reverse("competitions:honour-create"),
        form_data(
            kind=HonourKind.SKILL_GRADE,
            status=HonourStatus.AWARDED,
            title="高级技师",
            document_number="人社部函〔2021〕99号",
            student_name="李文博（20210001）",
            competition=str(competition.pk),
            entries=[str(entry.pk)],
        ),
    )
    assert response.status_code == 302
    honour = Honour.objects.get()
    assert (honour.student, honour.document_number, list(honour.entries.all())) == (
        student,
        "人社部函〔2021〕99号",
        [entry],
    )
    assert honour.history.exists()


def test_the_form_names_an_unknown_or_ambiguous_person(office_client):
    home_organization()
    make_student("张伟")
    make_student("张伟")
    response = office_client.post(reverse("competitions:honour-create"), form_data(student_name="王五"))
    assert (
        "No recorded student “王五”: record them first (an entry or the admin)." in response.content.decode()
    )
    response = office_client.post(reverse("competitions:honour-create"), form_data(student_name="张伟"))
    assert "2 students are named 张伟" in response.content.decode()
    assert not Honour.objects.exists()


def test_the_form_refuses_a_squad_selection_without_its_entry(office_client):
    squad_entry()
    response = office_client.post(
        reverse("competitions:honour-create"),
        form_data(
            kind=HonourKind.SQUAD, status=HonourStatus.AWARDED, count="7", people=HonourPeople.STUDENTS
        ),
    )
    assert "A national training squad selection links the entry that records it" in response.content.decode()
    assert not Honour.objects.exists()


def test_show_its_entries_lists_one_competitions_entries_and_saves_nothing(office_client):
    entry = squad_entry()
    other = make_entry(make_event(make_competition("另一赛事"), name="别的赛项"), award="银牌")
    response = office_client.post(
        reverse("competitions:honour-create"),
        form_data(kind=HonourKind.SQUAD, competition=str(entry.event.competition_id), show_entries="1"),
    )
    page = response.content.decode()
    entries = page[page.index('name="entries"') : page.index("</select>", page.index('name="entries"'))]
    assert f'value="{entry.pk}"' in entries and f'value="{other.pk}"' not in entries
    assert "errorlist" not in page  # nothing checked yet
    assert not Honour.objects.exists()


def test_the_office_edits_and_deletes_an_honour(office_client):
    honour = Honour.objects.create(
        kind=HonourKind.NATIONAL_EXPERT, year=2023, count=20, people=HonourPeople.BOTH
    )
    response = office_client.post(
        reverse("competitions:honour-edit", args=[honour.pk]),
        form_data(count="21", people=HonourPeople.BOTH),
    )
    assert response.status_code == 302
    honour.refresh_from_db()
    assert honour.count == 21
    response = office_client.post(reverse("competitions:honour-delete", args=[honour.pk]))
    assert response.status_code == 302 and not Honour.objects.exists()


def test_teachers_read_honours_and_change_nothing(teacher_client):
    honour = Honour.objects.create(
        kind=HonourKind.NATIONAL_EXPERT, year=2023, count=20, people=HonourPeople.BOTH
    )
    response = teacher_client.get(reverse("competitions:honour-list"))
    assert response.status_code == 200
    assert "National technical expert" in response.content.decode()
    assert reverse("competitions:honour-edit", args=[honour.pk]) not in response.content.decode()
    assert (
        teacher_client.post(
            reverse("competitions:honour-create"), form_data(count="1", people="both")
        ).status_code
        == 403
    )
    assert (
        teacher_client.post(reverse("competitions:honour-edit", args=[honour.pk]), form_data()).status_code
        == 403
    )
    assert teacher_client.post(reverse("competitions:honour-delete", args=[honour.pk])).status_code == 403
    assert Honour.objects.get().count == 20


def test_anonymous_visitors_never_see_honours(client):
    honour = Honour.objects.create(
        kind=HonourKind.NATIONAL_EXPERT, year=2023, count=20, people=HonourPeople.BOTH
    )
    for url in (
        reverse("competitions:honour-list"),
        reverse("competitions:honour-create"),
        reverse("competitions:honour-edit", args=[honour.pk]),
    ):
        response = client.get(url)
        assert response.status_code == 302 and response.url.startswith(reverse("login"))
    assert client.post(reverse("competitions:honour-delete", args=[honour.pk])).status_code == 302
    assert Honour.objects.exists()


def test_the_list_filters_by_year_and_kind(teacher_client):
    Honour.objects.create(kind=HonourKind.NATIONAL_EXPERT, year=2023, count=20, people=HonourPeople.BOTH)
    Honour.objects.create(kind=HonourKind.PROVINCIAL_EXPERT, year=2022, count=5, people=HonourPeople.STUDENTS)
    page = teacher_client.get(reverse("competitions:honour-list"), {"year": "2022"}).content.decode()
    assert "Provincial technical expert" in page and "National technical expert</td>" not in page
    page = teacher_client.get(
        reverse("competitions:honour-list"), {"kind": "national_expert"}
    ).content.decode()
    assert "National technical expert</td>" in page and "Provincial technical expert</td>" not in page


def test_the_list_makes_the_same_queries_for_few_and_many_honours(
    teacher_client, django_assert_max_num_queries
):
    def add(n):
        for _ in range(n):
            entry = make_entry(members=[make_student()])
            save_honour(
                honour=Honour(kind=HonourKind.SKILL_GRADE, year=2023, student=entry.members.get().student),
                entries=[entry],
            )

    add(1)
    with django_assert_max_num_queries(12):
        teacher_client.get(reverse("competitions:honour-list"))
    add(10)
    with django_assert_max_num_queries(12):
        assert teacher_client.get(reverse("competitions:honour-list")).status_code == 200


# ---------------------------------------------------------------------------------------------
# Person pages


def test_student_and_coach_pages_show_their_honours_in_a_fixed_number_of_queries(
    teacher_client, django_assert_max_num_queries
):
    student, coach = make_student("蒋家俊"), make_coach("刘欢")

    def add(n):
        for _ in range(n):
            entry = make_entry(make_event(), members=[student], coaches=[coach])
            save_honour(
                honour=Honour(kind=HonourKind.SKILL_GRADE, title="高级技师", year=2023, student=student),
                entries=[entry],
            )
            save_honour(
                honour=Honour(
                    kind=HonourKind.TEACHING_TITLE,
                    status=HonourStatus.NOMINATED,
                    title="正高级讲师",
                    year=2023,
                    document_number="粤人社函〔2023〕1号",
                    coach=coach,
                ),
                entries=[entry],
            )

    add(1)
    student_url = reverse("students:student-detail", args=[student.pk])
    coach_url = reverse("students:coach-detail", args=[coach.pk])
    counts = {}
    for url in (student_url, coach_url):
        from django.db import connection
        from django.test.utils import CaptureQueriesContext

        with CaptureQueriesContext(connection) as captured:
            teacher_client.get(url)
        counts[url] = len(captured)
    add(8)
    for url in (student_url, coach_url):
        with django_assert_max_num_queries(counts[url]):
            response = teacher_client.get(url)
        page = response.content.decode()
        assert 'id="honours"' in page
    assert "高级技师" in teacher_client.get(student_url).content.decode()
    page = teacher_client.get(coach_url).content.decode()
    assert "正高级讲师" in page and "粤人社函〔2023〕1号" in page and "Nominated" in page


def test_a_merge_moves_the_honours_to_the_record_kept():
    from students.merging import merge_students

    keep, remove = make_student("周玮", student_number="1"), make_student("周玮")
    save_honour(honour=Honour(kind=HonourKind.SKILL_GRADE, year=2023, student=remove), entries=[])
    merge_students(keep=keep, remove=remove, user=None)
    assert Honour.objects.get().student == keep


# ---------------------------------------------------------------------------------------------
# The annual summary


def some_honours():
    home_organization()
    students = [make_student() for _ in range(3)]
    coach = make_coach()
    entry = squad_entry()
    save_honour(
        honour=Honour(kind=HonourKind.SQUAD, year=2023, count=7, people=HonourPeople.STUDENTS),
        entries=[entry],
    )
    save_honour(
        honour=Honour(
            kind=HonourKind.SQUAD, year=2023, student=students[0], title="第47届世界技能大赛中国集训队"
        ),
        entries=[entry],
    )
    for kind, status, person, count, people in [
        (HonourKind.NATIONAL_EXPERT, HonourStatus.QUALIFIED, None, 20, HonourPeople.BOTH),
        (HonourKind.NATIONAL_EXPERT, HonourStatus.QUALIFIED, students[1], None, ""),
        (HonourKind.NATIONAL_EXPERT, HonourStatus.AWARDED, None, 11, HonourPeople.TEACHERS),
        (HonourKind.NATIONAL_EXPERT, HonourStatus.AWARDED, coach, None, ""),
        (HonourKind.PROVINCIAL_EXPERT, HonourStatus.NOMINATED, students[2], None, ""),
        (HonourKind.PROVINCIAL_EXPERT, HonourStatus.AWARDED, None, 4, HonourPeople.STUDENTS),
    ]:
        save_honour(
            honour=Honour(
                kind=kind,
                status=status,
                year=2023,
                student=person if person in students else None,
                coach=person if person == coach else None,
                count=count,
                people=people,
            ),
            entries=[],
        )
    # Another year, not counted in 2023.
    Honour.objects.create(kind=HonourKind.NATIONAL_EXPERT, year=2022, count=99, people=HonourPeople.BOTH)


def recount(year: int) -> Counter:
    """(kind, status) → (named, unnamed), brute force, one honour at a time."""
    counts = Counter()
    for honour in Honour.objects.all():
        if honour.year == year:
            named = 0 if honour.student_id is None and honour.coach_id is None else 1
            counts[(honour.kind, honour.status, "named")] += named
            counts[(honour.kind, honour.status, "unnamed")] += honour.count or 0
    return counts


def as_counter(rows) -> Counter:
    counts = Counter()
    for kind, status, named, unnamed in rows:
        counts[(kind, status, "named")] += named
        counts[(kind, status, "unnamed")] += unnamed
    return counts


def test_honours_by_kind_equals_a_recount_one_honour_at_a_time(django_assert_max_num_queries):
    some_honours()
    with django_assert_max_num_queries(1):
        rows = honours_by_kind(2023)
    assert as_counter((row.kind, row.status, row.named, row.unnamed) for row in rows) == recount(2023)
    assert all(row.total == row.named + row.unnamed for row in rows)
    assert [(row.kind, row.status) for row in rows] == [
        ("squad", "awarded"),
        ("national_expert", "qualified"),
        ("national_expert", "awarded"),
        ("provincial_expert", "nominated"),
        ("provincial_expert", "awarded"),
    ]


def test_the_summary_page_and_workbook_count_the_honours(user_client):
    some_honours()
    response = user_client.get(reverse("competitions:annual-summary"), {"year": 2023})
    summary = response.context["summary"]
    assert as_counter((r.kind, r.status, r.named, r.unnamed) for r in summary.honours) == recount(2023)
    page = response.content.decode()
    assert 'id="honours"' in page and "Qualified to apply" in page

    data = user_client.get(reverse("competitions:annual-summary-xlsx", args=[2023])).content
    sheet = load_workbook(io.BytesIO(data))["Honours and titles"]
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0] == ("Kind", "Status", "Named", "Unnamed", "Total")
    labels = {(str(k.label), str(s.label)): (k.value, s.value) for k in HonourKind for s in HonourStatus}
    counted = as_counter(
        (*labels[(kind, status)], named, unnamed) for kind, status, named, unnamed, _t in rows[1:]
    )
    assert counted == recount(2023)
    assert all(total == named + unnamed for _k, _s, named, unnamed, total in rows[1:])


def test_the_paragraph_says_the_honours_once_each():
    some_honours()
    summary = reports.annual_summary(2023)
    assert "共有 21 名师生获得“全国技术能手”申报资格，12 名教师获评“全国技术能手”" in summary.paragraph_zh
    assert "1 名学生被推荐申报“省技术能手”，4 名学生获评“省技术能手”" in summary.paragraph_zh
    # Squad selections are told by the squad sentence from their entries, not a second time.
    assert summary.paragraph_zh.count("集训队") == summary.paragraph_zh.count("入围国家集训队") * 2
    assert (
        "Honours: 21 students and teachers qualified to apply for National Technical Expert, "
        "12 teachers were named National Technical Expert"
    ) in summary.paragraph_en
    # A summary of one category leaves the college's honours out.
    assert reports.annual_summary(2023, category="skills").honours == []


# ---------------------------------------------------------------------------------------------
# The demo


def test_the_demo_holds_the_reports_honours_and_adds_none_the_second_time():
    first = load_demo()
    assert first["honours_added"] == 3
    squad = Honour.objects.get(kind=HonourKind.SQUAD)
    assert (squad.count, squad.people, squad.status, squad.is_unnamed) == (7, "students", "awarded", True)
    squad_entries = Entry.objects.filter(event__competition__name=SQUAD_COMPETITION)
    assert set(squad.entries.all()) == set(squad_entries) and squad_entries.count() == 7
    qualified = Honour.objects.get(kind=HonourKind.NATIONAL_EXPERT, status=HonourStatus.QUALIFIED)
    assert (qualified.count, qualified.people, qualified.year) == (20, "both", 2023)
    assert "共有 20 名师生获得" in qualified.notes
    awarded = Honour.objects.get(kind=HonourKind.NATIONAL_EXPERT, status=HonourStatus.AWARDED)
    assert (awarded.count, awarded.people, awarded.year) == (11, "teachers", 2023)
    assert "全国技术能手11人" in awarded.notes

    second = load_demo()
    assert second["honours_added"] == 0 and second["honours"] == 3
    assert Honour.objects.count() == 3 and squad.entries.count() == 7


def test_the_demo_summary_says_the_reports_sentences():
    load_demo()
    paragraph = reports.annual_summary(2023).paragraph_zh
    assert "共有 20 名师生获得“全国技术能手”申报资格，11 名教师获评“全国技术能手”。" in paragraph
    assert "还有 7 人在第47届世界技能大赛中国集训队选拔中入围国家集训队" in paragraph


# ---------------------------------------------------------------------------------------------
# Both languages


def test_the_pages_speak_the_visitors_language(teacher_client, settings):
    honour = Honour.objects.create(
        kind=HonourKind.NATIONAL_EXPERT, year=2023, count=20, people=HonourPeople.BOTH
    )
    page = teacher_client.get(reverse("competitions:honour-list")).content.decode()
    assert "Honours and titles" in page and "Students and teachers" in page and "Awarded" in page
    teacher_client.cookies[settings.LANGUAGE_COOKIE_NAME] = "zh-hans"
    response = teacher_client.get(reverse("competitions:honour-list"))
    assert response.status_code == 200
    assert '<html lang="zh-hans">' in response.content.decode()
    # The summary's sentences are content in a fixed language, whatever the interface's.
    summary = reports.annual_summary(2023)
    assert summary.honours[0].kind == honour.kind
