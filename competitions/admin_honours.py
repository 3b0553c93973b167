"""The admin's honours (imported by competitions/admin.py): the same rules as the office's page,
the squad rule included (competitions.honours.check_entries)."""

from django import forms
from django.contrib import admin
from django.core.exceptions import ValidationError

from competitions.honours import check_entries
from competitions.models import Honour


class HonourAdminForm(forms.ModelForm):
    class Meta:
        model = Honour
        fields = [
            "kind",
            "status",
            "title",
            "year",
            "date",
            "document_number",
            "student",
            "coach",
            "count",
            "people",
            "entries",
            "notes",
        ]

    def clean(self):
        cleaned = super().clean()
        if not self.errors:
            try:
                # The instance takes the form's values only after clean(): the kind as chosen.
                check_entries(Honour(kind=cleaned.get("kind")), cleaned.get("entries") or [])
            except ValidationError as error:
                self.add_error(None, error)
        return cleaned


@admin.register(Honour)
class HonourAdmin(admin.ModelAdmin):
    form = HonourAdminForm
    list_display = ["year", "kind", "status", "title", "student", "coach", "count", "document_number"]
    list_filter = ["year", "kind", "status"]
    search_fields = ["title", "document_number", "student__name", "coach__name", "notes"]
    autocomplete_fields = ["student", "coach", "entries"]
    list_select_related = ["student", "coach"]
