import pytest
from django.contrib.auth.models import Group
from django.urls import reverse

from competitions import roles
from competitions.models import Award, Entry, EntryCoach, EntryMember, Photo
from competitions.recording import RESTORED, history_action
from tests.factories import make_coach, make_entry, make_event, make_student

pytestmark = pytest.mark.django_db


@pytest.fixture
def office(client, django_user_model):
    user = django_user_model.objects.create_user("office", password="a-long-test-password")
    user.groups.add(Group.objects.get(name=roles.OFFICE))
    client.force_login(user)
    return user


def test_a_change_is_shown_with_who_and_what(client, office):
    entry = make_entry(members=[make_student("周玮")], award="银牌")
    entry._history_user = office
    entry.award = Award.objects.parse("金牌")
    entry.save()
    page = client.get(reverse("competitions:entry-history", args=[entry.pk])).content.decode()
    assert "office" in page
    assert "银牌 → 金牌" in page
    assert "周玮" in page


def test_a_deleted_entry_is_listed_and_restored_with_its_members_and_coaches(client, office):
    event = make_event(is_team=True)
    student, coach = make_student("郑永壕"), make_coach("刘欢")
    entry = make_entry(event, members=[student, "外校队员"], coaches=[coach], award="铜牌", rank=3)
    pk = entry.pk
    entry.delete()
    assert not EntryMember.objects.exists()
    event.refresh_from_db()
    version = event.version

    listing = client.get(reverse("competitions:deleted-entries", args=[event.pk])).content.decode()
    assert "郑永壕、外校队员" in listing
    response = client.post(reverse("competitions:entry-restore", args=[pk]))
    assert response.status_code == 302
    restored = Entry.objects.get(pk=pk)
    assert (restored.award.label, restored.rank) == ("铜牌", 3)
    assert [m.name for m in restored.members.order_by("position")] == ["郑永壕", "外校队员"]
    assert restored.members.get(position=1).student == student
    assert list(EntryCoach.objects.filter(entry=restored).values_list("coach__name", flat=True)) == ["刘欢"]
    event.refresh_from_db()
    assert event.version == version + 1  # editors with the page open must reload


def test_a_member_removed_before_the_deletion_is_not_brought_back(client, office):
    event = make_event(is_team=True)
    entry = make_entry(event, members=["甲", "乙"])
    entry.members.get(name="乙").delete()
    # Much later, the entry is deleted.
    EntryMember.history.filter(name="乙").update(
        history_date=EntryMember.history.get(name="乙", history_type="-").history_date.replace(year=2000)
    )
    pk = entry.pk
    entry.delete()
    client.post(reverse("competitions:entry-restore", args=[pk]))
    assert [m.name for m in Entry.objects.get(pk=pk).members.all()] == ["甲"]


def test_restoring_is_refused_when_a_member_has_been_entered_again(client, office):
    event = make_event(is_team=True)
    student = make_student()
    entry = make_entry(event, members=[student])
    pk = entry.pk
    entry.delete()
    make_entry(event, members=[student], organization="另一队")
    response = client.post(reverse("competitions:entry-restore", args=[pk]), follow=True)
    assert not Entry.objects.filter(pk=pk).exists()
    assert "cannot be restored" in response.content.decode()


def test_teachers_read_the_audit_trail_but_cannot_restore(client, django_user_model):
    teacher = django_user_model.objects.create_user("t", password="a-long-test-password")
    teacher.groups.add(Group.objects.get(name=roles.TEACHERS))
    client.force_login(teacher)
    entry = make_entry()
    pk, event_id = entry.pk, entry.event_id
    entry.delete()
    page = client.get(reverse("competitions:entry-history", args=[pk]))
    assert page.status_code == 200
    assert reverse("competitions:entry-restore", args=[pk]) not in page.content.decode()
    deleted = client.get(reverse("competitions:deleted-entries", args=[event_id]))
    assert (
        deleted.status_code == 200
        and reverse("competitions:entry-history", args=[pk]) in deleted.content.decode()
    )
    assert reverse("competitions:entry-restore", args=[pk]) not in deleted.content.decode()
    assert client.post(reverse("competitions:entry-restore", args=[pk])).status_code == 403


def test_a_restore_is_recorded_as_restored_not_created(client, office):
    event = make_event(is_team=True)
    entry = make_entry(event, members=[make_student("郑永壕")], coaches=[make_coach("刘欢")])
    pk = entry.pk
    entry.delete()
    client.post(reverse("competitions:entry-restore", args=[pk]))
    latest = Entry.history.filter(id=pk).latest()
    assert (latest.history_type, latest.history_change_reason) == ("+", RESTORED)
    assert EntryMember.history.filter(entry_id=pk).latest().history_change_reason == RESTORED
    assert EntryCoach.history.filter(entry_id=pk).latest().history_change_reason == RESTORED

    response = client.get(reverse("competitions:entry-history", args=[pk]))
    rows = response.context["rows"]
    assert [history_action(row["record"]) for row in rows] == ["Restored", "Deleted", "Created"]
    page = response.content.decode()
    assert page.count("<td>Restored</td>") == 3  # the entry, its member and its coach

    client.post(reverse("set_language"), {"language": "zh-hans"})
    page = client.get(reverse("competitions:entry-history", args=[pk])).content.decode()
    assert page.count("<td>已恢复</td>") == 3


def test_photo_tags_come_back_with_a_restored_entry(client, office):
    event = make_event(is_team=True)
    entry = make_entry(event, members=[make_student()])
    other = make_entry(event, members=["外校队员"], organization="兄弟学院")
    tagged = Photo.objects.create(competition=event.competition, image="photos/a.jpg")
    tagged.entries.set([entry, other])
    untagged_before = Photo.objects.create(competition=event.competition, image="photos/b.jpg")
    untagged_before.entries.set([entry])
    untagged_before.entries.remove(entry)  # removed on purpose before the deletion: stays removed
    deleted_photo = Photo.objects.create(competition=event.competition, image="photos/c.jpg")
    deleted_photo.entries.set([entry])
    pk = entry.pk
    entry.delete()
    deleted_photo.delete()
    # The photo is edited after the deletion: its newer records no longer list the entry.
    tagged.caption = "颁奖"
    tagged.save()

    client.post(reverse("competitions:entry-restore", args=[pk]))
    restored = Entry.objects.get(pk=pk)
    assert list(restored.photos.all()) == [tagged]
    assert set(tagged.entries.all()) == {restored, other}
    assert not untagged_before.entries.exists()
    # The photo's history records the tag coming back, as a restore.
    latest = Photo.history.filter(id=tagged.pk).latest()
    assert latest.history_change_reason == RESTORED
