"""One process of the import concurrency tests (tests/competitions/test_import_concurrency.py).

    python tests/competitions/import_worker.py setup
    python tests/competitions/import_worker.py upload USERNAME PATH...      # prints the tokens, JSON
    python tests/competitions/import_worker.py import GATE PATH             # manage.py import_results PATH
    python tests/competitions/import_worker.py apply GATE USERNAME TOKEN    # the browser's Apply
    python tests/competitions/import_worker.py report                       # entries and verify(), JSON
    python tests/competitions/import_worker.py people                       # people by name, JSON

The database is the one DATABASE_URL names, the uploads folder DJANGO_MEDIA_ROOT. `import` and
`apply` get ready (Django loaded, logged in), create GATE.ready-<pid>, then wait for the file GATE to
appear, so that the test starts all of them at the same moment.
"""

import json
import os
import re
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

import django  # noqa: E402

django.setup()

from django.db import connection  # noqa: E402


def wait_at(gate: str) -> None:
    connection.ensure_connection()
    Path(f"{gate}.ready-{os.getpid()}").touch()
    deadline = time.monotonic() + 120
    while not Path(gate).exists():
        if time.monotonic() > deadline:
            sys.exit("the gate never opened")
        time.sleep(0.01)


def client_for(username: str):
    from django.contrib.auth import get_user_model
    from django.test import Client, override_settings
    from django.test.utils import setup_test_environment

    setup_test_environment()  # lets the test client's host in
    # The import tasks a request queues run in this process when it commits, as a worker would.
    override_settings(
        TASKS={"default": {"BACKEND": "django.tasks.backends.immediate.ImmediateBackend"}}
    ).enable()
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(get_user_model().objects.get(username=username))
    return client


def setup() -> None:
    from django.contrib.auth import get_user_model
    from django.contrib.auth.models import Group

    from competitions.models import Organization
    from competitions.roles import OFFICE

    Organization.objects.get_or_create(name="本校技师学院", defaults={"is_home": True})
    user, _ = get_user_model().objects.get_or_create(username="office")
    user.groups.add(Group.objects.get(name=OFFICE))


def upload(username: str, paths: list[str]) -> None:
    from django.core.files.uploadedfile import SimpleUploadedFile
    from django.urls import resolve, reverse

    client = client_for(username)
    tokens = []
    for path in paths:
        file = SimpleUploadedFile(Path(path).name, Path(path).read_bytes())
        response = client.post(reverse("competitions:import-upload"), {"sheet": file})
        assert response.status_code == 302, response.content.decode()[:2000]
        token = resolve(response.url).kwargs["token"]
        # What the office sees before clicking Apply (the form carries the count it showed).
        page = client.get(response.url).content.decode()
        planned = re.search(r'name="planned" value="(\d+)"', page)
        tokens.append({"token": token, "planned": planned.group(1) if planned else ""})
    print(json.dumps(tokens))


def apply(gate: str, username: str, token: str, planned: str) -> None:
    from django.urls import reverse

    client = client_for(username)
    wait_at(gate)
    url = reverse("competitions:import-preview", args=[token])
    response = client.post(url, {"action": "apply", "planned": planned})
    final = client.get(response.url) if response.status_code == 302 else response
    # The upload's own page shows the progress while another request's task imports it; once that
    # one is done, the page sends on to the outcome.
    deadline = time.monotonic() + 120
    while final.status_code == 200 and b"<progress" in final.content and time.monotonic() < deadline:
        time.sleep(0.1)
        final = client.get(url)
    if final.status_code == 302:
        final = client.get(final.url)
    messages = re.findall(r'<li class="message ([^"]*)">(.*?)</li>', final.content.decode(), re.S)
    print(json.dumps({"status": response.status_code, "messages": messages}))


def run_import(gate: str, path: str) -> None:
    from django.core.management import execute_from_command_line
    from django.utils import translation

    translation.activate("en")  # the test reads the counts in the output
    wait_at(gate)
    execute_from_command_line([str(ROOT / "manage.py"), "import_results", path])


def entry_rows() -> list[list]:
    """Every entry as [competition, year, event, organization, members, award label, rank]: the
    members as `name|student number` for home students, else as written, sorted."""
    from competitions.models import Entry

    entries = []
    rows = Entry.objects.select_related("event__competition", "organization", "award").prefetch_related(
        "members__student", "members__coach"
    )
    for entry in rows:
        members = []
        for member in entry.members.all():
            if member.student:
                members.append(f"{member.student.name}|{member.student.student_number or ''}")
            else:
                members.append(member.coach.name if member.coach else member.name)
        competition = entry.event.competition
        entries.append(
            [
                competition.name,
                competition.year,
                entry.event.name,
                entry.organization.name,
                sorted(members),
                entry.award.label,
                entry.rank,
            ]
        )
    return entries


def report() -> None:
    from competitions.aggregates import verify

    print(json.dumps({"entries": entry_rows(), "verify": verify()}, ensure_ascii=False))


def people() -> None:
    """How many students and teachers carry each name."""
    from django.db.models import Count

    from students.models import Coach, Student

    counts = {
        model.__name__: dict(model.objects.values_list("name").annotate(n=Count("pk")).order_by())
        for model in (Student, Coach)
    }
    print(json.dumps(counts, ensure_ascii=False))


def main(command: str, *arguments: str) -> None:
    if command == "setup":
        setup()
    elif command == "upload":
        upload(arguments[0], list(arguments[1:]))
    elif command == "import":
        run_import(*arguments)
    elif command == "apply":
        apply(*arguments)
    elif command == "report":
        report()
    elif command == "people":
        people()
    else:
        sys.exit(f"unknown command {command}")


if __name__ == "__main__":
    from django.db import connections

    try:
        main(*sys.argv[1:])
    finally:
        connections.close_all()  # SQLite: the last connection to close folds the WAL into the file
