"""The body of every django-tables2 table, written in Python: the same markup as the library's
template (`<tr>` attributes, each column's `td` attributes, values localized and escaped), without
a template loop and an attribute computation per cell. Rendering the rows was two thirds of a list
page's time (benchmarks/profile_page.py, issue 13).

    {% load fast_tables %}<tbody>{% table_rows table %}</tbody>   (templates/tables/table.html)
"""

import html

import django_tables2 as tables
import django_tables2.utils
from django import template
from django.core.exceptions import FieldDoesNotExist
from django.db.models import Model
from django.template.base import render_value_in_context
from django.utils.formats import localize
from django.utils.html import conditional_escape, format_html
from django.utils.safestring import SafeString, mark_safe
from django_tables2.columns.base import LinkTransform

from competitions import labels

register = template.Library()


def esc(value) -> str:
    """conditional_escape() without its lazy-string machinery (a third of the cost of a cell):
    the same text, for a value that is not a lazy translation."""
    if hasattr(value, "__html__"):
        return value.__html__()
    return html.escape(str(value))


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
    read it, and link it (a plain Column: no render method, no link with `a` attributes of its own,
    an accessor that is one field name): None otherwise, and the library works the cell out."""
    if type(column.column) is not tables.Column:
        return None
    if column.link and (type(column.link) is not LinkTransform or column.link.attrs):
        return None
    if getattr(column.render, "__func__", None) is not tables.Column.render:
        return None  # a render_<name> method of the table
    accessor = str(column.accessor)
    if not isinstance(record, Model) or "." in accessor or "__" in accessor:
        return None
    if not hasattr(record, accessor) or callable(getattr(record, accessor)):
        return None  # a method (the library calls it), or nothing to read

    return accessor


def plain_cell(column, row, accessor: str):
    """BoundRow.get_cell for a plain_field column: the field's display value when it has choices,
    the column's default for an empty value, and the link around a value where the column has one
    (its URL worked out by the library's LinkTransform; the `<a>` written as it writes it)."""
    record = row.record
    try:
        field = record._meta.get_field(accessor)
    except FieldDoesNotExist:
        field = None
    if field is not None and getattr(field, "choices", None):
        value = labels.display(record, accessor)
    else:
        value = getattr(record, accessor, None)
    if value in column.column.empty_values:
        return column.default
    if not column.link:
        return value
    url = column.link.compose_url(
        value=value, record=record, column=column.column, bound_column=column, bound_row=row, table=row._table
    )
    if url is None:
        return value
    return mark_safe(f'<a href="{esc(url)}">{esc(value)}</a>')


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
            value = row.get_cell(column.name) if field is None else plain_cell(column, row, field)
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
