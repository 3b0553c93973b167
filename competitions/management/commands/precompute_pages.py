"""Write the page parts the first view of a competition page and of the pivot read
(competitions.fragments): after an upgrade, whose new code does not read the parts the old one
wrote, or for competitions whose parts were never written. A write of results queues the same work
for its own competitions by itself."""

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from competitions import fragments
from competitions.models import Competition
from competitions.precompute import precompute

# Competitions per progress line (precompute stores them precompute.CHUNK at a time).
CHUNK = 500


class Command(BaseCommand):
    help = (
        "Write the stored first pages of competitions (every language, every role) and the pivot's "
        "default page, and delete those of other versions of the code."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--competition",
            type=int,
            action="append",
            default=[],
            metavar="ID",
            help="only this competition (repeat for more); default: every competition",
        )

    def handle(self, *args, competition, verbosity, **options):
        forgotten = fragments.forget_other_versions()
        ids = list(Competition.objects.order_by("pk").values_list("pk", flat=True))
        if competition:
            missing = sorted(set(competition) - set(ids))
            if missing:
                raise CommandError(
                    _("No competition with id %(ids)s.") % {"ids": ", ".join(map(str, missing))}
                )
            ids = sorted(set(competition))
        stored = precompute([], pivot=True)
        for start in range(0, len(ids), CHUNK):
            stored += precompute(ids[start : start + CHUNK], pivot=False)
            if verbosity > 1:
                self.stdout.write(f"{min(start + CHUNK, len(ids))}/{len(ids)}")
        self.stdout.write(
            _(
                "Stored %(parts)d page parts for %(competitions)d competitions and the pivot; deleted %(old)d of other versions."
            )
            % {"parts": stored, "competitions": len(ids), "old": forgotten}
        )
