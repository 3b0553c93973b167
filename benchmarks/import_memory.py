"""Import benchmark: time and peak memory of `import_results` on a large sheet.

    .venv/bin/python benchmarks/import_memory.py                 # 200,000 rows, SQLite
    .venv/bin/python benchmarks/import_memory.py --rows 20000    # quicker
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/bench .venv/bin/python benchmarks/import_memory.py

It writes a synthetic but realistic result sheet (CSV, UTF-8): 40 competitions of 5,000 rows,
about 50 events each with individual and 2–3 person teams, ~2,000 organizations, a third of the rows
for the home college with numbered home students (created by the first import) and home teachers
as coaches, the other rows with outside names and their organizations' coaches, medals for the top
three, ties, scores and notes. Then, on a fresh database (a SQLite file under /tmp, or a new
PostgreSQL database named after DATABASE_URL's with `_import_memory` appended, dropped first),
it runs the command line as an office would, each in its own process under `/usr/bin/time -v`:
a dry run, the import, and the re-import of the same sheet (everything already present). It prints
the wall time, the CPU time (user + system: steadier than wall time on a busy machine) and the peak
resident memory of each, with DEBUG off as in production.
"""

import argparse
import csv
import os
import random
import re
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from pages import reset_database  # noqa: E402 (one way to start from an empty database)

HOME = "本校技师学院"
HEADER = [
    "赛事",
    "年份",
    "级别",
    "类别",
    "赛项",
    "单位",
    "选手",
    "学号",
    "指导教师",
    "奖项",
    "名次",
    "成绩",
    "备注",
]
LEVELS = ["省级", "国家级", "市级", "全国行业", "区域"]
CITIES = "广州深圳佛山东莞珠海中山江门惠州汕头湛江肇庆茂名韶关清远阳江梅州河源潮州揭阳云浮汕尾"
KINDS = ["技师学院", "高级技工学校", "技工学校", "职业技术学院", "代表队"]


def unique_names(r: random.Random, count: int, taken: set[str]) -> list[str]:
    from competitions.synthetic import GIVEN, SURNAMES

    names = []
    while len(names) < count:
        name = r.choice(SURNAMES) + r.choice(GIVEN) + r.choice(GIVEN)
        if name not in taken:
            taken.add(name)
            names.append(name)
    return names


def write_sheet(path: Path, rows: int, seed: int = 1) -> None:
    """A deterministic sheet of `rows` entries (see the module's docstring)."""
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    os.environ.setdefault("DJANGO_DEBUG", "true")
    import django

    django.setup()
    from competitions.synthetic import SKILLS

    r = random.Random(seed)
    taken: set[str] = set()
    students = list(zip(unique_names(r, 30_000, taken), (f"2023{i:06d}" for i in range(30_000)), strict=True))
    teachers = [(name, f"T{i:04d}") for i, name in enumerate(unique_names(r, 400, taken))]
    organizations = [
        f"{CITIES[2 * (i % 21) : 2 * (i % 21) + 2]}{['第', '市', '新'][i % 3]}{i // 21 + 1}{KINDS[i % 5]}"
        for i in range(2000)
    ]
    outside_coaches = unique_names(r, 4000, taken)
    competitions = (rows + 4999) // 5000
    with path.open("w", newline="", encoding="utf-8") as file:
        writer = csv.writer(file)
        writer.writerow(HEADER)
        written = 0
        for c in range(competitions):
            name = f"{CITIES[2 * (c % 21) : 2 * (c % 21) + 2]}第{c + 1}届职业技能大赛"
            year, level = 2015 + c % 10, LEVELS[c % len(LEVELS)]
            in_competition = min(5000, rows - written)
            skills = r.sample(SKILLS, k=min(len(SKILLS), 48))
            per_event = max(1, -(-in_competition // len(skills)))
            for e, skill in enumerate(skills):
                count = min(per_event, in_competition - e * per_event)
                if count <= 0:
                    break
                size = r.choice((2, 3)) if r.random() < 0.35 else 1
                # Home students enter an event once: each event walks its own stretch of the pool.
                pool = iter(r.sample(students, k=min(len(students), count * size)))
                rank = 0
                for position in range(count):
                    if position == 0 or r.random() > 1 / 12:  # about one place in twelve is a tie
                        rank = position + 1
                    award = ["金牌", "银牌", "铜牌"][rank - 1] if rank <= 3 else "优胜奖"
                    if rank > count // 2:
                        award = "参赛奖"
                    if r.random() < 0.33:
                        organization = HOME
                        people = [next(pool) for _ in range(size)]
                        names = "、".join(name for name, _number in people)
                        numbers = "、".join(number for _name, number in people)
                        coaches = "、".join(
                            f"{name}（{number}）" if r.random() < 0.5 else name
                            for name, number in r.sample(teachers, k=r.choice((0, 1, 1, 2)))
                        )
                    else:
                        o = r.randrange(len(organizations))
                        organization = organizations[o]
                        names = "、".join(unique_names(r, size, set())) if r.random() < 0.9 else ""
                        numbers = ""
                        coaches = outside_coaches[2 * o + r.randrange(2)] if r.random() < 0.6 else ""
                    score = f"{r.uniform(40, 100):.2f}"
                    notes = "世赛选拔" if r.random() < 0.05 else ""
                    writer.writerow(
                        [name, year, level, "职业技能", skill, organization, names, numbers, coaches, award]
                        + [rank, score, notes]
                    )
            written += in_competition


def database_url(name: str = "import_memory") -> str:
    """The benchmark's own database (each benchmark its own `name`, so two can run at once)."""
    base = os.environ.get("DATABASE_URL", "")
    if base.startswith("postgres"):
        return f"{base}_{name}"
    return f"sqlite:////tmp/{name}_bench.sqlite3"


def environment(url: str) -> dict[str, str]:
    return {
        **os.environ,
        "DATABASE_URL": url,
        "DJANGO_DEBUG": "false",  # DEBUG keeps every query's SQL in memory
        "DJANGO_SECRET_KEY": "benchmark",
        "DJANGO_ALLOWED_HOSTS": "localhost",
    }


def timed(arguments: list[str], env: dict[str, str]) -> dict:
    """Run a command under /usr/bin/time -v: wall seconds, peak RSS in MB, exit status, last line."""
    out = subprocess.run(
        ["/usr/bin/time", "-v", *arguments], cwd=ROOT, env=env, capture_output=True, text=True
    )
    peak = re.search(r"Maximum resident set size \(kbytes\): (\d+)", out.stderr)
    wall = re.search(r"Elapsed \(wall clock\) time.*: (?:(\d+):)?(\d+):([\d.]+)", out.stderr)
    hours, minutes, seconds = wall.groups() if wall else (None, "0", "0")
    cpu = sum(float(x) for x in re.findall(r"(?:User|System) time \(seconds\): ([\d.]+)", out.stderr))
    lines = out.stdout.strip().splitlines() or out.stderr.strip().splitlines()[:1]
    return {
        "seconds": int(hours or 0) * 3600 + int(minutes) * 60 + float(seconds),
        "cpu": cpu,
        "peak_mb": int(peak.group(1)) / 1024 if peak else float("nan"),
        "status": out.returncode,
        "said": lines[0] if lines else "",
        "stderr": out.stderr,
    }


def prepare_database(env: dict[str, str], also: str = "") -> None:
    """Migrate the empty database and record the home college (and run `also`, Python, after it)."""
    python = sys.executable
    subprocess.run([python, "manage.py", "migrate", "-v0"], cwd=ROOT, env=env, check=True)
    code = (
        "from competitions.models import Organization as O; "
        f"O.objects.get_or_create(name={HOME!r}, defaults={{'is_home': True}}); {also}"
    )
    subprocess.run(
        [python, "manage.py", "shell", "-c", code], cwd=ROOT, env=env, check=True, stdout=subprocess.DEVNULL
    )


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--rows", type=int, default=200_000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--sheet", type=Path, help="import this sheet instead of a generated one")
    args = parser.parse_args()

    sheet = args.sheet or Path(f"/tmp/import_memory_{args.rows}_{args.seed}.csv")
    if not args.sheet and not sheet.exists():
        start = time.perf_counter()
        write_sheet(sheet, args.rows, args.seed)
        print(f"wrote {sheet} ({sheet.stat().st_size / 2**20:.1f} MB) in {time.perf_counter() - start:.0f} s")
    url = database_url()
    engine = "PostgreSQL" if url.startswith("postgres") else "SQLite"
    reset_database(url)
    env = environment(url)
    python = sys.executable
    prepare_database(env)
    # An idle interpreter with Django loaded: the floor under every figure below.
    idle = timed([python, "manage.py", "check", "-v0"], env)
    print(f"\n{engine}, sheet {sheet.name}; Django loaded and idle: {idle['peak_mb']:.0f} MB", flush=True)
    print(f"  {'run':<12} {'seconds':>8} {'CPU s':>8} {'peak MB':>8}  output", flush=True)
    failed = False
    for label, extra in (("dry run", ["--dry-run"]), ("import", []), ("re-import", [])):
        result = timed([python, "manage.py", "import_results", str(sheet), *extra], env)
        print(
            f"  {label:<12} {result['seconds']:8.1f} {result['cpu']:8.1f} {result['peak_mb']:8.0f}  {result['said'][:80]}",
            flush=True,
        )
        if result["status"]:
            failed = True
            print(result["stderr"][-2000:], file=sys.stderr)
    if failed:
        sys.exit(1)


if __name__ == "__main__":
    main()
