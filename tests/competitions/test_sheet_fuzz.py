"""Hypothesis mutates valid result sheets, CSV and XLSX, the way careless offices and attackers do:
encodings, stray bytes, NULs and other control characters, huge cells, formulas, merged cells,
dates, floats and booleans in cells, extra columns, lying dimensions, cells far away, damaged XML
and damaged archives.

Every sheet ends in a clean import, a plan with row errors and nothing saved, or a SheetError:
never another exception and never a partial import.
"""

import csv
import datetime
import io
import re

from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st
from hypothesis.extra.django import TestCase
from openpyxl import Workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.utils import get_column_letter

from competitions.importing import import_sheet
from competitions.models import Competition, Entry, EntryCoach, EntryMember, Event, Organization
from competitions.reading import SheetError
from students.models import Coach, Student
from tests.competitions.test_reading import HEADER, HOME, SHEET, edit_zip
from tests.factories import home_organization

ROWS = [
    [
        "第二届职业技能大赛",
        "2023",
        "国家级",
        "混合现实",
        HOME,
        "蒋家俊、李文博",
        "S001、S002",
        "王老师",
        "金牌",
        "1",
    ],
    ["第二届职业技能大赛", "2023", "国家级", "混合现实", "外省技师学院", "张三", "", "", "银牌", "2"],
    ["第二届职业技能大赛", "2023", "national", "机电一体化", HOME, "", "", "", "铜牌", ""],
    [
        "省职业院校技能大赛",
        "2024年",
        "省级",
        "工业机器人",
        HOME,
        "李文博",
        "S002",
        "赵老师（T01）",
        "优胜奖",
        "第3名",
    ],
    ["省职业院校技能大赛", "2024", "省赛", "网络安全", "邻市职业学院", "王五,赵六", "", "", "一等奖", "1"],
]
# Each mutation is drawn for about one sheet in four, so that clean imports stay common too.
sometimes = st.integers(0, 3).map(lambda n: n == 0)
MODELS = [Entry, EntryMember, EntryCoach, Competition, Event, Organization, Student, Coach]

texts = st.one_of(
    st.text(max_size=20),
    st.sampled_from(
        [
            '=HYPERLINK("http://example.com","点这里")',
            "=1+1",
            "+86 123",
            "@SUM(A1)",
            "99999999999999999999",
            "-1",
            "0",
            "2023.0",
            "  ",
            "混合\r\n现实",
            "a\tb",
            "张三\x00",
            "\x1b[31m",
            "\x85",
            "\ufeff赛事",
            "ｅｖｅｎｔ",
        ]
    ),
    st.integers(2_000, 40_000).map(lambda n: "长" * n),
)
typed = st.one_of(
    texts,
    st.integers(-(2**63), 2**63 - 1),
    st.floats(allow_nan=True, allow_infinity=True),
    st.booleans(),
    st.dates(min_value=datetime.date(1900, 3, 1), max_value=datetime.date(9999, 12, 31)),
    st.datetimes(min_value=datetime.datetime(1900, 3, 1)),
)


@st.composite
def sheet_rows(draw, values):
    rows = [list(HEADER)] + [
        list(ROWS[i]) for i in draw(st.lists(st.integers(0, len(ROWS) - 1), min_size=1, max_size=5))
    ]
    for _ in range(draw(st.sampled_from([0, 0, 1, 2, 3]))):
        row = draw(st.integers(0, len(rows) - 1))
        column = draw(st.one_of(st.integers(0, 11), st.integers(12, 80)))
        while len(rows[row]) <= column:
            rows[row].append("")
        rows[row][column] = draw(values)
        event(f"cell changed in column {'≤ 12' if column < 12 else '> 12'}")
    if draw(sometimes):
        rows.insert(draw(st.integers(1, len(rows))), [])
    return rows


@st.composite
def csv_files(draw):
    rows = draw(sheet_rows(texts))
    encoding = draw(st.sampled_from(["utf-8", "utf-8-sig", "gb18030", "utf-16"]))
    event(f"csv {encoding}")
    text = io.StringIO()
    csv.writer(text, delimiter="\t" if encoding == "utf-16" else ",").writerows(rows)
    data = bytearray(text.getvalue().encode(encoding))
    for _ in range(draw(st.sampled_from([0, 0, 1, 2]))):
        kind = draw(st.sampled_from(["stray bytes", "flipped byte", "truncated"]))
        event(f"csv {kind}")
        at = draw(st.integers(0, max(0, len(data) - 1)))
        if kind == "stray bytes":
            data[at:at] = draw(st.binary(min_size=1, max_size=3))
        elif kind == "flipped byte" and data:
            data[at] = draw(st.integers(0, 255))
        else:
            del data[at:]
    return bytes(data), draw(st.sampled_from(["results.csv", "results.txt", "results"]))


@st.composite
def xlsx_files(draw):
    rows = draw(sheet_rows(typed))
    workbook = Workbook()
    sheet = workbook.active
    for values in rows:
        sheet.append(
            [ILLEGAL_CHARACTERS_RE.sub("", value) if isinstance(value, str) else value for value in values]
        )
    if draw(sometimes):
        event("xlsx text that looks like a formula")
        cell = sheet.cell(draw(st.integers(2, len(rows))), draw(st.integers(1, 10)))
        cell.value, cell.data_type = '=HYPERLINK("http://example.com","x")', "s"
    if draw(sometimes):
        event("xlsx merged cells")
        top, left = draw(st.integers(1, len(rows))), draw(st.integers(1, 10))
        sheet.merge_cells(
            start_row=top,
            start_column=left,
            end_row=top + draw(st.integers(0, 2)),
            end_column=left + draw(st.integers(1, 3)),
        )
    buffer = io.BytesIO()
    workbook.save(buffer)
    data = buffer.getvalue()

    edits = []
    if draw(sometimes):
        event("xlsx lying dimension")
        ref = draw(st.sampled_from(["A1:XFD1048576", "A1:B2", "A1:BL500001", "C3:A1", "nonsense"]))
        edits.append(
            lambda xml: re.sub(rb'<dimension ref="[^"]*" ?/>', f'<dimension ref="{ref}"/>'.encode(), xml)
        )
    if draw(sometimes):
        event("xlsx a cell far away")
        number = draw(st.integers(len(rows) + 1, 1_048_576))
        column = get_column_letter(draw(st.integers(1, 16_384)))
        value = draw(st.sampled_from(["x", "", " "]))
        far = f'<row r="{number}"><c r="{column}{number}" t="inlineStr"><is><t>{value}</t></is></c></row>'
        edits.append(lambda xml: xml.replace(b"</sheetData>", far.encode() + b"</sheetData>"))
    if draw(sometimes):
        kind = draw(st.sampled_from(["mismatched tag", "cut", "bad reference", "bad string index", "entity"]))
        event(f"xlsx damaged XML: {kind}")
        fraction = draw(st.floats(0, 1))
        damage = {
            "mismatched tag": lambda xml: xml.replace(b"</row>", b"</rov>", 1),
            "cut": lambda xml: xml[: int(len(xml) * fraction)],
            "bad reference": lambda xml: xml.replace(b'<c r="B2"', b'<c r="2B"', 1),
            "bad string index": lambda xml: xml.replace(
                b"</sheetData>", b'<row r="1048000"><c r="A1048000" t="s"><v>7777</v></c></row></sheetData>'
            ),
            "entity": lambda xml: xml.replace(b"<sheetData>", b'<!DOCTYPE x [<!ENTITY a "b">]><sheetData>'),
        }[kind]
        edits.append(damage)
    if edits:

        def edit(xml):
            for change in edits:
                xml = change(xml)
            return xml

        data = edit_zip(data, SHEET, edit)
    if draw(st.integers(0, 9)) == 0:
        event("xlsx archive truncated")
        # A fraction, not a length: the saved workbook's size varies with its timestamp.
        data = data[: int(len(data) * draw(st.floats(0, 1)))]
    return data, draw(st.sampled_from(["results.xlsx", "results"]))


class TestEverySheetImportsOrIsRefusedCleanly(TestCase):
    @classmethod
    def setUpTestData(cls):
        home_organization()

    def check(self, data: bytes, filename: str) -> None:
        before = {model: model.objects.count() for model in MODELS}
        try:
            plan = import_sheet(data, filename)
        except SheetError as error:
            assert str(error)
            event("outcome: refused (SheetError)")
            outcome = "refused"
        else:
            if plan.errors:
                event("outcome: row errors, nothing saved")
                outcome = "row errors"
            else:
                event("outcome: imported")
                outcome = "imported"
                assert Entry.objects.count() == before[Entry] + len(plan.to_add)
        if outcome != "imported":
            assert {model: model.objects.count() for model in MODELS} == before

    @settings(
        max_examples=80,
        deadline=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
    )
    @given(csv_files())
    def test_csv(self, file):
        self.check(*file)

    @settings(
        max_examples=60,
        deadline=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
    )
    @given(xlsx_files())
    def test_xlsx(self, file):
        self.check(*file)
