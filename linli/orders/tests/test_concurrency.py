"""Two dispatchers acting on one order at once: one wins, the other gets a clear conflict."""

import threading

import pytest
from django.db import connection, connections

from linli.core.errors import Conflict
from linli.orders.models import ServiceOrder
from linli.orders.services import orders as svc
from linli.orders.tests.conftest import _volunteer

pytestmark = [
    pytest.mark.skipif(
        connection.vendor != "postgresql",
        reason=(
            "SQLite has a single writer, so two dispatchers can never race there; the row lock "
            "this proves is PostgreSQL's (CI runs the suite on PostgreSQL too)"
        ),
    ),
    pytest.mark.django_db(transaction=True),
]


def test_two_dispatchers_one_order_one_wins_the_other_gets_a_conflict(desk, world):
    other = _volunteer(world, world.person(name="第二位"), None, ["plumbing_electrical"])
    order = desk.order()
    barrier = threading.Barrier(2)
    outcomes: dict[str, object] = {}

    def dispatch(name, actor, volunteer):
        try:
            barrier.wait()
            svc.order_dispatch(actor=actor, order_id=order.pk, volunteer_id=volunteer.pk)
            outcomes[name] = "dispatched"
        except Conflict as exc:
            outcomes[name] = exc
        finally:
            connections.close_all()

    threads = [
        threading.Thread(target=dispatch, args=("worker", world.worker_a, desk.volunteer)),
        threading.Thread(target=dispatch, args=("station", world.station_a, other)),
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    results = sorted(outcomes.values(), key=str)
    assert results.count("dispatched") == 1
    loser = next(v for v in results if v != "dispatched")
    assert isinstance(loser, Conflict) and loser.status == 409
    order.refresh_from_db()
    assert order.status == "dispatched"
    assert order.events.filter(to_status="dispatched").count() == 1
    winner = next(k for k, v in outcomes.items() if v == "dispatched")
    assert order.volunteer == (desk.volunteer if winner == "worker" else other)
    assert ServiceOrder.objects.count() == 1
