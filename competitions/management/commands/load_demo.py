from django.core.management.base import BaseCommand
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from competitions.demo import DEMO_PASSWORD, load_demo


class Command(BaseCommand):
    help = gettext_lazy(
        "Load the demo data (the competition results of the college's 2023 annual report) and the "
        "demo accounts. Running it again adds nothing."
    )

    def handle(self, *args, **options):
        summary = load_demo(stdout=self.stdout)
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
        logins = ", ".join(f"{username} / {DEMO_PASSWORD} ({role})" for username, role in roles)
        self.stdout.write(self.style.SUCCESS(_("Demo logins: %(logins)s") % {"logins": logins}))
