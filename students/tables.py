import django_tables2 as tables
from django.utils.translation import gettext_lazy as _

from competitions.models import Tier
from students.models import Coach, Student

NUMERIC = {"td": {"class": "num"}, "th": {"class": "num"}}

# Tiers best first, in the order the `best_tier` annotation numbers them (see students.views).
TIERS_BEST_FIRST = list(Tier)


class StudentTable(tables.Table):
    name = tables.Column(linkify=True, order_by=("name_pinyin", "name"))
    class_name = tables.Column()
    n_entries = tables.Column(verbose_name=_("Entries"), attrs=NUMERIC)
    best_tier = tables.Column(verbose_name=_("Best award"), default="—")

    class Meta:
        model = Student
        fields = [
            "name",
            "student_number",
            "department",
            "major",
            "class_name",
            "cohort_year",
            "n_entries",
            "best_tier",
        ]
        empty_text = _("No students match.")

    def render_best_tier(self, value):
        return TIERS_BEST_FIRST[value].label


class CoachTable(tables.Table):
    name = tables.Column(linkify=True, order_by=("name_pinyin", "name"))
    n_coached = tables.Column(verbose_name=_("Entries coached"), attrs=NUMERIC)
    n_competed = tables.Column(verbose_name=_("Entries competed in"), attrs=NUMERIC)

    class Meta:
        model = Coach
        fields = ["name", "staff_number", "department", "organization", "n_coached", "n_competed"]
        empty_text = _("No coaches match.")
