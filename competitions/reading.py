"""Reading a result sheet file (CSV or XLSX) into rows of text, the header first.

The only module that opens a sheet file: the importer, the browser upload and the command line read
through `iter_rows` (a stream, one row at a time) or `read_sheet` (all rows). Anything that cannot be
read as a sheet at all (encoding, format) raises SheetError with a message for the office.
"""

import csv
import io
import zipfile
from collections.abc import Iterator
from pathlib import Path

from django.utils.translation import gettext as _

MAX_XLSX_UNPACKED_BYTES = 200 * 1024 * 1024


class SheetError(Exception):
    """The file cannot be read as a result sheet at all (encoding, format, header)."""


def decode_csv(data: bytes) -> str:
    if data.startswith(b"\xef\xbb\xbf"):
        return data[3:].decode("utf-8")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        pass
    try:
        return data.decode("gb18030")
    except UnicodeDecodeError:
        raise SheetError(_("The file is neither UTF-8 nor GB18030 text, nor an XLSX workbook.")) from None


def cell_text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return str(value)


def read_xlsx(data: bytes) -> list[list[str]]:
    from openpyxl import load_workbook

    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            unpacked = sum(info.file_size for info in archive.infolist())
    except zipfile.BadZipFile:
        raise SheetError(_("The file is not a valid XLSX workbook.")) from None
    if unpacked > MAX_XLSX_UNPACKED_BYTES:
        raise SheetError(_("The workbook unpacks to more than 200 MB; it is refused."))
    try:
        workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception as error:  # openpyxl raises many kinds for a damaged workbook
        raise SheetError(_("The XLSX workbook cannot be read: %(error)s") % {"error": error}) from None
    try:
        sheet = workbook.worksheets[0]
        return [[cell_text(value) for value in row] for row in sheet.iter_rows(values_only=True)]
    finally:
        workbook.close()


def iter_rows(source: bytes | str | Path, filename: str = "") -> Iterator[list[str]]:
    """The rows of the first sheet as lists of text, the header first; `source` is the file's
    bytes or its path."""
    data = Path(source).read_bytes() if isinstance(source, (str, Path)) else source
    if not filename and isinstance(source, (str, Path)):
        filename = Path(source).name
    if data.startswith(b"PK\x03\x04") or filename.lower().endswith(".xlsx"):
        yield from read_xlsx(data)
        return
    text = decode_csv(data)
    try:
        yield from csv.reader(io.StringIO(text, newline=""))
    except csv.Error as error:
        raise SheetError(_("The CSV file is malformed: %(error)s") % {"error": error}) from None


def read_sheet(source: bytes | str | Path, filename: str = "") -> list[list[str]]:
    """All rows of the first sheet as lists of text, the header first."""
    return list(iter_rows(source, filename))
