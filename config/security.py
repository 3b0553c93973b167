"""Protections at the level of the request: a cap on its size, and the login lockout page.

The cap covers the whole body, uploads included.

Django's own limits leave file uploads alone (DATA_UPLOAD_MAX_MEMORY_SIZE counts only the other
fields) and stream large files to temporary files, so without this cap a client could fill the
server's disk. A request whose declared Content-Length is above REQUEST_MAX_BYTES is answered
with a 413 page before anything reads its body. A body without a Content-Length is read by Django
as empty (WSGI), so the declared length is the one to check.
"""

from datetime import timedelta

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.template.defaultfilters import filesizeformat


class RequestSizeLimitMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        try:
            length = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            length = 0  # Django reads an unreadable length as an empty body too
        if length > settings.REQUEST_MAX_BYTES:
            return render(
                request,
                "413.html",
                {"limit": filesizeformat(settings.REQUEST_MAX_BYTES), "size": filesizeformat(length)},
                status=413,
            )
        return self.get_response(request)


def lockout_response(request: HttpRequest, original_response=None, credentials=None) -> HttpResponse:
    """django-axes' answer to a locked-out login (AXES_LOCKOUT_CALLABLE), in the site's layout.

    The same generic page for the app's login and the admin's; it does not say whether the
    username exists.
    """
    cooloff = settings.AXES_COOLOFF_TIME or timedelta(0)
    minutes = max(1, round(cooloff.total_seconds() / 60))
    return render(request, "registration/locked_out.html", {"cooloff_minutes": minutes}, status=429)
