from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class StudentsConfig(AppConfig):
    name = "students"
    verbose_name = _("Students and coaches")
    default_auto_field = "django.db.models.BigAutoField"
