from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import cache

from django.contrib import messages
from django.contrib.auth.decorators import permission_required
from django.core.exceptions import ValidationError
from django.db import IntegrityError, OperationalError
from django.db.models import (
    Case,
    Count,
    F,
    IntegerField,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Value,
    When,
    prefetch_related_objects,
)
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext, ngettext
from django.utils.translation import gettext_lazy as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods
from django_filters.views import FilterView
from django_tables2 import SingleTableMixin
from django_tables2.export import ExportMixin

from competitions import result_rows, tallies
from competitions.exports import SpreadsheetExport, export_filename, sheet_title
from competitions.honours import has_honours, honours_of
from competitions.importing import is_conflict
from competitions.models import (
    MEDAL_TIERS,
    Award,
    Competition,
    Entry,
    EntryCoach,
    EntryMember,
    Event,
    Level,
    Organization,
    Photo,
    Skill,
    Tier,
)
from competitions.pagination import BoundedPaginationMixin, BoundedRequestConfig
from competitions.querysets import CompiledQuery, SharedInstances, built_once, column_of
from students.filters import CoachFilter, StudentFilter
from students.forms import MergeForm
from students.merging import check_merge, merge_coaches, merge_students
from students.models import Coach, Department, MergeRecord, Student
from students.names import pinyin_key
from students.people import NAME_WITH_NUMBER, format_person, likely_duplicates, near_matches
from students.tables import CoachTable, StudentTable, TimelineTable

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

EXPORT_FORMATS = (SpreadsheetExport.CSV, SpreadsheetExport.XLSX)
EXPORT_PARAM = "_export"


def requested_export(request: HttpRequest) -> str | None:
    """The export format asked for, if it is one we offer (anything else shows the page)."""
    export_format = request.GET.get(EXPORT_PARAM)
    return export_format if SpreadsheetExport.is_valid_format(export_format) else None


class ExportableListMixin(ExportMixin):
    export_class = SpreadsheetExport
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


@built_once
def students_with_results() -> QuerySet[Student]:
    """Students with what the student table shows: their number of entries, in the list's one
    query. Their best result (one result, by tallies' order) is read for the rows shown
    (tallies.describe_best_results), or in this query when the list is filtered or sorted by it
    (tallies.with_best_order).

    Ordered explicitly: Meta.ordering is dropped from queries with GROUP BY.
    """
    return (
        Student.objects.select_related("department", "major")
        .annotate(n_entries=tallies.count_of(EntryMember, student=OuterRef("pk")))
        .order_by("name_pinyin", "name", "pk")
    )


class StudentListView(BoundedPaginationMixin, ExportableListMixin, SingleTableMixin, FilterView):
    model = Student
    table_class = StudentTable
    filterset_class = StudentFilter
    template_name = "students/student_list.html"
    table_pagination = {"per_page": 50}
    export_name = _("students")

    def get_queryset(self):
        return students_with_results()


class CoachListView(BoundedPaginationMixin, ExportableListMixin, SingleTableMixin, FilterView):
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


# A history's entries, read as values (issue 13): the columns its pages show, not every column of
# five joined tables; each competition, event, skill, organization and award one instance however
# many entries share it. The organization's and the skill's names are read by a subquery each
# (NAMES_BY_SUBQUERY), not joined: PostgreSQL took 1.1-1.5 ms to plan the seven tables' join and
# 0.2 ms to run it; five tables and two subqueries plan in 0.45 ms and run in 0.3 ms.
HISTORY_FIELDS = (
    "pk",
    "rank",
    "score",
    "organization_id",
    "organization_name",
    "award_id",
    "award__label",
    "award__normalized",
    "award__tier",
    "event_id",
    "event__name",
    "event__skill_id",
    "skill_name",
    "event__competition_id",
    "event__competition__name",
    "event__competition__year",
    "event__competition__level",
    "event__competition__start_date",
    "event__competition__end_date",
)


def history(lookup: str, key: int, *, person: Student | Coach | None = None) -> list[Entry]:
    """Entries as a history page shows them: those whose `lookup` (members__student, coaches,
    members__coach) is `key`, newest competition first, with people and photos.

    Each entry has its event (with competition and skill), organization and award as instances,
    and, read in two more queries whatever the number of entries: `member_rows` (every named
    member, result_rows.Member), `people` (the same leaving out `person`, whose page this is, so a
    student's page lists the team mates only), `coach_rows` (result_rows.Coach) and `photo_rows`
    (Photo, as Photo orders them). The three queries' SQL is compiled once (CompiledQuery).
    """
    one = SharedInstances()
    rows: dict[int, Entry] = {}
    for values in history_query(lookup)(key):
        (pk, rank, score, organization, organization_name, award, label, normalized, tier, event,
         event_name, skill, skill_name, competition, name, year, level, start, end) = values  # fmt: skip
        entry = Entry(
            pk=pk,
            rank=rank,
            score=score,
            organization=one(Organization, organization, name=organization_name),
            award=one(Award, award, label=label, normalized=normalized, tier=tier),
            event=one(
                Event,
                event,
                name=event_name,
                skill=one(Skill, skill, name=skill_name),
                competition=one(
                    Competition,
                    competition,
                    name=name,
                    year=year,
                    level=level,
                    start_date=start,
                    end_date=end,
                ),
            ),
        )
        entry.member_rows, entry.people, entry.coach_rows, entry.photo_rows = [], [], [], []
        rows[pk] = entry
    if rows:
        for pk, someone in result_rows.read_people_of(list(rows)):
            if isinstance(someone, result_rows.Coach):
                rows[pk].coach_rows.append(someone)
            else:
                rows[pk].member_rows.append(someone)
                if not is_member(someone, person):
                    rows[pk].people.append(someone)
        for pk, photo, image, thumbnail, caption in PHOTOS_OF_ENTRIES(list(rows)):
            rows[pk].photo_rows.append(Photo(pk=photo, image=image, thumbnail=thumbnail, caption=caption))
    return list(rows.values())


NAMES_BY_SUBQUERY = {
    "organization_name": column_of(Organization, "organization_id"),
    "skill_name": column_of(Skill, "event__skill_id"),
}


@cache
def history_query(lookup: str) -> CompiledQuery:
    """The entries whose `lookup` is a key, in a history's order, as HISTORY_FIELDS."""
    return CompiledQuery(
        lambda key: (
            Entry.objects.filter(**{lookup: key})
            .annotate(**NAMES_BY_SUBQUERY)
            .order_by(
                "-event__competition__year",
                "-event__competition__start_date",
                "event__competition__name",
                "event__name",
                "id",
            )
            .values_list(*HISTORY_FIELDS)
        )
    )


# The photos of entries, by entry, as Photo orders them.
PHOTOS_OF_ENTRIES = CompiledQuery(
    lambda entry_ids: (
        Photo.entries.through.objects.filter(entry__in=entry_ids)
        .order_by("entry_id", "photo__competition_id", "photo_id")
        .values_list("entry_id", "photo_id", "photo__image", "photo__thumbnail", "photo__caption")
    )
)


def is_member(member: result_rows.Member, person: Student | Coach | None) -> bool:
    if isinstance(person, Student):
        return member.student_id == person.pk
    if isinstance(person, Coach):
        return member.coach_id == person.pk
    return False


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
        if level not in at_level or tallies.result_key(entry) < tallies.result_key(at_level[level]):
            at_level[level] = entry
    paths = [
        Pathway(skill, [levels[level] for level in PATHWAY_LEVELS if level in levels])
        for skill, levels in best.items()
    ]
    return sorted(paths, key=lambda path: (-path.highest, pinyin_key(path.skill.name), path.skill.pk))


def student_detail(request: HttpRequest, pk: int) -> HttpResponse:
    student = get_object_or_404(
        Student.objects.select_related("department", "major").annotate(
            has_honours=has_honours("student"), college=Organization.home_name()
        ),
        pk=pk,
    )
    # A student is in at most one entry per event (a database constraint), so no duplicates here.
    entries = history("members__student", student.pk, person=student)
    export_format = requested_export(request)
    if export_format:
        table = TimelineTable(entries)
        filename = export_filename(student.name, gettext("entries"), export_format=export_format)
        return SpreadsheetExport(
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
            "honours": honours_of(student=student) if student.has_honours else [],
        },
    )


@dataclass
class CoachedStudent:
    student: Student
    entries: list[Entry] = field(default_factory=list)

    @property
    def best(self) -> Entry:
        return min(self.entries, key=tallies.result_key)


def coached_students(entries: Iterable[Entry]) -> list[CoachedStudent]:
    """The home students in these entries, with their entries; the best results first."""
    entries = list(entries)
    ids = {member.student_id for entry in entries for member in entry.member_rows if member.student_id}
    students = Student.objects.select_related("department").in_bulk(ids)  # one query
    found: dict[int, CoachedStudent] = {}
    for entry in entries:
        for member in entry.member_rows:
            if member.student_id:
                found.setdefault(
                    member.student_id, CoachedStudent(students[member.student_id])
                ).entries.append(entry)
    return sorted(
        found.values(),
        key=lambda row: (tallies.result_key(row.best)[:2], -len(row.entries), pinyin_key(row.student.name)),
    )


def coach_detail(request: HttpRequest, pk: int) -> HttpResponse:
    coach = get_object_or_404(
        Coach.objects.select_related("department", "organization").annotate(
            has_honours=has_honours("coach"), college=Organization.home_name()
        ),
        pk=pk,
    )
    coached = history("coaches", coach.pk)
    competed = history("members__coach", coach.pk, person=coach)
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
            "honours": honours_of(coach=coach) if coach.has_honours else [],
        },
    )


# Departments


def department_list(request: HttpRequest) -> HttpResponse:
    departments = list(
        Department.objects.annotate(
            n_students=tallies.count_of(Student, department=OuterRef("pk")),
            n_coaches=tallies.count_of(Coach, department=OuterRef("pk")),
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
    BoundedRequestConfig(request, paginate={"per_page": 50}).configure(table)
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


# Merging two records of one person (students.merging): the office's review of likely duplicates,
# choosing the other record of a person, and the merge itself.

MERGE_KINDS = {"student": (Student, merge_students), "coach": (Coach, merge_coaches)}
RECENT_MERGES = 20
MAX_FOUND = 20


def people_with_facts(model: type[Student] | type[Coach], ids: Iterable[int]) -> dict[int, Student | Coach]:
    """People by id with what the merge pages show beside a name, in one query: department (and
    major), how many entries, and the latest competition (`latest_competition`, `latest_year`)."""
    if model is Student:
        latest = Competition.objects.filter(events__entries__members__student=OuterRef("pk"))
        people = Student.objects.select_related("department", "major").annotate(
            n_entries=tallies.count_of(EntryMember, student=OuterRef("pk"))
        )
    else:
        latest = Competition.objects.filter(
            Q(events__entries__coaches=OuterRef("pk")) | Q(events__entries__members__coach=OuterRef("pk"))
        )
        people = Coach.objects.select_related("department", "organization").annotate(
            n_coached=tallies.count_of(EntryCoach, coach=OuterRef("pk")),
            n_competed=tallies.count_of(EntryMember, coach=OuterRef("pk")),
        )
    latest = latest.order_by("-year", F("start_date").desc(nulls_last=True), "-pk")
    return people.annotate(
        latest_competition=Subquery(latest.values("name")[:1]),
        latest_year=Subquery(latest.values("year")[:1]),
    ).in_bulk(list(ids))


@permission_required("students.merge_people", raise_exception=True)
def duplicates(request: HttpRequest) -> HttpResponse:
    """Pairs of records that may be one person (students.people.likely_duplicates), to review and merge."""
    sections = []
    for kind, (model, _merge) in MERGE_KINDS.items():
        pairs = likely_duplicates(model)
        people = people_with_facts(
            model, {person.pk for pair in pairs for person in (pair.first, pair.second)}
        )
        rows = [
            {
                "first": people[pair.first.pk],
                "second": people[pair.second.pk],
                "reason": pair.reason_label,
                "merge_url": reverse(f"students:{kind}-merge", args=[pair.first.pk, pair.second.pk]),
            }
            for pair in pairs
            if pair.first.pk in people and pair.second.pk in people
        ]
        sections.append({"kind": kind, "title": model._meta.verbose_name_plural, "rows": rows})
    return render(
        request,
        "students/duplicates.html",
        {
            "sections": sections,
            "recent": MergeRecord.objects.select_related("merged_by")[:RECENT_MERGES],
        },
    )


def search_people(model: type[Student] | type[Coach], text: str) -> QuerySet:
    """People matching a search, or `姓名（学号）` as the suggestions fill it in."""
    match = NAME_WITH_NUMBER.fullmatch(text)
    if match is None:
        return model.objects.search(text)
    number_field = "student_number" if model is Student else "staff_number"
    return model.objects.search(match["name"].strip()).filter(**{number_field: match["number"].strip()})


@permission_required("students.merge_people", raise_exception=True)
def merge_pick(request: HttpRequest, pk: int, kind: str) -> HttpResponse:
    """The other record of a person: found by a search, or among the near matches of the name."""
    model, _merge = MERGE_KINDS[kind]
    person = get_object_or_404(model, pk=pk)
    text = request.GET.get("q", "").strip()[:50]
    found = (
        list(search_people(model, text).exclude(pk=pk).values_list("pk", flat=True)[:MAX_FOUND])
        if text
        else []
    )
    near = near_matches(
        model,
        person.name,
        department_id=person.department_id,
        cohort_year=getattr(person, "cohort_year", None),
        exclude=[person.pk],
    )
    people = people_with_facts(model, [person.pk, *found, *(match.person.pk for match in near)])

    def rows(found: list[tuple[int, str]]) -> list[dict]:
        return [
            {
                "person": people[other],
                "reason": reason,
                "merge_url": reverse(f"students:{kind}-merge", args=[person.pk, other]),
            }
            for other, reason in found
            if other in people
        ]

    return render(
        request,
        "students/merge_pick.html",
        {
            "kind": kind,
            "person": people[person.pk],
            "query": text,
            "found": rows([(other, "") for other in found]),
            "near": rows([(match.person.pk, match.reason_label) for match in near]),
            "search_url": reverse("competitions:people-search") + f"?kind={kind}",
        },
    )


@permission_required("students.merge_people", raise_exception=True)
@require_http_methods(["GET", "POST"])
def merge_people(request: HttpRequest, first: int, second: int, kind: str) -> HttpResponse:
    """Both records in full, the choice of the one to keep, and the merge (POST)."""
    model, merge = MERGE_KINDS[kind]
    people = people_with_facts(model, [first, second])
    if first not in people or second not in people:
        raise Http404
    if model is Student:
        prefetch_related_objects(list(people.values()), "number_aliases")
    pair = [people[first], people[second]]
    form = MergeForm(request.POST or None, first=pair[0], second=pair[1])
    errors = []
    if request.method == "POST" and form.is_valid():
        keep = people[form.cleaned_data["keep"]]
        remove = pair[1] if keep is pair[0] else pair[0]
        try:
            record = merge(keep=keep, remove=remove, user=request.user)
        except ValidationError as refusal:
            errors = refusal.messages
        except (IntegrityError, OperationalError) as error:
            if not is_conflict(error):
                raise
            # The checks above cover the rules; this is a race with another save, rolled back whole.
            errors = [gettext("These records were changed while merging; nothing was merged. Try again.")]
        else:
            messages.success(
                request,
                ngettext(
                    "%(removed)s merged into %(kept)s: %(count)d entry moved.",
                    "%(removed)s merged into %(kept)s: %(count)d entries moved.",
                    record.entries_moved,
                )
                % {
                    "removed": format_person(remove),
                    "kept": format_person(keep),
                    "count": record.entries_moved,
                },
            )
            return redirect(keep)
    elif request.method == "GET":
        try:
            check_merge(keep=pair[0], remove=pair[1])
        except ValidationError as refusal:
            errors = refusal.messages
    for person in pair:
        if model is Student:
            person.entries = history("members__student", person.pk, person=person)
        else:
            person.coached = history("coaches", person.pk)
            person.competed = history("members__coach", person.pk, person=person)
    return render(
        request,
        "students/merge.html",
        {"kind": kind, "pair": pair, "form": form, "errors": errors},
    )
