"""The cells every results table shows — an entry's members, coaches, award and evidence link —
as template tags written in Python: one owner of their markup, and a results table of many rows
costs microseconds a cell instead of an {% include %} each (issue 13).

    {% load results_cells %}
    <td>{% people entry.members.all %}</td> <td>{% coaches entry.coaches.all %}</td>
    <td>{% award entry with_tier=True %}</td> {% evidence_marker entry %}
"""

from django import template
from django.utils.formats import date_format
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext, ngettext

from competitions import labels
from competitions.links import pk_url, pk_urls
from competitions.models import MEDAL_TIERS
from competitions.result_rows import ResultRow
from competitions.templatetags.fast_tables import esc
from competitions.templatetags.lang_marks import Marks, chinese_lang, zh

register = template.Library()

NOBODY = mark_safe('<span class="muted">—</span>')


def inline_list(items: list[str]) -> SafeString:
    return mark_safe(f'<ul class="inline-list">{"".join(items)}</ul>')


class Cells:
    """What the cells of one results table ask for on every row, read once per table: the page's
    language (lang_marks.Marks) and the URLs the cells link to (links.pk_urls)."""

    def __init__(self):
        self.marks = Marks()
        self.student_url = pk_urls("students:student-detail")
        self.coach_url = pk_urls("students:coach-detail")
        self.history_url = pk_urls("competitions:entry-history")
        self.evidence_url = pk_urls("competitions:entry-evidence")
        self.evidence_label = esc(gettext("Evidence"))


@register.simple_tag
def people(members, cells: Cells | None = None) -> SafeString:
    """Named members of an entry, linked to their pages when they are home students or teachers
    (EntryMember rows, or result_rows.Member)."""
    cells = cells or Cells()
    items = []
    for member in members:
        name = esc(member.name)
        if member.student_id:
            name = f'<a href="{cells.student_url(member.student_id)}">{name}</a>'
        elif member.coach_id:
            name = f'<a href="{cells.coach_url(member.coach_id)}">{name}</a>'
        items.append(f"<li{cells.marks.attr(member.name)}>{name}</li>")
    return inline_list(items) if items else NOBODY


@register.simple_tag
def coaches(people, cells: Cells | None = None) -> SafeString:
    """An entry's coaches, linked to their pages (Coach rows, or result_rows.Coach)."""
    cells = cells or Cells()
    items = [
        f'<li{cells.marks.attr(coach.name)}><a href="{cells.coach_url(coach.pk)}">{esc(coach.name)}</a></li>'
        for coach in people
    ]
    return inline_list(items) if items else NOBODY


@register.simple_tag
def award(entry, with_tier: bool = False, cells: Cells | None = None) -> SafeString:
    """An award as written, in its tier's colour; `with_tier` adds the tier's name where the label
    does not say it."""
    if entry.award is None:
        return NOBODY
    marks = cells.marks if cells else Marks()
    html = f'<span class="award tier-{esc(entry.award.tier)}">{marks.zh(entry.award.label)}</span>'
    if with_tier and entry.award.tier_note:
        html += f' <span class="tier-badge">{esc(entry.award.tier_note)}</span>'
    return mark_safe(html)


@register.simple_tag
def evidence_marker(entry, cells: Cells | None = None) -> SafeString:
    """An entry's link to its evidence page, with how many scans and documents it has (annotated
    by competitions.evidence.with_evidence_counts)."""
    cells = cells or Cells()
    count = entry.scan_count + entry.document_count
    url = cells.evidence_url(entry.pk)
    label = cells.evidence_label
    if not count:
        return mark_safe(f' <a class="evidence-link" href="{url}">{label}</a>')
    title = ngettext("%(counter)s scan or document", "%(counter)s scans and documents", count) % {
        "counter": count
    }
    return mark_safe(
        f' <a class="evidence-link has-evidence" href="{url}">{label} '
        f'<span class="badge" title="{esc(title)}">📎 {count}</span></a>'
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


PERSON_PAGES = {"student": "students:student-detail", "coach": "students:coach-detail"}


@register.simple_tag
def competition_medal_rows(rows, by: str = "organization") -> SafeString:
    """The rows of a competition's medal table (tallies.MedalRow, ranked): rank (a dash, with why,
    for a row out of the ranking or a placeholder skill), name (linked for students and coaches),
    the tier counts, total and points. Written here: a template loop cost ~0.2 ms a row."""
    placeholder_title = esc(gettext("Placeholder skill: not ranked"))
    placeholder_badge = f'<span class="badge">{esc(gettext("placeholder, not ranked"))}</span>'
    unranked_title = esc(gettext("Out of the ranking"))
    unranked_badge = f'<span class="badge">{esc(gettext("out of the ranking"))}</span>'
    page = PERSON_PAGES.get(by)
    lines = []
    for row in rows:
        if row.placeholder:
            rank, badge = f'<span title="{placeholder_title}">—</span>', placeholder_badge
        elif row.rank is None:
            rank, badge = f'<span title="{unranked_title}">—</span>', unranked_badge
        else:
            rank, badge = row.rank, ""
        name = zh(row.name)
        if page:
            name = f'<a href="{pk_url(page, row.key)}">{name}</a>'
        counts = "".join(f'<td class="num">{count}</td>' for count in row.tier_counts())
        css = ' class="unranked"' if row.rank is None else ""
        lines.append(
            f'<tr{css}><td class="num">{rank}</td><td>{name}{" " + badge if badge else ""}</td>{counts}'
            f'<td class="num">{row.total}</td><td class="num">{row.points}</td></tr>'
        )
    return mark_safe("\n".join(lines))


@register.simple_tag(takes_context=True)
def entry_rows(context, entries, show_tier: bool = False, show_history: bool = False) -> SafeString:
    """The rows of an event's results table (_event_entries_table.html), written here in Python:
    a template loop over a page of results was most of a competition page's first view after a
    change (issue 13). `entries`: result_rows.ResultRow (result_rows.read), or entries fetched
    with their people; `show_tier` names each award's tier; `show_history` adds the link to each
    entry's history (and its evidence, for those who may see it)."""
    perms = context.get("perms")
    evidence = show_history and perms is not None and "competitions.view_certificatescan" in perms
    history = esc(gettext("History"))
    cells_of = Cells()
    rows = []
    for entry in entries:
        row = entry if isinstance(entry, ResultRow) else ResultRow.of(entry)
        cells = [
            f'<td class="num">{esc(row.rank) if row.rank else "—"}</td>',
            f"<td>{esc(row.organization)}</td>",
            f"<td>{people(row.members, cells_of)}</td>",
            f"<td>{coaches(row.coaches, cells_of)}</td>",
            f"<td>{award(row, show_tier, cells_of)}</td>",
            f"<td>{esc(row.score) if row.score else '—'}</td>",
        ]
        if show_history:
            url = cells_of.history_url(row.pk)
            marker = evidence_marker(row, cells_of) if evidence else ""
            cells.append(f'<td><a href="{url}">{history}</a>{marker}</td>')
        home = ' class="home"' if row.is_home else ""
        rows.append(f"<tr{home}>{''.join(cells)}</tr>")
    if not rows:
        columns = 7 if show_history else 6
        rows.append(
            f'<tr><td colspan="{columns}" class="muted">{esc(gettext("No entries recorded."))}</td></tr>'
        )
    return mark_safe("\n".join(rows))


@register.simple_tag
def pathway_rows(pathways) -> SafeString:
    """The rows of a student's selection pathway (students/student_detail.html), written here in
    Python: per skill, its best result at each level reached. `pathways`: students.views.pathways."""
    rows = []
    for path in pathways:
        steps = []
        for entry in path.steps:
            competition = entry.event.competition
            rank = ""
            if entry.rank:
                rank = (
                    f' <span class="cell-note">{gettext("rank %(rank)s") % {"rank": esc(entry.rank)}}</span>'
                )
            named = gettext("%(name)s (%(detail)s)") % {
                "name": zh(competition.name),
                "detail": esc(competition.year),
            }
            steps.append(
                f'<li class="pathway-step"><span class="pathway-level">'
                f"{esc(labels.display(competition, 'level'))}</span> {award(entry)}{rank} "
                f'<span class="cell-note"><a href="{pk_url("competitions:competition-detail", competition.pk)}">'
                f"{named}</a></span></li>"
            )
        skill = path.skill
        rows.append(
            f'<tr><th scope="row"><a href="{pk_url("competitions:skill-detail", skill.pk)}">{zh(skill.name)}</a></th>'
            f'<td><ol class="pathway-steps">{"".join(steps)}</ol></td></tr>'
        )
    return mark_safe("\n".join(rows))


@register.simple_tag
def history_rows(entries) -> SafeString:
    """The rows of a person's timeline (students/_history.html), written here in Python: a year row
    before each year's entries, then one row per entry. `entries`: students.views.history."""
    photo_title = esc(gettext("Open the photo"))
    photo_alt = gettext("Photo")
    rows = []
    year = None
    for entry in entries:
        competition, event = entry.event.competition, entry.event
        if competition.year != year:
            year = competition.year
            rows.append(f'<tr class="year-row"><th colspan="10" scope="colgroup">{esc(year)}</th></tr>')
        dates = ""
        if competition.start_date:
            dates = date_format(competition.start_date, "DATE_FORMAT")
            if competition.end_date and competition.end_date != competition.start_date:
                dates += f" – {date_format(competition.end_date, 'DATE_FORMAT')}"
            dates = f'<div class="cell-note">{esc(dates)}</div>'
        skill = ""
        if event.skill.name != event.name:
            url = pk_url("competitions:skill-detail", event.skill_id)
            skill = f'<div class="cell-note"><a href="{url}">{zh(event.skill.name)}</a></div>'
        photos = "".join(
            f'<a href="{pk_url("competitions:photo-detail", photo.pk)}" class="timeline-photo" '
            f'title="{photo_title}"><img src="{esc(photo.preview.url)}" '
            f'alt="{esc(photo.caption or photo_alt)}" loading="lazy"></a>'
            for photo in entry.photo_rows
        )
        photos = f'<div class="timeline-photos">{photos}</div>' if photos else NOBODY
        cells = [
            f'<td><a href="{pk_url("competitions:competition-detail", competition.pk)}">'
            f"{zh(competition.name)}</a>{dates}</td>",
            f"<td>{esc(labels.display(competition, 'level'))}</td>",
            f"<td>{zh(event.name)}{skill}</td>",
            f"<td>{zh(entry.organization.name)}</td>",
            f"<td>{people(entry.people)}</td>",
            f"<td>{coaches(entry.coach_rows)}</td>",
            f"<td>{award(entry)}</td>",
            f'<td class="num">{esc(entry.rank) if entry.rank else "—"}</td>',
            f"<td>{esc(entry.score) if entry.score else '—'}</td>",
            f'<td class="photos-cell">{photos}</td>',
        ]
        rows.append(f"<tr>{''.join(cells)}</tr>")
    return mark_safe("\n".join(rows))
