"""A write that cannot get its lock in time is "busy, try again" (503 + Retry-After), never a 500.

SQLite has one writer at a time: a writer waits up to the busy timeout (``LINLI_SQLITE_TIMEOUT``)
for the lock and then fails with "database is locked". PostgreSQL says the same with a lock
timeout (SQLSTATE 55P03), a serialization failure (40001) or a deadlock it broke (40P01). In each
case the transaction was rolled back, nothing was half-written (services are atomic), and the
same request sent again a moment later succeeds. Any other database error is a real fault and
stays a 500 (ADR 0014).
"""

from __future__ import annotations

import logging
import sqlite3

from django.db import OperationalError
from django.http import HttpResponse, JsonResponse
from django.template.loader import render_to_string
from django.utils.translation import gettext as _

RETRY_AFTER_SECONDS = 5
SQLITE_BUSY = ("database is locked", "database table is locked")
POSTGRES_RETRY = {
    "55P03",  # lock_not_available (lock_timeout, NOWAIT)
    "40001",  # serialization_failure
    "40P01",  # deadlock_detected
}

logger = logging.getLogger("linli.busy")


def is_busy(exc: BaseException | None) -> bool:
    """Whether ``exc`` means "the database is busy: the same request may simply be sent again"."""
    if not isinstance(exc, OperationalError | sqlite3.OperationalError):
        return False
    cause = exc.__cause__ if isinstance(exc, OperationalError) else exc
    if getattr(cause, "sqlstate", None) in POSTGRES_RETRY:
        return True
    message = str(exc).strip().lower()
    return isinstance(cause, sqlite3.OperationalError) and message.startswith(SQLITE_BUSY)


def busy_message() -> str:
    return _(
        "The database is busy right now, so this was not saved. Please try again in a few seconds."
    )


def busy_response(request, exc: BaseException) -> HttpResponse:
    """503 with ``Retry-After``: JSON under /api/, else the page (plain HTML if even that fails)."""
    logger.warning("Database busy, answered 503: %s %s (%s)", request.method, request.path, exc)
    if request.path.startswith("/api/"):
        response = JsonResponse({"detail": busy_message(), "errors": {}}, status=503)
    else:
        try:
            content = render_to_string("503.html", {"retry_after": RETRY_AFTER_SECONDS}, request)
        except Exception:  # the page needs the database too: say it plainly rather than fail
            content = f"<!doctype html><title>503</title><p>{busy_message()}</p>"
        response = HttpResponse(content, status=503)
    response["Retry-After"] = str(RETRY_AFTER_SECONDS)
    return response
