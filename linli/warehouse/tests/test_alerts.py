"""Stock alerts: on the dashboard, and the daily task that notifies the station once a day."""

import pytest
from django.core.management import call_command
from django.urls import reverse

from linli.core.models import Notification
from linli.warehouse.services import catalogue
from linli.warehouse.tests.helpers import days

pytestmark = pytest.mark.django_db


@pytest.fixture
def alarming(shop):
    shop.receive(shop.rice, 2, days(5), location=shop.reserve)
    catalogue.stock_level_set(
        actor=shop.world.worker_a,
        location_id=shop.reserve.pk,
        item_id=shop.rice.pk,
        minimum=10,
        recommended=20,
    )
    shop.receive(shop.coat, 1)
    catalogue.stock_level_set(
        actor=shop.world.worker_a, location_id=shop.store.pk, item_id=shop.coat.pk, minimum=1
    )
    return shop


class TestAlerts:
    def test_the_daily_task_notifies_the_station_once_a_day(self, alarming):
        world = alarming.world
        call_command("warehouse_alerts")
        call_command("warehouse_alerts")
        got = Notification.objects.filter(user__in=[world.worker_a, world.station_a])
        assert got.count() == 2
        message = got.first()
        assert "应急储备" in message.body and "大米 5kg" in message.body
        assert "1 below minimum" in message.title and "1 lots expiring" in message.title
        assert not Notification.objects.filter(
            user__in=[world.worker_b, world.volunteer_a]
        ).exists()

    def test_nothing_is_sent_when_all_is_well(self, shop):
        shop.receive(shop.coat, 3)
        call_command("warehouse_alerts")
        assert not Notification.objects.exists()

    def test_the_dashboard_shows_the_alerts_and_notifications(self, alarming, client_for):
        call_command("warehouse_alerts")
        client = client_for(alarming.world.worker_a)
        text = client.get(reverse("core:dashboard")).content.decode()
        assert "Emergency reserve 应急储备" in text and "Stock alerts" in text
        client.post(reverse("core:notifications_read"))
        assert "Mark all read" not in client.get(reverse("core:dashboard")).content.decode()

    def test_another_communitys_dashboard_shows_none_of_it(self, alarming, client_for):
        text = client_for(alarming.world.worker_b).get(reverse("core:dashboard")).content.decode()
        assert "应急储备" not in text
