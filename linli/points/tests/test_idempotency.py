"""Retries never double-count points: a redemption, a gift of points or a pool grant sent twice
with the same idempotency key (API header or the form's hidden key) is one action."""

import pytest
from django.contrib.messages import get_messages
from django.urls import reverse

from linli.ledger.models import LedgerTransaction
from linli.ledger.testing import assert_ledger_consistent
from linli.people import services as people_services
from linli.points import donations, mall, services
from linli.points.models import PointsDonation, PoolGrant, Redemption
from linli.points.tests.helpers import give, login_for, reward

pytestmark = pytest.mark.django_db

KEY = "0b6f7a4e-1c2d-4e5f-8a9b-0c1d2e3f4a5b"


def balance(person) -> int:
    return int(services.person_points_account(person).balance)


def post(client, path, payload, key=KEY):
    return client.post(
        f"/api/v1{path}", payload, content_type="application/json", headers={"Idempotency-Key": key}
    )


@pytest.fixture
def needy(world):
    person = world.person(name="孤老", mobile="13800001111")
    people_services.person_tag_add(actor=world.worker_a, person_id=person.pk, tag="lives_alone")
    return person


class TestRedemptionOnce:
    def test_a_redemption_sent_twice_freezes_the_points_once(self, world, person_a, api_for):
        me = login_for(person_a, "me")
        give(world, person_a, 30)
        item = reward(world, price=10, stock=5)
        client = api_for(me)
        first = post(client, f"/points/rewards/{item.pk}/redeem", {})
        again = post(client, f"/points/rewards/{item.pk}/redeem", {})
        assert first.status_code == again.status_code == 201, again.content
        assert again.json() == first.json() and again["Idempotent-Replayed"] == "true"
        assert Redemption.objects.count() == 1 and balance(person_a) == 20
        item.refresh_from_db()
        assert item.stock == 4
        assert LedgerTransaction.objects.filter(kind="points.redeem.freeze").count() == 1
        assert_ledger_consistent()

    def test_the_same_key_for_another_reward_is_409_and_redeems_nothing(
        self, world, person_a, api_for
    ):
        me = login_for(person_a, "me")
        give(world, person_a, 30)
        first, other = reward(world, price=10), reward(world, name="理发券", price=10)
        client = api_for(me)
        post(client, f"/points/rewards/{first.pk}/redeem", {})
        response = post(client, f"/points/rewards/{other.pk}/redeem", {})
        assert response.status_code == 409 and "不同的请求" in response.json()["detail"]
        assert Redemption.objects.count() == 1 and balance(person_a) == 20

    def test_the_service_returns_the_first_redemption_for_a_repeated_key(self, world, person_a):
        me = login_for(person_a, "me")
        give(world, person_a, 30)
        item = reward(world, price=10)
        first = mall.redemption_create(actor=me, reward_id=item.pk, idempotency_key=KEY)
        again = mall.redemption_create(actor=me, reward_id=item.pk, idempotency_key=KEY)
        assert again.pk == first.pk and again.code == first.code and balance(person_a) == 20

    def test_a_double_tapped_redeem_button_redeems_once(self, world, person_a, client_for):
        me = login_for(person_a, "me")
        give(world, person_a, 30)
        item = reward(world, price=10)
        client = client_for(me)
        assert 'name="idempotency_key"' in client.get(reverse("me:mall")).content.decode()
        url = reverse("me:redeem", args=[item.pk])
        first = client.post(url, {"idempotency_key": KEY})
        again = client.post(url, {"idempotency_key": KEY})
        assert first["Location"] == again["Location"] == reverse("me:vouchers")
        assert Redemption.objects.count() == 1 and balance(person_a) == 20
        assert any("未重复执行" in str(m) for m in get_messages(again.wsgi_request))

    @pytest.mark.parametrize("key", ["with space", "k" * 101])
    def test_a_malformed_key_is_422(self, world, person_a, api_for, key):
        me = login_for(person_a, "me")
        give(world, person_a, 30)
        item = reward(world, price=10)
        response = post(api_for(me), f"/points/rewards/{item.pk}/redeem", {}, key=key)
        assert response.status_code == 422 and not Redemption.objects.exists()


class TestGiftsOnce:
    def test_a_gift_of_points_sent_twice_gives_once(self, world, person_a, needy, api_for):
        me = login_for(person_a, "me")
        give(world, person_a, 20)
        body = {"to": "person", "points": 5, "recipient_mobile": "13800001111"}
        client = api_for(me)
        first, again = (
            post(client, "/points/donations", body),
            post(client, "/points/donations", body),
        )
        assert first.status_code == again.status_code == 201
        assert again.json()["id"] == first.json()["id"] and PointsDonation.objects.count() == 1
        assert balance(person_a) == 15 and balance(needy) == 5
        assert LedgerTransaction.objects.filter(kind="points.donation").count() == 1
        assert_ledger_consistent()

    def test_a_gift_to_the_pool_sent_twice_from_the_phone_page_gives_once(
        self, world, person_a, client_for
    ):
        me = login_for(person_a, "me")
        give(world, person_a, 20)
        client = client_for(me)
        assert 'name="idempotency_key"' in client.get(reverse("me:donate")).content.decode()
        form = {"to": "pool", "points": "4", "recipient_mobile": "", "idempotency_key": KEY}
        client.post(reverse("me:donate"), form)
        client.post(reverse("me:donate"), form)
        assert PointsDonation.objects.count() == 1 and balance(person_a) == 16
        assert services.pool_points_account(world.a.pk).balance == 4

    def test_a_key_from_another_giver_does_not_collide(self, world, person_a, needy, api_for):
        giver_b = world.person(name="王五")
        give(world, person_a, 20)
        give(world, giver_b, 20)
        body = {"to": "pool", "points": 5}
        post(api_for(login_for(person_a, "a")), "/points/donations", body)
        response = post(api_for(login_for(giver_b, "b")), "/points/donations", body)
        assert response.status_code == 201 and PointsDonation.objects.count() == 2
        assert services.pool_points_account(world.a.pk).balance == 10

    def test_a_pool_grant_sent_twice_grants_once(self, world, person_a, needy, api_for):
        me = login_for(person_a, "me")
        give(world, person_a, 30)
        donations.points_donate(actor=me, points=30, to="pool")
        body = {"recipient_id": needy.pk, "points": 20, "purpose": "elderly_care"}
        client = api_for(world.worker_a)
        first = post(client, f"/points/pool/{world.a.pk}/grants", body)
        again = post(client, f"/points/pool/{world.a.pk}/grants", body)
        assert first.status_code == again.status_code == 201
        assert again.json()["id"] == first.json()["id"] and PoolGrant.objects.count() == 1
        assert balance(needy) == 20 and services.pool_points_account(world.a.pk).balance == 10
        assert_ledger_consistent()

    def test_a_pool_grant_page_sent_twice_grants_once(self, world, person_a, needy, client_for):
        me = login_for(person_a, "me")
        give(world, person_a, 30)
        donations.points_donate(actor=me, points=30, to="pool")
        client = client_for(world.worker_a)
        url = reverse("points:pool") + f"?community={world.a.pk}"
        assert 'name="idempotency_key"' in client.get(url).content.decode()
        form = {"recipient": needy.pk, "points": "10", "purpose": "elderly_care", "note": ""}
        for _ in range(2):
            response = client.post(url, {**form, "idempotency_key": KEY})
            assert response.status_code == 302
        assert PoolGrant.objects.count() == 1 and balance(needy) == 10
