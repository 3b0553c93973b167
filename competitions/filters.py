import django_filters
from django.db import connection
from django.db.models import Count
from django.utils.translation import gettext_lazy as _

from competitions.models import Category, Competition, Level
from competitions.widgets import FastSelectsFilterSet, shared


def competition_years() -> list[tuple[int, int]]:
    """The years that have a competition, newest first, as a year filter's options."""
    return [(year, year) for year in years_with_competitions()]


def years_with_competitions() -> list[int]:
    """The years that have a competition, newest first (the keys of competitions_by_year, without
    the counts): each year found by one step down the year index, a few dozen index look-ups
    where the GROUP BY reads every competition (it cost a leaderboard ~1 ms on PostgreSQL)."""
    table = connection.ops.quote_name(Competition._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(
            f"""WITH RECURSIVE years(year) AS (
                SELECT MAX(year) FROM {table}
                UNION ALL
                SELECT (SELECT c.year FROM {table} c WHERE c.year < years.year ORDER BY c.year DESC LIMIT 1)
                FROM years WHERE years.year IS NOT NULL
            )
            SELECT year FROM years WHERE year IS NOT NULL"""
        )
        return [year for (year,) in cursor.fetchall()]


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
