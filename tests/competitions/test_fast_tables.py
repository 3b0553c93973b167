"""The rows fast_tables writes are the rows django-tables2's own template writes."""

import re

import django_tables2 as tables
import pytest
from django.template import Context, Template
from django.test import RequestFactory
from django.utils.html import format_html

from competitions.models import Competition
from competitions.templatetags import fast_tables
from tests.factories import make_competition

pytestmark = pytest.mark.django_db


class Sample(tables.Table):
    name = tables.Column(linkify=True)
    year = tables.Column(attrs={"td": {"class": "num", "data-year": lambda record: record.year}})
    level = tables.Column()
    edition = tables.Column(localize=False)
    note = tables.Column(empty_values=(), verbose_name="Note")

    class Meta:
        model = Competition
        fields = ["name", "year", "level", "edition"]
        row_attrs = {"data-id": lambda record: record.pk}
        empty_text = "Nothing <here>"

    def render_note(self, record):
        return format_html("<b>{}</b>", record.name)


def body(template: str, table) -> str:
    html = Template("{% load django_tables2 %}" + template).render(
        Context({"table": table, "request": RequestFactory().get("/")})
    )
    tbody = re.search(r"<tbody[^>]*>(.*?)</tbody>", html, re.S).group(1)
    return re.sub(r"\s+", " ", re.sub(r">\s+<", "><", tbody)).strip()


def test_the_rows_equal_the_library_templates_rows():
    make_competition("甲<赛>", year=2023)
    make_competition("乙赛", year=2024, edition=12345)
    table = Sample(Competition.objects.order_by("year"))
    library = body('{% render_table table "django_tables2/bootstrap5.html" %}', table)
    ours = body('{% render_table table "tables/table.html" %}', table)
    assert "甲&lt;赛&gt;" in ours and 'data-year="2024"' in ours and "<b>乙赛</b>" in ours
    assert ours == library


def test_an_empty_table_says_so_escaped():
    table = Sample(Competition.objects.none())
    ours = body('{% render_table table "tables/table.html" %}', table)
    assert ours == body('{% render_table table "django_tables2/bootstrap5.html" %}', table)
    assert "Nothing &lt;here&gt;" in ours


def test_a_render_methods_signature_is_worked_out_once_per_class(monkeypatch):
    calls = []
    monkeypatch.setattr(fast_tables, "method_signatures", {})
    original = fast_tables.library_signature
    monkeypatch.setattr(fast_tables, "library_signature", lambda fn: calls.append(fn) or original(fn))
    first, second = Sample([]), Sample([])
    assert fast_tables.cached_signature(first.render_note) == (("record",), None)
    assert fast_tables.cached_signature(second.render_note) == (("record",), None)
    assert len(calls) == 1
