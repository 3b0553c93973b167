"""A schema's answer written straight from the rows, as django-ninja would write it.

django-ninja validates every object of an answer through a wrapper that reads each attribute in
Python (`DjangoGetter.__getattr__`, then pydantic's validator around it, for every field of every
nested object): a page of 50 entries with their members and coaches took ~1,500 such reads and most
of the API entries list's Python time (benchmarks/profile_page.py, issue 13). `dump` reads the
same attributes in the same way (the schema's `resolve_<field>` methods, related managers as lists,
files as their URL) from a plan worked out once per schema, and gives what
`schema.from_orm(obj).model_dump(mode="json")` gives; tests/api compares the two on every list.

A schema with something the plan does not know (a field type other than plain values, dates,
nested schemas or lists of them; a resolver that takes the context) is answered by ninja's own
validation instead (`plan` is None for it).
"""

import json
import types
import typing
from datetime import date
from functools import cache

from django.db.models import Manager, QuerySet
from django.db.models.fields.files import FieldFile
from django.http import HttpResponse
from ninja import Schema

VALUE, WHEN, NESTED, NESTED_LIST = range(4)
PLAIN_TYPES = (int, str, bool, type(None))


class Unplanned(Exception):
    """A field `plan` does not know how to write."""


def _kind(annotation) -> tuple[int, type | None]:
    """What a field's annotation asks of its value: written as it is, as an ISO date, or as a
    nested schema (or a list of them)."""
    origin = typing.get_origin(annotation)
    if origin in (typing.Union, types.UnionType):
        options = [option for option in typing.get_args(annotation) if option is not type(None)]
        if len(options) == 1:
            return _kind(options[0])
        if all(option in PLAIN_TYPES for option in options):
            return VALUE, None
        raise Unplanned(annotation)
    if origin is typing.Annotated:
        return _kind(typing.get_args(annotation)[0])
    if origin is typing.Literal:
        if all(isinstance(value, PLAIN_TYPES) for value in typing.get_args(annotation)):
            return VALUE, None
        raise Unplanned(annotation)
    if origin is list:
        (item,) = typing.get_args(annotation)
        if isinstance(item, type) and issubclass(item, Schema):
            return NESTED_LIST, item
        if item in PLAIN_TYPES:
            return VALUE, None
        raise Unplanned(annotation)
    if isinstance(annotation, type) and issubclass(annotation, Schema):
        return NESTED, annotation
    if annotation is date:  # a datetime's JSON (its zone) is pydantic's own: not planned
        return WHEN, None
    if annotation in PLAIN_TYPES:
        return VALUE, None
    raise Unplanned(annotation)


@cache
def plan(schema: type[Schema]) -> tuple | None:
    """Each field of the schema: its name, its resolver (a function of the object) or None, what
    its value is written as, and the nested schema's plan. None when a field is not plannable."""
    steps = []
    try:
        for name, field in schema.model_fields.items():
            if field.alias or field.validation_alias or field.serialization_alias:
                raise Unplanned(name)
            resolver = schema._ninja_resolvers.get(name)
            if resolver is not None:
                if not resolver._static or resolver._takes_context:
                    raise Unplanned(name)
                resolver = resolver._func
            kind, nested = _kind(field.annotation)
            nested_plan = plan(nested) if nested is not None else None
            if nested is not None and nested_plan is None:
                raise Unplanned(name)
            steps.append((name, resolver, kind, nested_plan))
    except Unplanned:
        return None
    return tuple(steps)


def _read(obj, name: str):
    """An attribute as django-ninja's DjangoGetter reads it. A prefetched relation is read from
    the prefetch cache, where its manager would read it (`manager.all()` is that cached queryset),
    without making the manager (a page's hundreds of managers cost more than their rows)."""
    if isinstance(obj, dict):
        value = obj[name]
    else:
        prefetched = getattr(obj, "_prefetched_objects_cache", None)
        if prefetched and name in prefetched:
            return list(prefetched[name])
        value = getattr(obj, name)
    if isinstance(value, Manager):
        return list(value.all())
    if isinstance(value, QuerySet):
        return list(value)
    if callable(value):
        return value()
    if isinstance(value, FieldFile):
        return value.url if value else None
    return value


def _dump(steps: tuple, obj) -> dict:
    out = {}
    for name, resolver, kind, nested in steps:
        value = resolver(obj) if resolver is not None else _read(obj, name)
        if value is None:
            out[name] = None
        elif kind == VALUE:
            out[name] = value
        elif kind == WHEN:
            out[name] = value.isoformat()
        elif kind == NESTED:
            out[name] = _dump(nested, value)
        else:
            out[name] = [_dump(nested, item) for item in value]
    return out


def dump(schema: type[Schema], obj) -> dict:
    """What `schema.from_orm(obj).model_dump(mode="json")` is, read without ninja's validation
    where the schema is plannable."""
    steps = plan(schema)
    if steps is None:
        return schema.from_orm(obj).model_dump(mode="json")
    return _dump(steps, obj)


def json_response(data: dict) -> HttpResponse:
    """A dump as the answer, written as pydantic writes JSON (compact, UTF-8)."""
    return HttpResponse(
        json.dumps(data, ensure_ascii=False, separators=(",", ":")),
        content_type="application/json; charset=utf-8",
    )
