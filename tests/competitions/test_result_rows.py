"""A results table read as values (result_rows.read) holds what the entries fetched as models hold,
and the cells written from it link and escape as before."""

import pytest
from django.template import Context, Template
from django.urls import reverse, set_script_prefix

from competitions import evidence, links, result_rows
from competitions.models import CertificateScan, Entry
from competitions.result_rows import ResultRow
from competitions.tallies import MedalRow
from competitions.templatetags.results_cells import competition_medal_rows
from tests.factories import make_coach, make_competition, make_entry, make_event, make_student

pytestmark = pytest.mark.django_db


@pytest.fixture
def two_events():
    competition = make_competition("省赛<b>")
    first = make_event(competition, name="数控车", is_team=True)
    second = make_event(competition, name="焊接")
    teacher_a, teacher_b = make_coach("王<老师>"), make_coach("李老师")
    make_entry(first, members=[make_student("张三"), "外校 选手"], award="银牌", rank=2, coaches=[teacher_b])
    make_entry(first, members=[make_student("李四"), make_student("王五")], award="金牌", rank=1,
               coaches=[teacher_a, teacher_b], score="98.5")  # fmt: skip
    make_entry(first, members=["无名<script>"], award=None, organization="外校")
    make_entry(first, members=[teacher_a], award="一等奖")
    unranked_gold = make_entry(second, members=[make_student("赵六")], award="金牌")
    make_entry(second, members=[make_student("钱七")], award="优胜奖", rank=4)
    CertificateScan.objects.create(entry=unranked_gold, file="evidence/x.jpg")
    return first, second


def as_models(events) -> dict[int, list[ResultRow]]:
    entries = evidence.with_evidence_counts(Entry.objects.in_result_order().with_people())
    return {event.pk: [ResultRow.of(entry) for entry in entries.filter(event=event)] for event in events}


def test_the_rows_read_as_values_equal_the_rows_of_the_entries(two_events, django_assert_num_queries):
    with django_assert_num_queries(2):  # entries with their awards; members and coaches together
        read = result_rows.read([event.pk for event in two_events])
    assert read == as_models(two_events)
    first, second = (read[event.pk] for event in two_events)
    assert [row.rank for row in first] == [1, 2, None, None]
    assert [member.name for member in first[0].members] == ["李四", "王五"]
    assert [coach.name for coach in first[0].coaches] == ["李老师", "王<老师>"]  # as Coach orders them
    assert [row.award.label for row in second] == ["优胜奖", "金牌"]  # the ranked entry first
    assert [row.scan_count for row in second] == [0, 1]
    assert first[2].members[0].coach_id is not None and first[2].award.tier_note == "Gold"
    assert first[3].award is None  # no award: last


def test_no_events_no_query(django_assert_num_queries):
    with django_assert_num_queries(0):
        assert result_rows.read([]) == {}


def test_an_event_without_entries_has_an_empty_list(django_assert_num_queries):
    event = make_event()
    with django_assert_num_queries(1):
        assert result_rows.read([event.pk]) == {event.pk: []}


def test_the_competition_page_shows_the_rows_escaped_and_linked(two_events, client, user):
    client.force_login(user)
    competition = two_events[0].competition
    page = client.get(competition.get_absolute_url()).content.decode()
    student = Entry.objects.filter(members__name="李四").values_list("members__student_id", flat=True)[0]
    assert f'<a href="{reverse("students:student-detail", args=[student])}">李四</a>' in page
    assert "无名&lt;script&gt;" in page and "<script>" not in page.split("</header>")[-1].split("<footer")[0]
    assert "王&lt;老师&gt;" in page and "98.5" in page


@pytest.mark.parametrize(
    "name", ["students:student-detail", "students:coach-detail", "competitions:entry-history"]
)
def test_pk_url_is_reverse(name):
    url_of = links.pk_urls(name)
    for pk in (1, 7, 918, 123456789):
        assert links.pk_url(name, pk) == url_of(pk) == reverse(name, args=[pk])


def test_pk_url_follows_the_script_prefix():
    try:
        set_script_prefix("/college/")
        assert links.pk_url("students:student-detail", 5) == reverse("students:student-detail", args=[5])
        assert links.pk_url("students:student-detail", 5).startswith("/college/")
        assert links.pk_urls("students:student-detail")(5) == links.pk_url("students:student-detail", 5)
    finally:
        set_script_prefix("/")


def medal_row(key, name, rank, **counts) -> MedalRow:
    row = MedalRow(key=key, name=name, **counts)
    row.rank = rank
    return row


def test_competition_medal_rows_mark_unranked_and_placeholder_rows_and_escape_names():
    placeholder = medal_row(3, "赛项未列明", None, gold=1)
    placeholder.placeholder = True
    rows = [medal_row(1, "甲<校>", 1, gold=2, points=9), medal_row(2, "乙校", None, silver=1), placeholder]
    html = competition_medal_rows(rows)
    lines = html.split("\n")
    assert lines[0].startswith(
        '<tr><td class="num">1</td><td><span lang="zh-Hans">甲&lt;校&gt;</span></td>'
    )  # Chinese data on an English page
    assert lines[0].endswith('<td class="num">2</td><td class="num">9</td></tr>')
    assert lines[1].startswith('<tr class="unranked"><td class="num"><span title="Out of the ranking">—')
    assert '<span class="badge">out of the ranking</span>' in lines[1]
    assert '<span class="badge">placeholder, not ranked</span>' in lines[2]
    assert "<a " not in html


def test_competition_medal_rows_link_people():
    student = make_student("郑泽鑫")
    html = Template("{% load results_cells %}{% competition_medal_rows rows by %}").render(
        Context({"rows": [medal_row(student.pk, student.name, 1, gold=1)], "by": "student"})
    )
    assert f'<a href="{student.get_absolute_url()}"><span lang="zh-Hans">郑泽鑫</span></a>' in html


def test_people_come_members_by_position_then_coaches_by_pinyin_in_one_query(django_assert_num_queries):
    event = make_event(name="团体赛", is_team=True, max_team_size=12)
    names = [f"选手{n}" for n in range(12)]  # positions 0-11: ten sorts after nine, not after one
    twins = [make_coach("同名"), make_coach("同名")]
    coaches = [make_coach("安老师"), *twins, make_coach("张老师")]
    entry = make_entry(event, members=names, coaches=list(reversed(coaches)))
    other = make_entry(event, members=["别队"], coaches=[coaches[0]])
    with django_assert_num_queries(1):
        people = list(result_rows.read_people(entry__event=event))
    mine = [person for pk, person in people if pk == entry.pk]
    assert [person.name for person in mine[:12]] == names
    assert all(isinstance(person, result_rows.Member) for person in mine[:12])
    assert [person.pk for person in mine[12:]] == [coach.pk for coach in coaches]  # 安, 同名 ×2 by id, 张
    assert [(pk, person.name) for pk, person in people if pk == other.pk] == [
        (other.pk, "别队"),
        (other.pk, "安老师"),
    ]
    assert [pk for pk, _person in people] == sorted(pk for pk, _person in people)
