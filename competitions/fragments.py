"""Page parts written when results change, so that the first view after a change reads them.

The competition page's medal table and first page of results, and the pivot's default body, cost
7-15 ms to render (benchmarks/profile_page.py, issue 13), and the cache that keeps them holds them
only once someone has looked: the first view after a result changes, exactly when the office and
the teachers look, rendered them. Now every write of results ends
(competitions.aggregates.results_changed) by announcing its competitions on commit
(`results_committed`), and competitions.precompute queues a task that renders those parts for
every language and every role's permissions and stores them (models.StoredFragment). A view reads
its part from Django's cache, else from the stored parts, else renders it (and caches it, never
stores it: a view writes nothing, so a reader never waits for a long import's write lock).

A key holds everything the part depends on: the code's version (templates, translations and the
modules that write the HTML, `code_version`), the results' version, what it shows, the language and the
viewer's permissions. So a stored part is never stale, only unused, and the next precompute of its
competition deletes the unused ones; `manage.py precompute_pages` writes them all again after an
upgrade (when the code's version changes).
"""

import hashlib
from collections.abc import Callable, Iterable
from functools import cache

import django
from django.conf import settings
from django.core.cache import cache as django_cache
from django.db import connection, transaction
from django.db.models import F
from django.dispatch import Signal
from django.urls import get_script_prefix
from django.utils.safestring import SafeString, mark_safe

from competitions.models import Competition, StoredFragment

# How long a rendered part stays in Django's cache (its key changes with every result anyway).
CACHE_SECONDS = 600

# The permissions the competition page's results depend on (its edit links and the certificates'
# column, results_cells.entry_rows).
EVENT_PERMS = (
    "competitions.change_entry",
    "competitions.change_event",
    "competitions.view_certificatescan",
)

# What the code's version is made of: whatever writes the stored HTML or its words.
CODE_FILES = (
    "templates/**/*.html",
    "competitions/**/*.py",
    "students/**/*.py",
    "config/*.py",
    "locale/**/*.mo",
)


@cache
def code_version() -> str:
    """A digest of the templates, translations and code that write a stored part (and of the static
    files' manifest, whose hashed names the parts link to): a new release never reads the parts of
    the one before. Read once per process."""
    digest = hashlib.blake2b(django.get_version().encode(), digest_size=8)
    root = settings.BASE_DIR
    paths = sorted({path for pattern in CODE_FILES for path in root.glob(pattern)})
    manifest = settings.STATIC_ROOT and (settings.STATIC_ROOT / "staticfiles.json")
    if manifest and manifest.exists():
        paths.append(manifest)
    for path in paths:
        digest.update(str(path.relative_to(root) if path.is_relative_to(root) else path).encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()


class Granted(frozenset):
    """Permissions (as "app.codename") as a template asks for them: `"app.codename" in granted`,
    and `granted.app.codename` like Django's `perms`."""

    def __getitem__(self, app: str) -> "GrantedApp":
        return GrantedApp(self, app)


class GrantedApp:
    def __init__(self, granted: Granted, app: str):
        self.granted, self.app = granted, app

    def __getitem__(self, codename: str) -> bool:
        return f"{self.app}.{codename}" in self.granted


def granted(user, names: Iterable[str] = EVENT_PERMS) -> Granted:
    """Which of these permissions the user has."""
    return Granted(name for name in names if user.has_perm(name))


def role_variants(names: Iterable[str] = EVENT_PERMS) -> set[Granted]:
    """The sets of these permissions the roles give (a superuser's: all of them): the parts stored
    for each. A user with permissions of their own beyond a role's has theirs rendered on view."""
    from django.contrib.auth.models import Group

    names = tuple(names)
    variants = {Granted(names)}
    for group in Group.objects.prefetch_related("permissions__content_type"):
        held = {f"{p.content_type.app_label}.{p.codename}" for p in group.permissions.all()}
        variants.add(Granted(name for name in names if name in held))
    return variants


def flags(granted: Granted, names: Iterable[str] = EVENT_PERMS) -> str:
    return "".join("1" if name in granted else "0" for name in names)


def results_key(competition, language: str, granted: Granted | None, shown: str) -> str:
    """The key of a part of a competition page's results (`shown`: what it shows, ResultsView) as a
    viewer with these permissions sees it (None: a part that depends on no permission)."""
    version = f"{code_version()}:{get_script_prefix()}"
    viewer = "-" if granted is None else flags(granted)
    return f"results:{version}:{competition.pk}:{competition.results_version}:{language}:{viewer}:{shown}"


def pivot_key(tallies_version: str, language: str, query: str) -> str:
    return f"pivot:{code_version()}:{get_script_prefix()}:{tallies_version}:{language}:{query}"


def read(key: str, render: Callable[[], str], *, stored: bool) -> SafeString:
    """The part under `key`: from the cache, else (when `stored`, the parts a precompute writes) from
    the stored parts, else rendered; then cached."""
    return read_many([(key, render, stored)])[0]


def read_many(parts: list[tuple[str, Callable[[], str], bool]]) -> list[SafeString]:
    """read() of each (key, render, stored), in one cache round trip and at most one query."""
    found = django_cache.get_many([key for key, _render, _stored in parts])
    wanted = [key for key, _render, stored in parts if stored and key not in found]
    if wanted:
        found.update(StoredFragment.objects.filter(key__in=wanted).values_list("key", "html"))
        missing = {key: found[key] for key in wanted if key in found}
    else:
        missing = {}
    for key, render, _stored in parts:
        if key not in found:
            found[key] = missing[key] = render()
    if missing:
        django_cache.set_many(missing, CACHE_SECONDS)
    return [mark_safe(found[key]) for key, _render, _stored in parts]


# A part as rendered: its key, its owner (a competition's id, None for the pivot), the version of
# the results it was rendered from (the competition's results_version, the tallies' version), html.
Part = tuple[str, int | None, object, str]

# The stores one at a time (PostgreSQL: an advisory lock; SQLite writes one at a time anyway).
STORE_LOCK = 7_311_013


def store(parts: Iterable[Part], current: Callable[[], dict]) -> int:
    """Store the parts rendered from the results as they are now, replacing their owners' other
    parts; returns how many were stored. `current()`, asked once the stores are serialized, answers
    each owner's version now: a part rendered from older results (a later write committed while it
    was rendered) is dropped, and its owner's parts are left to the task that write queued."""
    code = code_version()
    with transaction.atomic():
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_advisory_xact_lock(%s)", [STORE_LOCK])
        now = current()
        rows = {
            key: StoredFragment(key=key, competition_id=owner, html=html, render_version=code)
            for key, owner, version, html in parts
            if owner in now and now[owner] == version
        }
        owners = {row.competition_id for row in rows.values()}
        StoredFragment.objects.bulk_create(
            sorted(rows.values(), key=lambda row: row.key),
            update_conflicts=True,
            unique_fields=["key"],
            update_fields=["html", "render_version", "made"],
        )
        old = StoredFragment.objects.filter(competition__in=owners - {None})
        if None in owners:
            old = old | StoredFragment.objects.filter(competition__isnull=True)
        old.exclude(key__in=list(rows)).delete()
    return len(rows)


# Sent once a write of results has committed, with the `competition_ids` it changed:
# competitions.precompute queues the writing of their parts.
results_committed = Signal()


def schedule(competition_ids: Iterable[int]) -> None:
    """Announce these competitions' changed results once the current transaction commits."""
    ids = sorted(set(competition_ids))
    if ids:
        transaction.on_commit(lambda: results_committed.send(sender=None, competition_ids=ids))


def shown_changed(competition_ids: Iterable[int]) -> None:
    """What these competitions' pages show changed without a change of their tallies (evidence, a
    skill's name): raise the version their parts are keyed by, and have them written again."""
    ids = set(competition_ids)
    if ids:
        Competition.objects.filter(pk__in=ids).update(results_version=F("results_version") + 1)
        schedule(ids)


def forget_pivot() -> None:
    """Drop the stored pivot bodies (the departments it offers changed without a change of the
    results): the next view renders its own."""
    StoredFragment.objects.filter(competition__isnull=True).delete()


def forget_other_versions() -> int:
    """Delete the stored parts of other releases of the code; returns how many."""
    deleted, _ = StoredFragment.objects.exclude(render_version=code_version()).delete()
    return deleted
