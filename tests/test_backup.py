"""`manage.py backup` and `manage.py restore` (issue 10, section 5): the round trip loses nothing.

The archive is made here, from the test database; the restore runs in another process into a new,
migrated database (SQLite, or PostgreSQL when the suite runs there, and then also into SQLite), and
that process reports every row and every media file for comparison.
"""

import hashlib
import io
import json
import os
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
from django.contrib.admin.models import ADDITION, LogEntry
from django.contrib.auth.models import Group, Permission
from django.contrib.contenttypes.models import ContentType
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from django.db import connection
from PIL import Image

from competitions.aggregates import results_changed
from competitions.backups import MANIFEST, SEEDED, backed_up_models
from competitions.models import Award, Competition, Entry, Organization
from competitions.photos import save_photos
from competitions.tasks import make_thumbnails
from tests.backup_snapshot import snapshot
from tests.factories import (
    home_organization,
    make_coach,
    make_competition,
    make_department,
    make_entry,
    make_event,
    make_organization,
    make_student,
)

pytestmark = pytest.mark.django_db

ROOT = Path(__file__).resolve().parents[1]
SECONDS = 300


@pytest.fixture(autouse=True)
def media_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


def jpeg(color, size=(640, 480)) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", size, color).save(buffer, "JPEG", quality=90)
    return buffer.getvalue()


def build_results(django_user_model):
    """A little of everything the backup must carry."""
    office = Group.objects.create(name="photo desk")
    office.permissions.add(Permission.objects.get(codename="add_photo"))
    clerk = django_user_model.objects.create_user(username="clerk", password="a-long-test-password")
    clerk.groups.add(office, Group.objects.get(name="teachers"))
    clerk.user_permissions.add(Permission.objects.get(codename="merge_people"))
    django_user_model.objects.create_superuser(username="root", password="a-long-test-password")

    department = make_department("机电系")
    alice = make_student("张三", student_number="S001", department=department, cohort_year=2021)
    bob = make_student("李四", student_number="S002", department=department)
    alice.photo.save("alice.jpg", ContentFile(jpeg((10, 20, 30), (200, 300))))
    coach = make_coach("王老师", staff_number="T01")
    home_organization()
    guests = make_organization("香港代表队")
    competition = make_competition("第二届职业技能大赛", year=2023)
    competition.unranked_organizations.add(guests)
    robots = make_event(competition, name="移动机器人", is_team=True, min_team_size=2, max_team_size=2)
    welding = make_event(competition, name="焊接")
    team = make_entry(robots, members=[alice, bob], coaches=[coach], award="金牌", rank=1, score="95.5")
    make_entry(welding, members=[bob], award="优胜奖", rank=4, notes="备注：补录")
    make_entry(welding, award="铜牌", organization=guests)
    gone = make_entry(welding, award="铜牌", organization="外省技师学院")

    # History with a user: a correction and a deletion.
    team.notes = "更正"
    team._history_user = clerk
    team.save()
    gone._history_user = clerk
    gone.delete()
    results_changed([competition.pk], event_ids=[welding.pk])

    photos = save_photos(
        competition=competition,
        files=[
            SimpleUploadedFile("podium.jpg", jpeg((200, 0, 0)), "image/jpeg"),
            SimpleUploadedFile("team.jpg", jpeg((0, 0, 200)), "image/jpeg"),
        ],
        caption="颁奖",
        entries=[team],
        user=clerk,
    )
    make_thumbnails.call([photo.pk for photo in photos])  # what the task worker does after the upload
    LogEntry.objects.create(
        user=clerk,
        content_type=ContentType.objects.get_for_model(Entry),
        object_id=str(team.pk),
        object_repr=str(team),
        action_flag=ADDITION,
    )


def database_url(name: str) -> str:
    db = connection.settings_dict
    password = f":{db['PASSWORD']}" if db["PASSWORD"] else ""
    return f"postgres://{db['USER']}{password}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{name}"


def new_postgres_database() -> str:
    import psycopg

    name = f"{connection.settings_dict['NAME']}_restore"
    url = database_url("postgres")
    with psycopg.connect(url.replace("postgres://", "postgresql://"), autocommit=True) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}"')
        admin.execute(f'CREATE DATABASE "{name}"')
    return name


def drop_postgres_database(name: str) -> None:
    import psycopg

    with psycopg.connect(
        database_url("postgres").replace("postgres://", "postgresql://"), autocommit=True
    ) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}"')


def run(env: dict, *arguments: str) -> subprocess.CompletedProcess:
    done = subprocess.run(
        [sys.executable, *arguments], cwd=ROOT, env=env, capture_output=True, text=True, timeout=SECONDS
    )
    assert done.returncode == 0, done.stdout + done.stderr
    return done


def restore_elsewhere(archive: Path, database_url: str, media: Path) -> dict:
    """Migrate a new database, restore the archive into it, and read back its snapshot."""
    env = {
        **os.environ,
        "DJANGO_DEBUG": "true",
        "DATABASE_URL": database_url,
        "DJANGO_MEDIA_ROOT": str(media),
    }
    env.pop("DJANGO_SETTINGS_MODULE", None)
    run(env, "manage.py", "migrate", "--noinput")
    run(env, "manage.py", "restore", str(archive))
    return json.loads(run(env, "tests/backup_snapshot.py").stdout)


def test_the_round_trip_loses_no_row_no_photo_byte_and_no_history(django_user_model, tmp_path, media_root):
    build_results(django_user_model)
    before = snapshot()
    # The data is really there: photos with their bytes, history with its user, links, accounts.
    assert len(before["media"]) == 5  # two photos, two thumbnails, one student's photo
    assert {row["history_type"] for row in before["rows"]["competitions.historicalentry"]} == {"+", "~", "-"}
    assert before["rows"]["competitions.photo_entries"]
    assert before["rows"]["auth.user_user_permissions"] == [
        {
            "user_id": django_user_model.objects.get(username="clerk").pk,
            "permission_id": ["merge_people", "students", "mergerecord"],
        }
    ]

    archive = tmp_path / "backup.zip"
    call_command("backup", str(archive), verbosity=0)

    targets = []
    if connection.vendor == "postgresql":
        name = new_postgres_database()
        targets.append((database_url(name), lambda: drop_postgres_database(name)))
    # SQLite always: the same database kind on SQLite, PostgreSQL → SQLite on PostgreSQL.
    targets.append((f"sqlite:///{tmp_path / 'restored.sqlite3'}", lambda: None))
    for index, (url, clean_up) in enumerate(targets):
        try:
            after = restore_elsewhere(archive, url, tmp_path / f"media-{index}")
        finally:
            clean_up()
        assert after["media"] == before["media"]
        assert after["rows"].keys() == before["rows"].keys()
        for table, rows in before["rows"].items():
            assert after["rows"][table] == rows, table


def test_an_archive_made_before_the_kept_counts_restores_them_recounted(django_user_model, tmp_path):
    """A backup from before migrations 0022 and 0024 has competitions without entry_count and
    medal_count; the restore recounts them, so the list shows the medals without a repair."""
    build_results(django_user_model)
    before = snapshot()["rows"]["competitions.competition"]
    assert before and all(row["entry_count"] and row["medal_count"] for row in before)
    archive = tmp_path / "backup.zip"
    call_command("backup", str(archive), verbosity=0)
    member = "data/competitions.competition.jsonl"

    def without_counts(data: bytes) -> bytes:
        rows = [json.loads(line) for line in data.decode().splitlines()]
        for row in rows:
            del row["fields"]["entry_count"], row["fields"]["medal_count"]
        return "".join(json.dumps(row, ensure_ascii=False) + "\n" for row in rows).encode()

    rewrite(archive, member, without_counts)
    with zipfile.ZipFile(archive) as opened:
        stripped = opened.read(member)
    assert b"medal_count" not in stripped
    rewrite(
        archive,
        MANIFEST,
        lambda data: json.dumps(
            {
                **json.loads(data),
                "files": {**json.loads(data)["files"], member: hashlib.sha256(stripped).hexdigest()},
            }
        ).encode(),
    )

    after = restore_elsewhere(archive, f"sqlite:///{tmp_path / 'restored.sqlite3'}", tmp_path / "media-old")
    assert after["rows"]["competitions.competition"] == before


def test_the_archive_lists_counts_and_checksums(django_user_model, tmp_path):
    build_results(django_user_model)
    archive = tmp_path / "backup.zip"
    call_command("backup", str(archive), verbosity=0)

    with zipfile.ZipFile(archive) as opened:
        manifest = json.loads(opened.read(MANIFEST))
        assert manifest["models"]["competitions.entry"]["count"] == Entry.objects.count() == 3
        assert manifest["models"]["auth.user"]["count"] == 2
        assert set(manifest["models"]) == {model._meta.label_lower for model in backed_up_models()}
        for name, sha256 in manifest["files"].items():
            assert hashlib.sha256(opened.read(name)).hexdigest() == sha256
        assert {name for name in opened.namelist() if name.startswith("media/")} == {
            name for name in manifest["files"] if name.startswith("media/")
        }
    assert not any(name.startswith(("sessions", "axes", "django_tasks")) for name in manifest["models"])


def test_backup_into_a_folder_names_a_new_archive_and_never_overwrites(tmp_path):
    call_command("backup", str(tmp_path), verbosity=0)
    (written,) = tmp_path.glob("results-backup-*.zip")
    with pytest.raises(CommandError, match="already exists"):
        call_command("backup", str(written), verbosity=0)
    assert not list(tmp_path.glob("*.partial"))


def test_restore_refuses_a_database_that_holds_results(tmp_path, django_user_model):
    archive = tmp_path / "backup.zip"
    call_command("backup", str(archive), verbosity=0)
    make_entry()

    with pytest.raises(CommandError, match=r"already holds data \(.*competitions\.competition 1"):
        call_command("restore", str(archive), verbosity=0)


# Hand-made archives: what a damaged or hostile one does to an empty installation.


def write_archive(
    path: Path, tables: dict[str, list[dict]], media: dict[str, bytes], **manifest_changes
) -> Path:
    manifest = {"format": "results-tracker-backup", "version": 1, "migrations": [], "models": {}, "files": {}}
    with zipfile.ZipFile(path, "w") as archive:
        for name, rows in tables.items():
            member = f"data/{name}.jsonl"
            data = "".join(json.dumps(row, ensure_ascii=False) + "\n" for row in rows).encode()
            archive.writestr(member, data)
            manifest["models"][name] = {"file": member, "count": len(rows)}
            manifest["files"][member] = hashlib.sha256(data).hexdigest()
        for name, data in media.items():
            archive.writestr(f"media/{name}", data)
            manifest["files"][f"media/{name}"] = hashlib.sha256(data).hexdigest()
        manifest.update(manifest_changes)
        archive.writestr(MANIFEST, json.dumps(manifest))
    return path


def organization(pk: int, name: str) -> dict:
    return {
        "model": "competitions.organization",
        "pk": pk,
        "fields": {"name": name, "short_name": "", "kind": "college", "is_home": False},
    }


def nothing_restored(media_root: Path, awards: int) -> None:
    assert not Organization.objects.exists()
    assert Award.objects.count() == awards  # the fresh installation's vocabulary is still there
    assert not media_root.exists() or not [p for p in media_root.rglob("*") if p.is_file()]


def test_a_row_that_cannot_be_loaded_restores_nothing(tmp_path, media_root):
    awards = Award.objects.count()
    archive = write_archive(
        tmp_path / "clash.zip",
        {"competitions.organization": [organization(1, "甲校"), organization(2, "甲校")]},  # name is unique
        {"photos/1/a.jpg": jpeg((1, 2, 3))},
    )

    with pytest.raises(CommandError, match="nothing was restored"):
        call_command("restore", str(archive), verbosity=0)
    nothing_restored(media_root, awards)


def test_a_count_that_differs_from_the_manifest_restores_nothing(tmp_path, media_root):
    awards = Award.objects.count()
    archive = write_archive(
        tmp_path / "short.zip", {"competitions.organization": [organization(1, "甲校")]}, {}
    )
    rewrite(archive, MANIFEST, lambda data: data.replace(b'"count": 1', b'"count": 2'))

    with pytest.raises(CommandError, match="holds 1 rows; the backup lists 2"):
        call_command("restore", str(archive), verbosity=0)
    nothing_restored(media_root, awards)


def rewrite(archive: Path, name: str, change) -> None:
    with zipfile.ZipFile(archive) as opened:
        members = {member: opened.read(member) for member in opened.namelist()}
    members[name] = change(members[name])
    with zipfile.ZipFile(archive, "w") as opened:
        for member, data in members.items():
            opened.writestr(member, data)


def test_a_damaged_file_is_found_before_anything_is_written(tmp_path, media_root):
    awards = Award.objects.count()
    archive = write_archive(
        tmp_path / "damaged.zip",
        {"competitions.organization": [organization(1, "甲校")]},
        {"photos/1/a.jpg": jpeg((1, 2, 3))},
    )
    rewrite(archive, "media/photos/1/a.jpg", lambda data: data[:-10] + b"0123456789")

    with pytest.raises(CommandError, match="checksum of media/photos/1/a.jpg does not match"):
        call_command("restore", str(archive), verbosity=0)
    nothing_restored(media_root, awards)


@pytest.mark.parametrize("name", ["../escape.jpg", "/etc/passwd", "photos/../../escape.jpg"])
def test_a_member_outside_the_archive_folders_is_refused(tmp_path, media_root, name):
    archive = write_archive(tmp_path / "evil.zip", {}, {}, files={name: "0" * 64})
    with pytest.raises(CommandError, match="outside its folders"):
        call_command("restore", str(archive), verbosity=0)
    assert not (tmp_path / "escape.jpg").exists()


def test_restore_refuses_what_is_not_a_backup(tmp_path):
    (tmp_path / "notes.zip").write_bytes(b"not a zip at all")
    with pytest.raises(CommandError, match="is not a zip archive"):
        call_command("restore", str(tmp_path / "notes.zip"), verbosity=0)
    with zipfile.ZipFile(tmp_path / "other.zip", "w") as opened:
        opened.writestr("hello.txt", "hi")
    with pytest.raises(CommandError, match="has no manifest.json"):
        call_command("restore", str(tmp_path / "other.zip"), verbosity=0)
    with pytest.raises(CommandError, match="No such file"):
        call_command("restore", str(tmp_path / "missing.zip"), verbosity=0)


def test_restore_refuses_a_backup_of_a_newer_version(tmp_path):
    archive = write_archive(tmp_path / "newer.zip", {}, {}, migrations=["competitions.9999_from_the_future"])
    with pytest.raises(CommandError, match="newer version.*9999_from_the_future"):
        call_command("restore", str(archive), verbosity=0)


def test_the_fresh_installation_holds_only_the_seeded_tables():
    """What `restore` replaces without asking must be what migrate makes, nothing more."""
    holding = {model._meta.label_lower for model in backed_up_models() if model._base_manager.exists()}
    assert holding <= SEEDED
    assert not Competition.objects.exists()


def test_backup_into_a_missing_folder_says_so(tmp_path):
    with pytest.raises(CommandError, match="There is no folder .*nowhere"):
        call_command("backup", str(tmp_path / "nowhere" / "backup.zip"), verbosity=0)


@pytest.mark.django_db
def test_times_keep_their_microseconds_in_an_archive(django_user_model):
    """Django's JSON encoder cuts times to milliseconds: an archive must not."""
    import io as _io

    from django.core import serializers

    from competitions.backups import _Serializer

    user = django_user_model.objects.create_user("exact")
    user.date_joined = user.date_joined.replace(microsecond=250)
    user.save()
    stream = _io.StringIO()
    _Serializer().serialize([user], stream=stream)
    [restored] = serializers.deserialize("jsonl", stream.getvalue())
    assert restored.object.date_joined == user.date_joined


def test_a_manifest_without_its_tables_or_with_rows_of_an_unlisted_table_is_refused(tmp_path, media_root):
    import json as _json

    awards = Award.objects.count()
    archive = write_archive(
        tmp_path / "odd.zip", {"competitions.organization": [organization(1, "甲校")]}, {}
    )
    rewrite(archive, "manifest.json", lambda data: _json.dumps({**_json.loads(data), "models": {}}).encode())
    with pytest.raises(CommandError, match="rows of a table its manifest does not list"):
        call_command("restore", str(archive), verbosity=0)
    rewrite(archive, "manifest.json", lambda data: _json.dumps({**_json.loads(data), "files": None}).encode())
    with pytest.raises(CommandError, match="lacks the files, tables or migrations"):
        call_command("restore", str(archive), verbosity=0)
    nothing_restored(media_root, awards)
