"""The charity supermarket till and the monthly relief quota: one ledger transaction moves the
quota, the points and the goods; a quota expires at the month's end."""

import datetime

import pytest
from django.urls import reverse

from linli.core.errors import Conflict, PermissionDenied, ValidationFailed
from linli.ledger.models import LedgerTransaction, Posting
from linli.ledger.testing import assert_ledger_consistent
from linli.people import services as people_services
from linli.points.selectors import points_balances
from linli.points.tests.helpers import give as give_points
from linli.warehouse.models import ReliefQuota, Sale
from linli.warehouse.services import till
from linli.warehouse.services.outbound import OutLine
from linli.warehouse.tests.helpers import days

pytestmark = pytest.mark.django_db


@pytest.fixture
def poor(world, person_a):
    people_services.person_tag_add(actor=world.worker_a, person_id=person_a.pk, tag="low_income")
    return person_a


def sell(shop, person, quantity=1, pay_with="points", item=None):
    return till.sale_settle(
        actor=shop.world.worker_a,
        community_id=shop.world.a.pk,
        location_id=shop.shelf.pk,
        person_id=person.pk,
        pay_with=pay_with,
        lines=[OutLine(item_id=(item or shop.rice).pk, quantity=quantity)],
    )


class TestTill:
    def test_a_sale_for_points_moves_points_and_goods_in_one_transaction(self, shop, person_a):
        give_points(shop.world, person_a, 50)
        shop.receive(shop.rice, 5, days(30), location=shop.shelf)
        sale = sell(shop, person_a, 2)
        assert (sale.points_paid, sale.quota_paid, sale.total_value_fen) == (40, 0, 7000)
        assert points_balances(person_a)[0] == 10 and shop.on_hand(shop.rice, shop.shelf) == 3
        commodities = set(
            Posting.objects.filter(transaction=sale.transaction).values_list("commodity", flat=True)
        )
        assert "PTS" in commodities and any(c.startswith("LOT:") for c in commodities)
        assert_ledger_consistent()

    def test_not_enough_points_is_refused_clearly_and_moves_nothing(self, shop, person_a):
        give_points(shop.world, person_a, 10)
        shop.receive(shop.rice, 5, days(30), location=shop.shelf)
        before = LedgerTransaction.objects.count()
        with pytest.raises(Conflict) as exc:
            sell(shop, person_a, 1)
        assert "20 needed, 10 available" in exc.value.message
        assert (
            LedgerTransaction.objects.count() == before and shop.on_hand(shop.rice, shop.shelf) == 5
        )

    def test_the_relief_quota_pays_first_and_points_the_rest(self, shop, poor):
        give_points(shop.world, poor, 100)
        quota = till.relief_quota_grant(
            actor=shop.world.station_a, community_id=shop.world.a.pk, person_id=poor.pk, amount=30
        )
        shop.receive(shop.rice, 5, days(30), location=shop.shelf)
        sale = sell(shop, poor, 2, pay_with="both")
        assert (sale.quota_paid, sale.points_paid) == (30, 10)
        quota.account.refresh_from_db()
        assert quota.account.balance == 0 and points_balances(poor)[0] == 90
        with pytest.raises(Conflict):
            sell(shop, poor, 1, pay_with="quota")
        assert_ledger_consistent()

    def test_items_without_a_price_or_part_units_are_not_sold(self, shop, person_a):
        give_points(shop.world, person_a, 100)
        shop.receive(shop.coat, 2, location=shop.shelf)
        shop.receive(shop.rice, 2, days(30), location=shop.shelf)
        with pytest.raises(ValidationFailed):
            sell(shop, person_a, 1, item=shop.coat)
        with pytest.raises(ValidationFailed):
            sell(shop, person_a, "0.5")

    def test_only_a_supermarket_shelf_sells(self, shop, person_a):
        give_points(shop.world, person_a, 100)
        with pytest.raises(ValidationFailed):
            till.sale_settle(
                actor=shop.world.worker_a,
                community_id=shop.world.a.pk,
                location_id=shop.store.pk,
                person_id=person_a.pk,
                lines=[OutLine(item_id=shop.rice.pk, quantity=1)],
            )


class TestReliefQuota:
    def test_only_the_station_grants_and_only_to_the_eligible(self, shop, poor, world):
        other = world.person(name="王五")
        with pytest.raises(PermissionDenied):
            till.relief_quota_grant(
                actor=world.worker_a, community_id=world.a.pk, person_id=poor.pk, amount=30
            )
        with pytest.raises(ValidationFailed):
            till.relief_quota_grant(
                actor=world.station_a, community_id=world.a.pk, person_id=other.pk, amount=30
            )
        till.relief_quota_grant(
            actor=world.station_a, community_id=world.a.pk, person_id=poor.pk, amount=30
        )
        with pytest.raises(Conflict):
            till.relief_quota_grant(
                actor=world.station_a, community_id=world.a.pk, person_id=poor.pk, amount=30
            )

    def test_granting_to_everyone_is_safe_to_repeat(self, shop, poor, world):
        assert (
            till.relief_quota_grant_all(actor=world.station_a, community_id=world.a.pk, amount=40)
            == 1
        )
        assert (
            till.relief_quota_grant_all(actor=world.station_a, community_id=world.a.pk, amount=40)
            == 0
        )
        assert ReliefQuota.objects.get().amount == 40

    def test_what_is_left_expires_after_the_month_once(self, shop, poor, world):
        quota = till.relief_quota_grant(
            actor=world.station_a, community_id=world.a.pk, person_id=poor.pk, amount=30
        )
        next_month = (quota.month + datetime.timedelta(days=32)).replace(day=1)
        assert till.relief_quota_expire(today=quota.month) == 0
        assert till.relief_quota_expire(today=next_month) == 1
        assert till.relief_quota_expire(today=next_month) == 0
        quota.account.refresh_from_db()
        assert quota.account.balance == 0
        assert_ledger_consistent()


class TestTillPages:
    def test_scan_a_card_fill_a_basket_and_settle(self, shop, person_a, client_for):
        from linli.warehouse.till_views import card_token

        give_points(shop.world, person_a, 100)
        shop.receive(shop.rice, 5, days(30), location=shop.shelf)
        client = client_for(shop.world.worker_a)
        response = client.get(
            reverse("warehouse:till"), {"location": shop.shelf.pk, "card": card_token(person_a)}
        )
        basket = reverse("warehouse:till_basket", args=[shop.shelf.pk, person_a.pk])
        assert response.status_code == 302 and response["Location"] == basket
        client.post(basket, {"action": "add", "barcode": "6901234567890", "quantity": "2"})
        text = client.get(basket).content.decode()
        assert "大米 5kg" in text and "40" in text
        response = client.post(
            reverse("warehouse:till_settle", args=[shop.shelf.pk, person_a.pk]),
            {"pay_with": "points"},
        )
        sale = Sale.objects.get()
        assert response["Location"] == reverse("warehouse:sale_detail", args=[sale.pk])
        assert "大米 5kg" in client.get(response["Location"]).content.decode()
        summary = client.get(reverse("warehouse:till_summary")).content.decode()
        assert person_a.name in summary
        assert not client.session.get(f"till:{shop.shelf.pk}:{person_a.pk}")

    def test_a_forged_card_finds_nobody(self, shop, client_for):
        response = client_for(shop.world.worker_a).get(
            reverse("warehouse:till"), {"location": shop.shelf.pk, "card": "forged:token"}
        )
        assert response.status_code == 200 and "scan their card" in response.content.decode()

    def test_another_communitys_customer_or_shelf_is_404(
        self, shop, person_b, person_a, client_for
    ):
        client = client_for(shop.world.worker_a)
        assert (
            client.get(
                reverse("warehouse:till_basket", args=[shop.shelf.pk, person_b.pk])
            ).status_code
            == 404
        )
        assert (
            client_for(shop.world.worker_b)
            .get(reverse("warehouse:till_basket", args=[shop.shelf.pk, person_a.pk]))
            .status_code
            == 404
        )

    def test_the_relief_page_grants_to_everyone_eligible(self, shop, poor, client_for):
        client = client_for(shop.world.station_a)
        response = client.post(
            reverse("warehouse:relief_quotas"), {"everyone": "on", "amount": "50"}
        )
        assert response.status_code == 302 and ReliefQuota.objects.get().amount == 50
        assert (
            client_for(shop.world.worker_a)
            .post(reverse("warehouse:relief_quotas"), {"everyone": "on", "amount": "50"})
            .status_code
            == 200
        )  # no form for a worker: nothing granted twice
        assert ReliefQuota.objects.count() == 1


class TestItemQuota:
    def test_a_rice_quota_pays_for_the_rice_and_points_for_the_rest(self, shop, poor, world):
        give_points(world, poor, 100)
        rice = till.relief_quota_grant(
            actor=world.station_a,
            community_id=world.a.pk,
            person_id=poor.pk,
            amount=2,
            item_id=shop.rice.pk,
        )
        shop.receive(shop.rice, 5, days(30), location=shop.shelf)
        sale = sell(shop, poor, 3, pay_with="both")
        line = sale.lines.get()
        assert (line.quota_units, line.points, sale.points_paid) == (2, 20, 20)
        rice.account.refresh_from_db()
        assert rice.account.balance == 0 and points_balances(poor)[0] == 80
        with pytest.raises(Conflict):  # nothing left of the rice quota, no points quota
            sell(shop, poor, 1, pay_with="quota")
        assert_ledger_consistent()

    def test_goods_not_sold_for_points_can_still_come_from_a_quota(self, shop, poor, world):
        coats = till.relief_quota_grant(
            actor=world.station_a,
            community_id=world.a.pk,
            person_id=poor.pk,
            amount=1,
            item_id=shop.coat.pk,
        )
        shop.receive(shop.coat, 2, location=shop.shelf)
        sale = sell(shop, poor, 1, pay_with="quota", item=shop.coat)
        assert (sale.points_paid, sale.quota_paid, sale.lines.get().quota_units) == (0, 0, 1)
        with pytest.raises(ValidationFailed):  # the second coat has no price and no quota
            sell(shop, poor, 1, pay_with="both", item=shop.coat)
        assert coats.account.commodity == f"QITEM:{shop.coat.pk}"

    def test_an_item_quota_and_a_points_quota_live_side_by_side_and_expire(self, shop, poor, world):
        till.relief_quota_grant(
            actor=world.station_a, community_id=world.a.pk, person_id=poor.pk, amount=30
        )
        quota = till.relief_quota_grant(
            actor=world.station_a,
            community_id=world.a.pk,
            person_id=poor.pk,
            amount=2,
            item_id=shop.rice.pk,
        )
        with pytest.raises(Conflict):
            till.relief_quota_grant(
                actor=world.station_a,
                community_id=world.a.pk,
                person_id=poor.pk,
                amount=2,
                item_id=shop.rice.pk,
            )
        with pytest.raises(ValidationFailed):  # medicine is never a quota
            till.relief_quota_grant(
                actor=world.station_a,
                community_id=world.a.pk,
                person_id=poor.pk,
                amount=2,
                item_id=shop.pills.pk,
            )
        next_month = (quota.month + datetime.timedelta(days=32)).replace(day=1)
        assert till.relief_quota_expire(today=next_month) == 2
        assert_ledger_consistent()
