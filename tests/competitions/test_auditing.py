"""Audited bulk creation: the history rows copied by the database hold what django-simple-history's
own bulk_create_with_history writes, row for row."""

import pytest
from django.contrib.auth import get_user_model
from django.db import IntegrityError, connection, transaction
from django.db.models import Value
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from simple_history.utils import bulk_create_with_history

from competitions.auditing import bulk_create_audited, insert_objects
from competitions.models import Award, Entry, EntryMember, Event, Organization
from tests.factories import home_organization, make_event, make_student

pytestmark = pytest.mark.django_db

NOT_COMPARED = {"history_id", "id", "history_date", "entry_id", "created_at", "updated_at"}


AT = timezone.now().replace(microsecond=123456)


def entries(event: Event, user, count: int = 3) -> list[Entry]:
    made = []
    for index in range(count):
        entry = Entry(
            event=event,
            organization=home_organization(),
            award=Award.objects.parse(["金牌", "银牌", "优胜奖"][index % 3]),
            rank=index + 1 if index else None,
            score=f"{90 - index}.5" if index % 2 else "",
            notes=f"备注 {index} 'quoted' \"twice\"",
            recorded_by=user,
            recorded_at=AT,
        )
        made.append(entry)
    return made


def history_values(model, ids) -> list[dict]:
    rows = model.history.filter(id__in=ids).order_by("id").values()
    return [{key: value for key, value in row.items() if key not in NOT_COMPARED} for row in rows]


def test_history_rows_match_django_simple_historys_own_bulk_creation():
    office = get_user_model().objects.create(username="office")
    event = make_event(is_team=True)
    ours = bulk_create_audited(entries(event, office), Entry, user=office)
    theirs = bulk_create_with_history(entries(make_event(is_team=True), office), Entry, default_user=office)

    def normalized(rows, event_id):
        return [{**row, "event_id": row["event_id"] == event_id} for row in rows]

    assert normalized(history_values(Entry, [e.pk for e in ours]), ours[0].event_id) == normalized(
        history_values(Entry, [e.pk for e in theirs]), theirs[0].event_id
    )
    # Each history row is the entry as saved: the record rebuilt from it equals the row in the table.
    for entry in Entry.objects.filter(pk__in=[e.pk for e in ours]):
        record = entry.history.get()
        assert (record.history_type, record.history_user, record.history_change_reason) == ("+", office, None)
        assert abs(record.history_date - timezone.now()).total_seconds() < 60
        rebuilt = record.instance
        for field in Entry._meta.concrete_fields:
            assert getattr(rebuilt, field.attname) == getattr(entry, field.attname), field.name


def test_an_objects_own_user_and_change_reason_come_before_the_default():
    office, clerk = (get_user_model().objects.create(username=name) for name in ("office", "clerk"))
    event = make_event(is_team=True)
    first, second, third = entries(event, office)
    second._history_user = clerk
    third._change_reason = "merged"
    created = bulk_create_audited([first, second, third], Entry, user=office)
    records = {r.id: r for r in Entry.history.filter(id__in=[e.pk for e in created])}
    assert [(records[e.pk].history_user, records[e.pk].history_change_reason) for e in created] == [
        (office, None),
        (clerk, None),
        (office, "merged"),
    ]


def test_without_a_user_the_rows_are_attributed_to_nobody_outside_a_request():
    event = make_event(is_team=True)
    members = [
        EntryMember(entry=e, event_id=event.pk, position=1, name=f"外校{i}")
        for i, e in enumerate(bulk_create_audited(entries(event, None), Entry))
    ]
    created = bulk_create_audited(members, EntryMember)
    assert sorted(EntryMember.history.values_list("name", "history_user", "history_type")) == sorted(
        (m.name, None, "+") for m in created
    )


def test_history_can_be_switched_off(settings):
    settings.SIMPLE_HISTORY_ENABLED = False
    created = bulk_create_audited(entries(make_event(is_team=True), None), Entry)
    assert len(created) == 3 and Entry.objects.count() == 3 and not Entry.history.exists()


# ---------------------------------------------------------------------------------------------
# insert_objects: bulk_create's rows, prepared column by column


def saved_values(model, objects, ignore=("id", "event_id", "entry_id", "created_at", "updated_at")):
    rows = model.objects.filter(pk__in=[obj.pk for obj in objects]).order_by("pk").values()
    return [{key: value for key, value in row.items() if key not in ignore} for row in rows]


def test_inserted_rows_are_bulk_creates_rows_value_for_value():
    office = get_user_model().objects.create(username="office")
    ours = insert_objects(entries(make_event(is_team=True), office, count=7), Entry, batch_size=3)
    theirs = Entry.objects.bulk_create(entries(make_event(is_team=True), office, count=7), batch_size=3)
    assert [entry.pk for entry in ours] == sorted(entry.pk for entry in ours)
    assert all(not entry._state.adding and entry._state.db == "default" for entry in ours)
    assert saved_values(Entry, ours) == saved_values(Entry, theirs)
    # Each object got its own row's id, not another's: the rows read back in the objects' order.
    for entry, stored in zip(
        ours, Entry.objects.filter(pk__in=[e.pk for e in ours]).order_by("pk"), strict=True
    ):
        assert (entry.pk, entry.rank, entry.score, entry.notes) == (
            stored.pk,
            stored.rank,
            stored.score,
            stored.notes,
        )
    # auto_now_add and auto_now are filled as bulk_create fills them.
    for entry in Entry.objects.filter(pk__in=[e.pk for e in ours]):
        assert entry.created_at is not None and abs(entry.updated_at - timezone.now()).total_seconds() < 60


def test_members_inserted_with_ids_or_with_parents_saved_after_assignment():
    event = make_event(is_team=True)
    entry = Entry(event=event, organization=home_organization())  # assigned while unsaved
    student = make_student()
    insert_objects([entry], Entry)
    members = [
        EntryMember(entry=entry, event_id=event.pk, position=1, student=student, name=student.name),
        EntryMember(entry_id=entry.pk, event_id=event.pk, position=2, name="  outside  "),
    ]
    insert_objects(members, EntryMember)
    assert list(entry.members.order_by("position").values_list("position", "student_id", "name")) == [
        (1, student.pk, student.name),
        (2, None, "  outside  "),
    ]


def test_an_unsaved_related_object_is_refused_as_bulk_create_refuses_it():
    organization = Organization(name="未保存单位")
    with pytest.raises(ValueError, match="unsaved related object 'organization'"):
        insert_objects([Entry(event=make_event(), organization=organization)], Entry)
    assert not Entry.objects.exists()


def test_an_expression_or_an_object_with_an_id_goes_through_bulk_create():
    event = make_event()
    with_expression = Entry(event=event, organization=home_organization(), score=Value("88"))
    [saved] = insert_objects([with_expression], Entry)
    assert Entry.objects.get(pk=saved.pk).score == "88"
    with_id = Entry(pk=987654, event=event, organization=home_organization())
    insert_objects([with_id], Entry)
    assert Entry.objects.filter(pk=987654).exists()


def test_a_failing_batch_leaves_no_row_behind():
    event = make_event()
    good = [Entry(event=event, organization=home_organization(), rank=1) for _ in range(3)]
    bad = Entry(event_id=event.pk, organization_id=home_organization().pk, rank=-1)  # the rank check
    with pytest.raises(IntegrityError), transaction.atomic():
        insert_objects([*good, bad], Entry, batch_size=2)
    assert not Entry.objects.exists()


def test_postgresql_streams_the_rows_by_copy_with_ids_from_the_tables_own_sequence():
    event, organization = make_event(), home_organization()
    with CaptureQueriesContext(connection) as queries:
        ours = insert_objects(
            [Entry(event=event, organization=organization, rank=n) for n in range(1, 6)], Entry
        )
    inserts = [query["sql"] for query in queries.captured_queries if query["sql"].startswith("INSERT")]
    if connection.vendor == "postgresql":
        assert not inserts  # COPY, which the query log does not show
        assert any("nextval(" in query["sql"] for query in queries.captured_queries)
    else:
        [insert] = inserts
        assert insert.count("), (") == 4  # five rows of placeholders
    assert sorted(Entry.objects.values_list("rank", flat=True)) == [1, 2, 3, 4, 5]
    # The ids came from the table's sequence: the next row saved the usual way gets a new one.
    later = Entry.objects.create(event=event, organization=organization, rank=6)
    assert later.pk > max(entry.pk for entry in ours)
    # Each object holds its own row's id: every id reads back the object's rank.
    assert (
        [entry.rank for entry in ours]
        == [Entry.objects.get(pk=entry.pk).rank for entry in ours]
        == [1, 2, 3, 4, 5]
    )


@pytest.mark.parametrize(
    "name",
    [
        "tab\there",
        "two\nlines",
        "back\\slash",
        "\\N",
        "\\.",
        "  padded  ",
        "comma, \"quote\" 'single'",
        "选手·张三",
    ],
)
def test_text_comes_back_as_written_whatever_copys_escapes(name):
    event = make_event(is_team=True)
    [entry] = insert_objects([Entry(event=event, organization=home_organization())], Entry)
    [member] = insert_objects(
        [EntryMember(entry_id=entry.pk, event_id=event.pk, position=1, name=name)], EntryMember
    )
    assert EntryMember.objects.get(pk=member.pk).name == name
    assert EntryMember.objects.get(pk=member.pk).student_id is None  # None stays NULL


def test_a_clash_is_djangos_integrity_error_not_the_drivers():
    event = make_event(is_team=True)
    [entry] = insert_objects([Entry(event=event, organization=home_organization())], Entry)
    twice = [
        EntryMember(entry_id=entry.pk, event_id=event.pk, position=1, name=name) for name in ("甲", "乙")
    ]
    with pytest.raises(IntegrityError), transaction.atomic():  # Django's, which callers catch
        insert_objects(twice, EntryMember)
