"""The body, head and page links of every django-tables2 table, written in Python: the same
markup as the library's template (`<tr>` attributes, each column's `td` and `th` attributes, values
localized and escaped, the sort and page links' query strings), without a template loop and an
attribute computation per cell. Rendering the rows was two thirds of a list page's time, and the
head and page links with their query strings a tenth (benchmarks/profile_page.py, issue 13).

    {% load fast_tables %}<tbody>{% table_rows table %}</tbody>   (templates/tables/table.html)
    {% table_head table %}  {% table_pagination table %}
"""

import html
import types

import django_tables2 as tables
import django_tables2.utils
from django import template
from django.conf import settings
from django.core.exceptions import FieldDoesNotExist
from django.db.models import Model
from django.template.base import render_value_in_context
from django.utils.formats import localize
from django.utils.html import conditional_escape, format_html
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext
from django_tables2.columns.base import LinkTransform
from django_tables2.templatetags import django_tables2 as django_tables2_tags
from django_tables2.utils import AttributeDict

from competitions import labels
from competitions.templatetags.page_links import QueryStrings

register = template.Library()


def esc(value) -> str:
    """conditional_escape() without its lazy-string machinery (a third of the cost of a cell):
    the same text, for a value that is not a lazy translation."""
    if hasattr(value, "__html__"):
        return value.__html__()
    return html.escape(str(value))


class CellAttrs:
    """A column's `td` attributes for each row, as BoundColumn.attrs["td"] computes them: written
    once when they are the same for every row (no callable in them); else their fixed part and class
    worked out once, and only the callables called for each cell (the library works out the `th`,
    `td` and `tf` attributes and their classes again for every cell: a third of a row's time)."""

    def __init__(self, column):
        attrs = {**column._table.attrs, **column.column.attrs}
        self.source = attrs.get("td", attrs.get("cell", {}))
        self.column = column
        self.fixed = (
            None if any(callable(value) for value in self.source.values()) else column.attrs["td"].as_html()
        )
        # The library's way for what this does not do: a class given by a callable, nested values.
        self.library = self.fixed is None and (
            callable(self.source.get("class")) or any(isinstance(v, dict) for v in self.source.values())
        )
        if self.fixed is None and not self.library:
            self.css = column.get_td_class({k: v for k, v in self.source.items() if not callable(v)})

    def html(self, record, value) -> str:
        if self.fixed is not None:
            return self.fixed
        column = self.column
        if self.library:  # as BoundRow.items() lets them be computed
            column.current_value, column.current_record = value, record
            return column.attrs["td"].as_html()
        given = {"table": column._table, "bound_column": column}
        if record is not None and value is not None:
            given.update(record=record, value=value)
        computed = AttributeDict(
            {
                key: django_tables2.utils.call_with_appropriate(attr, given) if callable(attr) else attr
                for key, attr in self.source.items()
            }
        )
        computed["class"] = self.css
        return attrs_html(computed)


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
    |unlocalize where the column says. A plain string is escaped, and an int written as localize()
    writes it when numbers are not grouped (USE_THOUSAND_SEPARATOR), without Django's wrappers for
    lazy values and its format look-ups (a fifth of a list's rows)."""
    kind = type(value)
    if kind is str:
        return html.escape(value)
    if kind is int and not settings.USE_THOUSAND_SEPARATOR:
        return str(value)
    if column.localize is None:
        return render_value_in_context(value, context)
    return conditional_escape(localize(value, use_l10n=bool(column.localize)))


def attrs_html(attrs: AttributeDict) -> str:
    """AttributeDict.as_html() (`key="value"` escaped, a None value left out) without format_html's
    wrappers for lazy values."""
    return " ".join(f'{esc(key)}="{esc(value)}"' for key, value in attrs._iteritems())


@register.simple_tag(takes_context=True)
def table_rows(context, table) -> SafeString:
    columns = list(table.columns)
    td = {column.name: CellAttrs(column) for column in columns}
    plain = None  # column name → field name, worked out on the first row
    rows = []
    for row in table.paginated_rows:
        if plain is None:
            plain = {column.name: plain_field(column, row.record) for column in columns}
        cells = []
        for column in columns:
            field = plain[column.name]
            value = row.get_cell(column.name) if field is None else plain_cell(column, row, field)
            cells.append(
                f"<td {td[column.name].html(row.record, value)}>{cell_text(column, value, context)}</td>"
            )
        rows.append(f"<tr {attrs_html(row.attrs)}>{''.join(cells)}</tr>")
    if not rows and table.empty_text:
        rows.append(format_html('<tr><td colspan="{}">{}</td></tr>', len(columns), table.empty_text))
    return mark_safe("\n".join(rows))


def element_attrs(attrs) -> str:
    """`{{ table.attrs.thead.as_html }}` as the template writes it: nothing unless an AttributeDict."""
    as_html = getattr(attrs, "as_html", None)
    return as_html() if as_html is not None else ""


@register.simple_tag(takes_context=True)
def table_head(context, table) -> SafeString:
    """The library template's `<thead>`: each column's `th` attributes (its sort classes), and a
    sort link around an orderable column's header."""
    if not table.show_header:
        return mark_safe("")
    links = QueryStrings(context["request"].GET)
    cells = []
    for column in table.columns:
        header = render_value_in_context(column.header, context)
        if column.orderable:
            href = links.replace(table.prefixed_order_by_field, column.order_by_alias.next)
            header = f'<a href="{href}">{header}</a>'
        cells.append(f'<th {column.attrs["th"].as_html()} scope="col">{header}</th>')
    return mark_safe(
        f"<thead {element_attrs(table.attrs.get('thead'))}>\n<tr>{''.join(cells)}</tr>\n</thead>"
    )


@register.simple_tag(takes_context=True)
def table_pagination(context, table) -> SafeString:
    """The library template's page links (none for one page): previous, the page range, next."""
    page = getattr(table, "page", None)
    if not page or table.paginator.num_pages <= 1:
        return mark_safe("")
    links = QueryStrings(context["request"].GET)
    field = table.prefixed_page_field
    items = []
    if page.has_previous():
        href = links.replace(field, page.previous_page_number())
        items.append(
            f'<li class="previous page-item"><a href="{href}" class="page-link">'
            f'<span aria-hidden="true">&laquo;</span> {esc(gettext("previous"))}</a></li>'
        )
    if page.has_previous() or page.has_next():
        for number in django_tables2_tags.table_page_range(page, table.paginator):
            active = " active" if page.number == number else ""
            href = "" if number == "..." else f' href="{links.replace(field, number)}"'
            shown = render_value_in_context(number, context)
            items.append(f'<li class="page-item{active}"><a class="page-link"{href}>{shown}</a></li>')
    if page.has_next():
        href = links.replace(field, page.next_page_number())
        items.append(
            f'<li class="next page-item"><a href="{href}" class="page-link">'
            f'{esc(gettext("next"))} <span aria-hidden="true">&raquo;</span></a></li>'
        )
    return mark_safe(
        '<nav aria-label="Table navigation"><ul class="pagination justify-content-center">'
        f"{''.join(items)}</ul></nav>"
    )


# django-tables2 works out the signature of a column's render method or attribute function for every
# cell (utils.call_with_appropriate), with inspect.signature; it does not change, so it is worked
# out once per method and class, or per function's code (installed by CompetitionsConfig.ready).
library_signature = django_tables2.utils.signature
method_signatures: dict = {}


def cached_signature(fn):
    function = getattr(fn, "__func__", None)
    if function is None:
        if type(fn) is not types.FunctionType or hasattr(fn, "__wrapped__") or hasattr(fn, "__signature__"):
            return library_signature(fn)  # a callable object, or one that says its own signature
        # Its parameters' names come from its code (a function made afresh for each table has the
        # same code: kept once).
        key = (fn.__code__, None)
    else:
        key = (function, type(fn.__self__))
    found = method_signatures.get(key)
    if found is None:
        found = method_signatures[key] = library_signature(fn)
    return found


def install() -> None:
    django_tables2.utils.signature = cached_signature
