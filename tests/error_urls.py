"""The site's URLs plus a page that fails, for the tests of the 500 page (tests/test_error_pages.py)."""

from django.contrib.auth.decorators import login_not_required
from django.urls import path

from config.urls import handler400, handler403, handler404, handler500, urlpatterns  # noqa: F401


@login_not_required
def boom(request):
    raise RuntimeError("the page failed")


urlpatterns = [*urlpatterns, path("boom/", boom)]
