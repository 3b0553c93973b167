"""Installed apps whose names the admin shows untranslated: the same apps, with names in gettext."""

from axes.apps import AppConfig as AxesAppConfig
from django.utils.translation import gettext_lazy as _
from django_rq.apps import DjangoRqAdminConfig
from django_tasks_db.apps import TasksAppConfig


class LoginLockoutsConfig(AxesAppConfig):
    verbose_name = _("Login lockouts")


class BackgroundTasksConfig(TasksAppConfig):
    verbose_name = _("Background tasks")


class TaskQueuesConfig(DjangoRqAdminConfig):
    """django-rq (installed with REDIS_URL): its admin section and its queue dashboard, named in gettext."""

    verbose_name = _("Task queues")

    def ready(self):
        super().ready()
        meta = self.get_model("Dashboard")._meta
        meta.verbose_name = meta.verbose_name_plural = _("Queues")
