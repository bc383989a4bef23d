"""SQLite writers of one process enter their transactions first come, first served (issue 11,
point 8): no writer starves while newcomers keep taking the lock."""

from __future__ import annotations

import threading

import pytest
from django.db import connection, transaction

from linli.core.db.sqlite.base import FairLock, queue_for


def _wait_until(predicate) -> None:
    event = threading.Event()
    while not predicate():
        event.wait(0.001)


def test_waiters_are_served_in_the_order_they_arrived():
    lock = FairLock()
    assert lock.acquire(timeout=1)
    order: list[int] = []

    def writer(n: int) -> None:
        assert lock.acquire(timeout=30)
        order.append(n)
        lock.release()

    threads = []
    for n in range(8):
        threads.append(threading.Thread(target=writer, args=(n,)))
        threads[-1].start()
        _wait_until(lambda n=n: lock._next == n + 2)  # writer n holds its ticket
    lock.release()
    for thread in threads:
        thread.join()
    assert order == list(range(8))


def test_a_waiter_that_times_out_leaves_the_queue_without_blocking_the_next():
    lock = FairLock()
    assert lock.acquire(timeout=1)
    assert not lock.acquire(timeout=0.01)  # gave up: its ticket is skipped
    lock.release()
    assert lock.acquire(timeout=0.01)
    lock.release()


@pytest.mark.skipif(connection.vendor != "sqlite", reason="the queue is SQLite's")
@pytest.mark.django_db(transaction=True)
def test_a_transaction_leaves_the_queue_when_it_commits_or_rolls_back():
    queue = queue_for(connection.settings_dict["NAME"])
    with transaction.atomic():
        assert queue._serving == queue._next - 1  # this transaction is being served
    assert queue._serving == queue._next
    with pytest.raises(RuntimeError), transaction.atomic():
        raise RuntimeError("rolled back")
    assert queue._serving == queue._next
