"""Threads recording, importing, editing and restoring entries of one event at once, on PostgreSQL
(issue 10, section 6). Every writer must end saved or cleanly refused, never with a database error;
afterwards the event holds every person once, exactly the entries of the writers that said "saved",
no edit reported as saved is lost, and the stored tallies equal a recount.

Each writer is a real thread with its own database connection; a barrier starts them together,
round after round. Every person has one sheet row (organization, award, rank), whoever writes it:
then the entries at the end must be the union of the rows of the writers that succeeded, counted
with the same `row_key` as the parallel import test (tests/competitions/test_import_concurrency.py).

SQLite runs one write transaction at a time (IMMEDIATE mode), so there is nothing to race there.
"""

import threading
import traceback
from collections import Counter, defaultdict
from functools import reduce

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, connections

from competitions.aggregates import verify
from competitions.editing import EntriesChanged, EntryRow, RowErrors, save_event_entries
from competitions.importing import ImportBusy, import_rows
from competitions.models import Award, Competition, Entry, EntryMember, Event, Organization
from competitions.recording import change_weights, record_entry, restore_entry
from competitions.views.leaderboards import WeightsForm
from students.models import Student
from tests.competitions.import_worker import entry_rows
from tests.competitions.test_import_concurrency import AWARDS, HEADER, HOME, ORGANIZATIONS, row_key
from tests.factories import home_organization, make_competition, make_event

pytestmark = [
    pytest.mark.skipif(connection.vendor != "postgresql", reason="races between connections: PostgreSQL"),
    # Transactional, so the threads see what the others commit; serialized rollback puts the award
    # vocabulary and the roles back for the tests that follow.
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

MAIN = ("并发写入测试大赛", "2024", "省级")
EVENT = "移动机器人"
ROUNDS = 3
EDIT_ATTEMPTS = 12
CHAIN = ("链条选手", ORGANIZATIONS[0])  # the entry whose notes every editor appends to


def person_row(serial: int, name: str, number: str = "") -> list[str]:
    """The one sheet row of a person: a home student (with a number) or an outside competitor."""
    organization = HOME if number else ORGANIZATIONS[serial % len(ORGANIZATIONS)]
    return [*MAIN, EVENT, organization, name, number, "", AWARDS[serial % len(AWARDS)], str(serial % 9 + 1)]


class Round:
    """The people of one round and what each writer writes."""

    def __init__(self, number: int, previous: "Round | None"):
        tag = f"{number}"
        self.contested = person_row(1, f"抢先{tag}", f"C{tag}X")  # recorders, importers and an editor
        # Deleted before the round: restored one after the other while a recorder enters the same
        # students in the opposite order; and others restored that nobody contests.
        self.restored = [person_row(2 + i, f"复原{tag}-{i}", f"C{tag}Y{i}") for i in range(3)]
        self.revived = [person_row(4 + i, f"复活{tag}-{i}") for i in range(3)]
        self.shared = [person_row(i, f"共享{tag}-{i}", f"C{tag}S{i}") for i in range(3)] + [
            person_row(i, f"外援{tag}-{i}") for i in range(3)
        ]
        self.own = [[person_row(i, f"独{tag}-{k}-{i}") for i in range(3)] for k in range(2)]
        self.lone = person_row(3, f"独记{tag}")  # a recorder nobody contests
        self.added = person_row(5, f"编辑{tag}")  # a new row of the second editor
        again = previous.shared if previous else []  # already recorded: found present
        self.sheets = [[*again, *self.shared, self.contested, *own] for own in self.own]

    def home_students(self) -> list[list[str]]:
        return [row for row in [self.contested, *self.restored, *self.shared] if row[6]]


def record_row(event_id: int, row: list[str]) -> Entry:
    organization, name, number, award, rank = (row[i] for i in (4, 5, 6, 8, 9))
    return record_entry(
        event=Event.objects.get(pk=event_id),
        organization=Organization.objects.get_or_create(name=organization)[0],
        award=Award.objects.parse(award),
        rank=int(rank),
        members=[Student.objects.get(student_number=number)] if number else [name],
    )


class Writers:
    """Runs the writers of a round in threads and keeps every outcome."""

    def __init__(self, event: Event):
        self.event_id = event.pk
        self.competition_id = event.competition_id
        self.outcomes: dict[str, Counter] = defaultdict(Counter)
        self.failures: list[str] = []
        self.held: list[list[list[str]]] = []  # the rows of each writer that saved
        self.added: Counter = Counter()  # the rows that the writers that saved say they added
        self.chain_tags: list[str] = []  # tags that editors were told were saved
        self.lock = threading.Lock()

    def saved(self, kind: str, rows: list[list[str]], added: list[list[str]] | None = None) -> None:
        """A writer that saved `rows`, of which it added `added` (the others were there already)."""
        with self.lock:
            self.outcomes[kind]["saved"] += 1
            self.held.append(rows)
            self.added.update(map(row_key, rows if added is None else added))

    def refused(self, kind: str, reason: str) -> None:
        with self.lock:
            self.outcomes[kind][f"refused: {reason}"] += 1

    def run(self, jobs: list[tuple[str, object]]) -> None:
        barrier = threading.Barrier(len(jobs), timeout=60)

        def work(kind, job):
            try:
                barrier.wait()
                job()
            except Exception as error:  # anything but a clean refusal is a failure of the test
                with self.lock:
                    self.failures.append(f"{kind}: {error!r}\n{traceback.format_exc()}")
            finally:
                connections.close_all()  # this thread's connections

        threads = [threading.Thread(target=work, args=job) for job in jobs]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=120)
        assert not any(thread.is_alive() for thread in threads), "a writer hangs"

    # -- the writers ----------------------------------------------------------------------------

    def record(self, row: list[str]) -> None:
        try:
            record_row(self.event_id, row)
        except ValidationError as refusal:
            [message] = refusal.messages
            self.refused("record", "already entered" if message.startswith("Already entered") else message)
        else:
            self.saved("record", [row])

    def import_sheet(self, rows: list[list[str]]) -> None:
        try:
            plan = import_rows([HEADER, *rows])
        except ImportBusy:
            self.refused("import", "busy")
        else:
            if plan.errors:
                self.refused("import", "bad rows")
            else:
                # Sheet row numbers count the header as row 1.
                self.saved("import", rows, [rows[row.number - 2] for row in plan.to_add])

    def restore(self, entry_id: int, row: list[str]) -> None:
        record = Entry.history.filter(id=entry_id, history_type="-").order_by("-history_date").first()
        try:
            restore_entry(record)
        except IntegrityError as refusal:
            # The refusal restore_entry documents and the page shows: a member entered again.
            assert "student_once_per_event" in str(refusal), refusal
            self.refused("restore", "member entered again")
        else:
            self.saved("restore", [row])

    def change_weights(self, golds: list[int]) -> None:
        """The medal-point weights page saved a few times in a row."""
        for gold in golds:
            competition = Competition.objects.get(pk=self.competition_id)
            data = {name: getattr(competition, name) for name in WeightsForm.Meta.fields}
            form = WeightsForm({**data, "weight_gold": gold}, instance=competition)
            assert form.is_valid(), form.errors
            change_weights(form)
            with self.lock:
                self.outcomes["weights"]["saved"] += 1

    def edit(self, tag: str, new_row: list[str] | None) -> None:
        """An editor opens the event's entries, appends `tag` to the chain entry's notes and adds
        `new_row`; when someone saved meanwhile they reopen the page and type it again, and a new
        row refused (its person was entered meanwhile) is dropped, as the office would."""
        for _attempt in range(EDIT_ATTEMPTS):
            event = Event.objects.get(pk=self.event_id)  # the page opened: its version
            chain = Entry.objects.get(event=event, members__name=CHAIN[0])
            rows = [
                EntryRow(
                    number=1,
                    entry_id=chain.pk,
                    organization=CHAIN[1],
                    members=[(CHAIN[0], "")],
                    award=chain.award,
                    rank=chain.rank,
                    notes=f"{chain.notes}{tag};",
                    changed=frozenset({"notes"}),
                )
            ]
            if new_row:
                organization, name, number, award, rank = (new_row[i] for i in (4, 5, 6, 8, 9))
                rows.append(
                    EntryRow(
                        number=2,
                        organization=organization,
                        members=[(name, number)],
                        award=Award.objects.parse(award),
                        rank=int(rank),
                    )
                )
            try:
                save_event_entries(event=event, version=event.version, rows=rows)
            except EntriesChanged:
                self.refused("edit", "someone saved meanwhile (reopened)")
            except RowErrors:
                self.refused("edit", "new row's person entered meanwhile (row dropped)")
                new_row = None
            else:
                self.saved("edit", [new_row] if new_row else [])
                with self.lock:
                    self.chain_tags.append(tag)
                return
        self.refused("edit", "gave up")


def entries_now() -> Counter:
    return Counter(
        (name, year, event, organization, tuple(members), award, rank)
        for name, year, event, organization, members, award, rank in entry_rows()
    )


def test_recording_importing_editing_and_restoring_one_event_at_once():
    event = make_event(
        make_competition(MAIN[0], year=int(MAIN[1]), level="provincial"), name=EVENT, skill=EVENT
    )
    home_organization()
    rounds: list[Round] = []
    for number in range(ROUNDS):
        rounds.append(Round(number, rounds[-1] if rounds else None))
    for one in rounds:
        for row in one.home_students():
            Student.objects.create(name=row[5], student_number=row[6])
    writers = Writers(event)
    chain_row = person_row(0, CHAIN[0])
    record_row(event.pk, chain_row)
    writers.saved("setup", [chain_row])

    for number, one in enumerate(rounds):
        # Entries deleted through the entries form, for threads to restore.
        assert not import_rows([HEADER, *one.restored, *one.revived]).errors
        restorable, revivable = (
            [(Entry.objects.get(event=event, members__name=row[5]).pk, row) for row in rows]
            for rows in [one.restored, one.revived]
        )
        event.refresh_from_db()
        deleted = [EntryRow(n, pk, delete=True) for n, (pk, _row) in enumerate(restorable + revivable, 1)]
        save_event_entries(event=event, version=event.version, rows=deleted)

        writers.run(
            [
                ("record", lambda one=one: writers.record(one.contested)),
                ("record", lambda one=one: writers.record(one.contested)),
                ("record", lambda one=one: [writers.record(row) for row in reversed(one.restored)]),
                ("record", lambda one=one: writers.record(one.lone)),
                ("import", lambda one=one: writers.import_sheet(one.sheets[0])),
                ("import", lambda one=one: writers.import_sheet(one.sheets[1])),
                ("edit", lambda one=one, n=number: writers.edit(f"r{n}a", one.contested)),
                ("edit", lambda one=one, n=number: writers.edit(f"r{n}b", one.added)),
                ("restore", lambda pairs=restorable: [writers.restore(*pair) for pair in pairs]),
                ("restore", lambda pairs=revivable: [writers.restore(*pair) for pair in pairs]),
                ("weights", lambda n=number: writers.change_weights([10 * n + k for k in range(3)])),
            ]
        )
        assert writers.failures == [], "\n".join(
            [*(failure.splitlines()[0] for failure in writers.failures), *writers.failures]
        )

        # No person twice in the event (rule 7).
        names = Counter(EntryMember.objects.filter(event=event).values_list("name", flat=True))
        assert [name for name, count in names.items() if count > 1] == []
        # Exactly the entries of the writers that said "saved", each added by one of them.
        entries = entries_now()
        assert entries == reduce(lambda a, b: a | b, (Counter(map(row_key, rows)) for rows in writers.held))
        assert entries == writers.added
        assert all(entries[row_key(row)] == 1 for row in [one.contested, *one.restored, *one.revived])
        # No lost update: the chain's notes hold every tag reported saved, once, and nothing else.
        chain = Entry.objects.get(event=event, members__name=CHAIN[0])
        assert sorted(filter(None, chain.notes.split(";"))) == sorted(writers.chain_tags)
        assert verify() == []

    assert Competition.objects.get(pk=event.competition_id).weight_gold == 10 * (ROUNDS - 1) + 2
    del writers.outcomes["setup"]
    summary = {kind: dict(sorted(counts.items())) for kind, counts in sorted(writers.outcomes.items())}
    print(f"\n{ROUNDS} rounds: {summary}")
    # Every kind of writer got through: the race was run, not refused wholesale.
    assert all(counts["saved"] for counts in writers.outcomes.values()), summary
