"""The orders pages: what a worker, a resident and a volunteer see and do; scoping; bad input."""

import datetime
import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext

from linli.core.testing import png_bytes
from linli.orders.models import MatchRun, Need, Resource, ServiceOrder
from linli.orders.services import needs as need_services
from linli.places.models import ServiceSite

PNG = png_bytes()

pytestmark = pytest.mark.usefixtures("english")


def test_the_station_pages_open_with_their_empty_states(desk, world, client_for):
    client = client_for(world.worker_a)
    for url, text in [
        ("/orders/", "No service orders here."),
        ("/orders/needs/", "No needs here."),
        ("/orders/resources/", "Volunteers by skill"),
        ("/orders/batch/", "No proposals yet."),
        ("/orders/projects/", "service projects"),
        ("/orders/new/", "Order for a resident"),
        ("/orders/needs/new/", "Record a need"),
        ("/orders/resources/new/", "List a resource"),
    ]:
        response = client.get(url)
        assert response.status_code == 200, url
        assert text in response.content.decode(), url


def test_a_worker_records_a_need_and_orders_for_it_then_dispatches_from_the_suggestions(
    desk, world, client_for
):
    client = client_for(world.worker_a)
    response = client.post(
        "/orders/needs/new/",
        {
            "person": desk.resident.pk,
            "category": "repair",
            "urgency": "within_48h",
            "source": "visit",
            "description": "卫生间灯不亮",
        },
    )
    need = Need.objects.get()
    assert response.status_code == 302 and response.url == f"/orders/needs/{need.pk}/"
    form = client.get(f"/orders/new/?need={need.pk}").content.decode()
    assert "卫生间灯不亮" in form
    response = client.post(
        f"/orders/new/?need={need.pk}",
        {
            "person": desk.resident.pk,
            "category": "repair",
            "urgency": "within_48h",
            "description": "卫生间灯不亮",
        },
    )
    order = ServiceOrder.objects.get()
    assert response.url == f"/orders/{order.pk}/" and order.need == need
    page = client.get(f"/orders/{order.pk}/").content.decode()
    assert "Suggested volunteers and teams" in page and "李志愿" in page and "has the skill" in page
    response = client.post(
        f"/orders/{order.pk}/dispatch/", {"volunteer": desk.volunteer.pk}, follow=True
    )
    assert "The order is dispatched." in response.content.decode()
    order.refresh_from_db()
    assert order.status == "dispatched" and order.volunteer == desk.volunteer
    need.refresh_from_db()
    assert need.status == "being_met"


def test_bad_input_on_the_pages_is_shown_and_nothing_is_written(desk, world, client_for):
    client = client_for(world.worker_a)
    response = client.post(
        "/orders/new/",
        {
            "person": desk.resident.pk,
            "category": "repair",
            "urgency": "flexible",
            "description": "",
        },
    )
    assert response.status_code == 200 and "This field is required." in response.content.decode()
    order = desk.order()
    response = client.post(f"/orders/{order.pk}/dispatch/", {}, follow=True)
    assert "Choose one volunteer or one team." in response.content.decode()
    response = client.post(f"/orders/{order.pk}/cancel/", {}, follow=True)
    assert "This field is required." in response.content.decode()
    assert ServiceOrder.objects.get().status == "ordered"
    assert client.post(f"/orders/{order.pk}/fly/").status_code == 404


def test_another_communitys_worker_gets_404s(desk, world, client_for):
    order = desk.order()
    need = need_services.need_create(
        actor=world.worker_a,
        person_id=desk.resident.pk,
        category="meal",
        urgency="flexible",
        source="phone",
        description="送餐",
    )
    resource = need_services.resource_create(
        actor=world.worker_a,
        community_id=world.a.pk,
        kind="partner_service",
        category="daily_care",
        title="理发",
        offered_by="小王",
    )
    client = client_for(world.worker_b)
    for url in [
        f"/orders/{order.pk}/",
        f"/orders/needs/{need.pk}/",
        f"/orders/needs/{need.pk}/edit/",
        f"/orders/resources/{resource.pk}/edit/",
    ]:
        assert client.get(url).status_code == 404, url
    assert client.post(f"/orders/{order.pk}/cancel/", {"reason": "x"}).status_code == 404
    assert "送餐" not in client.get("/orders/needs/").content.decode()
    assert client_for(world.outsider).get("/orders/").status_code == 403
    assert ServiceOrder.objects.get().status == "ordered"


def test_the_resident_orders_on_the_phone_page_rates_and_sees_the_call_fallback(
    desk, world, client_for
):
    ServiceSite.objects.create(
        community=world.a,
        kind="service_center",
        name="党群服务中心",
        address="1号",
        phone="028-12345678",
        latitude=30.6,
        longitude=104.0,
    )
    client = client_for(world.resident_a)
    page = client.get("/me/orders/").content.decode()
    assert "028-12345678" in page and "tel:028-12345678" in page
    response = client.post(
        "/me/orders/", {"category": "cleaning", "urgency": "this_week", "description": "擦窗户"}
    )
    assert response.status_code == 302
    order = ServiceOrder.objects.get()
    assert order.channel == "resident" and order.person == desk.resident
    done = desk.done()
    response = client.post(
        f"/orders/{done.pk}/rate/", {"rating": "5", "words": "好", "next": "/me/orders/"}
    )
    assert response.url == "/me/orders/"
    done.refresh_from_db()
    assert done.resident_rating == 5
    response = client.post(
        f"/orders/{order.pk}/cancel/",
        {"reason": "Cancelled by the resident", "next": "/me/orders/"},
    )
    assert ServiceOrder.objects.get(pk=order.pk).status == "cancelled"


def test_the_volunteer_works_from_the_tasks_page_with_photos(desk, world, client_for):
    order = desk.dispatched()
    client = client_for(world.volunteer_a)
    assert "厨房水龙头漏水" in client.get("/me/tasks/").content.decode()
    nxt = {"next": "/me/tasks/"}
    assert client.post(f"/orders/{order.pk}/accept/", nxt).url == "/me/tasks/"
    client.post(f"/orders/{order.pk}/check_in/", nxt)
    response = client.post(
        f"/orders/{order.pk}/check_out/",
        {
            "notes": "修好了",
            "photos": [SimpleUploadedFile("a.png", PNG, content_type="image/png")],
            **nxt,
        },
    )
    order.refresh_from_db()
    assert order.status == "done" and order.photos.count() == 1
    photo = order.photos.get()
    served = client.get(f"/orders/photos/{photo.pk}/")
    assert served["Content-Type"] == "image/jpeg" and b"".join(served.streaming_content)
    assert client_for(world.worker_b).get(f"/orders/photos/{photo.pk}/").status_code == 404
    assert response.status_code == 302


def test_a_photo_that_is_not_an_image_is_refused(desk, world, client_for):
    order = desk.dispatched()
    client = client_for(world.volunteer_a)
    client.post(f"/orders/{order.pk}/accept/")
    client.post(f"/orders/{order.pk}/check_in/")
    response = client.post(
        f"/orders/{order.pk}/check_out/",
        {"photos": [SimpleUploadedFile("a.png", b"MZ not an image", content_type="image/png")]},
        follow=True,
    )
    assert "JPEG, PNG or WebP" in response.content.decode()
    assert ServiceOrder.objects.get().status == "in_service"


def test_the_station_reviews_and_the_points_are_announced(desk, world, client_for):
    order = desk.rated()
    client = client_for(world.station_a)
    page = client.get(f"/orders/{order.pk}/").content.decode()
    assert "Complete the evaluation" in page
    response = client.post(
        f"/orders/{order.pk}/review/", {"review": "很好", "hours": "2"}, follow=True
    )
    assert "points are credited" in response.content.decode()
    order.refresh_from_db()
    assert order.status == "evaluated" and order.service_record.points == 4


def test_a_batch_is_proposed_and_applied_from_the_pages(desk, world, client_for):
    desk.order()
    desk.order(category="companionship")
    client = client_for(world.worker_a)
    response = client.post("/orders/batch/")
    run = MatchRun.objects.get()
    assert response.url == f"/orders/batch/{run.pk}/"
    page = client.get(response.url).content.decode()
    assert "Dispatch the ticked orders" in page and "has the skill" in page
    lines = list(run.lines.values_list("pk", flat=True))
    response = client.post(
        f"/orders/batch/{run.pk}/", {"decision": "apply", "line": lines[:1]}, follow=True
    )
    assert "1 orders dispatched" in response.content.decode()
    assert ServiceOrder.objects.filter(status="dispatched").count() == 1


def test_resources_are_listed_and_shown_by_category(desk, world, client_for):
    client = client_for(world.worker_a)
    response = client.post(
        "/orders/resources/new/",
        {
            "kind": "partner_service",
            "category": "medical_escort",
            "title": "每月义诊",
            "offered_by": "社区卫生服务中心",
            "is_active": "on",
        },
    )
    assert response.status_code == 302
    page = client.get("/orders/resources/?category=medical_escort").content.decode()
    assert "每月义诊" in page and "社区卫生服务中心" in page
    assert Resource.objects.get().community == world.a


def test_the_person_page_and_dashboard_show_orders(desk, world, client_for):
    order = desk.order(urgency="emergency")
    type(order).objects.filter(pk=order.pk).update(
        created_at=order.created_at - datetime.timedelta(hours=3)
    )
    client = client_for(world.worker_a)
    assert f"#{order.pk}" in client.get(f"/residents/{desk.resident.pk}/").content.decode()
    dashboard = client.get("/").content.decode()
    assert "Overdue: escalated" in dashboard and f"#{order.pk}" in dashboard
    assert "order-escalations" not in client_for(world.worker_b).get("/").content.decode()
    listing = client.get("/orders/?overdue=1").content.decode()
    assert f"#{order.pk}" in listing and "Overdue" in listing


@pytest.mark.parametrize("n", [2, 10])
def test_the_order_list_page_costs_the_same_queries_however_long(desk, world, client_for, n):
    for _ in range(n):
        desk.dispatched()
    client = client_for(world.worker_a)
    client.get("/orders/")
    with CaptureQueriesContext(connection) as queries:
        response = client.get("/orders/")
    assert response.status_code == 200
    assert len(queries) <= 14, [q["sql"] for q in queries]


def test_overdue_orders_are_escalated_once_to_the_station_admins(desk, world):
    from linli.core.models import Notification

    late = desk.order(urgency="emergency")
    fresh = desk.order(urgency="emergency")
    ServiceOrder.objects.filter(pk=late.pk).update(
        created_at=late.created_at - datetime.timedelta(hours=3)
    )
    call_command("orders_escalate", stdout=io.StringIO())
    call_command("orders_escalate", stdout=io.StringIO())
    notes = Notification.objects.filter(key__startswith="order-overdue:")
    assert list(notes.values_list("user__username", flat=True)) == ["station_a"]
    assert f"#{late.pk}" in notes.get().title and f"#{fresh.pk}" not in notes.get().title


def test_the_resources_list_shows_goods_on_hand_for_material_aid(desk, world, client_for):
    from linli.warehouse.tests.helpers import Shop, days

    shop = Shop(world)
    shop.receive(shop.rice, 20, days(200))
    shop.receive(shop.coat, 3)
    page = client_for(world.worker_a).get("/orders/resources/?category=material_aid").content
    assert "大米 5kg 20袋" in page.decode() and "冬季棉衣 3件" in page.decode()
    assert "大米" not in client_for(world.worker_b).get("/orders/resources/").content.decode()


@pytest.mark.parametrize("n", [2, 8])
def test_the_needs_list_costs_the_same_queries_however_long(desk, world, client_for, n):
    for i in range(n):
        need_services.need_create(
            actor=world.worker_a,
            person_id=world.person(name=f"居民{i}").pk,
            category="meal",
            urgency="flexible",
            source="visit",
            description="送餐",
        )
    client = client_for(world.worker_a)
    client.get("/orders/needs/")
    with CaptureQueriesContext(connection) as queries:
        assert client.get("/orders/needs/").status_code == 200
    assert len(queries) <= 12, [q["sql"] for q in queries]


@pytest.mark.parametrize("n", [2, 8])
def test_the_phone_pages_cost_the_same_queries_however_many_orders(desk, world, client_for, n):
    for _ in range(n):
        desk.dispatched()  # the resident's orders, dispatched to volunteer_a
    for path, user in (("/me/tasks/", world.volunteer_a), ("/me/orders/", world.resident_a)):
        client = client_for(user)
        client.get(path)
        with CaptureQueriesContext(connection) as queries:
            assert client.get(path).status_code == 200
        assert len(queries) <= 12, (path, [q["sql"] for q in queries])
