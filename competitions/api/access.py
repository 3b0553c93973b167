"""Who is asking the read API, what they may see, and how often they may ask.

Three ways in, tried in this order (competitions.api.api's `auth`):
- a key (`Authorization: Bearer rt_…`, competitions.tokens): what that user's role sees;
- a logged-in browser session (the docs page's "Try it out"): what that user's role sees;
- nobody, only while settings.PUBLIC_RESULTS is on: public fields and (while confirmation is on)
  confirmed results only. A request that sends a key that opens nothing is refused (401), never
  served as anonymous nor through the browser's session.
A user without a role (competitions.roles) sees nothing, as on the pages.

Rate limits (settings API_RATE_PER_TOKEN, API_RATE_PER_ADDRESS; "60/min" style): per key or per
logged-in user, and per client address without one; over the limit the answer is 429.
"""

import threading
from dataclasses import dataclass
from functools import wraps

from django.conf import settings
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.http import JsonResponse
from django.utils.translation import gettext
from ninja.security import APIKeyCookie, HttpBearer
from ninja.throttling import SimpleRateThrottle

from competitions import models, roles, tokens


@dataclass(frozen=True)
class Viewer:
    """request.auth in every API view."""

    user: object | None = None
    token_id: int | None = None

    @property
    def personal(self) -> bool:
        """May see personal data (student numbers, classes, departments, notes): a user with a role."""
        return self.user is not None

    @property
    def confirmed_only(self) -> bool:
        """Public data shows confirmed results only while the office confirms results."""
        return self.user is None and models.confirmation_required()

    def __str__(self) -> str:  # the rate limit's key
        if self.token_id is not None:
            return f"token-{self.token_id}"
        if self.user is not None:
            return f"user-{self.user.pk}"
        return "public"


class TokenAccess(HttpBearer):
    def authenticate(self, request, token):
        found = tokens.find(token)
        if found is None or roles.role_of(found.user) is None:
            return None
        request.user = found.user
        return Viewer(user=found.user, token_id=found.pk)


class SessionAccess(APIKeyCookie):
    """The logged-in browser (Django's session), e.g. the docs page. GET only, so CSRF never bites."""

    param_name = settings.SESSION_COOKIE_NAME

    def authenticate(self, request, key):
        if "HTTP_AUTHORIZATION" in request.META:
            return None  # a request that sends a key is judged by that key alone
        if request.user.is_authenticated and roles.role_of(request.user) is not None:
            return Viewer(user=request.user)
        return None


def public_access(request):
    """Anonymous, while the public switch is on; never for a request that sent a key."""
    if settings.PUBLIC_RESULTS and "HTTP_AUTHORIZATION" not in request.META:
        return Viewer()
    return None


ACCESS = [TokenAccess(), SessionAccess(), public_access]


class _PerThread:
    """An attribute of the throttle kept per thread. django-ninja's SimpleRateThrottle keeps one
    request's state on the throttle (its key, history, time and rate, read again by wait() for
    Retry-After), and one throttle serves every request: in a threaded server (runserver, gunicorn
    --threads) two requests at once would otherwise write each other's counts under each other's keys."""

    def __set_name__(self, owner, name):
        self.name = name

    def __get__(self, throttle, owner=None):
        if throttle is None:
            return self
        try:
            return getattr(throttle._local, self.name)
        except AttributeError:
            raise AttributeError(self.name) from None

    def __set__(self, throttle, value):
        setattr(throttle._local, self.name, value)


class _SettingsRateThrottle(SimpleRateThrottle):
    setting = ""
    key = _PerThread()
    history = _PerThread()
    now = _PerThread()
    num_requests = _PerThread()
    duration = _PerThread()

    def __init__(self):
        self._local = threading.local()
        super().__init__(rate="1/s")  # replaced from the setting on every request

    def allow_request(self, request) -> bool:
        self.num_requests, self.duration = self.parse_rate(getattr(settings, self.setting))
        return super().allow_request(request)


class KeyRateThrottle(_SettingsRateThrottle):
    """Per key, or per logged-in user."""

    setting = "API_RATE_PER_TOKEN"

    def get_cache_key(self, request):
        viewer = getattr(request, "auth", None)
        if viewer is None or viewer.user is None:
            return None
        return f"api-rate-{viewer}"


class AddressRateThrottle(_SettingsRateThrottle):
    """Per client address, for requests without a key or session."""

    setting = "API_RATE_PER_ADDRESS"

    def get_cache_key(self, request):
        viewer = getattr(request, "auth", None)
        if viewer is not None and viewer.user is not None:
            return None
        return f"api-rate-address-{self.get_ident(request)}"


THROTTLES = [KeyRateThrottle(), AddressRateThrottle()]


def schema_open(view):
    """For the schema (/api/v1/openapi.json) and the docs page: they name the personal fields, so
    they open to whoever may read the API — a user with a role (its session or a key) — and to
    everyone while the public switch is on. Anyone else is sent to log in (the schema: 401)."""

    @wraps(view)
    def wrapped(request, *args, **kwargs):
        if settings.PUBLIC_RESULTS or any(check(request) is not None for check in ACCESS[:2]):
            return view(request, *args, **kwargs)
        if request.user.is_authenticated:  # logged in without a role: nothing, as everywhere
            raise PermissionDenied
        if request.path.endswith(".json"):
            return JsonResponse({"detail": gettext("Log in or send an API key.")}, status=401)
        return redirect_to_login(request.get_full_path())

    return wrapped
