"""filter_fields writes a filter form's fields as the template loop the filter forms had wrote them."""

import re

import pytest
from django import forms
from django.template import Context, Template
from django.test import RequestFactory

from competitions.views.leaderboards import LeaderboardForm
from competitions.widgets import fast_selects
from students.filters import StudentFilter

pytestmark = pytest.mark.django_db

LOOP = """{% for field in form %}
    {% if field.name == "selection" %}
      <label class="checkbox">{{ field }} <span>{{ field.label }}</span></label>
    {% else %}
      <label>
        <span>{{ field.label }}</span>
        {{ field }}
        {% if field.errors %}<span class="field-errors">{{ field.errors|join:" " }}</span>{% endif %}
      </label>
    {% endif %}
  {% endfor %}"""


def normalized(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r">\s+<", "><", html)).strip()


def both(form: forms.BaseForm) -> tuple[str, str]:
    context = Context({"form": form})
    loop = Template(LOOP).render(context)
    ours = Template("{% load filter_forms %}{% filter_fields form %}").render(context)
    return normalized(loop), normalized(ours)


def test_a_student_filters_fields_with_values_and_errors():
    request = RequestFactory().get("/", {"q": 'zz"<x>&', "cohort_year": "nope", "has_medal": "yes"})
    form = StudentFilter(request.GET, request=request).form
    assert not form.is_valid()
    loop, ours = both(form)
    assert ours == loop
    assert 'value="zz&quot;&lt;x&gt;&amp;"' in ours and 'class="field-errors"' in ours


def test_a_leaderboards_check_box_comes_before_its_label():
    form = fast_selects(
        LeaderboardForm({"year_from": "2024", "year_to": "2020", "selection": "on"}, years=[2024, 2020])
    )
    assert not form.is_valid()
    loop, ours = both(form)
    assert ours == loop
    assert '<label class="checkbox"><input type="checkbox" name="selection"' in ours
