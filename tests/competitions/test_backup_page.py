"""The Backups page: administrators make an archive in the background and download it."""

import io
import zipfile

import pytest
from django.contrib.auth.models import Group
from django.test import Client, TestCase
from django.urls import reverse

from competitions import roles, tasks
from competitions.backups import read_manifest
from tests.factories import make_competition, make_entry, make_event, make_student

PAGE = reverse("competitions:backup-list")
IMMEDIATE = {"default": {"BACKEND": "django.tasks.backends.immediate.ImmediateBackend"}}
DUMMY = {"default": {"BACKEND": "django.tasks.backends.dummy.DummyBackend"}}


class TaskClient(Client):
    """Runs the tasks a request queues (on commit) when it has answered."""

    def request(self, **request):
        with TestCase.captureOnCommitCallbacks(execute=True):
            return super().request(**request)


@pytest.fixture
def places(settings, tmp_path):
    settings.BACKUP_DIR = tmp_path / "backups"
    settings.TASK_PROGRESS_DIR = tmp_path / "progress"
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.BACKUP_DIR


def client_of(django_user_model, role: str) -> TaskClient:
    user = django_user_model.objects.create_user(role, password="a-long-test-password")
    user.groups.add(Group.objects.get(name=role))
    client = TaskClient()
    client.force_login(user)
    return client


@pytest.mark.django_db
def test_an_administrator_makes_a_backup_in_the_background_and_downloads_it(
    settings, places, django_user_model
):
    settings.TASKS = IMMEDIATE
    make_entry(make_event(make_competition()), members=[make_student(name="李文博")])
    client = client_of(django_user_model, roles.ADMINISTRATORS)

    assert b"No backups yet." in client.get(PAGE).content
    response = client.post(PAGE)
    assert response.status_code == 302

    [archive] = list(places.iterdir())
    page = client.get(PAGE).content.decode()
    assert archive.name in page
    assert client.get(PAGE, {"format": "json"}).json()["running"] is False
    download = client.get(reverse("competitions:backup-download", args=[archive.name]))
    data = b"".join(download.streaming_content)
    assert download["Content-Disposition"].startswith("attachment")
    with zipfile.ZipFile(io.BytesIO(data)) as opened:
        manifest = read_manifest(opened)
    assert manifest["models"]["competitions.entry"]["count"] == 1
    assert "李文博".encode() in zipfile.ZipFile(io.BytesIO(data)).read("data/students.student.jsonl")


@pytest.mark.django_db
def test_a_queued_backup_shows_its_progress_and_is_not_queued_twice(settings, places, django_user_model):
    settings.TASKS = DUMMY  # queued, never run: as with a worker that has not picked it up yet
    client = client_of(django_user_model, roles.ADMINISTRATORS)
    client.post(PAGE)

    status = client.get(PAGE, {"format": "json"}).json()
    assert status["running"] is True and status["label"] == "Waiting for the task worker"
    page = client.get(PAGE).content.decode()
    assert "data-task-progress" in page and "<progress" in page
    response = client.post(PAGE, follow=True)
    assert b"A backup is being made already" in response.content


@pytest.mark.django_db
def test_the_progress_counts_tables_then_files(settings, places):
    seen = []
    real = tasks.write_progress
    settings.TASKS = IMMEDIATE

    def spy(token, phase, done, total):
        seen.append((phase, done, total))
        real(token, phase, done, total)

    from unittest import mock

    with mock.patch("competitions.tasks.write_progress", spy):
        tasks.make_backup.call()
    phases = [phase for phase, _done, _total in seen]
    assert phases[0] == "tables" and phases[-1] == "done"
    tables = [(done, total) for phase, done, total in seen if phase == "tables"]
    assert all(total == tables[0][1] > 10 for _done, total in tables)
    assert [done for done, _total in tables] == sorted(done for done, _total in tables)


@pytest.mark.django_db
@pytest.mark.parametrize("role", [roles.OFFICE, roles.TEACHERS])
def test_only_administrators_see_backups(places, django_user_model, role):
    places.mkdir()
    (places / "results-backup-20260101-000000.zip").write_bytes(b"PK")
    client = client_of(django_user_model, role)
    assert client.get(PAGE).status_code == 403
    assert client.post(PAGE).status_code == 403
    download = reverse("competitions:backup-download", args=["results-backup-20260101-000000.zip"])
    assert client.get(download).status_code == 403
    assert b"Backups" not in client.get(reverse("competitions:competition-list")).content


@pytest.mark.django_db
def test_only_archives_of_the_backup_folder_can_be_downloaded(settings, places, django_user_model):
    places.mkdir()
    (places.parent / "secret.zip").write_bytes(b"PK")
    (places / "results-backup-20260101-000000.zip.partial").write_bytes(b"PK")
    client = client_of(django_user_model, roles.ADMINISTRATORS)
    for name in [
        "..%2Fsecret.zip",
        "%2E%2E%2Fsecret.zip",
        "results-backup-20260101-000000.zip.partial",
        "secret.zip",
    ]:
        assert client.get(f"{PAGE}{name}").status_code == 404
    assert "partial" not in client.get(PAGE).content.decode()
    assert b'href="/competitions/backups/"' in client.get(reverse("competitions:competition-list")).content
