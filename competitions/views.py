from django.views.generic import ListView

from competitions.models import Competition


class CompetitionListView(ListView):
    model = Competition


def competition_detail(request, pk):
    raise NotImplementedError
