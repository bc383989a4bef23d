"""The four orders (四单): every transition, allowed and forbidden, per role; points once."""

import datetime
from decimal import Decimal

import pytest
from django.utils import timezone

from linli.core.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from linli.ledger.models import Posting
from linli.ledger.testing import assert_ledger_consistent
from linli.orders.models import Need, ServiceOrder
from linli.orders.services import needs as need_services
from linli.orders.services import orders as svc
from linli.volunteers.models import ServiceRecord

Status = ServiceOrder.Status


def _points_of(person) -> int:
    return sum(
        Posting.objects.filter(account__key=f"person:{person.pk}/points").values_list(
            "quantity", flat=True
        )
    )


def test_an_order_goes_through_the_four_orders_and_the_volunteer_earns_points_once(desk):
    w = desk.world
    order = desk.order(actor=w.resident_a)
    assert order.channel == ServiceOrder.Channel.RESIDENT
    svc.order_dispatch(actor=w.worker_a, order_id=order.pk, volunteer_id=desk.volunteer.pk)
    svc.order_accept(actor=w.volunteer_a, order_id=order.pk)
    svc.order_check_in(actor=w.volunteer_a, order_id=order.pk)
    ServiceOrder.objects.filter(pk=order.pk).update(
        checked_in_at=timezone.now() - datetime.timedelta(minutes=95)
    )
    svc.order_check_out(actor=w.volunteer_a, order_id=order.pk, notes="换了阀芯")
    svc.order_rate(actor=w.resident_a, order_id=order.pk, rating=5, words="很及时")
    svc.order_team_account(actor=w.volunteer_a, order_id=order.pk, account="一次修好")
    assert _points_of(desk.volunteer.person) == 0  # nothing before the evaluation completes
    svc.order_review(actor=w.station_a, order_id=order.pk, review="服务规范")
    order.refresh_from_db()
    assert order.status == Status.EVALUATED
    assert order.hours_credited == Decimal("1.5")  # 95 minutes → six quarter hours
    assert order.service_record.status == ServiceRecord.Status.VERIFIED
    assert _points_of(desk.volunteer.person) == 3  # 1.5 h × the default 2 points per hour
    svc.order_close(actor=w.worker_a, order_id=order.pk)
    with pytest.raises(Conflict):
        svc.order_review(actor=w.station_a, order_id=order.pk, review="again")
    assert _points_of(desk.volunteer.person) == 3
    assert list(order.events.values_list("to_status", flat=True)) == [
        "ordered",
        "dispatched",
        "accepted",
        "in_service",
        "done",
        "evaluated",
        "closed",
    ]
    assert_ledger_consistent()


def test_a_review_credits_nothing_when_no_hours_are_given(desk):
    order = desk.rated()
    svc.order_review(actor=desk.world.worker_a, order_id=order.pk, review="ok", hours=Decimal(0))
    order.refresh_from_db()
    assert order.status == Status.EVALUATED and order.service_record is None
    assert _points_of(desk.volunteer.person) == 0


# -- who may do what ---------------------------------------------------------------------------


# (transition, prepare the order, call) for each transition.
def _call(name, actor, order, desk):
    calls = {
        "dispatch": lambda: svc.order_dispatch(
            actor=actor, order_id=order.pk, volunteer_id=desk.volunteer.pk
        ),
        "accept": lambda: svc.order_accept(actor=actor, order_id=order.pk),
        "decline": lambda: svc.order_decline(actor=actor, order_id=order.pk, reason="没空"),
        "check_in": lambda: svc.order_check_in(actor=actor, order_id=order.pk),
        "check_out": lambda: svc.order_check_out(actor=actor, order_id=order.pk),
        "rate": lambda: svc.order_rate(actor=actor, order_id=order.pk, rating=4),
        "team_account": lambda: svc.order_team_account(
            actor=actor, order_id=order.pk, account="好"
        ),
        "review": lambda: svc.order_review(actor=actor, order_id=order.pk, review="好"),
        "close": lambda: svc.order_close(actor=actor, order_id=order.pk),
        "cancel": lambda: svc.order_cancel(actor=actor, order_id=order.pk, reason="不需要了"),
    }
    return calls[name]()


def _prepared(name, desk):
    w = desk.world
    if name == "dispatch":
        return desk.order()
    if name in ("accept", "decline", "cancel"):
        return desk.dispatched()
    order = desk.dispatched()
    svc.order_accept(actor=w.volunteer_a, order_id=order.pk)
    if name == "check_in":
        return order
    svc.order_check_in(actor=w.volunteer_a, order_id=order.pk)
    if name == "check_out":
        return order
    svc.order_check_out(actor=w.volunteer_a, order_id=order.pk)
    if name in ("rate", "team_account"):
        return order
    svc.order_rate(actor=w.resident_a, order_id=order.pk, rating=5)
    if name == "review":
        return order
    svc.order_review(actor=w.station_a, order_id=order.pk, review="ok")
    return order


ACTORS = [
    "worker_a",
    "station_a",
    "street_admin",
    "resident_a",
    "volunteer_a",
    "worker_b",
    "outsider",
]
ALLOWED = {
    "dispatch": {"worker_a", "station_a"},
    "accept": {"volunteer_a", "worker_a", "station_a"},
    "decline": {"volunteer_a", "worker_a", "station_a"},
    "check_in": {"volunteer_a", "worker_a", "station_a"},
    "check_out": {"volunteer_a", "worker_a", "station_a"},
    "rate": {"resident_a", "worker_a", "station_a"},
    "team_account": {"volunteer_a", "worker_a", "station_a"},
    "review": {"worker_a", "station_a"},
    "close": {"worker_a", "station_a"},
    "cancel": {"worker_a", "station_a", "resident_a"},
}
# Those who cannot see the order at all get a 404; the others who may not act, a clear 403.
UNSEEN = {"worker_b", "outsider"}


@pytest.mark.parametrize("name", list(ALLOWED))
@pytest.mark.parametrize("who", ACTORS)
def test_each_transition_is_allowed_only_to_its_roles(desk, name, who):
    order = _prepared(name, desk)
    actor = getattr(desk.world, who)
    fresh = ServiceOrder.objects.get(pk=order.pk)
    before = fresh.status
    # The pages offer a step exactly when the service would allow it.
    offered = name in svc.allowed_actions(fresh, svc.relation(actor, fresh))
    assert offered == (who in ALLOWED[name])
    if who in ALLOWED[name]:
        _call(name, actor, order, desk)
        assert ServiceOrder.objects.get(pk=order.pk).status != before or name in (
            "rate",
            "team_account",
        )
        return
    # An order not yet dispatched to the volunteer is not theirs to see.
    unseen = who in UNSEEN or (who == "volunteer_a" and name == "dispatch")
    expected = NotFound if unseen else PermissionDenied
    with pytest.raises(expected):
        _call(name, actor, order, desk)
    assert ServiceOrder.objects.get(pk=order.pk).status == before


@pytest.mark.parametrize(
    "name,state",
    [
        ("accept", "accepted"),
        ("check_in", "dispatched"),
        ("check_out", "accepted"),
        ("review", "in_service"),
        ("close", "done"),
        ("dispatch", "dispatched"),
    ],
)
def test_a_transition_from_the_wrong_state_is_a_conflict(desk, name, state):
    w = desk.world
    order = desk.order()
    steps = ["dispatched", "accepted", "in_service"]
    if state != "ordered":
        svc.order_dispatch(actor=w.worker_a, order_id=order.pk, volunteer_id=desk.volunteer.pk)
    if state in ("accepted", "in_service", "done"):
        svc.order_accept(actor=w.volunteer_a, order_id=order.pk)
    if state in ("in_service", "done"):
        svc.order_check_in(actor=w.volunteer_a, order_id=order.pk)
    if state == "done":
        svc.order_check_out(actor=w.volunteer_a, order_id=order.pk)
    assert steps  # the order is now in ``state``
    actor = w.volunteer_a if name in ("accept", "check_in", "check_out") else w.worker_a
    with pytest.raises((Conflict, ValidationFailed)):
        _call(name, actor, order, desk)
    assert ServiceOrder.objects.get(pk=order.pk).status == state


def test_the_resident_cannot_cancel_once_a_volunteer_has_accepted(desk):
    order = desk.dispatched()
    svc.order_accept(actor=desk.world.volunteer_a, order_id=order.pk)
    with pytest.raises(PermissionDenied):
        svc.order_cancel(actor=desk.world.resident_a, order_id=order.pk, reason="算了")
    svc.order_cancel(actor=desk.world.worker_a, order_id=order.pk, reason="老人住院了")
    assert ServiceOrder.objects.get(pk=order.pk).status == Status.CANCELLED


def test_nothing_is_cancelled_once_done(desk):
    order = desk.done()
    with pytest.raises(Conflict):
        svc.order_cancel(actor=desk.world.worker_a, order_id=order.pk, reason="x")


def test_a_declined_order_goes_back_to_the_station_with_the_reason(desk):
    order = desk.dispatched()
    svc.order_decline(actor=desk.world.volunteer_a, order_id=order.pk, reason="这周出差")
    order.refresh_from_db()
    assert order.status == Status.ORDERED
    assert order.volunteer is None and order.due_at is None
    assert order.events.last().note == "这周出差"
    # and it can be dispatched again
    svc.order_dispatch(actor=desk.world.worker_a, order_id=order.pk, team_id=desk.team.pk)


def test_a_team_leader_accepts_and_names_a_member_to_serve(desk):
    w = desk.world
    order = desk.order(category="companionship")
    svc.order_dispatch(actor=w.worker_a, order_id=order.pk, team_id=desk.team.pk)
    with pytest.raises(NotFound):
        svc.order_accept(actor=w.volunteer_a, order_id=order.pk)  # not in the team: not theirs
    with pytest.raises(ValidationFailed):
        svc.order_accept(actor=desk.leader_user, order_id=order.pk, volunteer_id=desk.volunteer.pk)
    svc.order_accept(actor=desk.leader_user, order_id=order.pk, volunteer_id=desk.member.pk)
    order.refresh_from_db()
    assert order.volunteer == desk.member and order.status == Status.ACCEPTED
    # the member has no login: the leader checks in and out for them
    svc.order_check_in(actor=desk.leader_user, order_id=order.pk)
    svc.order_check_out(actor=desk.leader_user, order_id=order.pk)
    svc.order_team_account(actor=desk.leader_user, order_id=order.pk, account="陪老人聊了一下午")
    svc.order_rate(actor=w.worker_a, order_id=order.pk, rating=4, words="电话回访")
    svc.order_review(actor=w.station_a, order_id=order.pk, review="ok", hours=Decimal("2"))
    order.refresh_from_db()
    assert order.service_record.team_id == desk.team.pk
    assert _points_of(desk.member.person) == 4


def test_the_review_waits_for_the_residents_rating(desk):
    order = desk.done()
    with pytest.raises(ValidationFailed) as caught:
        svc.order_review(actor=desk.world.worker_a, order_id=order.pk, review="ok")
    assert "review" in caught.value.fields
    assert ServiceOrder.objects.get(pk=order.pk).status == Status.DONE


# -- bad input ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "fields,field",
    [
        ({"category": "astrology"}, "category"),
        ({"urgency": "yesterday"}, "urgency"),
        ({"description": "  "}, "description"),
        ({"description": "长" * 301}, "description"),
        ({"wanted_at": timezone.now() - datetime.timedelta(days=2)}, "wanted_at"),
    ],
)
def test_bad_orders_are_refused_and_nothing_is_written(desk, fields, field):
    with pytest.raises(ValidationFailed) as caught:
        desk.order(**fields)
    assert field in caught.value.fields
    assert not ServiceOrder.objects.exists()


def test_bad_dispatches_rating_and_hours_are_refused(desk):
    w = desk.world
    order = desk.order()
    for kwargs, field in [
        ({}, "volunteer_id"),
        ({"volunteer_id": desk.volunteer.pk, "team_id": desk.team.pk}, "volunteer_id"),
        ({"volunteer_id": 999999}, "volunteer_id"),
        (
            {"volunteer_id": desk.volunteer.pk, "due_at": timezone.now() - datetime.timedelta(1)},
            "due_at",
        ),
    ]:
        with pytest.raises(ValidationFailed) as caught:
            svc.order_dispatch(actor=w.worker_a, order_id=order.pk, **kwargs)
        assert field in caught.value.fields
    assert ServiceOrder.objects.get(pk=order.pk).status == Status.ORDERED
    done = desk.done()
    with pytest.raises(ValidationFailed):
        svc.order_rate(actor=w.resident_a, order_id=done.pk, rating=6)
    svc.order_rate(actor=w.resident_a, order_id=done.pk, rating=3)
    with pytest.raises(ValidationFailed):
        svc.order_review(actor=w.worker_a, order_id=done.pk, review="ok", hours=Decimal("1.1"))


def test_a_volunteer_of_another_community_cannot_be_dispatched(desk, world):
    from linli.orders.tests.conftest import _volunteer

    other = _volunteer(
        world, world.person(community=world.b), None, ["haircut"], actor=world.worker_b
    )
    order = desk.order()
    with pytest.raises(ValidationFailed):
        svc.order_dispatch(actor=world.worker_a, order_id=order.pk, volunteer_id=other.pk)


def test_a_resident_orders_only_for_themself_and_only_so_many_at_once(desk, world):
    other = world.person(name="邻居")
    with pytest.raises(PermissionDenied):
        desk.order(actor=world.resident_a, person_id=other.pk)
    for _ in range(svc.MAX_OPEN_PER_RESIDENT):
        desk.order(actor=world.resident_a)
    with pytest.raises(ValidationFailed) as caught:
        desk.order(actor=world.resident_a)
    assert "description" in caught.value.fields
    assert ServiceOrder.objects.count() == svc.MAX_OPEN_PER_RESIDENT


# -- needs -------------------------------------------------------------------------------------


def test_an_order_from_a_need_moves_the_need_along(desk, world):
    need = need_services.need_create(
        actor=world.worker_a,
        person_id=desk.resident.pk,
        category="repair",
        urgency="within_48h",
        source="visit",
        description="灯坏了",
    )
    order = desk.order(need_id=need.pk)
    need.refresh_from_db()
    assert order.channel == ServiceOrder.Channel.NEED and need.status == Need.Status.BEING_MET
    svc.order_cancel(actor=world.worker_a, order_id=order.pk, reason="重复")
    need.refresh_from_db()
    assert need.status == Need.Status.OPEN
    order = desk.rated(need_id=need.pk)
    svc.order_review(actor=world.worker_a, order_id=order.pk, review="ok")
    svc.order_close(actor=world.worker_a, order_id=order.pk)
    need.refresh_from_db()
    assert need.status == Need.Status.MET
    assert list(need.events.values_list("to_status", flat=True)) == [
        "open",
        "being_met",
        "open",
        "being_met",
        "met",
    ]


def test_a_need_is_closed_only_with_a_reason(desk, world):
    need = (
        need_services.need_create(
            actor=world.worker_a,
            household_id=desk.resident.household_id,
            person_id=None,
            category="material_aid",
            urgency="flexible",
            source="phone",
            description="冬衣",
        )
        if desk.resident.household_id
        else need_services.need_create(
            actor=world.worker_a,
            person_id=desk.resident.pk,
            category="material_aid",
            urgency="flexible",
            source="phone",
            description="冬衣",
        )
    )
    with pytest.raises(ValidationFailed):
        need_services.need_set_status(actor=world.worker_a, need_id=need.pk, status="closed")
    need_services.need_set_status(
        actor=world.worker_a, need_id=need.pk, status="closed", reason="家属已解决"
    )
    with pytest.raises(NotFound):
        need_services.need_set_status(actor=world.worker_b, need_id=need.pk, status="open")
    with pytest.raises(PermissionDenied):
        need_services.need_set_status(actor=world.street_admin, need_id=need.pk, status="open")
