"""A user changes their own password; a station admin resets a worker's, volunteer's or resident's
password in their community, and that user must change it at the next login."""

import json

import pytest
from django.test import Client

from linli.accounts import services
from linli.accounts.models import ApiToken, LoginFailure, User
from linli.accounts.roles import Role
from linli.conftest import PASSWORD
from linli.core.errors import NotFound, PermissionDenied
from linli.core.models import AuditEvent

NEW = "a-brand-new-passphrase"


def change(client, old, new, new2=None):
    return client.post(
        "/accounts/password/",
        {"old_password": old, "new_password1": new, "new_password2": new2 or new},
    )


def token_for(username, password):
    return Client().post(
        "/api/v1/auth/token",
        json.dumps({"username": username, "password": password}),
        content_type="application/json",
    )


@pytest.mark.django_db
class TestChangingOnesOwnPassword:
    def test_the_page_changes_it_and_keeps_this_session(self, world, client_for):
        key = services.api_token_issue(actor=world.worker_a)
        client = client_for(world.worker_a)
        other_device = client_for(world.worker_a)
        response = change(client, PASSWORD, NEW)
        assert response.status_code == 302
        assert client.get("/residents/").status_code == 200  # still logged in here
        assert other_device.get("/residents/").status_code == 302  # logged out elsewhere
        world.worker_a.refresh_from_db()
        assert world.worker_a.check_password(NEW)
        assert (
            Client(headers={"Authorization": f"Bearer {key}"}).get("/api/v1/me").status_code == 401
        )
        event = AuditEvent.objects.get(verb="user.password_change")
        assert event.actor == world.worker_a and event.details["tokens_revoked"] == 1

    def test_a_wrong_current_password_is_refused(self, world, client_for):
        response = change(client_for(world.worker_a), "not-my-password", NEW)
        assert response.status_code == 200
        assert response.context["form"].errors["old_password"]
        world.worker_a.refresh_from_db()
        assert world.worker_a.check_password(PASSWORD)

    @pytest.mark.parametrize("weak", ["abc", "12345678", "password", "worker_a1"])
    def test_djangos_password_validators_apply(self, world, client_for, weak):
        response = change(client_for(world.worker_a), PASSWORD, weak)
        assert response.status_code == 200
        assert response.context["form"].errors["new_password2"]
        assert not AuditEvent.objects.filter(verb="user.password_change").exists()

    def test_the_two_new_passwords_must_match(self, world, client_for):
        response = change(client_for(world.worker_a), PASSWORD, NEW, NEW + "x")
        assert response.context["form"].errors["new_password2"]

    def test_the_service_applies_the_validators_too(self, world):
        from django.core.exceptions import ValidationError

        with pytest.raises(ValidationError):
            services.password_change(actor=world.worker_a, new_password="123")

    def test_it_needs_login(self, db):
        assert Client().get("/accounts/password/").status_code == 302


@pytest.fixture
def fellow_admin(world):
    user = User.objects.create_user(username="station_a2", password=PASSWORD)
    services.membership_grant(
        actor=None, user=user, role=Role.STATION_ADMIN, community_id=world.a.pk
    )
    return user


@pytest.mark.django_db
class TestAStationAdminResetsAPassword:
    def test_it_gives_a_temporary_password_shown_once(self, world, client_for):
        key = services.api_token_issue(actor=world.worker_a)
        response = client_for(world.station_a).post(
            f"/accounts/users/{world.worker_a.pk}/reset-password/", follow=True
        )
        assert response.redirect_chain == [
            (f"/accounts/users/{world.worker_a.pk}/reset-password/", 302)
        ]
        assert response.status_code == 200
        assert response["Cache-Control"] == "no-store"
        temporary = response.context["temporary"]
        assert len(temporary) == 10 and temporary in response.content.decode()
        world.worker_a.refresh_from_db()
        assert world.worker_a.check_password(temporary)
        assert world.worker_a.must_change_password
        assert not ApiToken.objects.filter(user=world.worker_a).exists()
        assert (
            Client(headers={"Authorization": f"Bearer {key}"}).get("/api/v1/me").status_code == 401
        )
        event = AuditEvent.objects.get(verb="user.password_reset")
        assert event.actor == world.station_a and event.community_id == world.a.pk
        assert event.target_id == str(world.worker_a.pk)
        assert temporary not in json.dumps(event.details)

    @pytest.mark.parametrize("persona", ["volunteer_a", "resident_a"])
    def test_volunteers_and_residents_too(self, world, persona):
        target = getattr(world, persona)
        services.password_reset(actor=world.station_a, user_id=target.pk)
        target.refresh_from_db()
        assert target.must_change_password

    def test_it_clears_the_users_lockout(self, world):
        for _ in range(5):
            Client().post("/accounts/login/", {"username": "worker_a", "password": "wrong"})
        temporary = services.password_reset(actor=world.station_a, user_id=world.worker_a.pk)
        assert not LoginFailure.objects.filter(identity=f"user:{world.worker_a.pk}").exists()
        response = Client().post(
            "/accounts/login/", {"username": "worker_a", "password": temporary}
        )
        assert response.status_code == 302

    def test_another_communitys_user_answers_404(self, world, client_for):
        response = client_for(world.station_a).post(
            f"/accounts/users/{world.worker_b.pk}/reset-password/"
        )
        assert response.status_code == 404
        world.worker_b.refresh_from_db()
        assert world.worker_b.check_password(PASSWORD) and not world.worker_b.must_change_password

    def test_unknown_and_huge_ids_answer_404(self, world, client_for):
        client = client_for(world.station_a)
        assert client.post("/accounts/users/999999/reset-password/").status_code == 404
        assert (
            client.post("/accounts/users/99999999999999999999999/reset-password/").status_code
            == 404
        )

    @pytest.mark.parametrize("persona", ["worker_a", "volunteer_a", "street_admin", "outsider"])
    def test_other_roles_may_not_reset(self, world, client_for, persona):
        client = client_for(getattr(world, persona))
        response = client.post(f"/accounts/users/{world.resident_a.pk}/reset-password/")
        assert response.status_code == 403
        assert client.get("/accounts/users/").status_code == 403
        world.resident_a.refresh_from_db()
        assert not world.resident_a.must_change_password

    def test_a_fellow_station_admin_is_refused(self, world, fellow_admin, client_for):
        with pytest.raises(PermissionDenied):
            services.password_reset(actor=world.station_a, user_id=fellow_admin.pk)
        response = client_for(world.station_a).post(
            f"/accounts/users/{fellow_admin.pk}/reset-password/", follow=True
        )
        assert response.redirect_chain[-1][0] == "/accounts/users/"
        fellow_admin.refresh_from_db()
        assert fellow_admin.check_password(PASSWORD) and not fellow_admin.must_change_password

    def test_a_street_admin_is_refused(self, world):
        services.membership_grant(
            actor=None, user=world.street_admin, role=Role.VOLUNTEER, community_id=world.a.pk
        )
        with pytest.raises(PermissionDenied):
            services.password_reset(actor=world.station_a, user_id=world.street_admin.pk)

    def test_a_user_working_in_another_community_too_is_refused(self, world):
        services.membership_grant(
            actor=None, user=world.volunteer_a, role=Role.VOLUNTEER, community_id=world.b.pk
        )
        with pytest.raises(PermissionDenied):
            services.password_reset(actor=world.station_a, user_id=world.volunteer_a.pk)

    def test_staff_and_oneself_are_refused(self, world):
        world.worker_a.is_staff = True
        world.worker_a.save()
        with pytest.raises(PermissionDenied):
            services.password_reset(actor=world.station_a, user_id=world.worker_a.pk)
        with pytest.raises(PermissionDenied):
            services.password_reset(actor=world.station_a, user_id=world.station_a.pk)

    def test_an_outsider_is_not_found(self, world):
        with pytest.raises(NotFound):
            services.password_reset(actor=world.station_a, user_id=world.outsider.pk)


@pytest.mark.django_db
class TestTheUserListPage:
    def test_a_station_admin_sees_their_communitys_users(self, world, fellow_admin, client_for):
        response = client_for(world.station_a).get("/accounts/users/")
        page = response.content.decode()
        assert response.status_code == 200
        names = {user.username for user, _refusal, _locked in response.context["rows"]}
        assert {"worker_a", "volunteer_a", "resident_a", "station_a2"} <= names
        assert "worker_b" not in names and "outsider" not in names
        assert f"/accounts/users/{world.worker_a.pk}/reset-password/" in page
        assert f"/accounts/users/{fellow_admin.pk}/reset-password/" not in page
        assert "data-confirm" in page

    def test_the_menu_links_to_it_only_for_station_admins(self, world, client_for):
        assert "/accounts/users/" in client_for(world.station_a).get("/").content.decode()
        for persona in ("worker_a", "street_admin", "volunteer_a"):
            page = client_for(getattr(world, persona)).get("/").content.decode()
            assert "/accounts/users/" not in page


@pytest.mark.django_db
class TestTheForcedChange:
    @pytest.fixture
    def temporary(self, world):
        return services.password_reset(actor=world.station_a, user_id=world.volunteer_a.pk)

    def test_every_page_leads_to_the_change_page(self, world, temporary):
        client = Client()
        login = client.post("/accounts/login/", {"username": "volunteer_a", "password": temporary})
        assert login.status_code == 302
        for url in ("/", "/me/", "/residents/", "/accounts/tokens/"):
            response = client.get(url)
            assert response.status_code == 302
            assert response["Location"] == "/accounts/password/"
        assert client.get("/accounts/password/").context["forced"] is True
        assert client.get("/api/v1/me").status_code == 403

    def test_the_api_refuses_a_token_with_a_clear_message(self, world, temporary, english):
        response = token_for("volunteer_a", temporary)
        assert response.status_code == 403
        assert "temporary password" in response.json()["detail"]
        assert not ApiToken.objects.filter(user=world.volunteer_a).exists()

    def test_changing_it_frees_the_user(self, world, temporary):
        client = Client()
        client.post("/accounts/login/", {"username": "volunteer_a", "password": temporary})
        assert change(client, temporary, NEW).status_code == 302
        world.volunteer_a.refresh_from_db()
        assert not world.volunteer_a.must_change_password
        assert client.get("/").status_code == 200
        assert token_for("volunteer_a", NEW).status_code == 200

    def test_logging_out_is_allowed(self, world, temporary):
        client = Client()
        client.post("/accounts/login/", {"username": "volunteer_a", "password": temporary})
        assert client.post("/accounts/logout/").status_code == 302
        assert "_auth_user_id" not in client.session
