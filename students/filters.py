import django_filters
from django import forms
from django.db import connections
from django.db.models import Max, Min
from django.utils.translation import gettext_lazy as _

from competitions import tallies
from competitions.models import Level, Tier
from competitions.widgets import FastSelectsFilterSet, NamedChoiceFilter
from students.models import Coach, Department, Major, Student

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
    if first is None:
        return []
    return [(year, year) for year in range(last, first - 1, -1)]


class MajorField(forms.ModelChoiceField):
    # Two departments may teach a major of the same name: name the department too.
    def label_from_instance(self, obj: Major) -> str:
        return f"{obj.department.name} · {obj.name}"


class MajorFilter(django_filters.ModelChoiceFilter):
    field_class = MajorField


class PersonSearchFilter(FastSelectsFilterSet, django_filters.FilterSet):
    q = django_filters.CharFilter(method="search", label=_("Search"))

    def search(self, queryset, name, value):
        # Name, full pinyin, pinyin initials and (for students) student number: see Person.search.
        return queryset.search(value[:100])


class StudentFilter(PersonSearchFilter):
    """Filters of the student list; `has_medal`, `best_tier` and `best_level` read the student's
    best result (the view's `best_order`, tallies.best_result_annotations), so they agree with the
    list's "Best result" column."""

    department = NamedChoiceFilter(
        queryset=Department.objects.all(), label=_("Department"), empty_label=_("All")
    )
    major = MajorFilter(
        queryset=Major.objects.select_related("department"), label=_("Major"), empty_label=_("All")
    )
    class_name = django_filters.CharFilter(lookup_expr="icontains", label=_("Class"))
    cohort_year = django_filters.ChoiceFilter(
        choices=cohort_years, label=_("Cohort year"), empty_label=_("All")
    )
    training_level = django_filters.ChoiceFilter(
        choices=Student.TrainingLevel.choices, label=_("Training level"), empty_label=_("All")
    )
    has_medal = django_filters.ChoiceFilter(
        choices=YES_NO, method="filter_has_medal", label=_("Has a medal"), empty_label=_("All")
    )
    best_tier = django_filters.ChoiceFilter(
        choices=Tier.choices,
        method="filter_best_tier",
        label=_("Best result: award tier"),
        empty_label=_("All"),
    )
    best_level = django_filters.ChoiceFilter(
        choices=Level.choices, method="filter_best_level", label=_("Best result: level"), empty_label=_("All")
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

    def filter_has_medal(self, queryset, name, value):
        # A medal is always a better result than any other award, so the best result tells.
        if value == "yes":
            return queryset.filter(best_order__lt=tallies.FIRST_NON_MEDAL)
        return queryset.filter(best_order__gte=tallies.FIRST_NON_MEDAL)

    def filter_best_tier(self, queryset, name, value):
        return queryset.filter(best_order__in=tallies.result_orders(tier=value))

    def filter_best_level(self, queryset, name, value):
        return queryset.filter(best_order__in=tallies.result_orders(level=value))


class CoachFilter(PersonSearchFilter):
    department = NamedChoiceFilter(
        queryset=Department.objects.all(), label=_("Department"), empty_label=_("All")
    )
    home = django_filters.ChoiceFilter(
        choices=YES_NO, method="filter_home", label=_("Home college teacher"), empty_label=_("All")
    )

    class Meta:
        model = Coach
        fields = ["q", "department", "home"]

    def filter_home(self, queryset, name, value):
        # Coach.organization is empty for the home college's own teachers.
        return queryset.filter(organization__isnull=value == "yes")
