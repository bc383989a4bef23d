"""Guesses sent all at once (PostgreSQL, real concurrency): each attempt is reserved as a failure
before its password is checked, so no more passwords are checked than the limit allows, whatever
the server's concurrency."""

import threading

import pytest
from django.core.exceptions import PermissionDenied
from django.db import connection, connections
from django.test import RequestFactory

from linli.accounts.backends import UsernameOrMobileBackend
from linli.accounts.models import LoginFailure, User

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.skipif(
        connection.vendor != "postgresql",
        reason="attempts racing in several connections need PostgreSQL (SQLite has one writer)",
    ),
]

GUESSES = 15


def race(username: str, *, address: str = "203.0.113.9") -> tuple[list[str], list[int]]:
    """GUESSES wrong passwords for ``username`` at once; (outcomes, passwords checked)."""
    outcomes: list[str] = []
    checked: list[int] = []
    start = threading.Barrier(GUESSES)
    real_check = User.check_password

    def counting_check(user, raw):
        checked.append(1)
        # Widen the window between the count and the record, as a slow password hash does.
        threading.Event().wait(0.05)
        return real_check(user, raw)

    def guess(n: int) -> None:
        request = RequestFactory().post("/api/v1/auth/token", REMOTE_ADDR=address)
        try:
            start.wait()
            user = UsernameOrMobileBackend().authenticate(
                request, username=username, password=f"wrong-{n}"
            )
            outcomes.append("checked" if user is None else "in")
        except PermissionDenied:
            outcomes.append("locked")
        finally:
            connections.close_all()

    User.check_password = counting_check
    try:
        threads = [threading.Thread(target=guess, args=(n,)) for n in range(GUESSES)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
    finally:
        User.check_password = real_check
    return outcomes, checked


@pytest.mark.django_db(transaction=True)
def test_guesses_sent_at_once_check_no_more_passwords_than_the_limit(world, settings):
    settings.LINLI_LOGIN_FAILURE_LIMIT = 5
    outcomes, checked = race("worker_a")
    assert len(checked) <= 5
    assert outcomes.count("checked") == len(checked) and "in" not in outcomes
    assert outcomes.count("locked") == GUESSES - len(checked)
    # What is left is exactly the failures that happened: refused attempts removed themselves.
    assert LoginFailure.objects.count() == len(checked)


@pytest.mark.django_db(transaction=True)
def test_the_address_limit_holds_under_a_burst_too(world, settings):
    settings.LINLI_LOGIN_FAILURE_LIMIT = 100
    settings.LINLI_LOGIN_ADDRESS_FAILURE_LIMIT = 4
    outcomes, _checked = race("nobody-at-all")  # no such user: the same work, nothing to count
    assert outcomes.count("checked") <= 4
    assert outcomes.count("locked") == GUESSES - outcomes.count("checked")
