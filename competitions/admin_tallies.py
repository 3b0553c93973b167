"""Keeping the tally tables right when results change in the admin site."""

from django.db import transaction

from competitions.aggregates import results_changed
from students.people import lock_people


class RefreshesTallies:
    """A ModelAdmin mixin: recount the competitions an object touches, before and after a change.

    `tally_competitions(pks)` returns the ids of the competitions whose tallies depend on the
    objects with those primary keys; it is asked before a change (old state) and after it.
    """

    def tally_competitions(self, pks) -> set[int]:
        raise NotImplementedError

    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        with transaction.atomic():
            if request.method == "POST":
                lock_people()  # the lock order of every other result write (no deadlock with them)
            before = self.tally_competitions([object_id]) if object_id else set()
            response = super().changeform_view(request, object_id, form_url, extra_context)
            self._refresh_after(request, before)
            return response

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        request._tally_pks = [obj.pk]

    def _refresh_after(self, request, before):
        pks = getattr(request, "_tally_pks", None)
        after = self.tally_competitions(pks) if pks else set()
        if pks or before:
            results_changed(before | after)

    def delete_model(self, request, obj):
        with transaction.atomic():
            lock_people()
            before = self.tally_competitions([obj.pk])
            super().delete_model(request, obj)
            results_changed(before)

    def delete_queryset(self, request, queryset):
        with transaction.atomic():
            lock_people()
            before = self.tally_competitions(list(queryset.values_list("pk", flat=True)))
            super().delete_queryset(request, queryset)
            results_changed(before)
