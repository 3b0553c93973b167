"""A paged list's links written in Python: the one pagination of every list (three templates
before, one a loop calling `{% querystring %}` once per link: 0.435 ms a render of a competition's
event links against 0.136 ms here, and a page of events writes them twice, issue 13).

    {% load page_links %}
    {% page_links page numbers=page_numbers label=label %}           (the request's other parameters kept)
    {% page_links events_page params=params numbers=event_page_numbers anchor="#events" %}
    {% page_links page params=lang_params path=path %}                (a public page: only `lang` kept)

`numbers` is an elided range (Paginator.get_elided_page_range); without it the links show
"n / N". A link keeps the other parameters as `{% querystring params page=n %}` would (their
order and repeats). Nothing is written for a list of one page.
"""

import html
from collections.abc import Mapping

from django import template
from django.utils.html import conditional_escape, escape
from django.utils.http import urlencode
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext

register = template.Library()


class QueryStrings:
    """`{% querystring params name=value %}` for a list's links (its page and sort links): the
    parameters (a QueryDict, such as the request's, or a dict) read once, each link's query string
    escaped as the tag writes it, the replaced parameter where it was, else last."""

    def __init__(self, params: Mapping):
        self.params = dict(params)

    def replace(self, name: str, value) -> str:
        return html.escape("?" + urlencode({**self.params, name: value}, doseq=True))


@register.simple_tag(takes_context=True)
def page_links(context, page, numbers=None, params=None, label=None, path="", anchor="") -> SafeString:
    if not page.has_other_pages():
        return mark_safe("")
    links = QueryStrings(context.request.GET if params is None else params)
    before, after = escape(path), escape(anchor)

    def link(number) -> str:
        return f"{before}{links.replace('page', number)}{after}"

    label = conditional_escape(label or gettext("Pages"))
    written = [f'<nav class="pagination" aria-label="{label}">']
    if page.has_previous():
        written.append(
            f'<a class="page-link" href="{link(page.previous_page_number())}">{escape(gettext("previous"))}</a>'
        )
    if numbers:
        ellipsis = page.paginator.ELLIPSIS
        for number in numbers:
            if number == page.number:
                written.append(
                    f'<span class="active"><span class="page-link" aria-current="page">{number}</span></span>'
                )
            elif number == ellipsis:
                written.append(f"<span>{escape(number)}</span>")
            else:
                written.append(f'<a class="page-link" href="{link(number)}">{number}</a>')
    else:
        written.append(f"<span>{page.number} / {page.paginator.num_pages}</span>")
    if page.has_next():
        written.append(
            f'<a class="page-link" href="{link(page.next_page_number())}">{escape(gettext("next"))}</a>'
        )
    written.append("</nav>")
    return mark_safe("\n".join(written))
