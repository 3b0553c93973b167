from django.views.generic import ListView

from students.models import Coach, Student


class StudentListView(ListView):
    model = Student


class CoachListView(ListView):
    model = Coach


def student_detail(request, pk):
    raise NotImplementedError


def coach_detail(request, pk):
    raise NotImplementedError
