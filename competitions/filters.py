import django_filters
from django.utils.translation import gettext_lazy as _

from competitions.models import Category, Competition, Level
from competitions.widgets import FastSelectsFilterSet


def competition_years() -> list[tuple[int, int]]:
    years = Competition.objects.order_by("-year").values_list("year", flat=True).distinct()
    return [(year, year) for year in years]


class CompetitionFilter(FastSelectsFilterSet, django_filters.FilterSet):
    name = django_filters.CharFilter(lookup_expr="icontains", label=_("Name contains"))
    year = django_filters.ChoiceFilter(choices=competition_years, label=_("Year"), empty_label=_("All"))
    level = django_filters.ChoiceFilter(choices=Level.choices, label=_("Level"), empty_label=_("All"))
    category = django_filters.ChoiceFilter(
        choices=Category.choices, label=_("Category"), empty_label=_("All")
    )

    class Meta:
        model = Competition
        fields = ["name", "year", "level", "category"]
