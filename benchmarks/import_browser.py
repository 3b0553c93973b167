"""Browser import benchmark: a large sheet uploaded, previewed and applied over HTTP, as the office does.

    .venv/bin/python benchmarks/import_browser.py                 # 200,000 rows, SQLite
    .venv/bin/python benchmarks/import_browser.py --rows 20000    # quicker
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/bench .venv/bin/python benchmarks/import_browser.py

The sheet is import_memory.py's (the same rows). On a fresh database (as import_memory.py makes it)
it serves the app with gunicorn (2 workers, 30 s request timeout, DEBUG off) and runs the task
worker (`manage.py db_worker`, the database queue) as production does; then, over HTTP with a
logged-in office session: the upload, the progress page polled until the check is done, the
preview, Apply, and the progress polled until the import is done. It prints how long each request
and each task took, the largest progress step seen, the peak resident memory of the worker and of
the web processes (VmHWM), and checks that the database holds every row.
"""

import argparse
import http.cookiejar
import json
import re
import subprocess
import sys
import time
import urllib.parse
import urllib.request
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(Path(__file__).resolve().parent))

from import_memory import database_url, environment, prepare_database, reset_database, write_sheet  # noqa: E402

PASSWORD = "benchmark-office-1"


def peak_kb(pid: int) -> int:
    """The peak resident memory of a process and its children (gunicorn's workers), in KB."""
    total = 0
    pids = [pid]
    try:
        children = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
        pids += [int(child) for child in children]
    except OSError:
        pass
    for each in pids:
        try:
            status = Path(f"/proc/{each}/status").read_text()
        except OSError:
            continue
        match = re.search(r"VmHWM:\s+(\d+) kB", status)
        if match:
            total = max(total, int(match.group(1)))
    return total


class Browser:
    def __init__(self, base: str) -> None:
        self.base = base
        self.jar = http.cookiejar.CookieJar()
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(self.jar))

    def csrf(self) -> str:
        return next(cookie.value for cookie in self.jar if cookie.name == "csrftoken")

    def open(self, path: str, data: bytes | None = None, headers: dict | None = None):
        request = urllib.request.Request(self.base + path, data=data, headers=headers or {})
        request.add_header("Accept-Language", "en")
        start = time.perf_counter()
        with self.opener.open(request, timeout=120) as response:
            body = response.read()
            return (
                response.status,
                response.geturl(),
                body.decode("utf-8", "replace"),
                time.perf_counter() - start,
            )

    def post(self, path: str, fields: dict):
        fields = {"csrfmiddlewaretoken": self.csrf(), **fields}
        return self.open(path, urllib.parse.urlencode(fields).encode(), {"Referer": self.base + path})

    def upload(self, path: str, name: str, data: bytes):
        boundary = uuid.uuid4().hex
        parts = [
            f'--{boundary}\r\nContent-Disposition: form-data; name="csrfmiddlewaretoken"\r\n\r\n{self.csrf()}\r\n'.encode(),
            f'--{boundary}\r\nContent-Disposition: form-data; name="sheet"; filename="{name}"\r\n'
            "Content-Type: text/csv\r\n\r\n".encode(),
            data,
            f"\r\n--{boundary}--\r\n".encode(),
        ]
        headers = {"Content-Type": f"multipart/form-data; boundary={boundary}", "Referer": self.base + path}
        return self.open(path, b"".join(parts), headers)

    def wait(self, path: str, until: set[str], label: str) -> tuple[float, int]:
        """Poll the progress JSON until the state is one of `until`; (seconds, largest step seen)."""
        start, last, largest = time.perf_counter(), 0, 0
        while True:
            _status, _url, body, _seconds = self.open(path + "?format=json")
            progress = json.loads(body)
            if progress["state"] in until:
                return time.perf_counter() - start, largest
            if progress.get("stuck"):
                raise SystemExit(f"{label}: the task is stuck: {progress}")
            if progress["total"]:
                largest = max(largest, progress["done"] - last)
                last = progress["done"]
            time.sleep(1)


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--rows", type=int, default=200_000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--port", type=int, default=8765)
    args = parser.parse_args()

    sheet = Path(f"/tmp/import_memory_{args.rows}_{args.seed}.csv")
    if not sheet.exists():
        write_sheet(sheet, args.rows, args.seed)
    url = database_url("import_browser")
    reset_database(url)
    env = {
        **environment(url),
        "DJANGO_ALLOWED_HOSTS": "127.0.0.1",
        "DJANGO_TASK_PROGRESS_DIR": "/tmp/import_browser_progress",
    }
    env.pop("REDIS_URL", None)
    python = sys.executable
    prepare_database(
        env,
        f"from django.contrib.auth.models import Group, User; u = User.objects.create_user('office', password={PASSWORD!r}); "
        "u.groups.add(Group.objects.get(name='competition office'))",
    )
    # DEBUG off serves static files by their manifest (scripts/setup.sh collects them too).
    subprocess.run([python, "manage.py", "collectstatic", "--noinput", "-v0"], cwd=ROOT, env=env, check=True)
    gunicorn = subprocess.Popen(
        [python, "-m", "gunicorn", "config.wsgi", "--bind", f"127.0.0.1:{args.port}", "--workers", "2"]
        + ["--timeout", "30", "--no-control-socket", "--log-level", "warning"],
        cwd=ROOT,
        env=env,
    )
    worker = subprocess.Popen(
        [python, "manage.py", "db_worker"], cwd=ROOT, env=env, stdout=subprocess.DEVNULL
    )
    try:
        browser = Browser(f"http://127.0.0.1:{args.port}")
        for _ in range(100):
            try:
                browser.open("/accounts/login/")
                break
            except OSError:
                time.sleep(0.2)
        browser.post("/accounts/login/", {"username": "office", "password": PASSWORD})
        browser.open("/competitions/import/")
        status, where, _body, upload_s = browser.upload(
            "/competitions/import/", sheet.name, sheet.read_bytes()
        )
        path = urllib.parse.urlparse(where).path
        if not re.fullmatch(r"/competitions/import/[0-9a-f]{32}/", path):
            raise SystemExit(f"the upload was not accepted: {status} {where}")
        check_s, check_step = browser.wait(path, {"checked"}, "check")
        _status, _url, preview, preview_s = browser.open(path)
        confirm = re.search(r'name="confirm_people" value="([^"]*)"', preview)
        planned = re.search(r'name="planned" value="(\d+)"', preview)
        fields = {"action": "apply", "planned": planned.group(1) if planned else ""}
        if confirm:
            fields["confirm_people"] = confirm.group(1)
        _status, _url, _body, apply_s = browser.post(path, fields)
        import_s, import_step = browser.wait(path, {"applied", "checked"}, "import")
        _status, outcome_url, outcome, outcome_s = browser.open(path)
        worker_kb, web_kb = peak_kb(worker.pid), peak_kb(gunicorn.pid)
    finally:
        worker.terminate()
        gunicorn.terminate()
        worker.wait(30)
        gunicorn.wait(30)
    counted = subprocess.run(
        [
            python,
            "manage.py",
            "shell",
            "-c",
            "from competitions.models import Entry; print(Entry.objects.count())",
        ],
        cwd=ROOT,
        env=env,
        check=True,
        capture_output=True,
        text=True,
    ).stdout.split()[-1]
    said = re.search(r'<li class="message[^"]*">(.*?)</li>', outcome, flags=re.S)
    engine = "PostgreSQL" if url.startswith("postgres") else "SQLite"
    print(f"\n{engine}, {sheet.name} ({sheet.stat().st_size / 2**20:.1f} MB), through gunicorn and db_worker")
    print(f"  upload request            {upload_s:8.1f} s")
    print(f"  check task (polled)       {check_s:8.1f} s   largest progress step {check_step} rows")
    print(f"  preview page              {preview_s:8.2f} s")
    print(f"  Apply request             {apply_s:8.2f} s")
    print(f"  import task (polled)      {import_s:8.1f} s   largest progress step {import_step} rows")
    print(f"  outcome page              {outcome_s:8.2f} s   {outcome_url}")
    print(f"  peak memory: worker {worker_kb / 1024:.0f} MB, web processes {web_kb / 1024:.0f} MB")
    print(f"  entries in the database: {counted}; message: {said.group(1)[:160] if said else '-'}")


if __name__ == "__main__":
    main()
