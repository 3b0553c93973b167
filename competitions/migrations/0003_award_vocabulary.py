"""The standard award labels of DOMAIN.md rule 1, in Chinese and English, with their tiers.

The office extends the vocabulary (named awards such as 百县千镇万村高质量发展贡献奖) in the admin.
"""

import unicodedata

from django.db import migrations

STANDARD_LABELS = {
    "special": ["特等奖", "特等", "Special Prize", "Special Award", "Grand Prize"],
    "gold": [
        "金牌", "金奖", "一等奖", "冠军", "第一名", "全国一等奖",
        "Gold", "Gold Medal", "Gold Award", "First Prize", "1st Prize", "First", "Champion",
    ],
    "silver": [
        "银牌", "银奖", "二等奖", "亚军", "第二名", "全国二等奖",
        "Silver", "Silver Medal", "Silver Award", "Second Prize", "2nd Prize", "Second", "Runner-up",
    ],
    "bronze": [
        "铜牌", "铜奖", "三等奖", "季军", "第三名", "全国三等奖",
        "Bronze", "Bronze Medal", "Bronze Award", "Third Prize", "3rd Prize", "Third",
    ],
    "excellence": [
        "优胜奖", "优秀奖", "优胜", "Medallion for Excellence", "Medallion of Excellence",
        "Excellence", "Excellence Award", "Honourable Mention", "Honorable Mention",
    ],
    "other": [
        "入围国家集训队", "入围中国集训队", "国家集训队", "参赛奖", "纪念奖", "优秀组织奖",
        "National Training Squad", "Participation",
    ],
}


def normalize_label(label):
    # A frozen copy of competitions.models.normalize_label, as migrations must not import models.
    text = unicodedata.normalize("NFKC", label).casefold()
    text = "".join(text.split())
    return text.strip("\"'“”‘’「」『』《》")


def add_labels(apps, schema_editor):
    Award = apps.get_model("competitions", "Award")
    for tier, labels in STANDARD_LABELS.items():
        for label in labels:
            Award.objects.get_or_create(
                normalized=normalize_label(label), defaults={"label": label, "tier": tier}
            )


def remove_labels(apps, schema_editor):
    Award = apps.get_model("competitions", "Award")
    labels = [normalize_label(label) for labels in STANDARD_LABELS.values() for label in labels]
    Award.objects.filter(normalized__in=labels, entries__isnull=True).delete()


class Migration(migrations.Migration):
    dependencies = [("competitions", "0002_initial")]
    operations = [migrations.RunPython(add_labels, remove_labels)]
