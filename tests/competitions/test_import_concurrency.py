"""Parallel imports into one competition, in real OS processes (issue 9, section 4).

Eight `manage.py import_results` runs of overlapping sheets once left 768 entries instead of 282,
four parallel browser Applies 444 instead of 202. Here every run must end cleanly and the
competition must hold exactly the union of the sheets: the multiset union, so identical unnamed
rows count as many times as in the one sheet that has most of them.

The processes (tests/competitions/import_worker.py) need a database they can all open: on
PostgreSQL the test database itself (transactional, so they see committed data); on SQLite, whose
test database is in memory, a file database migrated once per test session and copied for each test.
"""

import json
import os
import random
import re
import shutil
import subprocess
import sys
import time
from collections import Counter
from functools import reduce
from pathlib import Path

import pytest
from django.db import connection

# Transactional: the processes see what is committed. Serialized rollback puts the award vocabulary
# and the roles back for the tests that follow.
pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)

ROOT = Path(__file__).resolve().parents[2]
WORKER = Path(__file__).with_name("import_worker.py")
HOME = "本校技师学院"
MAIN = ("第一届并发导入测试大赛", "2024", "省级")
OTHER = ("并发导入邀请赛", "2024", "区域")
HEADER = ["赛事", "年份", "级别", "赛项", "单位", "选手", "学号", "指导教师", "奖项", "名次"]
EVENTS = ["移动机器人", "机电一体化", "数控车", "焊接", "云计算", "网络安全"]
ORGANIZATIONS = ["外省技师学院", "广东省代表团", "深圳技师学院", "佛山技师学院"]
AWARDS = ["金牌", "银牌", "铜牌", "优胜奖"]
PROCESS_SECONDS = 240


def base_rows() -> list[list[str]]:
    """300 rows: mostly the main competition (some of another one), six events, home students with
    numbers, outside teams with names, and unnamed rows of which many are identical."""
    rows = []
    for i in range(300):
        competition, year, level = OTHER if i % 5 == 4 else MAIN
        event = EVENTS[i % len(EVENTS)]
        award, rank = AWARDS[i % 4], str(i % 9 + 1)
        if i % 4 == 0:
            cells = [event, HOME, f"学生{i}", f"S{i:04d}", "王老师", award, rank]
        elif i % 4 == 1:
            cells = [event, ORGANIZATIONS[i % 4], f"选手{i}甲、选手{i}乙", "", "", award, rank]
        else:  # unnamed: a few kinds only, so most have identical twins somewhere
            cells = [EVENTS[i % 2], ORGANIZATIONS[(i // 7) % 2], "", "", "", "优胜奖", ""]
        rows.append([competition, year, level, *cells])
    return rows


def sheets(count: int, length: int) -> list[list[list[str]]]:
    """`count` overlapping windows over the base rows, each shuffled its own way."""
    rows = base_rows()
    step = (len(rows) - length) // (count - 1)
    windows = []
    for k in range(count):
        window = rows[k * step : k * step + length]
        random.Random(k).shuffle(window)
        windows.append(window)
    return windows


def row_key(row: list[str]) -> tuple:
    competition, year, _level, event, organization, names, numbers, _coaches, award, rank = row
    names = [name for name in re.split("[、,]", names) if name]
    if numbers:
        names = [f"{name}|{number}" for name, number in zip(names, numbers.split("、"), strict=True)]
    return (
        competition,
        int(year),
        event,
        organization,
        tuple(sorted(names)),
        award,
        int(rank) if rank else None,
    )


def union(windows) -> Counter:
    return reduce(lambda a, b: a | b, (Counter(map(row_key, window)) for window in windows))


def write_csv(path: Path, rows) -> Path:
    path.write_text("\n".join(",".join(row) for row in [HEADER, *rows]), encoding="utf-8-sig")
    return path


def worker_env(**extra) -> dict:
    env = {**os.environ, "DJANGO_DEBUG": "true", **extra}
    env.pop("DJANGO_SETTINGS_MODULE", None)
    return env


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory) -> Path:
    """A migrated and set-up SQLite file database, made once; each test works on a copy."""
    path = tmp_path_factory.mktemp("sqlite") / "template.sqlite3"
    migrate = subprocess.run(
        [sys.executable, str(ROOT / "manage.py"), "migrate", "--noinput"],
        env=worker_env(DATABASE_URL=f"sqlite:///{path}"),
        capture_output=True,
        text=True,
        timeout=PROCESS_SECONDS,
    )
    assert migrate.returncode == 0, migrate.stderr
    run_worker(worker_env(DATABASE_URL=f"sqlite:///{path}"), "setup")
    return path


@pytest.fixture
def shared_db(request, tmp_path):
    """Environment for the worker processes: a database they all reach, and an uploads folder."""
    env = worker_env(DJANGO_MEDIA_ROOT=str(tmp_path / "media"))
    db = connection.settings_dict
    if connection.vendor == "postgresql":
        password = f":{db['PASSWORD']}" if db["PASSWORD"] else ""
        env["DATABASE_URL"] = (
            f"postgres://{db['USER']}{password}@{db['HOST']}:{db['PORT'] or 5432}/{db['NAME']}"
        )
    elif connection.vendor == "sqlite":
        path = tmp_path / "shared.sqlite3"
        template = request.getfixturevalue("sqlite_template")
        shutil.copyfile(template, path)
        if Path(f"{template}-wal").exists():
            shutil.copyfile(f"{template}-wal", f"{path}-wal")
        env["DATABASE_URL"] = f"sqlite:///{path}"
        return env
    else:
        pytest.skip(f"no parallel import test for {connection.vendor}")
    run_worker(env, "setup")
    return env


def seed(env, tmp_path) -> list[list[str]]:
    """The competitions are already recorded, with a few rows, before the race (as in the issue).

    (A competition that does not exist yet is created by the first import; its unique name and year
    make the others wait for that one anyway.)
    """
    rows = base_rows()[:12]
    path = write_csv(tmp_path / "seed.csv", rows)
    done = subprocess.run(
        [sys.executable, str(ROOT / "manage.py"), "import_results", str(path)],
        env=env,
        capture_output=True,
        text=True,
        timeout=PROCESS_SECONDS,
    )
    assert done.returncode == 0, done.stderr
    return rows


def run_worker(env, *arguments) -> str:
    done = subprocess.run(
        [sys.executable, str(WORKER), *arguments],
        env=env,
        capture_output=True,
        text=True,
        timeout=PROCESS_SECONDS,
    )
    assert done.returncode == 0, done.stderr
    return done.stdout


def run_together(env, gate: Path, commands: list[list[str]]) -> list[subprocess.CompletedProcess]:
    """Start one worker per command; once all are ready, open the gate so they act at once."""
    processes = [
        subprocess.Popen(
            [sys.executable, str(WORKER), command[0], str(gate), *command[1:]],
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for command in commands
    ]
    deadline = time.monotonic() + PROCESS_SECONDS
    while len(list(gate.parent.glob(f"{gate.name}.ready-*"))) < len(processes):
        if any(process.poll() is not None for process in processes) or time.monotonic() > deadline:
            break  # one failed before getting ready: its output says why
        time.sleep(0.02)
    gate.touch()
    results = []
    try:
        for process, command in zip(processes, commands, strict=True):
            stdout, stderr = process.communicate(timeout=PROCESS_SECONDS)
            results.append(subprocess.CompletedProcess(command, process.returncode, stdout, stderr))
    finally:
        for process in processes:
            if process.poll() is None:  # a hung worker: stop it before failing
                process.kill()
                process.wait()
    return results


def ended_cleanly(result: subprocess.CompletedProcess) -> bool:
    """Exit status 0, or a one-line message; never a traceback."""
    if "Traceback" in result.stderr:
        return False
    return result.returncode == 0 or len(result.stderr.strip().splitlines()) == 1


def report(env) -> tuple[Counter, list[str]]:
    state = json.loads(run_worker(env, "report"))
    entries = Counter(
        (name, year, event, organization, tuple(members), award, rank)
        for name, year, event, organization, members, award, rank in state["entries"]
    )
    return entries, state["verify"]


def added_by(stdout: str) -> int:
    """The entries an `import_results` run says it added: "Added N entries (M already present).",
    or none when it says "Nothing new to import: ..." (every row already recorded)."""
    if match := re.search(r"^Added (\d+) entries", stdout, re.MULTILINE):
        return int(match.group(1))
    assert stdout.startswith("Nothing new to import"), stdout
    return 0


def test_eight_parallel_imports_of_overlapping_sheets_hold_the_union_once(shared_db, tmp_path):
    seeded = seed(shared_db, tmp_path)
    windows = sheets(8, 120)
    paths = [write_csv(tmp_path / f"sheet{k}.csv", window) for k, window in enumerate(windows)]
    results = run_together(shared_db, tmp_path / "go", [["import", str(path)] for path in paths])
    for result in results:
        assert ended_cleanly(result), result.stderr
    # With the lock, no run has to give up: each one finds the others' rows present.
    assert [result.returncode for result in results] == [0] * 8, [result.stderr for result in results]

    expected = union([seeded, *windows])
    entries, problems = report(shared_db)
    assert entries == expected
    assert sum(entries.values()) == sum(expected.values()) > 200
    assert max(expected.values()) > 1  # identical unnamed rows are part of the race
    assert problems == []
    added = [added_by(result.stdout) for result in results]
    assert sum(added) == sum(expected.values()) - len(seeded)

    # Importing a sheet again after the race adds nothing.
    again = run_together(shared_db, tmp_path / "again", [["import", str(paths[3])]])[0]
    assert again.returncode == 0 and added_by(again.stdout) == 0, again.stdout
    assert report(shared_db) == (expected, [])


def test_four_parallel_browser_applies_add_every_row_once(shared_db, tmp_path):
    seeded = seed(shared_db, tmp_path)
    windows = sheets(4, 150)
    paths = [write_csv(tmp_path / f"upload{k}.csv", window) for k, window in enumerate(windows)]
    uploads = json.loads(run_worker(shared_db, "upload", "office", *map(str, paths)))
    present = [
        sum((Counter(map(row_key, window)) & Counter(map(row_key, seeded))).values()) for window in windows
    ]
    assert [int(upload["planned"]) + n for upload, n in zip(uploads, present, strict=True)] == list(
        map(len, windows)
    )
    # Four office workers click Apply on their previews at once; the first one double-clicks.
    clicks = [*uploads, uploads[0]]
    results = run_together(
        shared_db,
        tmp_path / "go",
        [["apply", "office", upload["token"], upload["planned"]] for upload in clicks],
    )
    outcomes = []
    for result in results:
        assert result.returncode == 0 and "Traceback" not in result.stderr, result.stderr
        outcome = json.loads(result.stdout)
        assert outcome["status"] == 302
        [(_level, message)] = outcome["messages"]
        outcomes.append(message)
    expected = union([seeded, *windows])
    entries, problems = report(shared_db)
    assert entries == expected
    assert problems == []

    # Each Apply says what it added; together they added the union once.
    added = []
    for message, upload in zip(outcomes, clicks, strict=True):
        if "has already been imported" in message:
            continue  # the double click's other half answered this request
        count = int(re.match(r"Added (\d+) entries \((\d+) already present\)\.", message).group(1))
        added.append(count)
        if count < int(upload["planned"]):
            # Someone else's Apply got there first, since the preview: the message says so.
            assert f"{int(upload['planned']) - count} of the rows to add in the preview" in message
    doubled = [outcomes[0], outcomes[4]]
    assert sum(message.startswith("Added") for message in doubled) == 1, doubled
    [again] = [message for message in doubled if not message.startswith("Added")]
    assert (
        again.startswith("“upload0.csv” has already been imported: ") and "Nothing was added again." in again
    )
    assert len(added) == 4 and sum(added) == sum(expected.values()) - len(seeded)


def test_parallel_imports_into_different_competitions_make_one_record_of_a_new_person(shared_db, tmp_path):
    """Rule 10 across competitions: each sheet names the same new home student and teacher by name
    alone; whoever comes first creates them, the others find them. The organizations and skills
    exist already, so nothing else the sheets create could make the imports collide and retry."""
    seed_rows = [["并发预备赛", "2024", "省级", EVENTS[i % 6], ORGANIZATIONS[i % 4], "", "", "", "铜牌", ""]
                 for i in range(12)]  # fmt: skip
    run_together(shared_db, tmp_path / "seed", [["import", str(write_csv(tmp_path / "seed.csv", seed_rows))]])
    paths = []
    for k in range(4):
        # Long enough that the imports overlap in time.
        rows = [
            [
                f"并发赛事{k}",
                "2024",
                "省级",
                EVENTS[i % 6],
                ORGANIZATIONS[i % 4],
                f"选手{k}-{i}",
                "",
                "",
                "铜牌",
                "",
            ]
            for i in range(150)
        ]
        rows.append([f"并发赛事{k}", "2024", "省级", "焊接", HOME, "新同学", "", "新老师", "金牌", "1"])
        paths.append(write_csv(tmp_path / f"other{k}.csv", rows))
    results = run_together(shared_db, tmp_path / "go", [["import", str(path)] for path in paths])
    for result in results:
        assert result.returncode == 0 and "Traceback" not in result.stderr, result.stderr
    counts = json.loads(run_worker(shared_db, "people"))
    assert counts["Student"].get("新同学") == 1
    assert counts["Coach"].get("新老师") == 1
    entries, problems = report(shared_db)
    assert sum(entries.values()) == 4 * 151 + 12 and problems == []
