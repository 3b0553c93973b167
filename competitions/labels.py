"""A stored choice's label in the request's language, as `obj.get_<field>_display()` gives it,
remembered per model, field, value and language: Django rebuilds the field's choices as a dict
(hashing every lazy label) on each call, ~50 µs; a page of fifty competitions asked it a hundred
times (benchmarks/profile_page.py, issue 13). Tables (fast_tables) and the API read labels here.
"""

from functools import lru_cache

from django.db.models import Model
from django.utils.encoding import force_str
from django.utils.hashable import make_hashable
from django.utils.translation import get_language


@lru_cache(maxsize=4096)
def _display(model: type[Model], field: str, value, language: str | None):
    choices = dict(make_hashable(model._meta.get_field(field).flatchoices))
    return force_str(choices.get(make_hashable(value), value), strings_only=True)


def display(obj: Model, field: str):
    """obj.get_<field>_display(): the label of the field's value (the value itself when it is not
    one of the choices)."""
    value = getattr(obj, field)
    try:
        return _display(type(obj), field, value, get_language())
    except TypeError:  # a value that cannot be a key (a list of a JSON field's choices)
        return getattr(obj, f"get_{field}_display")()
