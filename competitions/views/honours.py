"""Honours that results lead to (squad selections, technical experts, skill grades, teaching
titles): every role that reads results lists them; the competition office adds, changes and
deletes them. Not public: anonymous visitors are sent to the login page (LoginRequiredMiddleware)."""

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import permission_required
from django.db.models import Case, IntegerField, Value, When
from django.forms.utils import ErrorDict
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods, require_POST

from competitions.honour_forms import HonourForm
from competitions.honours import save_honour
from competitions.models import Honour, HonourKind, HonourStatus


def all_choice(choices) -> list:
    return [("", _("All")), *choices]


class HonourFilterForm(forms.Form):
    year = forms.TypedChoiceField(label=gettext_lazy("Year"), required=False, coerce=int, empty_value=None)
    kind = forms.ChoiceField(label=gettext_lazy("Kind"), required=False)

    def __init__(self, data):
        super().__init__(data)
        years = Honour.objects.order_by("-year").values_list("year", flat=True).distinct()
        self.fields["year"].choices = all_choice([(year, year) for year in years])
        self.fields["kind"].choices = all_choice(HonourKind.choices)


def choice_order(field: str, choices) -> Case:
    """A field's place in its choices' order (squad before experts; qualified before awarded)."""
    return Case(
        *[When(**{field: value}, then=Value(number)) for number, value in enumerate(choices.values)],
        output_field=IntegerField(),
    )


@permission_required("competitions.view_honour", raise_exception=True)
@require_http_methods(["GET"])
def honour_list(request: HttpRequest) -> HttpResponse:
    """Every honour, newest year first, filtered by year and kind (a fixed number of queries)."""
    form = HonourFilterForm(request.GET)
    honours = Honour.objects.select_related("student", "coach").prefetch_related(
        "entries__event__competition", "entries__award"
    )
    if form.is_valid():
        if form.cleaned_data["year"]:
            honours = honours.filter(year=form.cleaned_data["year"])
        if form.cleaned_data["kind"]:
            honours = honours.filter(kind=form.cleaned_data["kind"])
    return render(
        request,
        "competitions/honour_list.html",
        {
            "form": form,
            "honours": honours.order_by(
                "-year", choice_order("kind", HonourKind), choice_order("status", HonourStatus), "id"
            ),
            "can_change": request.user.has_perm("competitions.change_honour"),
            "can_add": request.user.has_perm("competitions.add_honour"),
        },
    )


def honour_form_page(request: HttpRequest, honour: Honour) -> HttpResponse:
    form = HonourForm(request.POST or None, instance=honour)
    if request.method == "POST" and "show_entries" in request.POST:
        # Only the entries of the chosen competition are shown: nothing is checked or saved yet.
        form._errors = ErrorDict()
    elif request.method == "POST" and form.is_valid():
        created = honour.pk is None
        save_honour(honour=form.instance, entries=list(form.cleaned_data["entries"]))
        messages.success(request, _("The honour was added.") if created else _("The honour was saved."))
        return redirect(
            f"{reverse('competitions:honour-list')}?year={form.instance.year}#honour-{form.instance.pk}"
        )
    return render(request, "competitions/honour_form.html", {"form": form, "honour": honour})


@permission_required("competitions.add_honour", raise_exception=True)
@require_http_methods(["GET", "POST"])
def honour_create(request: HttpRequest) -> HttpResponse:
    return honour_form_page(request, Honour())


@permission_required("competitions.change_honour", raise_exception=True)
@require_http_methods(["GET", "POST"])
def honour_edit(request: HttpRequest, pk: int) -> HttpResponse:
    return honour_form_page(request, get_object_or_404(Honour, pk=pk))


@require_POST
@permission_required("competitions.delete_honour", raise_exception=True)
def honour_delete(request: HttpRequest, pk: int) -> HttpResponse:
    honour = get_object_or_404(Honour, pk=pk)
    year = honour.year
    honour.delete()  # the history keeps it (who, when, what)
    messages.success(request, _("The honour was deleted."))
    return redirect(f"{reverse('competitions:honour-list')}?year={year}")
