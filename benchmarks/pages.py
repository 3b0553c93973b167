"""Page benchmark: the same pages on a small and a large synthetic database, and import speed.

    .venv/bin/python benchmarks/pages.py                      # 10,000 and 1,000,000 entries, SQLite
    .venv/bin/python benchmarks/pages.py --sizes 2000 20000   # quicker
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres .venv/bin/python benchmarks/pages.py

For each size it builds a fresh database (a SQLite file under /tmp, or a new PostgreSQL database on
the server DATABASE_URL points at), fills it with `generate_synthetic`, and renders each page
through Django's test client as a logged-in teacher: median and p95 over --requests requests, and
the number of queries. Then the ratio of each median at the largest size to the smallest, and the
import of an --import-rows sheet against a bare bulk_create of the same rows.
"""

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def database_url(size: int) -> str:
    base = os.environ.get("DATABASE_URL", "")
    if base.startswith("postgres"):
        return base.rsplit("/", 1)[0] + f"/bench_{size}"
    return f"sqlite:////tmp/results_bench_{size}.sqlite3"


def reset_database(url: str) -> None:
    if url.startswith("sqlite"):
        for suffix in ("", "-wal", "-shm"):
            Path(url.removeprefix("sqlite:///") + suffix).unlink(missing_ok=True)
        return
    import psycopg

    server, name = url.rsplit("/", 1)
    with psycopg.connect(server + "/postgres", autocommit=True) as connection:
        connection.execute(f'DROP DATABASE IF EXISTS "{name}"')
        connection.execute(f'CREATE DATABASE "{name}"')


def build(size: int, seed: int) -> None:
    url = database_url(size)
    reset_database(url)
    env = {**os.environ, "DATABASE_URL": url, "DJANGO_DEBUG": "true"}
    python = sys.executable
    subprocess.run([python, "manage.py", "migrate", "-v0"], cwd=ROOT, env=env, check=True)
    start = time.perf_counter()
    subprocess.run(
        [python, "manage.py", "generate_synthetic", "--entries", str(size), "--seed", str(seed)],
        cwd=ROOT,
        env=env,
        check=True,
        stdout=subprocess.DEVNULL,
    )
    print(f"  built {size:,} entries in {time.perf_counter() - start:.0f} s", flush=True)


def measure(size: int, requests: int) -> dict:
    """Run the measurement in a child process bound to that size's database."""
    env = {
        **os.environ,
        "DATABASE_URL": database_url(size),
        "DJANGO_DEBUG": "false",
        "DJANGO_SECRET_KEY": "benchmark",
        "DJANGO_ALLOWED_HOSTS": "testserver",
    }
    # A database kept from an earlier run gets the newer migrations; production settings serve
    # hashed static files, so collect them first.
    subprocess.run([sys.executable, "manage.py", "migrate", "-v0"], cwd=ROOT, env=env, check=True)
    subprocess.run(
        [sys.executable, "manage.py", "collectstatic", "--noinput", "-v0"], cwd=ROOT, env=env, check=True
    )
    out = subprocess.run(
        [sys.executable, __file__, "--child", "--requests", str(requests)],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
    )
    if out.returncode:
        sys.exit(f"measuring {size:,} failed:\n{out.stderr[-3000:]}")
    return json.loads(out.stdout.strip().splitlines()[-1])


def page_urls() -> dict[str, str]:
    """The measured pages: the largest competition, the most decorated student ..."""
    from django.db.models import Count
    from django.urls import reverse

    from competitions.models import Competition, EntryMember
    from students.models import Student

    # The largest synthetic competition (the import benchmark's own competitions are not synthetic).
    synthetic = Competition.objects.filter(is_illustrative=True)
    largest = synthetic.annotate(n=Count("events__entries")).order_by("-n").values_list("pk", flat=True)[0]
    decorated = (
        EntryMember.objects.filter(student__isnull=False, entry__award__isnull=False)
        .values("student")
        .annotate(n=Count("id"))
        .order_by("-n")
        .values_list("student", flat=True)[0]
    )
    pinyin = Student.objects.get(pk=decorated).name_pinyin
    return {
        "competition detail (largest)": reverse("competitions:competition-detail", args=[largest]),
        "all-time organization table": reverse("competitions:leaderboard") + "?by=organization",
        "all-time student leaderboard": reverse("competitions:leaderboard") + "?by=student",
        "year × level × tier pivot": reverse("competitions:pivot"),
        "student history (most decorated)": reverse("students:student-detail", args=[decorated]),
        "student search by pinyin": reverse("students:student-list") + f"?q={pinyin}",
        "competition list": reverse("competitions:competition-list"),
    }


def child(requests: int) -> None:
    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    import django

    django.setup()
    from django.contrib.auth import get_user_model
    from django.contrib.auth.models import Group
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

    pages = page_urls()
    results = {}
    for label, url in pages.items():
        times = []
        queries = None
        for index in range(requests + 1):
            with CaptureQueriesContext(connection) as captured:
                start = time.perf_counter()
                response = client.get(url)
                elapsed = time.perf_counter() - start
            if response.status_code != 200:
                results[label] = {"error": response.status_code}
                break
            if index:  # the first request warms up caches and connections
                times.append(elapsed * 1000)
            queries = len(captured)
        else:
            times.sort()
            results[label] = {
                "median": statistics.median(times),
                "p95": times[max(0, int(len(times) * 0.95) - 1)],
                "queries": queries,
            }
    print(json.dumps(results))


def import_child(rows: int) -> None:
    """Import a `rows`-row sheet, then insert the same rows with a bare bulk_create; verify tallies."""
    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    import django

    django.setup()
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
    print(
        json.dumps(
            {
                "rows": rows,
                "import_rows_per_s": rows / import_seconds,
                "bulk_create_rows_per_s": rows / baseline_seconds,
                "verify_problems": len(problems),
            }
        )
    )


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--sizes", type=int, nargs="+", default=[10_000, 1_000_000])
    parser.add_argument("--requests", type=int, default=20)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--skip-build", action="store_true", help="reuse the databases of a previous run")
    parser.add_argument("--import-rows", type=int, default=100_000, help="0 to skip the import benchmark")
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--import-child", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(args.requests)
        return
    if args.import_child:
        import_child(args.import_child)
        return
    engine = "PostgreSQL" if os.environ.get("DATABASE_URL", "").startswith("postgres") else "SQLite"
    print(
        f"Benchmark on {engine}, sizes {', '.join(f'{s:,}' for s in args.sizes)}, {args.requests} requests per page"
    )
    measured = {}
    for size in args.sizes:
        if not args.skip_build:
            build(size, args.seed)
        measured[size] = measure(size, args.requests)
        print(f"\n{size:,} entries")
        print(f"  {'page':36} {'median ms':>10} {'p95 ms':>8} {'queries':>8}")
        for label, row in measured[size].items():
            if "error" in row:
                print(f"  {label:36} HTTP {row['error']}")
            else:
                print(f"  {label:36} {row['median']:10.1f} {row['p95']:8.1f} {row['queries']:8d}")
    failed = [label for rows in measured.values() for label, row in rows.items() if "error" in row]
    small, large = min(args.sizes), max(args.sizes)
    if small != large:
        print(f"\nratio of medians, {large:,} / {small:,}")
        for label, row in measured[large].items():
            base = measured[small].get(label, {})
            if "median" in row and "median" in base:
                same = (
                    "same" if row["queries"] == base["queries"] else f"{base['queries']} → {row['queries']}"
                )
                print(f"  {label:36} {row['median'] / base['median']:6.2f}   queries {same}")
    if args.import_rows:
        env = {
            **os.environ,
            "DATABASE_URL": database_url(large),
            "DJANGO_DEBUG": "false",
            "DJANGO_SECRET_KEY": "benchmark",
        }
        out = subprocess.run(
            [sys.executable, __file__, "--import-child", str(args.import_rows)],
            cwd=ROOT,
            env=env,
            capture_output=True,
            text=True,
        )
        if out.returncode:
            sys.exit(f"import benchmark failed:\n{out.stderr[-3000:]}")
        result = json.loads(out.stdout.strip().splitlines()[-1])
        print(f"\nimport of {result['rows']:,} rows into the {large:,}-entry database")
        print(f"  import_results:   {result['import_rows_per_s']:10,.0f} rows/s")
        print(f"  bare bulk_create: {result['bulk_create_rows_per_s']:10,.0f} rows/s")
        print(f"  ratio:            {result['import_rows_per_s'] / result['bulk_create_rows_per_s']:10.2f}")
        print(f"  verify_tallies after these writes: {result['verify_problems']} differences")
        if result["verify_problems"]:
            sys.exit(1)
    if failed:
        sys.exit(f"pages that did not answer 200: {', '.join(sorted(set(failed)))}")


if __name__ == "__main__":
    main()
