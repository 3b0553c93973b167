"""The public result pages (issue 12): what anonymous visitors, and the college website linking
here, see while settings.PUBLIC_RESULTS is on.

- `index`: the public competitions, newest year first, a page at a time; `competition`: one
  competition's organization medal table (competitions.tallies, the numbers of the logged-in page)
  and its results: events, organizations, members' names, awards and ranks. With the public
  honours page (pages.honours) they share one small layout, without the logged-in navigation.
- Public data is confirmed results only while the office confirms (competitions.confirming); a
  competition is public once it has one confirmed result (before that it answers 404).
- No personal data: no student numbers, classes, departments, photos, notes, scores or coaches,
  and no link into the logged-in pages.
- The same page for everyone, logged in or not. With the switch off, every public URL answers 404
  to everyone, so that a link copied to the college website never opens a half-public page.
- Fast and cacheable: `Cache-Control: public, max-age=PUBLIC_CACHE_SECONDS`, varying on the
  language (Accept-Language and the language cookie; `?lang=en` or `?lang=zh-hans` picks one and
  the pages' own links keep it). The server renders a page once per state of its results: the key
  holds the results_version that aggregates.results_changed raises on every change of a result,
  and the confirmations, which raise no version (their count and latest moment), so a change
  shows at once. A page costs a fixed number of queries however large the competition.
"""

from collections.abc import Callable
from functools import wraps
from urllib.parse import urlencode

from django.conf import settings
from django.contrib.auth.decorators import login_not_required
from django.core.cache import cache
from django.core.paginator import EmptyPage, Paginator
from django.db.models import Count, Exists, Max, OuterRef, Prefetch, QuerySet, Subquery
from django.db.models.functions import Coalesce
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import translation
from django.utils.cache import patch_cache_control, patch_vary_headers
from django.views.decorators.http import require_safe

from competitions import aggregates, confirming, tallies
from competitions.forms import whole_number
from competitions.models import MEDAL_TIERS, Competition, Entry, EntryMember, Organization

COMPETITIONS_PER_PAGE = 50
EVENTS_PER_PAGE = 50
MAX_PAGE = 10**6
# The server keeps a rendered page this long at most: its key changes with its results anyway.
SERVER_CACHE_SECONDS = 6 * 3600


def public_page(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """A page open to anonymous visitors while the public switch is on (404 to everyone when it is
    off), in the language asked for, cacheable by browsers and proxies for PUBLIC_CACHE_SECONDS."""

    @login_not_required
    @require_safe
    @wraps(view)
    def public_view(request: HttpRequest, *args, **kwargs) -> HttpResponse:
        if not settings.PUBLIC_RESULTS:
            raise Http404
        use_asked_language(request)
        response = view(request, *args, **kwargs)
        patch_cache_control(response, public=True, max_age=settings.PUBLIC_CACHE_SECONDS)
        # The language comes from the browser or the language cookie (LocaleMiddleware).
        patch_vary_headers(response, ("Accept-Language", "Cookie"))
        return response

    return public_view


def use_asked_language(request: HttpRequest) -> None:
    """`?lang=en` (a code of settings.LANGUAGES) overrides the negotiated language for this request:
    a link the college website can give for each of its languages, with no cookie and no form."""
    code = request.GET.get("lang")
    if code in dict(settings.LANGUAGES):
        translation.activate(code)
        request.LANGUAGE_CODE = code


def layout_context(path: str, *, page: int | None = None, section: str = "") -> dict:
    """What the public layout shows: the college's name, its links in the current language, and
    the language switch (links to this page in each language). `section` marks the navigation's
    link of this very page ("results": the index, "honours"). One query."""
    current = translation.get_language()
    languages = []
    for code, _name in settings.LANGUAGES:
        query = {"lang": code, **({"page": page} if page and page > 1 else {})}
        info = translation.get_language_info(code)
        languages.append(
            {
                "code": code,
                "short": "EN" if code == "en" else "中文",
                "name_local": info["name_local"],
                "url": f"{path}?{urlencode(query)}",
                "current": code == current,
            }
        )
    home = Organization.home()
    return {
        "college": home.name if home else "",
        "lang": current,
        "lang_query": f"?{urlencode({'lang': current})}",
        # What a public page's links keep (competitions.templatetags.page_links).
        "lang_params": {"lang": current},
        "languages": languages,
        "section": section,
    }


def page_number(request: HttpRequest) -> int:
    """The page asked for (1 when none); 404 for anything but a whole number from 1."""
    text = request.GET.get("page")
    if text is None:
        return 1
    number = whole_number(text, maximum=MAX_PAGE)
    if not number:
        raise Http404
    return number


def a_page(items: QuerySet, per_page: int, number: int):
    try:
        return Paginator(items, per_page).page(number)
    except EmptyPage:
        raise Http404 from None


def confirmations_state() -> str:
    """Changes when a result is confirmed anywhere (confirming raises no version), and with the
    confirmation setting itself. One query."""
    state = Entry.objects.confirmed().aggregate(n=Count("id"), last=Max("confirmed_at"))
    last = state["last"].isoformat() if state["last"] else ""
    return f"{confirming.required():d}.{state['n']}.{last}"


def cached_page(key: str, render: Callable[[], str]) -> HttpResponse:
    html = cache.get(key)
    if html is None:
        html = render()
        cache.set(key, html, SERVER_CACHE_SECONDS)
    return HttpResponse(html)


@public_page
def index(request: HttpRequest) -> HttpResponse:
    """The public competitions by year, newest first, each linking to its public page."""
    number = page_number(request)
    language = translation.get_language()
    key = f"public:index:{aggregates.tallies_version()}:{confirmations_state()}:{language}:{number}"

    def render() -> str:
        competitions = Competition.objects.public().order_by("-year", "name", "pk")
        page = a_page(competitions, COMPETITIONS_PER_PAGE, number)
        path = reverse("public:index")
        context = {"page": page, **layout_context(path, page=page.number, section="results")}
        return render_to_string("competitions/public/index.html", context)

    return cached_page(key, render)


@public_page
def competition(request: HttpRequest, pk: int) -> HttpResponse:
    """A public competition: its medal table and its confirmed results, events a page at a time."""
    number = page_number(request)
    confirmed = (
        Entry.objects.confirmed()
        .filter(event__competition=OuterRef("pk"))
        .order_by()
        .values("event__competition")
    )
    # A competition without a confirmed result is not public (Competition.objects.public()): 404.
    competition = get_object_or_404(
        Competition.objects.public().annotate(
            n_confirmed=Coalesce(Subquery(confirmed.annotate(n=Count("id")).values("n")), 0),
            last_confirmed=Subquery(confirmed.annotate(at=Max("confirmed_at")).values("at")),
        ),
        pk=pk,
    )
    last = competition.last_confirmed.isoformat() if competition.last_confirmed else ""
    language = translation.get_language()
    key = (
        f"public:competition:{pk}:{competition.results_version}:{confirming.required():d}."
        f"{competition.n_confirmed}.{last}:{language}:{number}"
    )

    def render() -> str:
        context = competition_context(competition, number)
        path = reverse("public:competition", args=[pk])
        context.update(layout_context(path, page=number))
        return render_to_string("competitions/public/competition.html", context)

    return cached_page(key, render)


def public_medal_table(competition: Competition) -> list[tallies.MedalRow]:
    """The competition's organization medal table of its confirmed results, as the logged-in
    competition page counts and ranks it (its default table: organizations, best tiers first)."""
    return tallies.medal_table(
        Entry.objects.for_competition(competition).confirmed(),
        by="organization",
        order="tiers",
        unranked=[organization.pk for organization in competition.unranked],
        exclude=[organization.pk for organization in competition.excluded],
    )


def competition_context(competition: Competition, number: int) -> dict:
    """Everything the public competition page shows, in a fixed number of queries."""
    competition.read_ranking_exceptions()
    # What a public page may say of an entry: no notes, scores, coaches or student records.
    entries = (
        Entry.objects.confirmed()
        .in_result_order()
        .select_related("organization", "award")
        .only("event", "rank", "organization__name", "award__label", "award__tier")
        .prefetch_related(
            Prefetch("members", queryset=EntryMember.objects.only("entry_id", "name", "position"))
        )
    )
    events = (
        competition.events.filter(Exists(Entry.objects.confirmed().filter(event=OuterRef("pk"))))
        .order_by("name", "pk")
        .only("competition", "name", "is_team")
        .prefetch_related(Prefetch("entries", queryset=entries, to_attr="results"))
    )
    return {
        "competition": competition,
        "medal_rows": public_medal_table(competition),
        "medal_tiers": MEDAL_TIERS,
        "page": a_page(events, EVENTS_PER_PAGE, number),
    }
