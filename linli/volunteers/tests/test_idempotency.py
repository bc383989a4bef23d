"""Hours are submitted once however often the form or the request is sent with the same
idempotency key, so they can never be verified and credited twice."""

from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from linli.volunteers import services
from linli.volunteers.models import ServiceRecord

pytestmark = pytest.mark.django_db

KEY = "9d2c1b0a-5e4f-4a3b-8c7d-6e5f4a3b2c1d"


@pytest.fixture
def me(world, person_a):
    services.volunteer_register(
        actor=world.worker_a,
        person_id=person_a.pk,
        consent_method="signed",
        user_id=world.volunteer_a.pk,
    )
    world.volunteer_a.refresh_from_db()
    return world.volunteer_a


def hours_body(me):
    return {
        "volunteer_id": me.volunteer.pk,
        "served_on": timezone.localdate().isoformat(),
        "hours": "2.5",
        "description": "送餐",
    }


def post(client, payload, key=KEY):
    return client.post(
        "/api/v1/service-records",
        payload,
        content_type="application/json",
        headers={"Idempotency-Key": key},
    )


class TestHoursOnce:
    def test_hours_posted_twice_to_the_api_are_one_record(self, me, api_for):
        client = api_for(me)
        first, again = post(client, hours_body(me)), post(client, hours_body(me))
        assert first.status_code == again.status_code == 201, again.content
        assert again.json()["id"] == first.json()["id"] and again["Idempotent-Replayed"] == "true"
        assert Decimal(again.json()["hours"]) == Decimal(first.json()["hours"])
        assert ServiceRecord.objects.count() == 1

    def test_the_same_key_with_other_hours_is_409(self, me, api_for):
        client = api_for(me)
        post(client, hours_body(me))
        response = post(client, {**hours_body(me), "hours": "3"})
        assert response.status_code == 409 and ServiceRecord.objects.count() == 1

    def test_the_phone_form_sent_twice_is_one_record(self, me, client_for):
        client = client_for(me)
        assert 'name="idempotency_key"' in client.get(reverse("me:hours")).content.decode()
        form = {
            "served_on": timezone.localdate().isoformat(),
            "hours": "2.5",
            "description": "送餐",
            "idempotency_key": KEY,
        }
        assert client.post(reverse("me:hours"), form).status_code == 302
        assert client.post(reverse("me:hours"), form).status_code == 302
        assert ServiceRecord.objects.count() == 1

    def test_the_stations_form_sent_twice_is_one_record(self, world, me, client_for):
        client = client_for(world.worker_a)
        url = reverse("volunteers:hours")
        assert 'name="idempotency_key"' in client.get(url).content.decode()
        form = {
            "volunteer": me.volunteer.pk,
            "served_on": timezone.localdate().isoformat(),
            "hours": "1",
            "description": "巡逻",
            "idempotency_key": KEY,
        }
        for _ in range(2):
            assert client.post(url, form).status_code == 302
        assert ServiceRecord.objects.count() == 1
