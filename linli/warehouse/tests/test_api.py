"""The warehouse API: the same rules as the pages — scoped (404), validated (422), ledger-true."""

from decimal import Decimal

import pytest

from linli.ledger.testing import assert_ledger_consistent
from linli.warehouse.models import Donation, Lot, StockHolding
from linli.warehouse.tests.helpers import days

pytestmark = pytest.mark.django_db


def post(client, path, payload):
    return client.post(f"/api/v1{path}", payload, content_type="application/json")


class TestWarehouseApi:
    def test_a_donation_then_a_handout_then_the_stock(self, shop, person_a, api_for):
        client = api_for(shop.world.worker_a)
        response = post(
            client,
            "/warehouse/donations",
            {
                "community_id": shop.world.a.pk,
                "location_id": shop.store.pk,
                "donor_kind": "business",
                "donor_name": "联华超市",
                "lines": [
                    {"item_id": shop.rice.pk, "quantity": "6", "expires_on": days(60).isoformat()}
                ],
            },
        )
        assert response.status_code == 201, response.content
        assert response.json()["total_value_fen"] == 6 * 3500
        response = post(
            client,
            "/warehouse/distributions",
            {
                "community_id": shop.world.a.pk,
                "location_id": shop.store.pk,
                "recipient_kind": "person",
                "person_id": person_a.pk,
                "signed_by": "张三丰",
                "lines": [{"item_id": shop.rice.pk, "quantity": "2.5"}],
            },
        )
        assert response.status_code == 201, response.content
        stock = client.get("/api/v1/warehouse/stock").json()
        assert stock["count"] == 1 and Decimal(stock["items"][0]["quantity"]) == Decimal("3.5")
        assert_ledger_consistent()

    def test_bad_input_is_422_and_writes_nothing(self, shop, api_for):
        client = api_for(shop.world.worker_a)
        base = {
            "community_id": shop.world.a.pk,
            "location_id": shop.store.pk,
            "donor_kind": "anonymous",
        }
        for lines in (
            [],
            [{"item_id": shop.coat.pk, "quantity": "0"}],
            [{"item_id": shop.coat.pk, "quantity": "1.0001"}],
            [{"item_id": shop.coat.pk, "quantity": "abc"}],
            [
                {
                    "item_id": shop.pills.pk,
                    "quantity": "1",
                    "expires_on": days(30).isoformat(),
                    "unopened": True,
                }
            ],
            [{"item_id": shop.rice.pk, "quantity": "1"}],  # no expiry for an expiry-tracked item
        ):
            response = post(client, "/warehouse/donations", {**base, "lines": lines})
            assert response.status_code == 422, (lines, response.content)
        assert not Donation.objects.exists() and not Lot.objects.exists()

    def test_out_of_scope_records_are_404_and_lists_are_scoped(self, shop, api_for):
        donation = shop.receive(shop.coat, 3)
        client = api_for(shop.world.worker_b)
        for path in (
            f"/warehouse/items/{shop.coat.pk}",
            f"/warehouse/donations/{donation.pk}",
        ):
            assert client.get(f"/api/v1{path}").status_code == 404
        assert client.get("/api/v1/warehouse/stock").json()["count"] == 0
        assert client.get("/api/v1/warehouse/donations").json()["count"] == 0
        response = post(
            client,
            "/warehouse/write-offs",
            {
                "holding_id": StockHolding.objects.get().pk,
                "reason": "damaged",
            },
        )
        assert response.status_code == 404
        response = post(client, "/warehouse/counts", {"location_id": shop.store.pk})
        assert response.status_code == 404

    def test_a_worker_of_another_community_cannot_write_here(self, shop, api_for):
        response = post(
            api_for(shop.world.worker_b),
            "/warehouse/items",
            {
                "community_id": shop.world.a.pk,
                "name": "面条",
                "category": "food",
                "unit": "包",
                "fair_value_fen": 500,
            },
        )
        assert response.status_code == 403

    def test_the_count_flow_over_the_api(self, shop, api_for):
        shop.receive(shop.coat, 3)
        worker, station = api_for(shop.world.worker_a), api_for(shop.world.station_a)
        count = post(worker, "/warehouse/counts", {"location_id": shop.store.pk}).json()
        line = count["lines"][0]
        assert Decimal(line["expected"]) == 3
        response = post(
            worker,
            f"/warehouse/counts/{count['id']}/entries",
            {
                "entries": [{"line_id": line["id"], "counted": "1", "reason": "lost"}],
            },
        )
        assert response.status_code == 200
        assert post(worker, f"/warehouse/counts/{count['id']}/submit", {}).status_code == 200
        assert post(worker, f"/warehouse/counts/{count['id']}/finalise", {}).status_code == 403
        response = post(station, f"/warehouse/counts/{count['id']}/finalise", {})
        assert response.status_code == 200 and response.json()["status"] == "finalised"
        assert shop.on_hand(shop.coat) == 1
        assert post(station, f"/warehouse/counts/{count['id']}/cancel", {}).status_code == 409

    def test_the_pharmacist_releases_medicine_over_the_api(self, shop, pharmacist, api_for):
        shop.receive(shop.pills, 4, days(200), unopened=True)
        client = api_for(pharmacist)
        waiting = client.get("/api/v1/warehouse/medicine/waiting").json()
        assert waiting["count"] == 1
        lot_id = waiting["items"][0]["id"]
        response = post(client, f"/warehouse/lots/{lot_id}/medicine-check", {"approve": True})
        assert response.status_code == 200 and response.json()["check_status"] == "approved"

    def test_alerts_show_levels_below_minimum(self, shop, api_for):
        client = api_for(shop.world.worker_a)
        shop.receive(shop.rice, 2, days(5), location=shop.reserve)
        response = client.put(
            f"/api/v1/warehouse/locations/{shop.reserve.pk}/levels",
            {"item_id": shop.rice.pk, "minimum": "10", "recommended": "20"},
            content_type="application/json",
        )
        assert response.status_code == 200
        alerts = client.get("/api/v1/warehouse/alerts").json()
        assert [
            (a["item"], a["is_reserve"], Decimal(a["on_hand"])) for a in alerts["below_minimum"]
        ] == [("大米 5kg", True, Decimal(2))]
        assert [e["item"] for e in alerts["expiring"]] == ["大米 5kg"]


class TestTillToolsAndReportsApi:
    def test_a_sale_a_quota_and_a_loan_over_the_api(self, shop, person_a, world, api_for):
        from linli.people import services as people_services
        from linli.points.tests.helpers import give as give_points
        from linli.warehouse.services import catalogue

        people_services.person_tag_add(
            actor=world.worker_a, person_id=person_a.pk, tag="low_income"
        )
        give_points(world, person_a, 100)
        shop.receive(shop.rice, 3, days(30), location=shop.shelf)
        station, worker = api_for(world.station_a), api_for(world.worker_a)
        response = post(
            station,
            "/warehouse/relief-quotas",
            {
                "community_id": world.a.pk,
                "amount": 30,
                "everyone": True,
            },
        )
        assert response.status_code == 201 and response.json() == {"granted": 1}
        assert (
            post(
                worker,
                "/warehouse/relief-quotas",
                {
                    "community_id": world.a.pk,
                    "amount": 30,
                    "everyone": True,
                },
            ).status_code
            == 403
        )
        response = post(
            worker,
            "/warehouse/sales",
            {
                "community_id": world.a.pk,
                "location_id": shop.shelf.pk,
                "person_id": person_a.pk,
                "pay_with": "both",
                "lines": [{"item_id": shop.rice.pk, "quantity": "2"}],
            },
        )
        assert response.status_code == 201, response.content
        assert (response.json()["quota_paid"], response.json()["points_paid"]) == (30, 10)
        quotas = worker.get("/api/v1/warehouse/relief-quotas").json()
        assert quotas["items"][0]["left"] == 0

        drill = catalogue.item_create(
            actor=world.worker_a,
            community_id=world.a.pk,
            name="电钻",
            category="tools",
            unit="把",
            fair_value_fen=30000,
            lendable=True,
        )
        shop.receive(drill, 1)
        loan = post(
            worker,
            "/warehouse/loans",
            {
                "community_id": world.a.pk,
                "location_id": shop.store.pk,
                "item_id": drill.pk,
                "borrower_id": person_a.pk,
                "deposit_points": 10,
            },
        )
        assert loan.status_code == 201, loan.content
        assert (
            post(
                api_for(world.worker_b), f"/warehouse/loans/{loan.json()['id']}/renew", {}
            ).status_code
            == 404
        )
        back = post(
            worker, f"/warehouse/loans/{loan.json()['id']}/return", {"condition_in": "完好"}
        )
        assert back.status_code == 200 and back.json()["status"] == "returned"
        assert_ledger_consistent()

    def test_reports_as_data(self, shop, api_for):
        shop.receive(shop.coat, 2)
        client = api_for(shop.world.worker_a)
        report = client.get("/api/v1/warehouse/reports/stock").json()
        assert report["rows"][0][-1] == 24000 and report["money_columns"] == [5]
        assert client.get("/api/v1/warehouse/reports/nonsense").status_code == 422
        assert (
            api_for(shop.world.worker_b).get("/api/v1/warehouse/reports/stock").json()["rows"] == []
        )
