import posixpath
from urllib.parse import unquote

from django.conf import settings
from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_not_required
from django.http import Http404
from django.urls import include, path
from django.views.generic import RedirectView
from django.views.i18n import set_language
from django.views.static import serve

from competitions.api import urls as api_urls
from competitions.views import account
from config.health import health


def public_honours() -> bool:
    # Read when the login page is shown (a callable in extra_context), not when this module loads.
    return settings.PUBLIC_RESULTS


urlpatterns = [
    path("", RedirectView.as_view(pattern_name="competitions:competition-list"), name="home"),
    path(
        "accounts/login/",
        auth_views.LoginView.as_view(extra_context={"public_honours": public_honours}),
        name="login",
    ),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("accounts/profile/", account.profile, name="profile"),
    path("accounts/password/", account.PasswordChangeView.as_view(), name="password_change"),
    path("accounts/keys/<int:pk>/revoke/", account.api_token_revoke, name="api-token-revoke"),
    # The language switch works on the login page too.
    path("i18n/setlang/", login_not_required(set_language), name="set_language"),
    path("health/", health, name="health"),
    path("admin/", admin.site.urls),
    path("competitions/", include("competitions.urls")),
    path("people/", include("students.urls")),
    path("api/v1/", api_urls()),
    # The public result pages (competitions.views.public), for the college website to link to.
    path("public/", include("competitions.public_urls")),
]


def media(request, path):
    """Uploaded photos are personal data: served here so that LoginRequiredMiddleware guards them.

    Only photo folders are served; uploaded result sheets (imports/) never are.
    """
    clean = posixpath.normpath(unquote(path))
    if clean != path or ".." in clean.split("/") or not clean.startswith(("photos/", "students/")):
        raise Http404
    return serve(request, clean, document_root=settings.MEDIA_ROOT)


urlpatterns += [path(f"{settings.MEDIA_URL.strip('/')}/<path:path>", media)]

# A form with more fields than DATA_UPLOAD_MAX_NUMBER_FIELDS (and the like) gets the app's page.
handler400 = "competitions.views.errors.bad_request"
handler403 = "competitions.views.errors.permission_denied"
handler404 = "competitions.views.errors.page_not_found"
handler500 = "competitions.views.errors.server_error"
