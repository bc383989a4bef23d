"""The warehouse pages: lists, forms with their errors, scoping (404 across communities), the
public certificate check, the household panel, and bounded query counts on list pages."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from linli.core.testing import png_bytes
from linli.ledger.testing import assert_ledger_consistent
from linli.people import services as people_services
from linli.warehouse.models import Distribution, Donation, StockHolding
from linli.warehouse.services import counts
from linli.warehouse.tests.helpers import days

pytestmark = pytest.mark.django_db

PNG = png_bytes()


def lines(*rows, extra: int = 2) -> dict:
    data = {"lines-TOTAL_FORMS": str(len(rows) + extra), "lines-INITIAL_FORMS": "0"}
    for i, row in enumerate(rows):
        data.update({f"lines-{i}-{k}": v for k, v in row.items()})
    return data


@pytest.fixture
def stocked(shop, person_a):
    donation = shop.receive(shop.rice, 10, days(100))
    shop.receive(shop.coat, 3)
    distribution = shop.give(shop.rice, 2, person_id=person_a.pk)
    count = counts.count_start(actor=shop.world.worker_a, location_id=shop.shelf.pk)
    return {"donation": donation, "distribution": distribution, "count": count}


class TestPagesRender:
    @pytest.mark.parametrize(
        "name",
        [
            "stock",
            "alerts",
            "item_list",
            "location_list",
            "donation_list",
            "distribution_list",
            "transfer_list",
            "count_list",
            "write_off_list",
            "medicine_list",
            "pledge_list",
            "donation_create",
            "distribution_create",
            "transfer_create",
            "item_create",
            "location_create",
            "pledge_create",
        ],
    )
    def test_a_worker_opens_every_page(self, shop, stocked, client_for, name):
        response = client_for(shop.world.worker_a).get(reverse(f"warehouse:{name}"))
        assert response.status_code == 200

    def test_the_stock_page_shows_quantity_and_value(self, shop, stocked, client_for):
        response = client_for(shop.world.worker_a).get(reverse("warehouse:stock"))
        text = response.content.decode()
        assert "大米 5kg" in text and "8 袋" in text and "¥280.00" in text

    def test_detail_pages_open_in_scope_and_404_outside(self, shop, stocked, client_for):
        urls = [
            reverse("warehouse:item_detail", args=[shop.rice.pk]),
            reverse("warehouse:item_edit", args=[shop.rice.pk]),
            reverse("warehouse:location_detail", args=[shop.store.pk]),
            reverse("warehouse:location_edit", args=[shop.store.pk]),
            reverse("warehouse:donation_detail", args=[stocked["donation"].pk]),
            reverse("warehouse:donation_certificate", args=[stocked["donation"].pk]),
            reverse("warehouse:distribution_detail", args=[stocked["distribution"].pk]),
            reverse("warehouse:count_detail", args=[stocked["count"].pk]),
            reverse("warehouse:write_off_create", args=[StockHolding.objects.first().pk]),
        ]
        mine, theirs = client_for(shop.world.worker_a), client_for(shop.world.worker_b)
        for url in urls:
            assert mine.get(url).status_code == 200, url
            assert theirs.get(url).status_code == 404, url

    def test_lists_do_not_show_another_communitys_records(self, shop, stocked, client_for):
        client = client_for(shop.world.worker_b)
        mine = reverse("warehouse:item_detail", args=[shop.rice.pk])
        for name in ("stock", "donation_list", "distribution_list", "item_list"):
            text = client.get(reverse(f"warehouse:{name}")).content.decode()
            assert mine not in text and "张三丰" not in text

    def test_people_without_the_role_get_403(self, shop, client_for):
        for user in (shop.world.volunteer_a, shop.world.outsider):
            assert client_for(user).get(reverse("warehouse:stock")).status_code == 403

    def test_list_pages_keep_their_query_count_as_rows_grow(self, shop, person_a, client_for):
        client = client_for(shop.world.worker_a)

        def queries(name):
            with CaptureQueriesContext(connection) as ctx:
                assert client.get(reverse(f"warehouse:{name}")).status_code == 200
            return len(ctx)

        names = ["stock", "donation_list", "distribution_list", "item_list", "transfer_list"]

        def add_round(n):
            shop.receive(shop.rice, 5, days(40 + n))
            shop.receive(shop.coat, 1, location=shop.shelf)
            shop.give(shop.rice, 1, person_id=person_a.pk)
            shop.move(shop.rice, 1, shop.store, shop.reserve)

        add_round(0)
        before = {name: queries(name) for name in names}
        for n in range(1, 7):
            add_round(n)
        assert {name: queries(name) for name in names} == before


class TestForms:
    def test_a_donation_through_the_page(self, shop, person_a, client_for):
        data = {
            "location": shop.store.pk,
            "donor_kind": "resident",
            "donor_person": person_a.pk,
            "received_on": days(0).isoformat(),
            "donor_name": "",
            "note": "",
            **lines(
                {"item": shop.rice.pk, "quantity": "4", "expires_on": days(90).isoformat()},
                {"item": shop.coat.pk, "quantity": "1", "value": "80.50"},
            ),
        }
        response = client_for(shop.world.worker_a).post(reverse("warehouse:donation_create"), data)
        donation = Donation.objects.get()
        assert response.status_code == 302 and response["Location"].endswith(f"/{donation.pk}/")
        assert donation.total_value_fen == 4 * 3500 + 8050 and donation.points_awarded == 10
        assert_ledger_consistent()

    def test_a_refused_medicine_donation_shows_the_reason_and_keeps_nothing(self, shop, client_for):
        data = {
            "location": shop.store.pk,
            "donor_kind": "anonymous",
            "received_on": days(0).isoformat(),
            **lines(
                {
                    "item": shop.pills.pk,
                    "quantity": "2",
                    "expires_on": days(30).isoformat(),
                    "unopened": "on",
                }
            ),
        }
        response = client_for(shop.world.worker_a).post(reverse("warehouse:donation_create"), data)
        assert response.status_code == 200
        assert "90" in response.content.decode() and not Donation.objects.exists()

    def test_a_donation_without_lines_or_with_a_half_line_is_refused(self, shop, client_for):
        base = {
            "location": shop.store.pk,
            "donor_kind": "anonymous",
            "received_on": days(0).isoformat(),
        }
        client = client_for(shop.world.worker_a)
        assert (
            client.post(reverse("warehouse:donation_create"), {**base, **lines()}).status_code
            == 200
        )
        half = {**base, **lines({"item": shop.coat.pk, "quantity": ""})}
        assert client.post(reverse("warehouse:donation_create"), half).status_code == 200
        assert not Donation.objects.exists()

    def test_a_handout_with_a_photographed_receipt(
        self, shop, person_a, client_for, settings, tmp_path
    ):
        settings.MEDIA_ROOT = tmp_path
        shop.receive(shop.coat, 3)
        data = {
            "location": shop.store.pk,
            "recipient_kind": "person",
            "person": person_a.pk,
            "distributed_on": days(0).isoformat(),
            "signed_by": "",
            "receipt": SimpleUploadedFile("receipt.png", PNG, content_type="image/png"),
            **lines({"item": shop.coat.pk, "quantity": "1"}),
        }
        client = client_for(shop.world.worker_a)
        response = client.post(reverse("warehouse:distribution_create"), data)
        distribution = Distribution.objects.get()
        assert response.status_code == 302 and distribution.receipt
        url = reverse("warehouse:distribution_receipt", args=[distribution.pk])
        served = client.get(url)
        assert served["Content-Type"] == "image/jpeg" and b"".join(served.streaming_content)
        assert client_for(shop.world.worker_b).get(url).status_code == 404

    def test_a_receipt_that_is_not_a_photo_is_refused(
        self, shop, person_a, client_for, settings, tmp_path
    ):
        settings.MEDIA_ROOT = tmp_path
        shop.receive(shop.coat, 3)
        data = {
            "location": shop.store.pk,
            "recipient_kind": "person",
            "person": person_a.pk,
            "distributed_on": days(0).isoformat(),
            "receipt": SimpleUploadedFile("receipt.png", b"<script>", content_type="image/png"),
            **lines({"item": shop.coat.pk, "quantity": "1"}),
        }
        response = client_for(shop.world.worker_a).post(
            reverse("warehouse:distribution_create"), data
        )
        assert response.status_code == 200 and not Distribution.objects.exists()
        assert "JPEG, PNG or WebP" in response.content.decode()

    def test_a_count_is_entered_submitted_and_finalised_through_the_pages(self, shop, client_for):
        shop.receive(shop.coat, 3)
        worker, station = client_for(shop.world.worker_a), client_for(shop.world.station_a)
        response = worker.post(reverse("warehouse:count_start", args=[shop.store.pk]))
        count = shop.store.counts.get()
        assert response["Location"] == reverse("warehouse:count_detail", args=[count.pk])
        line = count.lines.get()
        worker.post(
            reverse("warehouse:count_detail", args=[count.pk]),
            {f"counted-{line.pk}": "2", f"reason-{line.pk}": "lost", "then": "submit"},
        )
        station.post(reverse("warehouse:count_action", args=[count.pk, "finalise"]))
        count.refresh_from_db()
        assert count.status == "finalised" and shop.on_hand(shop.coat) == 2

    def test_the_public_certificate_check_masks_a_resident_donor(self, shop, person_a, client):
        from linli.warehouse.services import inbound

        donation = inbound.donation_receive(
            actor=shop.world.worker_a,
            community_id=shop.world.a.pk,
            location_id=shop.store.pk,
            donor_kind="resident",
            donor_person_id=person_a.pk,
            lines=[inbound.LineIn(item_id=shop.coat.pk, quantity=1)],
        )
        url = reverse("warehouse_certificate_check", args=[donation.certificate_code])
        text = client.get(url).content.decode()
        assert "张*丰" in text and "张三丰" not in text and "¥120.00" in text
        assert client.get(reverse("warehouse_certificate_check", args=["NOPE"])).status_code == 404


class TestHouseholdPanel:
    def test_the_household_page_lists_what_it_received(self, shop, person_a, client_for):
        household = people_services.household_create(
            actor=shop.world.worker_a,
            community_id=shop.world.a.pk,
            address="1栋1单元101",
            head_id=person_a.pk,
        )
        shop.receive(shop.coat, 3)
        shop.give(shop.coat, 2, recipient_kind="household", household_id=household.pk)
        url = reverse("people:household", args=[household.pk])
        text = client_for(shop.world.worker_a).get(url).content.decode()
        assert "冬季棉衣 × 2件" in text
