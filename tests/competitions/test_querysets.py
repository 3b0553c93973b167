"""A list's queryset built once per process: every call a fresh clone, unchanged by what a page did
with the last one."""

import pytest

from competitions import tallies
from competitions.querysets import built_once
from competitions.views.pages import competitions_with_counts
from students.models import Student
from students.views import students_with_results
from tests.factories import make_competition, make_entry, make_event, make_student

pytestmark = pytest.mark.django_db


def test_each_call_is_a_fresh_clone_of_one_build():
    builds = []

    @built_once
    def students():
        builds.append(1)
        return Student.objects.order_by("name")

    first, second = students(), students()
    assert first is not second and first.query is not second.query and len(builds) == 1
    make_student("甲")
    assert list(first.filter(name="乙")) == [] and [s.name for s in second] == ["甲"]
    assert first._result_cache is None and [s.name for s in students()] == ["甲"]


def test_the_lists_querysets_answer_what_a_new_build_answers():
    competition = make_competition("省赛")
    student = make_student("张三")
    make_entry(make_event(competition), members=[student], award="金牌")
    make_student("李四")
    page = students_with_results().filter(name="张三")
    assert [(s.name, s.n_entries) for s in page] == [("张三", 1)]
    listed = tallies.with_best_order(students_with_results())
    assert [(s.name, s.n_entries, s.best_order < tallies.NO_RESULT) for s in listed] == [
        ("李四", 0, False),
        ("张三", 1, True),
    ]
    assert [(c.name, c.n_events) for c in competitions_with_counts()] == [("省赛", 1)]
