"""The office's browser, in a process of its own, for the background-task tests (test_import_tasks.py).

    python tests/competitions/task_client.py upload USERNAME PATH     # prints the upload's token
    python tests/competitions/task_client.py apply USERNAME TOKEN     # clicks Apply on its preview
    python tests/competitions/task_client.py retry USERNAME TOKEN     # clicks Try again
    python tests/competitions/task_client.py state TOKEN              # JSON: state, summary, progress, entries

The database is the one DATABASE_URL names, with the task backend of the settings (the database's
own queue): nothing runs until a `manage.py db_worker` does.
"""

import json
import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

import django  # noqa: E402

django.setup()


def client_for(username: str):
    from django.contrib.auth import get_user_model
    from django.test import Client
    from django.test.utils import setup_test_environment

    setup_test_environment()  # lets the test client's host in
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(get_user_model().objects.get(username=username))
    return client


def upload(username: str, path: str) -> None:
    from django.core.files.uploadedfile import SimpleUploadedFile
    from django.urls import resolve, reverse

    file = SimpleUploadedFile(Path(path).name, Path(path).read_bytes())
    response = client_for(username).post(reverse("competitions:import-upload"), {"sheet": file})
    assert response.status_code == 302, response.content.decode()[:2000]
    print(resolve(response.url).kwargs["token"])


def click(username: str, token: str, action: str) -> None:
    from django.urls import reverse

    url = reverse("competitions:import-preview", args=[token])
    client = client_for(username)
    data = {"action": action}
    if action == "apply":
        status = client.get(url, {"format": "json"}).json()
        assert status["state"] == "checked", status
    response = client.post(url, data)
    assert response.status_code == 302 and response.url == url, response
    print(json.dumps(client.get(url, {"format": "json"}).json()))


def state(token: str) -> None:
    from competitions.models import Entry, SheetImport
    from competitions.tasks import read_progress

    job = SheetImport.objects.get(token=token)
    summary = (job.preview or {}).get("summary")
    print(
        json.dumps(
            {
                "state": job.state,
                "summary": summary,
                "outcome": job.outcome,
                "progress": read_progress(token),
                "entries": Entry.objects.count(),
                "has_file": bool(job.data),
            }
        )
    )


if __name__ == "__main__":
    from django.db import connections

    command, *arguments = sys.argv[1:]
    try:
        if command == "upload":
            upload(*arguments)
        elif command in ("apply", "retry"):
            click(arguments[0], arguments[1], command)
        elif command == "state":
            state(*arguments)
        else:
            sys.exit(f"unknown command {command}")
    finally:
        connections.close_all()  # SQLite: the last connection to close folds the WAL into the file
