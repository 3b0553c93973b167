"""Reading hostile and broken sheet files (competitions/reading.py): a clean refusal naming the
place, or the rows as they are in the file, with bounded memory; never another exception."""

import io
import re
import tracemalloc
import zipfile

import pytest
from openpyxl import Workbook

from competitions import reading
from competitions.importing import import_sheet
from competitions.models import Entry
from competitions.reading import SheetError, iter_rows, read_sheet
from tests.factories import home_organization

HOME = "本校技师学院"
HEADER = ["赛事", "年份", "级别", "赛项", "单位", "选手", "学号", "指导教师", "奖项", "名次"]
ROWS = [
    ["第二届职业技能大赛", "2023", "国家级", "混合现实", HOME, "蒋家俊、李文博", "", "王老师", "金牌", "1"],
    ["第二届职业技能大赛", "2023", "国家级", "混合现实", "外省技师学院", "张三", "", "", "银牌", "2"],
]
SHEET = "xl/worksheets/sheet1.xml"


def csv_bytes(rows, encoding="utf-8", delimiter=","):
    return "\r\n".join(delimiter.join(row) for row in rows).encode(encoding)


def xlsx_bytes(rows):
    workbook = Workbook()
    for row in rows:
        workbook.active.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def edit_zip(data: bytes, name: str, edit) -> bytes:
    """The archive with one member's bytes replaced by edit(bytes)."""
    source = zipfile.ZipFile(io.BytesIO(data))
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            content = source.read(info.filename)
            target.writestr(info, edit(content) if info.filename == name else content)
    return buffer.getvalue()


def edit_sheet(data: bytes, *, dimension: str | None = None, append: str = "", replace=()) -> bytes:
    """The workbook with its worksheet's XML edited: a declared dimension, rows appended at the end
    of sheetData, and (old, new) replacements."""

    def edit(xml: bytes) -> bytes:
        if dimension:
            xml = re.sub(rb'<dimension ref="[^"]*" ?/>', f'<dimension ref="{dimension}"/>'.encode(), xml)
        xml = xml.replace(b"</sheetData>", append.encode() + b"</sheetData>")
        for old, new in replace:
            xml = xml.replace(old.encode(), new.encode())
        return xml

    return edit_zip(data, SHEET, edit)


def text_row(number: int, cells: dict[str, str]) -> str:
    """One worksheet row of inline strings: {"A": "text", ...}."""
    xml = "".join(
        f'<c r="{column}{number}" t="inlineStr"><is><t>{text}</t></is></c>' for column, text in cells.items()
    )
    return f'<row r="{number}">{xml}</row>'


LYING = edit_sheet(
    xlsx_bytes([HEADER, *ROWS]), dimension="A1:XFD1048576", append=text_row(1048576, {"A": "x"})
)


@pytest.fixture
def home():
    return home_organization()


def refusal(data: bytes, filename: str) -> str:
    with pytest.raises(SheetError) as caught:
        read_sheet(data, filename)
    return str(caught.value)


def peak_bytes(function) -> int:
    tracemalloc.start()
    try:
        function()
    finally:
        _current, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
    return peak


# ---------------------------------------------------------------------------------------------
# Limits, whatever the file declares


def test_a_lying_dimension_with_a_cell_at_the_last_row_is_refused_with_little_memory():
    assert len(LYING) < 10_000

    def read():
        with pytest.raises(SheetError, match=r"Row 1048576: the sheet has more than 500000 rows"):
            read_sheet(LYING, "lying.xlsx")

    # openpyxl's read-only mode padded every row to XFD: 2.9 GB, then MemoryError.
    assert peak_bytes(read) < 50 * 1024 * 1024


@pytest.mark.django_db
def test_a_lying_dimension_with_normal_content_imports(home):
    data = edit_sheet(xlsx_bytes([HEADER, *ROWS]), dimension="A1:XFD1048576")
    peak = peak_bytes(lambda: read_sheet(data, "r.xlsx"))
    assert peak < 50 * 1024 * 1024
    assert read_sheet(data, "r.xlsx") == [HEADER, *ROWS]
    plan = import_sheet(data, "r.xlsx")
    assert plan.errors == [] and Entry.objects.count() == 2


def test_rows_missing_from_the_xml_keep_their_numbers_and_trailing_blank_rows_cost_nothing():
    data = edit_sheet(
        xlsx_bytes([HEADER]),
        append=text_row(5, {"A": "x", "C": "z"}) + '<row r="900000"><c r="A900000"/></row>',
    )
    assert read_sheet(data, "r.xlsx") == [HEADER, [], [], [], ["x", "", "z"]]


def test_a_value_beyond_column_64_is_refused_naming_the_cell():
    data = edit_sheet(xlsx_bytes([HEADER, *ROWS]), append=text_row(4, {"A": "x", "XFD": "far"}))
    assert "Row 4, column XFD" in refusal(data, "r.xlsx")
    wide = [*ROWS[0], *[""] * 54, "here"]  # column 65
    assert "Row 2, column BM: a value beyond column BL" in refusal(csv_bytes([HEADER, wide]), "r.csv")


def test_empty_cells_beyond_column_64_are_fine():
    rows = read_sheet(csv_bytes([HEADER, ROWS[0] + [""] * 500]), "r.csv")
    assert rows[1] == ROWS[0] + [""] * 54
    data = edit_sheet(
        xlsx_bytes([HEADER]),
        append='<row r="2"><c r="A2" t="inlineStr"><is><t>a</t></is></c><c r="CV2"/></row>',
    )
    assert read_sheet(data, "r.xlsx") == [HEADER, ["a"]]


def test_a_cell_longer_than_excel_allows_is_refused_naming_row_and_column():
    long = "长" * 32_768
    assert "Row 3, column D: the cell has more than 32767 characters" in refusal(
        csv_bytes([HEADER, ROWS[0], [*ROWS[1][:3], long, *ROWS[1][4:]]]), "r.csv"
    )
    assert "Row 2, column B: the cell has more than 32767 characters" in refusal(
        edit_sheet(xlsx_bytes([HEADER]), append=text_row(2, {"A": "x", "B": long})), "r.xlsx"
    )
    # Beyond the csv module's own field limit the line is named.
    assert "Line 2: a cell has more than 32767 characters" in refusal(
        csv_bytes([HEADER, ["x", "y" * 200_000]]), "r.csv"
    )
    assert read_sheet(csv_bytes([HEADER, ["长" * 32_767]]), "r.csv")[1] == ["长" * 32_767]


def test_more_than_500000_rows_of_data_are_refused_while_reading():
    data = b"h\n" + b"x\n" * 500_001
    rows = iter_rows(data, "r.csv")
    read = 0
    with pytest.raises(SheetError, match=r"Row 500002: the sheet has more than 500000 rows"):
        for _row in rows:
            read += 1
    assert read == 500_001
    assert sum(1 for _row in iter_rows(b"h\n" + b"x\n" * 500_000, "r.csv")) == 500_001


def test_the_row_limit_counts_rows_as_numbered_in_the_workbook():
    assert "Row 500002" in refusal(
        edit_sheet(xlsx_bytes([HEADER]), append=text_row(500_002, {"A": "x"})), "r.xlsx"
    )


def test_rows_stream_one_at_a_time():
    data = csv_bytes([HEADER, ROWS[0], ["bad\x00cell"]])
    rows = iter_rows(data, "r.csv")
    assert next(rows) == HEADER and next(rows) == ROWS[0]
    with pytest.raises(SheetError, match="Row 3, column A"):
        next(rows)


# ---------------------------------------------------------------------------------------------
# Encodings and formats


def test_utf8_with_a_stray_latin1_byte_is_refused_naming_line_and_byte_not_read_as_gb18030():
    data = csv_bytes([HEADER, *ROWS]).replace("外省".encode(), "外省".encode() + b"\xe9", 1)
    message = refusal(data, "r.csv")
    assert "line 3: byte 0xE9 is not valid UTF-8" in message
    # Before, the file decoded whole as GB18030: 混合 came out as 娣峰悎.
    with_bom = b"\xef\xbb\xbf" + data
    assert "line 3: byte 0xE9 is not valid UTF-8" in refusal(with_bom, "r.csv")


def test_gb18030_utf8_and_utf8_with_bom_still_read():
    for data in (
        csv_bytes([HEADER, *ROWS], "gb18030"),
        csv_bytes([HEADER, *ROWS]),
        b"\xef\xbb\xbf" + csv_bytes([HEADER, *ROWS]),
    ):
        assert read_sheet(data, "r.csv") == [HEADER, *ROWS]


@pytest.mark.parametrize("encoding", ["utf-16", "utf-16-be"])
def test_excel_unicode_text_is_read_as_tab_separated_utf16(encoding):
    text = "\r\n".join("\t".join(row) for row in [HEADER, *ROWS])
    data = text.encode(encoding)
    if encoding == "utf-16-be":
        data = b"\xfe\xff" + data
    assert data[:2] in (b"\xff\xfe", b"\xfe\xff")
    assert read_sheet(data, "results.txt") == [HEADER, *ROWS]
    assert read_sheet(csv_bytes([HEADER, *ROWS], "utf-16"), "r.csv") == [HEADER, *ROWS]


def test_damaged_utf16_is_refused():
    data = "\t".join(HEADER).encode("utf-16") + b"\x00\xd8\x41\x00"  # a lone high surrogate
    assert "damaged UTF-16" in refusal(data, "r.txt")


def test_ods_and_xls_files_are_told_to_be_saved_as_xlsx_or_csv():
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("mimetype", "application/vnd.oasis.opendocument.spreadsheet")
        archive.writestr("content.xml", "<office:document-content/>")
    assert ".ods" in refusal(buffer.getvalue(), "results.ods")
    assert ".ods" in refusal(buffer.getvalue(), "results.xlsx")
    xls = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 500
    for name in ("results.xls", "results.xlsx", "results.csv"):
        assert "save it as .xlsx" in refusal(xls, name)


def test_a_zip_that_is_not_a_workbook_says_so():
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("readme.txt", "hello")
    message = refusal(buffer.getvalue(), "r.xlsx")
    assert "not an XLSX workbook" in message and "Content_Types" not in message


def test_the_zip_bomb_check_stays(monkeypatch):
    monkeypatch.setattr(reading, "MAX_XLSX_UNPACKED_BYTES", 1000)
    assert "unpacks to more than" in refusal(xlsx_bytes([HEADER, *ROWS]), "r.xlsx")


# ---------------------------------------------------------------------------------------------
# Control characters and damaged XML


@pytest.mark.parametrize("character", ["\x00", "\x01", "\x1b", "\x7f", "\x85"])
def test_control_characters_in_a_csv_cell_are_refused_naming_row_and_column(character):
    rows = [HEADER, ROWS[0], [*ROWS[1][:5], f"张{character}三", *ROWS[1][6:]]]
    message = refusal(csv_bytes(rows), "r.csv")
    assert f"Row 3, column F: the cell holds the control character U+{ord(character):04X}" in message


def test_tabs_and_line_breaks_inside_cells_are_fine():
    data = b'h1,h2\r\n"a\tb","line one\r\nline two"\r\n'
    assert read_sheet(data, "r.csv") == [["h1", "h2"], ["a\tb", "line one\r\nline two"]]


def test_a_control_character_in_an_xlsx_cell_is_refused_naming_the_cell():
    # XML allows C1 controls; C0 ones cannot be written (the next test).
    data = edit_sheet(xlsx_bytes([HEADER]), append=text_row(2, {"A": "x", "C": "a\x9bb"}))
    assert "Row 2, column C: the cell holds the control character U+009B" in refusal(data, "r.xlsx")


@pytest.mark.parametrize(
    "damage",
    [
        pytest.param(("</row>", "</rov>"), id="mismatched-tag"),
        # Every text gets one (openpyxl writes 赛事 as is, or as &#36187;&#20107; when lxml is installed).
        pytest.param(("<t>", "<t>&#1;"), id="illegal-character-reference"),
        pytest.param(('r="2"', 'r="two"'), id="row-number-not-a-number"),
        pytest.param(('<c r="A2"', '<c r="2A"'), id="cell-reference-not-a-reference"),
        pytest.param(('<row r="2"', '<row r="1"'), id="rows-out-of-order"),
        pytest.param(("<sheetData>", '<!DOCTYPE x [<!ENTITY a "b">]><sheetData>'), id="entity-declaration"),
    ],
)
def test_a_damaged_worksheet_is_a_sheet_error(damage):
    data = edit_sheet(xlsx_bytes([HEADER, *ROWS]), replace=[damage])
    assert refusal(data, "r.xlsx")


def test_malformed_xml_names_the_damage():
    data = edit_sheet(xlsx_bytes([HEADER, *ROWS]), replace=[("</row>", "</rov>")])
    assert "not well-formed" in refusal(data, "r.xlsx")


def test_a_cell_that_cannot_be_read_names_its_row():
    data = edit_sheet(xlsx_bytes([HEADER]), append='<row r="2"><c r="A2" t="s"><v>99</v></c></row>')
    assert "row 2 holds a cell that cannot be read" in refusal(data, "r.xlsx")
    data = edit_sheet(xlsx_bytes([HEADER, *ROWS]), replace=[('<c r="B3"', '<c r="3B"')])
    assert "row 3 holds a cell that cannot be read" in refusal(data, "r.xlsx")


def test_a_truncated_workbook_is_a_sheet_error():
    data = xlsx_bytes([HEADER, *ROWS])
    for size in (10, len(data) // 2, len(data) - 30):
        assert refusal(data[:size], "r.xlsx")


def test_a_missing_file_is_a_sheet_error(tmp_path):
    with pytest.raises(SheetError, match="cannot be read"):
        read_sheet(tmp_path / "missing.csv")


# ---------------------------------------------------------------------------------------------
# Values in cells


def test_xlsx_values_of_every_type_come_out_as_text():
    import datetime

    workbook = Workbook()
    sheet = workbook.active
    sheet.append(["a", "b", "c", "d", "e", "f"])
    sheet.append([2023, 2023.0, 1.5, True, datetime.date(2023, 5, 1), '=HYPERLINK("http://x","y")'])
    sheet["F2"].data_type = "s"  # text that looks like a formula stays text
    sheet["A3"] = "=1+1"  # a formula without a cached value reads as empty
    sheet["B3"] = "kept"
    sheet.merge_cells("C3:D3")
    buffer = io.BytesIO()
    workbook.save(buffer)
    rows = read_sheet(buffer.getvalue(), "r.xlsx")
    assert rows[1] == ["2023", "2023", "1.5", "True", "2023-05-01", '=HYPERLINK("http://x","y")']
    assert rows[2] == ["", "kept"]


def test_dates_and_times_read_as_typed_and_numbers_and_dates_are_marked():
    import datetime

    workbook = Workbook()
    sheet = workbook.active
    sheet.append(["date", "time", "seconds", "both", "duration", "number", "padded", "text"])
    sheet.append(
        [
            datetime.date(2025, 5, 20),
            datetime.time(3, 25),
            datetime.time(3, 25, 10),
            datetime.datetime(2025, 5, 20, 14, 30),
            datetime.timedelta(hours=26, minutes=5),
            210001,
            210001,
            "0210001",
        ]
    )
    sheet["A2"].number_format = "yyyy/m/d"
    sheet["B2"].number_format = "h:mm"  # as Excel formats a typed 03:25
    sheet["C2"].number_format = "hh:mm:ss"
    sheet["E2"].number_format = "[h]:mm"
    sheet["G2"].number_format = "0000000"  # leading zeros shown by the format: read as shown
    buffer = io.BytesIO()
    workbook.save(buffer)
    row = read_sheet(buffer.getvalue(), "r.xlsx")[1]
    assert row == [
        "2025-05-20",
        "03:25",
        "03:25:10",
        "2025-05-20 14:30",
        "26:05",
        "210001",
        "0210001",
        "0210001",
    ]
    assert [type(cell) for cell in row] == [reading.DateCell] * 5 + [reading.NumberCell, str, str]
    # CSV cells are text as written.
    assert [type(cell) for cell in read_sheet(b"a,b\r\n1/2,0210001\r\n", "r.csv")[1]] == [str, str]


@pytest.mark.django_db
def test_a_rank_beyond_the_databases_range_is_a_row_error_and_nothing_is_saved(home):
    rows = [HEADER, ROWS[0], [*ROWS[1][:9], "99999999999999999999"]]
    plan = import_sheet(csv_bytes(rows), "r.csv")
    assert [(error.row, error.column) for error in plan.errors] == [(3, "rank")]
    assert "rank too large" in plan.errors[0].message
    assert Entry.objects.count() == 0
    rows[2][9] = "2147483647"
    assert import_sheet(csv_bytes(rows), "r.csv").errors == []
    assert Entry.objects.get(rank=2147483647)
