import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from linli.points import mall
from linli.points.models import PointsDonation, Redemption
from linli.points.tests.helpers import give, reward
from linli.volunteers import services
from linli.volunteers.models import ServiceRecord


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


@pytest.mark.django_db
class TestMyPages:
    def test_every_page_opens_for_the_volunteer(self, world, me, client_for):
        client = client_for(me)
        give(world, me.person, 12)
        for name in ("home", "statement", "hours", "mall", "vouchers", "donate", "certificate"):
            response = client.get(reverse(f"me:{name}"))
            assert response.status_code == 200, name
        assert "12" in client.get(reverse("me:home")).content.decode()

    def test_registering_links_the_login_to_the_resident(self, me, person_a):
        assert me.person == person_a

    def test_a_login_without_a_resident_is_refused(self, world, client_for):
        assert client_for(world.worker_a).get(reverse("me:home")).status_code == 403

    def test_submitting_hours_from_the_phone(self, world, me, client_for):
        response = client_for(me).post(
            reverse("me:hours"),
            {"served_on": timezone.localdate().isoformat(), "hours": "2.5", "description": "送餐"},
        )
        assert response.status_code == 302
        record = ServiceRecord.objects.get()
        assert record.status == "submitted" and record.submitted_by == me
        tomorrow = timezone.localdate() + datetime.timedelta(days=1)
        bad = client_for(me).post(
            reverse("me:hours"),
            {"served_on": tomorrow.isoformat(), "hours": "30", "description": ""},
        )
        assert bad.status_code == 200 and ServiceRecord.objects.count() == 1

    def test_redeem_see_the_code_and_cancel(self, world, me, client_for):
        give(world, me.person, 20)
        item = reward(world, community=world.b, name="理发券")
        client = client_for(me)
        mall_page = client.get(reverse("me:mall"), {"community": world.b.pk}).content.decode()
        assert "理发券" in mall_page
        assert client.post(reverse("me:redeem", args=[item.pk])).status_code == 302
        redemption = Redemption.objects.get()
        assert redemption.code in client.get(reverse("me:vouchers")).content.decode()
        client.post(reverse("me:voucher_cancel", args=[redemption.pk]))
        assert Redemption.objects.get().status == "cancelled"

    def test_redeeming_without_enough_points_says_so(self, world, me, client_for):
        item = reward(world, price=50)
        response = client_for(me).post(reverse("me:redeem", args=[item.pk]), follow=True)
        assert "50" in response.content.decode() and not Redemption.objects.exists()

    def test_someone_elses_voucher_cannot_be_cancelled(self, world, me, client_for, person_b):
        give(world, person_b, 10)
        theirs = mall.redemption_create(
            actor=world.worker_b, reward_id=reward(world).pk, person_id=person_b.pk
        )
        response = client_for(me).post(reverse("me:voucher_cancel", args=[theirs.pk]))
        assert response.status_code == 404
        assert Redemption.objects.get().status == "frozen"

    def test_donating_to_the_pool(self, world, me, client_for):
        give(world, me.person, 10)
        client = client_for(me)
        client.post(reverse("me:donate"), {"to": "pool", "points": "4", "recipient_mobile": ""})
        assert PointsDonation.objects.get().points == 4
        bad = client.post(
            reverse("me:donate"), {"to": "person", "points": "1", "recipient_mobile": "1"}
        )
        assert bad.status_code == 200 and PointsDonation.objects.count() == 1


@pytest.mark.django_db
class TestLeaderboardPage:
    def test_it_lists_volunteers_and_the_admin_runs_the_rating(self, world, me, client_for):
        page = client_for(world.worker_a).get(reverse("volunteers:leaderboard"))
        assert page.status_code == 200 and "张三丰" in page.content.decode()
        assert 'value="run"' not in page.content.decode()  # only the station admin runs it
        admin = client_for(world.station_a)
        response = admin.post(reverse("volunteers:leaderboard"), {"action": "run"})
        assert response.status_code == 302
        again = admin.get(reverse("volunteers:leaderboard")).content.decode()
        assert 'value="run"' not in again

    def test_bad_thresholds_show_a_form_error(self, world, client_for):
        response = client_for(world.station_a).post(
            reverse("volunteers:leaderboard"),
            {
                "action": "policy",
                "one_star": "5",
                "two_stars": "4",
                "three_stars": "6",
                "four_stars": "7",
                "five_stars": "8",
                "min_points": "30",
            },
        )
        assert response.status_code == 200 and "is-invalid" in response.content.decode()

    def test_outsiders_and_other_communities(self, world, client_for):
        assert client_for(world.outsider).get(reverse("volunteers:leaderboard")).status_code == 403
        page = client_for(world.worker_b).get(
            reverse("volunteers:leaderboard"), {"community": world.a.pk}
        )
        assert page.status_code == 200 and world.b.name in page.content.decode()
