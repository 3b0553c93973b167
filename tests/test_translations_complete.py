"""Every page speaks one language (issue 11 §7).

Each page of the app (every URL pattern of tests/test_access.py's EXPECTED that answers an
administrator with 200, opened with the objects of a populated installation) and the admin's change
list and change form of every registered model, rendered in Chinese with all-Chinese data, must show
no English interface text; rendered in English with all-ASCII data, no Chinese. Only what a visitor
reads counts: the text and the text attributes (title, placeholder, aria-label, alt), not tags,
scripts or styles (tests/visible.py).
"""

from pprint import pformat

import pytest
from django.conf import settings as django_settings
from django.contrib import admin
from django.test import Client
from django.urls import reverse
from django.utils import timezone, translation

from competitions.models import Entry
from students.models import Coach, Student
from tests.populated import populate
from tests.test_access import EXPECTED, url_for
from tests.test_translations import ASCII_PUNCTUATION_BY_CJK
from tests.visible import chinese_words, english_words, in_context, visible_text

# Latin words a Chinese page may show, each for a reason.
ALLOWED_ENGLISH = {
    "English",  # the language switch offers English in English
    # Names of file formats, encodings, programs and technical terms, written so in Chinese too.
    "CSV",
    "XLSX",
    "PDF",
    "ID",
    "URL",
    "JSON",
    "API",  # the read API and its keys ("API 密钥")
    "OpenAPI",
    "UTF",  # UTF-8, UTF-16
    "GB",  # GB18030
    "KB",
    "MB",
    "JPEG",
    "PNG",
    "WebP",
    "EXIF",
    "Excel",
    "Word",
    "docx",
    "zzx",  # the student list's example of pinyin initials to type
    "csv",  # the extension of an uploaded sheet's file name
    "Ctrl",  # key names on the keyboard, as printed on the keys: "按住 Ctrl 键（Mac 上为 ⌘ 键）"
    "Mac",
}
# On the admin's pages only: English that Django writes without a translation.
ALLOWED_ENGLISH_IN_ADMIN = {
    "Search",  # the alt text of the search icon (django/contrib/admin/templates/admin/search_form.html)
    "True",  # the alt text of the yes/no icons (django.contrib.admin.templatetags.admin_list._boolean_icon)
    "False",
    "Control",  # Django's own Chinese help of a multiple select names the keys
    "Command",
    "Mac",
    "IP",  # IP 地址
}
# On one admin page: text the installed apps write as data, not through gettext.
ALLOWED_ENGLISH_ON = {
    # django-axes: an access log's name ("Access Log for 管理员 @ …"), "<unknown>" for a missing value
    "admin accesslog change": {"Access", "Log", "for", "unknown"},
    "admin accesslog list": {"Access", "Log", "for", "unknown"},
    "admin photo change": {"photos", "jpg"},  # the stored file's name
    # A role's group keeps its English name (competitions.roles): the change form's title and the
    # list's action checkboxes name it so (its name column is translated).
    "admin group change": {"competition", "office"},
    "admin group list": {"competition", "office", "teachers", "administrators"},
}
# Chinese a English page may show: the language switch offers Chinese in Chinese.
ALLOWED_CHINESE = {"简体中文"}
# Downloads are not pages: they are checked by their own tests.
NOT_PAGES = {
    "competitions:annual-summary-xlsx",
    "competitions:annual-summary-docx",
    "competitions:import-template",
    "competitions:backup-download",
    "competitions:people-search",
    "students:quick-search",
    "media",
    "health",
}


@pytest.fixture(autouse=True)
def english():
    """Replaces tests/conftest.py's `english`: each test picks its language by cookie."""
    with translation.override(django_settings.LANGUAGE_CODE):
        yield


# Pages EXPECTED invents objects for, which open with the populated installation's real ones (a
# checked upload) or with a setting on (the public honours page).
REAL_OBJECT_PAGES = {
    "competitions:import-preview",
    "competitions:honours",
    "public:index",
    "public:competition",  # public once a result is confirmed (site() confirms one)
}


def pages(objects):
    for name, (args, statuses) in EXPECTED.items():
        if (statuses["administrator"] == 200 or name in REAL_OBJECT_PAGES) and name not in NOT_PAGES:
            yield name, url_for(name, args, objects)


def admin_pages():
    for model, _model_admin in admin.site._registry.items():
        meta = model._meta
        if not meta.managed:
            # django-rq's queue dashboard (registered only with REDIS_URL): a view over Redis for the
            # administrator, with no table behind its model; django-rq's own pages, not the app's.
            continue
        yield f"admin {meta.model_name} list", reverse(f"admin:{meta.app_label}_{meta.model_name}_changelist")
        first = model._default_manager.order_by("pk").first()
        if first is None:
            yield f"admin {meta.model_name} add", reverse(f"admin:{meta.app_label}_{meta.model_name}_add")
        else:
            yield (
                f"admin {meta.model_name} change",
                reverse(f"admin:{meta.app_label}_{meta.model_name}_change", args=[first.pk]),
            )


def data_words():
    """Latin words the data itself holds in Chinese mode: the pinyin the app derives from names."""
    words = set()
    for model in (Student, Coach):
        for pinyin, initials in model.objects.values_list("name_pinyin", "name_initials"):
            words.update(f"{pinyin} {initials}".replace(",", " ").split())
    return {word for word in words} | {word.capitalize() for word in words}


def site(language, settings, tmp_path, django_user_model):
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.BACKUP_DIR = tmp_path / "backups"
    settings.TASK_PROGRESS_DIR = tmp_path / "progress"
    settings.PUBLIC_RESULTS = True
    objects = populate(
        language,
        media_root=settings.MEDIA_ROOT,
        backup_dir=settings.BACKUP_DIR,
        django_user_model=django_user_model,
    )
    # One confirmed result makes the competition public (its public page; the others wait).
    Entry.objects.filter(pk=objects["entry"]).update(confirmed_at=timezone.now())
    client = Client()
    client.force_login(objects["users"]["administrator"])
    client.cookies[django_settings.LANGUAGE_COOKIE_NAME] = language
    return client, objects


@pytest.mark.django_db
def test_chinese_pages_show_no_english_interface_text(settings, tmp_path, django_user_model):
    client, objects = site("zh-hans", settings, tmp_path, django_user_model)
    allowed = ALLOWED_ENGLISH | data_words() | {"results", "backup", "zip"}  # the archive's file name
    found = {}
    for name, url in [*pages(objects), *admin_pages()]:
        response = client.get(url)
        if response.status_code == 403 and name.endswith(" add"):
            continue  # a log (e.g. django-axes' access attempts) that nobody adds to by hand
        assert response.status_code == 200, (name, url, response.status_code)
        in_admin = ALLOWED_ENGLISH_IN_ADMIN if name.startswith("admin ") else set()
        here = allowed | in_admin | ALLOWED_ENGLISH_ON.get(name, set())
        if words := english_words(response.content.decode(), here):
            found[name] = in_context(response.content.decode(), words, "en")
    assert found == {}, "English on Chinese pages:\n" + pformat(found, width=110)


@pytest.mark.django_db
def test_chinese_pages_use_chinese_punctuation(settings, tmp_path, django_user_model):
    """The app's pages (the admin's punctuation is Django's own Chinese and templates)."""
    client, objects = site("zh-hans", settings, tmp_path, django_user_model)
    found = {}
    for name, url in pages(objects):
        response = client.get(url)
        text = visible_text(response.content.decode(), "en")
        wrong = [text[max(0, m.start() - 20) : m.end() + 20] for m in ASCII_PUNCTUATION_BY_CJK.finditer(text)]
        if wrong:
            found[name] = wrong[:5]
    assert found == {}, "ASCII punctuation in Chinese text:\n" + pformat(found, width=110)


@pytest.mark.django_db
def test_english_pages_show_no_chinese_interface_text(settings, tmp_path, django_user_model):
    client, objects = site("en", settings, tmp_path, django_user_model)
    found = {}
    for name, url in [*pages(objects), *admin_pages()]:
        response = client.get(url)
        if response.status_code == 403 and name.endswith(" add"):
            continue  # a log (e.g. django-axes' access attempts) that nobody adds to by hand
        assert response.status_code == 200, (name, url, response.status_code)
        if words := chinese_words(response.content.decode(), ALLOWED_CHINESE):
            found[name] = in_context(response.content.decode(), words, "zh")
    assert found == {}, "Chinese on English pages:\n" + pformat(found, width=110)
