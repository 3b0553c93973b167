"""The annual summary as the competition section of the annual report, a Word document (issue 12):
the page's paragraph, the tables by level and tier with the tallies' numbers, the charts as PNG
pictures with Chinese drawn, Chinese fonts on Chinese text, in Chinese or English."""

import io
import re
from collections import Counter, defaultdict
from html import unescape
from pathlib import Path

import pytest
from django.urls import reverse
from django.utils import timezone
from docx import Document
from docx.oxml.ns import qn
from docx.shared import Cm

from competitions import charts, exports, reports
from competitions.models import Entry, Level, Tier
from tests.factories import (
    home_organization,
    make_coach,
    make_competition,
    make_department,
    make_entry,
    make_event,
    make_student,
)
from tests.libreoffice import SOFFICE, Converter, pdf_pages

pytestmark = pytest.mark.django_db

SUMMARY = reverse("competitions:annual-summary")
CJK = re.compile(r"[\u2e80-\u9fff\uf900-\ufaff\uff00-\uffef]")
PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


def docx_url(year: int = 2023) -> str:
    return reverse("competitions:annual-summary-docx", args=[year])


def open_docx(response):
    assert response.status_code == 200, response.content[:200]
    return Document(io.BytesIO(response.content))


def body_paragraphs(document) -> list:
    """The document's paragraphs of running text (not headings, captions or pictures)."""
    return [p for p in document.paragraphs if p.style.name == "Normal" and p.text]


def all_text(document) -> str:
    cells = [cell.text for table in document.tables for row in table.rows for cell in row.cells]
    return "\n".join([paragraph.text for paragraph in document.paragraphs] + cells)


def table_rows(table) -> list[list[str]]:
    return [[cell.text for cell in row.cells] for row in table.rows]


def page_textarea(html: str, language: str) -> str:
    match = re.search(rf'<textarea readonly rows="\d+" lang="{language}">(.*?)</textarea>', html, re.S)
    return unescape(match.group(1))


def page_chart_count(html: str) -> int:
    charts_section = html[html.index('<section class="charts"') :]
    return charts_section.count("<svg ")


@pytest.fixture
def results():
    """A year of the home college: national medals with names and coaches, a provincial gold, an
    unnamed bronze, a squad selection, two departments; and another college's gold (not counted)."""
    home_organization()
    robotics, cars = make_department("机器人系"), make_department("汽车系")
    national = make_competition("中华人民共和国第二届职业技能大赛", year=2023, level=Level.NATIONAL)
    make_entry(
        make_event(national, name="移动机器人"),
        members=[make_student("蒋家俊", department=robotics)],
        coaches=[make_coach("陈老师")],
        award="金牌",
    )
    make_entry(
        make_event(national, name="机电一体化", is_team=True),
        members=[make_student("郑泽鑫", department=robotics), make_student("郑永壕", department=cars)],
        award="银牌",
    )
    make_entry(make_event(national, name="其他世赛选拔项目"), award="铜牌")
    provincial = make_competition("广东省第三届职业技能大赛", year=2023, level=Level.PROVINCIAL)
    cars_event = make_event(provincial, name="汽车技术")
    make_entry(cars_event, members=[make_student("周焯祺", department=cars)], award="金牌")
    make_entry(cars_event, award="金牌", organization="外校")
    squad = make_competition("第47届世界技能大赛中国集训队选拔", year=2023, level=Level.NATIONAL)
    make_entry(make_event(squad, name="移动机器人"), members=[make_student("李文博")], award="入围国家集训队")


# The document's content


def test_the_paragraph_is_the_summary_pages_paragraph(user_client, results):
    page = user_client.get(SUMMARY, {"year": 2023}).content.decode()
    document = open_docx(user_client.get(docx_url(), {"lang": "zh-hans"}))
    heading, *rest = document.paragraphs
    assert heading.style.name == "Heading 2" and heading.text == "2.2 竞赛获奖情况"
    assert [p.text for p in body_paragraphs(document)] == [page_textarea(page, "zh-Hans")]
    english = open_docx(user_client.get(docx_url(), {"lang": "en"}))
    assert [p.text for p in body_paragraphs(english)] == [page_textarea(page, "en")]


def test_a_category_gets_the_reports_subsection_heading(user_client, results):
    document = open_docx(user_client.get(docx_url(), {"lang": "zh-hans", "category": "skills"}))
    assert document.paragraphs[0].text == "2.2.1 技能类竞赛获奖情况"
    assert document.paragraphs[0].style.name == "Heading 3"


def test_the_level_table_holds_a_recount_of_the_colleges_entries(user_client, results):
    # Brute force: in `results` the college's entries are those competing for it (the other
    # college's gold has no home member).
    counted: dict[str, Counter] = defaultdict(Counter)
    for entry in Entry.objects.filter(event__competition__year=2023, organization=home_organization()):
        counted[entry.event.competition.level][entry.award.tier] += 1
    total = sum(counted.values(), Counter())
    expected = [["Level", *(str(tier.label) for tier in Tier), "Total"]]
    expected += [
        [str(level.label), *(str(counted[level][tier]) for tier in Tier), str(counted[level].total())]
        for level in Level
        if counted[level]
    ]
    expected.append(["Total", *(str(total[tier]) for tier in Tier), str(total.total())])
    document = open_docx(user_client.get(docx_url(), {"lang": "en"}))
    assert table_rows(document.tables[0]) == expected
    assert total.total() == 5


def test_the_department_table_is_the_pages(user_client, results):
    page = user_client.get(SUMMARY, {"year": 2023}).content.decode()
    section = page[
        page.index('<section id="departments">') : page.index("</section>", page.index('id="departments"'))
    ]
    page_rows = [
        [
            unescape(re.sub(r"<[^>]+>", "", cell)).strip()
            for cell in re.findall(r"<t[hd][^>]*>(.*?)</t[hd]>", row, re.S)
        ]
        for row in re.findall(r"<tr>(.*?)</tr>", section, re.S)
    ]
    document = open_docx(user_client.get(docx_url(), {"lang": "en"}))
    departments = next(table for table in document.tables if table.rows[0].cells[0].text == "Department")
    assert table_rows(departments) == page_rows


def test_the_tables_have_numbered_captions_above_them(user_client, results):
    document = open_docx(user_client.get(docx_url(), {"lang": "zh-hans"}))
    captions = [p.text for p in document.paragraphs if p.style.name == "Caption"]
    tables = [c for c in captions if c.startswith("表")]
    assert tables[0] == "表 2-1 2023 年竞赛获奖情况（按级别和奖项等级统计）"
    assert tables == [f"表 2-{n} 2023 年{text}" for n, text in enumerate(
        [
            "竞赛获奖情况（按级别和奖项等级统计）",
            "国家级和世界级赛事获奖名单",
            "入选国家集训队名单",
            "各系部获奖情况",
        ],
        start=1,
    )]  # fmt: skip
    assert [c for c in captions if c.startswith("图")] == [
        "图 2-1 2023 年各系部获奖情况",
        "图 2-2 2023 年各赛项获奖情况",
    ]
    # Each table's caption is the paragraph just before it in the body.
    body = document.element.body
    for table in document.tables:
        previous = table._tbl.getprevious()
        assert previous.style == "Caption"
        assert body.index(previous) + 1 == body.index(table._tbl)


def test_the_charts_are_pictures_one_per_chart_of_the_page(user_client, results):
    page = user_client.get(SUMMARY, {"year": 2023}).content.decode()
    response = user_client.get(docx_url(), {"lang": "zh-hans"})
    document = open_docx(response)
    assert len(document.inline_shapes) == page_chart_count(page) == 2
    pictures = [part for part in document.part.package.parts if part.content_type == "image/png"]
    assert len(pictures) == 2
    for picture in pictures:
        assert picture.blob.startswith(PNG_MAGIC)
        width, height = exports.png_size(picture.blob)
        assert 640 <= width <= 2400 and 80 <= height <= 2400  # twice the page's size
    for shape in document.inline_shapes:
        assert 0 < shape.width <= Cm(exports.TEXT_WIDTH) + 1


def test_a_year_without_awards_has_the_paragraph_and_no_tables_or_pictures(user_client, results):
    document = open_docx(user_client.get(docx_url(2019), {"lang": "zh-hans"}))
    assert [p.text for p in body_paragraphs(document)] == ["2019 年，学院师生在各级各类竞赛中暂无获奖记录。"]
    assert document.tables == [] and len(document.inline_shapes) == 0


def test_chinese_text_is_set_in_chinese_fonts(user_client, results):
    for language in ("zh-hans", "en"):
        document = open_docx(user_client.get(docx_url(), {"lang": language}))
        runs = [run for p in document.paragraphs for run in p.runs]
        runs += [
            run
            for t in document.tables
            for row in t.rows
            for c in row.cells
            for p in c.paragraphs
            for run in p.runs
        ]
        chinese = [run for run in runs if CJK.search(run.text)]
        assert chinese, language
        for run in chinese:
            fonts = run._element.rPr.rFonts
            assert fonts.get(qn("w:eastAsia")) in {exports.TEXT_FONT, exports.HEADING_FONT}, run.text
            assert fonts.get(qn("w:eastAsiaTheme")) is None
        defaults = document.styles.element.find(qn("w:docDefaults"))
        assert (
            defaults.find(f"{qn('w:rPrDefault')}/{qn('w:rPr')}/{qn('w:rFonts')}").get(qn("w:eastAsia"))
            == "宋体"
        )


def test_the_page_is_a4_with_a_reports_margins(user_client, results):
    section = open_docx(user_client.get(docx_url(), {"lang": "zh-hans"})).sections[0]
    assert (round(section.page_width.cm, 1), round(section.page_height.cm, 1)) == (21.0, 29.7)
    assert round(section.left_margin.cm, 2) == round(section.right_margin.cm, 2) == 3.18
    assert round(section.top_margin.cm, 2) == round(section.bottom_margin.cm, 2) == 2.54


def test_the_english_document_has_no_chinese_words_of_its_own(user_client):
    home_organization()
    national = make_competition("National Games", year=2023, level=Level.NATIONAL)
    make_entry(
        make_event(national, name="Robotics"),
        members=[make_student("Li Wenbo", department=make_department("Robotics Department"))],
        coaches=[make_coach("Chen")],
        award="金牌",
    )
    make_entry(make_event(national, name="Mechatronics"), award="铜牌")
    make_entry(
        make_event(make_competition("Squad Trials", year=2023), name="Welding"),
        members=[make_student("Zhou")],
        award="入围国家集训队",
    )
    # Even when the visitor reads the site in Chinese, lang=en is English.
    user_client.cookies["django_language"] = "zh-hans"
    document = open_docx(user_client.get(docx_url(), {"lang": "en"}))
    text = all_text(document)
    assert document.paragraphs[0].text == "2.2 Competition Awards"
    assert "Table 2-1 Awards by level and tier, 2023" in text
    assert "Figure 2-1 Awards by department, 2023" in text
    assert "Li Wenbo won gold in Robotics (coach: Chen)" in text
    # The award labels as written (金牌, 入围国家集训队) are data; nothing else is Chinese.
    assert CJK.findall(text.replace("金牌", "").replace("铜牌", "").replace("入围国家集训队", "")) == []


def test_without_lang_the_document_is_in_the_visitors_language(user_client, results):
    english = open_docx(user_client.get(docx_url()))
    assert english.paragraphs[0].text == "2.2 Competition Awards"
    user_client.cookies["django_language"] = "zh-hans"
    chinese = open_docx(user_client.get(docx_url()))
    assert chinese.paragraphs[0].text == "2.2 竞赛获奖情况"


def test_confirmed_results_only_is_honoured(user_client, results):
    confirmed_gold = Entry.objects.get(event__name="移动机器人", award__label="金牌")
    Entry.objects.filter(pk=confirmed_gold.pk).update(confirmed_at=timezone.now())
    every = open_docx(user_client.get(docx_url(), {"lang": "zh-hans"}))
    confirmed = open_docx(user_client.get(docx_url(), {"lang": "zh-hans", "confirmed": "on"}))
    assert table_rows(every.tables[0])[-1][-1] == "5"
    assert table_rows(confirmed.tables[0])[-1][-1] == "1"
    summary = reports.annual_summary(2023, confirmed=True)
    assert [p.text for p in body_paragraphs(confirmed)] == [summary.paragraph_zh]
    assert confirmed.core_properties.comments == "仅统计已确认的成绩。"


# The download


def test_the_download_is_a_private_word_file_with_a_chinese_name(user_client, results):
    response = user_client.get(docx_url(), {"lang": "zh-hans", "category": "skills", "confirmed": "on"})
    assert response["Content-Type"] == exports.DOCX_CONTENT_TYPE
    disposition = response["Content-Disposition"]
    assert disposition.startswith("attachment; filename*=utf-8''")
    assert "2023年竞赛获奖情况-职业技能-仅已确认成绩.docx" in unescape_rfc5987(disposition)
    assert "private" in response["Cache-Control"] and "no-store" in response["Cache-Control"]
    english = user_client.get(docx_url(), {"lang": "en"})
    assert english["Content-Disposition"] == 'attachment; filename="competition-awards-2023.docx"'


def unescape_rfc5987(header: str) -> str:
    from urllib.parse import unquote

    return unquote(header.split("''", 1)[1])


def test_an_unknown_language_or_category_is_refused(user_client, results):
    assert user_client.get(docx_url(), {"lang": "fr"}).status_code == 400
    assert user_client.get(docx_url(), {"category": "evil"}).status_code == 400


def test_the_summary_page_links_to_the_document_in_both_languages(user_client, results):
    page = user_client.get(SUMMARY, {"year": 2023, "category": "skills", "confirmed": "on"}).content.decode()
    query = "category=skills&amp;confirmed=on"
    assert f'href="{docx_url()}?{query}&amp;lang=en" download>Download Word (.docx)</a>' in page
    assert f'href="{docx_url()}?{query}&amp;lang=zh-hans" download>Word in Chinese (.docx)</a>' in page


def test_without_a_home_college_the_document_says_there_is_nothing(user_client):
    document = open_docx(user_client.get(docx_url(), {"lang": "en"}))
    assert [p.text for p in body_paragraphs(document)] == [
        "In 2023, no awards were recorded for the college."
    ]


def grow(start: int, stop: int) -> None:
    home_organization()
    for i in range(start, stop):
        department = make_department(f"系{i}")
        competition = make_competition(f"赛事{i}", year=2023, level=list(Level)[i % len(Level)])
        for j in range(5):
            make_entry(
                make_event(competition, name=f"赛项{i}-{j}"),
                members=[make_student(f"选手{i}-{j}", department=department)],
                coaches=[make_coach(f"教练{i}-{j}")],
                award=["金牌", "银牌", "铜牌", "优胜奖", "入围国家集训队"][j],
            )


def test_the_query_count_does_not_grow_with_the_data(user_client, django_assert_max_num_queries):
    grow(0, 1)
    with django_assert_max_num_queries(14):
        small = open_docx(user_client.get(docx_url(), {"lang": "zh-hans"}))
    grow(1, 8)
    with django_assert_max_num_queries(14):
        large = open_docx(user_client.get(docx_url(), {"lang": "zh-hans"}))
    assert len(table_rows(large.tables[0])) > len(table_rows(small.tables[0]))


# Chinese drawn in the charts


def render(text: str, font_family: str | None) -> bytes:
    chart = charts.stacked_bars([charts.Bar(text, {"gold": 2})], title="t", tiers=["gold"])
    return exports.chart_png(charts.standalone(str(chart), font_family=font_family))


def test_the_charts_draw_chinese_glyphs_not_empty_boxes():
    font = exports.cjk_font_family()
    if font is None:
        pytest.skip(
            "No font covering Chinese is installed (apt-get install fonts-noto-cjk; scripts/setup.sh installs it)"
        )
    # Different characters draw different pictures; with a font without Chinese every character
    # is the same empty box ("tofu"), so two labels of as many characters draw the same picture.
    assert render("机器人系", font) != render("汽车工程", font)
    assert render("机器人系", "No Such Font") == render("汽车工程", "No Such Font")


def test_a_standalone_chart_carries_the_pages_styles():
    chart = charts.stacked_bars([charts.Bar("<系>", {"gold": 1})], title="t", tiers=["gold"])
    svg = charts.standalone(str(chart), font_family='Noto Sans CJK SC"><script>')
    assert svg.startswith('<svg xmlns="http://www.w3.org/2000/svg" class="chart chart-bars"')
    assert 'font-family="Noto Sans CJK SC&quot;&gt;&lt;script&gt;"' in svg
    assert "&lt;系&gt;" in svg and "<script" not in svg
    assert 'class="chart-legend" fill="#656d76"' in svg and 'font-weight="600"' in svg


def test_openpyxl_reads_workbooks_with_defusedxml_although_python_docx_brings_lxml():
    import defusedxml.ElementTree
    import openpyxl
    from openpyxl.xml import functions

    assert openpyxl.LXML is False
    assert functions.fromstring is defusedxml.ElementTree.fromstring


# Printed by LibreOffice


# LibreOffice's Writer (Debian's libreoffice-writer-nogui: scripts/test.sh installs it), beside soffice.
WRITER = SOFFICE is not None and (Path(SOFFICE).resolve().parent / "libswlo.so").exists()


@pytest.mark.libreoffice
@pytest.mark.skipif(
    not WRITER, reason="LibreOffice Writer is not installed (apt-get install libreoffice-writer-nogui)"
)
def test_the_document_prints_on_a_few_pages(user_client, results, tmp_path):
    source = tmp_path / "section.docx"
    source.write_bytes(user_client.get(docx_url(), {"lang": "zh-hans"}).content)
    pdf = Converter(tmp_path / "profile")(source, "pdf")
    assert 1 <= pdf_pages(pdf) <= 4
    assert Path(pdf).stat().st_size > 20_000  # the pictures are in it
