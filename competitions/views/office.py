"""The competition office's pages for what was created: a competition's facts, its events, the
award vocabulary. The writes are competitions.amending's; every change is in the history."""

from django.contrib import messages
from django.contrib.auth.decorators import permission_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Count
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from competitions.amending import deleted_entry_count, remove_event
from competitions.forms import AwardForm, CompetitionForm, EventForm, whole_number
from competitions.models import Award, Competition, Event, Skill, Tier, largest

MAX_ID = largest(Award, "id")


@permission_required("competitions.change_competition", raise_exception=True)
@require_http_methods(["GET", "POST"])
def competition_edit(request: HttpRequest, pk: int) -> HttpResponse:
    competition = get_object_or_404(Competition, pk=pk)
    form = CompetitionForm(request.POST or None, instance=competition)
    if request.method == "POST" and form.is_valid():
        if form.has_changed():
            form.save(user=request.user)
            messages.success(request, _("The competition was saved."))
        else:
            messages.info(request, _("Nothing was changed."))
        return redirect(competition)
    return render(request, "competitions/competition_form.html", {"form": form, "competition": competition})


def save_event_form(request: HttpRequest, form: EventForm) -> Event | None:
    """The event saved, or None with the reasons on the form."""
    if not form.is_valid():
        return None
    try:
        return form.save(user=request.user)
    except ValidationError as error:
        form.add_error(None, error)
        return None


def render_event_form(request, form: EventForm, competition: Competition, event: Event | None = None):
    context = {
        "form": form,
        "competition": competition,
        "event": event,
        "skill_names": Skill.objects.order_by("name").values_list("name", flat=True),
    }
    if event is not None:
        context["entry_count"] = event.entries.count()
        context["deleted_count"] = deleted_entry_count(event)
        context["aliases"] = event.aliases.all()
    return render(request, "competitions/event_form.html", context)


@permission_required("competitions.add_event", raise_exception=True)
@require_http_methods(["GET", "POST"])
def event_add(request: HttpRequest, pk: int) -> HttpResponse:
    competition = get_object_or_404(Competition, pk=pk)
    form = EventForm(request.POST or None, instance=Event(competition=competition))
    if request.method == "POST":
        event = save_event_form(request, form)
        if event is not None:
            messages.success(request, _("The event “%(event)s” was added.") % {"event": event.name})
            return redirect(event.results_url())
    return render_event_form(request, form, competition)


@permission_required("competitions.change_event", raise_exception=True)
@require_http_methods(["GET", "POST"])
def event_edit(request: HttpRequest, pk: int) -> HttpResponse:
    """Change an event; “remove” removes it when it has no entries."""
    event = get_object_or_404(Event.objects.select_related("competition", "skill"), pk=pk)
    competition = event.competition
    if request.method == "POST" and "remove" in request.POST:
        if not request.user.has_perm("competitions.delete_event"):
            raise PermissionDenied
        try:
            remove_event(event, user=request.user)
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
            return redirect("competitions:event-edit", pk=pk)
        messages.success(request, _("The event “%(event)s” was removed.") % {"event": event.name})
        return redirect(competition)
    form = EventForm(request.POST or None, instance=event)
    if request.method == "POST":
        if not form.has_changed() and form.is_valid():
            messages.info(request, _("Nothing was changed."))
            return redirect(event.results_url())
        if save_event_form(request, form) is not None:
            messages.success(request, _("The event “%(event)s” was saved.") % {"event": event.name})
            return redirect(event.results_url())
        event.refresh_from_db()  # the form changed the instance; the page shows the event as stored
    return render_event_form(request, form, competition, event)


@permission_required("competitions.view_award", raise_exception=True)
@require_http_methods(["GET", "POST"])
def award_list(request: HttpRequest) -> HttpResponse:
    """The award vocabulary: every label with its tier and how many entries carry it. The office
    adds labels and changes tiers (amending.save_award recounts the tallies)."""
    can_change = request.user.has_perm("competitions.change_award")
    if request.method == "POST" and not (can_change and request.user.has_perm("competitions.add_award")):
        raise PermissionDenied
    # The unknown-award message of an import or the entries form links here with the label.
    add_form = AwardForm(prefix="new", initial={"label": request.GET.get("label", "")[:100]})
    changed_award = None
    tier_form = None
    if request.method == "POST" and "award" in request.POST:
        changed_award = get_object_or_404(
            Award, pk=whole_number(request.POST.get("award"), maximum=MAX_ID) or 0
        )
        tier_form = AwardForm(request.POST, instance=changed_award, prefix=f"award-{changed_award.pk}")
        if tier_form.is_valid():
            if tier_form.has_changed():
                tier_form.save(user=request.user)
                messages.success(
                    request,
                    _("“%(label)s” now counts as %(tier)s.")
                    % {"label": changed_award.label, "tier": changed_award.get_tier_display()},
                )
            return redirect(f"{reverse('competitions:award-list')}#award-{changed_award.pk}")
    elif request.method == "POST":
        add_form = AwardForm(request.POST, prefix="new")
        if add_form.is_valid():
            award = add_form.save(user=request.user)
            messages.success(
                request,
                _("“%(label)s” was added as %(tier)s.")
                % {"label": award.label, "tier": award.get_tier_display()},
            )
            return redirect(f"{reverse('competitions:award-list')}#award-{award.pk}")
    awards = Award.objects.annotate(entry_count=Count("entries")).order_by("tier", "label")
    rows = []
    for award in awards:
        form = tier_form if changed_award is not None and award.pk == changed_award.pk else None
        rows.append({"award": award, "form": form or AwardForm(instance=award, prefix=f"award-{award.pk}")})
    # Listed in the tiers' order (best first), not alphabetically by their codes.
    order = {tier: index for index, tier in enumerate(Tier.values)}
    rows.sort(key=lambda row: (order[row["award"].tier], row["award"].label))
    return render(
        request,
        "competitions/award_list.html",
        {"rows": rows, "add_form": add_form, "can_change": can_change},
    )
