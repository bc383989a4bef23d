"""Reports: stock by location and category, inflows by donor and month, outflows by group and
month — right figures, scoped, and the same in Excel."""

import io

import pytest
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from linli.people import services as people_services
from linli.warehouse import reports
from linli.warehouse.services import inbound
from linli.warehouse.tests.helpers import days

pytestmark = pytest.mark.django_db


@pytest.fixture
def moved(shop, person_a, world):
    people_services.person_tag_add(actor=world.worker_a, person_id=person_a.pk, tag="lives_alone")
    inbound.donation_receive(
        actor=world.worker_a,
        community_id=world.a.pk,
        location_id=shop.store.pk,
        donor_kind="business",
        donor_name="联华超市",
        lines=[inbound.LineIn(item_id=shop.rice.pk, quantity=10, expires_on=days(100))],
    )
    shop.receive(shop.coat, 2)
    shop.give(shop.rice, 2, person_id=person_a.pk)
    shop.give(shop.coat, 1, recipient_kind="emergency", occasion="暴雨", signed_by="李")
    shop.receive(shop.rice_b, 5, days(100), location=shop.store_b, actor=world.worker_b)
    return shop


class TestReports:
    def test_stock_by_location_and_category(self, moved):
        table = reports.stock_by_location_category(moved.world.worker_a)
        assert sorted(row[1:] for row in table.rows) == [
            ["爱心义仓", "Clothing", 1, 1, 12000],
            ["爱心义仓", "Grain and oil", 1, 1, 8 * 3500],
        ]
        assert sum(r[5] for r in table.rows) == 8 * 3500 + 12000  # B's rice is not here

    def test_inflows_by_donor_and_month(self, moved):
        table = reports.inflows_by_donor_month(moved.world.worker_a, year=timezone.localdate().year)
        by_donor = {row[0]: row[-1] for row in table.rows}
        assert by_donor == {"联华超市": 35000, "Anonymous donor": 24000}
        month = timezone.localdate().month
        assert table.rows[0][1 + month] == table.rows[0][-1]

    def test_outflows_by_group_and_month(self, moved):
        table = reports.outflows_by_tag_month(moved.world.worker_a, year=timezone.localdate().year)
        groups = {row[0]: (row[1], row[-1]) for row in table.rows}
        assert groups == {"Lives alone": (1, 7000), "Emergency": (1, 12000)}

    def test_the_page_and_the_excel_export(self, moved, client_for):
        client = client_for(moved.world.worker_a)
        for kind in ("stock", "inflows", "outflows"):
            assert client.get(reverse("warehouse:report"), {"report": kind}).status_code == 200
        response = client.get(reverse("warehouse:report"), {"report": "inflows", "format": "xlsx"})
        sheet = load_workbook(io.BytesIO(response.content)).active
        rows = list(sheet.iter_rows(values_only=True))
        assert rows[2][0] == "联华超市" and rows[2][-1] == 350.0
        assert rows[-1][-1] == 590.0  # the total row, in yuan

    def test_another_community_sees_only_its_own(self, moved):
        table = reports.stock_by_location_category(moved.world.worker_b)
        assert [row[1] for row in table.rows] == ["乙义仓"]
