"""CSV and XLSX exports: a BOM for Excel, formulas neutralised, numbers kept, other formats refused."""

import csv
import io

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from competitions.exports import Sheet, SpreadsheetExport, csv_bytes, escape_formula, workbook_bytes
from tests.factories import (
    home_organization,
    make_coach,
    make_competition,
    make_entry,
    make_event,
    make_student,
)

LEADERBOARD = reverse("competitions:leaderboard")
PIVOT_ENTRIES = reverse("competitions:pivot-entries")
BOM = b"\xef\xbb\xbf"


@pytest.mark.parametrize(
    "value, expected",
    [
        ("=1+2", "'=1+2"),
        ("+1", "'+1"),
        ("-1+2", "'-1+2"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\tx", "'\tx"),
        ("\rx", "'\rx"),
        ('=HYPERLINK("http://x")', '\'=HYPERLINK("http://x")'),
        ("-3", "-3"),  # a negative number written as text is a number, not a formula
        ("-1.5", "-1.5"),
        (-3, -3),
        (2.5, 2.5),
        ("李文博", "李文博"),
        ("a=b", "a=b"),
        ("", ""),
        (None, None),
    ],
)
def test_formula_like_text_gets_an_apostrophe_and_numbers_stay_numbers(value, expected):
    assert escape_formula(value) == expected


def test_csv_starts_with_a_bom_and_reads_back_in_chinese():
    data = csv_bytes(["姓名", "金牌"], [["=1+2", 3], ["郑泽鑫", -1]])
    assert data.startswith(BOM)
    assert list(csv.reader(io.StringIO(data.decode("utf-8-sig")))) == [
        ["姓名", "金牌"],
        ["'=1+2", "3"],
        ["郑泽鑫", "-1"],
    ]


def test_xlsx_keeps_formula_like_text_as_quoted_text_and_numbers_as_numbers():
    data = workbook_bytes([Sheet("名单", ["姓名", "分数"], [["=1+2", -3], ["@cmd", 2.5]])])
    sheet = load_workbook(io.BytesIO(data)).active
    assert sheet.title == "名单"
    name = sheet["A2"]
    # A text cell with Excel's quote prefix: shown as typed, never evaluated.
    assert (name.value, name.data_type, name.quotePrefix) == ("=1+2", "s", True)
    assert (sheet["B2"].value, sheet["B2"].data_type) == (-3, "n")
    assert sheet["A3"].data_type == "s" and sheet["A3"].quotePrefix
    assert sheet["B3"].value == 2.5


def test_worksheet_titles_are_made_valid_and_unique():
    data = workbook_bytes([Sheet("a/b:c*d?[e]", ["x"]), Sheet("A/B:C*D?[E]", ["x"]), Sheet("x" * 40, ["x"])])
    titles = load_workbook(io.BytesIO(data)).sheetnames
    assert titles == ["a-b-c-d--e-", "A-B-C-D--E- (2)", "x" * 31]


def test_every_worksheet_wraps_long_text_and_prints_one_page_wide():
    long = "很长的一段文字，" * 40
    data = workbook_bytes([Sheet("A", ["Name", "Text"], [["短", long], ["x", "y"]])])
    sheet = load_workbook(io.BytesIO(data)).active
    assert sheet.column_dimensions["B"].width == 60 and sheet["B2"].alignment.wrap_text
    assert sheet.row_dimensions[2].height >= 15 * 10 and not sheet["A2"].alignment.wrap_text
    assert sheet.row_dimensions[3].height is None
    assert sheet.page_setup.orientation == "landscape" and sheet.sheet_properties.pageSetUpPr.fitToPage
    assert (sheet.page_setup.fitToWidth, sheet.page_setup.fitToHeight) == (1, 0)
    assert sheet.print_title_rows == "$1:$1" and sheet.oddFooter.center.text == "&P / &N"


@pytest.mark.django_db
def test_the_student_pages_export_through_the_same_module(user_client):
    """One writer: the student's timeline, like the leaderboards, quotes formula-like text with the
    quote-prefix flag (no apostrophe in the text) and prints one page wide."""
    student = make_student("=1+1")
    make_entry(make_event(name="=SUM(A1)"), members=[student], award="金牌")
    response = user_client.get(student.get_absolute_url(), {"_export": "xlsx"})
    assert response["Content-Disposition"] == 'attachment; filename="1_1-entries.xlsx"'
    sheet = load_workbook(io.BytesIO(response.content)).active
    assert sheet.title == "=1+1" and sheet.page_setup.fitToWidth == 1
    cells = [cell for row in sheet.iter_rows(min_row=2) for cell in row if "SUM" in str(cell.value)]
    assert cells and {cell.value for cell in cells} == {"=SUM(A1)"}  # the event and its skill
    assert all(cell.quotePrefix and cell.data_type == "s" for cell in cells)


def test_only_csv_and_xlsx_are_valid_export_formats():
    assert [
        f
        for f in ["csv", "xlsx", "yaml", "json", "latex", "ods", "tsv", "xls", None]
        if SpreadsheetExport.is_valid_format(f)
    ] == ["csv", "xlsx"]


@pytest.mark.django_db
class TestLeaderboardExport:
    @pytest.fixture(autouse=True)
    def medals(self):
        make_entry(make_event(), members=[make_student("=1+2")], award="金牌")
        make_entry(make_event(), members=[make_student("郑泽鑫")], award="银牌")

    def test_csv_has_a_bom_and_escapes_formulas(self, user_client):
        response = user_client.get(LEADERBOARD, {"_export": "csv"})
        assert response.status_code == 200
        assert response["Content-Type"] == "text/csv; charset=utf-8"
        assert 'filename="leaderboard-students.csv"' in response["Content-Disposition"]
        assert response.content.startswith(BOM)
        table = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
        assert table[0][:2] == ["Rank", "Student"]
        assert table[1][:4] == ["1", "'=1+2", "0", "1"]
        assert table[2][1] == "郑泽鑫"

    def test_xlsx_opens_with_the_rows_of_the_table(self, user_client):
        response = user_client.get(LEADERBOARD, {"_export": "xlsx", "sort": "name"})
        sheet = load_workbook(io.BytesIO(response.content)).active
        assert [cell.value for cell in sheet[2]][:4] == [1, "=1+2", 0, 1]
        assert sheet["B2"].data_type == "s"
        assert sheet.max_row == 3

    def test_the_export_follows_the_filters_and_has_every_row(self, user_client):
        for i in range(60):
            make_entry(make_event(), members=[make_student(f"学生{i}")], award="铜牌")
        response = user_client.get(LEADERBOARD, {"_export": "csv", "page": 2})
        assert len(response.content.decode("utf-8-sig").strip().splitlines()) == 1 + 62

    @pytest.mark.parametrize("export_format", ["yaml", "json", "latex", "ods", "tsv", "xls", "CSV"])
    def test_other_formats_are_refused(self, user_client, export_format):
        response = user_client.get(LEADERBOARD, {"_export": export_format})
        assert response.status_code == 400

    def test_the_page_links_to_csv_and_xlsx_only(self, user_client):
        content = user_client.get(LEADERBOARD, {"by": "students"}).content.decode()
        assert "_export=csv" in content and "_export=xlsx" in content
        assert "_export=yaml" not in content


@pytest.mark.django_db
def test_the_drill_down_exports_members_and_coaches_as_text(user_client):
    home_organization()
    team = [make_student("李文博"), make_student("@evil")]
    competition = make_competition("全国赛", year=2023)
    make_entry(
        make_event(competition, name="移动机器人", is_team=True), members=team, coaches=[make_coach("陈老师")]
    )
    response = user_client.get(PIVOT_ENTRIES, {"year": 2023, "_export": "csv"})
    assert response.content.startswith(BOM)
    header, row = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    values = dict(zip(header, row, strict=True))
    assert values["Members"] == "李文博、@evil"  # not formula-like: it starts with 李
    assert values["Coaches"] == "陈老师"
    assert values["Competition"] == "全国赛"
    assert user_client.get(PIVOT_ENTRIES, {"_export": "yaml"}).status_code == 400
