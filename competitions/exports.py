"""Spreadsheet exports: CSV that Excel opens in Chinese, XLSX, and nothing else.

The one module that writes an exported XLSX or CSV (the leaderboards, the student pages, the annual
summary): every workbook gets the same bold frozen header, fitted column widths, wrapped long text
with rows tall enough for it, and a page setup that prints sensibly (landscape A4, one page wide,
the header repeated on every page, page numbers).

Every exported cell that a spreadsheet could read as a formula is neutralised (OWASP CSV
injection): a text starting with = + - @ tab or carriage return gets a leading apostrophe in CSV,
and is written as a text cell with Excel's own quote prefix in XLSX. Numbers, negative ones
included, stay numbers.
"""

import csv
import io
import math
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from django.http import HttpResponse
from django.utils.http import content_disposition_header
from django_tables2.export import TableExport
from openpyxl import Workbook
from openpyxl.styles import Alignment, Font
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.properties import PageSetupProperties

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
# A plain number written as text ("-3", "-1.5") cannot start a formula; it is left alone.
PLAIN_NUMBER = re.compile(r"-?\d+(\.\d+)?")
# Characters a worksheet title may not contain, and its greatest length (Excel's limits).
BAD_TITLE_CHARACTERS = re.compile(r"[\[\]:*?/\\]")
MAX_TITLE = 31
XLSX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
# Column widths in characters (Excel's unit): a column is as wide as its longest cell, within these;
# longer text wraps inside the widest column.
MIN_WIDTH = 6
MAX_WIDTH = 60
# Points per line of text in a row (11 pt text), and Excel's greatest row height.
LINE_HEIGHT = 15
MAX_ROW_HEIGHT = 409


def is_formula_like(value) -> bool:
    return isinstance(value, str) and value.startswith(FORMULA_STARTS) and not PLAIN_NUMBER.fullmatch(value)


def escape_formula(value):
    """The value as a CSV cell may hold it: formula-like text gets a leading apostrophe."""
    return f"'{value}" if is_formula_like(value) else value


@dataclass
class Sheet:
    """One worksheet: a title, a header row and the rows below it."""

    title: str
    headers: Sequence[str]
    rows: list[Sequence] = field(default_factory=list)
    # The widest a column grows (characters) before its text wraps: wider for a sheet of paragraphs.
    max_width: int = MAX_WIDTH


def sheet_title(title: str, taken: set[str] | None = None) -> str:
    """A worksheet title Excel accepts (at most 31 characters, none of [ ] : * ? / \\), unique
    (ignoring case) among the titles `taken`, to which it is added."""
    taken = set() if taken is None else taken
    title = BAD_TITLE_CHARACTERS.sub("-", str(title)).strip("'") or "Sheet"
    title = title[:MAX_TITLE]
    candidate, number = title, 2
    while candidate.casefold() in taken:
        suffix = f" ({number})"
        candidate, number = title[: MAX_TITLE - len(suffix)] + suffix, number + 1
    taken.add(candidate.casefold())
    return candidate


def text_width(value) -> int:
    """Roughly how many Latin characters wide a value is; CJK characters count double."""
    text = "" if value is None else str(value)
    return sum(2 if ord(character) > 0x2E80 else 1 for character in text)


def write_cell(cell, value) -> None:
    if is_formula_like(value):
        # A text cell with a quote prefix: shown as typed, never evaluated, even after editing.
        cell.value = value
        cell.data_type = "s"
        cell.quotePrefix = True
    elif isinstance(value, str | int | float) or value is None:
        cell.value = value
    else:
        cell.value = str(value)


def lines_of(value, width: float) -> int:
    """How many lines a value takes wrapped in a column `width` characters wide."""
    if value is None:
        return 1
    return sum(max(1, math.ceil(text_width(line) / max(width - 1, 1))) for line in str(value).split("\n"))


def set_up_page(worksheet) -> None:
    """Print landscape on A4, one page wide (as many pages down as it takes), with the header row on
    every page and page numbers in the footer."""
    worksheet.page_setup.orientation = worksheet.ORIENTATION_LANDSCAPE
    worksheet.page_setup.paperSize = worksheet.PAPERSIZE_A4
    worksheet.sheet_properties.pageSetUpPr = PageSetupProperties(fitToPage=True)
    worksheet.page_setup.fitToWidth = 1
    worksheet.page_setup.fitToHeight = 0  # as many pages down as needed
    worksheet.print_title_rows = "1:1"
    worksheet.print_options.gridLines = True
    worksheet.page_margins.left = worksheet.page_margins.right = 0.5
    worksheet.oddFooter.center.text = "&P / &N"
    worksheet.oddHeader.center.text = "&A"


def workbook_bytes(sheets: Iterable[Sheet]) -> bytes:
    """An XLSX workbook with one worksheet per sheet: a bold frozen header, fitting widths, long
    text wrapped in rows tall enough for it, and set up to print (set_up_page)."""
    workbook = Workbook()
    workbook.remove(workbook.active)
    taken: set[str] = set()
    bold = Font(bold=True)
    wrapped = Alignment(wrap_text=True, vertical="top")
    for sheet in sheets:
        worksheet = workbook.create_sheet(sheet_title(sheet.title, taken))
        rows = [list(sheet.headers), *sheet.rows]
        columns = max((len(row) for row in rows), default=0)
        widths = [MIN_WIDTH] * columns
        for row in rows:
            for column, value in enumerate(row):
                longest = max((text_width(line) for line in str(value or "").split("\n")), default=0)
                widths[column] = min(max(widths[column], longest + 2), sheet.max_width)
        for row_number, row in enumerate(rows, start=1):
            lines = 1
            for column, value in enumerate(row, start=1):
                cell = worksheet.cell(row=row_number, column=column)
                write_cell(cell, str(value) if row_number == 1 else value)
                if row_number == 1:
                    cell.font = bold
                if isinstance(value, str) and lines_of(value, widths[column - 1]) > 1:
                    cell.alignment = wrapped
                    lines = max(lines, lines_of(value, widths[column - 1]))
            if lines > 1:
                worksheet.row_dimensions[row_number].height = min(lines * LINE_HEIGHT, MAX_ROW_HEIGHT)
        for column, width in enumerate(widths, start=1):
            worksheet.column_dimensions[get_column_letter(column)].width = width
        worksheet.freeze_panes = "A2"
        set_up_page(worksheet)
    if not workbook.worksheets:
        workbook.create_sheet("Sheet")
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def csv_bytes(headers: Sequence[str], rows: Iterable[Sequence]) -> bytes:
    """UTF-8 CSV with a byte order mark, so that Excel on Chinese Windows reads it as UTF-8."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow([escape_formula(str(header)) for header in headers])
    for row in rows:
        writer.writerow(["" if value is None else escape_formula(value) for value in row])
    return buffer.getvalue().encode("utf-8-sig")


class SpreadsheetExport(TableExport):
    """The django-tables2 export limited to CSV (with a BOM) and XLSX, formulas neutralised.

    TableExport.is_valid_format accepts every format tablib knows (yaml, latex ...), whatever a
    view's export_formats says; here only the two below are valid.
    """

    FORMATS = {
        TableExport.CSV: "text/csv; charset=utf-8",
        TableExport.XLSX: XLSX_CONTENT_TYPE,
    }

    @classmethod
    def is_valid_format(cls, export_format) -> bool:
        return export_format in cls.FORMATS

    def export(self) -> bytes:
        headers = list(self.dataset.headers or [])
        rows = [list(row) for row in self.dataset]
        if self.format == self.CSV:
            return csv_bytes(headers, rows)
        title = self.dataset.title or "Export"
        return workbook_bytes([Sheet(str(title), headers, rows)])

    def response(self, filename=None) -> HttpResponse:
        """The export as a download; a non-ASCII file name (a student's name) as RFC 6266 says."""
        response = HttpResponse(self.export(), content_type=self.content_type())
        if filename is not None:
            response["Content-Disposition"] = content_disposition_header(True, filename)
        return response


def export_filename(*parts: str, export_format: str) -> str:
    """A file name from readable parts (Chinese kept), with anything odd replaced by `_`."""
    stem = "-".join(re.sub(r"[^\w]+", "_", part).strip("_") for part in parts if part)
    return f"{stem or 'export'}.{export_format}"


def xlsx_response(data: bytes, filename: str) -> HttpResponse:
    response = HttpResponse(data, content_type=XLSX_CONTENT_TYPE)
    response["Content-Disposition"] = content_disposition_header(True, filename)
    return response
