"""`link_vocabulary`: an error that tells the office to add a label to the award vocabulary links
to the vocabulary page (competitions.views.office.award_list)."""

from django import template
from django.urls import reverse
from django.utils.html import conditional_escape, escape, format_html
from django.utils.safestring import mark_safe
from django.utils.translation import gettext

register = template.Library()


@register.filter
def link_vocabulary(value):
    """The error (a string or a form's error list), escaped, its first “award vocabulary” a link."""
    text = str(conditional_escape(value))
    # The words as AwardQuerySet.parse's message has them, in the language of the page.
    phrase = escape(gettext("award vocabulary"))
    if phrase not in text:
        return mark_safe(text)
    link = format_html('<a href="{}">{}</a>', reverse("competitions:award-list"), mark_safe(phrase))
    return mark_safe(text.replace(phrase, link, 1))
