"""The students' count kept by the database (students.counting): equal to a COUNT(*) whatever
wrote the rows, and what the API's unfiltered student list reports."""

from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.db import connection
from django.db.models import F
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from competitions.auditing import insert_objects
from students import counting
from students.counting import COUNTED, count_of, exact_count
from students.merging import merge_students
from students.models import Student
from tests.factories import make_department, make_entry, make_event, make_student

pytestmark = pytest.mark.django_db


def counted_by_triggers() -> bool:
    return connection.vendor == "postgresql" and Student._meta.db_table in COUNTED


def stored_count() -> int:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT coalesce(sum(n), 0) FROM row_counts WHERE table_name = %s", ["students_student"]
        )
        return cursor.fetchone()[0]


def count_rows() -> int:
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM row_counts WHERE table_name = %s", ["students_student"])
        return cursor.fetchone()[0]


def counts_students(query: dict) -> bool:
    """Whether a captured query is a count of the students (Django's `SELECT COUNT(*) ...`)."""
    sql = query["sql"].upper()
    return sql.startswith("SELECT COUNT(") and '"STUDENTS_STUDENT"' in sql


def test_the_count_follows_every_way_of_writing_students():
    seen = []

    def check():
        seen.append(Student.objects.count())
        assert exact_count(Student) == seen[-1] and type(exact_count(Student)) is int
        if counted_by_triggers():
            assert stored_count() == seen[-1]  # the triggers' count, not a COUNT(*) after all

    check()
    first = make_student("甲")
    check()
    Student.objects.bulk_create([Student(name=f"批量{n}") for n in range(5)])
    check()
    first.name = "甲乙"
    first.save()  # an update changes nothing
    check()
    first.delete()
    check()
    Student.objects.filter(name__in=["批量0", "批量1"]).delete()
    check()
    with connection.cursor() as cursor:  # raw SQL is counted too
        cursor.execute(
            f"INSERT INTO {Student._meta.db_table} (name, name_pinyin, name_initials, class_name, training_level, photo) "
            "VALUES (%s, '', '', '', %s, '')",
            ["原始", Student.TrainingLevel.values[0]],
        )
    check()
    assert seen == [0, 1, 6, 6, 5, 3, 4]


def test_a_merge_and_a_truncate_are_counted():
    kept, gone = make_student("王五"), make_student("王五")
    merge_students(keep=kept, remove=gone, user=None)
    assert exact_count(Student) == Student.objects.count() == 1
    if counted_by_triggers():
        with connection.cursor() as cursor:
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")  # the checks pending in the test's transaction
            cursor.execute(f"TRUNCATE {Student._meta.db_table} CASCADE")
        assert exact_count(Student) == 0
        make_student("赵六")
        assert exact_count(Student) == stored_count() == 1


def test_the_api_lists_every_student_with_the_kept_count_and_filters_with_their_own(user_client):
    department = make_department("机电系")
    for n in range(7):
        make_student(f"学生{n}", department=department if n < 3 else None)
    path = reverse("api-v1:student-list")
    with CaptureQueriesContext(connection) as queries:
        every = user_client.get(path, {"page_size": 5}).json()
    assert every["count"] == 7 and len(every["items"]) == 5
    if counted_by_triggers():  # no COUNT(*) over the students
        assert not any(counts_students(query) for query in queries.captured_queries)
    filtered = user_client.get(path, {"department": department.pk}).json()
    assert filtered["count"] == 3 and len(filtered["items"]) == 3
    searched = user_client.get(path, {"q": "学生1"}).json()
    assert searched["count"] == 1
    make_student("新生")
    assert user_client.get(path).json()["count"] == 8


def test_the_student_list_pages_every_student_by_the_kept_count(user_client):
    for n in range(5):
        make_student(f"列表{n}", class_name="一班" if n < 2 else "二班")
    path = reverse("students:student-list")
    with CaptureQueriesContext(connection) as queries:
        last = user_client.get(path, {"per_page": 2, "page": 3})
    assert last.status_code == 200
    assert [row.record.name for row in last.context["table"].page.object_list] == ["列表4"]
    assert last.context["table"].paginator.count == 5
    if counted_by_triggers():
        assert not any(counts_students(query) for query in queries.captured_queries)
    filtered = user_client.get(path, {"class_name": "一班", "per_page": 50})
    assert filtered.context["table"].paginator.count == 2


def test_a_first_page_that_holds_every_row_is_not_counted(user_client):
    """A search or a short filtered list: its first page read with one row more than it shows
    tells how many rows there are; a longer list is counted, and its pages hold the right rows."""
    for n in range(7):
        make_student(f"翻页{n}", class_name="一班" if n < 3 else "二班")
    path = reverse("students:student-list")
    for query, expected, counted in [
        ({"class_name": "一班"}, ["翻页0", "翻页1", "翻页2"], False),
        ({"class_name": "一班", "per_page": 3}, ["翻页0", "翻页1", "翻页2"], False),
        ({"q": "翻页", "per_page": 7, "page": 1}, [f"翻页{n}" for n in range(7)], False),
        ({"class_name": "二班", "per_page": 3}, ["翻页3", "翻页4", "翻页5"], True),
        ({"class_name": "二班", "per_page": 3, "page": 2}, ["翻页6"], True),
        ({"class_name": "三班"}, [], False),
    ]:
        with CaptureQueriesContext(connection) as queries:
            response = user_client.get(path, query)
        table = response.context["table"]
        assert [row.record.name for row in table.page.object_list] == expected, query
        assert table.paginator.count == (4 if counted else len(expected)), query
        assert any(counts_students(each) for each in queries.captured_queries) == counted, query
        pages = [
            each
            for each in queries.captured_queries
            if "LIMIT" in each["sql"] and 'ORDER BY "students_student"' in each["sql"]
        ]
        assert len(pages) == 1, query  # the page's rows are read once


def test_rows_written_by_copy_are_counted_and_many_counts_fold_into_one():
    insert_objects([Student(name=f"流式{n}") for n in range(4)], Student)  # COPY on PostgreSQL
    assert exact_count(Student) == Student.objects.count() == 4
    for n in range(counting.FOLD_AT + 5):  # a row of counts each, folded by the writer past FOLD_AT
        make_student(f"逐个{n}")
    assert exact_count(Student) == Student.objects.count() == counting.FOLD_AT + 9
    if counted_by_triggers():
        assert count_rows() <= counting.FOLD_AT and stored_count() == counting.FOLD_AT + 9


def test_without_the_triggers_the_rows_are_counted():
    make_student("甲")
    if counted_by_triggers():
        with connection.cursor() as cursor:  # as after the migration is reversed
            cursor.execute("DELETE FROM row_counts WHERE table_name = %s", ["students_student"])
    assert exact_count(Student) == 1


def test_a_queryset_that_is_not_every_row_is_counted_by_the_database():
    department = make_department("电子系")
    student = make_student("丙", department=department)
    make_student("丁")
    make_entry(make_event(), members=[student])
    make_entry(make_event(), members=[student])  # two entries: a join through them doubles the row
    every = Student.objects.select_related("department").order_by("name")
    assert count_of(every) == 2
    assert count_of(Student.objects.none()) == 0
    assert count_of(Student.objects.filter(department=department)) == 1
    assert count_of(Student.objects.all()[:1]) == 1
    assert count_of(Student.objects.values("department").distinct()) == 2
    joined = Student.objects.annotate(entry_name=F("memberships__name"))
    assert joined.count() == 3 and count_of(joined) == 3  # Django's count, not the students'


def test_verify_tallies_reports_a_wrong_kept_count_and_fix_repairs_it():
    make_student("戊")
    make_student("己")
    assert counting.verify() == []
    if not counted_by_triggers():
        return  # SQLite keeps no count: nothing to go wrong
    with connection.cursor() as cursor:  # as a data-only restore that fired the triggers as well
        cursor.execute("INSERT INTO row_counts VALUES (%s, 2)", ["students_student"])
    assert exact_count(Student) == 4
    out = StringIO()
    with pytest.raises(CommandError):
        call_command("verify_tallies", stdout=out)
    assert "rows of students_student: kept 4, counted 2" in out.getvalue()
    call_command("verify_tallies", "--fix", stdout=StringIO())
    assert exact_count(Student) == 2 and counting.verify() == []
