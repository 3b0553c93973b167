"""The read API's rate limits (competitions.api.access): per key or logged-in user
(API_RATE_PER_TOKEN) and per client address without one (API_RATE_PER_ADDRESS), answered with 429
and Retry-After; the client's address behind DJANGO_PROXY_COUNT proxies (NINJA_NUM_PROXIES)."""

import os
import subprocess
import sys
import threading

import pytest
from django.core.cache import cache
from ninja.throttling import SimpleRateThrottle

from competitions.api import access
from tests.api.results_data import key_for

pytestmark = pytest.mark.django_db

URL = "/api/v1/tallies/"  # any endpoint: the limits are the API's


@pytest.fixture(autouse=True)
def fresh_counts():
    """The counts live in the cache (local memory, or Redis with REDIS_URL): none from other tests."""
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def clock(monkeypatch):
    """The throttles' clock, moved by hand."""
    now = [1_000_000.0]
    monkeypatch.setattr(SimpleRateThrottle, "timer", staticmethod(lambda: now[0]))
    return now


@pytest.fixture
def public(settings):
    settings.PUBLIC_RESULTS = True


def statuses(client, n: int, **headers) -> list[int]:
    return [client.get(URL, **headers).status_code for _ in range(n)]


def test_the_61st_request_in_a_minute_with_one_key_is_refused(client, user, django_user_model, clock):
    mine = key_for(user)
    assert statuses(client, 60, **mine) == [200] * 60
    refused = client.get(URL, **mine)
    assert refused.status_code == 429
    assert refused.json() == {"detail": "Too many requests."}
    assert 1 <= int(refused["Retry-After"]) <= 60
    # Another user's key has its own count.
    other = django_user_model.objects.create_user("other-teacher")
    other.groups.set(user.groups.all())
    assert client.get(URL, **key_for(other)).status_code == 200
    # A minute after the first request, one more is allowed.
    clock[0] += 60
    assert client.get(URL, **mine).status_code == 200


def test_retry_after_says_when_the_oldest_request_leaves_the_window(client, user, settings, clock):
    settings.API_RATE_PER_TOKEN = "2/min"
    mine = key_for(user)
    client.get(URL, **mine)
    clock[0] += 20
    client.get(URL, **mine)
    clock[0] += 5
    refused = client.get(URL, **mine)
    assert refused.status_code == 429 and refused["Retry-After"] == "35"


def test_each_key_of_a_user_has_its_own_count(client, user, settings):
    settings.API_RATE_PER_TOKEN = "2/min"
    first, second = key_for(user), key_for(user)
    assert statuses(client, 3, **first) == [200, 200, 429]
    assert statuses(client, 3, **second) == [200, 200, 429]


def test_a_logged_in_browser_is_counted_per_user(user_client, settings):
    settings.API_RATE_PER_TOKEN = "3/min"
    assert statuses(user_client, 4) == [200, 200, 200, 429]


def test_a_changed_setting_holds_at_once(client, user, settings):
    mine = key_for(user)
    assert statuses(client, 3, **mine) == [200] * 3
    settings.API_RATE_PER_TOKEN = "2/min"  # three already made this minute
    assert client.get(URL, **mine).status_code == 429
    settings.API_RATE_PER_TOKEN = "10/hour"
    assert statuses(client, 8, **mine) == [200] * 7 + [429]  # ten in the hour


def test_the_31st_anonymous_request_from_one_address_is_refused(client, public, clock):
    assert statuses(client, 30, REMOTE_ADDR="192.0.2.1") == [200] * 30
    refused = client.get(URL, REMOTE_ADDR="192.0.2.1")
    assert refused.status_code == 429 and 1 <= int(refused["Retry-After"]) <= 60
    assert client.get(URL, REMOTE_ADDR="192.0.2.2").status_code == 200
    clock[0] += 61
    assert client.get(URL, REMOTE_ADDR="192.0.2.1").status_code == 200


def test_the_address_limit_follows_its_setting(client, public, settings):
    settings.API_RATE_PER_ADDRESS = "1/s"
    assert statuses(client, 2, REMOTE_ADDR="192.0.2.1") == [200, 429]


def test_a_key_is_not_counted_against_its_address(client, user, public, settings):
    settings.API_RATE_PER_ADDRESS = "2/min"
    assert statuses(client, 2, REMOTE_ADDR="192.0.2.1") == [200, 200]
    assert statuses(client, 3, REMOTE_ADDR="192.0.2.1", **key_for(user)) == [200] * 3
    assert client.get(URL, REMOTE_ADDR="192.0.2.1").status_code == 429


def test_without_proxies_x_forwarded_for_is_ignored(client, public, settings):
    settings.NINJA_NUM_PROXIES = 0
    settings.API_RATE_PER_ADDRESS = "2/min"
    codes = [
        client.get(URL, REMOTE_ADDR="192.0.2.1", HTTP_X_FORWARDED_FOR=f"198.51.100.{n}").status_code
        for n in range(3)
    ]
    assert codes == [200, 200, 429]  # one address, however the client names itself


def test_behind_one_proxy_the_address_it_forwarded_counts(client, public, settings):
    settings.NINJA_NUM_PROXIES = 1
    settings.API_RATE_PER_ADDRESS = "2/min"
    proxy = {"REMOTE_ADDR": "10.0.0.1"}
    assert statuses(client, 2, HTTP_X_FORWARDED_FOR="198.51.100.1", **proxy) == [200, 200]
    # A client naming itself something else in front of what nginx appended is still that client.
    spoofed = client.get(URL, HTTP_X_FORWARDED_FOR="203.0.113.9, 198.51.100.1", **proxy)
    assert spoofed.status_code == 429
    # Another client behind the same proxy has its own count.
    assert client.get(URL, HTTP_X_FORWARDED_FOR="198.51.100.2", **proxy).status_code == 200


def test_behind_two_proxies_the_second_address_from_the_right_counts(client, public, settings):
    settings.NINJA_NUM_PROXIES = 2
    settings.API_RATE_PER_ADDRESS = "1/min"
    proxy = {"REMOTE_ADDR": "10.0.0.1"}
    assert client.get(URL, HTTP_X_FORWARDED_FOR="198.51.100.1, 10.0.0.2", **proxy).status_code == 200
    assert client.get(URL, HTTP_X_FORWARDED_FOR="198.51.100.1, 10.0.0.3", **proxy).status_code == 429
    assert client.get(URL, HTTP_X_FORWARDED_FOR="198.51.100.2, 10.0.0.2", **proxy).status_code == 200


def settings_in_a_new_process(**environ) -> str:
    code = (
        "import django, os; os.environ['DJANGO_SETTINGS_MODULE'] = 'config.settings'; django.setup();"
        "from django.conf import settings;"
        "print(settings.NINJA_NUM_PROXIES, settings.API_RATE_PER_TOKEN, settings.API_RATE_PER_ADDRESS)"
    )
    env = {**os.environ, "DJANGO_DEBUG": "true", **environ}
    done = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=60)
    return (done.stdout + done.stderr).strip()


def test_the_settings_come_from_the_environment():
    assert settings_in_a_new_process(
        DJANGO_PROXY_COUNT="1", API_RATE_PER_TOKEN="100/hour", API_RATE_PER_ADDRESS="5/s"
    ).endswith("1 100/hour 5/s")
    assert settings_in_a_new_process().endswith("0 60/min 30/min")


def test_a_malformed_rate_stops_the_start_with_its_name():
    assert "API_RATE_PER_TOKEN" in settings_in_a_new_process(API_RATE_PER_TOKEN="sixty a minute")


def test_the_throttles_are_the_apis():
    assert [type(throttle) for throttle in access.THROTTLES] == [
        access.KeyRateThrottle,
        access.AddressRateThrottle,
    ]


def test_two_requests_at_once_in_two_threads_keep_their_own_counts(user, rf, settings):
    """One throttle serves every thread: a request's key, history and Retry-After stay its own."""
    settings.API_RATE_PER_TOKEN = "1/min"
    throttle = access.KeyRateThrottle()
    first, second = rf.get(URL), rf.get(URL)
    first.auth, second.auth = access.Viewer(user=user, token_id=1), access.Viewer(user=user, token_id=2)
    first_counted, second_done = threading.Event(), threading.Event()
    seen = {}

    def first_request():
        throttle.allow_request(first)  # counted: token 1 has used its one request
        first_counted.set()
        second_done.wait(10)
        seen["first"] = (throttle.key, throttle.allow_request(first), throttle.wait())

    def second_request():
        first_counted.wait(10)
        seen["second"] = (throttle.key if throttle.allow_request(second) else None, len(throttle.history))
        second_done.set()

    threads = [threading.Thread(target=first_request), threading.Thread(target=second_request)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(10)
    assert seen["second"] == ("api-rate-token-2", 1)
    key, allowed, wait = seen["first"]
    assert (key, allowed) == ("api-rate-token-1", False) and 0 < wait <= 60
