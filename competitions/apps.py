from django.apps import AppConfig
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


def update_roles(sender, **kwargs):
    from competitions.roles import ensure_roles

    ensure_roles()


class CompetitionsConfig(AppConfig):
    name = "competitions"
    verbose_name = _("Competitions")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        # After migrate has created the permissions, give the three roles theirs.
        post_migrate.connect(update_roles, sender=self, dispatch_uid="competitions.update_roles")
        from competitions.templatetags import fast_tables

        fast_tables.install()
        # Queues the writing of stored page parts after every write of results.
        from competitions import precompute  # noqa: F401
