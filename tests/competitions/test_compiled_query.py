"""CompiledQuery: a values_list() query compiled once per connection and shape, run with each
call's keys, answers what the same queryset answers."""

import datetime

import pytest
from django.db import connection, connections
from django.test.utils import CaptureQueriesContext

from competitions import result_rows
from competitions.models import Entry
from competitions.querysets import CompiledQuery
from tests.factories import make_coach, make_competition, make_entry, make_event, make_student

pytestmark = pytest.mark.django_db


def of_competition(key):
    return (
        Entry.objects.filter(event__competition=key)
        .order_by("event__name", "id")
        .values_list("pk", "event__name", "event__competition__start_date", "award__label", "rank")
    )


ENTRIES = CompiledQuery(of_competition)
ENTRIES_IN = CompiledQuery(
    lambda ids: Entry.objects.filter(pk__in=ids).order_by("-id").values_list("pk", "rank")
)


@pytest.fixture
def two_competitions():
    start = datetime.date(2024, 5, 1)
    competitions = [make_competition(f"赛事{i}", start_date=start) for i in range(2)]
    entries = []
    for competition in competitions:
        for name in ("焊接", "车工"):
            event = make_event(competition, name=name)
            entries += [make_entry(event, members=[make_student()], award="金牌", rank=1)]
            entries += [make_entry(event, members=[make_student()], rank=None)]
    return competitions, entries


def test_it_answers_what_the_queryset_answers_for_each_key(two_competitions):
    competitions, _ = two_competitions
    for competition in competitions:
        rows = ENTRIES(competition.pk)
        assert rows == list(of_competition(competition.pk))
        assert len(rows) == 4
        assert isinstance(rows[0][2], datetime.date)  # converted as Django converts (SQLite: text)
    assert ENTRIES(10**9) == []


def test_a_list_of_keys_is_compiled_per_length_and_keeps_the_querysets_answer(two_competitions):
    _, entries = two_competitions
    ids = [entry.pk for entry in entries]
    for chosen in (ids[:1], ids[:3], ids[1:4], ids, [ids[2], ids[2], ids[0]]):
        assert ENTRIES_IN(chosen) == list(
            Entry.objects.filter(pk__in=chosen).order_by("-id").values_list("pk", "rank")
        )
    with CaptureQueriesContext(connection) as captured:
        assert ENTRIES_IN([]) == []
    assert len(captured) == 0  # as Django: IN () matches nothing, and is not asked


def test_it_runs_one_logged_query_a_call(two_competitions):
    competitions, _ = two_competitions
    ENTRIES(competitions[0].pk)
    with CaptureQueriesContext(connection) as captured:
        ENTRIES(competitions[1].pk)
    assert len(captured) == 1
    assert captured[0]["sql"].startswith("SELECT")


def test_at_most_so_many_shapes_are_kept(two_competitions):
    _, entries = two_competitions
    query = CompiledQuery(lambda ids: Entry.objects.filter(pk__in=ids).values_list("pk"))
    for length in range(1, CompiledQuery.SHAPES + 10):
        assert len(query([entries[0].pk] + list(range(-length, 0)))) == 1
    kept = [key for key in connections["default"].__dict__["compiled_queries"] if key[0] is query]
    assert len(kept) == CompiledQuery.SHAPES


def test_a_key_that_is_not_a_parameter_is_refused():
    query = CompiledQuery(lambda key: Entry.objects.filter(rank__gte=1).values_list("pk"))
    with pytest.raises(ValueError, match="not a parameter"):
        query(5)


def test_the_people_of_entries_are_read_as_read_people_reads_them(two_competitions):
    _, entries = two_competitions
    coach = make_coach("王老师")
    team = make_entry(make_event(is_team=True), members=[make_student("甲"), "外乙"], coaches=[coach])
    ids = [team.pk, entries[0].pk]
    assert list(result_rows.read_people_of(ids)) == list(result_rows.read_people(entry__in=ids))
    assert [type(person).__name__ for _, person in result_rows.read_people_of([team.pk])] == [
        "Member",
        "Member",
        "Coach",
    ]


def test_the_awards_of_people_are_read_as_their_queryset_reads_them(two_competitions):
    from competitions import tallies
    from students.models import Student

    _, entries = two_competitions
    coach = make_coach("李老师")
    make_entry(make_event(), members=[coach], award="银牌")
    ids = list(Student.objects.values_list("pk", flat=True))
    for chosen in (ids[:1], ids, ids[::2]):
        assert sorted(tallies.AWARDS_OF_PEOPLE["student"](chosen)) == sorted(
            tallies.awards_of_people("student", chosen)
        )
    assert tallies.AWARDS_OF_PEOPLE["coach"]([coach.pk]) == list(
        tallies.awards_of_people("coach", [coach.pk])
    )
    assert len(tallies.AWARDS_OF_PEOPLE["coach"]([coach.pk])) == 1


def test_strings_are_values_too_and_the_search_answers_as_its_queryset(two_competitions):
    """Text arguments (a prefix search's bounds) are swapped in as keys are: each call's own."""
    from students.models import PREFIX_IDS, Student, prefix_ids, prefix_range

    for name in ("张三", "张四", "赵五"):
        make_student(name, student_number=f"N{name}")
    by_name = CompiledQuery(
        lambda low, high: (
            Student.objects.filter(name_pinyin__gte=low, name_pinyin__lt=high)
            .order_by("pk")
            .values_list("name")
        )
    )
    assert by_name(*prefix_range("zhang")) == [("张三",), ("张四",)]
    assert by_name(*prefix_range("zhao")) == [("赵五",)]
    assert by_name(*prefix_range("qian")) == []
    for text in ("zhang", "zh", "z", "Nz", "张"):
        bounds = [
            bound for prefix in (text, text, text, text, text.upper()) for bound in prefix_range(prefix)
        ]
        assert sorted(PREFIX_IDS[Student](*bounds)) == sorted(prefix_ids(Student, *bounds))
    with pytest.raises(ValueError, match="not a parameter"):
        CompiledQuery(lambda text: Student.objects.filter(name="x").values_list("pk"))("x")
