from collections.abc import Callable

import django_tables2 as tables
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext_lazy as _

from competitions.models import Competition, Tier
from competitions.templatetags.lang_marks import chinese_lang

# Cells of Chinese data (names, competitions, events, awards) say so on English pages.
CHINESE = {"td": {"lang": chinese_lang}}


class CompetitionTable(tables.Table):
    name = tables.Column(linkify=True, attrs=CHINESE)
    n_events = tables.Column(verbose_name=_("Events"), attrs={"td": {"class": "num"}, "th": {"class": "num"}})
    n_medals = tables.Column(
        verbose_name=_("Medals"),
        attrs={"td": {"class": "num"}, "th": {"class": "num"}},
    )

    class Meta:
        model = Competition
        fields = ["name", "year", "edition", "level", "category", "n_events", "n_medals"]
        empty_text = _("No competitions match.")


NUMERIC = {"td": {"class": "num"}, "th": {"class": "num"}, "tf": {"class": "num"}}


class PagedRows(tables.data.TableListData):
    """Rows that read themselves a slice at a time (tallies.TallyRows): the table counts them and
    asks for one page, where django-tables2 would make a list of every row first. Not sortable by
    a column: a sorted or exported table is given the list of rows instead."""

    def order_by(self, aliases):
        raise TypeError("PagedRows are read in rank order; give the table a list to sort it")


class CountColumn(tables.Column):
    """A count, right-aligned; zeros are muted so that the medals stand out."""

    def __init__(self, *args, css_class: str = "", **kwargs):
        kwargs.setdefault(
            "attrs",
            {"td": {"class": f"num {css_class}".strip()}, "th": {"class": "num"}, "tf": {"class": "num"}},
        )
        super().__init__(*args, **kwargs)

    def render(self, value):
        return value if value else format_html('<span class="muted">{}</span>', value)

    def value(self, value):
        return value


def unnamed_cell(field: str) -> Callable:
    """A column's footer: the table's "未署名" line (tallies.unnamed_row), shown last, unranked."""

    def footer(table):
        row = getattr(table, "unnamed", None)
        return getattr(row, field) if row is not None else ""

    return footer


def unnamed_name(table):
    row = getattr(table, "unnamed", None)
    if row is None:
        return ""
    return format_html(
        '{} <span class="cell-note">{}</span>', row.name, _("entries recorded without names; not ranked")
    )


def tier_column(tier: Tier) -> tables.Column:
    return CountColumn(
        verbose_name=tier.label, css_class=f"tier-{tier.value}", footer=unnamed_cell(tier.value)
    )


class LeaderboardTable(tables.Table):
    """A medal table over many competitions: rows are tallies.MedalRow, ranked and ordered already.

    `name_label` heads the name column (Student, Coach ...); `link` gives the page a name links to
    (a function of the row, returning a URL or None).
    """

    rank = tables.Column(verbose_name=_("Rank"), attrs=NUMERIC, footer="")
    name = tables.Column(verbose_name=_("Name"), order_by=("sort_name",), attrs=CHINESE, footer=unnamed_name)
    special = tier_column(Tier.SPECIAL)
    gold = tier_column(Tier.GOLD)
    silver = tier_column(Tier.SILVER)
    bronze = tier_column(Tier.BRONZE)
    excellence = tier_column(Tier.EXCELLENCE)
    total = tables.Column(verbose_name=_("Total"), attrs=NUMERIC, footer=unnamed_cell("total"))
    points = tables.Column(verbose_name=_("Points"), attrs=NUMERIC, footer=unnamed_cell("points"))

    class Meta:
        empty_text = _("No medals match.")
        attrs = {"class": "table", "tfoot": {"class": "unnamed-line"}}
        template_name = "competitions/_leaderboard_table.html"

    def __init__(self, data, *, name_label=None, link: Callable | None = None, unnamed=None, **kwargs):
        super().__init__(data, **kwargs)
        # The "未署名" line of a person table (tallies.unnamed_row): the footer, after every row,
        # without a rank. The view shows it on the last page only (show_footer).
        self.unnamed = unnamed
        self.show_footer = unnamed is not None
        if name_label is not None:
            # The table's own copy of the column (django-tables2 copies base_columns per table).
            self.columns["name"].column.verbose_name = name_label
        self.link = link

    def render_name(self, value, record):
        url = self.link(record) if self.link and not record.unnamed else None
        return format_html('<a href="{}">{}</a>', url, value) if url else value

    def value_name(self, value):
        return value


class TallyEntryTable(tables.Table):
    """The entries behind a tally: what a pivot cell counted, one row per entry."""

    year = tables.Column(accessor="event__competition__year", verbose_name=_("Year"), attrs=NUMERIC)
    competition = tables.Column(
        accessor="event__competition__name",
        verbose_name=_("Competition"),
        order_by=("event__competition__name",),
        attrs=CHINESE,
    )
    level = tables.Column(accessor="event__competition__level", verbose_name=_("Level"))
    event = tables.Column(accessor="event__name", verbose_name=_("Event"), attrs=CHINESE)
    members = tables.Column(accessor="pk", verbose_name=_("Members"), orderable=False)
    coaches = tables.Column(accessor="pk", verbose_name=_("Coaches"), orderable=False)
    award = tables.Column(
        accessor="award__label", verbose_name=_("Award"), order_by=("award__tier", "award__label")
    )
    tier = tables.Column(accessor="award__tier", verbose_name=_("Tier"))

    class Meta:
        empty_text = _("No entries match.")

    def render_competition(self, value, record):
        return format_html('<a href="{}">{}</a>', record.event.competition.get_absolute_url(), value)

    def value_competition(self, value):
        return value

    def render_members(self, record):
        members = list(record.members.all())
        if not members:
            return format_html('<span class="muted">{}</span>', "—")
        items = []
        for member in members:
            person = member.student if member.student_id else member.coach if member.coach_id else None
            if person is not None:
                items.append(
                    format_html('<li><a href="{}">{}</a></li>', person.get_absolute_url(), member.name)
                )
            else:
                items.append(format_html("<li>{}</li>", member.name))
        return format_html(
            '<ul class="inline-list">{}</ul>', format_html_join("", "{}", ((i,) for i in items))
        )

    def value_members(self, record):
        return "、".join(member.name for member in record.members.all())

    def render_coaches(self, record):
        coaches = list(record.coaches.all())
        if not coaches:
            return format_html('<span class="muted">{}</span>', "—")
        return format_html(
            '<ul class="inline-list">{}</ul>',
            format_html_join(
                "", '<li><a href="{}">{}</a></li>', ((c.get_absolute_url(), c.name) for c in coaches)
            ),
        )

    def value_coaches(self, record):
        return "、".join(coach.name for coach in record.coaches.all())

    def render_award(self, value, record):
        return format_html('<span class="award tier-{}">{}</span>', record.award.tier, value)

    def value_award(self, value):
        return value
