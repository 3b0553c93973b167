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


@pytest.fixture(autouse=True, scope="session")
def own_redis_database_per_worker(worker_id):
    """With REDIS_URL, each pytest-xdist worker gets its own Redis database (the URL's number plus
    the worker's): cache.clear() empties a whole database, and two workers' test databases reuse
    the same ids in cache keys."""
    from django.conf import settings
    from django.test import override_settings

    location = settings.CACHES["default"].get("LOCATION", "")
    if not str(location).startswith("redis") or worker_id == "master":
        yield
        return
    base, _, number = location.rpartition("/")
    caches = {
        "default": {
            **settings.CACHES["default"],
            "LOCATION": f"{base}/{int(number or 0) + 1 + int(worker_id[2:])}",
        }
    }
    with override_settings(CACHES=caches):
        yield
