"""Exports: CSV that Excel opens in Chinese, XLSX, and the annual report's section as a Word document.

The one module that writes an exported XLSX or CSV (the leaderboards, the student pages, the annual
summary): every workbook gets the same bold frozen header, fitted column widths, wrapped long text
with rows tall enough for it, and a page setup that prints sensibly (landscape A4, one page wide,
the header repeated on every page, page numbers).

Every exported cell that a spreadsheet could read as a formula is neutralised (OWASP CSV
injection): a text starting with = + - @ tab or carriage return gets a leading apostrophe in CSV,
and is written as a text cell with Excel's own quote prefix in XLSX. Numbers, negative ones
included, stay numbers.

A Word document (.docx, python-docx) is built from blocks that competitions.reports composes
(headings, paragraphs, captioned tables and charts): A4 with a Chinese report's margins, 宋体 and
黑体 set as the East Asian fonts of every run, table captions above and figure captions below,
charts converted from their SVG to PNG at print resolution (cairosvg) with a font that draws
Chinese.
"""

import csv
import datetime
import functools
import io
import math
import re
import shutil
import struct
import subprocess
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from django.http import HttpResponse
from django.utils.cache import add_never_cache_headers
from django.utils.http import content_disposition_header
from django_tables2.export import TableExport
from docx import Document
from docx.enum.table import WD_CELL_VERTICAL_ALIGNMENT, WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Cm, Pt, RGBColor
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


# ---------------------------------------------------------------------------------------------
# Word documents: a section of the college's annual report (competitions.reports.report_section)

DOCX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
# The page of a Chinese report as Word sets it up for A4: 2.54 cm top and bottom, 3.18 cm left and right.
PAGE_WIDTH, PAGE_HEIGHT = 21.0, 29.7  # cm
MARGIN_TOP_BOTTOM, MARGIN_LEFT_RIGHT = 2.54, 3.18  # cm
TEXT_WIDTH = PAGE_WIDTH - 2 * MARGIN_LEFT_RIGHT  # cm
# Fonts as Chinese reports set them: 宋体 for text, 黑体 for headings and captions; Latin letters
# and digits in Times New Roman. Chinese text takes the East Asian font (w:eastAsia) of each run.
LATIN_FONT = "Times New Roman"
TEXT_FONT = "宋体"
HEADING_FONT = "黑体"
# Sizes in points, by their Chinese names: 小四 12, 五号 10.5, 四号 14, 小三 15.
TEXT_SIZE, TABLE_SIZE, CAPTION_SIZE = 12, 10.5, 10.5
HEADING_SIZES = {1: 16, 2: 15, 3: 14}
# Table text's width in ems of 10.5 pt: a CJK character one, a Latin one at most 0.6 (bold
# headers included); a cell's padding and borders, with a margin (a column estimated too narrow
# breaks its words).
CM_PER_EM = TABLE_SIZE / 72 * 2.54
LATIN_EM = 0.6
CELL_PADDING = 0.5  # cm
SHORT_CJK = 4  # CJK characters a column keeps on one line: 国家级, 指导教师 do not break
# Charts are drawn at twice their size on screen: about 190 dpi where they print at their own width.
CHART_SCALE = 2
CSS_PIXELS_PER_CM = 96 / 2.54
# CJK fonts a chart's text may use, the first installed one wins (fc-list names them); any other
# font that covers Chinese comes after these.
CJK_FONTS = (
    "Noto Sans CJK SC",
    "Source Han Sans SC",
    "WenQuanYi Micro Hei",
    "WenQuanYi Zen Hei",
    "Droid Sans Fallback",
)


@dataclass
class Heading:
    text: str
    level: int = 2  # Word's "Heading N" style: 2 for "2.2 …", 3 for "2.2.1 …"


@dataclass
class Text:
    """A paragraph of running text."""

    text: str


@dataclass
class Table:
    """A table with its caption above it ("表 2-1 …"); a sheet's header row and rows, the last row
    in bold when it is a total."""

    caption: str
    sheet: Sheet
    total_row: bool = False
    columns: Sequence[int] | None = None  # the sheet's columns the document shows; None: all


@dataclass
class Figure:
    """A chart (SVG, from competitions.charts.standalone) with its caption below it ("图 2-1 …")."""

    caption: str
    svg: str


@functools.cache
def cjk_font_family() -> str | None:
    """The font family that draws the charts' Chinese text, or None when fontconfig knows no font
    covering Chinese (the charts' Chinese text then shows as empty boxes). Asked once per process."""
    fc_list = shutil.which("fc-list")
    if fc_list is None:
        return None
    try:
        listed = subprocess.run(
            [fc_list, ":lang=zh-cn", "family"], capture_output=True, text=True, timeout=30, check=True
        ).stdout
    except (OSError, subprocess.SubprocessError):
        return None
    families = sorted({line.split(",")[0].strip() for line in listed.splitlines() if line.strip()})
    preferred = [family for family in CJK_FONTS if family in families]
    sans = [family for family in families if "sans" in family.casefold() and "mono" not in family.casefold()]
    return next(iter(preferred + sans + families), None)


def chart_png(svg: str) -> bytes:
    """A chart's SVG (a file of its own: charts.standalone) as a PNG at print resolution, on white."""
    import cairosvg  # only here: it loads the cairo library, which nothing else needs

    return cairosvg.svg2png(bytestring=svg.encode(), scale=CHART_SCALE, background_color="white")


def png_size(data: bytes) -> tuple[int, int]:
    """A PNG's width and height in pixels (its IHDR chunk)."""
    if data[:8] != b"\x89PNG\r\n\x1a\n":
        raise ValueError("not a PNG")
    width, height = struct.unpack(">II", data[16:24])
    return width, height


def set_fonts(rpr, *, latin: str = LATIN_FONT, east_asia: str = TEXT_FONT) -> None:
    """Sets explicit fonts on run properties (w:rPr): Latin text in `latin`, Chinese text in
    `east_asia` (w:eastAsia, which Word uses for CJK characters). Theme fonts are removed: Word
    prefers a theme font to a named one in the same element."""
    fonts = rpr.get_or_add_rFonts()
    for name in ("asciiTheme", "hAnsiTheme", "eastAsiaTheme", "cstheme"):
        fonts.attrib.pop(qn(f"w:{name}"), None)
    fonts.set(qn("w:ascii"), latin)
    fonts.set(qn("w:hAnsi"), latin)
    fonts.set(qn("w:cs"), latin)
    fonts.set(qn("w:eastAsia"), east_asia)


def set_up_styles(document, *, language: str) -> None:
    """Normal text, headings and captions as a Chinese report sets them, in black; the document's
    language for spelling and line breaking."""
    styles = document.styles
    defaults = styles.element.find(qn("w:docDefaults")).find(qn("w:rPrDefault")).find(qn("w:rPr"))
    set_fonts(defaults)
    lang = defaults.find(qn("w:lang"))
    lang.set(qn("w:val"), "zh-CN" if language.startswith("zh") else "en-US")
    lang.set(qn("w:eastAsia"), "zh-CN")

    normal = styles["Normal"]
    set_fonts(normal.element.get_or_add_rPr())
    normal.font.size = Pt(TEXT_SIZE)
    normal.paragraph_format.space_after = Pt(0)
    normal.paragraph_format.line_spacing = 1.5
    normal.paragraph_format.widow_control = True

    for level, size in HEADING_SIZES.items():
        style = styles[f"Heading {level}"]
        set_fonts(style.element.get_or_add_rPr(), east_asia=HEADING_FONT)
        style.font.size = Pt(size)
        style.font.bold = True
        style.font.color.rgb = RGBColor(0, 0, 0)
        style.paragraph_format.space_before = Pt(12)
        style.paragraph_format.space_after = Pt(6)

    caption = styles["Caption"]
    set_fonts(caption.element.get_or_add_rPr(), east_asia=HEADING_FONT)
    caption.font.size = Pt(CAPTION_SIZE)
    caption.font.bold = False
    caption.font.color.rgb = RGBColor(0, 0, 0)
    caption.paragraph_format.alignment = WD_ALIGN_PARAGRAPH.CENTER
    caption.paragraph_format.space_before = Pt(6)
    caption.paragraph_format.space_after = Pt(6)


def add_run(
    paragraph, text: str, *, east_asia: str = TEXT_FONT, bold: bool = False, size: float | None = None
):
    """A run with its fonts set on the run itself, so that the text keeps them when pasted into
    another document whose styles differ."""
    run = paragraph.add_run(text)
    set_fonts(run._element.get_or_add_rPr(), east_asia=east_asia)
    if bold:
        run.bold = True
    if size is not None:
        run.font.size = Pt(size)
    return run


def repeat_as_header(row) -> None:
    """The table's first row is repeated at the top of each page it runs onto."""
    properties = row._tr.get_or_add_trPr()
    header = OxmlElement("w:tblHeader")
    header.set(qn("w:val"), "true")
    properties.append(header)


def is_cjk(character: str) -> bool:
    return ord(character) > 0x2E80


def ems(text: str) -> float:
    return sum(1 if is_cjk(character) else LATIN_EM for character in text)


def shortest_ems(text: str) -> float:
    """How narrow a cell's text can be without breaking a word: its longest Latin word, and up to
    SHORT_CJK characters of a Chinese one (Chinese breaks anywhere, a short term had better not)."""
    return max(
        (min(ems(word), SHORT_CJK) if any(map(is_cjk, word)) else ems(word) for word in text.split()),
        default=0,
    )


def column_widths(rows: list[list[str]], total: float) -> list[float]:
    """Widths (cm) of a table `total` cm wide, as a browser lays out a table: each column at least
    as wide as its longest unbreakable word (shortest_ems), the rest of the width shared by what
    each column's longest text needs beyond that; a table that needs less than `total` is widened
    evenly to fill it."""
    columns = max(len(row) for row in rows)
    cells = [[row[column] if column < len(row) else "" for row in rows] for column in range(columns)]
    least = [max(map(shortest_ems, column)) * CM_PER_EM + CELL_PADDING for column in cells]
    most = [max(map(ems, column)) * CM_PER_EM + CELL_PADDING for column in cells]
    if sum(most) <= total:
        spare = (total - sum(most)) / columns
        return [width + spare for width in most]
    if sum(least) >= total:
        return [total * width / sum(least) for width in least]
    stretch = sum(most) - sum(least)
    return [
        low + (total - sum(least)) * (high - low) / stretch for low, high in zip(least, most, strict=True)
    ]


def add_table(document, table: Table) -> None:
    caption = document.add_paragraph(style="Caption")
    caption.paragraph_format.keep_with_next = True
    add_run(caption, table.caption, east_asia=HEADING_FONT)
    shown = table.columns if table.columns is not None else range(len(table.sheet.headers))
    headers = [str(table.sheet.headers[column]) for column in shown]
    rows = [["" if row[column] is None else str(row[column]) for column in shown] for row in table.sheet.rows]
    widths = column_widths([headers, *rows], TEXT_WIDTH)
    grid = document.add_table(rows=1 + len(rows), cols=len(headers))
    grid.style = "Table Grid"
    grid.alignment = WD_TABLE_ALIGNMENT.CENTER
    grid.autofit = False
    repeat_as_header(grid.rows[0])
    for column, width in zip(grid.columns, widths, strict=True):
        column.width = Cm(width)  # the table's grid, which LibreOffice reads; Word reads the cells'
    for row_number, values in enumerate([headers, *rows]):
        bold = row_number == 0 or (table.total_row and row_number == len(rows))
        for column, (cell, value) in enumerate(zip(grid.rows[row_number].cells, values, strict=False)):
            cell.width = Cm(widths[column])
            cell.vertical_alignment = WD_CELL_VERTICAL_ALIGNMENT.CENTER
            paragraph = cell.paragraphs[0]
            paragraph.paragraph_format.line_spacing = 1.0
            # Headings and numbers centred, text from the left, as the report's tables are.
            if row_number == 0 or PLAIN_NUMBER.fullmatch(value):
                paragraph.alignment = WD_ALIGN_PARAGRAPH.CENTER
            add_run(paragraph, value, bold=bold, size=TABLE_SIZE)


def add_figure(document, figure: Figure) -> None:
    png = chart_png(figure.svg)
    width, _height = png_size(png)
    width_cm = min(width / CHART_SCALE / CSS_PIXELS_PER_CM, TEXT_WIDTH)
    picture = document.add_paragraph()
    picture.alignment = WD_ALIGN_PARAGRAPH.CENTER
    picture.paragraph_format.keep_with_next = True
    picture.paragraph_format.line_spacing = 1.0
    picture.paragraph_format.space_before = Pt(12)  # apart from a table just above
    picture.add_run().add_picture(io.BytesIO(png), width=Cm(width_cm))
    caption = document.add_paragraph(style="Caption")
    add_run(caption, figure.caption, east_asia=HEADING_FONT)


def document_bytes(blocks: Iterable[Heading | Text | Table | Figure], *, language: str, title: str,
                   comments: str = "") -> bytes:  # fmt: skip
    """A Word document (.docx) of these blocks in order, on A4 with a report's margins, fonts and
    captions; charts as PNG pictures. `language` ("zh-hans" or "en") marks the text's language."""
    document = Document()
    section = document.sections[0]
    section.page_width, section.page_height = Cm(PAGE_WIDTH), Cm(PAGE_HEIGHT)
    section.top_margin = section.bottom_margin = Cm(MARGIN_TOP_BOTTOM)
    section.left_margin = section.right_margin = Cm(MARGIN_LEFT_RIGHT)
    set_up_styles(document, language=language)
    for block in blocks:
        if isinstance(block, Heading):
            heading = document.add_paragraph(style=f"Heading {block.level}")
            add_run(heading, block.text, east_asia=HEADING_FONT)
        elif isinstance(block, Text):
            paragraph = document.add_paragraph()
            # The first line indented by two characters, as Chinese paragraphs are.
            paragraph.paragraph_format.first_line_indent = Pt(2 * TEXT_SIZE)
            paragraph._p.get_or_add_pPr().get_or_add_ind().set(qn("w:firstLineChars"), "200")
            paragraph.alignment = WD_ALIGN_PARAGRAPH.JUSTIFY
            add_run(paragraph, block.text)
        elif isinstance(block, Table):
            add_table(document, block)
        else:
            add_figure(document, block)
    properties = document.core_properties
    properties.title = title
    properties.author = properties.last_modified_by = ""
    properties.language = "zh-CN" if language.startswith("zh") else "en-US"
    properties.comments = comments
    properties.created = properties.modified = datetime.datetime.now(tz=datetime.UTC)
    properties.revision = 1
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


def docx_response(data: bytes, filename: str) -> HttpResponse:
    """A Word document as a download (a Chinese file name as RFC 6266/5987 say), never cached: it
    holds students' names."""
    response = HttpResponse(data, content_type=DOCX_CONTENT_TYPE)
    response["Content-Disposition"] = content_disposition_header(True, filename)
    add_never_cache_headers(response)
    return response
