"""A second pair of eyes (issue 11 §4): a result entered or changed by one office user is unconfirmed
until another office user confirms it (competitions.confirming)."""

import importlib
import io
from datetime import timedelta

import openpyxl
import pytest
from django.apps import apps
from django.contrib import admin
from django.contrib.auth.models import Group
from django.core.management import CommandError, call_command
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from competitions import confirming, reports, roles
from competitions.admin import EntryAdmin
from competitions.editing import EntryRow, NewPeopleToConfirm, save_event_entries
from competitions.importing import import_sheet
from competitions.models import Award, Entry, Level
from competitions.recording import record_entry, restore_entry
from students.merging import merge_students
from tests.competitions.test_import import GOOD_ROWS, HEADER, csv_bytes
from tests.factories import (
    home_organization,
    make_competition,
    make_entry,
    make_event,
    make_student,
)

pytestmark = pytest.mark.django_db


def account(django_user_model, username: str, role: str):
    user = django_user_model.objects.create_user(username=username, password="a-long-test-password")
    user.groups.add(Group.objects.get(name=role))
    return user


@pytest.fixture
def alice(django_user_model):
    return account(django_user_model, "alice", roles.OFFICE)


@pytest.fixture
def bob(django_user_model):
    return account(django_user_model, "bob", roles.OFFICE)


@pytest.fixture
def teacher(django_user_model):
    return account(django_user_model, "teacher-t", roles.TEACHERS)


def client_for(user) -> Client:
    client = Client(headers={"accept-language": "en"})
    client.force_login(user)
    return client


def save(event, rows, user) -> None:
    """The entries form's save, with the new home students it names confirmed as the office would."""
    event.refresh_from_db()
    try:
        save_event_entries(event=event, version=event.version, rows=rows, user=user)
    except NewPeopleToConfirm as new:
        event.refresh_from_db()
        save_event_entries(
            event=event, version=event.version, rows=rows, user=user, confirmed=new.confirmation
        )


def entered_by(user, event=None, *, award="金牌", rank=1, members=("蒋家俊",)) -> Entry:
    """An entry saved through the entries form's save by `user`."""
    event = event or make_event(is_team=True)
    save(
        event,
        [
            EntryRow(
                number=1,
                organization=home_organization().name,
                members=[(name, "") for name in members],
                award=Award.objects.parse(award),
                rank=rank,
            )
        ],
        user,
    )
    return Entry.objects.filter(event=event).latest("pk")


def change_row(entry: Entry, user, **changes) -> Entry:
    """Save one changed field of an entry through the entries form's save, as `user`."""
    entry = Entry.objects.get(pk=entry.pk)
    event = entry.event
    values = {
        "award": entry.award,
        "rank": entry.rank,
        "notes": entry.notes,
        "members": [(member.name, "") for member in entry.members.all()],
    }
    values.update(changes)
    save(
        event,
        [
            EntryRow(
                number=1,
                entry_id=entry.pk,
                organization=entry.organization.name,
                changed=frozenset(changes),
                **values,
            )
        ],
        user,
    )
    return Entry.objects.get(pk=entry.pk)


def confirm_as(user, entry: Entry):
    entry = Entry.objects.get(pk=entry.pk)
    return client_for(user).post(
        reverse("competitions:entry-confirm", args=[entry.pk]),
        {"seen": confirming.seen(entry)},
        follow=True,
    )


def messages_of(response) -> str:
    return " ".join(str(message) for message in response.context["messages"])


# ---------------------------------------------------------------------------------------------
# Who may confirm


def test_a_result_entered_in_the_form_is_unconfirmed_and_names_who_entered_it(alice):
    entry = entered_by(alice)
    assert entry.recorded_by == alice and entry.recorded_at is not None
    assert entry.confirmed_at is None and entry.confirmed_by is None
    assert list(Entry.objects.unconfirmed()) == [entry]


def test_the_user_who_entered_a_result_cannot_confirm_it(alice):
    entry = entered_by(alice)
    response = confirm_as(alice, entry)
    assert "another office user must confirm it" in messages_of(response)
    assert Entry.objects.get(pk=entry.pk).confirmed_at is None


def test_another_office_user_confirms_it_and_the_history_shows_it(alice, bob):
    entry = entered_by(alice)
    versions = (entry.event.competition.results_version, Entry.objects.get(pk=entry.pk).event.version)
    response = confirm_as(bob, entry)
    assert "1 result confirmed." in messages_of(response)
    entry.refresh_from_db()
    assert entry.confirmed_by == bob and entry.confirmed_at is not None
    # Confirming changes no number: neither the tallies' version nor the entries form's.
    entry.event.refresh_from_db()
    entry.event.competition.refresh_from_db()
    assert (entry.event.competition.results_version, entry.event.version) == versions
    record = entry.history.latest("history_id")
    assert record.history_change_reason == "Confirmed" and record.history_user == bob
    page = client_for(bob).get(reverse("competitions:entry-history", args=[entry.pk])).content.decode()
    assert "Confirmed" in page and "confirmed by: — → bob" in page


def test_a_teacher_cannot_confirm_but_sees_the_list(alice, teacher):
    entry = entered_by(alice)
    client = client_for(teacher)
    assert client.post(reverse("competitions:entry-confirm", args=[entry.pk]), {}).status_code == 403
    listing = client.get(reverse("competitions:unconfirmed", args=[entry.event.competition_id]))
    assert listing.status_code == 200
    page = listing.content.decode()
    assert "蒋家俊" in page and "alice" in page
    assert reverse("competitions:entry-confirm", args=[entry.pk]) not in page
    refused = client.post(
        reverse("competitions:unconfirmed", args=[entry.event.competition_id]),
        {"seen": confirming.seen(entry)},
        follow=True,
    )
    assert "Only an office user can confirm results." in messages_of(refused)
    assert Entry.objects.get(pk=entry.pk).confirmed_at is None


def test_confirm_all_shown_confirms_the_others_and_leaves_ones_own(alice, bob):
    event = make_event(is_team=True)
    own = entered_by(alice, event, members=["甲"], rank=1)
    others = [entered_by(bob, event, members=[name], rank=rank) for rank, name in ((2, "乙"), (3, "丙"))]
    url = reverse("competitions:unconfirmed", args=[event.competition_id])
    client = client_for(alice)
    page = client.get(url).content.decode()
    assert "Confirm all 2 results shown" in page  # alice's own row is not among them
    # A forged form naming alice's own result too: it is refused, the others confirmed.
    seen = [confirming.seen(entry) for entry in [own, *others]]
    response = client.post(url, {"seen": seen}, follow=True)
    text = messages_of(response)
    assert "2 results confirmed." in text and "1 result not confirmed" in text
    assert set(Entry.objects.confirmed()) == set(others)
    assert list(Entry.objects.unconfirmed()) == [own]


def test_a_result_changed_after_the_page_was_opened_is_not_confirmed(alice, bob):
    entry = entered_by(alice)
    seen = confirming.seen(entry)
    change_row(entry, alice, rank=2)
    response = client_for(bob).post(
        reverse("competitions:entry-confirm", args=[entry.pk]), {"seen": seen}, follow=True
    )
    assert "changed after you opened the page" in messages_of(response)
    assert Entry.objects.get(pk=entry.pk).confirmed_at is None


def test_two_confirmers_at_once_confirm_once(alice, bob, django_user_model):
    carol = account(django_user_model, "carol", roles.OFFICE)
    entry = entered_by(alice)
    confirm_as(bob, entry)
    response = confirm_as(carol, Entry.objects.get(pk=entry.pk))
    assert "confirmed by someone else meanwhile" in messages_of(response)
    assert Entry.objects.get(pk=entry.pk).confirmed_by == bob
    assert entry.history.filter(history_change_reason="Confirmed").count() == 1


# ---------------------------------------------------------------------------------------------
# What un-confirms


def test_a_change_of_award_or_members_unconfirms_and_names_its_author(alice, bob):
    entry = entered_by(alice)
    confirm_as(bob, entry)
    entry = change_row(entry, bob, award=Award.objects.parse("银牌"))
    assert entry.confirmed_at is None and entry.recorded_by == bob
    confirm_as(alice, entry)
    entry = change_row(entry, alice, members=[("蒋家俊", ""), ("李文博", "")])
    assert entry.confirmed_at is None and entry.recorded_by == alice


def test_a_change_of_notes_keeps_the_confirmation(alice, bob):
    entry = entered_by(alice)
    confirm_as(bob, entry)
    entry = change_row(entry, alice, notes="现场补录")
    assert entry.notes == "现场补录"
    assert entry.confirmed_by == bob and entry.recorded_by == alice


def test_an_import_records_its_results_unconfirmed_and_by_the_importer(alice):
    home_organization()
    plan = import_sheet(csv_bytes([HEADER, *GOOD_ROWS]), "r.csv", user=alice)
    assert plan.errors == []
    entries = Entry.objects.all()
    assert entries.count() == len(GOOD_ROWS)
    assert {(entry.recorded_by, entry.confirmed_at) for entry in entries} == {(alice, None)}


def test_a_restored_result_waits_for_confirmation_again(alice, bob):
    entry = entered_by(alice)
    confirm_as(bob, entry)
    Entry.objects.get(pk=entry.pk).delete()
    record = Entry.history.filter(id=entry.pk, history_type="-").latest("history_date")
    restored = restore_entry(record)
    assert restored.confirmed_at is None


def test_a_change_in_the_admin_unconfirms_and_names_its_author(alice, bob, rf):
    entry = entered_by(alice)
    confirm_as(bob, entry)
    entry = Entry.objects.get(pk=entry.pk)
    entry_admin = EntryAdmin(Entry, admin.site)
    request = rf.post("/")
    request.user = alice
    form = entry_admin.get_form(request, entry)(
        {"organization": entry.organization_id, "award": entry.award_id, "rank": 2, "score": "", "notes": ""},
        instance=entry,
    )
    assert form.is_valid(), form.errors
    entry_admin.save_model(request, form.save(commit=False), form, change=True)
    entry.refresh_from_db()
    assert entry.rank == 2 and entry.confirmed_at is None and entry.recorded_by == alice
    # The admin shows who recorded and confirmed the result, and does not let them be edited.
    superuser = type(alice).objects.create_superuser("root", password="a-long-test-password")
    page = client_for(superuser).get(reverse("admin:competitions_entry_change", args=[entry.pk]))
    assert page.status_code == 200
    text = page.content.decode()
    assert "Recorded by" in text and 'name="confirmed_by"' not in text


def test_a_merge_of_two_records_keeps_the_confirmation(alice, bob):
    kept, removed = make_student("郑一", student_number="20230001"), make_student("郑一")
    entry = make_entry(make_event(), members=[removed])
    confirm_as(bob, entry)
    merge_students(keep=kept, remove=removed, user=alice)
    entry.refresh_from_db()
    assert entry.members.get().student == kept
    assert entry.confirmed_by == bob


# ---------------------------------------------------------------------------------------------
# Commands


def write_sheet(tmp_path) -> str:
    path = tmp_path / "results.csv"
    path.write_bytes(csv_bytes([HEADER, *GOOD_ROWS]))
    return str(path)


def test_import_results_leaves_results_unconfirmed_without_confirmed_by(tmp_path):
    home_organization()
    call_command("import_results", write_sheet(tmp_path), stdout=io.StringIO())
    assert Entry.objects.count() == len(GOOD_ROWS)
    assert Entry.objects.confirmed().count() == 0


def test_import_results_confirmed_by_records_the_confirmer(tmp_path, bob):
    home_organization()
    call_command("import_results", write_sheet(tmp_path), "--confirmed-by", "bob", stdout=io.StringIO())
    entries = Entry.objects.all()
    assert entries.count() == len(GOOD_ROWS)
    assert {(entry.recorded_by, entry.confirmed_by) for entry in entries} == {(None, bob)}
    assert all(entry.confirmed_at for entry in entries)


def test_import_results_refuses_an_unknown_confirmer_and_imports_nothing(tmp_path):
    home_organization()
    with pytest.raises(CommandError, match="No user named “nobody”"):
        call_command("import_results", write_sheet(tmp_path), "--confirmed-by", "nobody")
    assert not Entry.objects.exists()


def test_load_demo_confirmed_by_a_demo_account(db):
    call_command("load_demo", "--confirmed-by", "admin", stdout=io.StringIO())
    assert Entry.objects.exists()
    assert set(Entry.objects.values_list("confirmed_by__username", flat=True)) == {"admin"}


def test_load_demo_leaves_results_unconfirmed_and_refuses_an_unknown_confirmer(db):
    with pytest.raises(CommandError, match="No user named “nobody”"):
        call_command("load_demo", "--confirmed-by", "nobody", stdout=io.StringIO())
    assert not Entry.objects.exists()
    call_command("load_demo", stdout=io.StringIO())
    assert Entry.objects.exists() and not Entry.objects.confirmed().exists()


# ---------------------------------------------------------------------------------------------
# The migration and the setting


def test_the_migration_confirms_the_results_that_exist(alice):
    entry = entered_by(alice)
    assert entry.confirmed_at is None
    migration = importlib.import_module("competitions.migrations.0013_confirm_entries")
    migration.confirm_existing(apps, None)
    entry.refresh_from_db()
    assert entry.confirmed_at is not None and entry.recorded_at == entry.updated_at
    assert list(Entry.objects.unconfirmed()) == []


def test_without_confirmation_everything_counts_and_nothing_shows(alice, settings):
    old = entered_by(alice)  # recorded while confirmation was on: unconfirmed
    settings.RESULTS_NEED_CONFIRMATION = False
    new = entered_by(alice, make_event(old.event.competition, is_team=True))
    assert new.confirmed_at is not None  # a single-person office's results are confirmed
    assert set(Entry.objects.confirmed()) == {old, new} and not Entry.objects.unconfirmed().exists()
    client = client_for(alice)
    competition = old.event.competition
    page = client.get(reverse("competitions:competition-detail", args=[competition.pk])).content.decode()
    assert reverse("competitions:unconfirmed", args=[competition.pk]) not in page
    assert "not confirmed" not in page and "Every result is confirmed" not in page
    assert client.get(reverse("competitions:unconfirmed", args=[competition.pk])).status_code == 404
    summary = client.get(reverse("competitions:annual-summary"), {"year": competition.year})
    assert 'name="confirmed"' not in summary.content.decode()


def test_the_competition_page_counts_and_links_the_unconfirmed_results(alice, bob, teacher):
    event = make_event(is_team=True)
    first = entered_by(alice, event, members=["甲"], rank=1)
    entered_by(alice, event, members=["乙"], rank=2)
    confirm_as(bob, first)
    url = reverse("competitions:competition-detail", args=[event.competition_id])
    for user in (alice, teacher):
        page = client_for(user).get(url).content.decode()
        assert "1 result is not confirmed yet by a second office user." in page
        assert reverse("competitions:unconfirmed", args=[event.competition_id]) in page


def test_the_competition_page_reads_its_notices_with_the_competition(alice, bob, settings):
    """The waiting results' count and whether the public pages show the competition come in the
    competition's own query (competition_notices), not in one query each; both still right."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    settings.PUBLIC_RESULTS = True
    event = make_event(is_team=True)
    entered_by(alice, event, members=["甲"], rank=1)
    entered_by(alice, event, members=["乙"], rank=2)
    url = reverse("competitions:competition-detail", args=[event.competition_id])
    client = client_for(alice)
    client.get(url)
    with CaptureQueriesContext(connection) as captured:
        page = client.get(url).content.decode()
    assert "2 results are not confirmed yet by a second office user." in page
    assert "Not on the public pages yet" in page
    counts = [q["sql"] for q in captured if q["sql"].startswith(("SELECT COUNT(*)", "SELECT 1 AS"))]
    assert counts == []
    confirm_as(bob, Entry.objects.get(members__name="甲"))
    page = client.get(url).content.decode()
    assert "1 result is not confirmed yet by a second office user." in page
    assert reverse("public:competition", args=[event.competition_id]) in page


# ---------------------------------------------------------------------------------------------
# Counting confirmed results only


@pytest.fixture
def year_of_results(alice, bob):
    """A national competition of 2023: 2 golds and a bronze confirmed, a gold and a silver not."""
    home_organization()
    event = make_event(make_competition(level=Level.NATIONAL, year=2023), is_team=True)
    results = [("金牌", 1), ("金牌", 2), ("铜牌", 5), ("金牌", 3), ("银牌", 4)]
    entries = [
        entered_by(alice, event, award=award, rank=rank, members=[f"选手{rank}"]) for award, rank in results
    ]
    for entry in entries[:3]:
        confirm_as(bob, entry)
    return entries


def test_the_confirmed_only_summary_differs_exactly_by_the_unconfirmed_results(year_of_results):
    every = reports.annual_summary(2023)
    confirmed = reports.annual_summary(2023, confirmed=True)
    assert every.total.counts == {"gold": 3, "silver": 1, "bronze": 1}
    assert confirmed.total.counts == {"gold": 2, "bronze": 1}
    assert len(every.medals) - len(confirmed.medals) == 2
    assert "选手3" in every.paragraph_zh and "选手3" not in confirmed.paragraph_zh


def test_the_summary_page_and_its_xlsx_offer_confirmed_only(year_of_results, bob):
    client = client_for(bob)
    page = client.get(reverse("competitions:annual-summary"), {"year": 2023, "confirmed": "on"})
    text = page.content.decode()
    assert "Confirmed results only: 2 unconfirmed results of this year are left out." in text
    xlsx_url = reverse("competitions:annual-summary-xlsx", args=[2023]) + "?confirmed=on"
    assert xlsx_url in text

    def level_totals(query: str) -> list:
        response = client.get(reverse("competitions:annual-summary-xlsx", args=[2023]) + query)
        book = openpyxl.load_workbook(io.BytesIO(response.content))
        return [row[-1] for row in book.worksheets[0].iter_rows(values_only=True)]

    assert level_totals("")[-1] == 5
    assert level_totals("?confirmed=on")[-1] == 3
    everything = client.get(reverse("competitions:annual-summary"), {"year": 2023}).content.decode()
    assert "2 results counted here are not confirmed yet" in everything


def test_the_public_honours_page_shows_confirmed_results_only(year_of_results, settings, client):
    settings.PUBLIC_RESULTS = True
    page = client.get(reverse("competitions:honours")).content.decode()
    assert "选手1" in page and "选手5" in page
    assert "选手3" not in page and "选手4" not in page
    settings.RESULTS_NEED_CONFIRMATION = False
    page = client.get(reverse("competitions:honours")).content.decode()
    assert "选手3" in page and "选手4" in page


def test_the_unconfirmed_list_reads_a_bounded_number_of_queries(alice, bob, django_assert_max_num_queries):
    event = make_event(is_team=True)
    url = reverse("competitions:unconfirmed", args=[event.competition_id])
    client = client_for(bob)
    for rank in range(1, 4):
        entered_by(alice, event, members=[f"选手{rank}"], rank=rank)
    with django_assert_max_num_queries(12) as few:
        client.get(url)
    for rank in range(4, 40):
        entered_by(alice, event, members=[f"选手{rank}", f"队友{rank}"], rank=rank)
    with django_assert_max_num_queries(len(few.captured_queries)):
        page = client.get(url)
    assert page.content.decode().count("队友") == 36


def test_record_entry_with_confirmed_by_is_confirmed_at_once(bob):
    entry = record_entry(event=make_event(), organization=home_organization(), confirmed_by=bob)
    assert entry.confirmed_by == bob and entry.recorded_by is None
    assert timezone.now() - entry.confirmed_at < timedelta(minutes=1)
