"""The orders API: the four orders end to end, scoping (404), roles (403), bad input (422)."""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from linli.orders.models import Need, Resource, ServiceOrder

API = "/api/v1"


def test_a_resident_orders_by_phone_and_the_four_orders_follow(desk, world, api_for):
    resident, worker, volunteer = (
        api_for(world.resident_a),
        api_for(world.worker_a),
        api_for(world.volunteer_a),
    )
    response = resident.post(
        f"{API}/service-orders",
        {
            "person_id": desk.resident.pk,
            "category": "repair",
            "urgency": "within_48h",
            "description": "灯不亮了",
            "wanted_at": f"{datetime.date.today().year + 1}-01-05T09:30:00",
        },
        content_type="application/json",
    )
    assert response.status_code == 201, response.content
    order = response.json()
    assert order["channel"] == "resident" and order["wanted_at"].endswith("+08:00")
    url = f"{API}/service-orders/{order['id']}"
    suggestions = worker.get(f"{url}/suggestions").json()
    assert suggestions[0]["id"] == desk.volunteer.pk and suggestions[0]["reasons"][0][0] == "skill"
    steps = [
        (worker, "dispatch", {"volunteer_id": desk.volunteer.pk}),
        (volunteer, "accept", {}),
        (volunteer, "check-in", None),
        (volunteer, "check-out", {"notes": "换了灯管"}),
        (resident, "rate", {"rating": 5, "words": "谢谢"}),
        (volunteer, "team-account", {"account": "顺利"}),
        (worker, "review", {"review": "好", "hours": "1.00"}),
        (worker, "close", None),
    ]
    for client, path, body in steps:
        kwargs = {"content_type": "application/json"} if body is not None else {}
        response = (
            client.post(f"{url}/{path}", body, **kwargs)
            if body is not None
            else (client.post(f"{url}/{path}"))
        )
        assert response.status_code == 200, (path, response.content)
    detail = resident.get(url).json()
    assert detail["status"] == "closed" and detail["hours"] == "1.00"
    assert [e["to_status"] for e in detail["events"]][-2:] == ["evaluated", "closed"]
    assert [o["id"] for o in resident.get(f"{API}/me/service-orders").json()] == [order["id"]]


def test_roles_scope_and_bad_input(desk, world, api_for):
    order = desk.order()
    url = f"{API}/service-orders/{order.pk}"
    assert api_for(world.worker_b).get(url).status_code == 404
    assert api_for(world.outsider).get(url).status_code == 404
    assert api_for(world.street_admin).get(url).status_code == 200
    refused = api_for(world.street_admin).post(
        f"{url}/dispatch", {"volunteer_id": desk.volunteer.pk}, content_type="application/json"
    )
    assert refused.status_code == 403 and refused.json()["detail"]
    assert (
        api_for(world.worker_b)
        .post(
            f"{url}/dispatch", {"volunteer_id": desk.volunteer.pk}, content_type="application/json"
        )
        .status_code
        == 404
    )
    worker = api_for(world.worker_a)
    bad = worker.post(f"{url}/dispatch", {}, content_type="application/json")
    assert bad.status_code == 422 and "volunteer_id" in bad.json()["errors"]
    assert (
        api_for(world.resident_a)
        .post(f"{url}/accept", {}, content_type="application/json")
        .status_code
        == 403
    )
    assert worker.post(f"{url}/close").status_code == 409
    for body in (
        {
            "person_id": desk.resident.pk,
            "category": "magic",
            "urgency": "flexible",
            "description": "x",
        },
        {
            "person_id": desk.resident.pk,
            "category": "repair",
            "urgency": "flexible",
            "description": "",
        },
        {
            "person_id": desk.resident.pk,
            "category": "repair",
            "urgency": "flexible",
            "description": "x",
            "wanted_at": "1900-01-01T00:00:00",
        },
    ):
        assert (
            worker.post(f"{API}/service-orders", body, content_type="application/json").status_code
            == 422
        )
    assert ServiceOrder.objects.count() == 1
    assert api_for(world.volunteer_a).get(f"{API}/me/tasks").json() == []


def test_needs_and_resources_over_the_api(desk, world, api_for):
    worker = api_for(world.worker_a)
    response = worker.post(
        f"{API}/needs",
        {
            "person_id": desk.resident.pk,
            "category": "meal",
            "urgency": "this_week",
            "source": "visit",
            "description": "行动不便，需要送餐",
        },
        content_type="application/json",
    )
    assert response.status_code == 201
    need_id = response.json()["id"]
    assert api_for(world.worker_b).get(f"{API}/needs/{need_id}").status_code == 404
    closed = worker.post(
        f"{API}/needs/{need_id}/status", {"status": "closed"}, content_type="application/json"
    )
    assert closed.status_code == 422
    assert Need.objects.get(pk=need_id).status == "open"
    created = worker.post(
        f"{API}/resources",
        {
            "community_id": world.a.pk,
            "kind": "partner_service",
            "category": "daily_care",
            "title": "免费理发",
            "offered_by": "小王理发店",
            "capacity": "每月20人",
        },
        content_type="application/json",
    )
    assert created.status_code == 201
    assert api_for(world.worker_b).get(f"{API}/resources").json()["count"] == 0
    catalogue = worker.get(f"{API}/resource-catalogue?community_id={world.a.pk}").json()
    daily = next(row for row in catalogue if row["category"] == "daily_care")
    assert daily["listed"][0]["title"] == "免费理发"
    assert any(name == "理发" for name, _n in daily["skills"])
    assert next(row for row in catalogue if row["category"] == "material_aid")["goods"] == []
    assert (
        api_for(world.worker_b)
        .get(f"{API}/resource-catalogue?community_id={world.a.pk}")
        .status_code
        == 404
    )
    assert Resource.objects.count() == 1


def test_a_batch_over_the_api(desk, world, api_for):
    desk.order()
    worker = api_for(world.worker_a)
    run = worker.post(
        f"{API}/match-runs", {"community_id": world.a.pk}, content_type="application/json"
    )
    assert run.status_code == 201 and len(run.json()["lines"]) == 1
    run_id = run.json()["id"]
    assert api_for(world.worker_b).get(f"{API}/match-runs/{run_id}").status_code == 404
    applied = worker.post(f"{API}/match-runs/{run_id}/apply", {}, content_type="application/json")
    assert applied.status_code == 200 and len(applied.json()["dispatched"]) == 1
    assert worker.post(f"{API}/match-runs/{run_id}/discard").status_code == 409


def test_the_project_list_over_the_api(desk, world, api_for):
    import datetime

    today = datetime.date.today()
    quarter = (today.month - 1) // 3 + 1
    desk.rated()
    rows = (
        api_for(world.worker_a)
        .get(f"{API}/projects?community_id={world.a.pk}&year={today.year}&quarter={quarter}")
        .json()
    )
    repair = next(r for r in rows if r["category"] == "repair")
    assert repair["orders_done"] == 1 and repair["people"] == 1
    assert (
        api_for(world.worker_b)
        .get(f"{API}/projects?community_id={world.a.pk}&year={today.year}&quarter=1")
        .status_code
        == 404
    )


@pytest.mark.parametrize("n", [3, 12])
def test_the_order_list_costs_the_same_queries_however_long(desk, world, api_for, n):
    for _ in range(n):
        desk.dispatched()
    client = api_for(world.worker_a)
    with CaptureQueriesContext(connection) as queries:
        response = client.get(f"{API}/service-orders?limit=50")
    assert response.json()["count"] == n
    assert len(queries) <= 8
