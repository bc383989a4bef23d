"""Matching against the database: suggestions for one order, and batch proposals reviewed then
applied by the station."""

import datetime
from decimal import Decimal
from unittest import mock

import pytest
from django.db import connection
from django.utils import timezone

from linli.core.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from linli.orders import matchdata, selectors
from linli.orders.models import MatchRun, ServiceOrder
from linli.orders.services import matching as batch
from linli.orders.services import orders as svc
from linli.places.models import Compound


def _place(compound, lat, lon):
    Compound.objects.filter(pk=compound.pk).update(
        latitude=Decimal(str(lat)), longitude=Decimal(str(lon))
    )


def test_suggestions_rank_the_skilled_volunteer_first_with_reasons(desk, world):
    _place(world.compound_a, 30.64, 104.05)
    order = desk.order(category="repair")
    suggestions = selectors.order_suggestions(world.worker_a, order)
    assert [s.record for s in suggestions] == [desk.volunteer]  # the only repairer
    codes = {r.code for r in suggestions[0].reasons}
    assert {"skill", "area", "rating", "recent"} <= codes
    companionship = desk.order(category="companionship")
    kinds = {
        (s.kind, s.record.pk) for s in selectors.order_suggestions(world.worker_a, companionship)
    }
    assert ("team", desk.team.pk) in kinds and ("volunteer", desk.member.pk) in kinds
    assert ("volunteer", desk.volunteer.pk) not in kinds


def test_suggestions_are_the_stations_alone(desk, world):
    order = desk.order()
    for actor in (world.worker_b, world.street_admin, world.volunteer_a):
        with pytest.raises(NotFound):
            selectors.order_suggestions(actor, order)


def test_a_volunteers_load_rating_and_recent_work_are_read_from_their_orders(desk, world):
    order = desk.rated()
    svc.order_review(actor=world.worker_a, order_id=order.pk, review="ok")
    desk.dispatched()
    candidate = {c.key: c for c in matchdata.candidates_for(world.a.pk)}[
        ("volunteer", desk.volunteer.pk)
    ]
    assert candidate.load == 1 and candidate.recent == 1 and candidate.rating == 5
    assert candidate.skills == {"repair", "daily_care"}


def test_a_wanted_time_falls_in_a_weekly_slot():
    monday_9 = timezone.make_aware(datetime.datetime(2026, 11, 23, 9, 0))
    assert matchdata.slot_of(monday_9) == matchdata.matching.slot_bit("mon", "morning")
    assert matchdata.slot_of(None) == 0


def test_a_batch_is_proposed_reviewed_and_applied(desk, world):
    orders = [desk.order(category="repair"), desk.order(category="companionship")]
    run = batch.match_propose(actor=world.worker_a, community_id=world.a.pk)
    assert run.orders_considered == 2 and run.total_cost <= run.greedy_cost
    lines = {line.order_id: line for line in run.lines.all()}
    assert lines[orders[0].pk].volunteer == desk.volunteer
    assert lines[orders[0].pk].reasons[0][0] == "skill"
    # Nothing is dispatched until the station applies it; it applies only the repair.
    assert ServiceOrder.objects.filter(status="dispatched").count() == 0
    result = batch.match_apply(
        actor=world.station_a, run_id=run.pk, line_ids=[lines[orders[0].pk].pk]
    )
    assert result.dispatched == [orders[0].pk] and result.skipped == []
    assert ServiceOrder.objects.get(pk=orders[0].pk).volunteer == desk.volunteer
    assert ServiceOrder.objects.get(pk=orders[1].pk).status == "ordered"
    with pytest.raises(Conflict):
        batch.match_apply(actor=world.station_a, run_id=run.pk)


def test_a_line_whose_order_moved_on_is_skipped_not_forced(desk, world):
    order = desk.order(category="repair")
    run = batch.match_propose(actor=world.worker_a, community_id=world.a.pk)
    svc.order_cancel(actor=world.worker_a, order_id=order.pk, reason="家属修好了")
    result = batch.match_apply(actor=world.worker_a, run_id=run.pk)
    assert result.dispatched == [] and result.skipped == [order.pk]
    assert ServiceOrder.objects.get(pk=order.pk).status == "cancelled"


def test_batches_are_refused_without_orders_and_to_others(desk, world):
    with pytest.raises(ValidationFailed):
        batch.match_propose(actor=world.worker_a, community_id=world.a.pk)
    desk.order()
    with pytest.raises(PermissionDenied):
        batch.match_propose(actor=world.worker_b, community_id=world.a.pk)
    run = batch.match_propose(actor=world.worker_a, community_id=world.a.pk)
    with pytest.raises(NotFound):
        batch.match_apply(actor=world.worker_b, run_id=run.pk)
    with pytest.raises(PermissionDenied):
        batch.match_discard(actor=world.street_admin, run_id=run.pk)
    batch.match_discard(actor=world.worker_a, run_id=run.pk)
    assert MatchRun.objects.get(pk=run.pk).status == "discarded"


def test_the_solver_runs_outside_the_write_transaction(desk, world):
    """On SQLite a transaction holds the street's one write lock from its start (issue 11, 8)."""
    desk.order(category="repair")
    outside = len(connection.atomic_blocks)
    depth = []
    real_assign = batch.matching.assign

    def assign(*args, **kwargs):
        depth.append(len(connection.atomic_blocks))
        return real_assign(*args, **kwargs)

    with mock.patch.object(batch.matching, "assign", assign):
        run = batch.match_propose(actor=world.worker_a, community_id=world.a.pk)
    assert depth == [outside]
    assert run.lines.count() == 1
