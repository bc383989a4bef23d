"""Full-number reveals are limited per user and hour; past the limit 429, and the station admins
hear of it once per window."""

import datetime
import json

import pytest
from django.core.cache import cache
from django.utils import timezone

from linli.core.errors import RateLimited
from linli.core.models import AuditEvent, Notification
from linli.people import services


@pytest.fixture
def limit(settings):
    settings.LINLI_REVEAL_LIMIT = 3
    return 3


def reveal(user, person, field="id_number"):
    return services.person_reveal(actor=user, person_id=person.pk, field=field)


@pytest.mark.django_db
class TestTheRevealLimit:
    def test_past_the_limit_a_reveal_is_refused(self, world, person_a, limit):
        for field in ("id_number", "mobile", "id_number"):
            assert reveal(world.worker_a, person_a, field)
        with pytest.raises(RateLimited) as refused:
            reveal(world.worker_a, person_a, "mobile")
        assert refused.value.status == 429
        assert AuditEvent.objects.filter(verb="person.reveal").count() == 3
        assert AuditEvent.objects.filter(verb="person.reveal_limited").count() == 1

    def test_the_default_is_thirty_an_hour(self, world, person_a, settings):
        assert settings.LINLI_REVEAL_LIMIT == 30
        for _ in range(30):
            reveal(world.worker_a, person_a)
        with pytest.raises(RateLimited):
            reveal(world.worker_a, person_a)

    def test_the_limit_is_per_user(self, world, person_a, limit):
        for _ in range(limit):
            reveal(world.worker_a, person_a)
        assert reveal(world.station_a, person_a) == person_a.id_number

    def test_it_counts_the_last_hour_only(self, world, person_a, limit, monkeypatch):
        for _ in range(limit):
            reveal(world.worker_a, person_a)
        later = timezone.now() + datetime.timedelta(minutes=61)
        monkeypatch.setattr(timezone, "now", lambda: later)
        assert reveal(world.worker_a, person_a) == person_a.id_number

    def test_the_count_lives_in_the_database_not_in_one_process(self, world, person_a, limit):
        for _ in range(limit):
            reveal(world.worker_a, person_a)
        cache.clear()  # another process, or a restarted one, sees the same count
        with pytest.raises(RateLimited):
            reveal(world.worker_a, person_a)

    def test_scope_and_role_are_checked_before_the_limit(self, world, person_b, limit):
        from linli.core.errors import NotFound

        with pytest.raises(NotFound):
            reveal(world.worker_a, person_b)
        assert not AuditEvent.objects.filter(verb__startswith="person.reveal").exists()


@pytest.mark.django_db
class TestTheStationAdminIsTold:
    def test_once_per_window_however_often_the_limit_is_hit(self, world, person_a, limit):
        for _ in range(limit):
            reveal(world.worker_a, person_a)
        for _ in range(3):
            with pytest.raises(RateLimited):
                reveal(world.worker_a, person_a)
        notes = Notification.objects.filter(key__startswith="reveal-limit:")
        assert list(notes.values_list("user_id", flat=True)) == [world.station_a.pk]
        note = notes.get()
        assert note.community_id == world.a.pk
        assert "worker_a" in note.title and "/audit/" in note.url

    def test_again_in_a_later_window(self, world, person_a, limit, monkeypatch):
        for _ in range(limit):
            reveal(world.worker_a, person_a)
        with pytest.raises(RateLimited):
            reveal(world.worker_a, person_a)
        later = timezone.now() + datetime.timedelta(minutes=61)
        monkeypatch.setattr(timezone, "now", lambda: later)
        for _ in range(limit):
            reveal(world.worker_a, person_a)
        with pytest.raises(RateLimited):
            reveal(world.worker_a, person_a)
        assert Notification.objects.filter(key__startswith="reveal-limit:").count() == 2

    def test_a_station_admin_over_the_limit_is_reported_to_the_street(self, world, person_a, limit):
        for _ in range(limit):
            reveal(world.station_a, person_a)
        with pytest.raises(RateLimited):
            reveal(world.station_a, person_a)
        told = Notification.objects.filter(key__startswith="reveal-limit:")
        assert list(told.values_list("user_id", flat=True)) == [world.street_admin.pk]

    def test_other_communities_admins_are_not_told(self, world, person_b, limit):
        from linli.accounts.roles import Role
        from linli.accounts.services import membership_grant, user_create

        station_b = user_create(actor=None, username="station_b", password="x-long-password")
        membership_grant(
            actor=None, user=station_b, role=Role.STATION_ADMIN, community_id=world.b.pk
        )
        for _ in range(limit):
            reveal(world.worker_b, person_b)
        with pytest.raises(RateLimited):
            reveal(world.worker_b, person_b)
        assert list(
            Notification.objects.filter(key__startswith="reveal-limit:").values_list(
                "user", flat=True
            )
        ) == [station_b.pk]


@pytest.mark.django_db
class TestThePageAndTheApiAnswer429:
    def test_the_api(self, world, person_a, limit, api_for, english):
        client = api_for(world.worker_a)
        url = f"/api/v1/residents/{person_a.pk}/reveal"
        body = json.dumps({"field": "mobile"})
        for _ in range(limit):
            assert client.post(url, body, content_type="application/json").status_code == 200
        response = client.post(url, body, content_type="application/json")
        assert response.status_code == 429
        assert "in the last hour" in response.json()["detail"]
        assert person_a.mobile not in response.content.decode()

    def test_the_page(self, world, person_a, limit, client_for, english):
        client = client_for(world.worker_a)
        url = f"/residents/{person_a.pk}/reveal/"
        for _ in range(limit):
            assert client.post(url, {"field": "id_number"}).status_code == 200
        response = client.post(url, {"field": "id_number"})
        assert response.status_code == 429
        assert "in the last hour" in response.content.decode()
        assert person_a.id_number not in response.content.decode()
