"""The app's page for a request Django refuses to read (config/urls.py's handler400).

A form that sends more fields, files or bytes than the settings allow (DATA_UPLOAD_MAX_NUMBER_FIELDS
and its kin) is refused before any view runs: Django's CSRF check reads the form first. The office
then sees the app's page saying what happened and that nothing was saved, not a bare “Bad Request”.
"""

from django.conf import settings
from django.core.exceptions import RequestDataTooBig, TooManyFieldsSent, TooManyFilesSent
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.template import loader
from django.utils.translation import gettext as _
from django.views.decorators.csrf import requires_csrf_token


def refusal(exception: Exception | None) -> str:
    if isinstance(exception, TooManyFieldsSent):
        return _(
            "The form sent more fields than the server reads (at most %(limit)d), so nothing in it was "
            "read or saved. Open the page again: large forms, such as an event's entries, come in pages "
            "that stay under this limit."
        ) % {"limit": settings.DATA_UPLOAD_MAX_NUMBER_FIELDS}
    if isinstance(exception, TooManyFilesSent):
        return _(
            "The form sent more files than the server reads (at most %(limit)d), so nothing in it was "
            "saved. Send fewer files at a time."
        ) % {"limit": settings.DATA_UPLOAD_MAX_NUMBER_FILES}
    if isinstance(exception, RequestDataTooBig):
        return _("The form sent more data than the server reads, so nothing in it was read or saved.")
    return _("The request could not be understood, so nothing was saved.")


@requires_csrf_token  # the page's own forms (language, log out) need the token, as in Django's handlers
def bad_request(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return render(request, "400.html", {"message": refusal(exception)}, status=400)


# The other error pages (config/urls.py's handler403/404/500, settings.CSRF_FAILURE_VIEW) wear the
# app's layout and speak the visitor's language, with a way back home.


@requires_csrf_token
def permission_denied(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return render(request, "403.html", status=403)


@requires_csrf_token
def page_not_found(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return render(request, "404.html", status=404)


def csrf_failure(request: HttpRequest, reason: str = "") -> HttpResponse:
    # The reason (for developers) stays in the log Django writes; the visitor learns what to do.
    return render(request, "403_csrf.html", status=403)


def server_error(request: HttpRequest) -> HttpResponse:
    """The database or the code failed: render without a request context (no user, no queries)."""
    return HttpResponse(loader.get_template("500.html").render(), status=500)
