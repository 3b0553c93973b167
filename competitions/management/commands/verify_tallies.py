from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from competitions.aggregates import rebuild, verify


class Command(BaseCommand):
    help = "Recount every tally from the entries and report any difference (exit status 1 if any)."

    def add_arguments(self, parser):
        parser.add_argument("--fix", action="store_true", help="rebuild the tally tables from the entries")
        parser.add_argument(
            "--background",
            action="store_true",
            help="with --fix: queue the rebuild as a task for the task worker and return at once",
        )

    def handle(self, *args, fix, background, **options):
        if background:
            if not fix:
                raise CommandError(_("--background goes with --fix."))
            from competitions.tasks import rebuild_tallies

            result = rebuild_tallies.enqueue()
            self.stdout.write(_("Queued the rebuild of the tally tables (task %(id)s).") % {"id": result.id})
            return
        problems = verify()
        for problem in problems[:200]:
            self.stdout.write(problem)
        if problems and fix:
            rebuild()
            self.stdout.write(_("Rebuilt the tally tables from the entries."))
            problems = verify()
        if problems:
            raise CommandError(_("%(count)d tally differences.") % {"count": len(problems)})
        self.stdout.write(_("Tallies are equal to a recount of the entries."))
