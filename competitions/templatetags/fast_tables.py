"""The body of every django-tables2 table, written in Python: the same markup as the library's
template (`<tr>` attributes, each column's `td` attributes, values localized and escaped), without
a template loop and an attribute computation per cell. Rendering the rows was two thirds of a list
page's time (benchmarks/profile_page.py, issue 13).

    {% load fast_tables %}<tbody>{% table_rows table %}</tbody>   (templates/tables/table.html)
"""

import html
from functools import lru_cache

import django_tables2 as tables
import django_tables2.utils
from django import template
from django.core.exceptions import FieldDoesNotExist
from django.db.models import Model
from django.template.base import render_value_in_context
from django.urls import get_script_prefix, get_urlconf, reverse
from django.utils.formats import localize
from django.utils.html import conditional_escape, format_html
from django.utils.safestring import SafeString, mark_safe

register = template.Library()


def esc(value) -> str:
    """conditional_escape() without its lazy-string machinery (a third of the cost of a cell):
    the same text, for a value that is not a lazy translation."""
    if hasattr(value, "__html__"):
        return value.__html__()
    return html.escape(str(value))


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
    before, after = _around_pk(name, get_script_prefix(), get_urlconf())
    return f"{before}{int(pk)}{after}"


def static_td_attrs(column) -> str | None:
    """A column's `td` attributes as HTML when they are the same for every row (no callable in
    them); None when they depend on the row."""
    attrs = {**column._table.attrs, **column.column.attrs}
    source = attrs.get("td", attrs.get("cell", {}))
    if any(callable(value) for value in source.values()):
        return None
    return column.attrs["td"].as_html()


def plain_field(column, record) -> str | None:
    """The field a column reads straight off a model row, when django-tables2 would do no more than
    read it (a plain Column: no render method, no link, an accessor that is one field name):
    None otherwise, and the library works the cell out."""
    if type(column.column) is not tables.Column or column.link:
        return None
    if getattr(column.render, "__func__", None) is not tables.Column.render:
        return None  # a render_<name> method of the table
    accessor = str(column.accessor)
    if not isinstance(record, Model) or "." in accessor or "__" in accessor:
        return None
    if not hasattr(record, accessor) or callable(getattr(record, accessor)):
        return None  # a method (the library calls it), or nothing to read

    return accessor


def plain_value(column, record, accessor: str):
    """BoundRow.get_cell for a plain_field column: the field's display value when it has choices,
    the column's default for an empty value."""
    try:
        field = record._meta.get_field(accessor)
    except FieldDoesNotExist:
        field = None
    if field is not None and getattr(field, "choices", None):
        value = getattr(record, f"get_{accessor}_display")()
    else:
        value = getattr(record, accessor, None)
    return column.default if value in column.column.empty_values else value


def cell_text(column, value, context) -> str:
    """A cell's value as the library's template writes it: `{{ cell }}`, or with |localize or
    |unlocalize where the column says."""
    if column.localize is None:
        return render_value_in_context(value, context)
    return conditional_escape(localize(value, use_l10n=bool(column.localize)))


@register.simple_tag(takes_context=True)
def table_rows(context, table) -> SafeString:
    columns = list(table.columns)
    td = {column.name: static_td_attrs(column) for column in columns}
    plain = None  # column name → field name, worked out on the first row
    rows = []
    for row in table.paginated_rows:
        if plain is None:
            plain = {column.name: plain_field(column, row.record) for column in columns}
        cells = []
        for column in columns:
            field = plain[column.name]
            value = row.get_cell(column.name) if field is None else plain_value(column, row.record, field)
            attrs = td[column.name]
            if attrs is None:  # computed from this row, as BoundRow.items() lets them be
                column.current_value, column.current_record = value, row.record
                attrs = column.attrs["td"].as_html()
            cells.append(f"<td {attrs}>{cell_text(column, value, context)}</td>")
        rows.append(f"<tr {row.attrs.as_html()}>{''.join(cells)}</tr>")
    if not rows and table.empty_text:
        rows.append(format_html('<tr><td colspan="{}">{}</td></tr>', len(columns), table.empty_text))
    return mark_safe("\n".join(rows))


# django-tables2 works out the signature of a column's render method for every cell
# (utils.call_with_appropriate), with inspect.signature; a method's signature does not change, so
# it is worked out once per method and class (installed by CompetitionsConfig.ready).
library_signature = django_tables2.utils.signature
method_signatures: dict = {}


def cached_signature(fn):
    function = getattr(fn, "__func__", None)
    if function is None:  # a plain function or a callable object: as the library does
        return library_signature(fn)
    key = (function, type(fn.__self__))
    found = method_signatures.get(key)
    if found is None:
        found = method_signatures[key] = library_signature(fn)
    return found


def install() -> None:
    django_tables2.utils.signature = cached_signature
