from collections import Counter

from django.db.models import Case, Count, IntegerField, Min, QuerySet, Value, When
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django_filters.views import FilterView
from django_tables2 import SingleTableMixin

from competitions.models import Entry, EntryMember, Tier
from students.filters import CoachFilter, StudentFilter
from students.models import Coach, Student
from students.tables import CoachTable, StudentTable

# A student's best award as a number: 0 for special, 1 for gold ... (Tier is declared best first).
BEST_TIER = Min(
    Case(
        *[
            When(memberships__entry__award__tier=tier, then=Value(number))
            for number, tier in enumerate(Tier.values)
        ],
        output_field=IntegerField(),
    )
)


class StudentListView(SingleTableMixin, FilterView):
    model = Student
    table_class = StudentTable
    filterset_class = StudentFilter
    template_name = "students/student_list.html"
    table_pagination = {"per_page": 50}

    def get_queryset(self):
        return Student.objects.select_related("department", "major").annotate(
            n_entries=Count("memberships__entry", distinct=True),
            best_tier=BEST_TIER,
        )


class CoachListView(SingleTableMixin, FilterView):
    model = Coach
    table_class = CoachTable
    filterset_class = CoachFilter
    template_name = "students/coach_list.html"
    table_pagination = {"per_page": 50}

    def get_queryset(self):
        return Coach.objects.select_related("department", "organization").annotate(
            n_coached=Count("coachings", distinct=True),
            n_competed=Count("memberships", distinct=True),
        )


def history(entries: QuerySet[Entry], *, person: Student | Coach | None = None) -> list[Entry]:
    """Entries as a history page shows them: newest competition first, with people and photos.

    Each entry gets `people`: its named members, leaving out `person` (whose page this is),
    so a student's page lists the team mates only.
    """
    rows = list(
        entries.with_people()
        .select_related("event__competition")
        .prefetch_related("photos")
        .order_by("-event__competition__year", "event__competition__name", "event__name", "id")
    )
    for entry in rows:
        entry.people = [member for member in entry.members.all() if not is_member(member, person)]
    return rows


def is_member(member: EntryMember, person: Student | Coach | None) -> bool:
    if isinstance(person, Student):
        return member.student_id == person.pk
    if isinstance(person, Coach):
        return member.coach_id == person.pk
    return False


def count_by_tier(entries: list[Entry]) -> list[tuple[Tier, int]]:
    """How many of these entries won each tier; each entry counts once, team or not (rule 2)."""
    counts = Counter(entry.tier for entry in entries)
    return [(tier, counts[tier.value]) for tier in Tier]


def student_detail(request: HttpRequest, pk: int) -> HttpResponse:
    student = get_object_or_404(Student.objects.select_related("department", "major"), pk=pk)
    # A student is in at most one entry per event (a database constraint), so no duplicates here.
    entries = history(Entry.objects.filter(members__student=student), person=student)
    return render(
        request,
        "students/student_detail.html",
        {"student": student, "entries": entries, "tier_counts": count_by_tier(entries)},
    )


def coach_detail(request: HttpRequest, pk: int) -> HttpResponse:
    coach = get_object_or_404(Coach.objects.select_related("department", "organization"), pk=pk)
    coached = history(Entry.objects.filter(coaches=coach))
    competed = history(Entry.objects.filter(members__coach=coach), person=coach)
    return render(
        request,
        "students/coach_detail.html",
        {
            "coach": coach,
            "coached": coached,
            "competed": competed,
            "coached_tier_counts": count_by_tier(coached),
            "competed_tier_counts": count_by_tier(competed),
        },
    )
