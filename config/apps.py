"""Installed apps whose names the admin shows untranslated: the same apps, with names in gettext."""

from axes.apps import AppConfig as AxesAppConfig
from django.utils.translation import gettext_lazy as _
from django_tasks_db.apps import TasksAppConfig


class LoginLockoutsConfig(AxesAppConfig):
    verbose_name = _("Login lockouts")


class BackgroundTasksConfig(TasksAppConfig):
    verbose_name = _("Background tasks")
