import django_tables2 as tables
from django.utils.translation import gettext_lazy as _

from competitions.models import Competition


class CompetitionTable(tables.Table):
    name = tables.Column(linkify=True)
    n_events = tables.Column(verbose_name=_("Events"), attrs={"td": {"class": "num"}, "th": {"class": "num"}})
    n_medals = tables.Column(
        verbose_name=_("Medals"),
        attrs={"td": {"class": "num"}, "th": {"class": "num"}},
    )

    class Meta:
        model = Competition
        fields = ["name", "year", "edition", "level", "category", "n_events", "n_medals"]
        empty_text = _("No competitions match.")
