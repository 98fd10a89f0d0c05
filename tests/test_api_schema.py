"""The API keeps the promises its OpenAPI schema makes: schemathesis sends what the schema allows
(and what it does not) to each endpoint of the running Django app, with the demo content loaded,
and checks that nothing is a 500 and every response has the documented status, type and shape."""

import pytest
import schemathesis
from django.core.handlers.wsgi import WSGIHandler
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from hypothesis import HealthCheck, settings

# Read once, when the tests are collected (pytest-django has set Django up by then; the schema
# needs no database). Each operation becomes a test of its own.
schema = schemathesis.openapi.from_wsgi("/api/openapi.json", WSGIHandler())


@pytest.fixture
def kept_connection():
    """Requests to the WSGI app share the test's database connection, as the test client's do: by
    default Django closes it at the end of each request, and with it the test's transaction."""
    for signal in (request_started, request_finished):
        signal.disconnect(close_old_connections)
    yield
    for signal in (request_started, request_finished):
        signal.connect(close_old_connections)


@schema.parametrize()
@settings(max_examples=60, deadline=None, suppress_health_check=list(HealthCheck))
def test_every_endpoint_answers_as_its_schema_says(case, demo, kept_connection):
    case.call_and_validate()


def test_the_schema_and_its_docs_are_served(client, db):
    openapi = client.get("/api/openapi.json").json()
    assert openapi["info"]["title"] == "LDN Evidence API"
    assert set(openapi["paths"]) == {
        "/api/articles/",
        "/api/articles/{slug}/",
        "/api/authors/",
        "/api/authors/{slug}/",
        "/api/tags/",
        "/api/references/",
        "/api/references/{key}/",
        "/api/conditions/{slug}/outcomes/",
    }
    assert all(set(operations) == {"get"} for operations in openapi["paths"].values())  # read-only
    docs = client.get("/api/docs/")
    assert docs.status_code == 200 and b"swagger-ui" in docs.content


def test_head_answers_like_get_without_writing(client, demo):
    assert client.head("/api/articles/").status_code == 200
    response = client.options("/api/articles/")
    assert response.status_code == 405 and response["Allow"] == "GET, HEAD"
