"""Strings of Django and installed apps that their own catalogues leave untranslated into Chinese.

Our catalogue (LOCALE_PATHS) comes first when Django looks a string up, so a translation here fills
the gap; listing the strings in code keeps `makemessages` from dropping those entries as obsolete.
Nothing imports this module: it exists for makemessages only. Check after upgrading Django,
django-axes, django-tasks-db or django-rq (tests/test_translations_complete.py fails on a new gap).
"""

from django.utils.translation import gettext_noop

BORROWED = [
    # Django: the suffix of every form label ("名称："), which Django's Chinese keeps as ASCII ":".
    gettext_noop(":"),
    # Django 6.1: the empty choice of a select (forms and the admin), the admin's date filter.
    gettext_noop("- Select an option -"),
    gettext_noop("Filter by %(field_name)s"),
    # django-rq (installed with REDIS_URL): the permission of its queue dashboard.
    gettext_noop("Access admin page"),
    # django-axes (the admin's login lockouts): its models and admin.
    gettext_noop("access attempt"),
    gettext_noop("access attempts"),
    gettext_noop("access failure"),
    gettext_noop("access failures"),
    gettext_noop("access log"),
    gettext_noop("access logs"),
    gettext_noop("access attempt expiration"),
    gettext_noop("access attempt expirations"),
    gettext_noop("Access Attempt"),
    gettext_noop("User Agent"),
    gettext_noop("IP Address"),
    gettext_noop("Username"),
    gettext_noop("HTTP Accept"),
    gettext_noop("Path"),
    gettext_noop("Attempt Time"),
    gettext_noop("Access lock out"),
    gettext_noop("GET Data"),
    gettext_noop("POST Data"),
    gettext_noop("Failed Logins"),
    gettext_noop("Expires At"),
    gettext_noop("The time when access attempt expires and is no longer valid."),
    gettext_noop("Logout Time"),
    gettext_noop("Session key hash (sha256)"),
    gettext_noop("Locked Out"),
    gettext_noop("Form Data"),
    gettext_noop("Meta Data"),
    gettext_noop("Clean up expired attempts"),
    gettext_noop("Not set"),
    gettext_noop("Attempt Remaining"),
    # django-tasks-db (the admin's background tasks): its model.
    gettext_noop("Task Result"),
    gettext_noop("Task Results"),
    gettext_noop("status"),
    gettext_noop("enqueued at"),
    gettext_noop("started at"),
    gettext_noop("finished at"),
    gettext_noop("args kwargs"),
    gettext_noop("priority"),
    gettext_noop("task path"),
    gettext_noop("worker id"),
    gettext_noop("queue name"),
    gettext_noop("backend name"),
    gettext_noop("run after"),
    gettext_noop("return value"),
    gettext_noop("exception class path"),
    gettext_noop("traceback"),
]
