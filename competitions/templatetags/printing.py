"""The header a printed page carries: the college's name and the date printed (the page numbers
come from site.css's @page rules). Printable pages (a student's, a coach's, a department's
history) put `{% print_header %}` at the top of their content; it is shown only in print."""

from django import template
from django.utils import timezone

from competitions.models import Organization

register = template.Library()


@register.inclusion_tag("_print_header.html")
def print_header(title: str = "", college: str | None = None) -> dict:
    """`college`: the home organization's name when the page read it already (read with the
    page's person: Organization.home_name()); otherwise it is read here, in one query."""
    if college is None:
        home = Organization.home()
        college = home.name if home else ""
    return {"college": college, "title": title, "today": timezone.localdate()}
