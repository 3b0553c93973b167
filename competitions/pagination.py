"""Page sizes of the list pages: the one rule for `?per_page=`.

django-tables2's RequestConfig hands `?per_page=` to the paginator as it comes: -1 makes every page
empty and the page a 500, and 1000000 puts every row on one page. Here a size that is not a whole
number from 1 up gives the page's own default size, and a larger one is cut to MAX_PER_PAGE.
Every table view takes BoundedPaginationMixin; a function view configures its table with
BoundedRequestConfig. The mixin takes the number of rows on all pages from the count the database
keeps when the table shows every row of a counted table (students.counting).
"""

from django.core.paginator import EmptyPage, PageNotAnInteger
from django_tables2 import RequestConfig, Table
from django_tables2.data import TableQuerysetData

from students.counting import count_of

MAX_PER_PAGE = 200
DEFAULT_PER_PAGE = 50


def page_size(value: str | None, default: int = DEFAULT_PER_PAGE) -> int:
    """The rows a page shows for a requested `per_page`: the default when it is missing or bad."""
    try:
        size = int(value)
    except (TypeError, ValueError):
        return default
    return min(size, MAX_PER_PAGE) if size >= 1 else default


class BoundedRequestConfig(RequestConfig):
    """RequestConfig (sorting and pagination from the query string) with the page size bounded.

    It does what RequestConfig.configure does, except that `per_page` goes through page_size():
    the parent reads the raw value after any default it is given, so it cannot be wrapped.
    """

    def configure(self, table: Table) -> Table:
        table.request = self.request
        order_by = self.request.GET.getlist(table.prefixed_order_by_field)
        if order_by:
            table.order_by = order_by
        if not self.paginate:
            return table
        options = dict(self.paginate) if hasattr(self.paginate, "items") else {}
        options.pop("silent", None)
        default = options.get("per_page") or table._meta.per_page or DEFAULT_PER_PAGE
        options["per_page"] = page_size(self.request.GET.get(table.prefixed_per_page_field), default)
        try:
            table.paginate(page=self.request.GET.get(table.prefixed_page_field, 1), **options)
        except PageNotAnInteger:
            table.page = table.paginator.page(1)
        except EmptyPage:
            table.page = table.paginator.page(table.paginator.num_pages)
        return table


class BoundedPaginationMixin:
    """For SingleTableMixin views (put it first): the table is configured by BoundedRequestConfig."""

    def known_count(self) -> int | None:
        """The number of rows on all pages when the view knows it without counting them."""
        return None

    def get_table(self, **kwargs):
        table = self.get_table_class()(data=self.get_table_data(), **kwargs)
        paginate = self.get_table_pagination(table)
        if paginate and isinstance(table.data, TableQuerysetData):  # the rows on all pages
            known = self.known_count()
            # else kept by the database where it is counted, or counted
            table.data._length = known if known is not None else count_of(table.data.data)
        return BoundedRequestConfig(self.request, paginate=paginate).configure(table)
