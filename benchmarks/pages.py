"""Page benchmark: every measured page against the floor of the stack, warm and cold, at each size,
optionally side by side with another git revision; then the import against a bare bulk_create.

    .venv/bin/python benchmarks/pages.py                      # 10,000 and 1,000,000 entries, SQLite
    .venv/bin/python benchmarks/pages.py --sizes 1000000 --against 28c8b15   # this tree and a revision
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres .venv/bin/python benchmarks/pages.py
    .venv/bin/python benchmarks/pages.py --sizes 1000 3000 --requests 3 --import-rows 2000   # quick

The floor is an empty page with the same middleware, login and base template, as the same
logged-in teacher (a view added at run time). Each page is requested --requests times warm (after
one request that fills the caches) and --requests times cold (Django's cache cleared before each
request: the first view after a result changes, which reads the parts a tree with stored page
parts wrote when the results changed; "competition detail, page 2" is never stored, so its cold
figure is a render); the figures are medians, printed in ms and as a
multiple of the floor of the same run, with the number of queries. With `--against`, the trees
are measured in turn and then in the opposite order (A B B A, `--passes 2`), each median the lower
of its passes: whichever tree goes first in a run measures slower, even against identical code.

Databases are kept between runs under var/bench/ (SQLite) or as bench_<tree>_<size> on the
PostgreSQL server DATABASE_URL points at: built once (migrate, generate_synthetic, and a
5,000-entry national selection imported through the import), migrated by their own code on every
run; on a tree that stores page parts when results change (competitions.fragments), its
`precompute_pages` then writes those of the measured competitions and the pivot, as the task a
write of results queues would have (no task worker runs here). `--against REV` checks REV out under var/bench/src-<commit>/ and measures it on its own
databases, built and migrated by its own code, with the same requests in the same run.
`--rebuild` builds the databases again.
"""

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BENCH = ROOT / "var" / "bench"
# The national selection every benchmark database gets besides the synthetic data.
NATIONAL = "基准全国技能大赛选拔赛"
NATIONAL_ENTRIES = 5000
NATIONAL_EVENTS = 250
# Page budget as multiples of the floor (issue 13).
BUDGET = {"PostgreSQL": 3.0, "SQLite": 5.0}


@dataclass(frozen=True)
class Tree:
    """A source tree measured: the working tree, or a git revision checked out under var/bench."""

    tag: str  # in database names
    label: str  # in the output
    root: Path


def working_tree() -> Tree:
    return Tree("work", "this tree", ROOT)


def revision_tree(rev: str) -> Tree:
    commit = subprocess.run(
        ["git", "rev-parse", "--verify", f"{rev}^{{commit}}"], cwd=ROOT, capture_output=True, text=True
    )
    if commit.returncode:
        sys.exit(f"--against: {rev!r} is not a revision of this repository")
    sha = commit.stdout.strip()
    root = BENCH / f"src-{sha[:12]}"
    if not (root / "manage.py").exists():
        BENCH.mkdir(parents=True, exist_ok=True)
        subprocess.run(["git", "worktree", "prune"], cwd=ROOT, check=True)
        subprocess.run(["git", "worktree", "add", "--detach", str(root), sha], cwd=ROOT, check=True)
    return Tree(sha[:12], sha[:7], root)


def engine() -> str:
    return "PostgreSQL" if os.environ.get("DATABASE_URL", "").startswith("postgres") else "SQLite"


def database_url(tree: Tree, size: int) -> str:
    base = os.environ.get("DATABASE_URL", "")
    if base.startswith("postgres"):
        return base.rsplit("/", 1)[0] + f"/bench_{tree.tag}_{size}"
    return f"sqlite:///{BENCH / f'{tree.tag}_{size}.sqlite3'}"


def build_state(url: str) -> str:
    """ "built" once the national selection, the last step, is in the database; "synthetic" when
    only the synthetic data is (a build that stopped there resumes); "" otherwise."""
    queries = [
        ("built", "SELECT 1 FROM competitions_competition WHERE name = %s", [NATIONAL]),
        ("synthetic", "SELECT 1 FROM competitions_competition WHERE is_illustrative", []),
    ]
    try:
        if url.startswith("sqlite"):
            import sqlite3

            path = Path(url.removeprefix("sqlite:///"))
            if not path.exists():
                return ""
            with sqlite3.connect(path) as connection:
                for state, query, params in queries:
                    if connection.execute(query.replace("%s", "?"), params).fetchone():
                        return state
            return ""
        import psycopg

        with psycopg.connect(url, connect_timeout=5) as connection:
            for state, query, params in queries:
                if connection.execute(query, params).fetchone():
                    return state
        return ""
    except Exception:  # no such database or table yet
        return ""


def reset_database(url: str) -> None:
    if url.startswith("sqlite"):
        BENCH.mkdir(parents=True, exist_ok=True)
        for suffix in ("", "-wal", "-shm"):
            Path(url.removeprefix("sqlite:///") + suffix).unlink(missing_ok=True)
        return
    import psycopg

    server, name = url.rsplit("/", 1)
    with psycopg.connect(server + "/postgres", autocommit=True) as connection:
        connection.execute(f'DROP DATABASE IF EXISTS "{name}"')
        connection.execute(f'CREATE DATABASE "{name}"')


def manage(tree: Tree, url: str, *args: str, debug: bool = True, quiet: bool = False) -> None:
    env = {**os.environ, "DATABASE_URL": url, "DJANGO_DEBUG": "true" if debug else "false"}
    env.setdefault("DJANGO_SECRET_KEY", "benchmark")
    subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=tree.root,
        env=env,
        check=True,
        stdout=subprocess.DEVNULL if quiet else None,
    )


def child_env(tree: Tree, url: str) -> dict:
    return {
        **os.environ,
        "DATABASE_URL": url,
        "DJANGO_DEBUG": "false",
        "DJANGO_SECRET_KEY": "benchmark",
        "DJANGO_ALLOWED_HOSTS": "testserver",
    }


def run_child(tree: Tree, url: str, *args: str) -> dict:
    """Run this script (this tree's harness) on `tree`'s code and database; its last line is JSON."""
    out = subprocess.run(
        [sys.executable, __file__, "--code", str(tree.root), *args],
        cwd=tree.root,
        env=child_env(tree, url),
        capture_output=True,
        text=True,
    )
    if out.returncode:
        sys.exit(f"{' '.join(args)} on {tree.label} failed:\n{out.stderr[-3000:]}")
    return json.loads(out.stdout.strip().splitlines()[-1])


def build(tree: Tree, size: int, seed: int, rebuild: bool) -> str:
    url = database_url(tree, size)
    state = "" if rebuild else build_state(url)
    if state == "built":
        return url
    start = time.perf_counter()
    if not state:
        reset_database(url)
        manage(tree, url, "migrate", "-v0")
        manage(tree, url, "generate_synthetic", "--entries", str(size), "--seed", str(seed), quiet=True)
    else:
        manage(tree, url, "migrate", "-v0")
    national = run_child(tree, url, "--national")
    print(
        f"  built {size:,} entries (+ {national['entries']:,} in the national selection) for "
        f"{tree.label} in {time.perf_counter() - start:.0f} s",
        flush=True,
    )
    return url


def prepare(tree: Tree, url: str) -> None:
    """The tree's own migrations, static files (production settings serve hashed names) and
    compiled translations (the default language is Chinese)."""
    manage(tree, url, "migrate", "-v0")
    manage(tree, url, "collectstatic", "--noinput", "-v0", debug=False)
    manage(tree, url, "compilemessages", "--ignore=.venv", "--ignore=var", "-v0", quiet=True)
    if (tree.root / "competitions" / "management" / "commands" / "precompute_pages.py").exists():
        done = run_child(tree, url, "--precompute")
        print(
            f"  {tree.label}: stored page parts of competitions {done['competitions']} and the pivot "
            f"written in {done['seconds']:.2f} s (precompute_pages)",
            flush=True,
        )


# ---------------------------------------------------------------------------------------------
# In the child process: Django set up on the measured tree's code and database.


def setup_django(code: str) -> None:
    sys.path.insert(0, code)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    import django

    django.setup()


def add_national(seed: int = 5) -> dict:
    """Import a 5,000-entry national selection of NATIONAL_EVENTS events (the import's own path)."""
    import random

    from competitions.importing import import_sheet
    from competitions.models import Organization

    r = random.Random(seed)
    organizations = list(
        Organization.objects.filter(is_illustrative=True).order_by("pk").values_list("name", flat=True)[:400]
    )
    lines = ["赛事,年份,级别,赛项,单位,选手,奖项,名次"]
    per_event = NATIONAL_ENTRIES // NATIONAL_EVENTS
    awards = {1: "金牌", 2: "银牌", 3: "铜牌"}
    for index in range(NATIONAL_ENTRIES):
        event, place = divmod(index, per_event)
        members = "、".join(f"国赛选手{index}-{k}" for k in range(r.choice((1, 1, 2, 3))))
        rank = place + 1
        award = awards.get(rank) or ("优胜奖" if rank <= 8 else "参赛奖")
        lines.append(
            f"{NATIONAL},2024,国家级,国赛赛项{event:03d},{r.choice(organizations)},{members},{award},{rank}"
        )
    plan = import_sheet("\n".join(lines).encode(), "national.csv")
    if plan.errors:
        raise SystemExit(f"the national selection did not import: {plan.errors[:3]}")
    return {"entries": NATIONAL_ENTRIES}


def measured_competitions() -> tuple[int, int | None]:
    """The largest synthetic competition and the national selection (the import benchmark's own
    competitions are not synthetic)."""
    from django.db.models import Count

    from competitions.models import Competition

    synthetic = Competition.objects.filter(is_illustrative=True)
    largest = synthetic.annotate(n=Count("events__entries")).order_by("-n").values_list("pk", flat=True)[0]
    national = Competition.objects.filter(name=NATIONAL).values_list("pk", flat=True).first()
    return largest, national


def precompute_child() -> dict:
    """The page parts a change of results leaves for the first views (a tree with
    competitions.fragments: its task writes them after every write of results), written by the
    tree's own command for the measured competitions and the pivot, as the task would have."""
    from django.core.management import call_command

    ids = [pk for pk in measured_competitions() if pk is not None]
    start = time.perf_counter()
    call_command("precompute_pages", *(f"--competition={pk}" for pk in ids), verbosity=0)
    return {"competitions": ids, "seconds": time.perf_counter() - start}


def page_urls() -> dict[str, str]:
    """The measured pages: the largest synthetic competition, the most decorated student ..."""
    from django.db.models import Count
    from django.urls import reverse

    from competitions.models import EntryMember
    from students.models import Student

    largest, national = measured_competitions()
    decorated = (
        EntryMember.objects.filter(student__isnull=False, entry__award__isnull=False)
        .values("student")
        .annotate(n=Count("id"))
        .order_by("-n")
        .values_list("student", flat=True)[0]
    )
    pinyin = Student.objects.get(pk=decorated).name_pinyin
    leaderboard = reverse("competitions:leaderboard")
    pages = {
        "competition detail (largest)": reverse("competitions:competition-detail", args=[largest]),
        "competition detail, page 2": reverse("competitions:competition-detail", args=[largest]) + "?page=2",
        "all-time organization table": leaderboard + "?by=organizations",
        "all-time student leaderboard": leaderboard + "?by=students",
        "year × level × tier pivot": reverse("competitions:pivot"),
        "student history (most decorated)": reverse("students:student-detail", args=[decorated]),
        "student search by pinyin": reverse("students:student-list") + f"?q={pinyin}",
        "competition list": reverse("competitions:competition-list"),
    }
    if national is not None:
        pages["national selection (5,000 entries)"] = reverse(
            "competitions:competition-detail", args=[national]
        )
    pages.update(
        {
            "API: entries list": "/api/v1/entries/",
            "API: competitions list": "/api/v1/competitions/",
            "API: students list": "/api/v1/students/",
            "API: all-time medal table": "/api/v1/medal-table/",
            "API: competition medal table": f"/api/v1/medal-table/?competition={largest}",
        }
    )
    return pages


def floor_view(request):
    """The floor: the base template with no content, through the same middleware and login."""
    from django.shortcuts import render

    return render(request, "base.html")


def add_floor() -> str:
    from django.conf import settings
    from django.urls import clear_url_caches, path

    urls = __import__(settings.ROOT_URLCONF, fromlist=["urlpatterns"])
    urls.urlpatterns.insert(0, path("benchmark-floor/", floor_view, name="benchmark-floor"))
    clear_url_caches()
    return "/benchmark-floor/"


def refused(label: str, response) -> str | None:
    """Why a response is not the page it should be (a form error counts: it shows no table)."""
    if response.status_code != 200:
        return f"HTTP {response.status_code}"
    body = response.content
    if label.startswith("API"):
        data = json.loads(body)
        items = data.get("items", data.get("rows")) if isinstance(data, dict) else data
        return None if items else "no rows"
    if b'class="errorlist' in body:
        return "a form error"
    return None


def measure_pages(requests: int) -> dict:
    from django.contrib.auth import get_user_model
    from django.contrib.auth.models import Group
    from django.core.cache import cache
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from competitions.roles import TEACHERS

    # Planner statistics as a maintained production database has them (autovacuum, PRAGMA optimize).
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    user, _ = get_user_model().objects.get_or_create(username="bench-teacher")
    user.groups.add(Group.objects.get(name=TEACHERS))
    client = Client(raise_request_exception=False)
    client.force_login(user)

    floor = add_floor()
    pages = {"floor (empty page)": floor, **page_urls()}
    # One request to every page first (templates, translations, imports, connections), so that the
    # floor measured first is not paying for what the later pages would warm.
    for url in pages.values():
        client.get(url)

    def timed(url: str, cold: bool):
        if cold:
            cache.clear()
        with CaptureQueriesContext(connection) as captured:
            start = time.perf_counter()
            response = client.get(url)
            elapsed = time.perf_counter() - start
        return response, elapsed * 1000, len(captured)

    results = {}
    for label, url in pages.items():
        row = {"url": url}
        # The floor, the divisor of every page, gets three times the requests.
        count = requests * 3 if url == floor else requests
        for mode in ("warm", "cold"):
            times, queries = [], None
            if mode == "warm":
                timed(url, cold=False)  # fills the caches this page uses
            for _ in range(count):
                response, elapsed, queries = timed(url, cold=mode == "cold")
                problem = refused(label, response)
                if problem:
                    row["error"] = problem
                    break
                times.append(elapsed)
                row["bytes"] = len(response.content)
            if "error" in row:
                break
            row[mode] = statistics.median(times)
            row[f"{mode}_queries"] = queries
        results[label] = row
    return results


def import_child(rows: int) -> dict:
    """Import a `rows`-row sheet, then insert the same rows with a bare bulk_create; verify tallies."""
    import random

    from django.db import transaction

    from competitions.aggregates import verify
    from competitions.importing import import_sheet
    from competitions.models import Award, Competition, Entry, EntryMember, Event, Organization, Skill

    r = random.Random(7)
    organizations = [f"导入单位{i:03d}" for i in range(300)]
    awards = ["金牌", "银牌", "铜牌", "优胜奖", "一等奖", "二等奖", "三等奖"]

    def sheet(tag: str) -> bytes:
        lines = ["赛事,年份,级别,赛项,单位,选手,奖项,名次"]
        for index in range(rows):
            competition = f"{tag}导入赛{index // 5000}"
            event = f"赛项{(index // 50) % 100}"
            members = "、".join(f"选手{index}-{k}" for k in range(r.choice((1, 2, 3))))
            rank = index % 50 + 1
            lines.append(
                f"{competition},2025,省级,{event},{r.choice(organizations)},{members},{r.choice(awards)},{rank}"
            )
        return "\n".join(lines).encode()

    tag = str(int(time.time()))  # new competitions on every run, so a rerun imports as much
    data = sheet(f"基准{tag}")
    start = time.perf_counter()
    plan = import_sheet(data, "bench.csv")
    import_seconds = time.perf_counter() - start
    assert not plan.errors, plan.errors[:3]

    # The baseline: the same shape of rows as bare inserts, with parents made beforehand.
    award_ids = {a.label: a for a in Award.objects.filter(label__in=awards)}
    orgs = {o.name: o for o in Organization.objects.filter(name__in=organizations)}
    skill = Skill.objects.get_or_create(name="基准赛项")[0]
    competitions = [
        Competition.objects.create(name=f"基线赛{tag}-{i}", year=2025, level="provincial")
        for i in range((rows + 4999) // 5000)
    ]
    events = [
        Event.objects.create(competition=c, skill=skill, name=f"赛项{j}", is_team=True, max_team_size=3)
        for c in competitions
        for j in range(100)
    ]
    start = time.perf_counter()
    with transaction.atomic():
        entries, members = [], []
        for index in range(rows):
            event = events[(index // 5000) * 100 + (index // 50) % 100]
            entries.append(
                Entry(
                    event=event,
                    organization=r.choice(list(orgs.values())),
                    award=award_ids[r.choice(awards)],
                    rank=index % 50 + 1,
                )
            )
        Entry.objects.bulk_create(entries, batch_size=1000)
        for index, entry in enumerate(entries):
            for k in range(r.choice((1, 2, 3))):
                members.append(
                    EntryMember(entry=entry, event_id=entry.event_id, position=k + 1, name=f"b{index}-{k}")
                )
        EntryMember.objects.bulk_create(members, batch_size=1000)
    baseline_seconds = time.perf_counter() - start
    # The baseline bypassed the tallies on purpose; count them in so verify compares like with like.
    from competitions.aggregates import refresh_competitions

    refresh_competitions([c.pk for c in competitions])
    problems = verify()
    return {
        "rows": rows,
        "import_rows_per_s": rows / import_seconds,
        "bulk_create_rows_per_s": rows / baseline_seconds,
        "verify_problems": len(problems),
    }


# ---------------------------------------------------------------------------------------------
# Printing


def best_of(passes: list[dict]) -> dict:
    """Each page's lower median (warm, cold) of several passes over the pages; an error in any pass
    stays."""
    merged = {}
    for label, first in passes[0].items():
        rows = [each.get(label, {}) for each in passes]
        row = dict(first)
        for mode in ("warm", "cold"):
            if all(mode in each for each in rows):
                row[mode] = min(each[mode] for each in rows)
        error = next((each["error"] for each in rows if "error" in each), None)
        if error:
            row["error"] = error
        merged[label] = row
    return merged


def cell(row: dict, mode: str, floor: float) -> str:
    if mode not in row:
        return f"{'—':>17}"
    return f"{row[mode]:8.1f} ({row[mode] / floor:4.1f}×)"


def print_size(size: int, measured: dict[Tree, dict], budget: float) -> list[str]:
    """One table per size: each tree's warm and cold medians (× its floor) and queries.
    Returns the pages over the budget in the first (measured) tree."""
    trees = list(measured)
    floors = {tree: measured[tree]["floor (empty page)"].get("warm") for tree in trees}
    print(f"\n{size:,} entries on {engine()}; floor (warm median): "
          + ", ".join(f"{tree.label} {floors[tree]:.1f} ms" for tree in trees))  # fmt: skip
    header = f"  {'page':36}"
    for tree in trees:
        header += f" | {tree.label[:8] + ' warm ms':>17} {'cold ms':>17} {'queries':>7}"
    if len(trees) == 2:
        header += f" | {'warm, cold: this / ' + trees[1].label:>24}"
    print(header)
    over = []
    for label in measured[trees[0]]:
        line = f"  {label[:36]:36}"
        for tree in trees:
            row = measured[tree].get(label, {})
            if "error" in row:
                line += f" | {row['error']:>43}"
                continue
            queries = f"{row.get('warm_queries', '—')}/{row.get('cold_queries', '—')}"
            line += f" | {cell(row, 'warm', floors[tree])} {cell(row, 'cold', floors[tree])} {queries:>7}"
        if len(trees) == 2:
            now, then = measured[trees[0]].get(label, {}), measured[trees[1]].get(label, {})
            if "warm" in now and "warm" in then:
                line += f" | {now['warm'] / then['warm']:11.2f} {now['cold'] / then['cold']:11.2f}"
        row = measured[trees[0]].get(label, {})
        if label != "floor (empty page)" and "warm" in row:
            worst = max(row["warm"], row["cold"]) / floors[trees[0]]
            if worst > budget:
                over.append(f"{label} ({worst:.1f}×)")
        print(line)
    print("  queries: warm/cold; ms (× the floor of the same tree and run)")
    return over


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--sizes", type=int, nargs="+", default=[10_000, 1_000_000])
    parser.add_argument("--requests", type=int, default=20)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--against", metavar="REV", help="also measure this git revision, side by side")
    parser.add_argument("--rebuild", action="store_true", help="build the databases again")
    parser.add_argument(
        "--passes", type=int, default=2, help="passes over the pages, trees in alternating order (A B B A)"
    )
    parser.add_argument("--import-rows", type=int, default=100_000, help="0 to skip the import benchmark")
    parser.add_argument(
        "--prepare-only",
        action="store_true",
        help="build and migrate the databases, print 'tag root url' per tree and size (load.sh)",
    )
    parser.add_argument("--code", help=argparse.SUPPRESS)  # in a child: the measured tree
    parser.add_argument("--pages", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--national", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--import-child", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--precompute", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.code:
        setup_django(args.code)
        if args.national:
            result = add_national()
        elif args.import_child:
            result = import_child(args.import_child)
        elif args.precompute:
            result = precompute_child()
        else:
            result = measure_pages(args.requests)
        print(json.dumps(result))
        return

    trees = [working_tree()] + ([revision_tree(args.against)] if args.against else [])
    if args.prepare_only:
        for size in args.sizes:
            for tree in trees:
                url = build(tree, size, args.seed, args.rebuild)
                prepare(tree, url)
                print(tree.label.replace(" ", "-"), tree.root, url, flush=True)
        return
    budget = BUDGET[engine()]
    print(
        f"Benchmark on {engine()}, sizes {', '.join(f'{s:,}' for s in args.sizes)}, "
        f"{args.requests} requests per page warm and cold; trees: {', '.join(t.label for t in trees)}",
        flush=True,
    )
    measured: dict[int, dict[Tree, dict]] = {}
    over: dict[int, list[str]] = {}
    for size in args.sizes:
        urls = {}
        for tree in trees:
            urls[tree] = build(tree, size, args.seed, args.rebuild)
            prepare(tree, urls[tree])
        # The trees in turn, then in the opposite order (A B B A), each figure the lower of its two
        # medians: the tree measured first in a run measured slower, even against itself.
        passes: dict[Tree, list[dict]] = {tree: [] for tree in trees}
        for turn in range(args.passes):
            for tree in trees if turn % 2 == 0 else trees[::-1]:
                passes[tree].append(run_child(tree, urls[tree], "--pages", "--requests", str(args.requests)))
        measured[size] = {tree: best_of(passes[tree]) for tree in trees}
        over[size] = print_size(size, measured[size], budget)

    small, large = min(args.sizes), max(args.sizes)
    if small != large:
        print(f"\nratio of warm medians, {large:,} / {small:,} ({trees[0].label})")
        for label, row in measured[large][trees[0]].items():
            base = measured[small][trees[0]].get(label, {})
            if "warm" in row and "warm" in base:
                same = (
                    "same"
                    if row["warm_queries"] == base["warm_queries"]
                    else f"{base['warm_queries']} → {row['warm_queries']}"
                )
                print(f"  {label:36} {row['warm'] / base['warm']:6.2f}   queries {same}")

    problems = 0
    if args.import_rows:
        print(f"\nimport of {args.import_rows:,} rows into the {large:,}-entry database")
        for tree in trees:
            result = run_child(tree, database_url(tree, large), "--import-child", str(args.import_rows))
            ratio = result["import_rows_per_s"] / result["bulk_create_rows_per_s"]
            print(
                f"  {tree.label:10} import_results {result['import_rows_per_s']:9,.0f} rows/s, "
                f"bare bulk_create {result['bulk_create_rows_per_s']:9,.0f} rows/s, ratio {ratio:5.2f}; "
                f"verify_tallies: {result['verify_problems']} differences"
            )
            problems += result["verify_problems"]
    print(f"\nover the budget ({budget:g} × the floor, warm or cold) in {trees[0].label}:")
    for size in args.sizes:
        print(f"  {size:,}: {', '.join(over[size]) or 'none'}")
    failed = sorted(
        {label for rows in measured.values() for label, row in rows[trees[0]].items() if "error" in row}
    )
    if problems:
        sys.exit("verify_tallies found differences after the import")
    if failed:
        sys.exit(f"pages that did not answer with their content: {', '.join(failed)}")


if __name__ == "__main__":
    main()
