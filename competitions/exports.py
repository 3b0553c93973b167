"""Spreadsheet exports: CSV that Excel opens in Chinese, XLSX, and nothing else.

Every exported cell that a spreadsheet could read as a formula is neutralised (OWASP CSV
injection): a text starting with = + - @ tab or carriage return gets a leading apostrophe in CSV,
and is written as a text cell with Excel's own quote prefix in XLSX. Numbers, negative ones
included, stay numbers.
"""

import csv
import io
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from django.http import HttpResponse
from django_tables2.export import TableExport
from openpyxl import Workbook
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
# A plain number written as text ("-3", "-1.5") cannot start a formula; it is left alone.
PLAIN_NUMBER = re.compile(r"-?\d+(\.\d+)?")
# Characters a worksheet title may not contain, and its greatest length (Excel's limits).
BAD_TITLE_CHARACTERS = re.compile(r"[\[\]:*?/\\]")
MAX_TITLE = 31
XLSX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


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


def sheet_title(title: str, taken: set[str]) -> str:
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


def workbook_bytes(sheets: Iterable[Sheet]) -> bytes:
    """An XLSX workbook with one worksheet per sheet, bold frozen headers and fitting widths."""
    workbook = Workbook()
    workbook.remove(workbook.active)
    taken: set[str] = set()
    bold = Font(bold=True)
    for sheet in sheets:
        worksheet = workbook.create_sheet(sheet_title(sheet.title, taken))
        widths = [text_width(header) for header in sheet.headers]
        for column, header in enumerate(sheet.headers, start=1):
            cell = worksheet.cell(row=1, column=column)
            write_cell(cell, str(header))
            cell.font = bold
        for row_number, row in enumerate(sheet.rows, start=2):
            for column, value in enumerate(row, start=1):
                write_cell(worksheet.cell(row=row_number, column=column), value)
                if column <= len(widths):
                    widths[column - 1] = max(widths[column - 1], text_width(value))
        for column, width in enumerate(widths, start=1):
            worksheet.column_dimensions[get_column_letter(column)].width = min(max(width + 2, 6), 60)
        worksheet.freeze_panes = "A2"
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


def xlsx_response(data: bytes, filename: str) -> HttpResponse:
    response = HttpResponse(data, content_type=XLSX_CONTENT_TYPE)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response
