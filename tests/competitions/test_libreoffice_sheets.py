"""Spreadsheets as the office's programs write them (issue 11 §10), with files written by
LibreOffice itself at run time (tests/libreoffice.py): values typed as the office types them and
stored as Calc stores them, .ods/.xls/UTF-16 text on the command line, the import template as Calc
saves it again, and the annual summary's workbook printed to PDF."""

import io
import re

import openpyxl
import pytest
from django.core.management import CommandError, call_command
from django.urls import reverse

from competitions.demo import load_demo
from competitions.models import Entry
from competitions.reading import DateCell, NumberCell, read_sheet
from competitions.views.sheets import template_workbook
from students.models import Student
from tests.factories import home_organization, make_student
from tests.libreoffice import Converter, csv_filter, needs_libreoffice, pdf_pages, uno_available

pytestmark = [*needs_libreoffice, pytest.mark.django_db]

HOME = "本校技师学院"
HEADER = ["赛事", "年份", "级别", "赛项", "单位", "选手", "学号", "奖项", "名次", "成绩", "备注"]
NUMBERS_COLUMN = HEADER.index("学号") + 1
# As the office types them: a student number with a leading zero, a score 1/2, a time, a date.
TYPED = [
    [
        "第三届测试技能大赛",
        "2025",
        "省级",
        "移动机器人",
        HOME,
        "张三",
        "0210001",
        "金牌",
        "1",
        "1/2",
        "2025-05-20",
    ],
    [
        "第三届测试技能大赛",
        "2025",
        "省级",
        "机电一体化",
        HOME,
        "李四",
        "0210002",
        "银牌",
        "2",
        "03:25",
        "03:25:10",
    ],
]


@pytest.fixture(scope="session")
def soffice(tmp_path_factory):
    return Converter(tmp_path_factory.mktemp("libreoffice-profile"))


@pytest.fixture
def home():
    return home_organization()


def typed_sheet(tmp_path, soffice, rows=TYPED, *, text_columns=()) -> "Path":  # noqa: F821
    """The rows typed into Calc (zh-CN) and saved as .xlsx: `text_columns` formatted as text first."""
    source = tmp_path / "typed.csv"
    source.write_text("\n".join(",".join(row) for row in [HEADER, *rows]) + "\n", encoding="utf-8")
    return soffice(source, "xlsx", infilter=csv_filter(text_columns=text_columns))


def import_command(path, *args):
    out, err = io.StringIO(), io.StringIO()
    call_command("import_results", str(path), *args, stdout=out, stderr=err)
    return out.getvalue()


def test_cells_read_as_typed_and_numbers_and_dates_are_marked(tmp_path, soffice):
    rows = read_sheet(typed_sheet(tmp_path, soffice))
    first, second = rows[1], rows[2]
    # A student number in a column not formatted as text: Calc stored the number 210001.
    assert first[6] == "210001" and isinstance(first[6], NumberCell)
    # Dates and times as typed, not 2025-05-20T00:00:00 / 03:25:00.
    assert (first[10], second[9], second[10]) == ("2025-05-20", "03:25", "03:25:10")
    # A score 1/2 became a date (the 2nd of January of the current year): it cannot be un-turned.
    assert re.fullmatch(r"\d{4}-01-02", first[9]) and isinstance(first[9], DateCell)
    assert all(isinstance(cell, DateCell) for cell in (first[10], second[9], second[10]))

    text = read_sheet(typed_sheet(tmp_path, soffice, text_columns=[NUMBERS_COLUMN]))
    assert text[1][6] == "0210001" and not isinstance(text[1][6], NumberCell)


def test_a_number_that_lost_its_zeros_is_flagged_and_is_a_near_match_not_a_new_student(
    tmp_path, soffice, home
):
    zhang = make_student("张三", student_number="0210001")
    path = typed_sheet(tmp_path, soffice, TYPED[:1])
    output = import_command(path, "--dry-run")
    assert "Row 2, 学号: the student number arrived as a number (210001)" in output
    assert "format the column as text" in output
    assert re.search(r"Row 2, 成绩: the cell is a date or time cell, read as \d{4}-01-02", output)
    assert "张三（0210001） (same number but for leading zeros)" in output
    assert Student.objects.get() == zhang and Entry.objects.count() == 0


def test_a_sheet_typed_into_text_columns_imports_and_a_second_import_adds_nothing(tmp_path, soffice, home):
    zhang = make_student("张三", student_number="0210001")
    path = typed_sheet(tmp_path, soffice, text_columns=[NUMBERS_COLUMN, 10, 11])
    output = import_command(path)
    assert "Added 2 entries" in output and "Warning" not in output
    entry = Entry.objects.get(members__student=zhang)
    assert (entry.score, entry.notes) == ("1/2", "2025-05-20")
    assert Entry.objects.get(members__name="李四").score == "03:25"
    assert import_command(path).strip() == "Nothing new to import: all 2 rows are already recorded."
    assert Entry.objects.count() == 2


@pytest.mark.parametrize("extension", ["ods", "xls"])
def test_ods_and_xls_files_on_the_command_line_are_told_how_to_save_them(tmp_path, soffice, extension):
    converted = soffice(typed_sheet(tmp_path, soffice), extension)
    with pytest.raises(CommandError) as refused:
        import_command(converted)
    message = str(refused.value)
    assert f"(.{extension})" in message and "save it as .xlsx" in message and "CSV UTF-8" in message
    assert "Content_Types" not in message and "GB18030" not in message


def test_unicode_text_from_a_spreadsheet_imports_on_the_command_line(tmp_path, soffice, home):
    # Excel's and Calc's "Unicode text": UTF-16 with a byte-order mark, tab-separated.
    xlsx = typed_sheet(tmp_path, soffice, text_columns=[NUMBERS_COLUMN, 10, 11])
    text = soffice(xlsx, "txt:Text - txt - csv (StarCalc):9,34,65535,1", outdir=tmp_path / "text")
    assert text.read_bytes()[:2] in (b"\xff\xfe", b"\xfe\xff")
    assert "Added 2 entries" in import_command(text)
    assert set(Student.objects.values_list("student_number", flat=True)) == {"0210001", "0210002"}


def test_the_template_keeps_its_text_columns_when_calc_saves_it(soffice, tmp_path, home):
    path = tmp_path / "template.xlsx"
    template_workbook().save(path)
    saved = openpyxl.load_workbook(soffice(path, "xlsx", outdir=tmp_path / "saved"))
    assert saved.sheetnames[0] == "Results"
    sheet = saved.worksheets[0]
    header = [cell.value for cell in sheet[1]]
    # Calc keeps the text format as the columns' own (empty cells are not saved): what the office
    # types into them is text.
    formats = {
        column: dimension.number_format
        for dimension in sheet.column_dimensions.values()
        for column in range(dimension.min, dimension.max + 1)
    }
    for title in ("学号", "成绩", "备注"):
        assert formats[header.index(title) + 1] == "@"
    assert formats[header.index("年份") + 1] == "General"
    assert read_sheet(path) == [header]  # the example is not on the sheet read


@pytest.mark.skipif(
    not uno_available(),
    reason="LibreOffice's Python module uno is not installed (apt-get install python3-uno)",
)
def test_what_the_office_types_into_the_template_stays_as_typed(soffice, tmp_path, home):
    zhang = make_student("张三", student_number="0210001")
    template = tmp_path / "template.xlsx"
    template_workbook().save(template)
    row = {"A2": "第三届测试技能大赛", "B2": "2025", "C2": "省级", "E2": "移动机器人", "F2": HOME}
    row |= {"G2": "张三", "H2": "0210001", "J2": "金牌", "K2": "1", "L2": "1/2", "M2": "2025-05-20"}
    typed = soffice.type_into(template, tmp_path / "typed.xlsx", row)
    assert read_sheet(typed)[1][7] == "0210001"
    output = import_command(typed)
    assert "Added 1 entries" in output and "Warning" not in output
    entry = Entry.objects.get()
    assert (list(entry.members.values_list("student", flat=True)), entry.score, entry.notes) == (
        [zhang.pk],
        "1/2",
        "2025-05-20",
    )
    # Typed into a sheet without the template's text columns, the same cells are a number and dates.
    blank = tmp_path / "blank.xlsx"
    workbook = openpyxl.Workbook()
    workbook.active.append([cell.value for cell in openpyxl.load_workbook(template).active[1]])
    workbook.save(blank)
    cells = read_sheet(soffice.type_into(blank, tmp_path / "blank-typed.xlsx", row))[1]
    assert isinstance(cells[7], NumberCell) and cells[7] == "210001"
    assert isinstance(cells[11], DateCell) and isinstance(cells[12], DateCell)


def test_the_annual_summary_workbook_prints_on_a_few_pages(user_client, soffice, tmp_path):
    load_demo()
    response = user_client.get(reverse("competitions:annual-summary-xlsx", args=[2023]))
    workbook = openpyxl.load_workbook(io.BytesIO(response.content))
    for sheet in workbook.worksheets:
        assert sheet.page_setup.orientation == "landscape"
        assert sheet.sheet_properties.pageSetUpPr.fitToPage
        assert (sheet.page_setup.fitToWidth, sheet.page_setup.fitToHeight) == (1, 0)
        assert sheet.print_title_rows == "$1:$1"
    paragraphs = workbook.worksheets[-1]
    for row in (2, 3):
        assert paragraphs.cell(row=row, column=2).alignment.wrap_text
        assert 30 < paragraphs.row_dimensions[row].height <= 409
    assert paragraphs.column_dimensions["B"].width >= 100
    path = tmp_path / "summary.xlsx"
    path.write_bytes(response.content)
    # One sheet of each table and the paragraphs: a page each, one more for the longest.
    assert pdf_pages(soffice(path, "pdf")) <= len(workbook.worksheets) + 1
