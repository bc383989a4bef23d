"""The warehouse speaks Chinese first: pages and service messages in zh-Hans by default."""

import pytest
from django.urls import reverse
from django.utils import translation

from linli.core.errors import ValidationFailed
from linli.warehouse.services import inbound
from linli.warehouse.tests.helpers import days

pytestmark = pytest.mark.django_db


@pytest.fixture
def chinese(settings):
    settings.LANGUAGE_CODE = "zh-hans"
    with translation.override("zh-hans"):
        yield


def test_the_pages_are_in_chinese(shop, chinese, client_for):
    shop.receive(shop.rice, 3, days(30))
    client = client_for(shop.world.worker_a)
    text = client.get(reverse("warehouse:stock")).content.decode()
    assert "库存" in text and "接收捐赠" in text and "捐赠入库" in text
    assert "慈善超市收银台" in client.get(reverse("warehouse:till")).content.decode()


def test_a_refused_medicine_says_why_in_chinese(shop, chinese):
    with pytest.raises(ValidationFailed) as exc:
        inbound.donation_receive(
            actor=shop.world.worker_a,
            community_id=shop.world.a.pk,
            location_id=shop.store.pk,
            donor_kind="anonymous",
            lines=[
                inbound.LineIn(
                    item_id=shop.pills.pk, quantity=1, expires_on=days(30), unopened=True
                )
            ],
        )
    assert "药品须距有效期至少 90 天" in exc.value.fields["lines"][0]
