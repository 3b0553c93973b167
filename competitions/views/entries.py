"""The competition office's recording pages: a new competition, an event's entries, people search."""

from django.contrib import messages
from django.contrib.auth.decorators import permission_required
from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, OperationalError
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from competitions.editing import (
    EntriesChanged,
    NewPeopleToConfirm,
    RowErrors,
    propose_awards,
    save_event_entries,
)
from competitions.forms import CompetitionCreateForm, EntryRowFormSet
from competitions.importing import is_conflict
from competitions.models import Award, Entry, Event, Organization
from students.models import Coach, Student
from students.people import details_of, format_person

MAX_BLANK_ROWS = 50
MAX_SUGGESTIONS = 20


@permission_required("competitions.change_entry", raise_exception=True)
def competition_create(request: HttpRequest) -> HttpResponse:
    form = CompetitionCreateForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        competition = form.save(user=request.user)
        messages.success(
            request,
            _("%(competition)s created with %(count)d events.")
            % {"competition": competition, "count": competition.events.count()},
        )
        return redirect(competition)
    return render(request, "competitions/competition_form.html", {"form": form})


def posted_version(request: HttpRequest) -> int:
    """The event version the page was opened at; -1 (never current) when missing or unreadable."""
    text = request.POST.get("version", "")
    return int(text) if text.isdigit() else -1


@permission_required("competitions.change_entry", raise_exception=True)
def event_entries(request: HttpRequest, pk: int) -> HttpResponse:
    """Every entry of an event in one form, saved all at once under the event's version.

    A save that would create people is shown back, unsaved, with those people and their near
    matches; it goes through once the office ticks “create these people” (DOMAIN.md rule 10).
    """
    event = get_object_or_404(Event.objects.select_related("competition"), pk=pk)
    entries = list(Entry.objects.filter(event=event).with_people())
    version = event.version
    stale = False
    to_confirm = None
    if request.method != "POST":
        extra = request.GET.get("blank", "")
        formset = EntryRowFormSet(entries=entries, prefix="entries")
        if extra.isdigit():
            formset.extra = min(int(extra), MAX_BLANK_ROWS)
    else:
        formset = EntryRowFormSet(request.POST, entries=entries, prefix="entries")
        version = posted_version(request)
        rule = event.competition.award_rule
        if "propose" in request.POST and rule:
            # Re-shown with the awards filled in, never saved: the office adjusts them, then saves.
            data = request.POST.copy()
            ranks = formset.ranks()
            for form, rank, award in zip(formset.forms, ranks, propose_awards(rule, ranks), strict=True):
                if rank is not None:
                    data[form.add_prefix("award")] = award or ""
            formset = EntryRowFormSet(data, entries=entries, prefix="entries")
            messages.info(
                request, _("Awards proposed from the ranks: review them, then save. Nothing is saved yet.")
            )
        elif formset.is_valid():
            confirmed = request.POST.get("create_people", "")
            try:
                saved = save_event_entries(
                    event=event, version=version, rows=formset.rows(), user=request.user, confirmed=confirmed
                )
            except EntriesChanged:
                stale = True
            except RowErrors as errors:
                formset.add_row_errors(errors)
            except NewPeopleToConfirm as unconfirmed:
                to_confirm = unconfirmed
                if confirmed:
                    messages.warning(
                        request,
                        _("The people to create have changed since you confirmed them: check them again."),
                    )
                else:
                    messages.warning(
                        request,
                        _(
                            "Nothing was saved yet: saving would create the people listed below. Tick "
                            "“Create these people” and save, or write the recorded person instead."
                        ),
                    )
            except (IntegrityError, OperationalError) as error:
                if not is_conflict(error):
                    raise
                # The checks above cover the rules; this is a race with an import or the admin (or
                # a lock that waited too long), and the transaction (version included) was rolled
                # back, so saving again can work.
                messages.error(
                    request, _("The entries could not be saved as other data changed meanwhile; save again.")
                )
            else:
                messages.success(
                    request,
                    _("Saved: %(added)d added, %(changed)d changed, %(deleted)d deleted.")
                    % {"added": saved.added, "changed": saved.changed, "deleted": saved.deleted},
                )
                for note in saved.notes:
                    messages.info(request, note)
                return redirect("competitions:event-entries", pk=event.pk)
        else:
            stale = version != event.version
    if stale:
        messages.error(
            request,
            _(
                "Someone else saved this event's entries since you opened it; your changes are not saved — "
                "review the current entries and save again."
            ),
        )
        # The version and entries loaded with this request: the next save goes through after the
        # office has reviewed them, unless someone saves yet again in between.
        version = event.version
    return render(
        request,
        "competitions/event_entries.html",
        {
            "event": event,
            "competition": event.competition,
            "formset": formset,
            "version": version,
            "stale": stale,
            "to_confirm": to_confirm,
            "current_entries": entries,
            "organization_names": Organization.objects.order_by("name").values_list("name", flat=True),
            "award_labels": Award.objects.order_by("tier", "label").values_list("label", flat=True),
        },
    )


def suggestion(person: Student | Coach) -> dict[str, str]:
    value = format_person(person)
    details = details_of(person)
    if isinstance(person, Coach):
        details.append(_("teacher"))
    return {
        "label": " · ".join([value, *details]),
        "value": value,
        "kind": "student" if isinstance(person, Student) else "coach",
    }


@require_GET
def people_search(request: HttpRequest) -> JsonResponse:
    """Home students and teachers whose name, pinyin, initials or number match `q`, for autocompletion.

    `kind=student` or `kind=coach` asks for one of the two only. The suggestions are the same for
    every row, whatever its organization: written as `姓名（学号）`, a home student is linked in any
    organization's entry (DOMAIN.md rule 9).
    """
    if not (
        request.user.has_perm("competitions.view_entry") or request.user.has_perm("competitions.change_entry")
    ):
        raise PermissionDenied
    query = request.GET.get("q", "").strip()[:50]
    kind = request.GET.get("kind", "")
    found: list[Student | Coach] = []
    if query and kind != "coach":
        found += Student.objects.search(query).select_related("department")[:MAX_SUGGESTIONS]
    if query and kind != "student" and len(found) < MAX_SUGGESTIONS:
        teachers = Coach.objects.search(query).filter(organization__isnull=True).select_related("department")
        found += teachers[: MAX_SUGGESTIONS - len(found)]
    return JsonResponse(
        [suggestion(person) for person in found], safe=False, json_dumps_params={"ensure_ascii": False}
    )
