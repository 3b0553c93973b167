"""Links to the site's own pages, made fast: a page of rows asks for hundreds of them, and Django's
reverse() costs ~30 µs each (benchmarks/profile_page.py, issue 13). Models' get_absolute_url,
tables and result cells all go through here.
"""

from collections.abc import Callable
from functools import lru_cache

from django.urls import get_script_prefix, get_urlconf, reverse

# A number no URL of the site holds, standing for the primary key while a URL is reversed once.
PK_STANDIN = 918_273_645


@lru_cache(maxsize=256)
def _around_pk(name: str, prefix: str, urlconf) -> tuple[str, str]:
    before, _standin, after = reverse(name, args=[PK_STANDIN], urlconf=urlconf).partition(str(PK_STANDIN))
    return before, after


@lru_cache(maxsize=256)
def _page_url(name: str, prefix: str, urlconf) -> str:
    return reverse(name, urlconf=urlconf)


def page_url(name: str) -> str:
    """reverse(name) of a URL without arguments, remembered per process and script prefix (the
    tallies page asks for the same few for every one of its hundreds of cells)."""
    return _page_url(name, get_script_prefix(), get_urlconf())


def pk_url(name: str, pk: int) -> str:
    """reverse(name, args=[pk]) for a URL whose one argument is an integer key: the URL is reversed
    once per process (and script prefix) and the key put in its place, ~1 µs instead of ~30."""
    if pk is None:  # an unsaved object: reverse() says what is wrong
        return reverse(name, args=[pk])
    before, after = _around_pk(name, get_script_prefix(), get_urlconf())
    return f"{before}{int(pk)}{after}"


def pk_urls(name: str) -> Callable[[int], str]:
    """pk_url(name, ·) for the rows of one table: the script prefix and URL configuration (read
    per thread, a few µs each) are read once, not once per row."""
    before, after = _around_pk(name, get_script_prefix(), get_urlconf())
    return lambda pk: f"{before}{int(pk)}{after}"
