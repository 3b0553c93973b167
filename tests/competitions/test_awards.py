import importlib

import pytest
from django.core.exceptions import ValidationError

from competitions.models import Award, Tier

pytestmark = pytest.mark.django_db

vocabulary = importlib.import_module("competitions.migrations.0003_award_vocabulary")
EVERY_STANDARD_LABEL = [
    (label, tier) for tier, labels in vocabulary.STANDARD_LABELS.items() for label in labels
]


@pytest.mark.parametrize(("label", "tier"), EVERY_STANDARD_LABEL)
def test_every_standard_label_parses_to_its_tier(label, tier):
    award = Award.objects.parse(label)
    assert award.tier == tier
    assert award.label == label


@pytest.mark.parametrize(
    ("written", "tier"),
    [
        ("金牌", Tier.GOLD),
        (" 金 牌 ", Tier.GOLD),
        ("一等奖", Tier.GOLD),
        ("冠军", Tier.GOLD),
        ("特等奖", Tier.SPECIAL),
        ("亚军", Tier.SILVER),
        ("季军", Tier.BRONZE),
        ("铜奖", Tier.BRONZE),
        ("优秀奖", Tier.EXCELLENCE),
        ("GOLD MEDAL", Tier.GOLD),
        ("gold", Tier.GOLD),
        ("ｇｏｌｄ", Tier.GOLD),  # full-width letters, as Chinese input methods type them
        ("medallion for excellence", Tier.EXCELLENCE),
        ("“入围国家集训队”", Tier.OTHER),
    ],
)
def test_labels_parse_whatever_their_case_width_spacing_or_quotes(written, tier):
    assert Award.objects.parse(written).tier == tier


def test_an_unknown_label_is_refused_with_its_name_never_guessed():
    with pytest.raises(ValidationError) as error:
        Award.objects.parse("金杯")
    assert "金杯" in error.value.messages[0]


def test_the_office_extends_the_vocabulary_with_a_named_award():
    with pytest.raises(ValidationError):
        Award.objects.parse("百县千镇万村高质量发展贡献奖")
    Award.objects.create(label="百县千镇万村高质量发展贡献奖", tier=Tier.OTHER)
    assert Award.objects.parse("“百县千镇万村高质量发展贡献奖”").tier == Tier.OTHER


def test_an_award_outside_the_tier_system_is_refused_by_the_database():
    from django.db import IntegrityError

    with pytest.raises(IntegrityError):
        Award.objects.create(label="platinum", tier="platinum")


def test_the_admin_refuses_a_label_that_is_already_in_the_vocabulary(client, django_user_model):
    from django.urls import reverse

    client.force_login(django_user_model.objects.create_superuser("root", password="a-long-test-password"))
    response = client.post(
        reverse("admin:competitions_award_add"), {"label": "gold  MEDAL", "tier": "silver"}
    )
    assert response.status_code == 200
    assert "Gold Medal" in response.content.decode()
    assert Award.objects.filter(tier="silver", label="gold  MEDAL").count() == 0
