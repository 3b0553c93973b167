import django_filters
from django.utils.translation import gettext_lazy as _

from students.models import Coach, Department, Student


def cohort_years() -> list[tuple[int, int]]:
    years = (
        Student.objects.filter(cohort_year__isnull=False)
        .order_by("-cohort_year")
        .values_list("cohort_year", flat=True)
        .distinct()
    )
    return [(year, year) for year in years]


class PersonSearchFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(method="search", label=_("Search"))

    def search(self, queryset, name, value):
        # Name, full pinyin, pinyin initials and (for students) student number: see Person.search.
        return queryset.search(value)


class StudentFilter(PersonSearchFilter):
    department = django_filters.ModelChoiceFilter(
        queryset=Department.objects.all(), label=_("Department"), empty_label=_("All")
    )
    cohort_year = django_filters.ChoiceFilter(
        choices=cohort_years, label=_("Cohort year"), empty_label=_("All")
    )
    training_level = django_filters.ChoiceFilter(
        choices=Student.TrainingLevel.choices, label=_("Training level"), empty_label=_("All")
    )

    class Meta:
        model = Student
        fields = ["q", "department", "cohort_year", "training_level"]


class CoachFilter(PersonSearchFilter):
    department = django_filters.ModelChoiceFilter(
        queryset=Department.objects.all(), label=_("Department"), empty_label=_("All")
    )

    class Meta:
        model = Coach
        fields = ["q", "department"]
