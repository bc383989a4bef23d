"""Two tills selling the last bag at the same moment, and two workers handing out the last coat
(PostgreSQL row locks): exactly one succeeds, the other gets a clear refusal, stock never goes
below zero and nothing is half-written."""

import threading

import pytest
from django.db import connection, connections

from linli.core.errors import DomainError
from linli.ledger.testing import assert_ledger_consistent
from linli.points.selectors import points_balances
from linli.points.tests.helpers import give as give_points
from linli.warehouse.models import Distribution, Sale
from linli.warehouse.services import outbound, till
from linli.warehouse.services.outbound import OutLine
from linli.warehouse.tests.helpers import days

pytestmark = pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason="SQLite has a single writer, so two tills can never race there; the row locks this "
    "proves are PostgreSQL's (CI runs the suite on PostgreSQL too)",
)


def at_once(calls) -> list[str]:
    results: list[str] = []
    start = threading.Barrier(len(calls))

    def run(call) -> None:
        try:
            start.wait()
            call()
            results.append("ok")
        except DomainError as exc:
            results.append(exc.message)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(call,)) for call in calls]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return results


@pytest.mark.django_db(transaction=True)
def test_two_tills_selling_the_last_bag(shop, world):
    buyers = [world.person(name="甲"), world.person(name="乙")]
    for person in buyers:
        give_points(world, person, 100)
    cashiers = [world.worker_a, world.station_a]
    shop.receive(shop.rice, 1, days(30), location=shop.shelf)

    def sale(cashier, person):
        return lambda: till.sale_settle(
            actor=cashier,
            community_id=world.a.pk,
            location_id=shop.shelf.pk,
            person_id=person.pk,
            lines=[OutLine(item_id=shop.rice.pk, quantity=1)],
        )

    results = at_once([sale(c, p) for c, p in zip(cashiers, buyers, strict=True)])
    assert results.count("ok") == 1, results
    refused = next(r for r in results if r != "ok")
    assert "changed while you were working" in refused or "Only 0" in refused
    assert Sale.objects.count() == 1 and shop.on_hand(shop.rice, shop.shelf) == 0
    assert sorted(points_balances(p)[0] for p in buyers) == [80, 100]
    assert_ledger_consistent()


@pytest.mark.django_db(transaction=True)
def test_many_handouts_racing_for_three_coats(shop, world, person_a):
    shop.receive(shop.coat, 3)

    def handout():
        return outbound.distribution_create(
            actor=world.worker_a,
            community_id=world.a.pk,
            location_id=shop.store.pk,
            recipient_kind="person",
            person_id=person_a.pk,
            signed_by="张三丰",
            lines=[OutLine(item_id=shop.coat.pk, quantity=1)],
        )

    results = at_once([handout for _ in range(8)])
    assert results.count("ok") == 3, results
    assert Distribution.objects.count() == 3 and shop.on_hand(shop.coat) == 0
    assert_ledger_consistent()
