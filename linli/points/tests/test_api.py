import pytest

from linli.points import mall
from linli.points.models import Redemption
from linli.points.tests.helpers import give, login_for, reward


@pytest.mark.django_db
class TestMallApi:
    def test_create_redeem_fulfil_through_the_api(self, world, api_for, person_a):
        station = api_for(world.worker_a)
        created = station.post(
            "/api/v1/points/rewards",
            {
                "community_id": world.a.pk,
                "name": "早餐券",
                "provider_name": "包子铺",
                "price": 5,
                "stock": 3,
                "valid_from": "2026-01-01",
                "valid_until": "2030-01-01",
            },
            content_type="application/json",
        )
        assert created.status_code == 201, created.content
        reward_id = created.json()["id"]
        me = login_for(person_a, "me")
        give(world, person_a, 12)
        client = api_for(me)
        assert client.get("/api/v1/points/rewards").json()["count"] == 1
        redeemed = client.post(
            f"/api/v1/points/rewards/{reward_id}/redeem", {}, content_type="application/json"
        )
        assert redeemed.status_code == 201 and redeemed.json()["status"] == "frozen"
        assert client.get("/api/v1/me/points").json() == {
            "person_id": person_a.pk,
            "balance": 7,
            "frozen": 5,
            "earned_this_year": 12,
        }
        code = redeemed.json()["code"]
        done = station.post(
            "/api/v1/points/redemptions/fulfil", {"code": code}, content_type="application/json"
        )
        assert done.status_code == 200 and done.json()["status"] == "fulfilled"
        assert client.get("/api/v1/me/redemptions").json()["items"][0]["status"] == "fulfilled"
        assert client.get("/api/v1/me/points/postings").json()["count"] == 2  # credit, freeze

    def test_denials_and_bad_input(self, world, api_for, person_a):
        item = reward(world)
        other = api_for(world.worker_b)
        assert (
            other.patch(
                f"/api/v1/points/rewards/{item.pk}", {"price": 1}, content_type="application/json"
            ).status_code
            == 404
        )
        assert (
            api_for(world.volunteer_a)
            .post(
                "/api/v1/points/rewards",
                {
                    "community_id": world.a.pk,
                    "name": "x",
                    "provider_name": "y",
                    "price": 5,
                    "stock": 3,
                    "valid_from": "2026-01-01",
                    "valid_until": "2030-01-01",
                },
                content_type="application/json",
            )
            .status_code
            == 403
        )
        bad = api_for(world.worker_a).post(
            "/api/v1/points/rewards",
            {
                "community_id": world.a.pk,
                "name": "x",
                "provider_name": "y",
                "price": 5,
                "stock": 3,
                "valid_from": "2026-02-01",
                "valid_until": "2026-01-01",
            },
            content_type="application/json",
        )
        assert bad.status_code == 422 and "valid_until" in bad.json()["errors"]
        me = login_for(person_a, "me")
        poor = api_for(me).post(
            f"/api/v1/points/rewards/{item.pk}/redeem", {}, content_type="application/json"
        )
        assert poor.status_code == 409 and not Redemption.objects.exists()
        assert api_for(world.worker_a).get("/api/v1/me/points").status_code == 403
        assert api_for(world.volunteer_a).get("/api/v1/points/redemptions").status_code == 403


@pytest.mark.django_db
class TestPoolApi:
    def test_donate_grant_and_the_public_summary(self, world, api_for, client, person_a):
        from linli.people import services as people_services

        needy = world.person(name="孤老")
        people_services.person_tag_add(actor=world.worker_a, person_id=needy.pk, tag="disabled")
        me = login_for(person_a, "me")
        give(world, person_a, 40)
        gift = api_for(me).post(
            "/api/v1/points/donations",
            {"to": "pool", "points": 40},
            content_type="application/json",
        )
        assert gift.status_code == 201
        grant = api_for(world.worker_a).post(
            f"/api/v1/points/pool/{world.a.pk}/grants",
            {"recipient_id": needy.pk, "points": 15, "purpose": "disability"},
            content_type="application/json",
        )
        assert grant.status_code == 201
        public = client.get(f"/api/v1/points/pool/{world.a.pk}").json()
        assert (public["balance"], public["donated"], public["granted"]) == (25, 40, 15)
        assert "孤老" not in str(public) and "张三丰" not in str(public)
        denied = api_for(world.worker_b).post(
            f"/api/v1/points/pool/{world.a.pk}/grants",
            {"recipient_id": needy.pk, "points": 1, "purpose": "other"},
            content_type="application/json",
        )
        assert denied.status_code == 403
        assert client.get("/api/v1/points/pool/999999").status_code == 404

    def test_cancel_own_voucher_by_api(self, world, api_for, person_a):
        me = login_for(person_a, "me")
        give(world, person_a, 10)
        redemption = mall.redemption_create(actor=me, reward_id=reward(world).pk)
        response = api_for(me).post(
            f"/api/v1/points/redemptions/{redemption.pk}/cancel",
            {},
            content_type="application/json",
        )
        assert response.status_code == 200 and response.json()["status"] == "cancelled"
