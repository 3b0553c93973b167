"""Querysets a list page builds the same way on every request, built once per process.

A list's queryset with its annotations (correlated subqueries for counts and best results) took
~3 ms of Python to build and resolve on every request, before any SQL (benchmarks/profile_page.py,
issue 13). `built_once` keeps the built queryset and gives each call a clone (`.all()`), the way
Django's generic views keep their `queryset` attribute: a clone shares the resolved expressions and
filtering it never changes them, so each request starts from the same unevaluated queryset.
"""

from collections.abc import Callable
from functools import cache, wraps

from django.db.models import QuerySet


def built_once(build: Callable[[], QuerySet]) -> Callable[[], QuerySet]:
    """`build()` run once per process; each call answers a fresh clone of what it built."""
    built = cache(build)

    @wraps(build)
    def clone() -> QuerySet:
        return built().all()

    return clone
