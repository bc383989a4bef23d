"""Retries never double-count in the warehouse: a sale, a donation in, a handout, a transfer, a
write-off, a loan or a relief grant sent twice with the same idempotency key (API header or the
form's hidden key) is one action with one ledger transaction."""

import pytest
from django.contrib.messages import get_messages
from django.urls import reverse

from linli.core.models import RequestReceipt
from linli.ledger.models import LedgerTransaction
from linli.ledger.testing import assert_ledger_consistent
from linli.people import services as people_services
from linli.points.selectors import points_balances
from linli.points.tests.helpers import give as give_points
from linli.warehouse.models import (
    Distribution,
    Donation,
    Loan,
    ReliefQuota,
    Sale,
    Transfer,
    WriteOff,
)
from linli.warehouse.services import catalogue, till
from linli.warehouse.services.outbound import OutLine
from linli.warehouse.tests.helpers import days
from linli.warehouse.tests.test_pages import lines

pytestmark = pytest.mark.django_db

KEY = "3f1c0c1e-8c1b-4d55-9d57-3f7c2f9a1b2c"


def post(client, path, payload, key=KEY):
    headers = {"Idempotency-Key": key} if key is not None else {}
    return client.post(f"/api/v1{path}", payload, content_type="application/json", headers=headers)


def tx_count(kind: str) -> int:
    return LedgerTransaction.objects.filter(kind=kind).count()


@pytest.fixture
def stocked_shelf(shop, person_a):
    give_points(shop.world, person_a, 100)
    shop.receive(shop.rice, 5, days(30), location=shop.shelf)
    return shop


def sale_body(shop, person, quantity=2):
    return {
        "community_id": shop.world.a.pk,
        "location_id": shop.shelf.pk,
        "person_id": person.pk,
        "pay_with": "points",
        "lines": [{"item_id": shop.rice.pk, "quantity": str(quantity)}],
    }


class TestSaleOnce:
    def test_the_same_sale_through_the_service_twice_is_one_sale(self, stocked_shelf, person_a):
        shop = stocked_shelf

        def sell():
            return till.sale_settle(
                actor=shop.world.worker_a,
                community_id=shop.world.a.pk,
                location_id=shop.shelf.pk,
                person_id=person_a.pk,
                lines=[OutLine(item_id=shop.rice.pk, quantity=2)],
                idempotency_key=KEY,
            )

        first, again = sell(), sell()
        assert again.pk == first.pk and Sale.objects.count() == 1
        assert tx_count("warehouse.sale") == 1
        assert (
            first.transaction.idempotency_key
            == f"idem:{shop.world.worker_a.pk}:warehouse.sale:{KEY}"
        )
        assert points_balances(person_a)[0] == 60 and shop.on_hand(shop.rice, shop.shelf) == 3
        assert_ledger_consistent()

    def test_the_same_sale_posted_twice_to_the_api_is_one_sale_and_one_transaction(
        self, stocked_shelf, person_a, api_for
    ):
        shop = stocked_shelf
        client = api_for(shop.world.worker_a)
        first = post(client, "/warehouse/sales", sale_body(shop, person_a))
        again = post(client, "/warehouse/sales", sale_body(shop, person_a))
        assert first.status_code == again.status_code == 201, again.content
        assert again.json() == first.json()
        assert again["Idempotent-Replayed"] == "true" and "Idempotent-Replayed" not in first
        assert Sale.objects.count() == 1 and tx_count("warehouse.sale") == 1
        assert points_balances(person_a)[0] == 60 and shop.on_hand(shop.rice, shop.shelf) == 3
        assert_ledger_consistent()

    def test_a_retry_after_the_stock_ran_out_still_answers_the_first_sale(
        self, stocked_shelf, person_a, api_for
    ):
        shop = stocked_shelf
        client = api_for(shop.world.worker_a)
        first = post(client, "/warehouse/sales", sale_body(shop, person_a, 5))
        again = post(client, "/warehouse/sales", sale_body(shop, person_a, 5))
        assert again.status_code == 201 and again.json()["id"] == first.json()["id"]

    def test_the_same_key_with_another_basket_is_409_and_sells_nothing(
        self, stocked_shelf, person_a, api_for
    ):
        shop = stocked_shelf
        client = api_for(shop.world.worker_a)
        post(client, "/warehouse/sales", sale_body(shop, person_a, 1))
        response = post(client, "/warehouse/sales", sale_body(shop, person_a, 2))
        assert response.status_code == 409
        assert "different request" in response.json()["detail"]
        assert Sale.objects.count() == 1 and points_balances(person_a)[0] == 80
        assert_ledger_consistent()

    def test_another_cashiers_key_does_not_collide(self, stocked_shelf, person_a, api_for):
        shop = stocked_shelf
        post(api_for(shop.world.worker_a), "/warehouse/sales", sale_body(shop, person_a, 1))
        response = post(
            api_for(shop.world.station_a), "/warehouse/sales", sale_body(shop, person_a, 1)
        )
        assert response.status_code == 201 and "Idempotent-Replayed" not in response
        assert Sale.objects.count() == 2 and points_balances(person_a)[0] == 60

    @pytest.mark.parametrize("key", ["has space", "x" * 101, "tab\there", "clé"])
    def test_a_malformed_key_is_422_and_sells_nothing(self, stocked_shelf, person_a, api_for, key):
        client = api_for(stocked_shelf.world.worker_a)
        response = post(client, "/warehouse/sales", sale_body(stocked_shelf, person_a), key=key)
        assert response.status_code == 422 and not Sale.objects.exists()

    def test_without_a_key_two_posts_are_two_sales(self, stocked_shelf, person_a, api_for):
        client = api_for(stocked_shelf.world.worker_a)
        for _ in range(2):
            post(client, "/warehouse/sales", sale_body(stocked_shelf, person_a, 1), key=None)
        assert Sale.objects.count() == 2 and not RequestReceipt.objects.exists()

    def test_the_key_is_documented_in_the_schema(self, client):
        schema = client.get("/api/v1/openapi.json").json()
        for path in ("/api/v1/warehouse/sales", "/api/v1/warehouse/donations"):
            params = schema["paths"][path]["post"]["parameters"]
            header = next(p for p in params if p["name"] == "Idempotency-Key")
            assert header["in"] == "header" and not header["required"] and header["description"]


class TestTillPageOnce:
    def test_a_double_clicked_settle_sells_once_and_shows_the_same_receipt(
        self, stocked_shelf, person_a, client_for
    ):
        shop = stocked_shelf
        client = client_for(shop.world.worker_a)
        basket = reverse("warehouse:till_basket", args=[shop.shelf.pk, person_a.pk])
        client.post(basket, {"action": "add", "item": shop.rice.pk, "quantity": "2"})
        page = client.get(basket).content.decode()
        assert 'name="idempotency_key"' in page
        settle = reverse("warehouse:till_settle", args=[shop.shelf.pk, person_a.pk])
        form = {"pay_with": "points", "idempotency_key": KEY}
        first = client.post(settle, form)
        again = client.post(settle, form)  # the basket is empty now: the first sale answers
        sale = Sale.objects.get()
        receipt = reverse("warehouse:sale_detail", args=[sale.pk])
        assert first["Location"] == again["Location"] == receipt
        assert tx_count("warehouse.sale") == 1 and points_balances(person_a)[0] == 60
        shown = [str(m) for m in get_messages(again.wsgi_request)]
        assert any("already recorded" in m for m in shown)
        assert_ledger_consistent()

    def test_a_new_key_after_the_sale_sells_again_only_with_a_new_basket(
        self, stocked_shelf, person_a, client_for
    ):
        shop = stocked_shelf
        client = client_for(shop.world.worker_a)
        basket = reverse("warehouse:till_basket", args=[shop.shelf.pk, person_a.pk])
        settle = reverse("warehouse:till_settle", args=[shop.shelf.pk, person_a.pk])
        client.post(basket, {"action": "add", "item": shop.rice.pk, "quantity": "1"})
        client.post(settle, {"pay_with": "points", "idempotency_key": "k-1"})
        response = client.post(settle, {"pay_with": "points", "idempotency_key": "k-2"})
        assert response["Location"] == basket and Sale.objects.count() == 1


class TestWarehouseDocumentsOnce:
    def donation_body(self, shop):
        return {
            "community_id": shop.world.a.pk,
            "location_id": shop.store.pk,
            "donor_kind": "business",
            "donor_name": "联华超市",
            "lines": [
                {"item_id": shop.rice.pk, "quantity": "6", "expires_on": days(60).isoformat()}
            ],
        }

    def test_a_donation_posted_twice_is_received_once(self, shop, api_for):
        client = api_for(shop.world.worker_a)
        first = post(client, "/warehouse/donations", self.donation_body(shop))
        again = post(client, "/warehouse/donations", self.donation_body(shop))
        assert first.status_code == again.status_code == 201
        assert again.json()["id"] == first.json()["id"] and Donation.objects.count() == 1
        assert tx_count("warehouse.donation") == 1 and shop.on_hand(shop.rice) == 6
        assert_ledger_consistent()

    def test_a_donation_page_sent_twice_is_received_once(self, shop, person_a, client_for):
        client = client_for(shop.world.worker_a)
        assert (
            'name="idempotency_key"'
            in client.get(reverse("warehouse:donation_create")).content.decode()
        )
        data = {
            "location": shop.store.pk,
            "donor_kind": "resident",
            "donor_person": person_a.pk,
            "received_on": days(0).isoformat(),
            "idempotency_key": KEY,
            **lines({"item": shop.rice.pk, "quantity": "4", "expires_on": days(90).isoformat()}),
        }
        first = client.post(reverse("warehouse:donation_create"), data)
        again = client.post(reverse("warehouse:donation_create"), data)
        donation = Donation.objects.get()
        assert first["Location"] == again["Location"] and again["Location"].endswith(
            f"/{donation.pk}/"
        )
        assert (
            shop.on_hand(shop.rice) == 4 and points_balances(person_a)[0] == donation.points_awarded
        )
        assert_ledger_consistent()

    def test_a_handout_posted_twice_gives_once(self, shop, person_a, api_for):
        shop.receive(shop.coat, 3)
        client = api_for(shop.world.worker_a)
        body = {
            "community_id": shop.world.a.pk,
            "location_id": shop.store.pk,
            "recipient_kind": "person",
            "person_id": person_a.pk,
            "signed_by": "张三丰",
            "lines": [{"item_id": shop.coat.pk, "quantity": "2"}],
        }
        first = post(client, "/warehouse/distributions", body)
        again = post(client, "/warehouse/distributions", body)
        assert again.status_code == 201 and again.json()["id"] == first.json()["id"]
        assert Distribution.objects.count() == 1 and shop.on_hand(shop.coat) == 1
        assert tx_count("warehouse.distribution") == 1
        assert_ledger_consistent()

    def test_a_handout_page_sent_twice_gives_once(self, shop, person_a, client_for):
        shop.receive(shop.coat, 3)
        client = client_for(shop.world.worker_a)
        data = {
            "location": shop.store.pk,
            "recipient_kind": "person",
            "person": person_a.pk,
            "distributed_on": days(0).isoformat(),
            "signed_by": "张三丰",
            "idempotency_key": KEY,
            **lines({"item": shop.coat.pk, "quantity": "1"}),
        }
        first = client.post(reverse("warehouse:distribution_create"), data)
        again = client.post(reverse("warehouse:distribution_create"), data)
        assert first.status_code == again.status_code == 302
        assert first["Location"] == again["Location"]
        assert Distribution.objects.count() == 1 and shop.on_hand(shop.coat) == 2

    def test_a_transfer_posted_twice_moves_once(self, shop, api_for):
        shop.receive(shop.rice, 4, days(60))
        client = api_for(shop.world.worker_a)
        body = {
            "community_id": shop.world.a.pk,
            "from_location_id": shop.store.pk,
            "to_location_id": shop.shelf.pk,
            "lines": [{"item_id": shop.rice.pk, "quantity": "3"}],
        }
        first, again = (
            post(client, "/warehouse/transfers", body),
            post(client, "/warehouse/transfers", body),
        )
        assert again.status_code == 201 and again.json()["id"] == first.json()["id"]
        assert Transfer.objects.count() == 1 and shop.on_hand(shop.rice, shop.shelf) == 3
        assert tx_count("warehouse.transfer") == 1
        assert_ledger_consistent()

    def test_a_transfer_page_sent_twice_moves_once(self, shop, client_for):
        shop.receive(shop.rice, 4, days(60))
        client = client_for(shop.world.worker_a)
        data = {
            "from_location": shop.store.pk,
            "to_location": shop.shelf.pk,
            "idempotency_key": KEY,
            **lines({"item": shop.rice.pk, "quantity": "3"}),
        }
        for _ in range(2):
            response = client.post(reverse("warehouse:transfer_create"), data)
            assert response.status_code == 302
        assert Transfer.objects.count() == 1 and shop.on_hand(shop.rice, shop.shelf) == 3

    def test_a_write_off_posted_twice_writes_off_once(self, shop, api_for):
        shop.receive(shop.rice, 4, days(60))
        holding = shop.store.holdings.get()
        client = api_for(shop.world.station_a)
        body = {"holding_id": holding.pk, "reason": "damaged", "quantity": "1"}
        first = post(client, "/warehouse/write-offs", body)
        again = post(client, "/warehouse/write-offs", body)
        assert again.status_code == 201 and again.json()["id"] == first.json()["id"]
        assert WriteOff.objects.count() == 1 and shop.on_hand(shop.rice) == 3
        assert_ledger_consistent()

    def test_a_loan_with_a_deposit_posted_twice_lends_once(self, shop, person_a, api_for):
        drill = catalogue.item_create(
            actor=shop.world.worker_a,
            community_id=shop.world.a.pk,
            name="电钻",
            category="tools",
            unit="把",
            fair_value_fen=30000,
            lendable=True,
        )
        shop.receive(drill, 2)
        give_points(shop.world, person_a, 50)
        client = api_for(shop.world.worker_a)
        body = {
            "community_id": shop.world.a.pk,
            "location_id": shop.store.pk,
            "item_id": drill.pk,
            "borrower_id": person_a.pk,
            "deposit_points": 20,
        }
        first, again = (
            post(client, "/warehouse/loans", body),
            post(client, "/warehouse/loans", body),
        )
        assert again.status_code == 201 and again.json()["id"] == first.json()["id"]
        assert Loan.objects.count() == 1 and points_balances(person_a)[0] == 30
        assert shop.on_hand(drill) == 1
        assert_ledger_consistent()

    def test_a_relief_grant_posted_twice_grants_once_and_answers_the_same(
        self, shop, person_a, api_for
    ):
        people_services.person_tag_add(
            actor=shop.world.worker_a, person_id=person_a.pk, tag="low_income"
        )
        client = api_for(shop.world.station_a)
        body = {"community_id": shop.world.a.pk, "amount": 30, "person_id": person_a.pk}
        first = post(client, "/warehouse/relief-quotas", body)
        again = post(client, "/warehouse/relief-quotas", body)
        assert first.status_code == again.status_code == 201
        assert again.json() == first.json() == {"granted": 1}
        assert ReliefQuota.objects.count() == 1 and tx_count("warehouse.relief.grant") == 1
        # without the key, a second grant is refused as before
        assert post(client, "/warehouse/relief-quotas", body, key=None).status_code == 409
