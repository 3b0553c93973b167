"""The rows fast_tables writes are the rows django-tables2's own template writes."""

import re

import django_tables2 as tables
import pytest
from django.template import Context, Template
from django.test import RequestFactory
from django.utils.html import format_html

from competitions.models import Competition, Level
from competitions.templatetags import fast_tables
from tests.factories import make_competition

pytestmark = pytest.mark.django_db


class Sample(tables.Table):
    name = tables.Column(linkify=True)
    year = tables.Column(attrs={"td": {"class": "num", "data-year": lambda record: record.year}})
    level = tables.Column(
        attrs={"td": {"class": "lvl", "lang": lambda value: "zh" if "Provincial" in str(value) else None}}
    )
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


@pytest.mark.parametrize("grouped", [False, True])
def test_the_rows_equal_the_library_templates_rows(grouped, settings):
    settings.USE_THOUSAND_SEPARATOR = grouped  # ints are written as localize() writes them
    first = make_competition("甲<赛>", year=2023, host="广州&<深圳>", notes="备注")
    make_competition("乙赛", year=2024, edition=12345, host="无")
    make_competition("丙赛", year=2025, host="", level=Level.PROVINCIAL)
    rows = Competition.objects.order_by("year")
    # A table each: a row's even/odd class counts on across renders of one table.
    library = body('{% render_table table "django_tables2/bootstrap5.html" %}', Sample(rows))
    ours = body('{% render_table table "tables/table.html" %}', Sample(rows))
    assert "甲&lt;赛&gt;" in ours and 'data-year="2024"' in ours and "<b>乙赛</b>" in ours
    assert f'<a href="{first.get_absolute_url()}">甲&lt;赛&gt;</a>' in ours
    assert '<a href="/host?a=1&amp;b=&lt;广州&amp;&lt;深圳&gt;&gt;">广州&amp;&lt;深圳&gt;</a>' in ours
    assert ">无<" in ours and 'class="x"' in ours and 'class="lvl" lang="zh"' in ours
    assert ours == library
    assert ("2,024" in ours) is grouped and ">12345<" in ours  # edition: unlocalized


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


def around_tags(html: str) -> str:
    """Markup with the whitespace next to tags taken out (the library's template indents)."""
    return re.sub(r"\s+", " ", re.sub(r"\s*(<[^>]*>)\s*", r"\1", html)).replace(" >", ">").strip()


def head_and_pages(template: str, table, request) -> tuple[str, str]:
    html = Template("{% load django_tables2 %}" + template).render(
        Context({"table": table, "request": request})
    )
    head = re.search(r"<thead.*?</thead>", html, re.S)
    pages = re.search(r"<nav.*?</nav>", html, re.S)
    return (
        around_tags(head.group(0)) if head else "",
        around_tags(pages.group(0)) if pages else "",
    )


@pytest.mark.parametrize(
    "query",
    [
        "",  # first page, unsorted
        "sort=-year&page=7&q=%E7%94%B2%3C%22%26%3E",  # a middle page: "..." on both sides
        "sort=name&page=30&x=1&x=2",  # the last page; a parameter given twice
        "page=2",
    ],
)
@pytest.mark.parametrize("language", ["en", "zh-hans"])
def test_the_head_and_page_links_equal_the_library_templates(query, language):
    from django.utils import translation

    for n in range(60):
        make_competition(f"赛{n}", year=2000 + n % 30)
    request = RequestFactory().get("/?" + query)
    with translation.override(language):
        pages = []
        for template in ('"django_tables2/bootstrap5.html"', '"tables/table.html"'):
            table = Sample(Competition.objects.order_by("pk"), order_by=request.GET.get("sort"))
            table.paginate(page=request.GET.get("page", 1), per_page=2)
            pages.append(head_and_pages(f"{{% render_table table {template} %}}", table, request))
    (library_head, library_pages), (head, links) = pages
    assert head == library_head and links == library_pages
    assert 'scope="col"' in head and "sort=note" in head
    assert links.count('class="page-item') >= 3
    if "page=7" in query:
        assert links.count("...") == 2 and "q=%E7%94%B2%3C%22%26%3E" in links and "&amp;page=8" in links
    if "page=30" in query:
        assert "next" not in links and "x=1&amp;x=2" in links


def test_one_page_has_no_page_links():
    make_competition("甲赛")
    table = Sample(Competition.objects.all())
    table.paginate(page=1, per_page=25)
    head, links = head_and_pages(
        '{% render_table table "tables/table.html" %}', table, RequestFactory().get("/")
    )
    assert links == "" and head.startswith("<thead")


def test_a_functions_signature_is_kept_once_per_code(monkeypatch):
    calls = []
    monkeypatch.setattr(fast_tables, "method_signatures", {})
    original = fast_tables.library_signature
    monkeypatch.setattr(fast_tables, "library_signature", lambda fn: calls.append(fn) or original(fn))

    def made(n):
        return lambda record, value=None: f"{n}{record}"

    first, second = made(1), made(2)
    assert fast_tables.cached_signature(first) == (("record", "value"), None)
    assert fast_tables.cached_signature(second) == (("record", "value"), None)
    assert len(calls) == 1  # the same code: worked out once, however many functions are made of it
    assert fast_tables.cached_signature(lambda **kwargs: None) == ((), "kwargs")
    assert len(calls) == 2
