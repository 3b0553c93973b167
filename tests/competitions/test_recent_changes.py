"""Recent changes: who changed what and when, across the history tables, filtered and paged."""

from datetime import timedelta

import pytest
from django.contrib.auth.models import Group
from django.urls import reverse
from django.utils import timezone

from competitions import roles
from competitions.amending import save_award
from competitions.models import Award, Entry, Photo, Tier
from tests.factories import make_coach, make_competition, make_entry, make_event

pytestmark = pytest.mark.django_db


@pytest.fixture
def office(django_user_model):
    user = django_user_model.objects.create_user("office-user", password="a-long-test-password")
    user.groups.add(Group.objects.get(name=roles.OFFICE))
    return user


@pytest.fixture
def office_client(client, office):
    client.force_login(office)
    return client


@pytest.fixture
def teacher_client(client, django_user_model):
    user = django_user_model.objects.create_user("teacher-user", password="a-long-test-password")
    user.groups.add(Group.objects.get(name=roles.TEACHERS))
    client.force_login(user)
    return client


URL = reverse("competitions:recent-changes")


def kinds(response) -> list[str]:
    return [row.kind.key for row in response.context["rows"]]


def test_changes_are_listed_newest_first_with_who_and_a_link(office_client, office):
    competition = make_competition("第47届世界技能大赛")
    event = make_event(competition, name="移动机器人")
    entry = make_entry(event, organization="中国", members=["甲"])
    entry._history_user = office
    entry.rank = 1
    entry.save()
    response = office_client.get(URL)
    rows = response.context["rows"]
    assert rows[0].kind.key == "entry" and rows[0].action == "Changed"
    assert rows[0].record.history_user == office and rows[0].fields == ["rank"]
    assert rows[0].url == reverse("competitions:entry-history", args=[entry.pk])
    assert rows[0].name == "移动机器人 · 中国"
    dates = [row.record.history_date for row in rows]
    assert dates == sorted(dates, reverse=True)
    assert {"competition", "event", "entry", "member"} <= set(kinds(response))
    page = response.content.decode()
    assert "office-user" in page and reverse("competitions:entry-history", args=[entry.pk]) in page


def test_filtered_by_competition_person_and_dates(office_client, office):
    first, second = make_competition("甲赛事"), make_competition("乙赛事")
    make_entry(make_event(first), coaches=[make_coach("王老师")])
    make_entry(make_event(second), coaches=[make_coach("李老师")])
    entry = make_entry(make_event(second))
    Award.objects.create(label="贡献奖", tier=Tier.OTHER)
    entry._history_user = office
    entry.score = "95"
    entry.save()

    by_competition = office_client.get(URL, {"competition": first.pk}).context["rows"]
    assert by_competition and {row.competition for row in by_competition} == {first}
    assert [row.name for row in by_competition if row.kind.key == "coach"] == ["王老师"]
    assert "award" not in {row.kind.key for row in by_competition}  # awards belong to no competition

    by_person = office_client.get(URL, {"user": office.pk}).context["rows"]
    assert [(row.kind.key, row.record.id) for row in by_person] == [("entry", entry.pk)]

    tomorrow = timezone.localdate() + timedelta(days=1)
    assert office_client.get(URL, {"since": tomorrow.isoformat()}).context["rows"] == []
    assert len(office_client.get(URL, {"until": tomorrow.isoformat()}).context["rows"]) > 1
    bad = office_client.get(URL, {"since": tomorrow.isoformat(), "until": "2000-01-01"})
    assert "The end date is before the start date." in bad.content.decode()


def test_deleted_entries_awards_and_photos_are_listed_and_linked(office_client):
    competition = make_competition()
    entry = make_entry(make_event(competition))
    pk = entry.pk
    entry.delete()
    award = Award.objects.create(label="贡献奖", tier=Tier.OTHER)
    award.tier = Tier.GOLD
    save_award(award)
    photo = Photo.objects.create(competition=competition, image="photos/x.jpg", caption="领奖")
    rows = office_client.get(URL).context["rows"]
    by_kind = {}
    for row in rows:
        by_kind.setdefault(row.kind.key, row)
    assert by_kind["photo"].url == reverse("competitions:photo-edit", args=[photo.pk])
    assert by_kind["award"].fields == ["tier"]
    assert by_kind["award"].url.startswith(reverse("competitions:award-list"))
    deleted = [row for row in rows if row.kind.key == "entry" and row.record.history_type == "-"]
    assert deleted[0].url == reverse("competitions:entry-history", args=[pk])


def test_teachers_read_the_changes_and_photos_link_to_the_competition(teacher_client):
    competition = make_competition()
    Photo.objects.create(competition=competition, image="photos/x.jpg")
    response = teacher_client.get(URL)
    assert response.status_code == 200
    (photo,) = [row for row in response.context["rows"] if row.kind.key == "photo"]
    assert photo.url == f"{competition.get_absolute_url()}#photos"


def test_changes_are_paged(office_client):
    event = make_event()
    for rank in range(1, 8):
        make_entry(event, rank=rank, organization=f"队{rank}")
    total = office_client.get(URL).context["page"].paginator.count
    first = office_client.get(URL, {"per_page": 5})
    second = office_client.get(URL, {"per_page": 5, "page": 2})
    assert len(first.context["rows"]) == 5
    ids = [(row.kind.key, row.history_id) for row in first.context["rows"] + second.context["rows"]]
    assert len(set(ids)) == len(ids) == min(10, total)
    assert "per_page=5&amp;page=2" in first.content.decode()


def test_the_page_makes_a_bounded_number_of_queries(office_client, office, django_assert_max_num_queries):
    def some_changes(n, prefix):
        competition = make_competition()
        event = make_event(competition, is_team=True)
        for index in range(n):
            entry = make_entry(event, members=[f"甲{index}", f"乙{index}"], organization=f"队{index}")
            entry.rank = index + 1
            entry._history_user = office
            entry.save()
            Photo.objects.create(competition=competition, image=f"photos/{index}.jpg")
            award = Award.objects.create(label=f"{prefix}奖{index}", tier=Tier.OTHER)
            award.tier = Tier.GOLD
            save_award(award, user=office)

    some_changes(2, "甲")
    with django_assert_max_num_queries(40) as few:
        assert office_client.get(URL).status_code == 200
    some_changes(30, "乙")
    assert Entry.history.count() > 60
    with django_assert_max_num_queries(len(few.captured_queries)):
        response = office_client.get(URL, {"per_page": 200})
    assert len(response.context["rows"]) == 200
