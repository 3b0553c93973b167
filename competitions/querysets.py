"""Querysets a list page builds the same way on every request, built once per process.

A list's queryset with its annotations (correlated subqueries for counts and best results) took
~3 ms of Python to build and resolve on every request, before any SQL (benchmarks/profile_page.py,
issue 13). `built_once` keeps the built queryset and gives each call a clone (`.all()`), the way
Django's generic views keep their `queryset` attribute: a clone shares the resolved expressions and
filtering it never changes them, so each request starts from the same unevaluated queryset.
"""

from collections.abc import Callable
from functools import cache, wraps

from django.db.models import Model, QuerySet


def built_once(build: Callable[[], QuerySet]) -> Callable[[], QuerySet]:
    """`build()` run once per process; each call answers a fresh clone of what it built."""
    built = cache(build)

    @wraps(build)
    def clone() -> QuerySet:
        return built().all()

    return clone


class SharedInstances:
    """Model instances made from the columns of a values() query, one per model and key however
    many rows name it (a page's fifty entries share their few competitions): cheaper than
    select_related's instance per row, and what a history page and the API's entries build."""

    def __init__(self):
        self.instances: dict[tuple[type[Model], int], Model] = {}

    def __call__(self, model: type[Model], pk: int | None, **values) -> Model | None:
        """The one instance of `model` with this key (None for no key), made from `values` the
        first time it is asked for."""
        if pk is None:
            return None
        instance = self.instances.get((model, pk))
        if instance is None:
            instance = self.instances[(model, pk)] = model(pk=pk, **values)
        return instance
