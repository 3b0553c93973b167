"""The public result pages, under /public/ (namespace `public`): stable addresses the college
website links to. Open to anonymous visitors only while settings.PUBLIC_RESULTS is on."""

from django.urls import path

from competitions.views import public

app_name = "public"
urlpatterns = [
    path("", public.index, name="index"),
    path("competitions/<int:pk>/", public.competition, name="competition"),
]
