"""Make every missing photo thumbnail: after a task worker was stopped in the middle of a batch, or
when the queue could not be reached at upload. Photos that have their thumbnail are left alone."""

from django.core.management.base import BaseCommand
from django.utils.translation import ngettext

from competitions.models import Photo
from competitions.tasks import enqueue_thumbnails, make_thumbnails, thumbnails_token


class Command(BaseCommand):
    help = "Make the thumbnails photos do not have yet (for example after the task worker was stopped)."

    def add_arguments(self, parser):
        parser.add_argument(
            "--background",
            action="store_true",
            help="queue them as tasks for the task worker (one per competition) and return at once",
        )

    def handle(self, *args, background, **options):
        missing = (
            Photo.objects.filter(thumbnail="").order_by("competition_id", "pk").only("pk", "competition")
        )
        if background:
            missing = list(missing)
            enqueue_thumbnails(missing)  # outside a transaction: queued at once
            self.stdout.write(
                ngettext(
                    "Queued the thumbnail of %(count)d photo.",
                    "Queued the thumbnails of %(count)d photos.",
                    len(missing),
                )
                % {"count": len(missing)}
            )
            return
        batches: dict[int, list[int]] = {}
        for pk, competition_id in missing.values_list("pk", "competition_id"):
            batches.setdefault(competition_id, []).append(pk)
        wanted = made = 0
        for competition_id, photo_ids in batches.items():
            # Run here, reporting to the competition page as the task would.
            made += make_thumbnails.call(photo_ids, thumbnails_token(competition_id))
            wanted += len(photo_ids)
        self.stdout.write(
            ngettext("Made %(count)d thumbnail.", "Made %(count)d thumbnails.", made) % {"count": made}
        )
        if made < wanted:
            skipped = wanted - made
            self.stdout.write(
                ngettext(
                    "%(count)d photo was skipped: deleted meanwhile, or its original is missing or damaged "
                    "(see the log).",
                    "%(count)d photos were skipped: deleted meanwhile, or their original is missing or damaged "
                    "(see the log).",
                    skipped,
                )
                % {"count": skipped}
            )
