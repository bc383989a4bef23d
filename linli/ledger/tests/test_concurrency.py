"""Many workers spending from one account at once: exactly the affordable number succeed."""

import threading

import pytest
from django.db import connection, connections

from linli.ledger.models import Account
from linli.ledger.services import InsufficientBalance, Leg, account_get_or_create, post
from linli.ledger.testing import assert_ledger_consistent

pytestmark = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="row locks under real concurrency need PostgreSQL"
)


@pytest.mark.django_db(transaction=True)
def test_concurrent_spending_never_overdraws():
    issued = account_get_or_create(key="issued", commodity="PTS", may_go_negative=True)
    wallet = account_get_or_create(key="wallet", commodity="PTS")
    mall = account_get_or_create(key="mall", commodity="PTS")
    post(actor=None, kind="grant", legs=[Leg(issued, -7), Leg(wallet, 7)])

    workers, results, start = 16, [], threading.Barrier(16)

    def spend(i: int) -> None:
        try:
            start.wait()
            post(actor=None, kind="spend", legs=[Leg(wallet, -1), Leg(mall, 1)], memo=str(i))
            results.append("ok")
        except InsufficientBalance:
            results.append("refused")
        finally:
            connections.close_all()

    threads = [threading.Thread(target=spend, args=(i,)) for i in range(workers)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert results.count("ok") == 7 and results.count("refused") == workers - 7
    assert Account.objects.get(pk=wallet.pk).balance == 0
    assert Account.objects.get(pk=mall.pk).balance == 7
    assert_ledger_consistent()
