"""competitions.labels.display is get_<field>_display(), remembered: the same label in each
language, and the value itself when it is not one of the choices."""

import pytest
from django.utils import translation

from competitions import labels
from competitions.models import Award, Category, Competition, Level, Tier
from students.models import Student


@pytest.mark.parametrize("language", ["en", "zh-hans"])
def test_a_label_is_the_models_own_in_each_language(language):
    with translation.override(language):
        for level in Level:
            for category in Category:
                competition = Competition(level=level.value, category=category.value)
                assert labels.display(competition, "level") == competition.get_level_display()
                assert labels.display(competition, "category") == competition.get_category_display()
        for tier in Tier:
            award = Award(tier=tier.value)
            assert labels.display(award, "tier") == award.get_tier_display()
    with translation.override("zh-hans"):
        chinese = labels.display(Competition(level=Level.NATIONAL), "level")
    with translation.override("en"):
        assert labels.display(Competition(level=Level.NATIONAL), "level") != chinese


def test_a_value_outside_the_choices_is_given_back_as_it_is():
    competition = Competition(level="nowhere")
    assert labels.display(competition, "level") == competition.get_level_display() == "nowhere"
    student = Student(training_level="")
    assert labels.display(student, "training_level") == student.get_training_level_display()
