"""Leaderboards across competitions, the home college's tallies with their drill-down, the annual
summary, and the per-competition medal-point weights.

Every filter comes through a form with declared fields; nothing from the query string reaches
filter() unvalidated. Tables are django-tables2 tables, exportable as CSV or XLSX only.
"""

from functools import lru_cache
from urllib.parse import quote_plus, urlencode

from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import permission_required
from django.core.exceptions import PermissionDenied
from django.core.validators import MaxValueValidator
from django.http import HttpRequest, HttpResponse, HttpResponseBadRequest, QueryDict
from django.shortcuts import get_object_or_404, redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import get_language, gettext_lazy, ngettext
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods
from django.views.generic import TemplateView
from django_tables2 import SingleTableMixin
from django_tables2.export import ExportMixin

from competitions import aggregates, charts, confirming, fragments, reports, tallies
from competitions.exports import (
    SpreadsheetExport,
    cjk_font_family,
    document_bytes,
    docx_response,
    workbook_bytes,
    xlsx_response,
)
from competitions.links import page_url, pk_url
from competitions.models import Category, Competition, Entry, Level, Organization, Skill, Tier
from competitions.pagination import BoundedPaginationMixin
from competitions.querysets import CompiledQuery
from competitions.recording import change_weights
from competitions.tables import LeaderboardTable, PagedRows, TallyEntryTable
from competitions.tallies import ORDERS, MedalRow, TallyRows
from competitions.templatetags.fast_tables import esc
from competitions.views.pages import ORDER_LABELS
from competitions.widgets import NamedChoiceField, fast_selects, shared
from students.models import Department
from students.names import pinyin_key

# GET `by` → (tallies grouping, the page's title for it, the name column's heading).
SUBJECTS = {
    "students": ("student", gettext_lazy("Students"), gettext_lazy("Student")),
    "coaches": ("coach", gettext_lazy("Coaches"), gettext_lazy("Coach")),
    "departments": ("department", gettext_lazy("Departments"), gettext_lazy("Department")),
    "skills": ("skill", gettext_lazy("Skills"), gettext_lazy("Skill")),
    "organizations": ("organization", gettext_lazy("Organizations"), gettext_lazy("Organization")),
}
# What each leaderboard counts, said on the page under the table's title.
SUBJECT_HINTS = {
    "students": gettext_lazy(
        "Every entry a home student is a member of, whatever organization it competed for; "
        "a team medal counts once for each member."
    ),
    "coaches": gettext_lazy("The college's teachers: every entry they coached, once per teacher."),
    "departments": gettext_lazy(
        "Entries with a student of the department as a member, whatever organization they "
        "competed for; a team of two students of one department counts once."
    ),
    "skills": gettext_lazy(
        "The college's entries (with a home student or teacher, or for the college), "
        "under the skill of their event."
    ),
    "organizations": gettext_lazy(
        "Every organization's entries, each team once, except where a competition leaves the "
        "organization out of its table."
    ),
}
DEFAULT_SUBJECT = "students"
PER_PAGE = 50
CHART_BARS = 15
EXPORT_REFUSED = gettext_lazy("Tables are exported as CSV or XLSX only.")


def all_choice(choices) -> list[tuple[str, str]]:
    return [("", gettext_lazy("All")), *choices]


@lru_cache(maxsize=4096)
def quoted(text: str) -> str:
    """quote_plus(text), remembered: a pivot's hundreds of URLs repeat a few years, levels, tiers."""
    return quote_plus(text)


def query_url(name: str, params: dict, *, path: str | None = None) -> str:
    """The URL of a page with the non-empty parameters, in a stable order (as urlencode writes
    the values: keys and values as text, quoted with quote_plus). `path`: page_url(name), when the
    caller asks for hundreds of the page's URLs."""
    query = "&".join(
        f"{quoted(str(key))}={quoted(str(value))}"
        for key, value in params.items()
        if value not in (None, "", False)
    )
    path = path or page_url(name)
    return f"{path}?{query}" if query else path


def refused_export(request: HttpRequest) -> HttpResponse | None:
    """A 400 for `?_export=` with a format other than CSV or XLSX (yaml, latex ...)."""
    requested = request.GET.get(ExportMixin.export_trigger_param)
    if requested and not SpreadsheetExport.is_valid_format(requested):
        return HttpResponseBadRequest(str(EXPORT_REFUSED), content_type="text/plain; charset=utf-8")
    return None


def export_links(request: HttpRequest, formats) -> list[tuple[str, str]]:
    """(label, URL) of this page's table in each export format, with the same filters and order."""
    params = request.GET.copy()
    params.pop("page", None)
    links = []
    for export_format in formats:
        params[ExportMixin.export_trigger_param] = export_format
        links.append((export_format.upper(), f"?{params.urlencode()}"))
    return links


def tier_bar(label: str, row, url: str = "") -> charts.Bar:
    return charts.Bar(label, {tier: getattr(row, tier) for tier in Tier.values}, url)


# ---------------------------------------------------------------------------------------------
# Leaderboards


# The skill and department lists' options (key, name), in the models' order, compiled once.
SKILL_OPTIONS = CompiledQuery(lambda: Skill.objects.all().values_list("pk", "name"))
DEPARTMENT_OPTIONS = CompiledQuery(lambda: Department.objects.all().values_list("pk", "name"))


class LeaderboardForm(forms.Form):
    by = forms.ChoiceField(
        label=gettext_lazy("Leaderboard of"),
        choices=shared((key, title) for key, (_grouping, title, _heading) in SUBJECTS.items()),
        required=False,
    )
    order = forms.ChoiceField(
        label=gettext_lazy("Order by"),
        choices=shared((key, ORDER_LABELS[key]) for key in ORDERS),
        required=False,
    )
    year_from = forms.IntegerField(
        label=gettext_lazy("From year"), required=False, min_value=1900, max_value=2200, widget=forms.Select
    )
    year_to = forms.IntegerField(
        label=gettext_lazy("To year"), required=False, min_value=1900, max_value=2200, widget=forms.Select
    )
    level = forms.ChoiceField(
        label=gettext_lazy("Level"), choices=shared(all_choice(Level.choices)), required=False
    )
    category = forms.ChoiceField(
        label=gettext_lazy("Category"), choices=shared(all_choice(Category.choices)), required=False
    )
    skill = NamedChoiceField(
        label=gettext_lazy("Skill"),
        queryset=Skill.objects.all(),
        options=SKILL_OPTIONS,
        required=False,
        empty_label=gettext_lazy("All"),
    )
    selection = forms.BooleanField(label=gettext_lazy("WorldSkills selection events only"), required=False)

    def __init__(self, data, *, years: list[int]):
        super().__init__(data)
        year_choices = [("", _("Any")), *((year, year) for year in years)]
        self.fields["year_from"].widget.choices = year_choices
        self.fields["year_to"].widget.choices = year_choices

    def clean(self):
        data = super().clean()
        data["by"] = data.get("by") or DEFAULT_SUBJECT
        data["order"] = data.get("order") or "tiers"
        start, end = data.get("year_from"), data.get("year_to")
        if start is not None and end is not None and start > end:
            self.add_error("year_to", _("The last year comes before the first."))
        return data


def leaderboard_entries(data: dict):
    """The entries of the leaderboard's period and filters; tallies.medal_table decides which of
    them each table counts (rule 9, and organizations a competition leaves out)."""
    entries = Entry.objects.all()
    if data.get("year_from") is not None:
        entries = entries.filter(event__competition__year__gte=data["year_from"])
    if data.get("year_to") is not None:
        entries = entries.filter(event__competition__year__lte=data["year_to"])
    if data.get("level"):
        entries = entries.filter(event__competition__level=data["level"])
    if data.get("category"):
        entries = entries.filter(event__competition__category=data["category"])
    if data.get("skill") is not None:
        entries = entries.filter(event__skill=data["skill"])
    if data.get("selection"):
        entries = entries.selection_events()
    return entries


class LeaderboardView(BoundedPaginationMixin, ExportMixin, SingleTableMixin, TemplateView):
    """Students, coaches, departments, skills or organizations ranked over many competitions."""

    template_name = "competitions/leaderboard.html"
    table_class = LeaderboardTable
    table_pagination = {"per_page": PER_PAGE}
    export_class = SpreadsheetExport
    export_formats = tuple(SpreadsheetExport.FORMATS)

    def get(self, request, *args, **kwargs):
        refused = refused_export(request)
        if refused is not None:
            return refused
        self.form = fast_selects(LeaderboardForm(request.GET, years=reports.entry_years()))
        self.valid = self.form.is_valid()
        self.subject = self.form.cleaned_data["by"] if self.valid else DEFAULT_SUBJECT
        self.rows = self.medal_rows() if self.valid else []
        self.exporting = bool(request.GET.get(self.export_trigger_param))
        if self.exporting:
            self.table_pagination = False  # every row goes to the file
            return self.create_export(request.GET[self.export_trigger_param])
        return super().get(request, *args, **kwargs)

    def medal_rows(self) -> list[MedalRow]:
        data = self.form.cleaned_data
        if self.reads_tally_tables(data):
            rows = TallyRows(SUBJECTS[self.subject][0], data["order"])
            if not self.request.GET.get("sort") and not self.request.GET.get(self.export_trigger_param):
                return PagedRows(rows)  # in rank order, a page at a time
            rows = list(rows)  # sorted by another column, or exported whole
        else:
            rows = tallies.medal_table(
                leaderboard_entries(data), by=SUBJECTS[self.subject][0], order=data["order"]
            )
        for row in rows:
            row.sort_name = pinyin_key(row.name)  # the name column sorts the way Chinese readers do
        return rows

    def reads_tally_tables(self, data: dict) -> bool:
        """All-time tables come from the stored tallies (a page at a time); cut ones are counted."""
        cuts = ("year_from", "year_to", "level", "category", "skill", "selection")
        return all(data.get(key) in (None, "", False) for key in cuts)

    def unnamed_row(self):
        """The "未署名" line of the students' and coaches' boards (None for the others): counted
        only where it is shown, after the last row."""
        if not self.valid:
            return None
        return tallies.unnamed_row(leaderboard_entries(self.form.cleaned_data), by=SUBJECTS[self.subject][0])

    def get_table_kwargs(self):
        return {"name_label": SUBJECTS[self.subject][2], "link": self.link}

    def get_table(self, **kwargs):
        table = super().get_table(**kwargs)
        # The unnamed line comes last: on the last page only; in a file, as its last row.
        page = getattr(table, "page", None)
        if not self.exporting and (page is None or not page.has_next()):
            table.unnamed = self.unnamed_row()
        table.show_footer = table.unnamed is not None and not self.exporting
        return table

    def link(self, row: MedalRow) -> str | None:
        if self.subject == "students":
            return pk_url("students:student-detail", row.key)
        if self.subject == "coaches":
            return pk_url("students:coach-detail", row.key)
        if self.subject == "departments":
            return query_url("competitions:pivot", {"department": row.key})
        if self.subject == "skills":
            # The students who won medals in this skill, over the same period.
            data = self.form.cleaned_data
            period = {key: data.get(key) for key in ("year_from", "year_to", "level", "category")}
            return query_url("competitions:leaderboard", {"by": "students", **period, "skill": row.key})
        return None

    def get_table_data(self):
        if self.exporting:
            unnamed = self.unnamed_row()
            if unnamed is not None:
                return [*self.rows, unnamed]
        return self.rows

    def get_export_filename(self, export_format):
        return f"leaderboard-{self.subject}.{export_format}"

    def get_dataset_kwargs(self):
        return {"title": str(SUBJECTS[self.subject][1])}

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        bars = [tier_bar(row.name, row, self.link(row) or "") for row in self.rows[:CHART_BARS]]
        title = SUBJECTS[self.subject][1]
        context.update(
            form=self.form,
            subject=self.subject,
            subject_title=title,
            subject_hint=SUBJECT_HINTS[self.subject],
            chart=charts.stacked_bars(bars, title=_("Medals: %(subject)s") % {"subject": title}),
            exports=export_links(self.request, self.export_formats),
        )
        return context


leaderboard = LeaderboardView.as_view()


# ---------------------------------------------------------------------------------------------
# The pivot and its drill-down


class TallyForm(forms.Form):
    department = NamedChoiceField(
        label=gettext_lazy("Department"),
        queryset=Department.objects.all(),
        options=DEPARTMENT_OPTIONS,
        required=False,
        empty_label=gettext_lazy("Whole college"),
    )
    category = forms.ChoiceField(
        label=gettext_lazy("Category"), choices=shared(all_choice(Category.choices)), required=False
    )

    def filters(self) -> dict:
        return {
            "department": self.cleaned_data.get("department"),
            "category": self.cleaned_data.get("category"),
        }

    def params(self) -> dict:
        department = self.cleaned_data.get("department")
        return {
            "department": department.pk if department else None,
            "category": self.cleaned_data.get("category"),
        }


class DrillDownForm(TallyForm):
    year = forms.IntegerField(label=gettext_lazy("Year"), required=False, min_value=1900, max_value=2200)
    level = forms.ChoiceField(
        label=gettext_lazy("Level"), choices=shared(all_choice(Level.choices)), required=False
    )
    tier = forms.ChoiceField(
        label=gettext_lazy("Tier"), choices=shared(all_choice(Tier.choices)), required=False
    )

    def filters(self) -> dict:
        data = self.cleaned_data
        return {
            **super().filters(),
            "year": data.get("year"),
            "level": data.get("level"),
            "tier": data.get("tier"),
        }


def drill_down_cells(
    row: reports.PivotRow, params: dict, *, tier_colours: bool = True, path: str | None = None
) -> dict:
    """A pivot row's cells, each with the URL of the entries it counts (none for a zero), and as
    HTML (`<td>`s): written here in Python, as a template loop over a thousand cells cost most of
    the page (issue 13). `path`: the entries page's, worked out once for all the rows."""
    scope = dict(params)
    if row.year is not None:
        scope["year"] = row.year
    if row.level is not None:
        scope["level"] = row.level
    total_url = query_url("competitions:pivot-entries", scope, path=path)
    # A cell's URL is the row's with its tier added last (as query_url would write it).
    tier_url = total_url + ("&" if "?" in total_url else "?") + "tier="
    cells = [(tier, n, f"{tier_url}{tier}" if n else "") for tier, n in row.cells()]
    colour = ' class="tier-{}"' if tier_colours else ""
    tier_href = esc(tier_url)  # a tier is a word: the URL's prefix escaped once for the row
    html = [
        f'<td class="num"><a href="{tier_href}{tier}"{colour.format(tier)}>{n}</a></td>'
        if url
        else MUTED_ZERO
        for tier, n, url in cells
    ]
    html.append(
        f'<td class="num"><a href="{esc(total_url)}">{row.total}</a></td>' if row.total else MUTED_ZERO
    )
    return {
        "level": row.level,
        "label": row.level_label,
        "cells": cells,
        "total": row.total,
        "total_url": total_url if row.total else "",
        "html": mark_safe("".join(html)),
    }


MUTED_ZERO = '<td class="num"><span class="muted">0</span></td>'


def pivot_bodies(years: list[dict]) -> SafeString:
    """The pivot table's <tbody>s, one a year: its levels' rows, then the year's total (rows of
    drill_down_cells), written here as a template loop over a long history cost several ms."""
    bodies = []
    level_names = {level.value: esc(level.label) for level in Level}  # translated once, not per row
    for year in years:
        levels = year["levels"]
        rows = []
        for index, row in enumerate(levels):
            head = (
                f'<th scope="rowgroup" rowspan="{len(levels) + 1}">{year["year"]}</th>' if index == 0 else ""
            )
            rows.append(f'<tr>{head}<th scope="row">{level_names[row["level"]]}</th>{row["html"]}</tr>')
        total = esc(_("%(year)s total") % {"year": year["year"]})
        rows.append(f'<tr class="subtotal"><th scope="row">{total}</th>{year["total"]["html"]}</tr>')
        bodies.append(f'<tbody class="pivot-year">{"".join(rows)}</tbody>')
    return mark_safe("".join(bodies))


@require_GET
def pivot(request: HttpRequest) -> HttpResponse:
    """Year × level × tier for the home college, or for one department's students.

    The body is the same for everyone until a result changes: it is cached under the tallies'
    version, the query and the language, and the frame (navigation, forms) is rendered per user.
    """
    query = request.GET.urlencode()
    key = fragments.pivot_key(aggregates.tallies_version(), get_language(), query)
    # The default body is stored when results change (competitions.precompute); the others are cached.
    body = fragments.read(key, lambda: pivot_body(request.GET), stored=not query)
    return render(request, "competitions/pivot.html", {"body": body})


def precomputed_pivots() -> list[fragments.Part]:
    """(key, None, tallies version, html) of the pivot's default body in every language
    (competitions.precompute)."""
    version, parts = aggregates.tallies_version(), []
    for language, _name in settings.LANGUAGES:
        with translation.override(language):
            parts.append((fragments.pivot_key(version, language, ""), None, version, pivot_body(QueryDict())))
    return parts


def pivot_body(params: QueryDict) -> str:
    home = Organization.home()
    form = fast_selects(TallyForm(params))
    context = {"form": form, "home": home, "tiers": list(Tier), "years": [], "grand": None}
    if home is None or not form.is_valid():
        return render_to_string("competitions/pivot_body.html", context)
    filters, params = form.filters(), form.params()
    # The stored period tallies hold these counts already (a few rows however long the history).
    department = filters["department"]
    if department is None:
        counts = tallies.period_counts("college", tallies.COLLEGE_KEY, category=filters["category"])
        skills = tallies.period_table("skill", category=filters["category"], with_other=True)
    else:
        counts = tallies.period_counts("department", department.pk, category=filters["category"])
        skills = tallies.medal_table(
            tallies.college_entries(**filters), by="skill", order="total", with_other=True
        )
    years, grand = reports.pivot_table(counts)
    entries = page_url("competitions:pivot-entries")
    context.update(
        years=[
            {
                "year": year.year,
                "levels": [drill_down_cells(row, params, path=entries) for row in year.levels],
                "total": drill_down_cells(year.total, params, tier_colours=False, path=entries),
            }
            for year in years
        ],
        grand=drill_down_cells(grand, params, tier_colours=False) if len(years) > 1 else None,
        department=filters["department"],
        # Every tier, "other" included: a year's column adds up to the table's total for that year.
        trend_chart=charts.stacked_columns(
            [charts.Bar(str(year.year), year.total.counts) for year in reversed(years)],
            title=_("Awards by year"),
            tiers=charts.ALL_TIERS,
        ),
        skill_chart=charts.stacked_bars(
            [tier_bar(row.name, row) for row in skills],
            title=_("Awards by skill"),
            tiers=charts.ALL_TIERS,
        ),
    )
    context["bodies"] = pivot_bodies(context["years"])
    if department is None:
        departments = tallies.period_table("department", category=filters["category"], with_other=True)
        context["department_chart"] = charts.stacked_bars(
            [
                tier_bar(row.name, row, query_url("competitions:pivot", {**params, "department": row.key}))
                for row in departments
            ],
            title=_("Awards by department"),
            tiers=charts.ALL_TIERS,
        )
    return render_to_string("competitions/pivot_body.html", context)


class PivotEntriesView(BoundedPaginationMixin, ExportMixin, SingleTableMixin, TemplateView):
    """The entries behind one cell of the pivot: exactly those the cell counted."""

    template_name = "competitions/pivot_entries.html"
    table_class = TallyEntryTable
    table_pagination = {"per_page": PER_PAGE}
    export_class = SpreadsheetExport
    export_formats = tuple(SpreadsheetExport.FORMATS)
    export_name = "entries"

    def get(self, request, *args, **kwargs):
        refused = refused_export(request)
        if refused is not None:
            return refused
        self.home = Organization.home()
        self.form = fast_selects(DrillDownForm(request.GET))
        self.valid = self.form.is_valid()
        if request.GET.get(self.export_trigger_param):
            # Straight to the file, all rows: the page around the table would only cost queries.
            self.table_pagination = False
            return self.create_export(request.GET[self.export_trigger_param])
        return super().get(request, *args, **kwargs)

    def get_table_data(self):
        if self.home is None or not self.valid:
            return Entry.objects.none()
        return (
            tallies.college_entries(**self.form.filters())
            .with_people()
            .select_related("event__competition")
            .order_by("-event__competition__year", "event__competition__name", "event__name", "id")
        )

    def get_dataset_kwargs(self):
        return {"title": _("Entries")}

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        data = self.form.cleaned_data if self.valid else {}
        described = []
        if data.get("year"):
            described.append(str(data["year"]))
        if data.get("level"):
            described.append(str(Level(data["level"]).label))
        if data.get("category"):
            described.append(str(Category(data["category"]).label))
        if data.get("tier"):
            described.append(str(Tier(data["tier"]).label))
        if data.get("department"):
            described.append(data["department"].name)
        params = self.form.params() if self.valid else {}
        context.update(
            form=self.form,
            home=self.home,
            described=described,
            back_url=query_url("competitions:pivot", params),
            exports=export_links(self.request, self.export_formats),
        )
        return context


pivot_entries = PivotEntriesView.as_view()


# ---------------------------------------------------------------------------------------------
# The annual summary


class SummaryForm(forms.Form):
    year = forms.IntegerField(
        label=gettext_lazy("Year"), required=False, min_value=1900, max_value=2200, widget=forms.Select
    )
    category = forms.ChoiceField(
        label=gettext_lazy("Category"), choices=shared(all_choice(Category.choices)), required=False
    )

    confirmed = forms.BooleanField(label=gettext_lazy("Confirmed results only"), required=False)

    def __init__(self, data, *, years: list[int]):
        super().__init__(data)
        self.fields["year"].widget.choices = [(year, year) for year in years]
        if not confirming.required():  # every result counts as confirmed: nothing to choose
            del self.fields["confirmed"]

    def confirmed_only(self) -> bool:
        return bool(self.cleaned_data.get("confirmed"))


def summary_query(category: str | None, confirmed: bool) -> dict:
    """The summary's choices besides the year, as query parameters (its XLSX, its drill-downs)."""
    query = {"category": category} if category else {}
    return query | ({"confirmed": "on"} if confirmed else {})


def summary_year(home: Organization | None, *, confirmed: bool = False) -> tuple[list[int], int]:
    """The years the home college has awards in, and the latest of them (this year when none);
    `confirmed`: awards of confirmed results only (the stored tallies count every result)."""
    if home and confirmed:
        years = reports.entry_years(tallies.college_entries(confirmed=True))
    else:
        years = tallies.award_years() if home else []
    return years, years[0] if years else timezone.localdate().year


@require_GET
def annual_summary(request: HttpRequest) -> HttpResponse:
    home = Organization.home()
    years, latest = summary_year(home)
    form = SummaryForm(request.GET, years=years)
    context = {"form": form, "home": home, "tiers": list(Tier), "summary": None}
    if home is None or not form.is_valid():
        return render(request, "competitions/annual_summary.html", context)
    year = form.cleaned_data["year"] or latest
    category = form.cleaned_data["category"] or None
    confirmed = form.confirmed_only()
    summary = reports.annual_summary(year, category=category, confirmed=confirmed)
    department_chart, skill_chart = (chart.svg() for chart in reports.summary_charts(summary))
    squad_hint = " ".join(
        [
            ngettext("%(people)d person selected.", "%(people)d people selected.", summary.squad_people)
            % {"people": summary.squad_people},
            _("An entry without named members counts as one person."),
        ]
    )
    listings = [
        {
            "id": "medals",
            "title": _("National and world-level medals"),
            "hint": _("World, national and national industry competitions, medal tiers only."),
            "items": summary.medals,
        },
        {"id": "squads", "title": _("Squad selections"), "hint": squad_hint, "items": summary.squads},
        {"id": "named-awards", "title": _("Other named awards"), "hint": "", "items": summary.named_awards},
    ]
    context.update(
        summary=summary,
        year=year,
        # Results of the year that a confirmed-only summary leaves out (one count, live).
        unconfirmed=tallies.college_entries(year=year, category=category).unconfirmed().count(),
        listings=listings,
        levels=[drill_down_cells(row, {"category": category}) for row in summary.levels],
        total=drill_down_cells(summary.total, {"category": category, "year": year})
        if summary.levels
        else None,
        departments=[
            {
                "row": row,
                "url": query_url("competitions:pivot", {"department": row.key, "category": category}),
            }
            for row in summary.departments
        ],
        # Every tier, "other" included, as the tables' totals count them (reports.summary_charts).
        department_chart=department_chart,
        skill_chart=skill_chart,
        xlsx_url=reverse("competitions:annual-summary-xlsx", args=[year])
        + (f"?{urlencode(xlsx_query)}" if (xlsx_query := summary_query(category, confirmed)) else ""),
        **summary_docx_urls(year, summary_query(category, confirmed)),
        pivot_url=query_url("competitions:pivot", {"category": category}),
    )
    return render(request, "competitions/annual_summary.html", context)


@require_GET
def annual_summary_xlsx(request: HttpRequest, year: int) -> HttpResponse:
    home = Organization.home()
    form = SummaryForm(request.GET, years=[])
    if not form.is_valid():
        return HttpResponseBadRequest(_("Unknown category."), content_type="text/plain; charset=utf-8")
    category = form.cleaned_data["category"] or None
    confirmed = form.confirmed_only()
    if home is None:
        summary = reports.AnnualSummary(year=year, category=category, confirmed=confirmed)
    else:
        summary = reports.annual_summary(year, category=category, confirmed=confirmed)
    suffix = (f"-{category}" if category else "") + ("-confirmed" if confirmed else "")
    return xlsx_response(
        workbook_bytes(reports.summary_sheets(summary)), f"annual-summary-{year}{suffix}.xlsx"
    )


class SummaryDocumentForm(SummaryForm):
    """The summary's choices, and the document's language (the visitor's when not given)."""

    lang = forms.ChoiceField(choices=[(code, code) for code in reports.REPORT_LANGUAGES], required=False)


def summary_docx_urls(year: int, query: dict) -> dict[str, str]:
    """The Word document in the visitor's language, and in the other one."""
    language = reports.report_language(get_language())
    other = next(code for code in reports.REPORT_LANGUAGES if code != language)
    url = reverse("competitions:annual-summary-docx", args=[year])
    return {
        "docx_url": f"{url}?{urlencode(query | {'lang': language})}",
        "docx_other_url": f"{url}?{urlencode(query | {'lang': other})}",
    }


@require_GET
def annual_summary_docx(request: HttpRequest, year: int) -> HttpResponse:
    """The competition section of the annual report as a Word document: the summary's paragraph,
    tables and charts in Chinese or English (reports.report_section, exports.document_bytes)."""
    home = Organization.home()
    form = SummaryDocumentForm(request.GET, years=[])
    if not form.is_valid():
        return HttpResponseBadRequest(
            _("Unknown category or language."), content_type="text/plain; charset=utf-8"
        )
    category = form.cleaned_data["category"] or None
    confirmed = form.confirmed_only()
    language = reports.report_language(form.cleaned_data["lang"] or get_language())
    if home is None:
        summary = reports.AnnualSummary(year=year, category=category, confirmed=confirmed)
    else:
        summary = reports.annual_summary(year, category=category, confirmed=confirmed)
    blocks = reports.report_section(summary, language=language, font_family=cjk_font_family())
    data = document_bytes(
        blocks,
        language=language,
        title=blocks[0].text,
        comments=reports.report_comments(summary, language=language),
    )
    return docx_response(data, reports.report_filename(summary, language=language))


# ---------------------------------------------------------------------------------------------
# Per-competition weights

WEIGHT_FIELDS = [f"weight_{tier}" for tier in Tier.values]
MAX_WEIGHT = 100


class WeightsForm(forms.ModelForm):
    class Meta:
        model = Competition
        fields = WEIGHT_FIELDS

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            field.validators.append(MaxValueValidator(MAX_WEIGHT))
            field.widget.attrs.update(max=MAX_WEIGHT, min=0)


def weight_changes(competition: Competition) -> list[dict]:
    """The competition's historical records in which the weights changed (newest first, 1 query)."""
    records = list(
        competition.history.select_related("history_user").order_by("-history_date", "-history_id")[:50]
    )
    changes = []
    for record, previous in zip(records, [*records[1:], None], strict=True):
        weights = [getattr(record, name) for name in WEIGHT_FIELDS]
        if previous is None or weights != [getattr(previous, name) for name in WEIGHT_FIELDS]:
            changes.append({"record": record, "weights": weights, "first": record.history_type == "+"})
    return changes


@permission_required("competitions.view_competition", raise_exception=True)
@require_http_methods(["GET", "POST"])
def competition_weights(request: HttpRequest, pk: int) -> HttpResponse:
    """The weights and their changes; the office changes them, teachers read them."""
    competition = get_object_or_404(Competition, pk=pk)
    can_change = request.user.has_perm("competitions.change_competition")
    if request.method == "POST" and not can_change:
        raise PermissionDenied
    form = WeightsForm(request.POST or None, instance=competition)
    if request.method == "POST" and form.is_valid():
        if form.has_changed():
            change_weights(form)
            messages.success(request, _("The medal-point weights were saved."))
        else:
            messages.info(request, _("The weights were not changed."))
        return redirect(f"{competition.get_absolute_url()}?order=points#medal-table")
    return render(
        request,
        "competitions/competition_weights.html",
        {
            "competition": competition,
            "form": form,
            "can_change": can_change,
            "tiers": list(Tier),
            "changes": weight_changes(competition),
        },
    )
