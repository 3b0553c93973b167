from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from competitions.backups import BackupError, restore


class Command(BaseCommand):
    help = (
        "Restore an archive written by `backup` into an empty installation (a new database on "
        "which migrate has run; SQLite or PostgreSQL, whichever the backup came from). Every "
        "checksum is checked first; the rows load all or nothing; the photos are moved into "
        "MEDIA_ROOT after the data is committed."
    )

    def add_arguments(self, parser):
        parser.add_argument("path", help="a .zip archive written by `manage.py backup`")

    def handle(self, *args, path, **options):
        progress = self.stdout.write if options["verbosity"] > 1 else (lambda message: None)
        try:
            summary = restore(path, progress=progress)
        except BackupError as error:
            raise CommandError(str(error)) from None
        self.stdout.write(
            _("Restored %(rows)d rows of %(models)d tables and %(files)d media files.")
            % {"rows": summary.rows, "models": summary.models, "files": summary.files}
        )
