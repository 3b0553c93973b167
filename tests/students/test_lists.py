"""The student and coach lists: filters, search and exports."""

import csv
import io

import openpyxl
import pytest
from django.urls import reverse

from competitions.models import Level
from tests.factories import (
    make_coach,
    make_competition,
    make_department,
    make_entry,
    make_event,
    make_major,
    make_organization,
    make_student,
)

pytestmark = pytest.mark.django_db


def names(response) -> list[str]:
    return [row.record.name for row in response.context["table"].rows]


def student_names(client, **params) -> list[str]:
    return names(client.get(reverse("students:student-list"), params))


@pytest.fixture
def students():
    """郑泽鑫: national gold, school bronze; 李明: provincial silver; 王芳: no award; 赵强: no entry."""
    robots = make_department("机器人系")
    cars = make_department("汽车系")
    mobile = make_major("移动机器人", department=robots)
    zheng = make_student(
        "郑泽鑫",
        student_number="2023010101",
        department=robots,
        major=mobile,
        class_name="机器人2101班",
        cohort_year=2021,
        training_level="pre_technician",
    )
    li = make_student(
        "李明", department=robots, class_name="机器人2202班", cohort_year=2022, training_level="senior"
    )
    wang = make_student("王芳", department=cars, major=make_major("汽车维修", department=cars))
    make_student("赵强", department=cars)
    national = make_competition("全国赛", level=Level.NATIONAL)
    make_entry(make_event(national), members=[zheng], award="金牌")
    make_entry(make_event(make_competition("校赛", level=Level.SCHOOL)), members=[zheng], award="铜牌")
    make_entry(make_event(make_competition("省赛", level=Level.PROVINCIAL)), members=[li], award="二等奖")
    make_entry(make_event(national), members=[wang], award=None)
    return {"robots": robots, "cars": cars, "mobile": mobile}


def test_student_list_filters_by_major_class_and_training_level(user_client, students):
    assert student_names(user_client, major=students["mobile"].pk) == ["郑泽鑫"]
    assert student_names(user_client, class_name="2202") == ["李明"]
    assert student_names(user_client, training_level="senior") == ["李明"]
    assert student_names(user_client, department=students["cars"].pk) == ["王芳", "赵强"]


def test_student_list_filters_by_medals(user_client, students):
    assert student_names(user_client, has_medal="yes") == ["李明", "郑泽鑫"]
    assert student_names(user_client, has_medal="no") == ["王芳", "赵强"]
    assert student_names(user_client, best_tier="gold") == ["郑泽鑫"]
    assert student_names(user_client, best_tier="silver") == ["李明"]


def test_best_result_level_filter_reads_the_best_result(user_client, students):
    assert student_names(user_client, best_level="national") == ["郑泽鑫"]
    assert student_names(user_client, best_level="provincial") == ["李明"]
    assert student_names(user_client, best_level="school") == []
    row = next(
        r
        for r in user_client.get(reverse("students:student-list")).context["table"].rows
        if r.record.name == "郑泽鑫"
    )
    assert row.get_cell("best_result") == f"金牌 · {Level.NATIONAL.label} · 全国赛"


def best_result_of(client, name: str) -> str:
    rows = client.get(reverse("students:student-list"), {"q": name}).context["table"].rows
    (row,) = [row for row in rows if row.record.name == name]
    return row.get_cell("best_result")


def test_best_result_names_one_result_the_highest_level_first(user_client):
    """The issue's case: a national silver and a provincial gold. The best result is the national
    silver, named with its level and competition; never "gold" from one entry and "national" from
    another."""
    student = make_student("郑泽鑫")
    national = make_competition("中华人民共和国第二届职业技能大赛", level=Level.NATIONAL, year=2023)
    provincial = make_competition("2023年广东省职业院校技能大赛", level=Level.PROVINCIAL, year=2023)
    make_entry(make_event(provincial), members=[student], award="金牌")
    make_entry(make_event(national), members=[student], award="银牌")
    assert best_result_of(user_client, "郑泽鑫") == (
        f"银牌 · {Level.NATIONAL.label} · 中华人民共和国第二届职业技能大赛"
    )
    # The filters read the same result: its tier is silver, its level national.
    assert student_names(user_client, best_tier="gold") == []
    assert student_names(user_client, best_tier="silver") == ["郑泽鑫"]
    assert student_names(user_client, best_level="provincial") == []


def test_a_medal_is_a_better_result_than_a_named_award_at_a_higher_level(user_client):
    student = make_student("郑泽鑫")
    national = make_competition("全国赛", level=Level.NATIONAL)
    make_entry(make_event(national), members=[student], award="入围国家集训队")
    make_entry(make_event(make_competition("省赛", level=Level.PROVINCIAL)), members=[student], award="铜牌")
    assert best_result_of(user_client, "郑泽鑫") == f"铜牌 · {Level.PROVINCIAL.label} · 省赛"
    assert student_names(user_client, has_medal="yes") == ["郑泽鑫"]


def test_within_a_level_the_best_tier_then_the_better_rank_wins(user_client):
    student = make_student("郑泽鑫")
    make_entry(
        make_event(make_competition("省赛甲", level=Level.PROVINCIAL)), members=[student], award="铜牌"
    )
    make_entry(
        make_event(make_competition("省赛乙", level=Level.PROVINCIAL)),
        members=[student],
        award="一等奖",
        rank=3,
    )
    make_entry(
        make_event(make_competition("省赛丙", level=Level.PROVINCIAL)),
        members=[student],
        award="金牌",
        rank=1,
    )
    assert best_result_of(user_client, "郑泽鑫") == f"金牌 · {Level.PROVINCIAL.label} · 省赛丙"


def test_the_best_result_column_sorts_by_the_result_order(user_client, students):
    response = user_client.get(reverse("students:student-list"), {"sort": "best_result"})
    assert names(response) == ["郑泽鑫", "李明", "王芳", "赵强"]


def test_a_team_entry_counts_once_in_the_students_entry_count(user_client):
    zheng, mate = make_student("郑泽鑫"), make_student("黄子轩")
    make_entry(make_event(is_team=True), members=[zheng, mate], award="金牌")
    response = user_client.get(reverse("students:student-list"), {"q": "zzx"})
    (row,) = response.context["table"].rows
    assert row.get_cell("n_entries") == 1


@pytest.mark.parametrize("q", ["zzx", "zhengzexin", "zheng ze xin", "郑泽", "20230101"])
def test_the_one_search_box_finds_names_pinyin_initials_and_numbers(user_client, students, q):
    assert student_names(user_client, q=q) == ["郑泽鑫"]


def test_coach_list_filters_home_teachers_and_counts_medals_coached(user_client):
    chen = make_coach("陈大文")
    make_coach("林小红", organization=make_organization("兄弟学院"))
    student = make_student()
    make_entry(make_event(), members=[student], coaches=[chen], award="金牌")
    make_entry(make_event(), members=[student], coaches=[chen], award=None)
    response = user_client.get(reverse("students:coach-list"), {"home": "yes"})
    (row,) = response.context["table"].rows
    assert row.record.name == "陈大文"
    assert (row.get_cell("n_coached"), row.get_cell("n_medals")) == (2, 1)
    assert names(user_client.get(reverse("students:coach-list"), {"home": "no"})) == ["林小红"]


# Exports


def csv_rows(response) -> list[list[str]]:
    text = response.content.decode("utf-8")
    assert text.startswith("\ufeff"), "a BOM, so that Excel reads the file as UTF-8"
    return list(csv.reader(io.StringIO(text[1:])))


def test_the_student_list_exports_every_filtered_row_as_csv(user_client, students):
    for i in range(60):  # more than one page
        make_student(f"机器人学生{i}", department=students["robots"])
    response = user_client.get(
        reverse("students:student-list"), {"department": students["robots"].pk, "_export": "csv"}
    )
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"].startswith("attachment;")
    rows = csv_rows(response)
    assert len(rows) == 1 + 62
    assert ["郑泽鑫", "2023010101", "机器人系"] == rows[1 + [r[0] for r in rows[1:]].index("郑泽鑫")][:3]
    # The best result goes to the file as the page shows it: one result, named in full.
    assert rows[0][-1] == "Best result"
    assert rows[1 + [r[0] for r in rows[1:]].index("郑泽鑫")][-1] == f"金牌 · {Level.NATIONAL.label} · 全国赛"


def test_the_coach_list_exports_xlsx(user_client):
    make_coach("陈大文", staff_number="T001")
    response = user_client.get(reverse("students:coach-list"), {"_export": "xlsx"})
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    sheet = openpyxl.load_workbook(io.BytesIO(response.content)).active
    assert [cell.value for cell in sheet[2]][:2] == ["陈大文", "T001"]


@pytest.mark.parametrize("export_format", ["yaml", "json", "latex", "ods", "tsv", "xls", "CSV", ""])
def test_only_csv_and_xlsx_are_offered(user_client, export_format):
    response = user_client.get(reverse("students:student-list"), {"_export": export_format})
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/html")


@pytest.mark.parametrize("name", ['=HYPERLINK("http://x")', "+1+1", "-2+3", "@SUM(A1)", "\t=1"])
def test_export_cells_that_a_spreadsheet_would_run_are_prefixed(user_client, name):
    make_student(name)
    rows = csv_rows(user_client.get(reverse("students:student-list"), {"_export": "csv"}))
    assert rows[1][0] == "'" + name
    sheet = openpyxl.load_workbook(
        io.BytesIO(user_client.get(reverse("students:student-list"), {"_export": "xlsx"}).content)
    ).active
    cell = sheet["A2"]
    # A text cell with Excel's quote prefix: shown as typed, never evaluated (competitions.exports).
    assert (cell.value, cell.data_type, cell.quotePrefix) == (name, "s", True)


def test_numbers_stay_numbers_in_exports(user_client):
    make_student("郑泽鑫", cohort_year=2021)
    sheet = openpyxl.load_workbook(
        io.BytesIO(user_client.get(reverse("students:student-list"), {"_export": "xlsx"}).content)
    ).active
    assert sheet["F2"].value == 2021  # name, number, department, major, class, cohort year


def test_the_list_pages_offer_the_exports_with_the_current_filters(user_client, students):
    content = user_client.get(
        reverse("students:student-list"), {"department": students["robots"].pk, "page": 1}
    ).content.decode()
    assert f'href="?department={students["robots"].pk}&amp;_export=csv"' in content
    assert f'href="?department={students["robots"].pk}&amp;_export=xlsx"' in content


def test_the_lists_link_each_department_to_its_page(user_client, students):
    content = user_client.get(reverse("students:student-list")).content.decode()
    url = reverse("students:department-detail", args=[students["robots"].pk])
    assert f'<a href="{url}">机器人系</a>' in content
    make_coach("陈老师", department=students["robots"])
    make_coach("林老师")
    content = user_client.get(reverse("students:coach-list")).content.decode()
    assert f'<a href="{url}">机器人系</a>' in content


def test_a_search_reads_every_prefix_in_one_query_and_falls_back_when_it_matches_many(
    monkeypatch, django_assert_num_queries
):
    from students import models

    for name in ("张三", "张四", "赵五", "钱六"):
        make_student(name)
    make_student("郑泽鑫", student_number="ZH001")
    people = models.Student.objects.order_by("pk")
    with django_assert_num_queries(2):  # the prefixes' one UNION, then the people
        assert [p.name for p in people.search("zhang")] == ["张三", "张四"]
    # "zh": the pinyin of 张三, 张四, 赵五 and 郑泽鑫, and (upper-cased) 郑泽鑫's student number.
    expected = ["张三", "张四", "赵五", "郑泽鑫"]
    assert [p.name for p in people.search("zh")] == expected
    monkeypatch.setattr(models, "SEARCH_LIMIT", 2)  # more matches than that: the plain OR
    with django_assert_num_queries(2):
        assert [p.name for p in people.search("zh")] == expected


def test_the_cohort_year_filter_offers_every_year_from_the_newest_to_the_oldest():
    from students.filters import cohort_years

    assert cohort_years() == []
    make_student("甲", cohort_year=2019)
    make_student("乙", cohort_year=None)
    assert cohort_years() == [(2019, 2019)]
    make_student("丙", cohort_year=2022)
    assert cohort_years() == [(2022, 2022), (2021, 2021), (2020, 2020), (2019, 2019)]


def test_the_student_filter_reads_its_options_in_one_query(django_assert_num_queries, user_client):
    """Departments by name (one without majors too), each major named with its department (two
    departments teach 数控技术), and the cohort years from the newest to the oldest: one query."""
    from students.filters import StudentFilter, student_choices
    from students.models import Department, Major
    from tests.factories import make_department, make_major

    assert student_choices() == ([], [], [])
    make_student("甲", cohort_year=2021)
    assert student_choices() == ([], [], [(2021, 2021)])  # no department to carry the years
    machining, cars = make_department("智能制造系"), make_department("汽车系")
    make_department("艺术系")  # no major
    make_major("数控技术", department=machining)
    cnc = make_major("车工", department=machining)
    car_cnc = make_major("数控技术", department=cars)
    make_student("乙", cohort_year=2023, department=machining, major=cnc)
    with django_assert_num_queries(1):
        departments, majors, years = student_choices()
    assert departments == list(Department.objects.order_by("name").values_list("pk", "name"))
    assert len(departments) == 3
    # As the majors' own order lists them (by department, then name), each with its department.
    assert majors == [
        (major.pk, f"{major.department.name} · {major.name}")
        for major in Major.objects.select_related("department").order_by("department__name", "name")
    ]
    assert {label for _pk, label in majors} == {
        "汽车系 · 数控技术",
        "智能制造系 · 数控技术",
        "智能制造系 · 车工",
    }
    assert years == [(2023, 2023), (2022, 2022), (2021, 2021)]
    # The form's three lists come from that one query, and a chosen value is checked against them.
    with django_assert_num_queries(1):
        form = StudentFilter({"major": str(car_cnc.pk), "department": str(cars.pk)}).form
        assert form.is_valid()
        assert [value for value, _label in form.fields["major"].choices][1:] == [pk for pk, _label in majors]
        assert [value for value, _label in form.fields["cohort_year"].choices][1:] == [2023, 2022, 2021]
    assert not StudentFilter({"major": "999999"}).form.is_valid()
    listed = user_client.get(reverse("students:student-list"), {"major": cnc.pk}).context["table"]
    assert [row.record.name for row in listed.page.object_list] == ["乙"]
