"""A second pair of eyes: the unconfirmed results of a competition, and confirming them.

The rule (who may confirm what, what un-confirms) is competitions.confirming's; these views only
list and ask.
"""

from django.contrib import messages
from django.contrib.auth.decorators import permission_required
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_http_methods, require_POST

from competitions import confirming
from competitions.models import Competition, Entry

# Rows per page of the list; "confirm all shown" confirms one page.
PER_PAGE = 100


def unconfirmed_entries(competition: Competition):
    """A competition's unconfirmed results with everything the list shows, in a fixed number of queries."""
    return (
        Entry.objects.for_competition(competition)
        .unconfirmed()
        .with_people()
        .select_related("event", "recorded_by")
        .order_by("event__name", "event_id", "rank", "id")
    )


def report(request: HttpRequest, result: confirming.Confirmed) -> None:
    """Tell the confirmer what happened to each result they asked to confirm."""
    if result.confirmed:
        count = len(result.confirmed)
        messages.success(
            request,
            ngettext("%(count)d result confirmed.", "%(count)d results confirmed.", count) % {"count": count},
        )
    if result.already:
        count = len(result.already)
        messages.info(
            request,
            ngettext(
                "%(count)d result had been confirmed by someone else meanwhile.",
                "%(count)d results had been confirmed by someone else meanwhile.",
                count,
            )
            % {"count": count},
        )
    if result.changed:
        count = len(result.changed)
        messages.warning(
            request,
            ngettext(
                "%(count)d result was changed after you opened the page and was not confirmed: "
                "look at it again.",
                "%(count)d results were changed after you opened the page and were not confirmed: "
                "look at them again.",
                count,
            )
            % {"count": count},
        )
    # One message per reason (the same user's own changes, or not an office user), with how many.
    reasons: dict[str, int] = {}
    for _entry, why in result.refused:
        reasons[why] = reasons.get(why, 0) + 1
    for why, count in reasons.items():
        messages.error(
            request,
            ngettext(
                "%(count)d result not confirmed: %(why)s", "%(count)d results not confirmed: %(why)s", count
            )
            % {"count": count, "why": why},
        )
    if result.missing:
        messages.info(
            request,
            ngettext(
                "%(count)d result was deleted meanwhile.",
                "%(count)d results were deleted meanwhile.",
                result.missing,
            )
            % {"count": result.missing},
        )


@permission_required("competitions.view_entry", raise_exception=True)
@require_http_methods(["GET", "POST"])
def unconfirmed(request: HttpRequest, pk: int) -> HttpResponse:
    """The competition's results waiting for a second office user; POST confirms the ones shown."""
    if not confirming.required():
        raise Http404  # a single-person office: every result counts as confirmed
    competition = get_object_or_404(Competition, pk=pk)
    if request.method == "POST":
        if not confirming.may_confirm(request.user):
            messages.error(request, _("Only an office user can confirm results."))
        else:
            shown = confirming.parse_seen(request.POST.getlist("seen"))
            report(request, confirming.confirm(shown, user=request.user))
        return redirect(request.get_full_path())
    page = Paginator(unconfirmed_entries(competition), PER_PAGE).get_page(request.GET.get("page"))
    rows = [
        {"entry": entry, "seen": confirming.seen(entry), "own": entry.recorded_by_id == request.user.pk}
        for entry in page
    ]
    return render(
        request,
        "competitions/unconfirmed.html",
        {
            "competition": competition,
            "page": page,
            "rows": rows,
            "may_confirm": confirming.may_confirm(request.user),
            "others": sum(not row["own"] for row in rows),
        },
    )


@require_POST
@permission_required("competitions.change_entry", raise_exception=True)
def entry_confirm(request: HttpRequest, pk: int) -> HttpResponse:
    """Confirm one result, as it was shown (the posted `seen`)."""
    if not confirming.required():
        raise Http404
    entry = get_object_or_404(Entry.objects.select_related("event"), pk=pk)
    seen = confirming.parse_seen(request.POST.getlist("seen")).get(entry.pk)
    if seen is None:  # a form without what it confirms: confirm it as it is now, seen on this page
        seen = confirming.seen(entry).partition("@")[2]
    report(request, confirming.confirm({entry.pk: seen}, user=request.user))
    back = request.POST.get("next", "")
    if back and url_has_allowed_host_and_scheme(
        back, {request.get_host()}, require_https=request.is_secure()
    ):
        return redirect(back)
    return redirect("competitions:unconfirmed", pk=entry.event.competition_id)
