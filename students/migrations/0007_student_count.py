"""The students' exact count, kept by PostgreSQL triggers (students.counting); nothing on SQLite."""

from django.db import migrations

from students import counting


def install(apps, schema_editor):
    counting.install(schema_editor, "students_student")


def uninstall(apps, schema_editor):
    counting.uninstall(schema_editor, "students_student")


class Migration(migrations.Migration):
    dependencies = [("students", "0006_words_labels")]

    operations = [migrations.RunPython(install, uninstall, elidable=False)]
