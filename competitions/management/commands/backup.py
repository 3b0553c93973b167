from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.template.defaultfilters import filesizeformat
from django.utils import timezone
from django.utils.translation import gettext as _

from competitions.backups import BackupError, backup


class Command(BaseCommand):
    help = (
        "Write the whole installation (every row of the project's tables with their history, the "
        "user accounts and groups, and the photos) into one zip archive with a manifest of counts "
        "and SHA-256 checksums. PATH is a new .zip file, or a folder to write a dated archive into."
    )

    def add_arguments(self, parser):
        parser.add_argument("path", help="a new .zip file, or an existing folder")

    def handle(self, *args, path, **options):
        path = Path(path)
        if path.is_dir():
            path = path / f"results-backup-{timezone.localtime():%Y%m%d-%H%M%S}.zip"
        progress = self.stdout.write if options["verbosity"] > 1 else (lambda message: None)
        try:
            summary = backup(path, progress=progress)
        except BackupError as error:
            raise CommandError(str(error)) from None
        for name in summary.missing:
            self.stderr.write(_("Not in the backup, the file is missing: %(name)s") % {"name": name})
        self.stdout.write(
            _(
                "Backed up %(rows)d rows of %(models)d tables and %(files)d media files to %(path)s (%(size)s)."
            )
            % {
                "rows": summary.rows,
                "models": summary.models,
                "files": summary.files,
                "path": summary.path,
                "size": filesizeformat(summary.size),
            }
        )
