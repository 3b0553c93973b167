"""A filter form's fields written in Python, as the filter forms' template loop wrote them:

    <label><span>{{ field.label }}</span> {{ field }} <span class="field-errors">…</span></label>

and a check box after its label's text: `<label class="checkbox">{{ field }} <span>…</span></label>`.
The template loop cost a list page about as much as its widgets (issue 13).

    {% load filter_forms %}{% filter_fields form %}
"""

from django import forms, template
from django.utils.html import conditional_escape
from django.utils.safestring import SafeString, mark_safe

register = template.Library()


@register.simple_tag
def filter_fields(form: forms.BaseForm) -> SafeString:
    written = []
    for field in form:
        label = conditional_escape(field.label)
        if isinstance(field.field.widget, forms.CheckboxInput):
            written.append(f'<label class="checkbox">{field} <span>{label}</span></label>')
            continue
        errors = ""
        if field.errors:
            errors = (
                f'<span class="field-errors">{" ".join(conditional_escape(e) for e in field.errors)}</span>'
            )
        written.append(f"<label>\n<span>{label}</span>\n{field}\n{errors}</label>")
    return mark_safe("\n".join(written))
