from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field

from django.db.models import (
    Case,
    Count,
    IntegerField,
    Min,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    Subquery,
    Value,
    When,
)
from django.db.models.functions import Coalesce
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, render
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from django.views.decorators.cache import never_cache
from django_filters.views import FilterView
from django_tables2 import RequestConfig, SingleTableMixin
from django_tables2.export import ExportMixin

from competitions import tallies
from competitions.models import MEDAL_TIERS, Entry, EntryMember, Level, Skill, Tier
from students.exports import SafeTableExport, export_filename, sheet_title
from students.filters import CoachFilter, StudentFilter
from students.models import Coach, Department, Student
from students.names import pinyin_key
from students.tables import CoachTable, StudentTable, TimelineTable

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
# The highest level at which a student won a medal: 0 for world, 1 for national ... (Level's order).
BEST_LEVEL = Min(
    Case(
        *[
            When(
                memberships__entry__award__tier__in=MEDAL_TIERS,
                memberships__entry__event__competition__level=level,
                then=Value(number),
            )
            for number, level in enumerate(Level.values)
        ],
        output_field=IntegerField(),
    )
)

# The steps of a selection pathway, lowest first: school → municipal → provincial → national → world.
PATHWAY_LEVELS = [
    Level.SCHOOL,
    Level.MUNICIPAL,
    Level.REGIONAL,
    Level.PROVINCIAL,
    Level.INDUSTRY,
    Level.NATIONAL,
    Level.WORLD,
]
TIER_ORDER = {tier: number for number, tier in enumerate(Tier.values)}
LEVEL_ORDER = {level: number for number, level in enumerate(Level.values)}

EXPORT_FORMATS = (SafeTableExport.CSV, SafeTableExport.XLSX)
EXPORT_PARAM = "_export"


def requested_export(request: HttpRequest) -> str | None:
    """The export format asked for, if it is one we offer (anything else shows the page)."""
    export_format = request.GET.get(EXPORT_PARAM)
    return export_format if SafeTableExport.is_valid_format(export_format) else None


class ExportableListMixin(ExportMixin):
    export_class = SafeTableExport
    export_formats = EXPORT_FORMATS
    export_trigger_param = EXPORT_PARAM

    def get_table_pagination(self, table):
        # An export holds every row that matches the filters, not one page of them.
        if requested_export(self.request):
            return False
        return super().get_table_pagination(table)

    def get_export_filename(self, export_format):
        return export_filename(str(self.export_name), export_format=export_format)


# Lists


def students_with_results() -> QuerySet[Student]:
    """Students with what the student table shows: entries, best award and best medal level.

    Ordered explicitly: Meta.ordering is dropped from queries with GROUP BY.
    """
    return (
        Student.objects.select_related("department", "major")
        .annotate(
            n_entries=Count("memberships__entry", distinct=True),
            best_tier=BEST_TIER,
            best_level=BEST_LEVEL,
        )
        .order_by("name_pinyin", "name", "pk")
    )


class StudentListView(ExportableListMixin, SingleTableMixin, FilterView):
    model = Student
    table_class = StudentTable
    filterset_class = StudentFilter
    template_name = "students/student_list.html"
    table_pagination = {"per_page": 50}
    export_name = _("students")

    def get_queryset(self):
        return students_with_results()


class CoachListView(ExportableListMixin, SingleTableMixin, FilterView):
    model = Coach
    table_class = CoachTable
    filterset_class = CoachFilter
    template_name = "students/coach_list.html"
    table_pagination = {"per_page": 50}
    export_name = _("coaches")

    def get_queryset(self):
        # Ordered explicitly: Meta.ordering is dropped from queries with GROUP BY.
        return (
            Coach.objects.select_related("department", "organization")
            .annotate(
                n_coached=Count("coachings", distinct=True),
                n_medals=tallies.stored_count("coach"),
                n_competed=Count("memberships", distinct=True),
            )
            .order_by("name_pinyin", "name", "pk")
        )


QUICK_SEARCH_LIMIT = 10


def by_relevance(people: QuerySet, text: str) -> QuerySet:
    """Exact matches (a whole name, initials, pinyin or number) before partial ones, then by pinyin."""
    latin = text.lower().replace(" ", "")
    exact = Q(name=text) | Q(name_initials=latin) | Q(name_pinyin=latin)
    if people.model is Student:
        exact |= Q(student_number=text)
    relevance = Case(When(exact, then=Value(0)), default=Value(1), output_field=IntegerField())
    return people.annotate(relevance=relevance).order_by("relevance", "name_pinyin", "name", "pk")


@never_cache
def quick_search(request: HttpRequest) -> JsonResponse:
    """Students and coaches matching `q` (name, pinyin, initials, student number), at most 10.

    For the navigation bar's search-as-you-type (static/js/quick-search.js): names are data, and
    the script puts them into the page as text, never as HTML.
    """
    text = request.GET.get("q", "").strip()[:50]
    results = []
    if text:
        students = by_relevance(Student.objects.search(text), text).select_related("department")
        for student in students[:QUICK_SEARCH_LIMIT]:
            details = [student.student_number, student.department and student.department.name]
            results.append(
                {
                    "kind": "student",
                    "kind_label": gettext("Student"),
                    "name": student.name,
                    "detail": " · ".join(str(d) for d in details if d),
                    "url": student.get_absolute_url(),
                }
            )
        room = QUICK_SEARCH_LIMIT - len(results)
        if room:
            coaches = by_relevance(Coach.objects.search(text), text).select_related(
                "department", "organization"
            )
            for coach in coaches[:room]:
                place = coach.organization or coach.department
                results.append(
                    {
                        "kind": "coach",
                        "kind_label": gettext("Coach"),
                        "name": coach.name,
                        "detail": place.name if place else "",
                        "url": coach.get_absolute_url(),
                    }
                )
    return JsonResponse({"query": text, "results": results})


# Histories


def history(entries: QuerySet[Entry], *, person: Student | Coach | None = None) -> list[Entry]:
    """Entries as a history page shows them: newest competition first, with people and photos.

    The same rows as EntryQuerySet.with_people, and the students' departments (coach pages list them).
    Each entry gets `people`: its named members, leaving out `person` (whose page this is),
    so a student's page lists the team mates only.
    """
    members = EntryMember.objects.select_related("student__department", "coach")
    rows = list(
        entries.select_related("organization", "award", "event__competition", "event__skill")
        .prefetch_related(Prefetch("members", queryset=members), "coaches", "photos")
        .order_by(
            "-event__competition__year",
            "-event__competition__start_date",
            "event__competition__name",
            "event__name",
            "id",
        )
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


def result_key(entry: Entry) -> tuple:
    """Sorts results best first: the better tier, the higher level, the better rank, the later year."""
    tier = TIER_ORDER[entry.tier] if entry.tier else len(TIER_ORDER)
    competition = entry.event.competition
    return (tier, LEVEL_ORDER[competition.level], entry.rank or 10**9, -competition.year)


@dataclass
class Pathway:
    """One skill's selection pathway: the best result at each level reached, lowest level first."""

    skill: Skill
    steps: list[Entry] = field(default_factory=list)

    @property
    def highest(self) -> int:
        return PATHWAY_LEVELS.index(self.steps[-1].event.competition.level)


def pathways(entries: Iterable[Entry]) -> list[Pathway]:
    """Per skill, the best result at each level, in level order; the skills reaching highest first."""
    best: dict[Skill, dict[str, Entry]] = defaultdict(dict)
    for entry in entries:
        at_level = best[entry.event.skill]
        level = entry.event.competition.level
        if level not in at_level or result_key(entry) < result_key(at_level[level]):
            at_level[level] = entry
    paths = [
        Pathway(skill, [levels[level] for level in PATHWAY_LEVELS if level in levels])
        for skill, levels in best.items()
    ]
    return sorted(paths, key=lambda path: (-path.highest, pinyin_key(path.skill.name), path.skill.pk))


def student_detail(request: HttpRequest, pk: int) -> HttpResponse:
    student = get_object_or_404(Student.objects.select_related("department", "major"), pk=pk)
    # A student is in at most one entry per event (a database constraint), so no duplicates here.
    entries = history(Entry.objects.filter(members__student=student), person=student)
    export_format = requested_export(request)
    if export_format:
        table = TimelineTable(entries)
        filename = export_filename(student.name, gettext("entries"), export_format=export_format)
        return SafeTableExport(
            export_format, table, dataset_kwargs={"title": sheet_title(student.name)}
        ).response(filename)
    return render(
        request,
        "students/student_detail.html",
        {
            "student": student,
            "entries": entries,
            "tier_counts": tallies.tiers_of(entries),
            "pathways": pathways(entries),
            "export_formats": EXPORT_FORMATS,
        },
    )


@dataclass
class CoachedStudent:
    student: Student
    entries: list[Entry] = field(default_factory=list)

    @property
    def best(self) -> Entry:
        return min(self.entries, key=result_key)


def coached_students(entries: Iterable[Entry]) -> list[CoachedStudent]:
    """The home students in these entries, with their entries; the best results first."""
    found: dict[int, CoachedStudent] = {}
    for entry in entries:
        for member in entry.members.all():
            if member.student_id:
                found.setdefault(member.student_id, CoachedStudent(member.student)).entries.append(entry)
    return sorted(
        found.values(),
        key=lambda row: (result_key(row.best)[:3], -len(row.entries), pinyin_key(row.student.name)),
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
            "coached_students": coached_students(coached),
            "coached_tier_counts": tallies.tiers_of(coached),
            "coached_by_level": tallies.levels_of(coached),
            "competed_tier_counts": tallies.tiers_of(competed),
            "tiers": list(Tier),
        },
    )


# Departments


def count_of(model, **filters) -> Coalesce:
    """How many `model` rows point at the outer row, as a subquery (no join that multiplies rows)."""
    rows = model.objects.filter(**filters).order_by().values(*filters).annotate(n=Count("pk")).values("n")
    return Coalesce(Subquery(rows), 0)


def department_list(request: HttpRequest) -> HttpResponse:
    departments = list(
        Department.objects.annotate(
            n_students=count_of(Student, department=OuterRef("pk")),
            n_coaches=count_of(Coach, department=OuterRef("pk")),
        ).order_by("name")
    )
    # From the stored tallies (rule 9; a team of two students of one department counts once for
    # it): the list costs the same however many entries there are.
    medals = {
        row.key: row
        for row in tallies.period_table(
            "department", names={department.pk: department.name for department in departments}
        )
    }
    for department in departments:
        department.medals = medals.get(department.pk)
    return render(
        request,
        "students/department_list.html",
        {"departments": departments, "medal_tiers": MEDAL_TIERS},
    )


def department_detail(request: HttpRequest, pk: int) -> HttpResponse:
    department = get_object_or_404(Department, pk=pk)
    # Entries with a home student of the department as a member, each counted once (rule 9).
    years = [
        {
            "year": year,
            "counts": [n for _tier, n in row.cells()],
            "medals": row.medals,
            "entries": row.entries,
        }
        for year, row in tallies.period_by_year("department", department.pk)
    ]
    students = students_with_results().filter(department=department)
    table = StudentTable(students, exclude=["department"])
    RequestConfig(request, paginate={"per_page": 50}).configure(table)
    return render(
        request,
        "students/department_detail.html",
        {
            "department": department,
            "years": years,
            "tiers": list(Tier),
            "medal_tiers": MEDAL_TIERS,
            "top_students": tallies.top("student", Student.objects.filter(department=department)),
            "top_coaches": tallies.top("coach", Coach.objects.filter(department=department)),
            "table": table,
        },
    )
