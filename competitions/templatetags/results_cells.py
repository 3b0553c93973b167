"""The cells every results table shows — an entry's members, coaches, award and evidence link —
as template tags written in Python: one owner of their markup, and a results table of many rows
costs microseconds a cell instead of an {% include %} each (issue 13).

    {% load results_cells %}
    <td>{% people entry.members.all %}</td> <td>{% coaches entry.coaches.all %}</td>
    <td>{% award entry with_tier=True %}</td> {% evidence_marker entry %}
"""

from django import template
from django.urls import reverse
from django.utils.html import conditional_escape, format_html
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext, ngettext

from competitions.models import MEDAL_TIERS
from competitions.templatetags.fast_tables import esc
from competitions.templatetags.lang_marks import chinese_lang, zh, zh_lang

register = template.Library()

NOBODY = mark_safe('<span class="muted">—</span>')


def inline_list(items: list[SafeString]) -> SafeString:
    return format_html('<ul class="inline-list">{}</ul>', mark_safe("".join(items)))


@register.simple_tag
def people(members) -> SafeString:
    """Named members of an entry, linked to their pages when they are home students or teachers."""
    items = []
    for member in members:
        if member.student_id:
            name = format_html('<a href="{}">{}</a>', member.student.get_absolute_url(), member.name)
        elif member.coach_id:
            name = format_html('<a href="{}">{}</a>', member.coach.get_absolute_url(), member.name)
        else:
            name = conditional_escape(member.name)
        items.append(format_html("<li{}>{}</li>", zh_lang(member.name), name))
    return inline_list(items) if items else NOBODY


@register.simple_tag
def coaches(people) -> SafeString:
    """An entry's coaches, linked to their pages."""
    items = [
        format_html(
            '<li{}><a href="{}">{}</a></li>', zh_lang(coach.name), coach.get_absolute_url(), coach.name
        )
        for coach in people
    ]
    return inline_list(items) if items else NOBODY


@register.simple_tag
def award(entry, with_tier: bool = False) -> SafeString:
    """An award as written, in its tier's colour; `with_tier` adds the tier's name where the label
    does not say it."""
    if entry.award is None:
        return NOBODY
    html = format_html('<span class="award tier-{}">{}</span>', entry.award.tier, zh(entry.award.label))
    if with_tier and entry.award.tier_note:
        html += format_html(' <span class="tier-badge">{}</span>', entry.award.tier_note)
    return html


@register.simple_tag
def evidence_marker(entry) -> SafeString:
    """An entry's link to its evidence page, with how many scans and documents it has (annotated
    by competitions.evidence.with_evidence_counts)."""
    count = entry.scan_count + entry.document_count
    url = reverse("competitions:entry-evidence", args=[entry.pk])
    if not count:
        return format_html(' <a class="evidence-link" href="{}">{}</a>', url, gettext("Evidence"))
    title = ngettext("%(counter)s scan or document", "%(counter)s scans and documents", count) % {
        "counter": count
    }
    return format_html(
        ' <a class="evidence-link has-evidence" href="{}">{} <span class="badge" title="{}">📎 {}</span></a>',
        url,
        gettext("Evidence"),
        title,
        count,
    )


def count_cell(value: int, tier: str = "") -> str:
    """A count, right-aligned; zeros are muted so that the medals stand out (tables.CountColumn)."""
    css = f"num tier-{tier}" if tier else "num"
    if value:
        return f'<td class="{css}">{value}</td>'
    return f'<td class="{css}"><span class="muted">{value}</span></td>'


@register.simple_tag
def medal_table_rows(table) -> SafeString:
    """The rows of a page of a tables.LeaderboardTable (tallies.MedalRow records, ranked already), as
    django-tables2 would render them, without its per-cell machinery: a page of 50 rows of 9 cells
    costs a fraction of a millisecond."""
    rows = []
    rows_shown = table.page.object_list if getattr(table, "page", None) else table.rows
    for index, record in enumerate(row.record for row in rows_shown):
        url = table.link(record) if table.link and not record.unnamed else None
        name = f'<a href="{esc(url)}">{esc(record.name)}</a>' if url else esc(record.name)
        lang = chinese_lang(record.name)
        cells = [
            f'<td class="num">{"—" if record.rank is None else record.rank}</td>',
            f'<td lang="{lang}">{name}</td>' if lang else f"<td>{name}</td>",
            *(count_cell(getattr(record, tier.value), tier.value) for tier in MEDAL_TIERS),
            f'<td class="num">{record.total}</td>',
            f'<td class="num">{record.points}</td>',
        ]
        rows.append(f'<tr class="{"odd" if index % 2 else "even"}">{"".join(cells)}</tr>')
    return mark_safe("\n".join(rows))


@register.simple_tag(takes_context=True)
def entry_rows(context, entries, show_tier: bool = False, show_history: bool = False) -> SafeString:
    """The rows of an event's results table (_event_entries_table.html), written here in Python:
    a template loop over a page of results was most of a competition page's first view after a
    change (issue 13). `show_tier` names each award's tier; `show_history` adds the link to each
    entry's history (and its evidence, for those who may see it)."""
    perms = context.get("perms")
    evidence = show_history and perms is not None and "competitions.view_certificatescan" in perms
    history = esc(gettext("History"))
    rows = []
    for entry in entries:
        cells = [
            f'<td class="num">{esc(entry.rank) if entry.rank else "—"}</td>',
            f"<td>{esc(entry.organization.name)}</td>",
            f"<td>{people(entry.members.all())}</td>",
            f"<td>{coaches(entry.coaches.all())}</td>",
            f"<td>{award(entry, with_tier=show_tier)}</td>",
            f"<td>{esc(entry.score) if entry.score else '—'}</td>",
        ]
        if show_history:
            url = reverse("competitions:entry-history", args=[entry.pk])
            marker = evidence_marker(entry) if evidence else ""
            cells.append(f'<td><a href="{esc(url)}">{history}</a>{marker}</td>')
        home = ' class="home"' if entry.organization.is_home else ""
        rows.append(f"<tr{home}>{''.join(cells)}</tr>")
    if not rows:
        columns = 7 if show_history else 6
        rows.append(
            f'<tr><td colspan="{columns}" class="muted">{esc(gettext("No entries recorded."))}</td></tr>'
        )
    return mark_safe("\n".join(rows))
