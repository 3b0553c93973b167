"""Schema-driven fuzzing of the whole read API (schemathesis): every operation of
/api/v1/openapi.json, with requests made from the schema (valid and invalid), must never answer
500 and must answer what the schema says (status codes, content types, headers, bodies).

It runs inside the normal test run, on the test database (SQLite, or PostgreSQL in CI): the app is
called in-process through WSGI, in the test's own transaction, once with a teacher's key (the
public switch off) and once anonymously (the public switch on). It reads the schema, so new
endpoints are fuzzed as soon as they exist. Select it with `-m schemathesis`, leave it out with
`-m "not schemathesis"`; SCHEMATHESIS_MAX_EXAMPLES sets the examples per operation (default 25).
"""

import json
import os

import hypothesis
import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from django.test import override_settings
from schemathesis.config import SchemathesisConfig

from competitions.api import api
from config.wsgi import application
from tests.api.results_data import key_for, make_results

pytestmark = [pytest.mark.django_db, pytest.mark.schemathesis]

MAX_EXAMPLES = int(os.environ.get("SCHEMATHESIS_MAX_EXAMPLES", "25"))
FUZZ = hypothesis.settings(
    max_examples=MAX_EXAMPLES,
    deadline=None,  # a shared CI machine is slow now and then; the checks are about answers
    database=None,  # no example database on disk (the test run keeps no cache either)
    suppress_health_check=[hypothesis.HealthCheck.function_scoped_fixture, hypothesis.HealthCheck.too_slow],
    derandomize=True,  # the same cases every run: CI fails for a change, not for luck
)


def served_schema(*, public: bool, coverage: bool):
    """The schema /api/v1/openapi.json serves (test_the_schemas_are_the_ones_served) with the public
    switch off or on, read without a request: collection runs before the test database exists.
    (schemathesis.pytest.from_fixture, which would load it in a fixture, fails on pytest 9: it sets
    the removed `Item._nodeid`.) The app is called in-process (WSGI), in the test's transaction.
    `coverage`: also schemathesis' coverage phase (every boundary and every invalid value of each
    parameter the schema defines, a hundred or two requests an operation), besides the fuzzing."""
    with override_settings(PUBLIC_RESULTS=public):
        raw = json.loads(json.dumps(api.get_openapi_schema()))
    config = SchemathesisConfig.from_dict({"phases": {"coverage": {"enabled": coverage}}})
    loaded = schemathesis.openapi.from_dict(raw, config=config)
    loaded.app = application
    return loaded


# With a key every operation answers, so its run is the thorough one; the anonymous run adds what
# differs for the public (other schemas, 403s) at the fuzzing phase's cost only.
keyed = served_schema(public=False, coverage=True)
public = served_schema(public=True, coverage=False)


@pytest.fixture
def server(settings):
    """Results to read (confirmed and unconfirmed ones), and limits no fuzzing run reaches.

    The WSGI handler closes the database connection at the end of every request; the test's
    transaction lives on it, so, as Django's own test client does, not during the test."""
    settings.ALLOWED_HOSTS = ["*"]
    settings.API_RATE_PER_TOKEN = "100000/min"
    settings.API_RATE_PER_ADDRESS = "100000/min"
    make_results()
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


@pytest.fixture
def teacher_key(server, user, settings):
    settings.PUBLIC_RESULTS = False
    return {"Authorization": key_for(user)["HTTP_AUTHORIZATION"]}


@pytest.fixture
def anonymous(server, settings):
    settings.PUBLIC_RESULTS = True


@pytest.mark.parametrize("switch", [False, True])
def test_the_schemas_are_the_ones_served(client, settings, switch, teacher_key):
    settings.PUBLIC_RESULTS = switch
    served = client.get("/api/v1/openapi.json", headers=teacher_key).json()
    assert served == (public if switch else keyed).raw_schema
    security = served["paths"]["/api/v1/medal-table/"]["get"]["security"]
    assert ({} in security) is switch  # no key needed while the public switch is on


@keyed.parametrize()
@FUZZ
def test_the_api_answers_a_teacher_as_its_schema_says(case, teacher_key):
    case.call_and_validate(headers=teacher_key)


@public.parametrize()
@FUZZ
def test_the_api_answers_the_public_as_its_schema_says(case, anonymous):
    case.call_and_validate()
