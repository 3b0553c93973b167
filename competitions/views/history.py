"""The audit trail of entries: who changed what and when, and restoring deleted entries."""

from types import SimpleNamespace

from django.contrib import messages
from django.contrib.auth import get_user_model
from django.contrib.auth.decorators import permission_required
from django.db import IntegrityError
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from competitions.models import Award, Entry, EntryCoach, EntryMember, Event, Organization
from competitions.recording import restore_entry


def field_change(field: str, old, new) -> SimpleNamespace:
    """A change of a field, as django-simple-history's diff gives it."""
    return SimpleNamespace(field=field, old=old, new=new)


def describe_changes(records) -> list[dict]:
    """Each historical record of an entry with the fields that changed from the one before."""
    records = list(records)
    awards = dict(Award.objects.filter(pk__in={r.award_id for r in records}).values_list("pk", "label"))
    organizations = dict(
        Organization.objects.filter(pk__in={r.organization_id for r in records}).values_list("pk", "name")
    )
    users = {r.recorded_by_id for r in records} | {r.confirmed_by_id for r in records}
    usernames = dict(get_user_model().objects.filter(pk__in=users - {None}).values_list("pk", "username"))
    labels = {
        "award": awards,
        "organization": organizations,
        "recorded_by": usernames,
        "confirmed_by": usernames,
    }
    rows = []
    for record, previous in zip(records, [*records[1:], None], strict=True):
        changes = []
        if previous is not None:
            found = record.diff_against(previous, excluded_fields=["updated_at", "created_at"]).changes
            # Who recorded and who confirmed the result: not editable, so not diffed by the library.
            found += [
                field_change(name, getattr(previous, f"{name}_id"), getattr(record, f"{name}_id"))
                for name in ("recorded_by", "confirmed_by")
                if getattr(previous, f"{name}_id") != getattr(record, f"{name}_id")
            ]
            for change in found:
                lookup = labels.get(change.field, {})
                changes.append(
                    {
                        "field": Entry._meta.get_field(change.field).verbose_name,
                        "old": lookup.get(change.old, change.old),
                        "new": lookup.get(change.new, change.new),
                    }
                )
        rows.append({"record": record, "changes": changes})
    return rows


@permission_required("competitions.view_entry", raise_exception=True)
def entry_history(request, pk):
    records = (
        Entry.history.filter(id=pk).select_related("history_user").order_by("-history_date", "-history_id")
    )
    if not records:
        raise Http404
    latest = records[0]
    event = get_object_or_404(Event.objects.select_related("competition"), pk=latest.event_id)
    members = EntryMember.history.filter(entry_id=pk).select_related("history_user").order_by("-history_date")
    coaches = (
        EntryCoach.history.filter(entry_id=pk)
        .select_related("history_user", "coach")
        .order_by("-history_date")
    )
    return render(
        request,
        "competitions/entry_history.html",
        {
            "event": event,
            "entry_id": pk,
            "exists": Entry.objects.filter(pk=pk).exists(),
            "rows": describe_changes(records),
            "members": members,
            "coaches": coaches,
        },
    )


def deleted_records(event_id: int):
    """The last historical record of each entry of the event that is deleted now."""
    return (
        Entry.history.filter(event_id=event_id, history_type="-")
        .exclude(id__in=Entry.objects.filter(event_id=event_id).values("id"))
        .select_related("history_user", "organization", "award")
        .order_by("-history_date")
    )


@permission_required("competitions.view_entry", raise_exception=True)
def deleted_entries(request, pk):
    event = get_object_or_404(Event.objects.select_related("competition"), pk=pk)
    records = list(deleted_records(event.pk))
    names: dict[int, list[str]] = {}
    for member in EntryMember.history.filter(entry_id__in=[r.id for r in records], history_type="-").order_by(
        "position"
    ):
        names.setdefault(member.entry_id, []).append(member.name)
    for record in records:
        record.member_names = names.get(record.id, [])
    return render(request, "competitions/deleted_entries.html", {"event": event, "records": records})


@require_POST
@permission_required(["competitions.add_entry", "competitions.change_entry"], raise_exception=True)
def entry_restore(request, pk):
    if Entry.objects.filter(pk=pk).exists():
        messages.info(request, _("This entry is not deleted."))
        return redirect("competitions:entry-history", pk=pk)
    record = Entry.history.filter(id=pk, history_type="-").order_by("-history_date").first()
    if record is None:
        raise Http404
    try:
        restore_entry(record)
    except IntegrityError:
        messages.error(
            request,
            _("The entry cannot be restored: one of its members has been entered in this event again."),
        )
        return redirect("competitions:deleted-entries", pk=record.event_id)
    messages.success(request, _("The entry has been restored."))
    return redirect("competitions:entry-history", pk=pk)
