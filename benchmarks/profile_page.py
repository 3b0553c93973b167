"""Where a page's time goes: request it as a logged-in teacher under cProfile and print the
functions that took the most time, with the page's queries and their time.

    DATABASE_URL=sqlite:///var/bench/work_1000000.sqlite3 .venv/bin/python benchmarks/profile_page.py \
        "/leaderboard/?by=students" --requests 20 --cold

The database is the one DATABASE_URL names (a benchmark database of benchmarks/pages.py, say);
`--cold` clears Django's cache before each request, as the benchmark's cold figures do.
"""

import argparse
import cProfile
import os
import pstats
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("url", help='a path, or "floor" for the benchmark\'s empty page')
    parser.add_argument("--requests", type=int, default=20)
    parser.add_argument("--cold", action="store_true", help="clear the cache before each request")
    parser.add_argument("--top", type=int, default=30, help="how many functions to print")
    parser.add_argument("--sort", default="cumulative", choices=["cumulative", "tottime"])
    parser.add_argument(
        "--callees", metavar="NAME", help="also print what the functions matching NAME called"
    )
    parser.add_argument(
        "--callers", metavar="NAME", help="also print what called the functions matching NAME"
    )
    args = parser.parse_args()

    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    os.environ.setdefault("DJANGO_SECRET_KEY", "profile")
    os.environ.setdefault("DJANGO_ALLOWED_HOSTS", "testserver")
    # The API's rate limits would refuse a profile's requests (as benchmarks/pages.py raises them).
    os.environ.setdefault("API_RATE_PER_TOKEN", "1000000/min")
    os.environ.setdefault("API_RATE_PER_ADDRESS", "1000000/min")
    import django

    django.setup()
    from django.contrib.auth import get_user_model
    from django.contrib.auth.models import Group
    from django.core.cache import cache
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from competitions.roles import TEACHERS

    if args.url == "floor":  # the benchmark's empty page
        sys.path.insert(0, str(ROOT / "benchmarks"))
        from pages import add_floor

        args.url = add_floor()
    user, _ = get_user_model().objects.get_or_create(username="bench-teacher")
    user.groups.add(Group.objects.get(name=TEACHERS))
    client = Client(raise_request_exception=True)
    client.force_login(user)
    response = client.get(args.url)  # imports, templates, connections
    if response.status_code != 200:
        sys.exit(f"{args.url}: HTTP {response.status_code}")

    plain = []  # without the profiler, whose overhead is large
    for _ in range(args.requests):
        if args.cold:
            cache.clear()
        start = time.perf_counter()
        client.get(args.url)
        plain.append((time.perf_counter() - start) * 1000)
    profiler = cProfile.Profile()
    times = []
    for _ in range(args.requests):
        if args.cold:
            cache.clear()
        start = time.perf_counter()
        profiler.enable()
        client.get(args.url)
        profiler.disable()
        times.append((time.perf_counter() - start) * 1000)
    if args.cold:
        cache.clear()
    with CaptureQueriesContext(connection) as captured:
        client.get(args.url)
    print(f"{args.url}: median {statistics.median(plain):.1f} ms ({statistics.median(times):.1f} ms profiled) "
          f"over {args.requests} requests ({'cold' if args.cold else 'warm'}); {len(captured)} queries:")  # fmt: skip
    for query in captured.captured_queries:
        print(f"  {float(query['time']) * 1000:7.1f} ms  {query['sql'][:300]}")
    stats = pstats.Stats(profiler).strip_dirs().sort_stats(args.sort)
    stats.print_stats(args.top)
    if args.callees:
        stats.print_callees(args.callees)
    if args.callers:
        stats.print_callers(args.callers)


if __name__ == "__main__":
    main()
