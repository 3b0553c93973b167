from django.urls import path

from competitions import views

app_name = "competitions"
urlpatterns = [
    path("", views.CompetitionListView.as_view(), name="competition-list"),
    path("<int:pk>/", views.competition_detail, name="competition-detail"),
]
