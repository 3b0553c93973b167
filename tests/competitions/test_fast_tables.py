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
    # Links the fast path makes: a callable's URL (escaped; None: no link; an empty value: the
    # default, unlinked), a choice's label linked to the record; one with `a` attributes it leaves
    # to the library.
    host = tables.Column(linkify=lambda record, value: None if value == "无" else f"/host?a=1&b=<{value}>")
    category = tables.Column(linkify=True)
    notes = tables.Column(linkify=True, attrs={"a": {"class": "x", "title": lambda record: record.year}})

    class Meta:
        model = Competition
        fields = ["name", "year", "level", "edition", "host", "category", "notes"]
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
    first = make_competition("甲<赛>", year=2023, host="广州&<深圳>", notes="备注")
    make_competition("乙赛", year=2024, edition=12345, host="无")
    make_competition("丙赛", year=2025, host="")
    rows = Competition.objects.order_by("year")
    # A table each: a row's even/odd class counts on across renders of one table.
    library = body('{% render_table table "django_tables2/bootstrap5.html" %}', Sample(rows))
    ours = body('{% render_table table "tables/table.html" %}', Sample(rows))
    assert "甲&lt;赛&gt;" in ours and 'data-year="2024"' in ours and "<b>乙赛</b>" in ours
    assert f'<a href="{first.get_absolute_url()}">甲&lt;赛&gt;</a>' in ours
    assert '<a href="/host?a=1&amp;b=&lt;广州&amp;&lt;深圳&gt;&gt;">广州&amp;&lt;深圳&gt;</a>' in ours
    assert ">无<" in ours and 'class="x"' in ours
    assert ours == library


def test_plain_and_linked_columns_take_the_fast_path():
    record = make_competition("甲赛")
    table = Sample([record])
    fields = {column.name: fast_tables.plain_field(column, record) for column in table.columns}
    assert fields["name"] == "name" and fields["host"] == "host" and fields["category"] == "category"
    assert fields["notes"] is None  # its link has attributes of its own
    assert fields["note"] is None  # a render method


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
