"""A competition's two ranking settings (organizations shown without a rank, organizations left out
of its table) read together in one query, as whole organizations, each list by name."""

import pytest
from django.forms.models import model_to_dict

from tests.factories import make_competition, make_organization

pytestmark = pytest.mark.django_db


def test_both_settings_are_read_in_one_query_as_whole_organizations(django_assert_num_queries):
    competition, other = make_competition("甲赛"), make_competition("乙赛")
    guest, neutral, rival, elsewhere = (
        make_organization("乙·嘉宾队"),
        make_organization("甲·中立队"),
        make_organization("丙·外校"),
        make_organization("丁·别处"),
    )
    competition.unranked_organizations.set([guest, neutral])
    competition.excluded_organizations.set([rival, neutral])
    other.unranked_organizations.set([elsewhere])
    other.excluded_organizations.set([elsewhere])
    with django_assert_num_queries(1):
        competition.read_ranking_exceptions()
    assert competition.unranked == sorted([guest, neutral], key=lambda o: o.name)
    assert competition.excluded == sorted([rival, neutral], key=lambda o: o.name)
    for read in competition.unranked + competition.excluded:
        stored = type(read).objects.get(pk=read.pk)
        assert model_to_dict(read) == model_to_dict(stored) and read.is_home == stored.is_home
        assert not read._state.adding


def test_a_competition_without_settings_has_two_empty_lists():
    competition = make_competition()
    competition.read_ranking_exceptions()
    assert competition.unranked == [] and competition.excluded == []
