import pytest


@pytest.fixture(autouse=True)
def english(settings):
    """Tests read messages in English; the Chinese interface has its own tests (test_translations)."""
    from django.utils import translation

    settings.LANGUAGE_CODE = "en"
    with translation.override("en"):
        yield


@pytest.fixture(autouse=True)
def empty_cache():
    # Cached page parts are keyed by database ids, which tests reuse after each rollback.
    from django.core.cache import cache

    cache.clear()
    yield
    cache.clear()


@pytest.fixture(autouse=True)
def fast_password_hashing(settings):
    # Real hashing is deliberately slow; tests log in many times.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def user(django_user_model):
    """A teacher's account: in the teachers group, not staff."""
    from django.contrib.auth.models import Group

    from competitions.roles import TEACHERS

    teacher = django_user_model.objects.create_user(username="teacher", password="a-long-test-password")
    teacher.groups.add(Group.objects.get(name=TEACHERS))
    return teacher


@pytest.fixture
def user_client(client, user):
    client.force_login(user)
    return client


@pytest.fixture
def staff_client(client, django_user_model):
    from django.contrib.auth.models import Group

    from competitions.roles import ADMINISTRATORS

    staff = django_user_model.objects.create_user(
        username="office", password="a-long-test-password", is_staff=True
    )
    staff.groups.add(Group.objects.get(name=ADMINISTRATORS))
    client.force_login(staff)
    return client
