import json

import pytest
from django.test import Client

from linli.accounts.models import ApiToken
from linli.conftest import PASSWORD


def post_json(client, url, data):
    return client.post(url, json.dumps(data), content_type="application/json")


@pytest.mark.django_db
class TestTokens:
    def test_it_issues_a_token_that_authenticates(self, world):
        response = post_json(
            Client(), "/api/v1/auth/token", {"username": "worker_a", "password": PASSWORD}
        )
        assert response.status_code == 200
        token = response.json()["token"]
        assert not ApiToken.objects.filter(key_hash=token).exists()  # only the hash is stored
        me = Client(headers={"Authorization": f"Bearer {token}"}).get("/api/v1/me")
        assert me.status_code == 200
        body = me.json()
        assert body["username"] == "worker_a"
        assert body["memberships"][0]["role"] == "social_worker"

    def test_a_wrong_password_is_401(self, world):
        response = post_json(
            Client(), "/api/v1/auth/token", {"username": "worker_a", "password": "nope"}
        )
        assert response.status_code == 401

    def test_repeated_failures_lock_the_api_too(self, world):
        client = Client()
        for _ in range(5):
            post_json(client, "/api/v1/auth/token", {"username": "worker_a", "password": "no"})
        response = post_json(
            client, "/api/v1/auth/token", {"username": "worker_a", "password": PASSWORD}
        )
        assert response.status_code == 429

    def test_malformed_bodies_are_422(self, db):
        client = Client()
        assert post_json(client, "/api/v1/auth/token", {"username": 1}).status_code == 422
        response = client.post("/api/v1/auth/token", "{not json", content_type="application/json")
        assert 400 <= response.status_code < 500

    def test_a_broken_multipart_body_is_a_4xx_not_500(self, db):
        response = Client().post(
            "/api/v1/auth/token",
            '{"username": "", "password": "x"}',
            content_type="multipart/form-data",
        )
        assert 400 <= response.status_code < 500

    def test_no_or_bad_token_is_401(self, db):
        assert Client().get("/api/v1/me").status_code == 401
        bad = Client(headers={"Authorization": "Bearer nonsense"})
        assert bad.get("/api/v1/me").status_code == 401


@pytest.mark.django_db
class TestCommunitiesEndpoint:
    def test_a_worker_sees_their_community(self, world, api_for):
        body = api_for(world.worker_a).get("/api/v1/communities").json()
        assert body["count"] == 1 and body["items"][0]["id"] == world.a.pk
        assert body["items"][0]["street_name"] == world.street.name

    def test_a_street_admin_sees_the_street(self, world, api_for):
        body = api_for(world.street_admin).get("/api/v1/communities").json()
        assert {c["id"] for c in body["items"]} == {world.a.pk, world.b.pk}

    def test_an_outsider_sees_none(self, world, api_for):
        assert api_for(world.outsider).get("/api/v1/communities").json()["count"] == 0

    def test_the_session_works_for_the_browser(self, world, client_for):
        assert client_for(world.worker_a).get("/api/v1/me").status_code == 200


@pytest.mark.django_db
def test_the_openapi_schema_is_served(client):
    schema = client.get("/api/v1/openapi.json").json()
    assert "/api/v1/residents" in schema["paths"]
    assert "/api/v1/residents/{resident_id}/reveal" in schema["paths"]
