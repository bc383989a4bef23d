import pytest
from django.urls import reverse

from linli.accounts.models import Membership
from linli.accounts.roles import Role
from linli.people import services as people_services
from linli.points import donations, mall
from linli.points.models import PoolGrant, Redemption, Reward
from linli.points.tests.helpers import give, login_for, reward


@pytest.fixture
def needy(world):
    person = world.person(name="孤老")
    people_services.person_tag_add(actor=world.worker_a, person_id=person.pk, tag="lives_alone")
    return person


@pytest.mark.django_db
class TestMallPages:
    def test_the_station_lists_and_creates_rewards(self, world, client_for):
        client = client_for(world.worker_a)
        reward(world, name="理发券")
        page = client.get(reverse("points:reward_list"))
        assert page.status_code == 200 and "理发券" in page.content.decode()
        response = client.post(
            reverse("points:reward_create"),
            {
                "name": "洗衣券",
                "kind": "voucher",
                "provider_name": "干洗店",
                "price": "20",
                "stock": "10",
                "valid_from": "2026-01-01",
                "valid_until": "2030-12-31",
                "is_active": "on",
            },
        )
        assert response.status_code == 302
        assert Reward.objects.get(name="洗衣券").community == world.a

    def test_a_bad_form_shows_errors_and_saves_nothing(self, world, client_for):
        response = client_for(world.worker_a).post(
            reverse("points:reward_create"),
            {
                "name": "",
                "kind": "voucher",
                "provider_name": "x",
                "price": "0",
                "stock": "1",
                "valid_from": "2026-02-01",
                "valid_until": "2026-01-01",
            },
        )
        assert response.status_code == 200 and "is-invalid" in response.content.decode()
        assert not Reward.objects.exists()

    def test_other_communities_rewards_are_404(self, world, client_for):
        item = reward(world)
        assert (
            client_for(world.worker_b)
            .get(reverse("points:reward_edit", args=[item.pk]))
            .status_code
            == 404
        )
        assert client_for(world.volunteer_a).get(reverse("points:reward_list")).status_code == 403

    def test_fulfil_by_code_and_cancel_with_a_reason(self, world, client_for, person_a):
        me = login_for(person_a, "me")
        give(world, person_a, 30)
        first = mall.redemption_create(actor=me, reward_id=reward(world).pk)
        second = mall.redemption_create(actor=me, reward_id=reward(world, name="洗车券").pk)
        client = client_for(world.worker_a)
        page = client.get(reverse("points:redemption_list"))
        assert first.code in page.content.decode()
        assert (
            client.post(reverse("points:redemption_list"), {"code": first.code}).status_code == 302
        )
        client.post(reverse("points:redemption_cancel", args=[second.pk]), {"reason": ""})
        assert Redemption.objects.get(pk=second.pk).status == "frozen"  # a reason is needed
        client.post(reverse("points:redemption_cancel", args=[second.pk]), {"reason": "店铺歇业"})
        statuses = dict(Redemption.objects.values_list("pk", "status"))
        assert statuses == {first.pk: "fulfilled", second.pk: "cancelled"}
        wrong = client.post(reverse("points:redemption_list"), {"code": "NOPE1234"})
        assert wrong.status_code == 200 and "alert-danger" in wrong.content.decode()

    def test_a_partner_sees_only_its_own_redemptions(self, world, client_for, person_a):
        Membership.objects.create(user=world.outsider, role=Role.PARTNER, community=world.a)
        me = login_for(person_a, "me")
        give(world, person_a, 30)
        own = mall.redemption_create(
            actor=me, reward_id=reward(world, provider_user_id=world.outsider.pk).pk
        )
        other = mall.redemption_create(actor=me, reward_id=reward(world, name="洗车券").pk)
        page = client_for(world.outsider).get(reverse("points:redemption_list")).content.decode()
        assert own.code in page and other.code not in page

    def test_the_list_does_not_grow_queries_with_rows(
        self, world, client_for, person_a, django_assert_max_num_queries
    ):
        me = login_for(person_a, "me")
        give(world, person_a, 200)
        for i in range(8):
            mall.redemption_create(actor=me, reward_id=reward(world, name=f"券{i}").pk)
        client = client_for(world.worker_a)
        with django_assert_max_num_queries(12):
            client.get(reverse("points:redemption_list"))
        with django_assert_max_num_queries(12):
            client.get(reverse("points:reward_list"))


@pytest.mark.django_db
class TestPoolPages:
    def test_the_station_grants_and_the_public_page_has_no_names(
        self, world, client_for, client, person_a, needy
    ):
        give(world, person_a, 50)
        donations.points_donate(actor=login_for(person_a, "me"), points=50, to="pool")
        station = client_for(world.worker_a)
        page = station.get(reverse("points:pool"))
        assert page.status_code == 200 and "孤老" in page.content.decode()
        response = station.post(
            reverse("points:pool"),
            {
                "recipient": str(needy.pk),
                "points": "20",
                "purpose": "elderly_care",
                "note": "王阿姨取暖",
            },
        )
        assert response.status_code == 302
        public = client.get(reverse("points:pool_public", args=[world.a.pk])).content.decode()
        assert "30" in public and "20" in public
        assert "孤老" not in public and "张三丰" not in public and "王阿姨" not in public

    def test_a_grant_to_someone_not_in_need_is_refused_on_the_form(
        self, world, client_for, person_a, needy
    ):
        give(world, needy, 10)
        donations.points_donate(actor=world.worker_a, giver_id=needy.pk, points=10, to="pool")
        response = client_for(world.worker_a).post(
            reverse("points:pool"),
            {"recipient": str(person_a.pk), "points": "5", "purpose": "other"},
        )
        assert response.status_code == 200 and "alert-danger" in response.content.decode()
        assert not PoolGrant.objects.exists()
