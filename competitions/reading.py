"""Reading a result sheet file (CSV or XLSX) into rows of text, the header first.

The only module that opens a sheet file: the importer, the browser upload and the command line read
through `iter_rows` (a stream, one row at a time) or `read_sheet` (all rows). Anything that cannot be
read as a sheet (encoding, format, damage, limits) raises SheetError with a message for the office,
naming the row and column (or the line and byte) where it can; no other exception leaves iter_rows.

A cell is read as the spreadsheet shows it: a date or time as typed ("2025-05-20", "03:25"), a
number without a needless ".0". Cells an XLSX stored as numbers or dates come out as NumberCell and
DateCell (text all the same), so that the importer can flag a student number that lost its leading
zeros and a score that became a date: what a spreadsheet turned into a date cannot be turned back.

Files are hostile until read: the limits below are enforced while reading, whatever the file
declares. An XLSX worksheet is read as a stream of XML (openpyxl's read-only mode would trust the
sheet's declared dimension and pad every row to it: a 5 KB file declaring A1:XFD1048576 grows to
gigabytes), so memory stays bounded by the rows actually present.
"""

import csv
import datetime
import io
import re
import warnings
import zipfile
from collections.abc import Iterable, Iterator
from pathlib import Path
from xml.etree.ElementTree import ParseError

from django.utils.translation import gettext as _

MAX_XLSX_UNPACKED_BYTES = 200 * 1024 * 1024
MAX_ROWS = 500_000  # data rows, the header not counted
MAX_COLUMNS = 64
MAX_CELL_CHARS = 32_767  # Excel's own limit for a cell

# Control characters a cell must not hold: C0 except tab, line feed and carriage return (line breaks
# inside a cell), DEL and C1 (in a sheet they mean a damaged file or text decoded wrongly).
CONTROL_CHARACTERS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")
OLE2_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # old .xls (and password-protected .xlsx)
ODS_MIMETYPE = b"application/vnd.oasis.opendocument.spreadsheet"
# How much of a file that is not valid UTF-8 is looked at to tell damaged UTF-8 from GB18030.
ENCODING_SAMPLE_BYTES = 1024 * 1024
# XML elements nest at most this deep in a worksheet (worksheet/sheetData/row/c/is/r/t and a margin).
MAX_XML_DEPTH = 12


class SheetError(Exception):
    """The file cannot be read as a result sheet at all (encoding, format, header, limits)."""


def column_letter(column: int) -> str:
    from openpyxl.utils import get_column_letter

    return get_column_letter(column) if 1 <= column <= 18278 else str(column)


def check_row(number: int, cells: list[str]) -> list[str]:
    """The row's cells, refused if one breaks a limit; empty cells past the last column are dropped."""
    if len(cells) > MAX_COLUMNS:
        beyond = [index for index, cell in enumerate(cells[MAX_COLUMNS:], MAX_COLUMNS + 1) if cell.strip()]
        if beyond:
            raise beyond_last_column(number, beyond[0])
        cells = cells[:MAX_COLUMNS]
    for index, cell in enumerate(cells, 1):
        if len(cell) > MAX_CELL_CHARS:
            raise SheetError(
                _("Row %(row)d, column %(column)s: the cell has more than %(limit)d characters.")
                % {"row": number, "column": column_letter(index), "limit": MAX_CELL_CHARS}
            )
        control = CONTROL_CHARACTERS.search(cell)
        if control:
            raise SheetError(
                _(
                    "Row %(row)d, column %(column)s: the cell holds the control character %(code)s; "
                    "remove it and save the sheet again."
                )
                % {"row": number, "column": column_letter(index), "code": f"U+{ord(control.group()):04X}"}
            )
    return cells


def limited(rows: Iterable[tuple[int, list[str]]]) -> Iterator[list[str]]:
    """Rows (number, cells) in file order → the rows of the sheet, row n at position n.

    Rows missing from the file and blank rows come out as [] (so row numbers stay those of the
    file), but only once a row with values follows: trailing blank rows, however many, cost nothing.
    """
    written = 0
    for number, cells in rows:
        if not any(cell.strip() for cell in cells):
            continue
        if number > MAX_ROWS + 1:
            raise SheetError(
                _(
                    "Row %(row)d: the sheet has more than %(limit)d rows of data; split it into several sheets."
                )
                % {"row": number, "limit": MAX_ROWS}
            )
        cells = check_row(number, cells)
        for _blank in range(written + 1, number):
            yield []
        written = number
        yield cells


# ---------------------------------------------------------------------------------------------
# CSV


def decode_csv(data: bytes) -> str:
    """The text of a CSV file: UTF-8 (with or without BOM), UTF-16 with BOM, or GB18030.

    A file that is mostly valid UTF-8 is damaged UTF-8 (refused naming the first bad byte), not
    GB18030: re-reading it as GB18030 would turn every Chinese character into two wrong ones.
    """
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        try:
            return data.decode("utf-16")
        except UnicodeDecodeError as error:
            raise SheetError(
                _("The file is damaged UTF-16 text: the bytes at offset %(offset)d cannot be read.")
                % {"offset": error.start}
            ) from None
    if data.startswith(b"\xef\xbb\xbf"):
        data = memoryview(data)[3:]
        bom = True
    else:
        bom = False
    try:
        return str(data, "utf-8")
    except UnicodeDecodeError as error:
        damaged = error
    if bom or looks_like_utf8(bytes(data[:ENCODING_SAMPLE_BYTES])):
        raise damaged_utf8(data, damaged)
    try:
        return str(data, "gb18030")
    except UnicodeDecodeError:
        raise SheetError(
            _(
                "The file is neither UTF-8, UTF-16 nor GB18030 text, nor an XLSX workbook; save it as .xlsx "
                "or as CSV UTF-8 (in Excel, WPS or LibreOffice: File → Save As) and import that file."
            )
        ) from None


def looks_like_utf8(sample: bytes) -> bool:
    """Whether most non-ASCII bytes of the sample form valid UTF-8 sequences.

    Chinese text in GB18030 is almost never valid UTF-8 beyond its ASCII: nearly every non-ASCII
    byte of it is an error. Valid UTF-8 with a few stray bytes has few errors among many good ones.
    """
    text = sample.decode("utf-8", errors="surrogateescape")
    invalid = sum(1 for _match in re.finditer("[\udc80-\udcff]", text))
    non_ascii = len(sample) - len(sample.translate(None, bytes(range(128))))
    return invalid * 2 < non_ascii


def damaged_utf8(data, error: UnicodeDecodeError) -> SheetError:
    line = bytes(data[: error.start]).count(b"\n") + 1
    return SheetError(
        _(
            "The file is damaged UTF-8 text: line %(line)d: byte 0x%(byte)s is not valid UTF-8. "
            "Save the sheet again as CSV UTF-8 or as an XLSX workbook."
        )
        % {"line": line, "byte": f"{data[error.start]:02X}"}
    )


def text_lines(text: str) -> Iterator[str]:
    """The lines of the text with their endings (\\r\\n, \\r or \\n), without copying the text whole."""
    for match in re.finditer(r"[^\r\n]*(?:\r\n?|\n)|[^\r\n]+$", text):
        yield match.group()


def csv_rows(data: bytes) -> Iterator[tuple[int, list[str]]]:
    text = decode_csv(data)
    first_line = next(text_lines(text), "")
    # Excel's "Unicode text" is tab-separated; a header is never without a comma otherwise.
    delimiter = "\t" if "\t" in first_line and "," not in first_line else ","
    reader = csv.reader(text_lines(text), delimiter=delimiter)
    number = 0
    while True:
        try:
            cells = next(reader)
        except StopIteration:
            return
        except csv.Error as error:
            if "field larger than field limit" in str(error):
                raise SheetError(
                    _("Line %(line)d: a cell has more than %(limit)d characters.")
                    % {"line": reader.line_num, "limit": MAX_CELL_CHARS}
                ) from None
            raise SheetError(
                _("Line %(line)d: the CSV file is malformed: %(error)s")
                % {"line": reader.line_num, "error": error}
            ) from None
        number += 1
        yield number, cells


# ---------------------------------------------------------------------------------------------
# XLSX


class NumberCell(str):
    """The text of a cell the spreadsheet stored as a number (a student number typed 0210001 into
    a cell not formatted as text arrives as 210001: its leading zeros are gone)."""

    __slots__ = ()


class DateCell(str):
    """The text of a cell the spreadsheet stored as a date or a time ("2025-05-20", "03:25"): typed
    as such, or turned into one (a score typed 1/2 becomes the 2nd of January)."""

    __slots__ = ()


# A number format of zeros only ("0000000"): the office keeps leading zeros by showing them.
ZERO_PADDED = re.compile(r"0+")


def clock_text(hours: int, minutes: int, seconds: int) -> str:
    """03:25, or 03:25:10 when there are seconds: how a time is typed."""
    return f"{hours:02d}:{minutes:02d}" + (f":{seconds:02d}" if seconds else "")


def date_text(value) -> str:
    """A date or time cell's value as the office typed it: 2025-05-20, 03:25, 03:25:10,
    2025-05-20 03:25 (ISO order, seconds only when there are some), a duration as hours:minutes."""
    if isinstance(value, datetime.timedelta):
        seconds = round(value.total_seconds())
        sign, seconds = ("-", -seconds) if seconds < 0 else ("", seconds)
        return sign + clock_text(seconds // 3600, seconds % 3600 // 60, seconds % 60)
    if isinstance(value, datetime.time):
        seconds = round(value.hour * 3600 + value.minute * 60 + value.second + value.microsecond / 1e6)
        return clock_text(seconds // 3600 % 24, seconds % 3600 // 60, seconds % 60)
    if isinstance(value, datetime.datetime):
        value = (value + datetime.timedelta(microseconds=500_000)).replace(microsecond=0)
        day = value.date().isoformat()
        if value.time() == datetime.time():
            return day
        return f"{day} {clock_text(value.hour, value.minute, value.second)}"
    return value.isoformat()


def cell_text(value, number_format: str = "") -> str:
    """A cell's value as text: dates and times as typed (a DateCell), numbers without a needless
    ".0" (a NumberCell; zero-padded when the cell's format shows leading zeros), text as it is."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, datetime.date | datetime.time | datetime.timedelta):
        return DateCell(date_text(value))
    if isinstance(value, int | float):
        text = str(int(value)) if isinstance(value, int) or value.is_integer() else str(value)
        if ZERO_PADDED.fullmatch(number_format) and text.isdigit():
            return text.zfill(len(number_format))  # shown with its leading zeros: read as shown
        return NumberCell(text)
    return str(value)


def check_archive(data: bytes) -> None:
    """Refuse what is not an XLSX workbook, or unpacks to too much, before openpyxl opens it."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            infos = archive.infolist()
            if sum(info.file_size for info in infos) > MAX_XLSX_UNPACKED_BYTES:
                raise SheetError(_("The workbook unpacks to more than 200 MB; it is refused."))
            names = {info.filename for info in infos}
            if "mimetype" in names and archive.read("mimetype")[:100].strip() == ODS_MIMETYPE:
                raise SheetError(
                    _(
                        "This is an OpenDocument spreadsheet (.ods), which is not read; save it as .xlsx or as "
                        "CSV UTF-8 (in LibreOffice, WPS or Excel: File → Save As) and import that file."
                    )
                )
    except (zipfile.BadZipFile, zipfile.LargeZipFile, EOFError, ValueError, KeyError, NotImplementedError):
        raise SheetError(_("The file is not a valid XLSX workbook.")) from None
    if "[Content_Types].xml" not in names:
        raise SheetError(
            _("The file is a ZIP archive but not an XLSX workbook; save the sheet as .xlsx or CSV.")
        )


def number_formats(workbook) -> dict[int, str]:
    """Style id → number format code, for the styles whose format is not General."""
    from openpyxl.styles.numbers import BUILTIN_FORMATS_MAX_SIZE, builtin_format_code

    formats = {}
    for style_id, style in enumerate(workbook._cell_styles):
        number = style.numFmtId
        if number >= BUILTIN_FORMATS_MAX_SIZE:
            index = number - BUILTIN_FORMATS_MAX_SIZE
            code = workbook._number_formats[index] if index < len(workbook._number_formats) else ""
        else:
            code = builtin_format_code(number) or ""
        if code and code != "General":
            formats[style_id] = code
    return formats


def first_worksheet(data: bytes):
    """The archive, the path of its first worksheet, and the parser that turns a cell element into a
    value with the workbook's shared strings and date formats (all read by openpyxl, defused XML).
    The parser's `number_formats` (style id → format code) tell how a number is shown."""
    from openpyxl.reader.excel import ExcelReader
    from openpyxl.styles.stylesheet import apply_stylesheet
    from openpyxl.worksheet._reader import WorkSheetParser

    reader = ExcelReader(io.BytesIO(data), read_only=True, data_only=True, keep_links=False)
    reader.read_manifest()
    reader.read_strings()
    reader.read_workbook()
    apply_stylesheet(reader.archive, reader.wb)
    paths = [
        rel.target
        for _sheet, rel in reader.parser.find_sheets()
        if rel.target in reader.valid_files and "chartsheet" not in rel.Type
    ]
    if not paths:
        reader.archive.close()
        raise SheetError(_("The workbook has no worksheet."))
    workbook = reader.wb
    parser = WorkSheetParser(
        None,
        reader.shared_strings,
        data_only=True,
        epoch=workbook.epoch,
        date_formats=workbook._date_formats,
        timedelta_formats=workbook._timedelta_formats,
    )
    parser.number_formats = number_formats(workbook)
    return reader.archive, paths[0], parser


def beyond_last_column(number: int, column: int) -> SheetError:
    return SheetError(
        _("Row %(row)d, column %(column)s: a value beyond column %(limit)s; at most %(n)d columns are read.")
        % {
            "row": number,
            "column": column_letter(column),
            "limit": column_letter(MAX_COLUMNS),
            "n": MAX_COLUMNS,
        }
    )


def damaged_row(number: int, error) -> SheetError:
    return SheetError(
        _("The XLSX workbook is damaged: row %(row)d holds a cell that cannot be read (%(error)s).")
        % {"row": number, "error": error}
    )


def worksheet_rows(source, parser) -> Iterator[tuple[int, list[str]]]:
    """(row number, cells) of a worksheet's XML as it is in the file, whatever its <dimension> says.

    Each finished cell, row and top-level element is dropped from the tree as soon as it is read,
    so memory holds one cell of XML at a time and one row of (at most MAX_COLUMNS) values.
    """
    from defusedxml.ElementTree import iterparse
    from openpyxl.worksheet._reader import CELL_TAG, DATA_TAG, ROW_TAG

    stack = []
    number = 0
    values: dict[int, str] = {}
    for event, element in iterparse(source, events=("start", "end")):
        if event == "start":
            stack.append(element)
            if len(stack) > MAX_XML_DEPTH:
                raise SheetError(_("The XLSX workbook is damaged: its worksheet nests XML too deeply."))
            if element.tag == ROW_TAG and len(stack) == 3:
                given = element.get("r")
                if given and not given.isdigit():
                    raise damaged_row(number + 1, f"r={given!r}")
                previous, number = number, int(given) if given else number + 1
                if number <= previous:
                    raise SheetError(
                        _("The XLSX workbook is damaged: row %(row)d comes after row %(previous)d.")
                        % {"row": number, "previous": previous}
                    )
                parser.row_counter, parser.col_counter = number, 0
                values = {}
            continue
        stack.pop()
        depth = len(stack)  # of the finished element's parent
        if depth == 3 and element.tag == CELL_TAG and stack[-1].tag == ROW_TAG:
            try:
                cell = parser.parse_cell(element)
            except (ValueError, IndexError, KeyError, TypeError, OverflowError) as error:
                raise damaged_row(number, error) from None
            text = cell_text(cell["value"], parser.number_formats.get(cell["style_id"], ""))
            if text.strip() and cell["column"] > MAX_COLUMNS:
                raise beyond_last_column(number, cell["column"])
            if text and cell["column"] <= MAX_COLUMNS:
                values[cell["column"]] = text
        elif depth == 2 and element.tag == ROW_TAG:
            width = max(values, default=0)
            yield number, [values.get(column, "") for column in range(1, width + 1)]
            values = {}
        elif depth == 1 and element.tag == DATA_TAG:
            return
        if 1 <= depth <= 3:
            stack[-1].remove(element)  # done with it: the only child left, so this is quick


def xlsx_rows(data: bytes) -> Iterator[tuple[int, list[str]]]:
    check_archive(data)
    with warnings.catch_warnings():
        # openpyxl warns about parts it ignores (data validation, dates out of range): not for the office.
        warnings.simplefilter("ignore")
        archive, path, parser = first_worksheet(data)
        with archive, archive.open(path) as source:
            yield from worksheet_rows(source, parser)


# ---------------------------------------------------------------------------------------------
# Either


def iter_rows(source: bytes | str | Path, filename: str = "") -> Iterator[list[str]]:
    """The rows of the first sheet as lists of text, the header first; `source` is the file's
    bytes or its path. Raises SheetError, and nothing else, for a file it cannot read."""
    try:
        if isinstance(source, (str, Path)):
            filename = filename or Path(source).name
            data = Path(source).read_bytes()
        else:
            data = bytes(source)
        if data.startswith(OLE2_MAGIC):
            raise SheetError(
                _(
                    "This is an old Excel workbook (.xls) or a password-protected one, which is not read; "
                    "save it as .xlsx (without a password) or as CSV UTF-8 (in Excel, WPS or LibreOffice: "
                    "File → Save As) and import that file."
                )
            )
        if data.startswith(b"PK\x03\x04") or filename.lower().endswith(".xlsx"):
            yield from limited(xlsx_rows(data))
        else:
            yield from limited(csv_rows(data))
    except SheetError:
        raise
    except OSError as error:
        raise SheetError(
            _("The file cannot be read: %(error)s") % {"error": error.strerror or error}
        ) from None
    except ParseError as error:
        raise SheetError(
            _("The XLSX workbook is damaged: its XML is not well-formed (%(error)s).") % {"error": error}
        ) from None
    except Exception as error:  # openpyxl, zipfile and the XML parser raise many kinds for a damaged file
        raise SheetError(_("The XLSX workbook cannot be read: %(error)s") % {"error": error}) from None


def read_sheet(source: bytes | str | Path, filename: str = "") -> list[list[str]]:
    """All rows of the first sheet as lists of text, the header first."""
    return list(iter_rows(source, filename))
