"""API tokens: idle expiry, last use written at most once a minute, tied to the password, listed
and revoked by their owner (page and API)."""

import datetime
import json

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from linli.accounts import services
from linli.accounts.models import ApiToken
from linli.conftest import PASSWORD
from linli.core.models import AuditEvent


def bearer(key: str) -> Client:
    return Client(headers={"Authorization": f"Bearer {key}"})


def issue(user, name: str = "") -> tuple[str, ApiToken]:
    key = services.api_token_issue(actor=user, name=name)
    return key, ApiToken.objects.get(key_hash=ApiToken.hash_key(key))


@pytest.mark.django_db
class TestIdleExpiry:
    def test_a_token_unused_for_the_configured_days_stops_working(self, world, settings):
        key, token = issue(world.worker_a)
        idle = timezone.now() - datetime.timedelta(days=settings.API_TOKEN_DAYS, minutes=1)
        ApiToken.objects.filter(pk=token.pk).update(
            last_used_at=idle, expires_at=idle + datetime.timedelta(days=settings.API_TOKEN_DAYS)
        )
        assert bearer(key).get("/api/v1/me").status_code == 401

    def test_each_use_moves_the_expiry_forward(self, world, settings):
        settings.API_TOKEN_DAYS = 2
        key, token = issue(world.worker_a)
        earlier = timezone.now() - datetime.timedelta(days=1, hours=23)
        ApiToken.objects.filter(pk=token.pk).update(
            last_used_at=earlier, expires_at=earlier + datetime.timedelta(days=2)
        )
        assert bearer(key).get("/api/v1/me").status_code == 200
        token.refresh_from_db()
        assert token.last_used_at > timezone.now() - datetime.timedelta(minutes=1)
        assert token.expires_at > timezone.now() + datetime.timedelta(days=1, hours=23)

    def test_a_new_token_expires_after_the_idle_days(self, world, settings):
        settings.API_TOKEN_DAYS = 7
        _key, token = issue(world.worker_a)
        expected = timezone.now() + datetime.timedelta(days=7)
        assert abs((token.expires_at - expected).total_seconds()) < 60


@pytest.mark.django_db
class TestLastUsed:
    def test_the_first_use_is_written(self, world):
        key, token = issue(world.worker_a)
        assert token.last_used_at is None
        bearer(key).get("/api/v1/me")
        token.refresh_from_db()
        assert token.last_used_at is not None

    def test_it_is_written_at_most_once_a_minute(self, world):
        key, token = issue(world.worker_a)
        client = bearer(key)
        client.get("/api/v1/me")
        token.refresh_from_db()
        first = token.last_used_at
        with CaptureQueriesContext(connection) as queries:
            for _ in range(3):
                assert client.get("/api/v1/me").status_code == 200
        assert not [q for q in queries if q["sql"].upper().startswith("UPDATE")]
        token.refresh_from_db()
        assert token.last_used_at == first

    def test_it_is_written_again_after_a_minute(self, world):
        key, token = issue(world.worker_a)
        old = timezone.now() - datetime.timedelta(seconds=61)
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=old)
        bearer(key).get("/api/v1/me")
        token.refresh_from_db()
        assert token.last_used_at > old


@pytest.mark.django_db
class TestTokensEndWithThePassword:
    def test_a_password_change_revokes_the_users_tokens(self, world):
        key, _token = issue(world.worker_a)
        other_key, _other = issue(world.worker_b)
        services.password_change(actor=world.worker_a, new_password="a-brand-new-passphrase")
        assert bearer(key).get("/api/v1/me").status_code == 401
        assert not ApiToken.objects.filter(user=world.worker_a).exists()
        assert bearer(other_key).get("/api/v1/me").status_code == 200

    def test_a_password_set_by_any_other_route_ends_them_too(self, world):
        key, _token = issue(world.worker_a)
        world.worker_a.set_password("changed-in-the-admin-123")  # the admin or a command
        world.worker_a.save()
        assert bearer(key).get("/api/v1/me").status_code == 401

    def test_a_disabled_user_s_token_stops(self, world):
        key, _token = issue(world.worker_a)
        world.worker_a.is_active = False
        world.worker_a.save()
        assert bearer(key).get("/api/v1/me").status_code == 401


@pytest.mark.django_db
class TestTokenListApi:
    def test_it_lists_only_the_callers_tokens_and_never_the_token(self, world):
        key, token = issue(world.worker_a, name="张三的手机")
        issue(world.worker_b)
        body = bearer(key).get("/api/v1/auth/tokens").json()
        assert [t["id"] for t in body] == [token.pk]
        assert body[0]["name"] == "张三的手机" and body[0]["prefix"] == key[:6]
        assert key not in json.dumps(body)

    def test_the_token_endpoint_takes_a_device_name(self, world):
        response = Client().post(
            "/api/v1/auth/token",
            json.dumps({"username": "worker_a", "password": PASSWORD, "name": "office tablet"}),
            content_type="application/json",
        )
        assert response.status_code == 200
        assert ApiToken.objects.get(user=world.worker_a).name == "office tablet"

    def test_the_owner_revokes_a_token(self, world):
        key, token = issue(world.worker_a)
        second, _ = issue(world.worker_a)
        assert bearer(second).delete(f"/api/v1/auth/tokens/{token.pk}").status_code == 204
        assert bearer(key).get("/api/v1/me").status_code == 401
        assert bearer(second).get("/api/v1/me").status_code == 200
        assert AuditEvent.objects.filter(verb="api_token.revoke").count() == 1

    def test_another_users_token_answers_404(self, world):
        _key, token = issue(world.worker_b)
        key, _ = issue(world.worker_a)
        assert bearer(key).delete(f"/api/v1/auth/tokens/{token.pk}").status_code == 404
        assert ApiToken.objects.filter(pk=token.pk).exists()

    def test_hostile_ids_are_4xx(self, world):
        key, _ = issue(world.worker_a)
        client = bearer(key)
        for bad in ("99999999999999999999999", "-1", "0", "%C2%B2", "abc"):
            assert 400 <= client.delete(f"/api/v1/auth/tokens/{bad}").status_code < 500

    def test_it_needs_authentication(self, db):
        assert Client().get("/api/v1/auth/tokens").status_code == 401


@pytest.mark.django_db
class TestTokenPage:
    def test_it_lists_the_users_tokens_with_a_confirmed_revoke(self, world, client_for):
        _key, token = issue(world.worker_a, name="张三的手机")
        issue(world.worker_b, name="someone-else")
        response = client_for(world.worker_a).get("/accounts/tokens/")
        page = response.content.decode()
        assert response.status_code == 200
        assert "张三的手机" in page and "someone-else" not in page
        assert f"/accounts/tokens/{token.pk}/revoke/" in page and "data-confirm" in page

    def test_the_account_menu_links_to_it(self, world, client_for):
        page = client_for(world.volunteer_a).get("/").content.decode()
        assert "/accounts/tokens/" in page and "/accounts/password/" in page

    def test_revoking_a_token(self, world, client_for):
        key, token = issue(world.worker_a)
        client = client_for(world.worker_a)
        response = client.post(f"/accounts/tokens/{token.pk}/revoke/")
        assert response.status_code == 302
        assert not ApiToken.objects.filter(pk=token.pk).exists()
        assert bearer(key).get("/api/v1/me").status_code == 401

    def test_revoking_needs_a_post(self, world, client_for):
        _key, token = issue(world.worker_a)
        assert (
            client_for(world.worker_a).get(f"/accounts/tokens/{token.pk}/revoke/").status_code
            == 405
        )

    def test_another_users_token_answers_404(self, world, client_for):
        _key, token = issue(world.worker_b)
        response = client_for(world.worker_a).post(f"/accounts/tokens/{token.pk}/revoke/")
        assert response.status_code == 404
        assert ApiToken.objects.filter(pk=token.pk).exists()

    def test_a_huge_id_is_404_not_500(self, world, client_for):
        response = client_for(world.worker_a).post(
            "/accounts/tokens/99999999999999999999999/revoke/"
        )
        assert response.status_code == 404

    def test_it_needs_login(self, db):
        assert Client().get("/accounts/tokens/").status_code == 302
