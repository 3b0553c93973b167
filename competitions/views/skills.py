"""Skills across competitions and years: the list, and one skill's whole history (every 移动机器人 result).

The skill list's table and filter live here with their only view; move them to tables.py and
filters.py if another page needs them.
"""

from collections import Counter, defaultdict

import django_filters
import django_tables2 as tables
from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import permission_required
from django.db.models import Count, Exists, Max, Min, OuterRef, Prefetch, Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_http_methods
from django_filters.views import FilterView
from django_tables2 import SingleTableMixin

from competitions import tallies
from competitions.filters import competition_years
from competitions.models import MEDAL_TIERS, Entry, Event, Level, Skill, Tier
from competitions.pagination import BoundedPaginationMixin
from competitions.recording import change_skill
from competitions.views.pages import choice
from competitions.widgets import shared

NUMERIC = {"td": {"class": "num"}, "th": {"class": "num"}}


class SkillFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(method="search", label=_("Name contains"))
    level = django_filters.ChoiceFilter(
        choices=shared(Level.choices), method="held_at_level", label=_("Held at level"), empty_label=_("All")
    )
    year = django_filters.ChoiceFilter(
        choices=competition_years, method="held_in_year", label=_("Held in year"), empty_label=_("All")
    )

    class Meta:
        model = Skill
        fields = ["q", "level", "year"]

    def search(self, queryset, name, value):
        value = value.strip()[:100]
        return queryset.filter(Q(name__icontains=value) | Q(name_en__icontains=value))

    # Exists, not a join: a join would multiply the rows the list's counts are made from.
    def held_at_level(self, queryset, name, value):
        return queryset.filter(Exists(Event.objects.filter(skill=OuterRef("pk"), competition__level=value)))

    def held_in_year(self, queryset, name, value):
        return queryset.filter(Exists(Event.objects.filter(skill=OuterRef("pk"), competition__year=value)))


class SkillTable(tables.Table):
    name = tables.Column(linkify=("competitions:skill-detail", [tables.A("pk")]))
    placeholder = tables.BooleanColumn(verbose_name=_("Placeholder"), yesno=("✔", ""))
    n_competitions = tables.Column(verbose_name=_("Competitions"), attrs=NUMERIC)
    first_year = tables.Column(verbose_name=_("First year"), attrs=NUMERIC)
    last_year = tables.Column(verbose_name=_("Latest year"), attrs=NUMERIC)
    n_entries = tables.Column(verbose_name=_("Entries"), attrs=NUMERIC)
    n_home_medals = tables.Column(verbose_name=_("Our medals"), attrs=NUMERIC)

    class Meta:
        model = Skill
        fields = [
            "name",
            "name_en",
            "placeholder",
            "n_competitions",
            "first_year",
            "last_year",
            "n_entries",
            "n_home_medals",
        ]
        empty_text = _("No skills match.")


class SkillListView(BoundedPaginationMixin, SingleTableMixin, FilterView):
    model = Skill
    table_class = SkillTable
    filterset_class = SkillFilter
    template_name = "competitions/skill_list.html"
    table_pagination = {"per_page": 50}

    def get_queryset(self):
        # Ordered explicitly: Meta.ordering is dropped from queries with GROUP BY.
        return Skill.objects.annotate(
            n_competitions=Count("events__competition", distinct=True),
            first_year=Min("events__competition__year"),
            last_year=Max("events__competition__year"),
            n_entries=Count("events__entries", distinct=True),
            n_home_medals=tallies.stored_count("skill"),
        ).order_by("name")


skill_list = SkillListView.as_view()


def home_titles(events) -> tuple[list[dict], dict]:
    """The college's entries in these events (rule 9) counted by level and tier, each entry once
    (one query). Returns the rows (highest level first) and the totals row.
    """
    college = tallies.for_college(Entry.objects.filter(event__in=[event.pk for event in events]))
    counts: dict[str, Counter] = defaultdict(Counter)
    for (level,), tiers in tallies.count_by(college, "event__competition__level").items():
        counts[level] = Counter({tier or None: n for tier, n in tiers.items()})

    def row(label, counter: Counter) -> dict:
        return {
            "label": label,
            "counts": [counter[tier] for tier in Tier.values],
            "medals": sum(counter[tier] for tier in MEDAL_TIERS),
            "entries": sum(counter.values()),
        }

    rows = [row(level.label, counts[level]) for level in Level if level.value in counts]
    return rows, row(_("All levels"), sum(counts.values(), Counter()))


def skill_detail(request: HttpRequest, pk: int) -> HttpResponse:
    skill = get_object_or_404(Skill, pk=pk)
    years = list(
        skill.events.order_by("-competition__year").values_list("competition__year", flat=True).distinct()
    )
    level = choice(request.GET.get("level"), Level.values, "")
    year = choice(request.GET.get("year"), [str(y) for y in years], "")
    home_only = request.GET.get("home") == "1"

    entries = Entry.objects.in_result_order().with_people()
    if home_only:
        entries = entries.filter(tallies.college_condition())
    events = (
        skill.events.select_related("competition")
        .prefetch_related(Prefetch("entries", queryset=entries))
        .order_by("-competition__year", "-competition__start_date", "competition__name", "name")
    )
    if level:
        events = events.filter(competition__level=level)
    if year:
        events = events.filter(competition__year=year)
    # Newest year first; within a year, the highest level first.
    levels = {value: number for number, value in enumerate(Level.values)}
    events = sorted(events, key=lambda event: (-event.competition.year, levels[event.competition.level]))
    title_rows, title_totals = home_titles(events)
    return render(
        request,
        "competitions/skill_detail.html",
        {
            "skill": skill,
            "events": events,
            "years": years,
            "levels": Level.choices,
            "level": level,
            "year": year,
            "home_only": home_only,
            "tiers": list(Tier),
            "title_rows": title_rows,
            "title_totals": title_totals,
        },
    )


class SkillForm(forms.ModelForm):
    class Meta:
        model = Skill
        fields = ["name", "name_en", "placeholder"]


@permission_required("competitions.change_skill", raise_exception=True)
@require_http_methods(["GET", "POST"])
def skill_edit(request: HttpRequest, pk: int) -> HttpResponse:
    """The office renames a skill or marks it as a placeholder (not ranked: see tallies.mark_placeholders)."""
    skill = get_object_or_404(Skill, pk=pk)
    form = SkillForm(request.POST or None, instance=skill)
    if request.method == "POST" and form.is_valid():
        if form.has_changed():
            change_skill(form)
            messages.success(request, gettext("The skill was saved."))
        else:
            messages.info(request, gettext("The skill was not changed."))
        return redirect("competitions:skill-detail", pk=skill.pk)
    return render(request, "competitions/skill_form.html", {"skill": skill, "form": form})
