"""The API's docs and schema: public in development, behind a login in production
(``LINLI_API_DOCS_PUBLIC``)."""

import pytest
from django.test import Client

DOCS, SCHEMA = "/api/v1/docs", "/api/v1/openapi.json"


@pytest.fixture
def private(settings):
    settings.LINLI_API_DOCS_PUBLIC = False


def test_in_production_an_anonymous_request_is_refused(db, private):
    client = Client()
    assert client.get(SCHEMA).status_code == 401
    response = client.get(DOCS)
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


def test_in_production_a_signed_in_user_reads_them(world, client_for, api_for, private):
    assert client_for(world.worker_a).get(DOCS).status_code == 200
    assert client_for(world.worker_a).get(SCHEMA).json()["info"]["title"] == "Linli API"
    assert api_for(world.worker_a).get(SCHEMA).status_code == 200


def test_a_bad_token_is_refused(db, private):
    client = Client(headers={"Authorization": "Bearer nonsense"})
    assert client.get(SCHEMA).status_code == 401


def test_when_public_anyone_reads_them(db, settings):
    settings.LINLI_API_DOCS_PUBLIC = True
    assert Client().get(SCHEMA).status_code == 200
    assert Client().get(DOCS).status_code == 200


def test_the_default_follows_debug():
    """On in development (DEBUG, as ``e2e/fuzz_api.sh`` runs schemathesis), off otherwise."""
    import importlib
    import os
    from unittest import mock

    import linli.settings as module

    with mock.patch.dict(os.environ, {"DEBUG": "0", "LINLI_DEMO": "1"}):
        os.environ.pop("LINLI_API_DOCS_PUBLIC", None)
        assert importlib.reload(module).LINLI_API_DOCS_PUBLIC is False
    with mock.patch.dict(os.environ, {"DEBUG": "1"}):
        os.environ.pop("LINLI_API_DOCS_PUBLIC", None)
        assert importlib.reload(module).LINLI_API_DOCS_PUBLIC is True
    importlib.reload(module)
