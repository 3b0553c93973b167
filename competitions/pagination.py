"""Page sizes of the list pages: the one rule for `?per_page=`.

django-tables2's RequestConfig hands `?per_page=` to the paginator as it comes: -1 makes every page
empty and the page a 500, and 1000000 puts every row on one page. Here a size that is not a whole
number from 1 up gives the page's own default size, and a larger one is cut to MAX_PER_PAGE.
Every table view takes BoundedPaginationMixin; a function view configures its table with
BoundedRequestConfig. Their tables' pages are counted by CountingPaginator: from what the view
knows, else from the count the database keeps when the table shows every row of a counted table
(students.counting), with the page's own rows for rows that read their number with them
(tallies.TallyRows: one query), else, on a first page that holds every row (a search, a short filtered list),
from that page's own rows, with no COUNT query.
"""

from django.core.paginator import EmptyPage, PageNotAnInteger, Paginator
from django.utils.functional import cached_property
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


class CountingPaginator(Paginator):
    """A table's pages, counted as cheaply as they can be (for a table of a queryset): the first page
    is read with one row more than it shows, and when that row is not there, the rows read are all
    of them; otherwise the rows are counted by students.counting.count_of (the kept count of a
    whole counted table, else COUNT), unless the view gave the table their number already."""

    def queryset_data(self) -> TableQuerysetData | None:
        data = getattr(self.object_list, "data", None)
        return data if isinstance(data, TableQuerysetData) else None

    @cached_property
    def count(self) -> int:
        data = self.queryset_data()
        if data is None:
            return super().count
        if getattr(data, "_length", None) is None:
            data._length = count_of(data.data)
        return data._length

    def page(self, number):
        self.read_counted(number)
        data = self.queryset_data()
        pinned = any(getattr(self.object_list, "pinned_data", {}).values())
        already_counted = data is None or getattr(data, "_length", None) is not None
        # Orphans or pinned rows make a page count that is not the rows' alone.
        if str(number) != "1" or already_counted or self.orphans or pinned:
            return super().page(number)
        rows = list(self.object_list[: self.per_page + 1])
        if len(rows) <= self.per_page:
            data._length = self.count = len(rows)
        return self._get_page(rows[: self.per_page], 1, self)

    def read_counted(self, number) -> None:
        """For rows that read a slice with their number (`counted_slice`: tallies.TallyRows), the
        page asked for read with the count in one query, kept by the rows for Paginator's count
        and slice; nothing for other rows, orphans, or a page number that is not a whole number
        from 1 (Paginator refuses it)."""
        # A table's BoundRows, their TableData (PagedRows), and the rows it holds.
        rows = getattr(getattr(self.object_list, "data", None), "data", None)
        if not hasattr(rows, "counted_slice") or self.orphans:
            return
        try:
            number = int(number)
        except (TypeError, ValueError):
            return
        if number >= 1:
            bottom = (number - 1) * self.per_page
            rows.counted_slice(bottom, bottom + self.per_page)


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
        options.setdefault("paginator_class", CountingPaginator)
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

    paginator_class = CountingPaginator  # SingleTableMixin's

    def known_count(self) -> int | None:
        """The number of rows on all pages when the view knows it without counting them."""
        return None

    def get_table(self, **kwargs):
        table = self.get_table_class()(data=self.get_table_data(), **kwargs)
        paginate = self.get_table_pagination(table)
        if paginate and isinstance(table.data, TableQuerysetData):  # the rows on all pages, if known
            table.data._length = self.known_count()  # else counted by CountingPaginator
        return BoundedRequestConfig(self.request, paginate=paginate).configure(table)
