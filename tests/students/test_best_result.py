"""A student's best result: in the list's query when the list is filtered or sorted by it
(tallies.with_best_order), else read for the rows shown (tallies.describe_best_results). Both pick
the same result, so the column says the same thing either way."""

import itertools

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from competitions import tallies
from competitions.models import Level
from students.models import Student
from students.views import students_with_results
from tests.factories import make_competition, make_entry, make_event, make_student

pytestmark = pytest.mark.django_db

AWARDS = ["金牌", "银牌", "铜牌", "优秀奖", "三等奖", None]
LEVELS = [Level.WORLD, Level.NATIONAL, Level.PROVINCIAL, Level.SCHOOL]


@pytest.fixture
def many_results():
    """Students with results of every kind: several levels, tiers, ranks and years, ties in all but
    the year or the rank, awards that are not medals, no award, and no entry at all."""
    competitions = [
        make_competition(f"{level}赛{year}", level=level, year=year)
        for level, year in itertools.product(LEVELS, (2021, 2023))
    ]
    students = [make_student(f"学生{n}") for n in range(14)]
    combos = itertools.cycle(itertools.product(competitions, AWARDS, (1, 2, None)))
    for n, student in enumerate(students[:-1]):  # the last has no entry
        for k in range(n % 4 + 1):
            competition, award, rank = next(combos)
            event = make_event(competition, name=f"赛项{n}-{k}")  # a person once per event
            make_entry(event, members=[student], award=award, rank=rank)
    return students


def test_the_picked_result_is_the_one_the_query_orders_first(many_results):
    annotated = list(tallies.with_best_order(students_with_results()))
    plain = list(students_with_results())
    assert not hasattr(plain[0], "best_order")
    tallies.describe_best_results(plain)
    tallies.describe_best_results(annotated)
    by_pk = {student.pk: student for student in annotated}
    for student in plain:
        other = by_pk[student.pk]
        assert (student.best_order, student.best_award, student.best_competition) == (
            other.best_order,
            other.best_award,
            other.best_competition,
        )
    assert {student.best_award for student in plain} >= {"金牌", "银牌", None}
    assert any(student.best_order == tallies.NO_RESULT for student in plain)


def test_the_list_reads_the_best_result_only_when_filtered_or_sorted_by_it(user_client, many_results):
    path = reverse("students:student-list")

    def page(**params):
        with CaptureQueriesContext(connection) as queries:
            response = user_client.get(path, params)
        listed = next(
            q["sql"]
            for q in queries.captured_queries
            if 'FROM "students_student"' in q["sql"] and "LIMIT" in q["sql"]
        )
        cells = {
            row.record.name: row.get_cell("best_result") for row in response.context["table"].page.object_list
        }
        return listed, cells

    plain_sql, plain = page()
    assert "result_order" not in plain_sql  # no best-result subquery in the list's query
    sorted_sql, by_best = page(sort="best_result")
    assert "result_order" in sorted_sql
    filtered_sql, medalled = page(has_medal="yes")
    assert "result_order" in filtered_sql
    assert by_best == plain  # the same text for every student, however the list is read
    assert medalled and all(plain[name] == text for name, text in medalled.items())
    best_first = list(by_best)
    annotated = {s.name: s.best_order for s in tallies.with_best_order(Student.objects.all())}
    assert [annotated[name] for name in best_first] == sorted(annotated[name] for name in best_first)
