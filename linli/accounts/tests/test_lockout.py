"""Login lockout (ADR 0012): counted on the identity a typed name resolves to, per address, shared
by the login page, the admin login and ``POST /api/v1/auth/token``."""

import datetime
import json

import pytest
from django.test import Client, RequestFactory
from django.utils import timezone

from linli.accounts import lockout
from linli.accounts.models import LoginFailure
from linli.conftest import PASSWORD

MOBILE = "13800001234"
# Every way of typing station_a's name (or mobile number) that logs in as station_a.
VARIANTS = [
    " station_a",
    "station_a ",
    "\u3000station_a",  # the ideographic space of a Chinese keyboard
    "station_a\u3000",
    "\u200bstation_a",  # a zero-width space pasted from a chat
    "ｓｔａｔｉｏｎ＿ａ",  # full-width letters
    "STATION_A",
    "Station_A",
    MOBILE,
    "138 0000 1234",
    "138-0000-1234",
    "+86 138-0000-1234",
    "+8613800001234",
    "008613800001234",
    "１３８００００１２３４",  # full-width digits
    "＋８６ １３８ ００００ １２３４",
]


def api_token(client, username, password, **extra):
    return client.post(
        "/api/v1/auth/token",
        json.dumps({"username": username, "password": password}),
        content_type="application/json",
        **extra,
    )


def html_login(client, username, password, **extra):
    return client.post("/accounts/login/", {"username": username, "password": password}, **extra)


@pytest.fixture
def station(world):
    world.station_a.set_mobile(MOBILE)
    world.station_a.save()
    return world.station_a


@pytest.mark.django_db
class TestTheIdentityIsNormalised:
    @pytest.mark.parametrize("typed", VARIANTS)
    def test_each_variant_logs_in_as_the_same_user(self, station, typed):
        client = Client()
        assert html_login(client, typed, PASSWORD).status_code == 302
        assert client.session["_auth_user_id"] == str(station.pk)

    @pytest.mark.parametrize("typed", VARIANTS)
    def test_each_variant_counts_towards_the_same_lockout(self, station, typed):
        client = Client()
        for wrong in VARIANTS[:4]:
            html_login(client, wrong, "wrong")
        assert html_login(client, typed, "wrong").status_code == 200  # the 5th failure
        response = html_login(client, typed, PASSWORD)
        assert response.status_code == 429
        assert "_auth_user_id" not in client.session
        assert api_token(Client(), "station_a", PASSWORD).status_code == 429

    def test_mixing_every_variant_never_buys_a_sixth_try(self, station):
        client = Client()
        for typed in VARIANTS[:5]:
            html_login(client, typed, "wrong")
        for typed in VARIANTS:
            assert html_login(client, typed, PASSWORD).status_code == 429
        assert LoginFailure.objects.count() == 5  # refused tries are not counted again

    def test_two_users_whose_names_differ_only_in_case_are_not_merged(self, world):
        from linli.accounts.models import User

        User.objects.create_user(username="Twin", password="other-password-123")
        User.objects.create_user(username="twin", password="another-password-456")
        assert html_login(Client(), "twin", "another-password-456").status_code == 302
        assert html_login(Client(), "TWIN", "another-password-456").status_code == 200


@pytest.mark.django_db
class TestTheLoginPageAndTheApiShareTheLockout:
    def test_failures_on_the_api_lock_the_page(self, station):
        for _ in range(5):
            assert api_token(Client(), " station_a", "wrong").status_code == 401
        assert html_login(Client(), "station_a", PASSWORD).status_code == 429

    def test_failures_on_the_page_lock_the_api(self, station):
        for typed in ("+86 138-0000-1234", "\u3000station_a", "STATION_A", "138 0000 1234", MOBILE):
            html_login(Client(), typed, "wrong")
        response = api_token(Client(), "station_a", PASSWORD)
        assert response.status_code == 429
        assert response.json()["detail"]

    def test_the_admin_login_is_locked_too(self, station):
        station.is_staff = True
        station.save()
        for _ in range(5):
            api_token(Client(), "station_a", "wrong")
        response = Client().post(
            "/admin/login/", {"username": "station_a", "password": PASSWORD, "next": "/admin/"}
        )
        assert response.status_code == 429

    def test_the_lockout_page_says_what_happened(self, station, english):
        for _ in range(5):
            html_login(Client(), "station_a", "wrong")
        response = html_login(Client(), "station_a", PASSWORD)
        assert "Logging in is paused" in response.content.decode()
        assert "You can log in again after" in response.content.decode()


@pytest.mark.django_db
class TestTheLockoutWindow:
    def test_it_lifts_after_the_cool_off(self, station, settings):
        for _ in range(5):
            html_login(Client(), "station_a", "wrong")
        assert html_login(Client(), "station_a", PASSWORD).status_code == 429
        LoginFailure.objects.update(
            at=timezone.now() - datetime.timedelta(minutes=settings.LINLI_LOGIN_COOLOFF_MINUTES + 1)
        )
        assert html_login(Client(), "station_a", PASSWORD).status_code == 302

    def test_a_right_password_clears_that_identitys_failures(self, station):
        for _ in range(4):
            html_login(Client(), "STATION_A", "wrong")
        assert html_login(Client(), "station_a", PASSWORD).status_code == 302
        assert not LoginFailure.objects.exists()
        for _ in range(4):
            html_login(Client(), "station_a", "wrong")
        assert html_login(Client(), "station_a", PASSWORD).status_code == 302

    def test_a_lock_holds_for_that_address_only(self, station):
        for _ in range(5):
            html_login(Client(), "station_a", "wrong", REMOTE_ADDR="203.0.113.9")
        assert (
            html_login(Client(), "station_a", PASSWORD, REMOTE_ADDR="203.0.113.9").status_code
            == 429
        )
        assert (
            html_login(Client(), "station_a", PASSWORD, REMOTE_ADDR="198.51.100.7").status_code
            == 302
        )

    def test_the_limit_is_a_setting(self, station, settings):
        settings.LINLI_LOGIN_FAILURE_LIMIT = 2
        for _ in range(2):
            html_login(Client(), "station_a", "wrong")
        assert html_login(Client(), "station_a", PASSWORD).status_code == 429


@pytest.mark.django_db
class TestPasswordSprayingFromOneAddress:
    def test_twenty_failures_with_different_names_lock_the_address(self, world):
        spray = "198.51.100.20"
        for n in range(20):
            html_login(Client(), f"guess{n}", "123456", REMOTE_ADDR=spray)
        response = api_token(Client(), "worker_a", PASSWORD, REMOTE_ADDR=spray)
        assert response.status_code == 429
        assert html_login(Client(), "volunteer_a", PASSWORD, REMOTE_ADDR=spray).status_code == 429
        # Other addresses are untouched.
        assert (
            html_login(Client(), "worker_a", PASSWORD, REMOTE_ADDR="198.51.100.21").status_code
            == 302
        )

    def test_nineteen_do_not(self, world):
        for n in range(19):
            html_login(Client(), f"guess{n}", "123456", REMOTE_ADDR="198.51.100.20")
        assert (
            html_login(Client(), "worker_a", PASSWORD, REMOTE_ADDR="198.51.100.20").status_code
            == 302
        )

    def test_logging_in_to_ones_own_account_does_not_reset_the_spraying_count(self, world):
        spray = "198.51.100.30"
        for n in range(19):
            html_login(Client(), f"guess{n}", "123456", REMOTE_ADDR=spray)
        assert html_login(Client(), "worker_a", PASSWORD, REMOTE_ADDR=spray).status_code == 302
        html_login(Client(), "guess-last", "123456", REMOTE_ADDR=spray)
        assert html_login(Client(), "worker_a", PASSWORD, REMOTE_ADDR=spray).status_code == 429

    def test_the_address_limit_is_a_setting(self, world, settings):
        settings.LINLI_LOGIN_ADDRESS_FAILURE_LIMIT = 3
        for n in range(3):
            html_login(Client(), f"guess{n}", "x", REMOTE_ADDR="198.51.100.40")
        assert (
            html_login(Client(), "worker_a", PASSWORD, REMOTE_ADDR="198.51.100.40").status_code
            == 429
        )

    def test_an_ipv6_network_counts_as_one_address(self, world):
        for n in range(20):
            html_login(Client(), f"guess{n}", "x", REMOTE_ADDR=f"2001:db8:1:2::{n + 1:x}")
        response = html_login(Client(), "worker_a", PASSWORD, REMOTE_ADDR="2001:db8:1:2::ffff")
        assert response.status_code == 429
        response = html_login(Client(), "worker_a", PASSWORD, REMOTE_ADDR="2001:db8:1:3::1")
        assert response.status_code == 302


@pytest.mark.django_db
class TestForwardedFor:
    def test_without_the_setting_x_forwarded_for_is_ignored(self, station, settings):
        assert settings.LINLI_TRUSTED_PROXIES == 0
        # An attacker rotating a spoofed header still counts as their own address …
        for n in range(5):
            html_login(Client(), "station_a", "wrong", HTTP_X_FORWARDED_FOR=f"192.0.2.{n}")
        assert html_login(Client(), "station_a", PASSWORD).status_code == 429
        # … and cannot lock out the address they claim to be.
        for n in range(25):
            html_login(
                Client(),
                f"x{n}",
                "wrong",
                REMOTE_ADDR="203.0.113.66",
                HTTP_X_FORWARDED_FOR="198.51.100.99",
            )
        victim = html_login(Client(), "worker_a", PASSWORD, REMOTE_ADDR="198.51.100.99")
        assert victim.status_code == 302
        assert not LoginFailure.objects.filter(address="198.51.100.99").exists()

    def test_behind_a_trusted_proxy_the_forwarded_client_is_used(self, station, settings):
        settings.LINLI_TRUSTED_PROXIES = 1
        proxy = {"REMOTE_ADDR": "10.0.0.2"}
        for _ in range(5):
            html_login(Client(), "station_a", "wrong", HTTP_X_FORWARDED_FOR="203.0.113.5", **proxy)
        locked = html_login(
            Client(), "station_a", PASSWORD, HTTP_X_FORWARDED_FOR="203.0.113.5", **proxy
        )
        assert locked.status_code == 429
        # Another client behind the same proxy is not locked out.
        other = html_login(
            Client(), "station_a", PASSWORD, HTTP_X_FORWARDED_FOR="198.51.100.8", **proxy
        )
        assert other.status_code == 302

    def test_a_client_cannot_spoof_past_the_trusted_proxy(self, station, settings):
        settings.LINLI_TRUSTED_PROXIES = 1
        # The client sends its own X-Forwarded-For; the proxy appends the address it saw.
        for n in range(5):
            html_login(
                Client(),
                "station_a",
                "wrong",
                REMOTE_ADDR="10.0.0.2",
                HTTP_X_FORWARDED_FOR=f"192.0.2.{n}, 203.0.113.5",
            )
        assert set(LoginFailure.objects.values_list("address", flat=True)) == {"203.0.113.5"}

    def test_the_client_address_rules(self, settings):
        rf = RequestFactory()
        assert lockout.client_address(rf.get("/", REMOTE_ADDR="192.0.2.1")) == "192.0.2.1"
        assert lockout.client_address(rf.get("/", REMOTE_ADDR="nonsense")) == "unknown"
        assert lockout.client_address(rf.get("/", REMOTE_ADDR="::ffff:192.0.2.1")) == "192.0.2.1"
        assert lockout.client_address(rf.get("/", REMOTE_ADDR="2001:db8::1")) == "2001:db8::/64"
        settings.LINLI_TRUSTED_PROXIES = 2
        two_hops = rf.get(
            "/", REMOTE_ADDR="10.0.0.3", HTTP_X_FORWARDED_FOR="1.1.1.1, 2.2.2.2, 10.0.0.2"
        )
        assert lockout.client_address(two_hops) == "2.2.2.2"
        short = rf.get("/", REMOTE_ADDR="10.0.0.3", HTTP_X_FORWARDED_FOR="2.2.2.2")
        assert lockout.client_address(short) == "2.2.2.2"
        junk = rf.get("/", REMOTE_ADDR="10.0.0.3", HTTP_X_FORWARDED_FOR="<script>, x")
        assert lockout.client_address(junk) == "unknown"
        assert lockout.client_address(rf.get("/", REMOTE_ADDR="10.0.0.3")) == "10.0.0.3"


@pytest.mark.django_db
class TestNoRawNumbersInTheLockoutTable:
    def test_failed_mobiles_and_names_are_stored_as_ids_or_keyed_hashes(self, station):
        unknown = "13911118888"
        for typed in (
            "+86 138-0000-1234",
            "138 0000 1234",
            unknown,
            "+86 139-1111-8888",
            "somebody",
        ):
            api_token(Client(), typed, "wrong")
            html_login(Client(), typed, "wrong")
        rows = list(LoginFailure.objects.values("identity", "address"))
        assert rows
        dumped = json.dumps(rows, ensure_ascii=False)
        for secret in (MOBILE, unknown, "somebody"):
            assert secret not in dumped.replace(f"user:{station.pk}", "")
        identities = {row["identity"] for row in rows}
        assert f"user:{station.pk}" in identities
        assert all(i.startswith(("user:", "name:")) for i in identities)
        # An unknown number typed in two formats is still one identity.
        assert len(identities) == 3
