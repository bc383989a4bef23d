"""The same request with the same idempotency key arriving twice at the same moment (a client
retrying while the first is still running): on PostgreSQL the second waits on the receipt's
unique (actor, key) and answers the first result — one sale, one redemption, never two."""

import threading

import pytest
from django.db import connection, connections

from linli.core.models import RequestReceipt
from linli.ledger.models import LedgerTransaction
from linli.ledger.testing import assert_ledger_consistent
from linli.points import mall
from linli.points.models import Redemption
from linli.points.selectors import points_balances
from linli.points.tests.helpers import give as give_points
from linli.points.tests.helpers import login_for, reward
from linli.warehouse.models import Sale
from linli.warehouse.services import till
from linli.warehouse.services.outbound import OutLine
from linli.warehouse.tests.helpers import days

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.skipif(
        connection.vendor != "postgresql",
        reason="SQLite runs one writer at a time, so two requests never overlap there; the "
        "wait on the unique key this proves is PostgreSQL's (CI runs the suite on it too)",
    ),
]

KEY = "6a1e2b3c-4d5e-4f60-8a7b-9c0d1e2f3a4b"


def at_once(calls) -> list:
    """Run the calls in threads released together; their results (or raised errors)."""
    results: list = []
    start = threading.Barrier(len(calls))

    def run(call) -> None:
        try:
            start.wait()
            results.append(call())
        except Exception as exc:  # noqa: BLE001 - reported to the test
            results.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(call,)) for call in calls]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return results


@pytest.mark.django_db(transaction=True)
def test_the_same_sale_sent_four_times_at_once_is_one_sale(shop, world, person_a):
    give_points(world, person_a, 100)
    shop.receive(shop.rice, 10, days(30), location=shop.shelf)

    def sale():
        return till.sale_settle(
            actor=world.worker_a,
            community_id=world.a.pk,
            location_id=shop.shelf.pk,
            person_id=person_a.pk,
            lines=[OutLine(item_id=shop.rice.pk, quantity=2)],
            idempotency_key=KEY,
        )

    results = at_once([sale] * 4)
    assert all(isinstance(r, Sale) for r in results), results
    assert len({r.pk for r in results}) == 1
    assert Sale.objects.count() == 1 and RequestReceipt.objects.count() == 1
    assert LedgerTransaction.objects.filter(kind="warehouse.sale").count() == 1
    assert points_balances(person_a)[0] == 60 and shop.on_hand(shop.rice, shop.shelf) == 8
    assert_ledger_consistent()


@pytest.mark.django_db(transaction=True)
def test_the_same_redemption_sent_three_times_at_once_is_one_redemption(world, person_a):
    me = login_for(person_a, "me")
    give_points(world, person_a, 30)
    item = reward(world, price=10, stock=5)

    def redeem():
        return mall.redemption_create(actor=me, reward_id=item.pk, idempotency_key=KEY)

    results = at_once([redeem] * 3)
    assert all(isinstance(r, Redemption) for r in results), results
    assert len({r.pk for r in results}) == 1 and Redemption.objects.count() == 1
    assert points_balances(person_a) == (20, 10)
    assert_ledger_consistent()


@pytest.mark.django_db(transaction=True)
def test_two_cashiers_with_the_same_key_at_once_make_two_sales(shop, world, person_a):
    give_points(world, person_a, 100)
    shop.receive(shop.rice, 10, days(30), location=shop.shelf)

    def sale(cashier):
        return lambda: till.sale_settle(
            actor=cashier,
            community_id=world.a.pk,
            location_id=shop.shelf.pk,
            person_id=person_a.pk,
            lines=[OutLine(item_id=shop.rice.pk, quantity=1)],
            idempotency_key=KEY,
        )

    results = at_once([sale(world.worker_a), sale(world.station_a)])
    assert all(isinstance(r, Sale) for r in results), results
    assert Sale.objects.count() == 2 and points_balances(person_a)[0] == 60
    assert_ledger_consistent()
