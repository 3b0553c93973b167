"""The entries form reads as a results list and reports every error at once (issue 11 §5): one pass
with a summary at the top, rows by rank then tier, one award column, labelled fields."""

import re

import pytest
from django.utils.html import escape

from competitions.models import Entry, Event, Tier
from competitions.roles import OFFICE
from tests.competitions.test_event_entries import Page, client_for, row_errors, user_in
from tests.competitions.test_event_entries_pages import fill_event
from tests.factories import home_organization, make_competition, make_entry, make_event, make_student

pytestmark = pytest.mark.django_db


@pytest.fixture
def office_client(django_user_model):
    return client_for(user_in(django_user_model, OFFICE, "office"))


@pytest.fixture
def event():
    """A team event of up to 3 members, with the home college."""
    home_organization()
    return make_event(
        make_competition("第二届全国技能大赛"), name="移动机器人", is_team=True, max_team_size=3
    )


def summary_of(response) -> list[tuple[str, str]]:
    """The error summary's lines as (link target, text)."""
    html = response.content.decode()
    box = re.search(r'<div id="error-summary".*?</ul>', html, re.S)
    assert box, "no error summary on the page"
    lines = re.findall(r'<li><a href="#([^"]+)">(.*?)</a></li>', box[0], re.S)
    return [(target, text) for target, text in lines]


# Every error in one pass


def test_field_errors_duplicates_and_team_sizes_are_reported_in_one_pass(office_client, event):
    zheng = make_student("郑泽鑫", student_number="20210001")
    recorded = make_entry(event, members=["张三"], organization="广东队", award="银牌", rank=2)
    version = Event.objects.get(pk=event.pk).version
    page = Page(office_client, event)
    page.fill(page.row_of(recorded), award="钻石奖")  # a field error: not in the vocabulary
    page.add(organization="本校技师学院", members="郑泽鑫", award="金牌", rank=1)
    page.add(1, organization="本校技师学院", members="郑泽鑫（20210001）", award="铜牌")  # rule 7
    page.add(2, organization="广东队", members="甲、乙、丙、丁", award="铜牌")  # a team too large
    response = page.submit()

    assert response.status_code == 200
    assert list(row_errors(response, page.row_of(recorded))) == ["award"]
    duplicate = row_errors(response, page.blank_row(1))["members"][0]
    assert "郑泽鑫" in duplicate and "row 2" in duplicate
    assert "at most 3" in row_errors(response, page.blank_row(2))["members"][0]
    assert not row_errors(response, page.blank_row())
    # Nothing saved, the version untouched: the next save goes through once the rows are fixed.
    assert Entry.objects.filter(event=event).count() == 1
    assert Event.objects.get(pk=event.pk).version == version
    recorded.refresh_from_db()
    assert recorded.award.label == "银牌"
    assert not zheng.memberships.exists()

    page.fill(page.row_of(recorded), award="银牌")
    page.fill(page.blank_row(1), members="李四")
    page.fill(page.blank_row(2), members="甲、乙、丙")
    assert page.submit_confirming().status_code == 302  # 李四 is a new home student
    assert Entry.objects.filter(event=event).count() == 4


def test_the_summary_lists_every_error_with_its_row_and_field_and_links_to_the_field(office_client, event):
    recorded = make_entry(event, members=["张三"], organization="广东队", award="银牌", rank=2)
    page = Page(office_client, event)
    page.fill(page.row_of(recorded), award="钻石奖", rank="x")
    page.add(organization="广东队", members="张三、张三、李四、王五", award="金牌")
    response = page.submit()

    html = response.content.decode()
    lines = summary_of(response)
    assert len(lines) == 4
    targets = [target for target, _ in lines]
    assert targets == [
        "id_entries-0-award",
        "id_entries-0-rank",
        "id_entries-1-members",
        "id_entries-1-members",
    ]
    for target in set(targets):
        assert f'id="{target}"' in html  # each link lands on its field
    assert lines[0][1].startswith("Row 1, Award: ") and escape("“钻石奖”") in lines[0][1]
    assert lines[1][1].startswith("Row 1, Rank: ")
    assert {text.split(": ", 1)[1][:12] for _, text in lines[2:]} == {"4 members na", "Listed twice"}
    assert "4 problems to fix: nothing was saved." in html
    # The summary comes before the rows, and the fields with errors say so to assistive technology.
    assert html.index('id="error-summary"') < html.index('class="table entries-table"')
    assert re.search(r'<input[^>]*aria-invalid="true"[^>]*name="entries-1-members"', html) or re.search(
        r'<input[^>]*name="entries-1-members"[^>]*aria-invalid="true"', html
    )


def test_a_row_naming_no_entry_is_summarized_with_a_link_to_the_row(office_client, event):
    gone = make_entry(event, members=["张三"], organization="广东队")
    page = Page(office_client, event)
    gone.delete()
    page.add(organization="广东队", members="李四", award="钻石奖")
    response = page.submit()
    lines = summary_of(response)
    assert ("entry-row-1", lines[0][1]) == lines[0] and "no longer exists" in lines[0][1]
    assert lines[1][0] == "id_entries-1-award"
    assert 'id="entry-row-1"' in response.content.decode()


def test_a_page_without_errors_has_no_summary(office_client, event):
    make_entry(event, members=["张三"], organization="广东队")
    assert 'id="error-summary"' not in Page(office_client, event).response.content.decode()


def test_every_error_in_one_pass_holds_on_a_later_page(office_client, event):
    fill_event(event, 45)  # page 2 holds entries 31-45
    page = Page(office_client, event, page=2)
    first = page.row_of(Entry.objects.get(event=event, rank=31))
    page.fill(first, rank="0")  # a field error
    page.add(organization="本校技师学院", members="选手001（20230001）", award="铜牌")  # on page 1
    page.add(1, organization="广东队", members="甲、乙、丙、丁")
    response = page.submit()

    assert list(row_errors(response, first)) == ["rank"]
    assert "选手001" in row_errors(response, page.blank_row())["members"][0]
    assert "at most 3" in row_errors(response, page.blank_row(1))["members"][0]
    lines = summary_of(response)
    assert [text.split(",")[0] for _, text in lines] == ["Row 31", "Row 46", "Row 47"]
    assert Entry.objects.filter(event=event).count() == 45


# Rows by rank, then tier


def test_rows_are_ordered_by_rank_then_tier(office_client, event):
    """Unranked entries follow the ranked ones best tier first, whatever order they were recorded in."""
    none = make_entry(event, members=["甲"], organization="A队", award=None)
    silver = make_entry(event, members=["乙"], organization="本校技师学院", award="银牌")
    excellence = make_entry(event, members=["丙"], organization="C队", award="优胜奖")
    gold = make_entry(event, members=["丁"], organization="D队", award="金牌")
    first_prize = make_entry(event, members=["戊"], organization="E队", award="一等奖")  # a gold too
    special = make_entry(event, members=["己"], organization="F队", award="特等奖")
    ranked = make_entry(event, members=["庚"], organization="G队", award="铜牌", rank=1)
    named = make_entry(event, members=["辛"], organization="H队", award="入围国家集训队")
    expected = [ranked, special, gold, first_prize, silver, excellence, named, none]

    page = Page(office_client, event)
    assert [page.row_of(entry) for entry in expected] == list(range(8))

    # The competition page lists the event's entries in the same order.
    html = office_client.get(event.competition.get_absolute_url()).content.decode()
    html = html[html.index(f'id="event-{event.pk}"') :]  # the event's section, after the medal table
    places = [html.index(f">{entry.organization.name}<") for entry in expected]
    assert places == sorted(places)


def test_the_result_order_is_the_order_of_tier_declared_best_first(event):
    for label in ["优胜奖", "铜牌", "银牌", "金牌", "特等奖"]:
        make_entry(event, members=[label], organization=f"{label}队", award=label)
    tiers = [entry.tier for entry in Entry.objects.filter(event=event).in_result_order()]
    assert tiers == [Tier.SPECIAL, Tier.GOLD, Tier.SILVER, Tier.BRONZE, Tier.EXCELLENCE]


# One award column


def test_the_event_lists_have_one_award_column_naming_the_tier_where_the_label_does_not(office_client, event):
    make_entry(event, members=["甲"], organization="A队", award="一等奖", rank=1)
    make_entry(event, members=["乙"], organization="B队", award="Gold", rank=2)
    make_entry(event, members=["丙"], organization="C队", award="入围国家集训队", rank=3)
    html = office_client.get(event.competition.get_absolute_url()).content.decode()
    table = re.search(r'<table class="table">\s*<thead>.*?</table>', html[html.index(event.name) :], re.S)[0]
    headings = [re.sub(r"<[^>]+>", "", heading) for heading in re.findall(r"<th[^>]*>(.*?)</th>", table)]
    # One award column; the last, unlabelled on screen, holds each entry's history link.
    assert headings == ["Rank", "Organization", "Members", "Coaches", "Award", "Score", "History"]
    # (a Chinese label is marked lang="zh-Hans" inside the award's span on an English page)
    assert re.search(r'一等奖</span>(</span>)? <span class="tier-badge">Gold</span>', table)
    assert 'Gold</span> <span class="tier-badge">' not in table  # “Gold” already says its tier
    assert not re.search(
        r'入围国家集训队</span>(</span>)? <span class="tier-badge">', table
    )  # named: no “Other”
    chinese = office_client.get(
        event.competition.get_absolute_url(), headers={"accept-language": "zh-hans"}
    ).content.decode()
    assert "<th>奖项</th>" in chinese and "<th>奖项等级</th>" not in chinese


def test_the_form_names_the_tier_of_an_award_beside_its_label(office_client, event):
    make_entry(event, members=["甲"], organization="A队", award="一等奖", rank=1)
    html = Page(office_client, event).response.content.decode()
    assert '<span class="tier-badge tier-gold">Gold</span>' in html
    assert html.count('class="tier-badge') == 1  # blank rows name no tier


# Labels


def test_every_field_and_delete_box_is_named_with_its_row(office_client, event):
    fill_event(event, 33)
    html = Page(office_client, event, page=2).response.content.decode()
    assert re.search(r'<input type="checkbox" name="entries-0-DELETE" aria-label="Delete entry 31"', html)
    assert 'aria-label="Members, entry 33"' in html
    assert 'aria-label="Organization, entry 34"' in html  # the first blank row


# Query budget


def test_a_page_with_errors_in_every_row_makes_the_same_queries_for_3_or_30_entries(
    office_client, event, django_assert_max_num_queries
):
    from tests.competitions.test_event_entries import grow

    make_student("郑泽鑫", student_number="20990001")
    counts = []
    for start, stop in [(0, 3), (3, 30)]:
        grow(event, start, stop)
        page = Page(office_client, event)
        rows = int(page.data["entries-INITIAL_FORMS"])
        for row in range(rows):
            page.fill(row, rank="x", members="郑泽鑫（20990001）")  # a field error and rule 7 in every row
        with django_assert_max_num_queries(25) as queries:
            response = page.submit()
        assert len(summary_of(response)) == 2 * rows - 1  # every rank; 郑泽鑫 in every row after the first
        counts.append(len(queries))
    assert counts[0] == counts[1]
