from django.db import migrations, models


def flag_demo_placeholder(apps, schema_editor):
    # The demo data's catch-all skill (competitions.demo.UNNAMED_SKILL), loaded before the flag.
    apps.get_model("competitions", "Skill").objects.filter(name="赛项未列明").update(placeholder=True)


class Migration(migrations.Migration):
    dependencies = [
        ("competitions", "0013_confirm_entries"),
    ]

    operations = [
        migrations.AddField(
            model_name="skill",
            name="placeholder",
            field=models.BooleanField(
                default=False,
                help_text=(
                    "Not a real skill: it gathers results whose skill the source does not name. Its results "
                    "are counted but it is never ranked among the skills."
                ),
                verbose_name="placeholder",
            ),
        ),
        migrations.RunPython(flag_demo_placeholder, migrations.RunPython.noop),
    ]
