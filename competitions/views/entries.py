"""The competition office's recording pages: a new competition, an event's entries, people search."""

from collections.abc import Sequence

from django.contrib import messages
from django.contrib.auth.decorators import permission_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Page, Paginator
from django.db import IntegrityError, OperationalError
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from competitions.editing import (
    EntriesChanged,
    NewPeopleToConfirm,
    RowErrors,
    Saved,
    check_event_entries,
    propose_awards,
    save_event_entries,
)
from competitions.forms import (
    ENTRIES_PER_PAGE,
    MAX_BLANK_ROWS,
    MAX_ENTRY_ID,
    MAX_VERSION,
    CompetitionForm,
    EntryRowFormSet,
    posted_entry_ids,
    whole_number,
)
from competitions.importing import is_conflict
from competitions.models import Entry, Event, Organization, Tier
from students.models import Coach, Student
from students.people import details_of, format_person

MAX_SUGGESTIONS = 20


@permission_required("competitions.change_entry", raise_exception=True)
def competition_create(request: HttpRequest) -> HttpResponse:
    form = CompetitionForm(request.POST or None)
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
    version = whole_number(request.POST.get("version"), maximum=MAX_VERSION)
    return -1 if version is None else version


def entries_pages(event: Event) -> Paginator:
    """The event's entries a page at a time, in the order of its results (rank, then tier)."""
    return Paginator(Entry.objects.filter(event=event).in_result_order().with_people(), ENTRIES_PER_PAGE)


def page_url(event: Event, number: int) -> str:
    return f"{reverse('competitions:event-entries', args=[event.pk])}?page={number}"


@permission_required("competitions.change_entry", raise_exception=True)
def event_entries(request: HttpRequest, pk: int) -> HttpResponse:
    """A page of an event's entries in one form, saved all at once under the event's version.

    A large event is edited page by page (ENTRIES_PER_PAGE entries each, so that no page sends more
    fields than Django accepts); each page saves on its own, checked against the whole event. A
    save that would create people is shown back, unsaved, with those people and their near
    matches; it goes through once the office ticks “create these people” (DOMAIN.md rule 10).
    """
    event = get_object_or_404(Event.objects.select_related("competition"), pk=pk)
    pages = entries_pages(event)
    if request.method != "POST":
        page = pages.get_page(request.GET.get("page"))
        formset = EntryRowFormSet(entries=list(page), first_number=page.start_index() or 1, prefix="entries")
        blank = whole_number(request.GET.get("blank"), maximum=10_000)
        if blank is not None:
            formset.extra = min(blank, MAX_BLANK_ROWS)
        return render_entries(request, event, page, formset, version=event.version)

    # The page the form was opened on: for the rows' numbers, and to come back to after the save.
    number = whole_number(request.POST.get("page"), maximum=MAX_ENTRY_ID // ENTRIES_PER_PAGE) or 1
    first_number = (number - 1) * ENTRIES_PER_PAGE + 1
    entry_ids = posted_entry_ids(request.POST, prefix="entries")
    entries = list(Entry.objects.filter(event=event, pk__in=entry_ids).with_people())
    formset = EntryRowFormSet(request.POST, entries=entries, first_number=first_number, prefix="entries")
    version = posted_version(request)
    stale = False
    to_confirm = None
    rule = event.competition.award_rule
    if "propose" in request.POST and rule:
        # Re-shown with the awards filled in, never saved: the office adjusts them, then saves.
        # The shares of rule 3 count the ranked entries of the whole event, not of this page.
        ranks = formset.ranks()
        others = Entry.objects.filter(event=event).exclude(pk__in=entry_ids).values_list("rank", flat=True)
        proposed = propose_awards(rule, ranks + list(others))[: len(ranks)]
        data = request.POST.copy()
        for form, rank, award in zip(formset.forms, ranks, proposed, strict=True):
            if rank is not None:
                data[form.add_prefix("award")] = award or ""
        formset = EntryRowFormSet(data, entries=entries, first_number=first_number, prefix="entries")
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
            return saved_page(request, event, number, saved)
    else:
        stale = version != event.version
        # Every error in one pass: the rules across rows (a person once per event, team sizes) are
        # checked on the rows as far as they could be read, beside their field errors.
        if not formset.non_form_errors():
            broken = check_event_entries(event=event, rows=formset.rows())
            if broken:
                formset.add_row_errors(broken)
    page = pages.get_page(number)  # the page as it is now (only the stale review reads its entries)
    current_entries = []
    if stale:
        messages.error(
            request,
            _(
                "Someone else saved this event's entries since you opened it; your changes are not saved — "
                "review the current entries and save again."
            ),
        )
        # The version and entries loaded with this request: the next save goes through after the
        # office has reviewed them, unless someone saves yet again in between. Shown: the page as
        # it is now, and the entries of the form that have moved off it.
        version = event.version
        current_entries = list(page)
        shown = {entry.pk for entry in current_entries}
        current_entries += [entry for entry in entries if entry.pk not in shown]
    return render_entries(
        request,
        event,
        page,
        formset,
        version=version,
        stale=stale,
        to_confirm=to_confirm,
        current_entries=current_entries,
    )


def saved_page(request: HttpRequest, event: Event, number: int, saved: Saved) -> HttpResponse:
    """After a page is saved: say what changed, then open that page again (or the next one)."""
    count = {"added": saved.added, "changed": saved.changed, "deleted": saved.deleted}
    pages = entries_pages(event).num_pages
    if pages > 1:
        message = _(
            "Saved page %(page)d of %(pages)d: %(added)d added, %(changed)d changed, %(deleted)d deleted."
        ) % {"page": min(number, pages), "pages": pages, **count}
    else:
        message = _("Saved: %(added)d added, %(changed)d changed, %(deleted)d deleted.") % count
    messages.success(request, message)
    for note in saved.notes:
        messages.info(request, note)
    if "save_next" in request.POST:
        number += 1
    return redirect(page_url(event, min(number, pages)))


def render_entries(
    request: HttpRequest,
    event: Event,
    page: Page,
    formset,
    *,
    version: int,
    stale: bool = False,
    to_confirm: NewPeopleToConfirm | None = None,
    current_entries: Sequence[Entry] = (),
) -> HttpResponse:
    return render(
        request,
        "competitions/event_entries.html",
        {
            "event": event,
            "competition": event.competition,
            "page": page,
            "page_numbers": list(
                page.paginator.get_elided_page_range(page.number, on_each_side=2, on_ends=1)
            ),
            "formset": formset,
            "error_summary": formset.error_summary() if formset.is_bound else [],
            "row_offset": formset.first_number - 1,
            "version": version,
            "stale": stale,
            "to_confirm": to_confirm,
            "current_entries": current_entries,
            "organization_names": Organization.objects.order_by("name").values_list("name", flat=True),
            # The vocabulary the rows' awards were read with (one query), best tier first.
            "award_labels": [
                award.label
                for award in sorted(
                    formset.awards.values(), key=lambda a: (Tier.values.index(a.tier), a.label)
                )
            ],
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
