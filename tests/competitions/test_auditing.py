"""Audited bulk creation: the history rows copied by the database hold what django-simple-history's
own bulk_create_with_history writes, row for row."""

import pytest
from django.contrib.auth import get_user_model
from django.utils import timezone
from simple_history.utils import bulk_create_with_history

from competitions.auditing import bulk_create_audited
from competitions.models import Award, Entry, EntryMember, Event
from tests.factories import home_organization, make_event

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
