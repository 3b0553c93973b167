import django_tables2 as tables
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from competitions import links, tallies
from competitions.models import Level
from competitions.templatetags.lang_marks import chinese_lang
from students.models import Coach, Student

NUMERIC = {"td": {"class": "num"}, "th": {"class": "num"}}
# Names are Chinese data: their cells say so on English pages (competitions.templatetags.lang_marks).
NAME = {"td": {"class": "person-name", "lang": chinese_lang}}
CHINESE = {"td": {"lang": chinese_lang}}


def department_url(record) -> str | None:
    if record.department_id is None:
        return None
    return links.pk_url("students:department-detail", record.department_id)


def name_list(names) -> str:
    """Names as one cell of an export: 、 between them in Chinese, a comma in English."""
    separator = "、" if (get_language() or "").startswith("zh") else ", "
    return separator.join(names)


class StudentTable(tables.Table):
    name = tables.Column(linkify=True, order_by=("name_pinyin", "name"), attrs=NAME)
    department = tables.Column(linkify=department_url, order_by=("department__name",), attrs=CHINESE)
    class_name = tables.Column()
    n_entries = tables.Column(verbose_name=_("Entries"), attrs=NUMERIC)
    # One result, by tallies' order (a medal before other awards; the highest level, then the best
    # tier): the award as written, its level and competition. Sorted by that order.
    # Written from the record (best_result_text): `best_order` is read for the rows shown
    # (describe_best_results) unless the list's query has it (filtered or sorted by it).
    best_result = tables.Column(verbose_name=_("Best result"), accessor="pk", order_by=("best_order",))

    class Meta:
        model = Student
        fields = [
            "name",
            "student_number",
            "department",
            "major",
            "class_name",
            "cohort_year",
            "training_level",
            "n_entries",
            "best_result",
        ]
        empty_text = _("No students match.")

    def order_best_result(self, queryset, is_descending):
        """By the best result (tallies' order, best first), then as the list is ordered."""
        order = "-best_order" if is_descending else "best_order"
        return tallies.with_best_order(queryset).order_by(order, "name_pinyin", "name", "pk"), True

    def render_best_result(self, value, record):
        self.describe_best_results(record)
        return best_result_text(record)

    def value_best_result(self, value, record):
        self.describe_best_results(record)
        return best_result_text(record)

    def describe_best_results(self, record) -> None:
        """What the best results were, read for the rows shown (a page, or every row of an export)
        at the first of them: one query, not one per row."""
        if not hasattr(record, "best_award"):
            tallies.describe_best_results(row.record for row in self.paginated_rows)
        if not hasattr(record, "best_award"):  # a row from outside the rows shown
            tallies.describe_best_results([record])


def best_result_text(record) -> str:
    """ "金牌 · 省级 · 2023年广东省职业院校技能大赛": the award as written, its level and competition
    (tallies.best_result_annotations, describe_best_results); "—" when the student has no award."""
    found = tallies.result_level_tier(record.best_order)
    if found is None:
        return "—"
    level, _tier = found
    return " · ".join([record.best_award, str(Level(level).label), record.best_competition])


class CoachTable(tables.Table):
    name = tables.Column(linkify=True, order_by=("name_pinyin", "name"), attrs=NAME)
    department = tables.Column(linkify=department_url, order_by=("department__name",), attrs=CHINESE)
    n_coached = tables.Column(verbose_name=_("Entries coached"), attrs=NUMERIC)
    n_medals = tables.Column(verbose_name=_("Medals coached"), attrs=NUMERIC)
    n_competed = tables.Column(verbose_name=_("Entries competed in"), attrs=NUMERIC)

    class Meta:
        model = Coach
        fields = ["name", "staff_number", "department", "organization", "n_coached", "n_medals", "n_competed"]
        empty_text = _("No coaches match.")


class TimelineTable(tables.Table):
    """A person's entries as exported to CSV/XLSX (the page itself shows them with links and photos).

    The rows are entries from students.views.history, so `people` holds the team mates.
    """

    year = tables.Column(accessor="event__competition__year", verbose_name=_("Year"))
    dates = tables.Column(accessor="event__competition__start_date", verbose_name=_("Start date"))
    competition = tables.Column(accessor="event__competition__name", verbose_name=_("Competition"))
    level = tables.Column(accessor="event__competition__level", verbose_name=_("Level"))
    event = tables.Column(accessor="event__name", verbose_name=_("Event"))
    skill = tables.Column(accessor="event__skill__name", verbose_name=_("Skill"))
    organization = tables.Column(accessor="organization__name", verbose_name=_("Organization"))
    people = tables.Column(accessor="people", verbose_name=_("Team mates"))
    coaches = tables.Column(accessor="pk", verbose_name=_("Coaches"))
    award = tables.Column(accessor="award__label", verbose_name=_("Award"))
    tier = tables.Column(accessor="award__tier", verbose_name=_("Tier"))
    rank = tables.Column(verbose_name=_("Rank"))
    score = tables.Column(verbose_name=_("Score"))

    class Meta:
        orderable = False
        empty_text = _("No entries recorded.")

    def value_people(self, record):
        return name_list(member.name for member in record.people)

    def value_coaches(self, record):
        return name_list(coach.name for coach in record.coach_rows)

    def value_tier(self, record):
        return record.award.get_tier_display() if record.award_id else None
