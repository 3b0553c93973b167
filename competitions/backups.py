"""Backing up the whole installation into one zip archive, and restoring it into an empty one.

The archive holds
- `data/<app>.<model>.jsonl`: every row of every model of the project's own apps (their
  simple-history tables included), the user accounts, groups and the admin's change log, in
  Django's JSON Lines serialization, which reads the same on SQLite and PostgreSQL. Primary keys
  are kept, so every reference between rows and every history row holds as it was. Content types
  and permissions, whose ids differ from one installation to another, are written by natural key
  (`["competitions", "entry"]`, `["view_entry", "competitions", "entry"]`);
- `media/<name>`: every file a file field names (photos, thumbnails, students' photos), not
  uploaded sheets waiting for an import;
- `manifest.json`: the format, the migrations the data belongs to, the number of rows of each
  model and the SHA-256 of every other member.

Left out: sessions, login lockout records and task rows (other apps' tables, none of the project's
own data), and permissions and content types themselves, which `migrate` creates.

Restoring checks every checksum before touching anything, loads every row in one transaction,
checks the counts, resets PostgreSQL's sequences, and only after the commit moves the media files
(already unpacked next to MEDIA_ROOT) into place.
"""

import hashlib
import json
import shutil
import tempfile
import uuid
import zipfile
import zlib
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, time
from pathlib import Path, PurePosixPath

import django
from django.apps import apps
from django.conf import settings
from django.contrib.admin.models import LogEntry
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group, Permission
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import FieldDoesNotExist
from django.core.files.storage import default_storage
from django.core.management import call_command
from django.core.management.color import no_style
from django.core.serializers import jsonl
from django.core.serializers.base import DeserializationError
from django.core.serializers.json import DjangoJSONEncoder
from django.db import DatabaseError, connection, models, transaction
from django.db.migrations.recorder import MigrationRecorder
from django.utils import timezone
from django.utils.translation import gettext as _

from competitions import aggregates
from competitions.models import Competition, StoredFragment

FORMAT = "results-tracker-backup"
VERSION = 1
MANIFEST = "manifest.json"
# Uploaded sheets waiting for an import and other passing files are not part of a backup.
MEDIA_LEFT_OUT = ("imports/", "tmp/")
# Rows a freshly migrated installation already holds: the award vocabulary (a data migration) and
# the three roles (after every migrate). A restore replaces them with the archive's.
SEEDED = {"competitions.award", "competitions.historicalaward", "auth.group"}
CHUNK = 1024 * 1024


class BackupError(Exception):
    """A backup or restore that cannot go on; the message says why, for the command line."""


def label(model: type[models.Model]) -> str:
    return model._meta.label_lower


def project_apps() -> list[str]:
    """The apps that live in this repository (not Django's, not installed packages)."""
    base = Path(settings.BASE_DIR).resolve()
    return [
        config.label
        for config in apps.get_app_configs()
        if Path(config.path).resolve().is_relative_to(base) and "site-packages" not in Path(config.path).parts
    ]


# Rebuilt from the rest, not backed up: the stored page parts (HTML, a few per competition, written
# again after a restore by `manage.py precompute_pages`, and by every later write of results).
DERIVED = {StoredFragment}


def backed_up_models() -> list[type[models.Model]]:
    """Accounts first, then the project's models in the registry's order (history tables included).

    Many-to-many links travel with the model that declares them, so the tables Django makes for
    them are not listed on their own.
    """
    chosen = [get_user_model(), Group, LogEntry]
    for app_label in project_apps():
        chosen += [
            model
            for model in apps.get_app_config(app_label).get_models()
            if not model._meta.proxy and model not in DERIVED
        ]
    return chosen


def applied_migrations() -> list[str]:
    return sorted(f"{app}.{name}" for app, name in MigrationRecorder(connection).applied_migrations())


class _ExactEncoder(DjangoJSONEncoder):
    """DjangoJSONEncoder, except that times keep their microseconds (it cuts them to milliseconds,
    and a restore must give back every value as it was)."""

    def default(self, o):
        if isinstance(o, datetime):
            text = o.isoformat()
            return text.removesuffix("+00:00") + "Z" if text.endswith("+00:00") else text
        if isinstance(o, time):
            return o.isoformat()
        return super().default(o)


class _Serializer(jsonl.Serializer):
    """JSON Lines naming only content types and permissions by natural key.

    Every other reference stays a primary key: ids are kept in a restore, and a history row's user
    that no longer exists must not stop the backup (a natural key would have to look it up).
    """

    NATURAL = (ContentType, Permission)

    def _init_options(self):
        super()._init_options()
        self.json_kwargs["cls"] = _ExactEncoder

    def _model_supports_natural_key(self, model):
        return model in self.NATURAL


class _HashingText:
    """A text stream for the serializer: UTF-8 into an archive member, hashed on the way."""

    def __init__(self, raw):
        self.raw, self.sha256, self.pending, self.size = raw, hashlib.sha256(), [], 0

    def write(self, text: str) -> None:
        self.pending.append(text)
        self.size += len(text)
        if self.size >= CHUNK:
            self.flush()

    def flush(self) -> None:
        data = "".join(self.pending).encode()
        self.sha256.update(data)
        self.raw.write(data)
        self.pending, self.size = [], 0


def _rows(model: type[models.Model]) -> Iterator[models.Model]:
    queryset = model._base_manager.order_by("pk")
    many = [field.name for field in model._meta.many_to_many if field.remote_field.through._meta.auto_created]
    if many:
        queryset = queryset.prefetch_related(*many)
    return queryset.iterator(chunk_size=2000)


def _media_names(chosen: list[type[models.Model]]) -> set[str]:
    """Every file named by a file field of a backed-up row, history rows included (simple-history
    keeps the name in a text field of the same name)."""
    names = set()
    for model in chosen:
        tracked = getattr(model, "instance_type", model)  # a history table's model
        for field in model._meta.concrete_fields:
            original = _field_or_none(tracked, field.name)
            if isinstance(field, models.FileField) or isinstance(original, models.FileField):
                names.update(
                    model._base_manager.exclude(**{f"{field.name}__isnull": True})
                    .exclude(**{field.name: ""})
                    .values_list(field.name, flat=True)
                    .distinct()
                    .iterator()
                )
    return {name for name in names if not name.startswith(MEDIA_LEFT_OUT)}


def _field_or_none(model: type[models.Model], name: str) -> models.Field | None:
    try:
        return model._meta.get_field(name)
    except FieldDoesNotExist:
        return None


def _member(name: str) -> zipfile.ZipInfo:
    info = zipfile.ZipInfo(name, date_time=timezone.localtime().timetuple()[:6])
    info.compress_type = zipfile.ZIP_DEFLATED
    return info


def _safe_member(name: str) -> bool:
    path = PurePosixPath(name)
    return not path.is_absolute() and ".." not in path.parts and "\\" not in name and name == str(path)


@dataclass
class BackupSummary:
    path: Path
    rows: int
    models: int
    files: int
    missing: list[str]
    size: int


def backup(
    path: Path,
    *,
    progress: Callable[[str], None] = lambda message: None,
    steps: Callable[[str, int, int], None] = lambda phase, done, total: None,
) -> BackupSummary:
    """Write the archive to `path` (a new file; `.partial` until it is complete).

    `progress` hears a line per table; `steps(phase, done, total)` how far it got, phase "tables"
    then "files" (the background task's progress bar).
    """
    path = Path(path)
    if path.exists():
        raise BackupError(_("%(path)s already exists: give the name of a new file.") % {"path": path})
    if not path.parent.is_dir():
        raise BackupError(
            _("There is no folder %(folder)s to write the backup into.") % {"folder": path.parent}
        )
    partial = path.with_name(path.name + ".partial")
    chosen = backed_up_models()
    manifest = {
        "format": FORMAT,
        "version": VERSION,
        "created": datetime.now(UTC).isoformat(timespec="seconds"),
        "django": django.get_version(),
        "database": connection.vendor,
        "migrations": [],
        "models": {},
        "files": {},
        "missing_media": [],
    }
    try:
        with zipfile.ZipFile(partial, "w", zipfile.ZIP_DEFLATED, allowZip64=True) as archive:
            # One snapshot of the database: every table as of the same moment. (Inside a caller's
            # transaction, a test's, the isolation level is no longer ours to choose.)
            outer = connection.in_atomic_block
            with transaction.atomic():
                if connection.vendor == "postgresql" and not outer:
                    with connection.cursor() as cursor:
                        cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ READ ONLY")
                manifest["migrations"] = applied_migrations()
                for done, model in enumerate(chosen):
                    steps("tables", done, len(chosen))
                    member = f"data/{label(model)}.jsonl"
                    with archive.open(_member(member), "w", force_zip64=True) as raw:
                        stream = _HashingText(raw)
                        counter = _Counter(_rows(model))
                        _Serializer().serialize(
                            counter,
                            stream=stream,
                            use_natural_foreign_keys=True,
                        )
                        stream.flush()
                    manifest["models"][label(model)] = {"file": member, "count": counter.count}
                    manifest["files"][member] = stream.sha256.hexdigest()
                    progress(f"{label(model)}: {counter.count}")
                media = sorted(_media_names(chosen))
            for done, name in enumerate(media):
                steps("files", done, len(media))
                if not _safe_member(name) or not default_storage.exists(name):
                    manifest["missing_media"].append(name)
                    continue
                sha256 = hashlib.sha256()
                with (
                    default_storage.open(name, "rb") as source,
                    archive.open(_member(f"media/{name}"), "w") as target,
                ):
                    while block := source.read(CHUNK):
                        sha256.update(block)
                        target.write(block)
                manifest["files"][f"media/{name}"] = sha256.hexdigest()
            steps("files", len(media), len(media))
            archive.writestr(_member(MANIFEST), json.dumps(manifest, ensure_ascii=False, indent=1))
        partial.replace(path)
    finally:
        partial.unlink(missing_ok=True)
    counts = [entry["count"] for entry in manifest["models"].values()]
    return BackupSummary(
        path=path,
        rows=sum(counts),
        models=len(counts),
        files=sum(1 for name in manifest["files"] if name.startswith("media/")),
        missing=manifest["missing_media"],
        size=path.stat().st_size,
    )


class _Counter:
    def __init__(self, rows):
        self.rows, self.count = rows, 0

    def __iter__(self):
        for row in self.rows:
            self.count += 1
            yield row


@dataclass
class RestoreSummary:
    rows: int
    models: int
    files: int


def read_manifest(archive: zipfile.ZipFile) -> dict:
    try:
        manifest = json.loads(archive.read(MANIFEST))
    except KeyError:
        raise BackupError(_("This is not a backup of this application: it has no manifest.json.")) from None
    except ValueError as error:
        raise BackupError(_("The backup's manifest.json is damaged: %(error)s") % {"error": error}) from None
    if manifest.get("format") != FORMAT:
        raise BackupError(_("This is not a backup of this application (manifest.json names another format)."))
    if manifest.get("version") != VERSION:
        raise BackupError(
            _("This backup has format version %(version)s; this installation reads version %(ours)s.")
            % {"version": manifest.get("version"), "ours": VERSION}
        )
    shapes = {"files": dict, "models": dict, "migrations": list}
    if any(not isinstance(manifest.get(key), kind) for key, kind in shapes.items()) or any(
        not isinstance(entry, dict)
        or not isinstance(entry.get("file"), str)
        or not isinstance(entry.get("count"), int)
        for entry in manifest["models"].values()
    ):
        raise BackupError(
            _("The backup's manifest.json is damaged: it lacks the files, tables or migrations.")
        )
    return manifest


def verify_archive(archive: zipfile.ZipFile, manifest: dict) -> None:
    """Every member the manifest lists is there, has a safe name and the recorded SHA-256."""
    present = set(archive.namelist())
    tables = {entry["file"] for entry in manifest["models"].values()}
    for name, expected in manifest["files"].items():
        if not _safe_member(name) or not name.startswith(("data/", "media/")):
            raise BackupError(_("The backup names a file outside its folders: %(name)s") % {"name": name})
        if name.startswith("data/") and name not in tables:
            raise BackupError(
                _("The backup holds rows of a table its manifest does not list: %(name)s") % {"name": name}
            )
        if name not in present:
            raise BackupError(_("The backup is incomplete: %(name)s is missing.") % {"name": name})
        sha256 = hashlib.sha256()
        try:
            with archive.open(name) as member:
                while block := member.read(CHUNK):
                    sha256.update(block)
        except (zipfile.BadZipFile, zlib.error, EOFError):
            sha256 = None
        if sha256 is None or sha256.hexdigest() != expected:
            raise BackupError(
                _("The backup is damaged: the checksum of %(name)s does not match its manifest.")
                % {"name": name}
            )


def rows_already_present() -> dict[str, int]:
    """Tables of the restored models that hold rows a fresh installation does not have."""
    found = {}
    for model in backed_up_models():
        if label(model) not in SEEDED and (count := model._base_manager.count()):
            found[label(model)] = count
    return found


def restore(path: Path, *, progress: Callable[[str], None] = lambda message: None) -> RestoreSummary:
    path = Path(path)
    if not path.is_file():
        raise BackupError(_("No such file: %(path)s") % {"path": path})
    try:
        archive = zipfile.ZipFile(path)
    except (zipfile.BadZipFile, OSError) as error:
        raise BackupError(
            _("%(path)s is not a zip archive: %(error)s") % {"path": path, "error": error}
        ) from None
    with archive:
        manifest = read_manifest(archive)
        ours = set(applied_migrations())
        newer = sorted(set(manifest["migrations"]) - ours)
        if newer:
            raise BackupError(
                _(
                    "This backup comes from a newer version of the application (migrations %(names)s are "
                    "not applied here): update this installation and run migrate first."
                )
                % {"names": ", ".join(newer[:5])}
            )
        present = rows_already_present()
        if present:
            raise BackupError(
                _(
                    "This database already holds data (%(tables)s): a backup is restored only into an "
                    "empty installation, a new database on which migrate has run."
                )
                % {"tables": ", ".join(f"{name} {count}" for name, count in list(present.items())[:5])}
            )
        known = {label(model) for model in backed_up_models()}
        unknown = sorted(set(manifest["models"]) - known)
        if unknown:
            raise BackupError(
                _("This backup holds tables this installation does not have: %(names)s.")
                % {"names": ", ".join(unknown)}
            )
        progress(_("Checking the checksums …"))
        verify_archive(archive, manifest)

        media_root = Path(settings.MEDIA_ROOT)
        media_root.mkdir(parents=True, exist_ok=True)
        staging = media_root / f".restore-{uuid.uuid4().hex}"
        try:
            with tempfile.TemporaryDirectory(prefix="restore-") as scratch:
                fixtures = []
                counts_by_file = {entry["file"]: entry["count"] for entry in manifest["models"].values()}
                for name in manifest["files"]:
                    target = (Path(scratch) if name.startswith("data/") else staging) / name
                    target.parent.mkdir(parents=True, exist_ok=True)
                    with archive.open(name) as source, target.open("wb") as output:
                        shutil.copyfileobj(source, output, CHUNK)
                    if name.startswith("data/") and counts_by_file[name]:
                        fixtures.append(target)
                progress(_("Loading the data …"))
                _load(fixtures, manifest)
            progress(_("Moving the media files into place …"))
            moved = 0
            media = staging / "media"
            for source in sorted(p for p in media.rglob("*") if p.is_file()) if media.exists() else []:
                target = media_root / source.relative_to(media)
                target.parent.mkdir(parents=True, exist_ok=True)
                source.replace(target)
                moved += 1
        finally:
            shutil.rmtree(staging, ignore_errors=True)
    counts = [entry["count"] for entry in manifest["models"].values()]
    return RestoreSummary(rows=sum(counts), models=len(counts), files=moved)


@contextmanager
def _history_paused():
    """The archive brings the history; the restore itself must write none. (Loading skips history
    for rows, but not for many-to-many links, which simple-history records as a change.)"""
    before = getattr(settings, "SIMPLE_HISTORY_ENABLED", True)
    settings.SIMPLE_HISTORY_ENABLED = False
    try:
        yield
    finally:
        settings.SIMPLE_HISTORY_ENABLED = before


def _load(fixtures: list[Path], manifest: dict) -> None:
    """All rows in one transaction, or none: the fresh installation's vocabulary and roles give way
    to the archive's, the counts must match the manifest, the sequences continue after the ids."""
    chosen = backed_up_models()
    with transaction.atomic(), _history_paused():
        for model in chosen:
            if label(model) in SEEDED:
                model._base_manager.all().delete()
        if fixtures:
            try:
                call_command("loaddata", *map(str, fixtures), verbosity=0)
            except (DeserializationError, DatabaseError) as error:
                raise BackupError(
                    _("The backup's rows could not be loaded, nothing was restored: %(error)s")
                    % {"error": error}
                ) from None
        for name, entry in manifest["models"].items():
            model = apps.get_model(name)
            if (count := model._base_manager.count()) != entry["count"]:
                raise BackupError(
                    _("After loading, %(model)s holds %(count)d rows; the backup lists %(expected)d.")
                    % {"model": name, "count": count, "expected": entry["count"]}
                )
        # An archive made before a count was kept (migrations 0022, 0024) brings it as 0: recount
        # them all from the rows just loaded (the same figures, for an archive of this version).
        Competition.objects.update(**aggregates.kept_counts())
        statements = connection.ops.sequence_reset_sql(no_style(), chosen)
        if statements:
            with connection.cursor() as cursor:
                for statement in statements:
                    cursor.execute(statement)
