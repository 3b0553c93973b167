"""A long competition's page: the medal table first (its leading rows, the rest on asking), then the
results a few whole events at a time, each event reachable by its own link."""

import pytest

from competitions.models import Entry, EntryMember, Event
from competitions.views import pages
from competitions.views.pages import event_pages
from tests.factories import make_competition, make_entry, make_event

pytestmark = pytest.mark.django_db


def test_events_are_cut_into_pages_of_whole_events():
    assert event_pages([(1, 30), (2, 30), (3, 5), (4, 100), (5, 1)], budget=40) == [[1], [2, 3], [4], [5]]
    assert event_pages([], budget=40) == []
    assert event_pages([(1, 0), (2, 0)], budget=40) == [[1, 2]]


@pytest.fixture
def long_competition(monkeypatch):
    monkeypatch.setattr(pages, "RESULTS_PER_PAGE", 4)
    monkeypatch.setattr(pages, "MEDAL_ROWS", 3)
    competition = make_competition("全国选拔赛")
    for e in range(6):
        event = make_event(competition, name=f"赛项{e}")
        for k in range(3):
            make_entry(event, members=[f"选手{e}-{k}"], organization=f"单位{e}{k}", award="金牌", rank=k + 1)
    return competition


def test_the_page_shows_the_first_events_and_links_to_the_others(user_client, long_competition):
    response = user_client.get(long_competition.get_absolute_url())
    html = response.content.decode()
    assert "选手0-0" in html and "选手1-0" not in html
    assert response.context["events_page"].paginator.num_pages == 6
    assert "?page=2#events" in html and 'name="event"' in html


def test_an_events_link_opens_the_page_that_holds_it(user_client, long_competition):
    event = Event.objects.get(competition=long_competition, name="赛项4")
    response = user_client.get(event.results_url())
    html = response.content.decode()
    assert response.context["events_page"].number == 5
    assert f'id="event-{event.pk}"' in html and "选手4-2" in html and "选手0-0" not in html


def test_every_result_is_on_one_of_the_pages(user_client, long_competition):
    seen = set()
    for number in range(1, 7):
        html = user_client.get(long_competition.get_absolute_url(), {"page": number}).content.decode()
        seen |= {name for name in EntryMember.objects.values_list("name", flat=True) if name in html}
    assert seen == set(EntryMember.objects.values_list("name", flat=True))


def test_the_medal_table_shows_its_leading_rows_and_the_whole_table_on_asking(user_client, long_competition):
    url = long_competition.get_absolute_url()
    response = user_client.get(url)
    assert len(response.context["medal_rows"]) == 3
    assert response.context["medal_rows_count"] == 18
    assert "medals=all#medal-table" in response.content.decode()
    whole = user_client.get(url, {"medals": "all"})
    assert len(whole.context["medal_rows"]) == 18
    assert "medals=all#medal-table" not in whole.content.decode()


def test_the_whole_table_link_keeps_the_page_of_events_shown(user_client, long_competition):
    """The medal table's part is rendered once for every page of events (and cached): each page's
    link to the whole table still keeps that page, and the choices of the table."""
    url = long_competition.get_absolute_url()
    for number, link in [
        (1, "?medals=all#medal-table"),
        (3, "?medals=all&amp;page=3#medal-table"),
        (5, "?medals=all&amp;page=5#medal-table"),
    ]:
        html = user_client.get(url, {"page": number}).content.decode()
        assert f'href="{link}"' in html and "events-page" not in html
    html = user_client.get(url, {"page": 4, "order": "total"}).content.decode()
    assert 'href="?order=total&amp;medals=all&amp;page=4#medal-table"' in html
    assert 'href="?order=total&amp;page=5#events"' in html  # the events' links keep the table's choice


def test_a_long_competition_costs_the_queries_of_a_short_one(
    user_client, long_competition, django_assert_max_num_queries
):
    short = make_competition("短赛")
    make_entry(make_event(short), members=["甲"], award="金牌")
    user_client.get(short.get_absolute_url())
    with django_assert_max_num_queries(16):
        user_client.get(short.get_absolute_url())
    assert Entry.objects.filter(event__competition=long_competition).count() == 18
    with django_assert_max_num_queries(16):
        user_client.get(long_competition.get_absolute_url(), {"page": 3})


def test_the_pages_hold_the_events_in_the_order_they_are_listed(user_client, monkeypatch):
    """Events recorded out of their listed order (by name) are still paged in that order: page 1
    holds the first events listed, and the "go to event" list starts with the page's event."""
    monkeypatch.setattr(pages, "RESULTS_PER_PAGE", 1)
    competition = make_competition("省赛")
    for name in ("丙赛项", "甲赛项", "乙赛项"):  # recorded in this order
        make_entry(make_event(competition, name=name), members=[f"{name}选手"], award="金牌")
    listed = list(competition.events.values_list("name", flat=True))  # Event's order: by name
    assert listed != ["丙赛项", "甲赛项", "乙赛项"]
    for number, name in enumerate(listed, start=1):
        response = user_client.get(competition.get_absolute_url(), {"page": number})
        html = response.content.decode()
        assert [event.name for event in response.context["events_page"].events] == [name]
        assert f"{name}选手" in html and all(f"{other}选手" not in html for other in listed if other != name)
        assert f"selected>{name}</option>" in html
