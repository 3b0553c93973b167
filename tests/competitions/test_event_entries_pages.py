"""The entries page of a large event: edited and saved a page at a time, checked as a whole.

Django reads at most DATA_UPLOAD_MAX_NUMBER_FIELDS (1,000) fields of a form; an entries form with
every entry of an event on it passed that at about 62 entries and was refused with a bare 400.
"""

import re

import pytest
from django.conf import settings
from django.test import Client
from django.urls import reverse
from django.utils.html import escape

from competitions.forms import ENTRIES_PER_PAGE, MAX_BLANK_ROWS
from competitions.models import Award, AwardRule, Competition, Entry, EntryCoach, EntryMember, Event
from competitions.roles import OFFICE
from students.models import Student
from tests.competitions.test_event_entries import (
    STALE_MESSAGE,
    FormFields,
    Page,
    client_for,
    row_errors,
    user_in,
)
from tests.factories import (
    home_organization,
    make_coach,
    make_competition,
    make_entry,
    make_event,
    make_student,
)

pytestmark = pytest.mark.django_db

SIZE = 500
PAGES = -(-SIZE // ENTRIES_PER_PAGE)  # 17


def fill_event(event: Event, size: int = SIZE, *, numbers_from: int = 1) -> Event:
    """`size` entries ranked 1..size, each a home student 选手001（20230001）... with one coach;
    golds for the top three. Made in bulk: the rules hold by construction."""
    students = [
        Student(name=f"选手{n:03d}", student_number=f"2023{n:04d}")
        for n in range(numbers_from, numbers_from + size)
    ]
    for student in students:
        student.fill_search_keys()
    students = Student.objects.bulk_create(students)
    home, gold, coach = home_organization(), Award.objects.parse("金牌"), make_coach("陈老师")
    entries = Entry.objects.bulk_create(
        Entry(event=event, organization=home, award=gold if n <= 3 else None, rank=n)
        for n in range(1, size + 1)
    )
    EntryMember.objects.bulk_create(
        EntryMember(entry=entry, event=event, position=1, name=student.name, student=student)
        for entry, student in zip(entries, students, strict=True)
    )
    EntryCoach.objects.bulk_create(EntryCoach(entry=entry, coach=coach) for entry in entries)
    return event


@pytest.fixture
def office(django_user_model):
    return user_in(django_user_model, OFFICE, "office")


@pytest.fixture
def office_client(office):
    return client_for(office)


@pytest.fixture
def event():
    """A team event (up to 3 members) of a 2023 national competition, with the home college."""
    home_organization()
    return make_event(
        make_competition("第二届全国技能大赛"), name="移动机器人", is_team=True, max_team_size=3
    )


@pytest.fixture
def big_event(event):
    return fill_event(event)


def ranked(event: Event, rank: int) -> Entry:
    return Entry.objects.get(event=event, rank=rank)


def snapshot(event: Event) -> dict[int, tuple]:
    """Every entry of the event with what the form edits."""
    return {
        entry.pk: (
            entry.organization.name,
            entry.award.label if entry.award else None,
            entry.rank,
            entry.score,
            entry.notes,
            tuple(member.name for member in entry.members.all()),
            tuple(coach.name for coach in entry.coaches.all()),
        )
        for entry in Entry.objects.filter(event=event).with_people()
    }


def version_of(event: Event) -> int:
    return Event.objects.get(pk=event.pk).version


def shown_messages(client: Client, url: str) -> list[str]:
    return [str(message) for message in client.get(url).context["messages"]]


# Opening a page


def fields_a_browser_may_send(content: str) -> int:
    """Every named input and button of the entries form, checkboxes ticked: the most it can send."""
    form = content[content.index('<form method="post" class="entries-form">') :]
    return form[: form.index("</form>")].count(' name="')


def test_a_page_of_a_500_entry_event_sends_far_fewer_fields_than_django_reads(office_client, big_event):
    page = Page(office_client, big_event)
    rows = int(page.data[f"{page.prefix}-TOTAL_FORMS"])
    assert rows == ENTRIES_PER_PAGE + 3  # a page of entries and 3 blank rows
    assert [page.data[page.field(row, "members")] for row in range(2)] == [
        "选手001（20230001）",
        "选手002（20230002）",
    ]
    content = page.response.content.decode()
    # 30 entries × 16 fields, 3 blank rows × 15, the management form, token, version, page, 2 buttons.
    assert fields_a_browser_may_send(content) == 30 * 16 + 3 * 15 + 4 + 3 + 2
    assert f"Page 1 of {PAGES}: entries 1–{ENTRIES_PER_PAGE} of {SIZE}" in content
    assert f'href="?page={PAGES}"' in content  # the last page is one click away

    # The fullest page the form makes (the most blank rows ?blank= asks for) stays under the limit too.
    fullest = office_client.get(Page(office_client, big_event, page=2).url + "&blank=1000")
    assert len(fullest.context["formset"].forms) == ENTRIES_PER_PAGE + MAX_BLANK_ROWS
    assert fields_a_browser_may_send(fullest.content.decode()) == 30 * 16 + 20 * 15 + 4 + 3 + 2
    assert 30 * 16 + 20 * 15 + 4 + 3 + 2 < settings.DATA_UPLOAD_MAX_NUMBER_FIELDS


def test_a_page_makes_the_same_queries_whatever_the_size_of_the_event(
    office_client, event, django_assert_max_num_queries
):
    url = reverse("competitions:event-entries", args=[event.pk])
    # Session, user, 2 permission lookups, event, the count of entries, a page of entries + 2
    # prefetches, organizations, awards: the same for 3 entries and for 500, on any page.
    small = fill_event(make_event(event.competition), 3, numbers_from=9001)
    with django_assert_max_num_queries(11):
        assert office_client.get(reverse("competitions:event-entries", args=[small.pk])).status_code == 200
    fill_event(event)
    for page in [1, 9, PAGES]:
        with django_assert_max_num_queries(11):
            response = office_client.get(f"{url}?page={page}")
        assert response.status_code == 200
    # The last page holds the rest: 500 - 16 × 30 = 20 entries, with their numbers in the event.
    assert len(response.context["formset"].initial_forms) == SIZE - (PAGES - 1) * ENTRIES_PER_PAGE
    assert f'<td class="num">{(PAGES - 1) * ENTRIES_PER_PAGE + 1}<input' in response.content.decode()


def test_a_page_number_out_of_range_or_unreadable_opens_a_page(office_client, big_event):
    url = reverse("competitions:event-entries", args=[big_event.pk])
    for page in ["0", "999", "²", "-1", "9" * 5000, "abc"]:
        response = office_client.get(url, {"page": page, "blank": page})
        assert response.status_code == 200
        assert response.context["page"].number in {1, PAGES}


# Saving a page


def test_saving_a_page_makes_the_same_queries_whatever_the_size_of_the_event(
    office_client, event, django_assert_max_num_queries
):
    small = fill_event(make_event(event.competition, is_team=True, max_team_size=3), 3, numbers_from=9001)
    fill_event(event)
    for saved in [small, event, small, event]:
        page = Page(office_client, saved, page=1)
        page.fill(page.row_of(ranked(saved, 2)), notes=f"{page.data['version']}")
        # Version, people lock, the page's entries, its people, the rule checks, the writes with
        # their history, the tally tables refreshed, the count of pages for the message.
        with django_assert_max_num_queries(65):
            assert page.submit().status_code == 302


def test_a_page_of_a_500_entry_event_is_saved_on_its_own(office_client, big_event):
    results_version = Competition.objects.get(pk=big_event.competition_id).results_version
    before = version_of(big_event)
    page = Page(office_client, big_event, page=2)
    changed = ranked(big_event, 31)
    page.fill(page.row_of(changed), award="优胜奖", notes="复核")
    page.add(organization="广东队", members="张三", award="优胜奖")
    response = page.submit()

    assert response.status_code == 302 and response.url.endswith("?page=2")
    assert f"Saved page 2 of {PAGES}: 1 added, 1 changed, 0 deleted." in shown_messages(
        office_client, response.url
    )
    changed.refresh_from_db()
    assert (changed.award.label, changed.notes) == ("优胜奖", "复核")
    assert Entry.objects.filter(event=big_event).count() == SIZE + 1
    assert version_of(big_event) == before + 1
    # results_changed ran: the tallies were refreshed.
    assert Competition.objects.get(pk=big_event.competition_id).results_version > results_version


def test_saving_page_3_keeps_pages_1_and_2_and_the_rest_intact(office_client, big_event):
    newcomer = make_student("新选手", student_number="20239999")
    before = snapshot(big_event)
    page = Page(office_client, big_event, page=3)
    dropped, changed = ranked(big_event, 61), ranked(big_event, 75)
    page.fill(page.row_of(dropped), delete=True)
    page.fill(page.row_of(changed), members="选手075、新选手（20239999）", coaches="")
    assert page.submit().status_code == 302

    after = snapshot(big_event)
    assert dropped.pk not in after
    assert after[changed.pk][5:] == (("选手075", "新选手"), ())
    del before[dropped.pk], before[changed.pk], after[changed.pk]
    assert after == before  # every other entry, on this page and all the others, as it was
    assert [m.student for m in changed.members.order_by("position")][1] == newcomer
    # Only the two entries the office touched have history rows (the bulk-made ones have none): the
    # deleted one, and the changed one, whose result now waits for a second office user.
    assert set(Entry.history.values_list("id", flat=True)) == {dropped.pk, changed.pk}
    assert set(EntryMember.history.values_list("entry_id", flat=True)) == {dropped.pk, changed.pk}


def test_save_and_open_the_next_page(office_client, big_event):
    page = Page(office_client, big_event, page=4)
    page.fill(page.row_of(ranked(big_event, 91)), score="99.5")
    response = page.submit("save_next")
    assert response.status_code == 302 and response.url.endswith("?page=5")
    assert ranked(big_event, 91).score == "99.5"
    last = Page(office_client, big_event, page=PAGES)
    assert 'name="save_next"' not in last.response.content.decode()


def test_a_person_entered_on_another_page_is_refused_naming_them_and_their_entry(office_client, big_event):
    before = snapshot(big_event)
    version = version_of(big_event)
    page = Page(office_client, big_event, page=3)
    kept = ranked(big_event, 70)
    page.add(organization="本校技师学院", members="选手001（20230001）", award="优胜奖")
    page.fill(page.row_of(kept), members="选手070、选手045")
    response = page.submit()

    assert response.status_code == 200
    # Both refusals in one round, each naming the person and where they are entered.
    added = row_errors(response, page.blank_row())["members"][0]
    assert "选手001" in added and "本校技师学院 ranked 1." in added
    moved = row_errors(response, page.row_of(kept))["members"][0]
    assert "选手045" in moved and "ranked 45" in moved
    assert snapshot(big_event) == before and version_of(big_event) == version


def test_the_same_person_twice_on_a_page_is_refused_with_the_rows_numbers_in_the_event(
    office_client, big_event
):
    make_student("王五", student_number="20240001")
    page = Page(office_client, big_event, page=3)
    page.add(organization="本校技师学院", members="王五")
    page.add(1, organization="本校技师学院", members="王五（20240001）")
    response = page.submit()
    # Rows 1-60 are on pages 1 and 2: the first blank row of page 3 is row 91.
    message = row_errors(response, page.blank_row(1))["members"][0]
    assert "also entered in row 91" in message
    assert Entry.objects.filter(event=big_event).count() == SIZE


def test_a_person_moves_between_pages_in_two_saves(office_client, big_event):
    """Off their entry on page 1 first, then onto an entry on page 3: each save checks the whole event."""
    first = Page(office_client, big_event, page=1)
    entry = ranked(big_event, 5)
    first.fill(first.row_of(entry), members="选手005替补")
    assert first.submit_confirming().status_code == 302
    third = Page(office_client, big_event, page=3)
    target = ranked(big_event, 62)
    third.fill(third.row_of(target), members="选手062、选手005（20230005）")
    assert third.submit().status_code == 302
    assert [m.name for m in target.members.order_by("position")] == ["选手062", "选手005"]


def test_proposals_count_the_ranked_entries_of_the_whole_event(office_client):
    home_organization()
    competition = make_competition("世界技能大赛选拔赛", award_rule=AwardRule.MEDALS_HALF)
    event = fill_event(make_event(competition, name="机电一体化"), 2 * ENTRIES_PER_PAGE)
    page = Page(office_client, event)
    response = page.submit("propose")
    forms = response.context["formset"].forms
    proposed = [
        forms[page.row_of(ranked(event, rank))]["award"].value() for rank in [1, 3, 4, ENTRIES_PER_PAGE]
    ]
    # 60 ranked entries: the top half is rank <= 30, the whole of page 1.
    assert proposed == ["金牌", "铜牌", "优胜奖", "优胜奖"]
    assert not Entry.objects.filter(event=event, award__label="优胜奖").exists()


# Two editors, each on a page of their own


def test_the_events_version_holds_for_each_page_saved(office, django_user_model, big_event):
    colleague = client_for(user_in(django_user_model, OFFICE, "colleague"))
    first, second = Page(client_for(office), big_event, page=1), Page(colleague, big_event, page=5)
    top, mine = ranked(big_event, 1), ranked(big_event, 125)

    first.fill(first.row_of(top), notes="冠军")
    assert first.submit().status_code == 302
    second.fill(second.row_of(mine), score="95")
    second.add(organization="湖南队", members="赵六", award="优胜奖")
    response = second.submit()

    assert response.status_code == 200
    content = response.content.decode()
    assert escape(STALE_MESSAGE) in content
    assert 'value="湖南队"' in content and 'value="赵六"' in content and 'value="95"' in content
    # The review shows this page's entries as now saved.
    review = content[content.index('id="current-entries"') : content.index("entries-form")]
    assert review.count("<tr") == ENTRIES_PER_PAGE + 1 and "选手125" in review and "选手001" not in review
    assert ranked(big_event, 125).score == "" and Entry.objects.filter(event=big_event).count() == SIZE

    again = FormFields()
    again.feed(content)
    second.data = again.data
    assert second.data["page"] == "5"
    assert second.submit().status_code == 302
    assert ranked(big_event, 125).score == "95" and ranked(big_event, 1).notes == "冠军"
    assert Entry.objects.filter(event=big_event).count() == SIZE + 1


# Numbers out of range: a field error or a refused form, never a 500


def test_a_huge_rank_is_a_field_error(office_client, event):
    entry = make_entry(event, members=["张三"], organization="广东队", award="银牌", rank=2)
    page = Page(office_client, event)
    page.fill(page.row_of(entry), rank="99999999999999999999")
    page.add(organization="湖南队", members="赵六", rank="2147483648")
    response = page.submit()

    assert response.status_code == 200
    assert "less than or equal to 2147483647" in row_errors(response, page.row_of(entry))["rank"][0]
    assert "less than or equal to 2147483647" in row_errors(response, page.blank_row())["rank"][0]
    entry.refresh_from_db()
    assert entry.rank == 2 and Entry.objects.filter(event=event).count() == 1
    # The largest rank the database stores is accepted.
    page.fill(page.row_of(entry), rank="2147483647")
    page.fill(page.blank_row(), rank="")
    assert page.submit().status_code == 302
    assert Entry.objects.get(pk=entry.pk).rank == 2147483647


def test_a_huge_rank_does_not_break_proposals(office_client):
    competition = make_competition("选拔赛", award_rule=AwardRule.MEDALS_HALF)
    event = make_event(competition)
    entry = make_entry(event, members=["张三"], organization="广东队", award=None)
    page = Page(office_client, event)
    page.fill(page.row_of(entry), rank="9" * 30)
    response = page.submit("propose")
    assert response.status_code == 200 and not Entry.objects.filter(award__isnull=False).exists()


@pytest.mark.parametrize("forged", ["²", "9" * 30, "9" * 5000, "-1"])
def test_forged_numbers_in_hidden_fields_are_refused_cleanly(office_client, event, forged):
    entry = make_entry(event, members=["张三"], organization="广东队", award="银牌", rank=2)
    version = version_of(event)
    page = Page(office_client, event)
    page.fill(page.row_of(entry), notes="改")
    page.data["version"] = forged
    response = page.submit()
    assert response.status_code == 200 and escape(STALE_MESSAGE) in response.content.decode()

    page = Page(office_client, event)
    row = page.blank_row()
    page.fill(row, id=forged, organization="湖南队", members="赵六")
    page.data["page"] = forged
    response = page.submit()
    assert response.status_code == 200
    message = row_errors(response, row)["id"][0]
    assert message == "This row names no entry: open the page again." and message in response.content.decode()
    assert Entry.objects.get(event=event).notes == "" and version_of(event) == version


def test_a_page_with_more_rows_than_a_page_holds_is_refused(office_client, event):
    page = Page(office_client, event)
    rows = ENTRIES_PER_PAGE + MAX_BLANK_ROWS + 1
    page.data[f"{page.prefix}-TOTAL_FORMS"] = str(rows)
    for row in range(rows):
        page.fill(row, id="", organization=f"队{row}", members=f"选手{row}")
    response = page.submit()
    assert response.status_code == 200
    assert f"Please submit at most {ENTRIES_PER_PAGE + MAX_BLANK_ROWS} forms." in response.content.decode()
    assert not Entry.objects.exists()


def test_a_form_with_more_fields_than_django_reads_gets_the_apps_page_with_a_message(office, event):
    # With the CSRF check on, as in a browser: the check reads the form before any view does.
    client = Client(enforce_csrf_checks=True, headers={"accept-language": "en"})
    client.force_login(office)
    page = Page(client, event)
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.response.content.decode())[1]
    data = {**page.data, "csrfmiddlewaretoken": token}
    data.update({f"extra-{number}": "x" for number in range(settings.DATA_UPLOAD_MAX_NUMBER_FIELDS)})
    response = client.post(page.url, data)

    assert response.status_code == 400
    content = response.content.decode()
    assert "more fields than the server reads (at most 1000)" in content
    assert "Skills competition results" in content and "Open the page again" in content  # the app's page
    assert version_of(event) == 0


def test_other_refused_requests_get_the_apps_page_too(office_client):
    response = office_client.get("/competitions/", headers={"host": "evil.example"})  # not in ALLOWED_HOSTS
    assert response.status_code == 400
    assert "The request could not be understood, so nothing was saved." in response.content.decode()
