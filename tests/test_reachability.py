"""Every page a role may open is reached by following links from the home page (issue 11 §1).

The crawl starts at "/" as each role and follows <a href> links: GET only, this site only, the admin
left out, each URL pattern opened with a few objects at most. It counts URL patterns, not URLs
(one object each is enough). The pages a role may open are the ones tests/test_access.py expects to
answer that role with 200. Downloads and JSON endpoints count as reached when a page refers to them;
they are not opened.
"""

from collections import deque
from html.parser import HTMLParser
from urllib.parse import urljoin, urlsplit

import pytest
from django.test import Client
from django.urls import Resolver404, resolve
from django.utils import timezone

from competitions.models import Entry
from tests.populated import populate
from tests.test_access import EXPECTED, ROLES, url_names

# Evidence files and their previews (an <img src> refers to a preview).
EVIDENCE_FILES = {
    "competitions:scan-file",
    "competitions:scan-preview",
    "competitions:result-document-file",
    "competitions:result-document-preview",
}
# Not opened, but reached when a page refers to them (a link, or a data- attribute for a script).
DOWNLOADS = {
    "competitions:annual-summary-xlsx",
    "competitions:annual-summary-docx",
    "competitions:import-template",
    "competitions:backup-download",
    "competitions:people-search",
    "students:quick-search",
    "media",
    *EVIDENCE_FILES,
}
# Answered by a form's POST (or a redirect), never a page to land on.
NOT_CRAWLED = {"logout", "set_language", "competitions:entry-restore"}
# Pages a role may open that no link needs to reach (for these roles), and why.
EVERYONE = set(ROLES)
NOT_LINKED_BY_DESIGN = {
    "health": EVERYONE,  # for the load balancer's and the monitor's checks, not for people
    "home": EVERYONE,  # "/" itself, where the crawl starts
    "login": EVERYONE - {"anonymous"},  # a logged-in user has no need to log in
    # The name suggestions of the entries and merge forms, which teachers do not use.
    "competitions:people-search": {"teacher"},
}
# Which pages a role may open beyond EXPECTED, because the populated data makes them real: an
# existing archive, photo file or upload (EXPECTED's invented ones answer 404).
OPENABLE_WITH_REAL_OBJECTS = {
    # With PUBLIC_RESULTS on (the site below confirms a result, so its competition is public).
    "anonymous": {"competitions:honours", "public:index", "public:competition"},
    "teacher": {"media", *EVIDENCE_FILES},
    "office": {"media", "competitions:import-preview", *EVIDENCE_FILES},
    "administrator": {"media", "competitions:backup-download", *EVIDENCE_FILES},
}
# Pages that no link reaches yet, while other helpers of issue 11 add the links (the office's
# pages, the photos' pages). The lead empties this set after merging their branches.
KNOWN_UNLINKED: dict[str, set[str]] = {
    role: set() for role in ("teacher", "office", "administrator", "anonymous")
}
PER_PATTERN = 3  # URLs opened per pattern: a few objects, not every one


class _References(HTMLParser):
    def __init__(self):
        super().__init__()
        self.links: list[str] = []  # <a href>: followed
        self.references: list[str] = []  # a script's endpoints, an image's source: reached, not followed

    def handle_starttag(self, tag, attrs):
        for name, value in attrs:
            if not value:
                continue
            if tag == "a" and name == "href":
                self.links.append(value)
            elif (name.startswith("data-") or (tag == "img" and name == "src")) and value.startswith("/"):
                self.references.append(value)


def pattern_name(path: str) -> str | None:
    try:
        match = resolve(path)
    except Resolver404:
        return None
    if match.url_name is None:
        return "media" if match.route.endswith("<path:path>") else None
    return match.view_name


def required(role: str) -> set[str]:
    names = {name for name, (_args, statuses) in EXPECTED.items() if statuses[role] == 200}
    exempt = {name for name, exempt_roles in NOT_LINKED_BY_DESIGN.items() if role in exempt_roles}
    return (names | OPENABLE_WITH_REAL_OBJECTS[role]) - exempt - NOT_CRAWLED


def crawl(client: Client) -> tuple[set[str], list[str]]:
    """The URL patterns reached from "/", and the pages that did not answer 200."""
    reached: set[str] = set()
    opened: dict[str, int] = {}
    seen: set[str] = set()
    broken: list[str] = []
    queue = deque(["/"])
    while queue:
        url = queue.popleft()
        response = client.get(url, follow=True)
        if response.status_code != 200:
            broken.append(f"{url} → {response.status_code}")
            continue
        if response.redirect_chain:
            url = response.redirect_chain[-1][0]
            if name := pattern_name(urlsplit(url).path):
                reached.add(name)
        if not response.get("Content-Type", "").startswith("text/html"):
            continue
        parser = _References()
        parser.feed(response.content.decode())
        for reference in parser.references:
            if name := pattern_name(urlsplit(urljoin(url, reference)).path):
                reached.add(name)
        for link in parser.links:
            target = urlsplit(urljoin(url, link))
            if target.scheme not in ("http", "") or target.netloc not in ("testserver", ""):
                continue
            if target.path.startswith("/admin/"):
                continue
            name = pattern_name(target.path)
            if name is None:
                continue
            reached.add(name)
            page = target.path + (f"?{target.query}" if target.query else "")
            if name in DOWNLOADS or name in NOT_CRAWLED or target.path in seen:
                continue
            if opened.get(name, 0) >= PER_PATTERN:
                continue
            seen.add(target.path)
            opened[name] = opened.get(name, 0) + 1
            queue.append(page)
    return reached, broken


@pytest.fixture
def site(settings, tmp_path, django_user_model):
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.BACKUP_DIR = tmp_path / "backups"
    settings.TASK_PROGRESS_DIR = tmp_path / "progress"
    settings.PUBLIC_RESULTS = True
    objects = populate(
        "en",
        media_root=settings.MEDIA_ROOT,
        backup_dir=settings.BACKUP_DIR,
        django_user_model=django_user_model,
    )
    # One confirmed result makes the competition public (its public page; the others wait).
    Entry.objects.filter(pk=objects["entry"]).update(confirmed_at=timezone.now())
    return objects


def test_the_crawl_knows_every_url_pattern():
    names = {name for name in url_names() if name and not name.startswith("admin:")}
    known = (
        set(EXPECTED) | DOWNLOADS | NOT_CRAWLED | set(NOT_LINKED_BY_DESIGN) | set(KNOWN_UNLINKED["office"])
    )
    assert known - names == set(), "these names no longer exist"


@pytest.mark.django_db
@pytest.mark.parametrize("role", ROLES)
def test_every_page_a_role_may_open_is_reached_by_a_link(role, site):
    client = Client()
    if role != "anonymous":
        client.force_login(site["users"][role])
    reached, broken = crawl(client)
    assert broken == [], "links to pages that do not answer"
    unreached = required(role) - reached - KNOWN_UNLINKED[role]
    assert unreached == set(), f"pages {role} may open that no link reaches"
    now_linked = KNOWN_UNLINKED[role] & reached
    assert now_linked == set(), "linked now: remove them from KNOWN_UNLINKED"
