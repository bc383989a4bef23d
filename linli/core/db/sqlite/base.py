"""Django's SQLite backend, with writers of one process queued in arrival order.

SQLite has one writer at a time. A writer that finds the lock taken sleeps and polls (its busy
handler: 1 ms, 2 ms, … then every 100 ms), so a newcomer often takes the lock before one that
has been waiting for seconds: under a steady load the median write waits a few milliseconds and
the unlucky ones wait many seconds (issue 11, point 8). Here the threads of one process that
want to write take a ticket and enter ``BEGIN IMMEDIATE`` one after another, first come first
served, waiting on a condition rather than polling; only one of them at a time meets the other
processes at SQLite's own lock. The wait is bounded by the same busy timeout
(``OPTIONS["timeout"]``, ``LINLI_SQLITE_TIMEOUT``); past it the error is SQLite's own
"database is locked", which pages and the API answer with 503 + Retry-After (linli.core.busy).

The queue only orders this process's writers: it shares nothing between processes and holds no
data (several app servers still meet at SQLite's lock, as before).
"""

from __future__ import annotations

import sqlite3
import threading
import time

from django.db import OperationalError
from django.db.backends.sqlite3 import base


class FairLock:
    """A ticket lock: acquired in the order asked for; a waiter that times out leaves the queue."""

    def __init__(self) -> None:
        self._condition = threading.Condition(threading.Lock())
        self._next = 0
        self._serving = 0
        self._abandoned: set[int] = set()

    def acquire(self, timeout: float) -> bool:
        with self._condition:
            ticket = self._next
            self._next += 1
            deadline = time.monotonic() + timeout
            while self._serving != ticket:
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    self._abandoned.add(ticket)
                    return False
                self._condition.wait(remaining)
            return True

    def release(self) -> None:
        with self._condition:
            self._serving += 1
            while self._serving in self._abandoned:
                self._abandoned.discard(self._serving)
                self._serving += 1
            self._condition.notify_all()


_queues: dict[str, FairLock] = {}
_queues_lock = threading.Lock()


def queue_for(name) -> FairLock:
    with _queues_lock:
        return _queues.setdefault(str(name), FairLock())


class DatabaseWrapper(base.DatabaseWrapper):
    _held: FairLock | None = None

    def _start_transaction_under_autocommit(self):
        queue = queue_for(self.settings_dict["NAME"])
        if not queue.acquire(float(self.settings_dict["OPTIONS"].get("timeout", 5))):
            cause = sqlite3.OperationalError("database is locked")
            raise OperationalError(*cause.args) from cause
        self._held = queue
        try:
            super()._start_transaction_under_autocommit()
        except BaseException:
            self._leave_queue()
            raise

    def _leave_queue(self) -> None:
        held, self._held = self._held, None
        if held is not None:
            held.release()

    def _commit(self):
        try:
            return super()._commit()
        finally:
            self._leave_queue()

    def _rollback(self):
        try:
            return super()._rollback()
        finally:
            self._leave_queue()

    def _close(self):
        try:
            return super()._close()
        finally:
            self._leave_queue()
