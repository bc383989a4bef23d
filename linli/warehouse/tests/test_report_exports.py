"""The warehouse reports in Excel: a donor, location or item named like a formula comes out as
inert text in each report; amounts stay numbers."""

import pytest
from django.urls import reverse

from linli.core.tests.test_exports import assert_inert
from linli.warehouse.services import catalogue, inbound
from linli.warehouse.tests.helpers import days

pytestmark = pytest.mark.django_db

EVIL = "=cmd|' /C calc'!A0"


@pytest.fixture
def evil(shop, person_a, world):
    location = catalogue.location_create(
        actor=world.worker_a, community_id=world.a.pk, name=EVIL, kind="warehouse"
    )
    item = catalogue.item_create(
        actor=world.worker_a,
        community_id=world.a.pk,
        name="=1+2",
        category="grain_oil",
        unit="袋",
        fair_value_fen=1000,
    )
    inbound.donation_receive(
        actor=world.worker_a,
        community_id=world.a.pk,
        location_id=location.pk,
        donor_kind="business",
        donor_name=EVIL,
        lines=[inbound.LineIn(item_id=item.pk, quantity=3, expires_on=days(100))],
    )
    return shop


@pytest.mark.parametrize("kind", ["stock", "inflows", "outflows"])
def test_each_report_comes_out_without_formulas(evil, client_for, kind):
    client = client_for(evil.world.worker_a)
    response = client.get(reverse("warehouse:report"), {"report": kind, "format": "xlsx"})
    assert response.status_code == 200
    rows = assert_inert(response.content)
    cells = {cell for row in rows for cell in row}
    if kind in ("stock", "inflows"):
        assert "'" + EVIL in cells  # the location / the donor, as text
        assert 30.0 in cells  # 3 × ¥10, still a number
