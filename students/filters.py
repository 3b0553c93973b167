from functools import cached_property, partial

import django_filters
from django.db import connections
from django.db.models import Max, Min, QuerySet, Subquery
from django.utils.translation import gettext_lazy as _

from competitions import tallies
from competitions.models import Level, Tier
from competitions.querysets import CompiledQuery
from competitions.widgets import FastSelectsFilterSet, NamedChoiceFilter, shared
from students.models import Coach, Department, Student

YES_NO = [("yes", _("Yes")), ("no", _("No"))]


def cohort_years() -> list[tuple[int, int]]:
    """Every year from the newest cohort to the oldest: two index look-ups, however many students."""
    students = Student.objects.all()
    if connections[students.db].vendor == "sqlite":
        # Two queries there: SQLite answers a lone MIN or MAX from the index, but not both at once.
        first = students.aggregate(first=Min("cohort_year"))["first"]
        last = students.aggregate(last=Max("cohort_year"))["last"] if first is not None else None
    else:  # PostgreSQL reads both ends of the index in one query
        first, last = students.aggregate(first=Min("cohort_year"), last=Max("cohort_year")).values()
    return year_options(first, last)


def year_options(first: int | None, last: int | None) -> list[tuple[int, int]]:
    """Every year from last down to first, as a filter's options; none when there is no first."""
    if first is None:
        return []
    return [(year, year) for year in range(last, first - 1, -1)]


def student_options_query() -> QuerySet:
    """The query of student_choices: (department, name, major, major name, first cohort, last cohort)."""
    cohorts = Student.objects.filter(cohort_year__isnull=False).values("cohort_year")
    return (
        Department.objects.order_by("name", "pk", "majors__name", "majors__pk")
        .values_list("pk", "name", "majors__pk", "majors__name")
        .annotate(
            first=Subquery(cohorts.order_by("cohort_year")[:1]),
            last=Subquery(cohorts.order_by("-cohort_year")[:1]),
        )
    )


# Compiled once per connection (it has no keys: the same SQL on every page).
STUDENT_OPTIONS = CompiledQuery(student_options_query)


def student_choices() -> tuple[list[tuple[int, str]], list[tuple[int, str]], list[tuple[int, int]]]:
    """The student filter's options, in one query: the departments by name; the majors by
    department, then name, each named with its department (two departments may teach a major of
    the same name); and the cohort years, newest first (each end of the cohort index read as a
    scalar subquery, which both databases answer from the index)."""
    rows = STUDENT_OPTIONS()
    if not rows:  # no row to carry the years
        return [], [], cohort_years()
    departments: dict[int, str] = {}
    majors: list[tuple[int, str]] = []
    for department, name, major, major_name, _first, _last in rows:
        departments[department] = name
        if major is not None:
            majors.append((major, f"{name} · {major_name}"))
    *_row, first, last = rows[0]
    return list(departments.items()), majors, year_options(first, last)


class StudentOptions:
    """student_choices(), read once, when one of its lists is first asked for. A form's fields
    are deep-copied with their choices: this is shared, not copied."""

    def __deepcopy__(self, memo) -> "StudentOptions":
        return self

    @cached_property
    def read(self) -> tuple[list, list, list]:
        return student_choices()

    def choices(self, index: int) -> list:
        return self.read[index]


class PersonSearchFilter(FastSelectsFilterSet, django_filters.FilterSet):
    q = django_filters.CharFilter(method="search", label=_("Search"))

    def search(self, queryset, name, value):
        # Name, full pinyin, pinyin initials and (for students) student number: see Person.search.
        return queryset.search(value[:100])


class StudentFilter(PersonSearchFilter):
    """Filters of the student list; `has_medal`, `best_tier` and `best_level` read the student's
    best result (`best_order`, tallies.with_best_order, added to the list's query when one is chosen), so they agree with the
    list's "Best result" column."""

    # Their options are set by __init__ (student_choices: one query for the three).
    department = django_filters.ChoiceFilter(label=_("Department"), empty_label=_("All"))
    major = django_filters.ChoiceFilter(label=_("Major"), empty_label=_("All"))
    class_name = django_filters.CharFilter(lookup_expr="icontains", label=_("Class"))
    cohort_year = django_filters.ChoiceFilter(label=_("Cohort year"), empty_label=_("All"))
    training_level = django_filters.ChoiceFilter(
        choices=shared(Student.TrainingLevel.choices), label=_("Training level"), empty_label=_("All")
    )
    has_medal = django_filters.ChoiceFilter(
        choices=shared(YES_NO), method="filter_has_medal", label=_("Has a medal"), empty_label=_("All")
    )
    best_tier = django_filters.ChoiceFilter(
        choices=shared(Tier.choices),
        method="filter_best_tier",
        label=_("Best result: award tier"),
        empty_label=_("All"),
    )
    best_level = django_filters.ChoiceFilter(
        choices=shared(Level.choices),
        method="filter_best_level",
        label=_("Best result: level"),
        empty_label=_("All"),
    )

    class Meta:
        model = Student
        fields = [
            "q",
            "department",
            "major",
            "class_name",
            "cohort_year",
            "training_level",
            "has_medal",
            "best_tier",
            "best_level",
        ]

    CHOSEN = ("department", "major", "cohort_year")  # in the order of student_choices()

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # Read when the list is shown or a value checked (not for an export with no filter).
        options = StudentOptions()
        for index, name in enumerate(self.CHOSEN):
            self.filters[name].extra["choices"] = partial(options.choices, index)

    def filter_has_medal(self, queryset, name, value):
        # A medal is always a better result than any other award, so the best result tells.
        if value == "yes":
            return tallies.with_best_order(queryset).filter(best_order__lt=tallies.FIRST_NON_MEDAL)
        return tallies.with_best_order(queryset).filter(best_order__gte=tallies.FIRST_NON_MEDAL)

    def filter_best_tier(self, queryset, name, value):
        return tallies.with_best_order(queryset).filter(best_order__in=tallies.result_orders(tier=value))

    def filter_best_level(self, queryset, name, value):
        return tallies.with_best_order(queryset).filter(best_order__in=tallies.result_orders(level=value))


class CoachFilter(PersonSearchFilter):
    department = NamedChoiceFilter(
        queryset=Department.objects.all(), label=_("Department"), empty_label=_("All")
    )
    home = django_filters.ChoiceFilter(
        choices=shared(YES_NO), method="filter_home", label=_("Home college teacher"), empty_label=_("All")
    )

    class Meta:
        model = Coach
        fields = ["q", "department", "home"]

    def filter_home(self, queryset, name, value):
        # Coach.organization is empty for the home college's own teachers.
        return queryset.filter(organization__isnull=value == "yes")
