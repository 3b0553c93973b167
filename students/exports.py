"""Table exports that Excel on a Chinese Windows opens safely: CSV or XLSX only.

django-tables2's TableExport accepts any tablib format whatever a view allows (`?_export=yaml`
would fail without PyYAML), writes CSV without a byte-order mark (Excel then reads UTF-8 as GBK and
garbles Chinese), leaves formulas in text cells (`=HYPERLINK(...)` in a name runs when opened), and
puts a non-ASCII file name into a header as it is. This subclass fixes all four.
"""

import re

from django.http import HttpResponse
from django.utils.http import content_disposition_header
from django_tables2.export import TableExport

# A cell starting with one of these is read as a formula by spreadsheet programs (OWASP CSV Injection).
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
# ... except a plain number such as -3 or +1.5, which stays a number.
PLAIN_NUMBER = re.compile(r"[+-]?\d+(\.\d+)?")


def escape_formula(value):
    """Prefix a text cell that a spreadsheet would run as a formula with a quote."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS) and not PLAIN_NUMBER.fullmatch(value):
        return "'" + value
    return value


class SafeTableExport(TableExport):
    FORMATS = {
        TableExport.CSV: "text/csv; charset=utf-8",
        TableExport.XLSX: TableExport.FORMATS[TableExport.XLSX],
    }

    @classmethod
    def is_valid_format(cls, export_format) -> bool:
        # The parent checks TableExport.FORMATS, not the subclass's.
        return export_format in cls.FORMATS

    def table_to_dataset(self, table, exclude_columns, dataset_kwargs=None):
        dataset = super().table_to_dataset(table, exclude_columns, dataset_kwargs)
        rows = [[escape_formula(value) for value in row] for row in dataset]
        headers = [escape_formula(header) for header in dataset.headers or []]
        dataset.wipe()
        dataset.headers = headers
        for row in rows:
            dataset.append(row)
        return dataset

    def export(self):
        if self.format == self.CSV:
            # The byte-order mark tells Excel the file is UTF-8.
            return "\ufeff" + self.dataset.export("csv")
        return self.dataset.export(self.format)

    def response(self, filename=None):
        response = HttpResponse(content_type=self.content_type())
        if filename is not None:
            response["Content-Disposition"] = content_disposition_header(True, filename)
        response.write(self.export())
        return response


def export_filename(*parts: str, export_format: str) -> str:
    """A file name from readable parts (Chinese kept), with anything odd replaced by `_`."""
    stem = "-".join(re.sub(r"[^\w]+", "_", part).strip("_") for part in parts if part)
    return f"{stem or 'export'}.{export_format}"


def sheet_title(text: str) -> str:
    """A worksheet name Excel accepts: at most 31 characters, none of [ ] : * ? / \\."""
    return re.sub(r"[\[\]:*?/\\]", "_", text)[:31] or "Sheet"
