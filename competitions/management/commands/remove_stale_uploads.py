"""Remove sheets uploaded in the browser and never applied (they hold personal data).

django.tasks has no scheduler: run this from a timer (systemd timer or cron), e.g. hourly.
"""

from datetime import timedelta
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand
from django.utils import timezone
from django.utils.translation import gettext as _

from competitions.models import SheetImport
from competitions.tasks import RUNNING, clear_progress

KEEP_DAYS = 2
# The folder where uploads waited before they were kept in the database.
LEGACY_UPLOAD_DIR = "imports"


class Command(BaseCommand):
    help = "Remove browser uploads older than two days that were never applied."

    def add_arguments(self, parser):
        parser.add_argument("--days", type=int, default=KEEP_DAYS, help="keep uploads this many days (2)")

    def handle(self, *args, days, **options):
        cutoff = timezone.now() - timedelta(days=days)
        stale = (
            SheetImport.objects.filter(created_at__lt=cutoff)
            .exclude(state=SheetImport.State.APPLIED)
            # An old upload applied just now: its import may be running; it gets its receipt.
            .exclude(state__in=RUNNING, started_at__gte=cutoff)
        )
        tokens = list(stale.values_list("token", flat=True))
        removed, _by_model = stale.delete()
        for token in tokens:
            clear_progress(token)
        files = self.remove_old_files(cutoff.timestamp())
        self.stdout.write(
            _("Removed %(uploads)d stale uploads and %(files)d old files.")
            % {"uploads": removed, "files": files}
        )

    def remove_old_files(self, cutoff: float) -> int:
        """Progress files left by killed tasks, and files of the former uploads folder."""
        folders = [Path(settings.MEDIA_ROOT) / LEGACY_UPLOAD_DIR]
        if settings.TASK_PROGRESS_DIR is not None:
            folders.append(Path(settings.TASK_PROGRESS_DIR))
        removed = 0
        for folder in folders:
            if not folder.is_dir():
                continue
            for path in folder.iterdir():
                try:
                    if path.is_file() and path.stat().st_mtime < cutoff:
                        path.unlink()
                        removed += 1
                except OSError:
                    pass  # removed by someone else meanwhile
        return removed
