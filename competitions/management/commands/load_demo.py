from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from competitions import punctuation
from competitions.confirming import UnknownUser
from competitions.demo import DEMO_PASSWORD, load_demo


class Command(BaseCommand):
    help = gettext_lazy(
        "Load the demo data (the competition results of the college's 2023 annual report) and the "
        "demo accounts. Running it again adds nothing."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--confirmed-by",
            metavar="USERNAME",
            help=gettext_lazy(
                "record the added results as confirmed by this user (a demo account may be named); "
                "without it they wait for an office user's confirmation"
            ),
        )

    def handle(self, *args, confirmed_by=None, **options):
        try:
            summary = load_demo(stdout=self.stdout, confirmed_by=confirmed_by)
        except UnknownUser as error:
            raise CommandError(str(error)) from None
        self.stdout.write(
            _(
                "Demo data: %(competitions)d competitions, %(events)d events, %(entries)d entries, "
                "%(students)d students (%(added)d entries added now)."
            )
            % summary
        )
        roles = [
            ("admin", _("administrator")),
            ("office", _("competition office")),
            ("teacher", _("teacher")),
        ]
        logins = punctuation.clauses(
            _("%(username)s / %(password)s (%(role)s)")
            % {"username": username, "password": DEMO_PASSWORD, "role": role}
            for username, role in roles
        )
        self.stdout.write(self.style.SUCCESS(_("Demo logins: %(logins)s") % {"logins": logins}))
