from django.urls import path

from students import views

app_name = "students"
urlpatterns = [
    path("students/", views.StudentListView.as_view(), name="student-list"),
    path("students/<int:pk>/", views.student_detail, name="student-detail"),
    path("coaches/", views.CoachListView.as_view(), name="coach-list"),
    path("coaches/<int:pk>/", views.coach_detail, name="coach-detail"),
    path("departments/", views.department_list, name="department-list"),
    path("departments/<int:pk>/", views.department_detail, name="department-detail"),
    # Merging two records of one person (the competition office)
    path("duplicates/", views.duplicates, name="duplicates"),
    path("students/<int:pk>/merge/", views.merge_pick, {"kind": "student"}, name="student-merge-pick"),
    path(
        "students/merge/<int:first>/<int:second>/",
        views.merge_people,
        {"kind": "student"},
        name="student-merge",
    ),
    path("coaches/<int:pk>/merge/", views.merge_pick, {"kind": "coach"}, name="coach-merge-pick"),
    path(
        "coaches/merge/<int:first>/<int:second>/", views.merge_people, {"kind": "coach"}, name="coach-merge"
    ),
    # Search-as-you-type in the navigation bar (static/js/quick-search.js)
    path("search.json", views.quick_search, name="quick-search"),
]
