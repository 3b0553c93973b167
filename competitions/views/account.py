"""The logged-in user's own account: who they are, their password, and their keys to the read API.

Every role manages its own keys here (competitions.tokens); administrators see and revoke
everyone's in the admin (competitions.admin.ApiTokenAdmin). A new key is shown once, in the answer
to the form that made it: it is never stored, not even in the session.
"""

from django.contrib import messages
from django.contrib.admin.models import ADDITION, CHANGE, LogEntry
from django.contrib.auth import views as auth_views
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse_lazy
from django.utils import translation
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from competitions import roles, tokens
from competitions.admin import ROLE_LABELS
from competitions.forms import ApiTokenForm
from competitions.models import ApiToken


def log(request: HttpRequest, token: ApiToken, flag: int, message: list) -> None:
    """Into the admin's history of the key (and its "Recent actions"), as the admin's own changes."""
    LogEntry.objects.log_actions(request.user.pk, [token], flag, message, single_object=True)


@never_cache  # the answer to the form carries the new key
@require_http_methods(["GET", "POST"])
def profile(request: HttpRequest) -> HttpResponse:
    form = ApiTokenForm(request.POST or None, user=request.user)
    new_key = None
    if request.method == "POST" and form.is_valid():
        token, new_key = tokens.issue(request.user, form.cleaned_data["name"], expires_at=form.expires_at())
        log(request, token, ADDITION, [{"added": {}}])
        form = ApiTokenForm(user=request.user)
    role = roles.role_of(request.user)
    return render(
        request,
        "accounts/profile.html",
        {
            "role": ROLE_LABELS.get(role, role),
            "language": translation.get_language_info(translation.get_language()),
            "tokens": request.user.api_tokens.all(),
            "form": form,
            "new_key": new_key,
            "max_active": tokens.MAX_ACTIVE,
        },
    )


@require_http_methods(["GET", "POST"])
def api_token_revoke(request: HttpRequest, pk: int) -> HttpResponse:
    """GET asks to confirm; POST revokes. Only the user's own working keys (others: 404)."""
    token = get_object_or_404(ApiToken, pk=pk, user=request.user, revoked_at__isnull=True)
    if request.method == "POST":
        tokens.revoke(token)
        log(request, token, CHANGE, [{"changed": {"fields": ["revoked"]}}])
        messages.success(
            request, _("The key “%(name)s” is revoked: it no longer opens the API.") % {"name": token.name}
        )
        return redirect("profile")
    return render(request, "accounts/api_token_revoke.html", {"token": token})


class PasswordChangeView(auth_views.PasswordChangeView):
    """Django's own, back to the account page with a message (no separate "done" page)."""

    success_url = reverse_lazy("profile")

    def form_valid(self, form):
        messages.success(self.request, _("Your password is changed."))
        return super().form_valid(form)
