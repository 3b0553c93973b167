"""The stored tally tables: storage only, kept equal to a recount through competitions.tallies.

Every write of results ends with `results_changed(ids)` (which calls `refresh_competitions(ids)`)
in its own transaction. The refresh recounts
the changed competitions from their entries (small: one competition's entries), compares the new
per-competition counts with the stored ones, and adds the difference to the period and all-time
tables, so the cost of a change does not grow with the history. `rebuild()` recounts everything
and `verify()` reports every difference between the tables and a recount.
"""

from collections import Counter, defaultdict
from collections.abc import Iterable
from itertools import islice

from django.db import connection, transaction
from django.db.models import Case, Count, F, OuterRef, Sum, Value, When

from competitions import fragments, tallies
from competitions.models import (
    Competition,
    Entry,
    Event,
    TallyCompetition,
    TallyCounts,
    TallyKind,
    TallyPeriod,
    TallySize,
    TallyTotal,
)
from students import counting

COUNTS = TallyCounts.COUNTS
CHUNK = 500
# Competitions recounted together when tallies are refreshed (bounds the memory of a large import).
REFRESH_GROUP = 10


# A competition's entries, as a subquery for update() (Competition.entry_count).
ENTRY_COUNT = tallies.count_of(Entry, event__competition=OuterRef("pk"))
# A competition's medals, from its stored organization table, for update() (Competition.medal_count).
MEDAL_COUNT = tallies.competition_medals()
# Every count a competition keeps with its tallies: field → (its recount, what `verify` calls it).
KEPT_COUNTS = {"entry_count": (ENTRY_COUNT, "entries"), "medal_count": (MEDAL_COUNT, "medals")}


def kept_counts() -> dict:
    """The kept counts recounted, as keyword arguments for a Competition update()."""
    return {field: counted for field, (counted, _what) in KEPT_COUNTS.items()}


def recount(competition_ids: Iterable[int]) -> dict[tuple[int, str, int], list[int]]:
    """(competition id, kind, key) → counts, recounted through competitions.tallies from the
    entries of those competitions, for every grouping."""
    ids = list(competition_ids)
    rows: dict[tuple[int, str, int], list[int]] = {}
    for start in range(0, len(ids), CHUNK):
        chunk = ids[start : start + CHUNK]
        entries = Entry.objects.filter(event__competition__in=chunk)
        for by, grouping in tallies.GROUPINGS.items():
            counts = tallies.grouped_counts(entries, by, per_competition=True, competitions=chunk)
            for (competition_id, key), values in counts.items():
                rows[(competition_id, str(grouping.kind), key)] = values
    return rows


def cells_of(competition_ids: Iterable[int]) -> dict[int, tuple[int, str, str]]:
    return {
        pk: (year, level, category)
        for pk, year, level, category in Competition.objects.filter(pk__in=list(competition_ids)).values_list(
            "pk", "year", "level", "category"
        )
    }


def add(target: dict, key, counts, sign: int = 1) -> None:
    row = target.setdefault(key, [0] * len(COUNTS))
    for index, value in enumerate(counts):
        row[index] += sign * value


def apply_deltas(model, deltas: dict[tuple, list[int]], key_fields: list[str]) -> Counter:
    """Add the deltas to the rows of `model` (created when new, deleted when back to zero).
    Returns, for each kind, how many more rows are shown (tallies.shown) than before."""
    deltas = {key: delta for key, delta in deltas.items() if any(delta)}
    sizes: Counter = Counter()
    if not deltas:
        return sizes
    # Rows are fetched in groups that share everything but the key, so one query reads a group.
    groups: dict[tuple, list] = defaultdict(list)
    for key in deltas:
        groups[key[:-1]].append(key[-1])
    found = {}
    for prefix, keys in groups.items():
        for start in range(0, len(keys), CHUNK):
            query = dict(zip(key_fields[:-1], prefix, strict=True))
            rows = model.objects.select_for_update().filter(**query, key__in=keys[start : start + CHUNK])
            for row in rows:
                found[tuple(getattr(row, field) for field in key_fields)] = row
    # Changed rows are replaced (deleted and inserted again), which is much faster than an UPDATE
    # per row; nothing refers to these rows by id.
    replaced, stale = [], []
    for key, delta in deltas.items():
        row = found.get(key)
        if row is None:
            row = model(**dict(zip(key_fields, key, strict=True)))
        else:
            stale.append(row.pk)
            row.pk = None
        before = tallies.shown(row)
        for name, value in zip(COUNTS, delta, strict=True):
            setattr(row, name, getattr(row, name) + value)
        sizes[row.kind] += tallies.shown(row) - before
        if any(row.counts()):
            replaced.append(row)
    for start in range(0, len(stale), CHUNK):
        model.objects.filter(pk__in=stale[start : start + CHUNK]).delete()
    model.objects.bulk_create(replaced, batch_size=CHUNK)
    return sizes


def resize(changes: Counter) -> None:
    """Add the changes in shown rows (apply_deltas) to TallySize: one UPDATE, and a row created
    for a kind that has none yet."""
    changes = {kind: change for kind, change in changes.items() if change}
    if not changes:
        return
    change = Case(*[When(kind=kind, then=Value(n)) for kind, n in changes.items()], default=Value(0))
    updated = TallySize.objects.filter(kind__in=changes).update(rows=F("rows") + change)
    if updated < len(changes):
        existing = set(TallySize.objects.filter(kind__in=changes).values_list("kind", flat=True))
        TallySize.objects.bulk_create(
            TallySize(kind=kind, rows=n) for kind, n in changes.items() if kind not in existing
        )


def expected_sizes(totals: dict[tuple, list[int]]) -> dict[str, int]:
    """kind → the rows its all-time table shows, from all-time counts (kind, key) → counts."""
    sizes = Counter()
    for (kind, _key), counts in totals.items():
        sizes[kind] += tallies.shown(TallyTotal(**dict(zip(COUNTS, counts, strict=True))))
    return {kind: sizes[kind] for kind in TallyKind.values}


PERIOD_KEY = ["kind", "year", "level", "category", "key"]
TOTAL_KEY = ["kind", "key"]


TALLY_LOCK = 0x7A11E5  # any constant; names the advisory lock of the tally tables


def lock_tallies() -> None:
    """Let one transaction at a time update the tally tables, until it commits.

    Two saves touching the same rows (the home college's all-time row, say) would otherwise read the
    same old counts. SQLite runs write transactions one at a time already (IMMEDIATE mode).
    """
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [TALLY_LOCK])


@transaction.atomic
def refresh_competitions(competition_ids: Iterable[int]) -> None:
    """Bring the tally tables up to date after the entries of these competitions changed.

    Recounted REFRESH_GROUP competitions at a time and written CHUNK rows at a time, so that a large
    import's recount holds one group's counts in memory, not every competition's.
    """
    ids = sorted(set(competition_ids))
    if not ids:
        return
    lock_tallies()
    periods: dict[tuple, list[int]] = {}
    totals: dict[tuple, list[int]] = {}
    for start in range(0, len(ids), REFRESH_GROUP):
        group = ids[start : start + REFRESH_GROUP]
        new = recount(group)
        cells = cells_of(group)
        old_rows = TallyCompetition.objects.select_for_update().filter(competition_id__in=group)
        for row in old_rows.iterator(chunk_size=CHUNK):
            add(periods, (row.kind, row.year, row.level, row.category, row.key), row.counts(), -1)
            add(totals, (row.kind, row.key), row.counts(), -1)
        for (competition_id, kind, key), counts in new.items():
            year, level, category = cells[competition_id]
            add(periods, (kind, year, level, category, key), counts)
            add(totals, (kind, key), counts)
        TallyCompetition.objects.filter(competition_id__in=group).delete()
        rows = (
            TallyCompetition(
                competition_id=competition_id,
                kind=kind,
                key=key,
                **cell_fields(cells[competition_id]),
                **dict(zip(COUNTS, counts, strict=True)),
            )
            for (competition_id, kind, key), counts in new.items()
        )
        while batch := list(islice(rows, CHUNK)):
            TallyCompetition.objects.bulk_create(batch)
        del new
    apply_deltas(TallyPeriod, periods, PERIOD_KEY)
    resize(apply_deltas(TallyTotal, totals, TOTAL_KEY))
    # The cached parts of these competitions' pages are keyed by this version.
    Competition.objects.filter(pk__in=ids).update(results_version=F("results_version") + 1, **kept_counts())


@transaction.atomic
def results_changed(competition_ids: Iterable[int], *, event_ids: Iterable[int] | None = None) -> None:
    """The one call every write of results ends with, in its transaction: recount the tallies of
    these competitions (which raises their results_version, the key of their cached page parts)
    and raise the version of their events, so that an entries form opened before the change must
    reload before it saves. `event_ids` names the events (default: every event of the
    competitions; () when the caller raised them itself, as the entries form's own save does).
    """
    ids = set(competition_ids)
    refresh_competitions(ids)
    # Their first views after the change read pages written by a background task (fragments).
    fragments.schedule(ids)
    if event_ids is None:
        events = Event.objects.filter(competition__in=ids)
    else:
        event_ids = set(event_ids)
        if not event_ids:
            return
        events = Event.objects.filter(pk__in=event_ids)
    events.update(version=F("version") + 1)


def tallies_version() -> str:
    """Changes whenever any result changes (every refresh raises a competition's results_version)."""
    state = Competition.objects.aggregate(version=Sum("results_version"), count=Count("id"))
    return f"{state['version'] or 0}.{state['count']}"


def cell_fields(cell: tuple[int, str, str]) -> dict:
    year, level, category = cell
    return {"year": year, "level": level, "category": category}


def expected_tables():
    """The three tables as a recount of every entry would have them."""
    ids = list(Competition.objects.values_list("pk", flat=True))
    per_competition = recount(ids)
    cells = cells_of(ids)
    periods: dict[tuple, list[int]] = {}
    totals: dict[tuple, list[int]] = {}
    for (competition_id, kind, key), counts in per_competition.items():
        year, level, category = cells[competition_id]
        add(periods, (kind, year, level, category, key), counts)
        add(totals, (kind, key), counts)
    return per_competition, periods, totals, cells


@transaction.atomic
def rebuild() -> None:
    """Recount every table from the entries (after bulk loads, or to repair), and the kept row
    counts (students.counting)."""
    counting.recount()
    lock_tallies()
    per_competition, periods, totals, cells = expected_tables()
    TallyCompetition.objects.all().delete()
    TallyPeriod.objects.all().delete()
    TallyTotal.objects.all().delete()
    TallySize.objects.all().delete()
    TallySize.objects.bulk_create(
        TallySize(kind=kind, rows=n) for kind, n in expected_sizes(totals).items() if n
    )
    TallyCompetition.objects.bulk_create(
        (
            TallyCompetition(
                competition_id=cid,
                kind=kind,
                key=key,
                **cell_fields(cells[cid]),
                **dict(zip(COUNTS, counts, strict=True)),
            )
            for (cid, kind, key), counts in per_competition.items()
        ),
        batch_size=CHUNK,
    )
    # Every page part is keyed by its competition's results_version (and the pivot by their sum):
    # none drawn from the tables before the rebuild is read again; the pages are written anew. The
    # medal counts are read from the organization tables just written.
    Competition.objects.update(**kept_counts(), results_version=F("results_version") + 1)
    fragments.schedule(Competition.objects.values_list("pk", flat=True))
    TallyPeriod.objects.bulk_create(
        (
            TallyPeriod(**dict(zip(PERIOD_KEY, key, strict=True)), **dict(zip(COUNTS, counts, strict=True)))
            for key, counts in periods.items()
            if any(counts)
        ),
        batch_size=CHUNK,
    )
    TallyTotal.objects.bulk_create(
        (
            TallyTotal(**dict(zip(TOTAL_KEY, key, strict=True)), **dict(zip(COUNTS, counts, strict=True)))
            for key, counts in totals.items()
            if any(counts)
        ),
        batch_size=CHUNK,
    )


def stored(model, key_fields) -> dict[tuple, list[int]]:
    return {
        tuple(row[: len(key_fields)]): list(row[len(key_fields) :])
        for row in model.objects.values_list(*key_fields, *COUNTS).iterator(chunk_size=10_000)
    }


def verify() -> list[str]:
    """Every difference between the tally tables and a recount of the entries (empty when equal)."""
    per_competition, periods, totals, _cells = expected_tables()
    problems = []
    tables = [
        ("competition", per_competition, stored(TallyCompetition, ["competition_id", "kind", "key"])),
        ("period", periods, stored(TallyPeriod, PERIOD_KEY)),
        ("all-time", totals, stored(TallyTotal, TOTAL_KEY)),
    ]
    for name, expected, actual in tables:
        expected = {key: counts for key, counts in expected.items() if any(counts)}
        for key in sorted(set(expected) | set(actual), key=str):
            want, have = expected.get(key), actual.get(key)
            if want != have:
                problems.append(f"{name} {key}: stored {have}, recount {want}")
    for field, (counted, what) in KEPT_COUNTS.items():
        stale = Competition.objects.annotate(counted=counted).exclude(**{field: F("counted")})
        for pk, stored_count, count in stale.order_by("pk").values_list("pk", field, "counted"):
            problems.append(f"{what} of competition {pk}: stored {stored_count}, counted {count}")
    sizes = dict(TallySize.objects.values_list("kind", "rows"))
    for kind, want in expected_sizes(totals).items():
        if sizes.get(kind, 0) != want:
            problems.append(f"size of the all-time {kind} table: stored {sizes.get(kind, 0)}, recount {want}")
    return problems + counting.verify()
