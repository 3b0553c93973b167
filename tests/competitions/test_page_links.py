"""page_links writes a list's page links as the three pagination templates it replaced wrote them."""

import re

import pytest
from django.core.paginator import Paginator
from django.template import RequestContext, Template
from django.test import RequestFactory
from django.utils import translation

# templates/_pagination.html, competitions/_event_pages.html (without its go-to-event form) and
# competitions/public/_pages.html as they were.
PAGINATION = """{% load i18n %}
<nav class="pagination" aria-label="{{ label|default:_('Pages') }}">
  {% if page.has_previous %}<a class="page-link" href="{% querystring page=page.previous_page_number %}">{% translate "previous" %}</a>{% endif %}
  {% if page_numbers %}
    {% for number in page_numbers %}
      {% if number == page.number %}
        <span class="active"><span class="page-link" aria-current="page">{{ number }}</span></span>
      {% elif number == page.paginator.ELLIPSIS %}
        <span>{{ number }}</span>
      {% else %}
        <a class="page-link" href="{% querystring page=number %}">{{ number }}</a>
      {% endif %}
    {% endfor %}
  {% else %}
    <span>{{ page.number }} / {{ page.paginator.num_pages }}</span>
  {% endif %}
  {% if page.has_next %}<a class="page-link" href="{% querystring page=page.next_page_number %}">{% translate "next" %}</a>{% endif %}
</nav>"""

EVENT_PAGES = """{% load i18n %}
<nav class="pagination" aria-label="{% translate 'Pages of events' %}">
  {% if events_page.has_previous %}<a class="page-link" href="{% querystring params page=events_page.previous_page_number %}#events">{% translate "previous" %}</a>{% endif %}
  {% for number in event_page_numbers %}
    {% if number == events_page.number %}
      <span class="active"><span class="page-link" aria-current="page">{{ number }}</span></span>
    {% elif number == events_page.paginator.ELLIPSIS %}
      <span>{{ number }}</span>
    {% else %}
      <a class="page-link" href="{% querystring params page=number %}#events">{{ number }}</a>
    {% endif %}
  {% endfor %}
  {% if events_page.has_next %}<a class="page-link" href="{% querystring params page=events_page.next_page_number %}#events">{% translate "next" %}</a>{% endif %}
</nav>"""

PUBLIC_PAGES = """{% load i18n %}
{% if page.has_other_pages %}
<nav class="pagination" aria-label="{% translate 'Pages' %}">
  {% if page.has_previous %}<a class="page-link" href="{{ path }}?lang={{ lang|urlencode }}&amp;page={{ page.previous_page_number }}">{% translate "previous" %}</a>{% endif %}
  <span>{{ page.number }} / {{ page.paginator.num_pages }}</span>
  {% if page.has_next %}<a class="page-link" href="{{ path }}?lang={{ lang|urlencode }}&amp;page={{ page.next_page_number }}">{% translate "next" %}</a>{% endif %}
</nav>
{% endif %}"""


def normalized(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r">\s+<", "><", html)).strip()


def both(old: str, ours: str, query: dict, **context) -> tuple[str, str]:
    request = RequestFactory().get("/list/", query)
    written = [normalized(Template(text).render(RequestContext(request, context))) for text in (old, ours)]
    return written[0], written[1]


def page_of(count: int, number: int):
    return Paginator(range(count), 10).page(number)


@pytest.mark.parametrize("number", [1, 2, 7, 30])
@pytest.mark.parametrize("language", ["en", "zh-hans"])
def test_a_list_keeps_the_requests_other_parameters_and_repeats(number, language):
    page = page_of(300, number)
    numbers = list(page.paginator.get_elided_page_range(number))
    # `page` in the middle stays where it was; repeated and awkward values are kept and escaped.
    query = {"q": 'a&b "<c>"', "page": "5", "year": ["2023", "2024"], "名": "张三"}
    with translation.override(language):
        old, ours = both(
            PAGINATION,
            "{% load page_links %}{% page_links page numbers=page_numbers label=label %}",
            query,
            page=page,
            page_numbers=numbers,
            label='Pages of "changes" <b>',
        )
    assert ours == old
    assert ("下一页" in ours) == (language == "zh-hans" and number < 30)
    assert ours.count('class="page-link"') >= 3
    assert "a%26b+%22%3Cc%3E%22&amp;page=" in ours and "year=2023&amp;year=2024" in ours
    assert 'aria-label="Pages of &quot;changes&quot; &lt;b&gt;"' in ours


def test_without_numbers_or_label_a_list_says_n_of_n():
    page = page_of(25, 2)
    old, ours = both(
        PAGINATION, "{% load page_links %}{% page_links page numbers=page_numbers %}", {}, page=page
    )
    assert ours == old
    assert "<span>2 / 3</span>" in ours and 'aria-label="Pages"' in ours


@pytest.mark.parametrize("number", [1, 4, 50])
def test_a_competitions_event_pages_keep_the_medal_tables_choices_not_the_request(number):
    page = page_of(500, number)
    context = {
        "events_page": page,
        "event_page_numbers": list(page.paginator.get_elided_page_range(number)),
        "params": {"by": "student", "selection": "1"},
    }
    old, ours = both(
        EVENT_PAGES,
        '{% load i18n page_links %}{% translate "Pages of events" as label %}'
        '{% page_links events_page numbers=event_page_numbers params=params label=label anchor="#events" %}',
        {"by": "coach", "event": "12"},
        **context,
    )
    assert ours == old
    assert "?by=student&amp;selection=1&amp;page=" in ours and "event=12" not in ours
    assert ours.count("#events") >= 2


@pytest.mark.parametrize("number", [1, 2, 3])
def test_a_public_lists_links_carry_only_the_language(number):
    page = page_of(30, number)
    old, ours = both(
        PUBLIC_PAGES,
        "{% load page_links %}{% page_links page params=lang_params path=path %}",
        {"q": "x", "lang": "en"},
        page=page,
        path="/public/",
        lang="zh-hans",
        lang_params={"lang": "zh-hans"},
    )
    assert ours == old
    assert "/public/?lang=zh-hans&amp;page=" in ours and "q=x" not in ours


def test_one_page_writes_nothing():
    page = page_of(5, 1)
    _, ours = both(
        "", "{% load page_links %}{% page_links page numbers=numbers %}", {}, page=page, numbers=[1]
    )
    assert ours == ""
