"""Querysets a list page builds the same way on every request, built once per process.

A list's queryset with its annotations (correlated subqueries for counts and best results) took
~3 ms of Python to build and resolve on every request, before any SQL (benchmarks/profile_page.py,
issue 13). `built_once` keeps the built queryset and gives each call a clone (`.all()`), the way
Django's generic views keep their `queryset` attribute: a clone shares the resolved expressions and
filtering it never changes them, so each request starts from the same unevaluated queryset.
"""

from collections.abc import Callable
from functools import cache, wraps

from django.db import connections
from django.db.models import Model, OuterRef, QuerySet, Subquery


def built_once(build: Callable[[], QuerySet]) -> Callable[[], QuerySet]:
    """`build()` run once per process; each call answers a fresh clone of what it built."""
    built = cache(build)

    @wraps(build)
    def clone() -> QuerySet:
        return built().all()

    return clone


def column_of(model: type[Model], key: str, field: str = "name") -> Subquery:
    """`field` of the `model` row that the outer row's `key` points at, as a subquery for annotate(),
    not a join: PostgreSQL took 1.1-1.5 ms to plan the six- or seven-table joins of a history's and
    the API's entries, which ran in 0.2-0.5 ms; with the names read so, 0.33-0.45 ms (issue 13).
    None where `key` is None or names no row."""
    return Subquery(model.objects.filter(pk=OuterRef(key)).order_by().values(field)[:1])


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


class CompiledQuery:
    """A values_list() query that Django builds and compiles once per database connection and
    shape, then runs with each call's values: building and compiling a many-join queryset cost a
    history page about as much again as the database took to run it (issue 13).

    `build(*args)` makes the queryset from integer arguments (keys), lists of them, or strings
    compared as they are (the bounds of a prefix search). It is called with marker values in their
    place; the compiled SQL's parameters that are markers are then swapped for each call's values.
    A list's length is part of the shape (`IN (%s, %s)`), so each length is compiled once, and at
    most SHAPES of them are kept. Only such values may be arguments: the SQL must not depend on
    them. Rows are tuples, converted as Django converts them.
    """

    SHAPES = 64
    MARKER = -(2**62)  # no key is this negative
    TEXT = -1  # the shape of a string argument

    def __init__(self, build: Callable[..., QuerySet]):
        self.build = build

    def __call__(self, *args: int | str | list[int], using: str = "default") -> list[tuple]:
        args = tuple(list(dict.fromkeys(arg)) if isinstance(arg, list) else arg for arg in args)
        shape = tuple(
            len(arg) if isinstance(arg, list) else self.TEXT if isinstance(arg, str) else None for arg in args
        )
        if any(length == 0 for length in shape):  # IN () matches nothing: Django runs no query
            return list(self.build(*args).using(using))
        connection = connections[using]
        kept = connection.__dict__.setdefault("compiled_queries", {})
        compiled = kept.get((self, shape))
        if compiled is None:
            compiled = kept[(self, shape)] = self.compile(shape, using)
            if len(kept) > self.SHAPES:
                kept.pop(next(iter(kept)))
        compiler, sql, params, slots = compiled
        params = list(params)
        values = [value for arg in args for value in (arg if isinstance(arg, list) else [arg])]
        for value, positions in zip(values, slots, strict=True):
            for position in positions:
                params[position] = value
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            rows = cursor.fetchall()
        if compiler.has_extra_select:
            rows = [row[: compiler.col_count] for row in rows]
        return list(compiler.results_iter(results=[rows], tuple_expected=True))

    def compile(self, shape: tuple[int | None, ...], using: str):
        """(compiler, sql, params, slots): slots[i] lists where the i-th value goes in params."""
        counter = iter(range(self.MARKER, 0))
        markers = [
            f"\x00marker{next(counter)}"
            if length == self.TEXT
            else [next(counter) for _ in range(length)]
            if length is not None
            else next(counter)
            for length in shape
        ]
        compiler = self.build(*markers).query.get_compiler(using)
        sql, params = compiler.as_sql()
        flat = [m for marker in markers for m in (marker if isinstance(marker, list) else [marker])]
        slots = [[i for i, param in enumerate(params) if type(param) is type(m) and param == m] for m in flat]
        if not all(slots):
            raise ValueError(f"{self.build}: a value is not a parameter of the compiled SQL")
        return compiler, sql, tuple(params), slots
