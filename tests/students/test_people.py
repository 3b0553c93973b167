"""Who a person is: students.people.People, the one finder the importer, the entries form and the
demo loader share (DOMAIN.md rules 9 and 10), its parser and near matches."""

import pytest
from django.core.exceptions import ValidationError

from competitions.models import Category
from students.models import Coach, Student, StudentNumberAlias
from students.people import (
    CLOSE_NAME,
    LEADING_ZEROS,
    SAME_NAME,
    SAME_PINYIN,
    People,
    likely_duplicates,
    near_matches,
    parse_people,
)
from tests.factories import (
    home_organization,
    make_coach,
    make_competition,
    make_department,
    make_organization,
    make_student,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def home():
    return home_organization()


@pytest.fixture
def delegation():
    return make_organization("广东省代表团", kind="delegation")


def finder(*named):
    return People([(name, number) for name, number in named])


def refused(call) -> ValidationError:
    with pytest.raises(ValidationError) as raised:
        call()
    return raised.value


# Students


def test_a_student_is_found_by_number_then_by_name(home):
    numbered = make_student("李文博", student_number="S002")
    named = make_student("苏镇邦")
    people = finder(("李文博", "S002"), ("苏镇邦", ""))
    assert people.student("李文博", "S002", organization=home) == numbered
    assert people.student("苏镇邦", organization=home) == named
    assert people.new_people == []


def test_a_former_number_of_a_merged_record_finds_the_student_kept(home, delegation):
    kept = make_student("蒋家俊", student_number="20210001")
    StudentNumberAlias.objects.create(number="20200099", student=kept)
    people = finder(("蒋家俊", "20200099"))
    assert people.student("蒋家俊", "20200099", organization=home) == kept
    assert people.student("蒋家俊", "20200099", organization=delegation) == kept
    assert people.new_people == [] and kept.student_number == "20210001"


def test_a_number_under_another_name_is_refused_naming_both(home):
    make_student("郑泽鑫", student_number="20210001")
    error = refused(lambda: finder(("郑永壕", "20210001")).student("郑永壕", "20210001", organization=home))
    assert error.code == "number_taken"
    assert "郑泽鑫" in error.messages[0] and "郑永壕" in error.messages[0]


def test_a_new_number_goes_to_the_one_unnumbered_student_of_that_name(home):
    jiang = make_student("蒋家俊")
    make_student("蒋家俊", student_number="20190001")  # numbered: not the one meant
    people = finder(("蒋家俊", "20210001"))
    found = people.student("蒋家俊", "20210001", organization=home)
    assert found == jiang and found.student_number == "20210001" and people.numbered == [found]
    assert people.new_people == []


def test_a_new_number_with_several_unnumbered_students_of_that_name_is_refused(home):
    make_student("蒋家俊"), make_student("蒋家俊")
    error = refused(lambda: finder(("蒋家俊", "20210001")).student("蒋家俊", "20210001", organization=home))
    assert error.code == "numbers_missing" and "numbers first" in error.messages[0]


def test_a_name_shared_by_several_students_asks_for_the_number_in_brackets(home):
    make_student("郑泽鑫", student_number="20210001"), make_student("郑泽鑫", student_number="20210002")
    error = refused(lambda: finder(("郑泽鑫", "")).student("郑泽鑫", organization=home))
    assert error.code == "ambiguous_student" and "郑泽鑫（20210001）" in error.messages[0]


def test_a_new_student_is_made_once_for_every_row_naming_them(home):
    people = finder(("李明", ""))
    first = people.student("李明", organization=home, row=2)
    assert first.pk is None and people.student("李明", organization=home, row=3) is first
    assert people.new_people == [first]


# Rule 9: whose medal


def test_a_number_in_another_organizations_row_links_the_home_student(delegation):
    jiang = make_student("蒋家俊", student_number="20210001")
    assert finder(("蒋家俊", "20210001")).student("蒋家俊", "20210001", organization=delegation) == jiang


def test_a_name_alone_in_another_organizations_row_stays_a_name(delegation):
    make_student("蒋家俊")
    people = finder(("蒋家俊", ""))
    assert people.student("蒋家俊", organization=delegation) == "蒋家俊"
    assert people.new_people == [] and people.notes == []


def test_an_unknown_number_in_another_organizations_row_stays_a_name_with_a_note(delegation):
    make_student("蒋家俊")  # unnumbered: the number is not given to them from a delegation's row
    people = finder(("蒋家俊", "20219999"))
    assert people.student("蒋家俊", "20219999", organization=delegation, row=7) == "蒋家俊"
    assert people.new_people == [] and people.numbered == []
    [note] = people.notes
    assert note.row == 7 and "20219999" in note.message and "广东省代表团" in note.message


def test_members_of_a_teacher_contest_are_teachers_and_others_students(home, delegation):
    liu = make_coach("刘欢")
    teachers = make_competition(category=Category.TEACHER)
    skills = make_competition()
    people = finder(("刘欢", ""), ("李明", ""))
    assert people.members([("刘欢", "")], organization=home, competition=teachers) == [liu]
    [student] = people.members([("李明", "")], organization=home, competition=skills)
    assert isinstance(student, Student) and student.pk is None
    assert people.members([("刘欢", "")], organization=delegation, competition=teachers) == ["刘欢"]


def test_members_report_every_problem_of_a_row_at_once(home):
    make_student("李明"), make_student("李明")
    make_student("郑泽鑫", student_number="1")
    people = finder(("李明", ""), ("王五", "1"))
    error = refused(
        lambda: people.members(
            [("李明", ""), ("王五", "1")], organization=home, competition=make_competition()
        )
    )
    assert [e.code for e in error.error_list] == ["ambiguous_student", "number_taken"]


# Teachers and coaches


def test_a_coach_in_any_organizations_row_is_the_home_teacher_of_that_name(delegation):
    chen = make_coach("陈老师")
    make_coach("陈老师", organization=make_organization("外校"))  # another organization's coach
    people = finder(("陈老师", ""))
    assert people.coach("陈老师", organization=delegation) == chen
    assert people.new_people == []


def test_without_a_home_teacher_of_that_name_a_coach_belongs_to_their_organization(home, delegation):
    outside = make_coach("Mr. Smith", organization=delegation)
    people = finder(("Mr. Smith", ""), ("林老师", ""), ("Ms. Lee", ""))
    assert people.coach("Mr. Smith", organization=delegation) == outside
    lin = people.coach("林老师", organization=home)
    lee = people.coach("Ms. Lee", organization=delegation)
    assert lin.pk is None and lin.organization is None
    assert lee.pk is None and lee.organization == delegation
    assert people.new_people == [lin, lee]


def test_an_ambiguous_home_teacher_asks_for_the_staff_number(delegation):
    make_coach("王伟", staff_number="T001")
    second = make_coach("王伟", staff_number="T002")
    people = finder(("王伟", ""), ("王伟", "T002"))
    error = refused(lambda: people.coach("王伟", organization=delegation))
    assert error.code == "ambiguous_teacher" and "王伟（T001）" in error.messages[0]
    assert people.coach("王伟", "T002", organization=delegation) == second


def test_a_staff_number_goes_to_the_one_unnumbered_home_teacher_of_that_name(home):
    wang = make_coach("王伟")
    people = finder(("王伟", "T001"))
    found = people.coach("王伟", "T001", organization=home)
    assert found == wang and found.staff_number == "T001" and people.numbered == [found]


def test_a_staff_number_under_another_name_is_refused(home):
    make_coach("王伟", staff_number="T001")
    error = refused(lambda: finder(("李强", "T001")).coach("李强", "T001", organization=home))
    assert error.code == "number_taken" and "王伟" in error.messages[0]


def test_an_unknown_staff_number_in_another_organizations_row_makes_no_home_teacher(delegation):
    make_coach("王伟", staff_number="T001")
    people = finder(("王伟", "T999"))
    coach = people.coach("王伟", "T999", organization=delegation, row=4)
    assert coach.organization == delegation and coach.pk is None
    assert "T999" in people.notes[0].message


# Near matches of new people


def test_a_typo_with_the_same_pinyin_and_a_second_number_are_near_matches(home):
    robots = make_department("机器人系")
    jiang = make_student("蒋家俊", student_number="20210001", department=robots, cohort_year=2021)
    zheng = make_student("郑泽鑫", student_number="20210002")
    people = finder(("蒋家骏", ""), ("郑泽鑫", "20219999"))
    typo = people.members([("蒋家骏", "")], organization=home, competition=make_competition(), row=2)
    second = people.members(
        [("郑泽鑫", "20219999")], organization=home, competition=make_competition(), row=3
    )
    report = people.new_people_report()
    assert [new.person for new in report] == typo + second
    [by_pinyin], [by_name] = report[0].near, report[1].near
    assert (by_pinyin.person, by_pinyin.reason) == (jiang, SAME_PINYIN)
    assert by_pinyin.label == "蒋家俊（20210001） · 机器人系 · cohort 2021"
    assert (by_name.person, by_name.reason) == (zheng, SAME_NAME)
    assert report[0].rows == [2] and report[1].rows == [3]


def test_a_name_one_character_away_is_near_in_the_department_of_the_entrys_other_members(home):
    robots = make_department("机器人系")
    zhou = make_student("周玮", department=robots)
    known = make_student("陈再辉", department=robots)
    make_student("周伟强", department=make_department("汽车系"))  # another department: not near
    people = finder(("周玮明", ""), ("陈再辉", ""))
    people.members([("陈再辉", ""), ("周玮明", "")], organization=home, competition=make_competition(), row=2)
    [report] = people.new_people_report()
    assert [(match.person, match.reason) for match in report.near] == [(zhou, CLOSE_NAME)]
    assert known not in [match.person for match in report.near]


def test_two_new_people_of_one_batch_with_the_same_pinyin_are_near_matches(home):
    people = finder(("蒋家俊", ""), ("蒋家骏", ""))
    competition = make_competition()
    [first] = people.members([("蒋家俊", "")], organization=home, competition=competition, row=2)
    [second] = people.members([("蒋家骏", "")], organization=home, competition=competition, row=3)
    report = people.new_people_report()
    assert [match.person for match in report[0].near] == [second]
    assert [match.person for match in report[1].near] == [first]


def test_near_matches_of_a_whole_batch_cost_a_few_queries(home, django_assert_max_num_queries):
    robots = make_department("机器人系")
    for number in range(30):
        make_student(f"学生{number}号", department=robots, cohort_year=2021)
    named = [(f"学生{number}号", "") for number in range(30)] + [
        (f"新生{number}号", "") for number in range(60)
    ]
    people = finder(*named)
    competition = make_competition()
    for number in range(60):
        people.members(
            [(f"学生{number % 30}号", ""), (f"新生{number}号", "")],
            organization=home,
            competition=competition,
            row=number,
            event=number,
        )
    # Same name and same pinyin: one query each; close names in the department of their entry:
    # one query per ~900 conditions (60 names of four or five characters: two).
    with django_assert_max_num_queries(4):
        report = people.new_people_report()
    assert len(report) == 60


def test_the_single_near_matches_function_keeps_its_answers(home):
    robots = make_department("机器人系")
    jiang = make_student("蒋家俊", student_number="20210001", department=robots)
    close = make_student("蒋家", department=robots)
    matches = near_matches(Student, "蒋家骏", department_id=robots.pk)
    assert [(match.person, match.reason) for match in matches] == [(jiang, SAME_PINYIN), (close, CLOSE_NAME)]
    assert near_matches(Student, "蒋家俊", number="20210001") == []
    assert near_matches(Coach, "无人") == []


# Names as written


def test_names_with_numbers_in_brackets_of_either_width():
    assert parse_people("郑泽鑫（20210001）、李明; 王伟 (T001)") == [
        ("郑泽鑫", "20210001"),
        ("李明", ""),
        ("王伟", "T001"),
    ]
    with pytest.raises(ValidationError):
        parse_people("郑泽鑫（）")


def test_a_number_equal_to_a_known_one_but_for_leading_zeros_is_a_near_match(home):
    """A spreadsheet stores 0210001 typed into a cell not formatted as text as 210001."""
    zhang = make_student("张三", student_number="0210001")
    li = make_student("李四", student_number="210002")
    make_student("王五", student_number="10210001")  # another digit in front: not the same number
    people = finder(("张三", "210001"), ("李思", "0210002"))
    first = people.members([("张三", "210001")], organization=home, competition=make_competition(), row=2)
    second = people.members([("李思", "0210002")], organization=home, competition=make_competition(), row=3)
    report = people.new_people_report()
    assert [new.person for new in report] == first + second
    assert [(match.person, match.reason) for match in report[0].near] == [(zhang, LEADING_ZEROS)]
    # Whatever the name: the number says who it may be.
    assert [(match.person, match.reason) for match in report[1].near] == [(li, LEADING_ZEROS)]
    assert report[0].near[0].reason_label == "same number but for leading zeros"
    # The entries form asks the same rule.
    assert [match.person for match in near_matches(Student, "张三", number="00210001")] == [zhang]
    assert near_matches(Student, "张三", number="0210001") == []  # the person themselves


def test_records_whose_numbers_differ_only_by_leading_zeros_are_likely_duplicates():
    first = make_student("张三", student_number="0210001")
    second = make_student("张叁", student_number="210001")
    make_student("赵六", student_number="S0001")  # not a number of digits
    make_student("钱七", student_number="S001")
    [pair] = likely_duplicates(Student)
    assert {pair.first, pair.second} == {first, second} and pair.reason == LEADING_ZEROS


def test_a_number_that_finds_nobody_in_another_organizations_entry_names_the_zero_padded_one(
    home, delegation
):
    make_student("张三", student_number="0210001")
    people = finder(("张三", "210001"))
    [member] = people.members(
        [("张三", "210001")], organization=delegation, competition=make_competition(), row=2
    )
    assert member == "张三"  # rule 9: kept as a name, with a note saying whose number it may be
    [note] = people.notes
    assert "210001 matches no home student" in note.message
    assert "张三 has the student number 0210001, the same but for leading zeros" in note.message
