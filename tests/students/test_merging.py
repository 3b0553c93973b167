"""Merging two records of one person (DOMAIN.md rule 10): the service, the duplicates page, the merge
pages and who may use them."""

import pytest
from django.contrib.auth.models import Group
from django.core.exceptions import ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from competitions import roles
from competitions.aggregates import verify
from competitions.models import EntryCoach, EntryMember, Photo, TallyKind, TallyTotal
from students.merging import merge_coaches, merge_students
from students.models import Coach, MergeRecord, Student, StudentNumberAlias
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
from tests.students.results import jpeg

pytestmark = pytest.mark.django_db


@pytest.fixture
def office(django_user_model):
    user = django_user_model.objects.create_user("office", password="a-long-test-password")
    user.groups.add(Group.objects.get(name=roles.OFFICE))
    return user


@pytest.fixture
def office_client(client, office):
    client.force_login(office)
    return client


@pytest.fixture
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    return tmp_path


@pytest.fixture
def zheng(media):
    """郑泽鑫 entered twice: once with the number 20210001 in 机器人系, once as 20210002 with a photo,
    class and cohort (the record an import made from a sheet with a mistyped number)."""
    home_organization()
    robots = make_department("机器人系")
    kept = make_student("郑泽鑫", student_number="20210001", department=robots)
    removed = make_student(
        "郑泽鑫",
        student_number="20210002",
        class_name="机器人2101班",
        cohort_year=2021,
        training_level=Student.TrainingLevel.PRE_TECHNICIAN,
        major=make_major("工业机器人应用与维护", department=robots),
        photo=jpeg("zheng.jpg"),
    )
    StudentNumberAlias.objects.create(number="2021-0002", student=removed)
    provincial = make_competition("广东省职业技能大赛", year=2022, level="provincial")
    national = make_competition("中华人民共和国第二届职业技能大赛", year=2023)
    mate = make_student("黄子轩", department=robots)
    kept_entry = make_entry(make_event(provincial, name="移动机器人", is_team=True), members=[kept, mate])
    removed_entry = make_entry(
        make_event(national, name="移动机器人", is_team=True), members=[removed, mate], award="银牌"
    )
    photo = Photo.objects.create(competition=national, image="photos/team.jpg")
    photo.entries.add(removed_entry)
    return {
        "kept": kept,
        "removed": removed,
        "kept_entry": kept_entry,
        "removed_entry": removed_entry,
        "photo": photo,
        "robots": robots,
        "national": national,
    }


def student_entries(student):
    return set(EntryMember.objects.filter(student=student).values_list("entry", flat=True))


# The service


def test_merging_moves_entries_fields_photo_and_numbers_to_the_record_kept(zheng, office):
    kept, removed = zheng["kept"], zheng["removed"]
    photo_name = removed.photo.name

    record = merge_students(keep=kept, remove=removed, user=office)

    assert not Student.objects.filter(pk=removed.pk).exists()
    kept.refresh_from_db()
    assert student_entries(kept) == {zheng["kept_entry"].pk, zheng["removed_entry"].pk}
    # Fields the kept record lacked come from the removed one; its own stay.
    assert (kept.student_number, kept.department, kept.class_name, kept.cohort_year) == (
        "20210001",
        zheng["robots"],
        "机器人2101班",
        2021,
    )
    assert kept.training_level == Student.TrainingLevel.PRE_TECHNICIAN
    assert kept.major.name == "工业机器人应用与维护"
    assert kept.photo.name == photo_name
    # The entry's photos follow the entry, which is now the kept student's.
    assert list(zheng["photo"].entries.filter(members__student=kept)) == [zheng["removed_entry"]]
    # The old numbers find the kept student.
    assert set(StudentNumberAlias.objects.filter(student=kept).values_list("number", flat=True)) == {
        "20210002",
        "2021-0002",
    }
    assert StudentNumberAlias.objects.get(number="20210002").student == kept
    assert (record.kind, record.kept_id, record.removed_id, record.entries_moved) == (
        "student",
        kept.pk,
        removed.pk,
        1,
    )
    assert (record.kept_number, record.removed_number, record.merged_by) == ("20210001", "20210002", office)
    assert record.filled_fields["class_name"] == "机器人2101班"
    assert record.removed_fields["student_number"] == "20210002"


def test_a_kept_record_without_a_number_takes_the_removed_one(zheng, office):
    kept, removed = zheng["kept"], zheng["removed"]
    Student.objects.filter(pk=kept.pk).update(student_number=None)
    kept.refresh_from_db()

    merge_students(keep=kept, remove=removed, user=office)

    kept.refresh_from_db()
    assert kept.student_number == "20210002"
    assert not StudentNumberAlias.objects.filter(number="20210002").exists()
    assert list(kept.number_aliases.values_list("number", flat=True)) == ["2021-0002"]


def test_a_major_of_another_department_is_not_taken(zheng, office):
    kept, removed = zheng["kept"], zheng["removed"]
    Student.objects.filter(pk=kept.pk).update(department=make_department("电气系"))
    kept.refresh_from_db()

    merge_students(keep=kept, remove=removed, user=office)

    kept.refresh_from_db()
    assert kept.major is None and kept.department.name == "电气系"


def test_every_moved_row_has_a_history_row_with_the_reason_and_the_user(zheng, office):
    merge_students(keep=zheng["kept"], remove=zheng["removed"], user=office)

    reason = "Merge: 郑泽鑫（20210002） into 郑泽鑫（20210001）"
    records = EntryMember.history.filter(history_change_reason=reason)
    assert [(r.entry_id, r.student_id, r.history_user, r.history_type) for r in records] == [
        (zheng["removed_entry"].pk, zheng["kept"].pk, office, "~")
    ]
    assert MergeRecord.objects.get().merged_by == office


def test_two_records_in_one_event_are_refused_and_nothing_changes(zheng, office):
    kept, removed = zheng["kept"], zheng["removed"]
    event = zheng["removed_entry"].event
    make_entry(event, members=[kept], award="铜牌")
    before = list(EntryMember.objects.order_by("pk").values_list("pk", "student", "entry"))
    tallies = sorted(TallyTotal.objects.values_list("kind", "key", "total", "entries"))

    with pytest.raises(ValidationError) as refusal:
        merge_students(keep=kept, remove=removed, user=office)

    message = refusal.value.messages[0]
    assert "郑泽鑫（20210002）" in message and "郑泽鑫（20210001）" in message and "移动机器人" in message
    assert "中华人民共和国第二届职业技能大赛" in message
    assert list(EntryMember.objects.order_by("pk").values_list("pk", "student", "entry")) == before
    assert Student.objects.filter(pk=removed.pk, student_number="20210002").exists()
    assert not StudentNumberAlias.objects.filter(student=kept).exists()
    assert not MergeRecord.objects.exists()
    assert not EntryMember.history.exclude(history_change_reason=None).exists()
    assert sorted(TallyTotal.objects.values_list("kind", "key", "total", "entries")) == tallies


def test_a_record_cannot_be_merged_with_itself(zheng, office):
    with pytest.raises(ValidationError, match="itself"):
        merge_students(keep=zheng["kept"], remove=zheng["kept"], user=office)
    assert Student.objects.filter(pk=zheng["kept"].pk).exists()


def test_tallies_follow_the_merge(zheng, office):
    kept, removed = zheng["kept"], zheng["removed"]
    assert TallyTotal.objects.get(kind=TallyKind.STUDENT, key=removed.pk).silver == 1

    merge_students(keep=kept, remove=removed, user=office)

    assert verify() == []
    assert not TallyTotal.objects.filter(kind=TallyKind.STUDENT, key=removed.pk).exists()
    row = TallyTotal.objects.get(kind=TallyKind.STUDENT, key=kept.pk)
    assert (row.gold, row.silver, row.entries) == (1, 1, 2)


def test_department_tallies_follow_the_department_taken_from_the_removed_record(office):
    home_organization()
    robots = make_department("机器人系")
    kept = make_student("蒋家俊")  # no department
    removed = make_student("蒋家骏", department=robots)
    make_entry(make_event(name="移动机器人"), members=[kept], award="金牌")
    make_entry(make_event(name="机电一体化"), members=[removed], award="铜牌")
    assert TallyTotal.objects.get(kind=TallyKind.DEPARTMENT, key=robots.pk).total == 1

    merge_students(keep=kept, remove=removed, user=office)

    assert verify() == []
    row = TallyTotal.objects.get(kind=TallyKind.DEPARTMENT, key=robots.pk)
    assert (row.gold, row.bronze, row.total) == (1, 1, 2)


def test_merging_coaches_moves_coaching_and_competing_and_keeps_one_coach_per_entry(office):
    home_organization()
    kept = make_coach("陈志强", staff_number="T001")
    removed = make_coach("陈志强", department=make_department("机器人系"))
    both = make_entry(make_event(name="移动机器人"), members=[make_student()], coaches=[kept, removed])
    only_removed = make_entry(make_event(name="机电一体化"), members=[make_student()], coaches=[removed])
    competed = make_entry(make_event(name="教师技能赛"), members=[removed], award="一等奖")

    record = merge_coaches(keep=kept, remove=removed, user=office)

    assert not Coach.objects.filter(pk=removed.pk).exists()
    assert sorted(EntryCoach.objects.filter(coach=kept).values_list("entry", flat=True)) == sorted(
        [both.pk, only_removed.pk]
    )
    assert EntryCoach.objects.filter(entry=both).count() == 1
    assert EntryMember.objects.get(entry=competed).coach == kept
    kept.refresh_from_db()
    assert (kept.staff_number, kept.department.name) == ("T001", "机器人系")
    assert record.entries_moved == 3
    reason = "Merge: 陈志强 into 陈志强（T001）"
    assert EntryCoach.history.filter(
        history_change_reason=reason, history_type="-", entry_id=both.pk
    ).exists()
    assert EntryCoach.history.filter(
        history_change_reason=reason, history_type="~", entry_id=only_removed.pk, history_user=office
    ).exists()
    assert EntryMember.history.filter(history_change_reason=reason, coach_id=kept.pk).exists()
    assert verify() == []
    assert TallyTotal.objects.get(kind=TallyKind.COACH, key=kept.pk).entries == 2


def test_two_teachers_competing_in_one_event_are_refused(office):
    event = make_event(name="教师技能赛")
    kept, removed = make_coach("陈志强"), make_coach("陈志强")
    make_entry(event, members=[kept])
    make_entry(event, members=[removed])
    with pytest.raises(ValidationError, match="教师技能赛"):
        merge_coaches(keep=kept, remove=removed, user=office)
    assert Coach.objects.filter(pk=removed.pk).exists()


# The pages


def test_the_duplicates_page_lists_same_name_same_pinyin_and_close_names(
    office_client, django_assert_max_num_queries
):
    robots = make_department("机器人系")
    make_student("郑泽鑫", student_number="20210001", department=robots)
    make_student("郑泽鑫", student_number="20210002")
    make_student("蒋家俊", department=robots)
    make_student("蒋家骏")
    make_student("李明华", department=robots)
    make_student("李明", department=robots)
    make_coach("陈志强")
    make_coach("陈志强", staff_number="T001")
    for _ in range(3):  # more entries do not cost more queries
        make_entry(
            make_event(is_team=True), members=[make_student(department=robots)], coaches=[make_coach()]
        )

    # session, user, permissions (2); for students and for coaches: the people read once, the pairs'
    # records, their facts; the recent merges.
    with django_assert_max_num_queries(4 + 2 * 3 + 1):
        response = office_client.get(reverse("students:duplicates"))

    assert response.status_code == 200
    page = response.content.decode()
    pairs = {
        (row["first"].name, row["second"].name, row["reason"])
        for section in response.context["sections"]
        for row in section["rows"]
    }
    assert {
        ("郑泽鑫", "郑泽鑫", "same name"),
        ("蒋家俊", "蒋家骏", "same pinyin"),
        ("李明华", "李明", "name one character away"),
        ("陈志强", "陈志强", "same name"),
    } <= pairs | {(b, a, reason) for a, b, reason in pairs}
    assert "20210002" in page and "T001" in page


def test_the_duplicates_page_costs_the_same_with_more_pairs(office_client):
    def add_pairs(start, count):
        for number in range(start, start + count):
            department = make_department(f"系{number}")  # names one character apart, other departments
            for suffix in "AB":
                student = make_student(
                    f"同名{number}", student_number=f"{number}{suffix}", department=department
                )
                make_entry(make_event(), members=[student], coaches=[make_coach(f"教练{number}")])

    def queries():
        with CaptureQueriesContext(connection) as captured:
            response = office_client.get(reverse("students:duplicates"))
        return len(captured), len(response.context["sections"][0]["rows"])

    add_pairs(0, 1)
    few = queries()
    add_pairs(1, 29)
    many = queries()
    assert (few[1], many[1]) == (1, 30)
    assert few[0] == many[0]


def test_names_are_escaped_on_the_merge_pages(office_client):
    first = make_student("<b>王</b>")
    second = make_student("<b>王</b>")
    for url in (
        reverse("students:duplicates"),
        reverse("students:student-merge", args=[first.pk, second.pk]),
        reverse("students:student-merge-pick", args=[first.pk]),
    ):
        page = office_client.get(url).content.decode()
        assert "&lt;b&gt;王&lt;/b&gt;" in page and "<b>王</b>" not in page


def test_the_merge_page_merges_and_redirects_to_the_person_kept(zheng, office_client, office):
    kept, removed = zheng["kept"], zheng["removed"]
    url = reverse("students:student-merge", args=[removed.pk, kept.pk])
    page = office_client.get(url)
    assert page.status_code == 200
    content = page.content.decode()
    assert "20210001" in content and "20210002" in content and "中华人民共和国第二届职业技能大赛" in content

    response = office_client.post(url, {"keep": kept.pk}, follow=True)

    assert response.redirect_chain == [(kept.get_absolute_url(), 302)]
    assert "merged into 郑泽鑫（20210001）: 1 entry moved" in response.content.decode()
    assert not Student.objects.filter(pk=removed.pk).exists()
    assert EntryMember.history.filter(history_user=office).exclude(history_change_reason=None).count() == 1
    recent = office_client.get(reverse("students:duplicates")).content.decode()
    assert "Recent merges" in recent and "20210002" in recent


def test_the_merge_page_shows_a_refusal_and_changes_nothing(zheng, office_client):
    kept, removed = zheng["kept"], zheng["removed"]
    make_entry(zheng["removed_entry"].event, members=[kept], award="铜牌")
    url = reverse("students:student-merge", args=[kept.pk, removed.pk])
    assert "both entered in" in office_client.get(url).content.decode()

    response = office_client.post(url, {"keep": kept.pk})

    assert response.status_code == 200
    assert "both entered in" in response.content.decode()
    assert Student.objects.filter(pk=removed.pk).exists()


def test_the_merge_page_refuses_a_record_that_is_not_one_of_the_pair(zheng, office_client):
    url = reverse("students:student-merge", args=[zheng["kept"].pk, zheng["removed"].pk])
    response = office_client.post(url, {"keep": make_student().pk})
    assert response.status_code == 200
    assert Student.objects.filter(pk=zheng["removed"].pk).exists()


def test_the_coach_merge_page_merges(office_client):
    kept, removed = make_coach("陈志强", staff_number="T001"), make_coach("陈志强")
    make_entry(make_event(), members=[make_student()], coaches=[removed])
    response = office_client.post(
        reverse("students:coach-merge", args=[kept.pk, removed.pk]), {"keep": kept.pk}
    )
    assert response.status_code == 302 and response.url == kept.get_absolute_url()
    assert not Coach.objects.filter(pk=removed.pk).exists()


def test_the_other_record_is_found_by_search_or_among_the_near_matches(zheng, office_client):
    kept, removed = zheng["kept"], zheng["removed"]
    url = reverse("students:student-merge-pick", args=[kept.pk])
    response = office_client.get(url, {"q": "郑泽鑫（20210002）"})
    assert [row["person"] for row in response.context["found"]] == [removed]
    assert [row["person"] for row in response.context["near"]] == [removed]
    merge_url = reverse("students:student-merge", args=[kept.pk, removed.pk])
    assert merge_url in response.content.decode()
    assert [row["person"] for row in office_client.get(url, {"q": "zzx"}).context["found"]] == [removed]


def test_the_office_reaches_the_merge_pages_by_links(zheng, office_client):
    home = office_client.get(reverse("home"), follow=True).content.decode()
    assert reverse("students:duplicates") in home
    student_page = office_client.get(zheng["kept"].get_absolute_url()).content.decode()
    assert reverse("students:student-merge-pick", args=[zheng["kept"].pk]) in student_page
    coach = make_coach()
    assert (
        reverse("students:coach-merge-pick", args=[coach.pk])
        in office_client.get(coach.get_absolute_url()).content.decode()
    )


def test_teachers_see_no_merge_links_and_cannot_merge(zheng, user_client):
    kept, removed = zheng["kept"], zheng["removed"]
    home = user_client.get(reverse("home"), follow=True).content.decode()
    assert reverse("students:duplicates") not in home
    assert (
        reverse("students:student-merge-pick", args=[kept.pk])
        not in user_client.get(kept.get_absolute_url()).content.decode()
    )
    url = reverse("students:student-merge", args=[kept.pk, removed.pk])
    assert user_client.post(url, {"keep": kept.pk}).status_code == 403
    assert Student.objects.filter(pk=removed.pk).exists()


def test_anonymous_visitors_are_sent_to_the_login_page(zheng, client):
    url = reverse("students:student-merge", args=[zheng["kept"].pk, zheng["removed"].pk])
    response = client.post(url, {"keep": zheng["kept"].pk})
    assert response.status_code == 302 and response.url.startswith(reverse("login"))
    assert Student.objects.filter(pk=zheng["removed"].pk).exists()


def test_a_sheet_imported_before_a_typo_merge_imports_again_adding_nothing(office):
    """The typo 蒋家骏 came with its own number; after the merge that number is 蒋家俊's former one,
    so the same sheet finds him and adds nothing (the names as written stay on the entries)."""
    from competitions.importing import import_sheet
    from competitions.models import Entry
    from tests.factories import home_organization

    home = home_organization()
    header = "赛事,年份,级别,赛项,单位,选手,学号,奖项\n"
    sheet = (
        header
        + f"振兴杯,2023,国家级,仪器仪表维修工,{home.name},蒋家俊,20990001,金奖\n"
        + f"振兴杯,2023,国家级,电工,{home.name},蒋家骏,20990002,银奖\n"
    ).encode()
    assert import_sheet(sheet, "a.csv").errors == []
    kept, typo = Student.objects.get(name="蒋家俊"), Student.objects.get(name="蒋家骏")
    merge_students(keep=kept, remove=typo, user=office)
    again = import_sheet(sheet, "a.csv")
    assert again.errors == [] and again.to_add == []
    assert Entry.objects.count() == 2 and Student.objects.filter(name__startswith="蒋家").count() == 1


def test_coaches_of_different_organizations_are_not_merged(office):
    from competitions.models import Organization

    home_teacher = Coach.objects.create(name="王老师")
    outside = Coach.objects.create(name="王老师", organization=Organization.objects.create(name="外校"))
    with pytest.raises(ValidationError, match="different organizations"):
        merge_coaches(keep=outside, remove=home_teacher, user=office)
    assert Coach.objects.count() == 2
