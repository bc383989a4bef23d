"""The points scoping matrix: community B's worker never sees or changes community A's mall,
redemptions, statements or pool grants — by page or API."""

import pytest

from linli.points import mall
from linli.points.models import Redemption, Reward
from linli.points.tests.helpers import give, login_for, reward


@pytest.fixture
def a_records(world, person_a):
    me = login_for(person_a, "me")
    give(world, person_a, 50)
    item = reward(world)
    redemption = mall.redemption_create(actor=me, reward_id=item.pk)
    return {"person": person_a, "reward": item, "redemption": redemption}


@pytest.mark.django_db
def test_pages_of_another_community_are_404_or_empty(world, a_records, client_for):
    client = client_for(world.worker_b)
    r = a_records
    assert client.get(f"/points/mall/{r['reward'].pk}/").status_code == 404
    assert client.get(f"/points/people/{r['person'].pk}/").status_code == 404
    post = client.post(f"/points/redemptions/{r['redemption'].pk}/cancel/", {"reason": "x"})
    assert post.status_code == 404
    listing = client.get("/points/redemptions/").content.decode()
    assert r["redemption"].code not in listing
    assert "早餐券" not in client.get("/points/mall/").content.decode()
    fulfil = client.post("/points/redemptions/", {"code": r["redemption"].code})
    assert fulfil.status_code == 200
    assert Redemption.objects.get().status == "frozen"
    edit = client.post(f"/points/mall/{r['reward'].pk}/", {"name": "x"})
    assert edit.status_code == 404 and Reward.objects.get().name == "早餐券"


@pytest.mark.django_db
def test_api_of_another_community_is_404_or_empty(world, a_records, api_for):
    client = api_for(world.worker_b)
    r = a_records
    json = "application/json"
    assert client.get(f"/api/v1/points/accounts/{r['person'].pk}").status_code == 404
    assert client.get(f"/api/v1/points/accounts/{r['person'].pk}/postings").status_code == 404
    assert client.get("/api/v1/points/rewards/managed").json()["count"] == 0
    assert client.get("/api/v1/points/redemptions").json()["count"] == 0
    cancel = client.post(
        f"/api/v1/points/redemptions/{r['redemption'].pk}/cancel", {"reason": "x"}, json
    )
    assert cancel.status_code == 404
    fulfil = client.post("/api/v1/points/redemptions/fulfil", {"code": r["redemption"].code}, json)
    assert fulfil.status_code == 404
    patch = client.patch(f"/api/v1/points/rewards/{r['reward'].pk}", {"price": 1}, json)
    assert patch.status_code == 404
    redeem_for = client.post(
        f"/api/v1/points/rewards/{r['reward'].pk}/redeem", {"person_id": r["person"].pk}, json
    )
    assert redeem_for.status_code == 404
    gift = client.post(
        "/api/v1/points/donations", {"to": "pool", "points": 1, "giver_id": r["person"].pk}, json
    )
    assert gift.status_code == 404
    assert Redemption.objects.get().status == "frozen"
