from django import forms
from django.contrib import admin
from django.core.files.uploadedfile import UploadedFile
from django.db.models import Count
from django.utils.translation import gettext_lazy as _

from competitions import fragments
from competitions.admin_tallies import RefreshesTallies
from competitions.models import Entry
from competitions.photos import strip_metadata, validate_image
from students.models import Coach, Department, Major, MergeRecord, Student, StudentNumberAlias


class MajorInline(admin.TabularInline):
    model = Major
    extra = 0


@admin.register(Department)
class DepartmentAdmin(RefreshesTallies, admin.ModelAdmin):
    list_display = ["name", "name_en", "student_count"]
    search_fields = ["name", "name_en"]
    inlines = [MajorInline]

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(n_students=Count("student"))

    @admin.display(description=_("students"), ordering="n_students")
    def student_count(self, obj):
        return obj.n_students

    def tally_competitions(self, pks):
        entries = Entry.objects.filter(members__student__department__in=pks)
        return set(entries.values_list("event__competition", flat=True).distinct())

    # The tallies page offers every department: a new, renamed or deleted one, even without
    # results, makes its stored default body out of date.
    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        fragments.forget_pivot()

    def delete_model(self, request, obj):
        super().delete_model(request, obj)
        fragments.forget_pivot()

    def delete_queryset(self, request, queryset):
        super().delete_queryset(request, queryset)
        fragments.forget_pivot()


@admin.register(Major)
class MajorAdmin(admin.ModelAdmin):
    list_display = ["name", "department"]
    list_filter = ["department"]
    list_select_related = ["department"]
    search_fields = ["name"]


class StudentAdminForm(forms.ModelForm):
    """A student's photo is checked and loses its metadata (GPS position) like competition photos."""

    def clean_photo(self):
        photo = self.cleaned_data.get("photo")
        if photo and isinstance(photo, UploadedFile):
            validate_image(photo)
            return strip_metadata(photo)
        return photo


@admin.register(Student)
class StudentAdmin(RefreshesTallies, admin.ModelAdmin):
    form = StudentAdminForm
    list_display = [
        "name",
        "student_number",
        "department",
        "major",
        "class_name",
        "cohort_year",
        "training_level",
        "entry_count",
    ]
    list_filter = ["department", "training_level", "cohort_year"]
    list_select_related = ["department", "major"]
    search_fields = ["name", "name_pinyin", "name_initials", "student_number", "class_name"]
    autocomplete_fields = ["department", "major"]

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(n_entries=Count("memberships"))

    @admin.display(description=_("entries"), ordering="n_entries")
    def entry_count(self, obj):
        return obj.n_entries

    def tally_competitions(self, pks):
        # A student's department counts in the department tallies of all their entries.
        entries = Entry.objects.filter(members__student__in=pks)
        return set(entries.values_list("event__competition", flat=True).distinct())


@admin.register(Coach)
class CoachAdmin(RefreshesTallies, admin.ModelAdmin):
    list_display = ["name", "staff_number", "department", "organization", "coached_count"]
    list_filter = ["department"]
    list_select_related = ["department", "organization"]
    search_fields = ["name", "name_pinyin", "name_initials", "staff_number"]
    autocomplete_fields = ["department", "organization"]

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(n_coached=Count("coachings"))

    def tally_competitions(self, pks):
        # Renaming a coach changes the cached result lists of the competitions they appear in.
        coached = Entry.objects.filter(coaches__in=pks).values_list("event__competition", flat=True)
        competed = Entry.objects.filter(members__coach__in=pks).values_list("event__competition", flat=True)
        return set(coached.distinct()) | set(competed.distinct())

    @admin.display(description=_("entries coached"), ordering="n_coached")
    def coached_count(self, obj):
        return obj.n_coached


class ReadOnlyAdmin(admin.ModelAdmin):
    """Written by the merge tool (students.merging) only; the admin shows them."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(MergeRecord)
class MergeRecordAdmin(ReadOnlyAdmin):
    list_display = [
        "merged_at",
        "kind",
        "removed_name",
        "removed_number",
        "kept_name",
        "kept_number",
        "entries_moved",
        "merged_by",
    ]
    list_filter = ["kind"]
    list_select_related = ["merged_by"]
    search_fields = ["kept_name", "kept_number", "removed_name", "removed_number"]
    date_hierarchy = "merged_at"


@admin.register(StudentNumberAlias)
class StudentNumberAliasAdmin(ReadOnlyAdmin):
    list_display = ["number", "student", "created_at"]
    list_select_related = ["student"]
    search_fields = ["number", "student__name", "student__student_number"]
