"""Every row and every media file of an installation, in a form two installations can compare.

Rows: every table the backup covers (and the tables of their many-to-many links), ordered by
primary key, as JSON values; a reference to a content type or a permission, whose ids are the
installation's own, is written as its natural key. Media: the SHA-256 of every file under
MEDIA_ROOT. Run as a script (`python tests/backup_snapshot.py`), it prints the snapshot of the
database DATABASE_URL names, for a test to compare with its own.
"""

import hashlib
import json
import os
import sys
from pathlib import Path


def snapshot() -> dict:
    from django.conf import settings
    from django.contrib.auth.models import Permission
    from django.contrib.contenttypes.models import ContentType
    from django.core.serializers.json import DjangoJSONEncoder

    from competitions.backups import backed_up_models

    models = []
    for model in backed_up_models():
        models.append(model)
        models += [
            field.remote_field.through
            for field in model._meta.many_to_many
            if field.remote_field.through._meta.auto_created
        ]
    natural = {}
    for kind in (ContentType, Permission):
        natural[kind] = {obj.pk: list(obj.natural_key()) for obj in kind.objects.all()}

    rows = {}
    for model in models:
        references = {
            field.attname: natural[field.related_model]
            for field in model._meta.concrete_fields
            if field.is_relation and field.related_model in natural
        }
        link_table = model._meta.auto_created  # a many-to-many link: its own id is no data
        table = []
        for row in model._base_manager.order_by("pk").values():
            for name, keys in references.items():
                row[name] = keys.get(row[name], row[name])
            if link_table:
                del row["id"]
            table.append(row)
        table = json.loads(json.dumps(table, cls=DjangoJSONEncoder))
        if link_table:
            table.sort(key=lambda row: json.dumps(row, sort_keys=True))
        rows[model._meta.label_lower] = table

    root = Path(settings.MEDIA_ROOT)
    media = {
        str(path.relative_to(root)): hashlib.sha256(path.read_bytes()).hexdigest()
        for path in sorted(root.rglob("*"))
        if path.is_file()
    }
    return {"rows": rows, "media": media}


if __name__ == "__main__":
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    import django

    django.setup()
    json.dump(snapshot(), sys.stdout)
