import django_filters
from django.db.models import Count
from django.utils.translation import gettext_lazy as _

from competitions.models import Category, Competition, Level
from competitions.widgets import FastSelectsFilterSet, shared


def competition_years() -> list[tuple[int, int]]:
    """The years that have a competition, newest first, as a year filter's options."""
    return [(year, year) for year in competitions_by_year()]


def competitions_by_year() -> dict[int, int]:
    """Each year that has a competition, newest first, with its number of competitions: one query,
    the year list's options and the list's count together."""
    rows = Competition.objects.order_by("-year").values_list("year").annotate(n=Count("pk"))
    return dict(rows)


class CompetitionFilter(FastSelectsFilterSet, django_filters.FilterSet):
    """The competition list's filters. Its years are read with their counts (competitions_by_year),
    so that `known_count` answers the list's "how many" without counting again when the filters
    in use are at most the year."""

    name = django_filters.CharFilter(lookup_expr="icontains", label=_("Name contains"))
    year = django_filters.ChoiceFilter(label=_("Year"), empty_label=_("All"))
    level = django_filters.ChoiceFilter(choices=shared(Level.choices), label=_("Level"), empty_label=_("All"))
    category = django_filters.ChoiceFilter(
        choices=shared(Category.choices), label=_("Category"), empty_label=_("All")
    )

    class Meta:
        model = Competition
        fields = ["name", "year", "level", "category"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.year_counts = competitions_by_year()
        self.filters["year"].extra["choices"] = [(year, year) for year in self.year_counts]

    def known_count(self) -> int | None:
        """The number of competitions the filters let through, when it is known from the years'
        counts (no filter, or the year only); None otherwise, or when the filters are not valid."""
        if self.is_bound and not self.is_valid():
            return None
        given = {name: value for name, value in getattr(self.form, "cleaned_data", {}).items() if value}
        if not given:
            return sum(self.year_counts.values())
        if given.keys() == {"year"}:
            return self.year_counts.get(int(given["year"]), 0)
        return None
