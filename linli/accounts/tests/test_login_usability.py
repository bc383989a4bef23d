"""What a usability test found in logins and passwords: a station's shared address locked out
everyone (device cookie, unlock), a reload of the reset page changed the password again, the
lockout page was a dead end, the forced change asked for the "old" password, tokens could not be
told apart."""

import datetime
import json

import pytest
from django.core import signing
from django.test import Client
from django.utils import timezone

from linli.accounts import devices, services
from linli.accounts.models import ApiToken, LoginFailure
from linli.conftest import PASSWORD
from linli.core.models import AuditEvent

STATION_WIFI = "203.0.113.50"
CHROME_ANDROID = (
    "Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/120.0.6099.144 Mobile Safari/537.36"
)


def login(client, username, password, address=STATION_WIFI):
    return client.post(
        "/accounts/login/", {"username": username, "password": password}, REMOTE_ADDR=address
    )


def api_token(client, username, password, address=STATION_WIFI, **extra):
    return client.post(
        "/api/v1/auth/token",
        json.dumps({"username": username, "password": password}),
        content_type="application/json",
        REMOTE_ADDR=address,
        **extra,
    )


def spray(address=STATION_WIFI, count=20):
    for n in range(count):
        login(Client(), f"guess{n}", "123456", address)


def remembered_browser(user) -> Client:
    """A browser that logged in as ``user`` once (so holds its device cookie) and logged out."""
    client = Client()
    assert login(client, user.username, PASSWORD).status_code == 302
    client.post("/accounts/logout/")
    assert "_auth_user_id" not in client.session
    return client


@pytest.mark.django_db
class TestTheDeviceCookie:
    def test_a_login_sets_a_signed_httponly_long_lived_cookie(self, world):
        client = Client()
        response = login(client, "worker_a", PASSWORD)
        cookie = response.cookies[devices.DEVICE_COOKIE]
        assert cookie["httponly"]
        assert int(cookie["max-age"]) >= 300 * 24 * 3600
        assert cookie.value != str(world.worker_a.pk)  # signed, not the bare id
        assert login(Client(), "worker_a", "wrong").cookies.get(devices.DEVICE_COOKIE) is None

    def test_its_user_logs_in_although_the_station_address_is_locked(self, world):
        browser = remembered_browser(world.worker_a)
        spray()
        assert login(Client(), "worker_a", PASSWORD).status_code == 429  # a new browser
        assert login(Client(), "volunteer_a", PASSWORD).status_code == 429
        response = login(browser, "  WORKER_A", PASSWORD)  # any spelling of the same user
        assert response.status_code == 302
        assert browser.session["_auth_user_id"] == str(world.worker_a.pk)

    def test_it_exempts_only_its_own_user(self, world):
        browser = remembered_browser(world.worker_a)
        spray()
        assert login(browser, "volunteer_a", PASSWORD).status_code == 429
        assert login(browser, "nobody-at-all", PASSWORD).status_code == 429

    def test_the_per_identity_limit_still_holds_for_its_user(self, world):
        browser = remembered_browser(world.worker_a)
        for _ in range(5):
            assert login(browser, "worker_a", "wrong").status_code == 200
        assert login(browser, "worker_a", PASSWORD).status_code == 429

    @pytest.mark.parametrize(
        "forged",
        [
            "{pk}",  # unsigned
            "{pk}:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",  # a made-up signature
            "signed-with-another-salt",
            "signed-for-another-user",
            "",
            "\x00garbage:::",
        ],
    )
    def test_a_forged_or_unsigned_cookie_does_nothing(self, world, forged):
        pk = world.worker_a.pk
        if forged == "signed-with-another-salt":
            value = signing.get_cookie_signer(salt=devices.DEVICE_COOKIE + "x").sign(str(pk))
        elif forged == "signed-for-another-user":
            value = signing.get_cookie_signer(
                salt=devices.DEVICE_COOKIE + devices.DEVICE_SALT
            ).sign(str(world.volunteer_a.pk))
        else:
            value = forged.format(pk=pk)
        spray()
        client = Client()
        client.cookies[devices.DEVICE_COOKIE] = value
        assert login(client, "worker_a", PASSWORD).status_code == 429

    def test_the_api_token_honours_the_cookie_when_an_app_sends_it(self, world):
        browser = remembered_browser(world.worker_a)
        spray()
        assert api_token(Client(), "worker_a", PASSWORD).status_code == 429
        assert api_token(browser, "worker_a", PASSWORD).status_code == 200


@pytest.mark.django_db
class TestAStationAdminUnlocks:
    def lock(self, user, address=STATION_WIFI):
        for _ in range(5):
            login(Client(), user.username, "wrong", address)
        assert login(Client(), user.username, PASSWORD, address).status_code == 429

    def test_the_user_list_shows_who_is_locked_and_until_when(self, world, client_for, english):
        self.lock(world.volunteer_a)
        response = client_for(world.station_a).get("/accounts/users/")
        page = response.content.decode()
        locked = {user.username: until for user, _refusal, until in response.context["rows"]}
        assert locked["volunteer_a"] is not None and locked["worker_a"] is None
        assert f"/accounts/users/{world.volunteer_a.pk}/unlock/" in page
        assert f"/accounts/users/{world.worker_a.pk}/unlock/" not in page
        expected = timezone.localtime(locked["volunteer_a"]).strftime("%H:%M")
        assert f"locked until {expected}" in page
        assert "Unlock volunteer_a?" in page  # the confirmation names the user

    def test_unlocking_lets_them_log_in_and_is_audited(self, world, client_for):
        self.lock(world.volunteer_a)
        self.lock(world.volunteer_a, address="198.51.100.3")
        response = client_for(world.station_a).post(
            f"/accounts/users/{world.volunteer_a.pk}/unlock/"
        )
        assert response.status_code == 302 and response["Location"] == "/accounts/users/"
        assert login(Client(), "volunteer_a", PASSWORD).status_code == 302
        assert login(Client(), "volunteer_a", PASSWORD, "198.51.100.3").status_code == 302
        event = AuditEvent.objects.get(verb="user.unlock")
        assert event.actor == world.station_a and event.community_id == world.a.pk
        assert event.target_id == str(world.volunteer_a.pk)
        assert event.details["failures_cleared"] == 10

    def test_it_does_not_lift_an_address_wide_lock(self, world, client_for):
        spray()
        client_for(world.station_a).post(f"/accounts/users/{world.volunteer_a.pk}/unlock/")
        assert login(Client(), "volunteer_a", PASSWORD).status_code == 429
        assert LoginFailure.objects.count() == 20

    def test_another_communitys_user_answers_404(self, world, client_for):
        self.lock(world.worker_b)
        response = client_for(world.station_a).post(f"/accounts/users/{world.worker_b.pk}/unlock/")
        assert response.status_code == 404
        assert login(Client(), "worker_b", PASSWORD).status_code == 429
        assert not AuditEvent.objects.filter(verb="user.unlock").exists()

    @pytest.mark.parametrize("persona", ["worker_a", "volunteer_a", "street_admin", "outsider"])
    def test_other_roles_may_not_unlock(self, world, client_for, persona):
        self.lock(world.resident_a)
        client = client_for(getattr(world, persona))
        assert client.post(f"/accounts/users/{world.resident_a.pk}/unlock/").status_code == 403
        assert login(Client(), "resident_a", PASSWORD).status_code == 429

    def test_it_takes_a_post_and_a_sane_id(self, world, client_for):
        client = client_for(world.station_a)
        assert client.get(f"/accounts/users/{world.volunteer_a.pk}/unlock/").status_code == 405
        assert client.post("/accounts/users/99999999999999999999999/unlock/").status_code == 404
        assert Client().post(f"/accounts/users/{world.volunteer_a.pk}/unlock/").status_code == 302


@pytest.mark.django_db
class TestTheResetResultPage:
    def url(self, user):
        return f"/accounts/users/{user.pk}/reset-password/"

    def test_a_reload_does_not_change_the_password(self, world, client_for, english):
        client = client_for(world.station_a)
        response = client.post(self.url(world.worker_a))
        assert response.status_code == 302 and response["Location"] == self.url(world.worker_a)
        shown = client.get(self.url(world.worker_a))
        temporary = shown.context["temporary"]
        assert temporary and temporary in shown.content.decode()
        reload = client.get(self.url(world.worker_a))
        assert reload.status_code == 200 and reload["Cache-Control"] == "no-store"
        assert reload.context["temporary"] is None
        assert temporary not in reload.content.decode()
        assert "already shown" in reload.content.decode()
        world.worker_a.refresh_from_db()
        assert world.worker_a.check_password(temporary)
        assert AuditEvent.objects.filter(verb="user.password_reset").count() == 1
        assert "linli_temporary_password" not in client.session

    def test_a_password_is_shown_only_on_its_users_page(self, world, client_for):
        client = client_for(world.station_a)
        client.post(self.url(world.worker_a))
        other = client.get(self.url(world.volunteer_a))
        assert other.context["temporary"] is None
        assert client.get(self.url(world.worker_a)).context["temporary"]

    def test_the_page_of_another_communitys_user_answers_404(self, world, client_for):
        client = client_for(world.station_a)
        assert client.get(self.url(world.worker_b)).status_code == 404
        assert client_for(world.worker_a).get(self.url(world.volunteer_a)).status_code == 403

    def test_the_confirmation_names_the_user_and_the_buttons_are_quiet(
        self, world, client_for, english
    ):
        world.worker_a.display_name = "王某"
        world.worker_a.save()
        page = client_for(world.station_a).get("/accounts/users/").content.decode()
        assert "Give 王某 a temporary password?" in page
        assert "btn-outline-danger" not in page and "btn-danger" not in page
        assert "btn-sm btn-outline-secondary" in page


@pytest.mark.django_db
class TestTheLockoutPage:
    def test_it_says_when_and_leads_back_to_the_login(self, world, english):
        at = timezone.now() - datetime.timedelta(minutes=4)
        LoginFailure.objects.bulk_create(
            LoginFailure(identity=f"user:{world.worker_a.pk}", address=STATION_WIFI, at=at)
            for _ in range(5)
        )
        response = login(Client(), "worker_a", PASSWORD)
        page = response.content.decode()
        assert response.status_code == 429
        assert 'class="navbar' in page  # the normal page around it
        assert 'href="/accounts/login/"' in page
        lifts = timezone.localtime(
            at + datetime.timedelta(minutes=15), timezone.get_fixed_timezone(480)
        )
        assert f"You can log in again after {lifts:%H:%M}." in page
        assert 600 <= int(response["Retry-After"]) <= 11 * 60

    def test_the_api_answer_carries_retry_after(self, world):
        for _ in range(5):
            login(Client(), "worker_a", "wrong")
        response = api_token(Client(), "worker_a", PASSWORD)
        assert response.status_code == 429 and 0 < int(response["Retry-After"]) <= 15 * 60


@pytest.mark.django_db
class TestTriesLeftOnTheLoginForm:
    def messages(self, username):
        seen = []
        for _ in range(5):
            response = login(Client(), username, "wrong")
            assert response.status_code == 200
            seen.append(response.context["tries_left"])
            if response.context["tries_left"] is not None:
                assert 'id="tries-left"' in response.content.decode()
        return seen

    def test_from_the_third_failure_it_says_how_many_tries_are_left(self, world, english):
        assert self.messages("worker_a") == [None, None, 2, 1, 0]
        page = login(Client(), "volunteer_a", "wrong").content.decode()
        assert "tries-left" not in page
        login(Client(), "volunteer_a", "wrong")
        assert (
            "You can try 2 more times before logging in is paused."
            in login(Client(), "volunteer_a", "wrong").content.decode()
        )
        assert "You can try 1 more time" in login(Client(), "volunteer_a", "wrong").content.decode()

    def test_the_last_try_says_when_login_works_again(self, world, english):
        for _ in range(4):
            login(Client(), "worker_a", "wrong")
        page = login(Client(), "worker_a", "wrong").content.decode()
        assert "That was the last try for now: you can log in again after" in page

    def test_an_unknown_name_gets_the_same_count(self, world):
        assert self.messages("no-such-user") == self.messages("worker_a")

    def test_a_success_starts_the_count_again(self, world):
        for _ in range(3):
            login(Client(), "worker_a", "wrong")
        login(Client(), "worker_a", PASSWORD)
        assert login(Client(), "worker_a", "wrong").context["tries_left"] is None


@pytest.mark.django_db
class TestTheForcedChangeAsksForTheTemporaryPassword:
    def test_the_first_box_is_labelled_temporary_password(self, world, english):
        temporary = services.password_reset(actor=world.station_a, user_id=world.volunteer_a.pk)
        client = Client()
        client.post("/accounts/login/", {"username": "volunteer_a", "password": temporary})
        response = client.get("/accounts/password/")
        assert response.context["form"].fields["old_password"].label == "Temporary password"
        page = response.content.decode()
        assert "Type it in the first box" in page and "Old password" not in page
        wrong = client.post(
            "/accounts/password/",
            {
                "old_password": "nope",
                "new_password1": "x-new-pass-99",
                "new_password2": "x-new-pass-99",
            },
        )
        assert "not the temporary password" in wrong.content.decode()

    def test_an_ordinary_change_still_asks_for_the_old_password(self, world, client_for, english):
        response = client_for(world.volunteer_a).get("/accounts/password/")
        assert response.context["form"].fields["old_password"].label == "Old password"


@pytest.mark.django_db
class TestTokensCanBeToldApart:
    def test_an_unnamed_token_is_named_after_the_user_agent(self, world, client_for):
        assert (
            api_token(Client(), "worker_a", PASSWORD, HTTP_USER_AGENT=CHROME_ANDROID).status_code
            == 200
        )
        assert (
            api_token(Client(), "worker_a", PASSWORD, HTTP_USER_AGENT="okhttp/4.12.0").status_code
            == 200
        )
        names = set(ApiToken.objects.filter(user=world.worker_a).values_list("name", flat=True))
        assert names == {"Android · Chrome 120", "okhttp 4"}
        page = client_for(world.worker_a).get("/accounts/tokens/").content.decode()
        assert "Android · Chrome 120" in page
        token = ApiToken.objects.filter(user=world.worker_a).first()
        assert timezone.localtime(token.created_at).strftime("%Y-%m-%d %H:%M") in page

    def test_a_given_name_wins(self, world):
        response = Client().post(
            "/api/v1/auth/token",
            json.dumps({"username": "worker_a", "password": PASSWORD, "name": "前台手机"}),
            content_type="application/json",
            HTTP_USER_AGENT=CHROME_ANDROID,
        )
        assert response.status_code == 200
        assert ApiToken.objects.get(user=world.worker_a).name == "前台手机"

    @pytest.mark.parametrize(
        ("user_agent", "expected"),
        [
            (CHROME_ANDROID, "Android · Chrome 120"),
            (
                "Mozilla/5.0 (iPhone; CPU iPhone OS 17_1 like Mac OS X) AppleWebKit/605.1.15 "
                "(KHTML, like Gecko) Mobile/15E148 MicroMessenger/8.0.44(0x18002c2f) NetType/WIFI",
                "iPhone · WeChat 8",
            ),
            (
                "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
                "Chrome/120.0.0.0 Safari/537.36 Edg/120.0.2210.91",
                "Windows · Edge 120",
            ),
            (
                "MyLinliApp\x00\x1b[31m   build\t7 " + "x" * 100,
                ("MyLinliApp [31m build 7 " + "x" * 100)[:50],
            ),
            ("", ""),
            ("\x00\x01", ""),
        ],
    )
    def test_the_user_agent_is_described_short_and_clean(self, user_agent, expected):
        assert devices.describe_user_agent(user_agent) == expected

    def test_a_hostile_user_agent_is_stored_sanitised(self, world):
        hostile = "<script>alert(1)</script>\r\n\x07" + "界" * 200
        assert api_token(Client(), "worker_a", PASSWORD, HTTP_USER_AGENT=hostile).status_code == 200
        name = ApiToken.objects.get(user=world.worker_a).name
        assert len(name) <= 50 and name.isprintable() and "\n" not in name
