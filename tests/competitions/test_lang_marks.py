"""Chinese data inside English pages is marked lang="zh-Hans" (competitions.templatetags.lang_marks)."""

import pytest
from django.template import Context, Template
from django.utils import translation

from competitions.models import Competition
from competitions.tables import CompetitionTable
from competitions.templatetags.lang_marks import Marks, chinese_lang, zh, zh_lang
from tests.factories import make_competition


def render(text, language: str) -> str:
    with translation.override(language):
        return Template("{% load lang_marks %}<h1>{{ name|zh }}</h1>").render(Context({"name": text}))


def test_chinese_text_is_marked_on_english_pages_only():
    assert render("郑泽鑫", "en") == '<h1><span lang="zh-Hans">郑泽鑫</span></h1>'
    assert render("郑泽鑫", "zh-hans") == "<h1>郑泽鑫</h1>"


@pytest.mark.parametrize("language", ["en", "zh-hans"])
def test_a_tables_marks_are_the_filters_read_once(language):
    """Marks (one table's cells: the page's language read once) writes what zh and zh_lang write."""
    with translation.override(language):
        marks = Marks()
        for text in ("郑泽鑫", "Mobile Robotics", "<b>郑</b>", "A&B 机电", "", None, 2024):
            assert marks.zh(text) == zh(text)
            assert marks.lang(text) == chinese_lang(text)
            if text is not None:
                assert marks.attr(text) == zh_lang(text)


def test_text_without_chinese_characters_is_left_as_it_is():
    assert render("WorldSkills Kazan 2024", "en") == "<h1>WorldSkills Kazan 2024</h1>"
    assert render("", "en") == "<h1></h1>"
    assert render(None, "en") == "<h1></h1>"


def test_marked_text_is_still_escaped():
    assert render("<b>郑</b>", "en") == '<h1><span lang="zh-Hans">&lt;b&gt;郑&lt;/b&gt;</span></h1>'
    assert render("<b>x</b>", "en") == "<h1>&lt;b&gt;x&lt;/b&gt;</h1>"


def test_the_attribute_for_table_cells():
    with translation.override("en"):
        assert chinese_lang("第47届世界技能大赛") == "zh-Hans"
        assert chinese_lang("Mobile Robotics") is None
    with translation.override("zh-hans"):
        assert chinese_lang("第47届世界技能大赛") is None


@pytest.mark.django_db
def test_table_cells_of_chinese_names_say_so_on_english_pages(rf):
    make_competition("广东省第三届职业技能大赛")
    with translation.override("en"):
        html = CompetitionTable(Competition.objects.all()).as_html(rf.get("/"))
    assert '<td lang="zh-Hans"><a href=' in html and "广东省第三届职业技能大赛" in html
    with translation.override("zh-hans"):
        html = CompetitionTable(Competition.objects.all()).as_html(rf.get("/"))
    assert 'lang="zh-Hans"' not in html


def test_the_attribute_filter_marks_an_element_of_its_own():
    template = Template("{% load lang_marks %}<li{{ name|zh_lang }}>{{ name }}</li>")
    with translation.override("en"):
        assert template.render(Context({"name": "王小明"})) == '<li lang="zh-Hans">王小明</li>'
        assert template.render(Context({"name": "Wang"})) == "<li>Wang</li>"
    with translation.override("zh-hans"):
        assert template.render(Context({"name": "王小明"})) == "<li>王小明</li>"


def test_data_of_the_other_language_is_marked_both_ways():
    template = Template("{% load lang_marks %}{{ name|data }}")
    with translation.override("zh-hans"):
        assert template.render(Context({"name": "Gold"})) == '<span lang="en">Gold</span>'
        assert template.render(Context({"name": "金牌"})) == "金牌"
        assert template.render(Context({"name": "<b>"})) == '<span lang="en">&lt;b&gt;</span>'  # escaped
    with translation.override("en"):
        assert template.render(Context({"name": "金牌"})) == '<span lang="zh-Hans">金牌</span>'
        assert template.render(Context({"name": "Gold"})) == "Gold"
