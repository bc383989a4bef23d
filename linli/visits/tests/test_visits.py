"""Visits (探访): plans from tags and rules, recording (with needs in one step), the due list per
worker and grid, the monthly count, the station's rules — through services, pages and the API."""

import datetime

import pytest
from django.utils import timezone

from linli.conftest import years_ago
from linli.core.errors import NotFound, PermissionDenied, ValidationFailed
from linli.orders.models import Need
from linli.people import services as people_services
from linli.visits import selectors, services
from linli.visits.models import Visit, VisitRule

TODAY = datetime.date.today


def _tag(world, person, tag, days_ago=30):
    return people_services.person_tag_add(
        actor=world.worker_a,
        person_id=person.pk,
        tag=tag,
        start_date=TODAY() - datetime.timedelta(days=days_ago),
    )


def _visit(world, person, kind="phone", days_ago=0, actor=None, **fields):
    data = {
        "person_id": person.pk,
        "kind": kind,
        "visited_at": timezone.now() - datetime.timedelta(days=days_ago),
        "minutes": 20,
        "wellbeing": 4,
    }
    data.update(fields)
    return services.visit_record(actor=actor or world.worker_a, **data)


@pytest.fixture
def elder(world):
    person = world.person(name="独居老人", birth_date=years_ago(84))
    _tag(world, person, "lives_alone")
    return person


def test_plans_follow_tag_changes(world, elder):
    plan = selectors.person_plan(elder)
    assert (plan.phone_days, plan.home_days) == (7, 30)
    tag = elder.tags.get(tag="lives_alone")
    people_services.person_tag_end(
        actor=world.worker_a, person_tag_id=tag.pk, end_date=TODAY() - datetime.timedelta(days=1)
    )
    plan = selectors.person_plan(elder)  # still 80+: the rule for other people in need
    assert (plan.phone_days, plan.home_days) == (30, 91)
    younger = world.person(name="中年人", birth_date=years_ago(50))
    assert selectors.person_plan(younger) is None
    _tag(world, younger, "disabled")
    assert selectors.person_plan(younger).phone_days == 30


def test_the_station_edits_the_rules_and_plans_change_with_them(world, elder):
    with pytest.raises(PermissionDenied):
        services.visit_rule_save(
            actor=world.worker_a,
            community_id=world.a.pk,
            name="x",
            tags=[],
            phone_days=3,
            home_days=None,
        )
    services.visit_rule_save(
        actor=world.station_a,
        community_id=world.a.pk,
        name="独居高龄加密",
        tags=["lives_alone", "advanced_age"],
        phone_days=3,
        home_days=14,
        priority=0,
    )
    assert VisitRule.objects.filter(community=world.a).count() == 3  # the defaults + the new one
    plan = selectors.person_plan(elder)
    assert (plan.phone_days, plan.home_days) == (3, 14)
    for bad, field in [
        ({"tags": ["astrology"]}, "tags"),
        ({"phone_days": None, "home_days": None}, "phone_days"),
        ({"home_days": 400}, "home_days"),
    ]:
        data = {"name": "r", "tags": [], "phone_days": 7, "home_days": None}
        data.update(bad)
        with pytest.raises(ValidationFailed) as caught:
            services.visit_rule_save(actor=world.station_a, community_id=world.a.pk, **data)
        assert field in caught.value.fields
    assert VisitRule.objects.filter(community=world.a).count() == 3
    assert selectors.person_plan(world.person(community=world.b, birth_date=years_ago(85)))


def test_a_visit_records_the_needs_it_found_in_one_step(world, elder):
    visit = _visit(
        world,
        elder,
        kind="home",
        conditions="poor",
        findings="冰箱空了，腿脚不便",
        needs=[
            {"category": "meal", "urgency": "within_48h", "description": "需要送餐"},
            {"category": "repair", "urgency": "this_week", "description": "门锁坏了"},
        ],
    )
    needs = list(visit.needs.order_by("pk"))
    assert [n.category for n in needs] == ["meal", "repair"]
    assert all(n.source == "visit" and n.person == elder for n in needs)
    phone = _visit(
        world,
        elder,
        needs=[{"category": "companionship", "urgency": "flexible", "description": "想聊天"}],
    )
    assert phone.needs.get().source == "phone"


@pytest.mark.parametrize(
    "fields,field",
    [
        ({"kind": "telepathy"}, "kind"),
        ({"visited_at": timezone.now() + datetime.timedelta(days=1)}, "visited_at"),
        ({"minutes": 0}, "minutes"),
        ({"wellbeing": 6}, "wellbeing"),
        ({"conditions": "palatial"}, "conditions"),
        (
            {"needs": [{"category": "meal", "urgency": "now!", "description": "x"}]},
            "needs.0.urgency",
        ),
        (
            {"needs": [{"category": "meal", "urgency": "flexible", "description": ""}]},
            "needs.0.description",
        ),
    ],
)
def test_bad_visits_are_refused_and_nothing_is_written(world, elder, fields, field):
    with pytest.raises(ValidationFailed) as caught:
        _visit(world, elder, **fields)
    assert field in caught.value.fields
    assert not Visit.objects.exists() and not Need.objects.exists()


def test_only_workers_of_the_community_record_visits(world, elder):
    with pytest.raises(NotFound):
        _visit(world, elder, actor=world.worker_b)
    with pytest.raises(PermissionDenied):
        _visit(world, elder, actor=world.street_admin)
    assert not Visit.objects.exists()


def test_the_due_list_per_worker_and_grid(world, elder):
    from linli.places.models import Grid

    other_grid = Grid.objects.create(community=world.a, code="A-G2", name="第2网格")
    rows = selectors.due_list(world.worker_a, community_id=world.a.pk)
    assert {(r.person, r.kind, r.due_on) for r in rows} == {
        (elder, "phone", TODAY()),
        (elder, "home", TODAY()),
    }  # never visited: due today
    _visit(world, elder, kind="phone", days_ago=10)
    _visit(world, elder, kind="home", days_ago=2)
    rows = selectors.due_list(world.worker_a, community_id=world.a.pk)
    assert [(r.kind, r.days_overdue) for r in rows] == [("phone", 3)]  # home is due in 28 days
    assert selectors.due_list(world.worker_a, overdue_only=True)[0].overdue
    assert selectors.due_list(world.worker_a, grid_id=other_grid.pk) == []
    services.grid_visitor_set(
        actor=world.station_a, grid_id=world.grid_a.pk, worker_id=world.worker_a.pk
    )
    assert (
        selectors.due_list(world.worker_a, worker_id=world.worker_a.pk)[0].worker == world.worker_a
    )
    assert selectors.due_list(world.worker_a, worker_id=world.station_a.pk) == []
    assert selectors.due_list(world.worker_b) == []
    with pytest.raises(ValidationFailed):
        services.grid_visitor_set(
            actor=world.station_a, grid_id=world.grid_a.pk, worker_id=world.worker_b.pk
        )


def test_the_monthly_count_per_worker_against_the_target(world, elder):
    for _ in range(3):
        _visit(world, elder, kind="home")
    _visit(world, elder, kind="phone", actor=world.station_a)
    services.visit_policy_set(actor=world.station_a, community_id=world.a.pk, monthly_target=3)
    today = timezone.localdate()
    rows = {
        r.worker: r
        for r in selectors.monthly_counts(world.worker_a, world.a.pk, today.year, today.month)
    }
    assert (rows[world.worker_a].home, rows[world.worker_a].total, rows[world.worker_a].met) == (
        3,
        3,
        True,
    )
    assert (rows[world.station_a].phone, rows[world.station_a].met) == (1, False)
    with pytest.raises(NotFound):
        selectors.monthly_counts(world.worker_b, world.a.pk, today.year, today.month)


# --- pages --------------------------------------------------------------------------------------


@pytest.mark.usefixtures("english")
def test_the_phone_form_records_a_visit_and_clears_the_draft(world, elder, client_for):
    client = client_for(world.worker_a)
    page = client.get(f"/visits/record/?person={elder.pk}&kind=phone").content.decode()
    assert 'data-draft="visit-draft-' in page and "独居老人" in page
    response = client.post(
        f"/visits/record/?person={elder.pk}",
        {
            "person": elder.pk,
            "kind": "home",
            "visited_at": timezone.localtime().strftime("%Y-%m-%dT%H:%M"),
            "minutes": "40",
            "wellbeing": "2",
            "conditions": "poor",
            "findings": "情绪低落",
            "need_0_category": "psychological",
            "need_0_urgency": "within_48h",
            "need_0_description": "需要心理疏导",
        },
    )
    visit = Visit.objects.get()
    assert response.url == f"/visits/{visit.pk}/?saved=1"
    detail = client.get(response.url).content.decode()
    assert f'data-draft-clear="visit-draft-{world.worker_a.pk}-{elder.pk}"' in detail
    assert "需要心理疏导" in detail
    bad = client.post("/visits/record/", {"person": elder.pk, "kind": "home", "minutes": "0"})
    assert bad.status_code == 200 and Visit.objects.count() == 1


@pytest.mark.usefixtures("english")
def test_the_visit_pages_and_panels(world, elder, client_for):
    _visit(world, elder, kind="phone", days_ago=10, findings="一切都好")
    client = client_for(world.worker_a)
    due = client.get("/visits/").content.decode()
    assert "独居老人" in due and "3 days late" in due
    assert "一切都好" in client.get("/visits/log/").content.decode()
    assert "Target: at least 10 visits" in client.get("/visits/monthly/").content.decode()
    assert "Lives alone and 80+" in client.get("/visits/rules/").content.decode()
    person = client.get(f"/residents/{elder.pk}/").content.decode()
    assert "a phone call every 7 days" in person and "Record a home visit" in person
    assert "My visits" in client.get("/").content.decode()
    other = client_for(world.worker_b)
    visit = Visit.objects.get()
    assert other.get(f"/visits/{visit.pk}/").status_code == 404
    assert "独居老人" not in other.get("/visits/").content.decode()
    assert client_for(world.outsider).get("/visits/").status_code == 403


@pytest.mark.usefixtures("english")
def test_the_station_changes_a_rule_the_target_and_a_grid_visitor_on_the_page(world, client_for):
    client = client_for(world.station_a)
    response = client.post(
        "/visits/rules/",
        {
            "save_rule": "1",
            "name": "残疾人",
            "tags": ["disabled"],
            "phone_days": "14",
            "priority": "5",
            "is_active": "on",
        },
    )
    assert response.status_code == 302
    assert VisitRule.objects.filter(community=world.a, name="残疾人", phone_days=14).exists()
    client.post("/visits/rules/", {"save_target": "1", "monthly_target": "12"})
    assert selectors.monthly_target(world.a.pk) == 12
    client.post("/visits/rules/", {"grid": world.grid_a.pk, "worker": world.worker_a.pk})
    assert world.grid_a.visitor.worker == world.worker_a
    refused = client_for(world.worker_a).post(
        "/visits/rules/", {"save_target": "1", "monthly_target": "1"}
    )
    assert refused.status_code in (302, 403, 200)
    assert selectors.monthly_target(world.a.pk) == 12


# --- API ----------------------------------------------------------------------------------------


def test_visits_over_the_api(world, elder, api_for):
    client = api_for(world.worker_a)
    when = (timezone.localtime() - datetime.timedelta(days=3)).strftime("%Y-%m-%dT%H:%M:%S")
    response = client.post(
        "/api/v1/visits",
        {
            "person_id": elder.pk,
            "kind": "home",
            "visited_at": when,
            "minutes": 30,
            "wellbeing": 3,
            "needs": [{"category": "meal", "description": "送餐"}],
        },
        content_type="application/json",
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["visited_at"].endswith("+08:00") and len(body["need_ids"]) == 1
    assert api_for(world.worker_b).get(f"/api/v1/visits/{body['id']}").status_code == 404
    bad = client.post(
        "/api/v1/visits",
        {
            "person_id": elder.pk,
            "kind": "home",
            "visited_at": when,
            "minutes": 0,
            "wellbeing": 3,
        },
        content_type="application/json",
    )
    assert bad.status_code == 422
    due = client.get(f"/api/v1/visits/due?community_id={world.a.pk}").json()
    assert {row["kind"] for row in due["items"]} >= {"phone"}
    rules = client.get(f"/api/v1/visit-rules?community_id={world.a.pk}").json()
    assert rules[0]["phone_days"] == 7
    assert (
        api_for(world.worker_b).get(f"/api/v1/visit-rules?community_id={world.a.pk}").status_code
        == 404
    )
    assert (
        client.post(
            "/api/v1/visit-rules",
            {"community_id": world.a.pk, "name": "x", "phone_days": 7},
            content_type="application/json",
        ).status_code
        == 403
    )


@pytest.mark.parametrize("n", [2, 8])
def test_the_due_list_and_the_log_cost_the_same_queries_however_long(world, client_for, n):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    for i in range(n):
        person = world.person(name=f"老人{i}", birth_date=years_ago(85))
        _tag(world, person, "lives_alone")
        _visit(world, person, kind="phone", days_ago=9)
    services.grid_visitor_set(
        actor=world.station_a, grid_id=world.grid_a.pk, worker_id=world.worker_a.pk
    )
    client = client_for(world.worker_a)
    client.get("/visits/")
    counts = []
    for url in ("/visits/", "/visits/log/"):
        with CaptureQueriesContext(connection) as queries:
            assert client.get(url).status_code == 200
        counts.append(len(queries))
    assert counts[0] <= 16 and counts[1] <= 8, counts
