"""Keys to the read API (competitions.tokens), who they let in (competitions.api.access), and the
account page where every role manages its own keys (competitions.views.account).

No endpoint of the API needs a key in this branch yet, so access is tested through the API's own
`auth` callbacks, run in order as django-ninja runs them (`viewer()` below).
"""

import io
import re
from datetime import timedelta

import pytest
from django.apps import apps
from django.contrib.admin.models import LogEntry
from django.contrib.auth.models import Group
from django.core.management import call_command
from django.test import Client, RequestFactory
from django.urls import reverse
from django.utils import timezone

from competitions import roles, tokens
from competitions.api import access
from competitions.models import ApiToken

PASSWORD = "a-long-test-password"
PROFILE = reverse("profile")
ROLE_GROUPS = {"teacher": roles.TEACHERS, "office": roles.OFFICE, "administrator": roles.ADMINISTRATORS}


@pytest.fixture
def make_user(django_user_model):
    def make(username="alice", role="teacher", **fields):
        user = django_user_model.objects.create_user(username, password=PASSWORD, **fields)
        if role is not None:
            user.groups.add(Group.objects.get(name=ROLE_GROUPS[role]))
        return user

    return make


def api_request(key=None, user=None, **meta):
    request = RequestFactory().get("/api/v1/anything", **meta)
    if key is not None:
        request.META["HTTP_AUTHORIZATION"] = f"Bearer {key}"
    if user is not None:
        from django.conf import settings

        request.COOKIES[settings.SESSION_COOKIE_NAME] = "a-session"
        request.user = user
    else:
        from django.contrib.auth.models import AnonymousUser

        request.user = AnonymousUser()
    return request


def viewer(request):
    """request.auth as django-ninja decides it: the first callback of api.auth that answers."""
    for callback in access.ACCESS:
        result = callback(request)
        if result:
            return result
    return None  # django-ninja answers 401


def new_key_on_page(response) -> str:
    match = re.search(r'id="new-key" type="text" value="(rt_[^"]+)"', response.content.decode())
    assert match, "the page shows the new key"
    return match.group(1)


# --- tokens: issue, find, revoke ------------------------------------------------------------------


@pytest.mark.django_db
def test_a_key_is_stored_as_its_digest_only(make_user):
    token, key = tokens.issue(make_user(), "  College website  ")
    assert key.startswith("rt_") and len(key) == 43
    token.refresh_from_db()
    assert token.name == "College website"
    assert token.digest == tokens.digest(key) != key
    assert token.prefix == key[:8]
    assert tokens.find(key) == token


@pytest.mark.django_db
def test_the_key_appears_nowhere_in_the_database(make_user, client):
    client.force_login(make_user())
    key = new_key_on_page(client.post(PROFILE, {"name": "website", "expires": "never"}))
    dump = io.StringIO()
    # With REDIS_URL, django-rq's dashboard is a model without a table (a view over Redis).
    call_command("dumpdata", exclude=["django_rq"] if apps.is_installed("django_rq") else [], stdout=dump)
    assert key[8:] not in dump.getvalue()  # what follows the prefix shown in the list
    assert tokens.digest(key) in dump.getvalue()


@pytest.mark.django_db
def test_revoked_expired_and_inactive_users_keys_open_nothing(make_user):
    revoked, revoked_key = tokens.issue(make_user("a"), "a")
    tokens.revoke(revoked)
    _expired, expired_key = tokens.issue(
        make_user("b"), "b", expires_at=timezone.now() - timedelta(seconds=1)
    )
    _later, later_key = tokens.issue(make_user("c"), "c", expires_at=timezone.now() + timedelta(days=1))
    _inactive, inactive_key = tokens.issue(make_user("d", is_active=False), "d")
    assert tokens.find(revoked_key) is None
    assert tokens.find(expired_key) is None
    assert tokens.find(later_key) is not None
    assert tokens.find(inactive_key) is None
    for key in (revoked_key, expired_key, inactive_key):
        assert viewer(api_request(key)) is None


@pytest.mark.django_db
def test_revoking_twice_keeps_the_first_time(make_user):
    token, _key = tokens.issue(make_user(), "a")
    tokens.revoke(token)
    first = token.revoked_at
    tokens.revoke(token)
    token.refresh_from_db()
    assert token.revoked_at == first


@pytest.mark.django_db
def test_last_used_is_written_at_most_once_a_minute(make_user, django_assert_num_queries):
    token, key = tokens.issue(make_user(), "a")
    with django_assert_num_queries(2):  # the look-up, and the first use written
        tokens.find(key)
    token.refresh_from_db()
    first = token.last_used_at
    assert first is not None
    with django_assert_num_queries(1):  # the look-up only
        tokens.find(key)
    ApiToken.objects.filter(pk=token.pk).update(last_used_at=first - timedelta(minutes=2))
    with django_assert_num_queries(2):
        tokens.find(key)
    token.refresh_from_db()
    assert token.last_used_at > first - timedelta(minutes=2)


@pytest.mark.django_db
def test_many_requests_in_a_minute_write_nothing(make_user, django_assert_num_queries):
    _token, key = tokens.issue(make_user(), "a")
    tokens.find(key)
    with django_assert_num_queries(5):  # five look-ups, no write
        for _ in range(5):
            assert tokens.find(key) is not None


@pytest.mark.django_db
@pytest.mark.parametrize(
    "key",
    [
        "",
        "rt_",
        "abc",
        "rt_" + "a" * 39,
        "rt_" + "a" * 41,
        "rt_" + "!" * 40,
        "xx_" + "a" * 40,
        "rt_" + "a" * 39 + "\n",
        "rt_" + "a" * 10000,
        None,
    ],
)
def test_keys_of_the_wrong_shape_are_refused_without_a_query(key, django_assert_num_queries):
    with django_assert_num_queries(0):
        assert tokens.find(key) is None
        assert access.TokenAccess().authenticate(api_request(), key) is None


@pytest.mark.django_db
def test_an_unknown_key_of_the_right_shape_is_refused(django_assert_num_queries):
    with django_assert_num_queries(1):
        assert tokens.find(tokens.new_key()) is None


# --- access: who the API sees ---------------------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize("role", ["teacher", "office", "administrator"])
def test_a_key_lets_its_user_in_with_their_role(role, make_user):
    user = make_user(role=role)
    token, key = tokens.issue(user, "a")
    request = api_request(key)
    found = viewer(request)
    assert found == access.Viewer(user=user, token_id=token.pk)
    assert found.personal and not found.confirmed_only
    assert request.user == user
    assert str(found) == f"token-{token.pk}"
    assert access.TokenAccess().authenticate(api_request(), key) == found


@pytest.mark.django_db
def test_a_key_of_a_user_without_a_role_opens_nothing(make_user, settings):
    settings.PUBLIC_RESULTS = True
    _token, key = tokens.issue(make_user(role=None), "a")
    assert tokens.find(key) is not None  # a working key…
    assert access.TokenAccess().authenticate(api_request(), key) is None  # …that opens nothing
    assert viewer(api_request(key)) is None  # and is not served as anonymous either


@pytest.mark.django_db
def test_with_public_results_on_a_key_still_names_its_user(make_user, settings):
    settings.PUBLIC_RESULTS = True
    user = make_user()
    token, key = tokens.issue(user, "a")
    found = viewer(api_request(key))
    assert found.user == user and found.token_id == token.pk and found.personal


@pytest.mark.django_db
@pytest.mark.parametrize(
    "header", ["Bearer rt_wrong", "Bearer " + "rt_" + "a" * 40, "Basic YTpi", "Bearer", "x"]
)
def test_with_public_results_on_a_bad_key_is_refused_not_served_as_anonymous(header, settings):
    settings.PUBLIC_RESULTS = True
    assert viewer(api_request(HTTP_AUTHORIZATION=header)) is None
    assert viewer(api_request()) == access.Viewer()  # without a header: the public


@pytest.mark.django_db
def test_without_public_results_nobody_without_a_key_or_session_gets_in(settings):
    settings.PUBLIC_RESULTS = False
    assert viewer(api_request()) is None


@pytest.mark.django_db
def test_a_revoked_key_stops_working_at_once(make_user):
    token, key = tokens.issue(make_user(), "a")
    assert viewer(api_request(key)) is not None
    tokens.revoke(token)
    assert viewer(api_request(key)) is None


@pytest.mark.django_db
def test_a_revoked_key_is_refused_by_the_api_itself(make_user, client, settings):
    """Over HTTP, as a website would ask: 200 with the key, 401 once it is revoked, whatever the
    public switch says (a request with a key is never served as anonymous)."""
    settings.PUBLIC_RESULTS = True
    token, key = tokens.issue(make_user(), "website")
    headers = {"Authorization": f"Bearer {key}"}
    assert client.get("/api/v1/competitions/", headers=headers).status_code == 200
    tokens.revoke(token)
    response = client.get("/api/v1/competitions/", headers=headers)
    assert response.status_code == 401
    assert client.get("/api/v1/competitions/").status_code == 200  # the public, without a key


@pytest.mark.django_db
def test_a_logged_in_browser_is_let_in_by_its_session(make_user):
    user = make_user()
    assert viewer(api_request(user=user)) == access.Viewer(user=user)
    assert viewer(api_request(user=make_user("nobody", role=None))) is None


@pytest.mark.django_db
def test_a_bad_key_is_refused_even_from_a_logged_in_browser(make_user, settings):
    settings.PUBLIC_RESULTS = True
    request = api_request("rt_" + "a" * 40, user=make_user())
    assert viewer(request) is None


# --- the account page ------------------------------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize("role", ["teacher", "office", "administrator"])
def test_every_role_manages_its_own_keys(role, make_user, client):
    user = make_user(role=role, is_staff=role == "administrator")
    client.force_login(user)
    page = client.get(PROFILE)
    assert page.status_code == 200
    assert "No keys yet." in page.content.decode()

    made = client.post(PROFILE, {"name": "College website", "expires": "90"})
    assert made.status_code == 200
    assert "no-store" in made["Cache-Control"]
    key = new_key_on_page(made)
    assert "it will not be shown again" in made.content.decode()
    token = ApiToken.objects.get(user=user)
    assert token.name == "College website" and token.prefix == key[:8]
    assert timedelta(days=89) < token.expires_at - timezone.now() <= timedelta(days=90)
    assert viewer(api_request(key)).user == user

    listed = client.get(PROFILE).content.decode()
    assert key not in listed  # shown once
    assert key[:8] in listed and "College website" in listed

    revoke_url = reverse("api-token-revoke", args=[token.pk])
    assert revoke_url in listed
    confirm = client.get(revoke_url)
    assert confirm.status_code == 200
    assert "Revoke this key" in confirm.content.decode()
    token.refresh_from_db()
    assert token.revoked_at is None  # asking is not revoking

    done = client.post(revoke_url, follow=True)
    assert done.redirect_chain[-1][0] == PROFILE
    assert "is revoked" in done.content.decode()
    token.refresh_from_db()
    assert token.revoked_at is not None
    assert viewer(api_request(key)) is None
    assert client.post(revoke_url).status_code == 404  # revoked already


@pytest.mark.django_db
def test_making_and_revoking_a_key_is_in_the_admins_history(make_user, client):
    user = make_user()
    client.force_login(user)
    client.post(PROFILE, {"name": "a", "expires": "never"})
    token = ApiToken.objects.get()
    client.post(reverse("api-token-revoke", args=[token.pk]))
    entries = LogEntry.objects.filter(object_id=str(token.pk), user=user).order_by("pk")
    assert [entry.get_change_message() for entry in entries] == ["Added.", "Changed revoked."]


@pytest.mark.django_db
def test_another_users_key_cannot_be_revoked(make_user, client):
    theirs, key = tokens.issue(make_user("bob"), "theirs")
    client.force_login(make_user("alice", role="administrator", is_staff=True, is_superuser=True))
    url = reverse("api-token-revoke", args=[theirs.pk])
    assert client.get(url).status_code == 404
    assert client.post(url).status_code == 404
    theirs.refresh_from_db()
    assert theirs.revoked_at is None
    assert "theirs" not in client.get(PROFILE).content.decode()
    assert tokens.find(key) is not None


@pytest.mark.django_db
def test_a_key_needs_a_name(make_user, client):
    client.force_login(make_user())
    response = client.post(PROFILE, {"name": "   ", "expires": "never"})
    assert response.status_code == 200
    assert 'id="new-key"' not in response.content.decode()
    assert not ApiToken.objects.exists()


@pytest.mark.django_db
def test_a_user_has_at_most_ten_working_keys(make_user, client):
    user = make_user()
    for number in range(tokens.MAX_ACTIVE):
        token, _key = tokens.issue(user, f"key {number}")
    client.force_login(user)
    refused = client.post(PROFILE, {"name": "one more", "expires": "never"})
    assert "You have the most working keys allowed (10)" in refused.content.decode()
    assert 'id="new-key"' not in refused.content.decode()
    assert ApiToken.objects.filter(user=user).count() == tokens.MAX_ACTIVE
    tokens.revoke(token)  # revoked and expired keys do not count
    ApiToken.objects.filter(name="key 0").update(expires_at=timezone.now())
    new_key_on_page(client.post(PROFILE, {"name": "one more", "expires": "never"}))
    new_key_on_page(client.post(PROFILE, {"name": "and another", "expires": "never"}))


@pytest.mark.django_db
def test_the_forms_need_the_csrf_token(make_user):
    user = make_user()
    token, _key = tokens.issue(user, "a")
    client = Client(enforce_csrf_checks=True)
    client.force_login(user)
    revoke_url = reverse("api-token-revoke", args=[token.pk])
    assert client.post(PROFILE, {"name": "b", "expires": "never"}).status_code == 403
    assert client.post(revoke_url).status_code == 403
    assert ApiToken.objects.count() == 1 and ApiToken.objects.get().revoked_at is None

    client.get(PROFILE)  # sets the CSRF cookie
    csrf = client.cookies["csrftoken"].value
    new_key_on_page(client.post(PROFILE, {"name": "b", "expires": "never", "csrfmiddlewaretoken": csrf}))
    assert client.post(revoke_url, {"csrfmiddlewaretoken": csrf}).status_code == 302


@pytest.mark.django_db
def test_anonymous_visitors_are_sent_to_log_in(make_user, client):
    token, _key = tokens.issue(make_user(), "a")
    for url in (PROFILE, reverse("password_change"), reverse("api-token-revoke", args=[token.pk])):
        for method in (client.get, client.post):
            response = method(url)
            assert response.status_code == 302
            assert response["Location"].startswith(reverse("login"))
    assert not ApiToken.objects.filter(revoked_at__isnull=False).exists()


@pytest.mark.django_db
def test_a_user_without_a_role_cannot_open_the_account_page(make_user, client):
    client.force_login(make_user(role=None))
    assert client.get(PROFILE).status_code == 403
    assert client.post(PROFILE, {"name": "a", "expires": "never"}).status_code == 403
    assert not ApiToken.objects.exists()


@pytest.mark.django_db
def test_the_account_page_shows_who_you_are(make_user, client):
    client.force_login(make_user(role="office", first_name="Ann", last_name="Lee"))
    page = client.get(PROFILE).content.decode()
    assert "Ann Lee" in page and "competition office" in page and "English" in page
    assert reverse("password_change") in page
    assert reverse("api-v1:openapi-view") in page
    assert f'href="{PROFILE}"' in client.get(reverse("competitions:competition-list")).content.decode()


@pytest.mark.django_db
def test_the_account_page_reads_a_bounded_number_of_queries(make_user, client, django_assert_max_num_queries):
    user = make_user()
    client.force_login(user)
    for count in (1, 9):
        ApiToken.objects.all().delete()
        for number in range(count):
            tokens.issue(user, f"key {number}")
        with django_assert_max_num_queries(8):
            assert client.get(PROFILE).status_code == 200


@pytest.mark.django_db
def test_the_password_is_changed_on_its_own_page(make_user, client):
    user = make_user()
    client.force_login(user)
    assert client.get(reverse("password_change")).status_code == 200
    response = client.post(
        reverse("password_change"),
        {
            "old_password": PASSWORD,
            "new_password1": "another-long-password-9",
            "new_password2": "another-long-password-9",
        },
        follow=True,
    )
    assert response.redirect_chain[-1][0] == PROFILE
    assert "Your password is changed." in response.content.decode()
    user.refresh_from_db()
    assert user.check_password("another-long-password-9")
    assert client.get(PROFILE).status_code == 200  # still logged in


# --- administrators: everyone's keys in the admin --------------------------------------------------


@pytest.fixture
def admin_client(make_user, client):
    client.force_login(make_user("root", role="administrator", is_staff=True, is_superuser=True))
    return client


@pytest.mark.django_db
def test_the_admin_lists_keys_without_their_digest(make_user, admin_client, django_assert_max_num_queries):
    for name in ("bob", "carol", "dave"):
        tokens.issue(make_user(name), f"{name}'s script")
    with django_assert_max_num_queries(12):
        page = admin_client.get(reverse("admin:competitions_apitoken_changelist"))
    content = page.content.decode()
    assert page.status_code == 200
    assert "bob&#x27;s script" in content and "carol" in content
    for token in ApiToken.objects.all():
        assert token.digest not in content
        assert token.prefix in content
        change = admin_client.get(reverse("admin:competitions_apitoken_change", args=[token.pk]))
        assert change.status_code == 200 and token.digest not in change.content.decode()
    for query in ("?state=working", "?state=revoked", "?state=expired", "?q=bob"):
        assert admin_client.get(reverse("admin:competitions_apitoken_changelist") + query).status_code == 200


@pytest.mark.django_db
def test_an_administrator_makes_a_key_for_a_user_and_sees_it_once(make_user, admin_client):
    bob = make_user("bob")
    response = admin_client.post(
        reverse("admin:competitions_apitoken_add"), {"user": bob.pk, "name": "Bob's script"}, follow=True
    )
    assert response.status_code == 200
    key = re.search(r"rt_[A-Za-z0-9_-]{40}", response.content.decode()).group(0)
    token = ApiToken.objects.get()
    assert token.user == bob and token.digest == tokens.digest(key)
    assert viewer(api_request(key)).user == bob
    assert key not in admin_client.get(reverse("admin:competitions_apitoken_changelist")).content.decode()


@pytest.mark.django_db
def test_an_administrator_revokes_anyones_keys(make_user, admin_client):
    _bobs, bob_key = tokens.issue(make_user("bob"), "a")
    _carols, carol_key = tokens.issue(make_user("carol", role="office"), "b")
    _kept, kept_key = tokens.issue(make_user("dave"), "c")
    chosen = ApiToken.objects.exclude(name="c").values_list("pk", flat=True)
    response = admin_client.post(
        reverse("admin:competitions_apitoken_changelist"),
        {"action": "revoke_selected", "_selected_action": list(chosen)},
        follow=True,
    )
    assert "2 keys revoked." in response.content.decode()
    assert viewer(api_request(bob_key)) is None and viewer(api_request(carol_key)) is None
    assert viewer(api_request(kept_key)) is not None
    assert LogEntry.objects.filter(change_message__contains="revoked").count() == 2


@pytest.mark.django_db
@pytest.mark.parametrize("role", ["teacher", "office"])
def test_the_admin_of_keys_is_for_administrators_only(role, make_user, client):
    client.force_login(make_user(role=role))
    assert client.get(reverse("admin:competitions_apitoken_changelist")).status_code == 302
