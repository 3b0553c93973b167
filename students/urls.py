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
    # Search-as-you-type in the navigation bar (static/js/quick-search.js)
    path("search.json", views.quick_search, name="quick-search"),
]
