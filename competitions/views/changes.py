"""Recent changes: one page of who changed what and when (office, teachers, administrators)."""

from django import forms
from django.contrib.auth import get_user_model
from django.contrib.auth.decorators import permission_required
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext_lazy as _

from competitions.changes import changes, read_page
from competitions.models import Competition
from competitions.pagination import page_size


class ChangesFilter(forms.Form):
    competition = forms.ModelChoiceField(
        label=_("Competition"), queryset=Competition.objects.order_by("-year", "name"), required=False
    )
    user = forms.ModelChoiceField(label=_("Person"), queryset=get_user_model().objects.none(), required=False)
    since = forms.DateField(label=_("From"), required=False, widget=forms.DateInput(attrs={"type": "date"}))
    until = forms.DateField(label=_("To"), required=False, widget=forms.DateInput(attrs={"type": "date"}))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        users = get_user_model().objects.order_by(get_user_model().USERNAME_FIELD)
        self.fields["user"].queryset = users
        self.fields["user"].label_from_instance = lambda user: user.get_username()

    def clean(self):
        cleaned = super().clean()
        since, until = cleaned.get("since"), cleaned.get("until")
        if since and until and until < since:
            self.add_error("until", _("The end date is before the start date."))
        return cleaned


@permission_required("competitions.view_entry", raise_exception=True)
def recent_changes(request: HttpRequest) -> HttpResponse:
    form = ChangesFilter(request.GET or None)
    filters = {}
    if form.is_bound and form.is_valid():
        data = form.cleaned_data
        filters = {
            "competition": data["competition"].pk if data["competition"] else None,
            "user": data["user"].pk if data["user"] else None,
            "since": data["since"],
            "until": data["until"],
        }
    page = Paginator(changes(**filters), page_size(request.GET.get("per_page"))).get_page(
        request.GET.get("page")
    )
    return render(
        request,
        "competitions/recent_changes.html",
        {
            "form": form,
            "page": page,
            "rows": read_page(page.object_list, user=request.user),
            "page_numbers": list(
                page.paginator.get_elided_page_range(page.number, on_each_side=2, on_ends=1)
            ),
        },
    )
