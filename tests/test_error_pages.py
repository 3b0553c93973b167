"""403, 404, 500 and a refused CSRF check: the app's layout, the visitor's language, a way home."""

import pytest
from django.conf import settings as django_settings
from django.contrib.auth.models import Group
from django.test import Client, RequestFactory
from django.urls import reverse
from django.utils import translation

from competitions import roles
from competitions.views import errors
from tests.visible import chinese_words, english_words, visible_text

LANGUAGES = ["zh-hans", "en"]
BRAND = {"zh-hans": "技能竞赛成绩", "en": "Skills competition results"}
HOME_LINK = {"zh-hans": "返回首页", "en": "Back to the home page"}


@pytest.fixture(autouse=True)
def english():
    """Replaces tests/conftest.py's `english`: each test picks its language by cookie."""
    with translation.override(django_settings.LANGUAGE_CODE):
        yield


@pytest.fixture(autouse=True)
def production(settings):
    settings.DEBUG = False


def speaking(client, language):
    client.cookies[django_settings.LANGUAGE_COOKIE_NAME] = language
    return client


def teacher(client, django_user_model, language):
    # The user name is data: in the page's language, so that the check of the other language holds.
    name = "教师甲" if language == "zh-hans" else "teacher1"
    user = django_user_model.objects.create_user(name, password="a-long-test-password")
    user.groups.add(Group.objects.get(name=roles.TEACHERS))
    client.force_login(user)
    return client


def assert_in_the_app(page, language):
    assert BRAND[language] in visible_text(page)
    assert f'<html lang="{language}">' in page
    assert f'href="{reverse("home")}"' in page and HOME_LINK[language] in visible_text(page)
    assert 'rel="stylesheet"' in page
    if language == "zh-hans":
        assert english_words(page, {"English"}) == set()
    else:
        assert chinese_words(page, {"简体中文"}) == set()


@pytest.mark.django_db
@pytest.mark.parametrize("language", LANGUAGES)
def test_a_page_that_does_not_exist_gets_the_apps_404(client, django_user_model, language):
    response = speaking(teacher(client, django_user_model, language), language).get(
        "/competitions/no-such-page/"
    )
    assert response.status_code == 404
    page = response.content.decode()
    assert_in_the_app(page, language)
    assert ("找不到" if language == "zh-hans" else "Page not found") in page
    assert reverse("students:student-list") in page  # the navigation of a logged-in user


@pytest.mark.django_db
@pytest.mark.parametrize("language", LANGUAGES)
def test_a_page_the_role_may_not_open_gets_the_apps_403(client, django_user_model, language):
    client = speaking(teacher(client, django_user_model, language), language)
    response = client.get(reverse("competitions:competition-create"))
    assert response.status_code == 403
    page = response.content.decode()
    assert_in_the_app(page, language)
    assert ("无权" if language == "zh-hans" else "Not allowed") in page


@pytest.mark.django_db
@pytest.mark.parametrize("language", LANGUAGES)
def test_a_form_refused_by_the_csrf_check_gets_the_apps_page(django_user_model, language):
    client = Client(enforce_csrf_checks=True)
    client = speaking(teacher(client, django_user_model, language), language)
    response = client.post(reverse("logout"))  # no token
    assert response.status_code == 403
    page = response.content.decode()
    assert_in_the_app(page, language)
    assert ("表单已过期" if language == "zh-hans" else "Form expired") in page


@pytest.mark.django_db
@pytest.mark.parametrize("language", LANGUAGES)
def test_a_failing_page_gets_the_apps_500(client, settings, language):
    settings.ROOT_URLCONF = "tests.error_urls"
    client = Client(raise_request_exception=False)
    response = speaking(client, language).get("/boom/")
    assert response.status_code == 500
    page = response.content.decode()
    assert_in_the_app(page, language)
    assert ("服务器出错" if language == "zh-hans" else "Server error") in page


def test_the_500_page_needs_neither_the_database_nor_a_request_context():
    # No django_db mark: any query fails the test.
    with translation.override("zh-hans"):
        response = errors.server_error(RequestFactory().get("/"))
    assert response.status_code == 500
    assert_in_the_app(response.content.decode(), "zh-hans")
