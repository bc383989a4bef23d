"""A write that cannot get its lock in time answers 503 with Retry-After, on pages and the API;
any other database error is still a 500 (issue 11, point 8; ADR 0014)."""

from __future__ import annotations

import contextlib
import sqlite3
from unittest import mock

import psycopg
import pytest
from django.db import IntegrityError, OperationalError, connection
from django.test import Client

from linli.accounts.services import api_token_issue
from linli.core.busy import is_busy
from linli.orders.models import Need
from linli.visits.models import Visit


def _django_error(cause: Exception) -> OperationalError:
    """What Django's database wrapper raises: its own class, the driver's error as the cause."""
    try:
        raise OperationalError(*cause.args) from cause
    except OperationalError as exc:
        return exc


class TestWhatCountsAsBusy:
    def test_sqlite_lock_timeouts_are_busy(self):
        assert is_busy(_django_error(sqlite3.OperationalError("database is locked")))
        assert is_busy(_django_error(sqlite3.OperationalError("database table is locked")))
        assert is_busy(sqlite3.OperationalError("database is locked"))

    @pytest.mark.parametrize(
        "error",
        [
            psycopg.errors.LockNotAvailable("canceling statement due to lock timeout"),
            psycopg.errors.SerializationFailure("could not serialize access"),
            psycopg.errors.DeadlockDetected("deadlock detected"),
        ],
    )
    def test_postgresql_lock_timeouts_serialization_failures_and_deadlocks_are_busy(self, error):
        assert is_busy(_django_error(error))

    @pytest.mark.parametrize(
        "error",
        [
            _django_error(sqlite3.OperationalError("no such table: people_person")),
            _django_error(sqlite3.OperationalError("disk I/O error")),
            _django_error(psycopg.errors.QueryCanceled("canceling statement due to user request")),
            _django_error(psycopg.OperationalError("connection refused")),
            OperationalError("database is locked"),  # not from a driver: not ours to excuse
            IntegrityError("database is locked"),
            ValueError("database is locked"),
            None,
        ],
    )
    def test_other_errors_are_not_busy(self, error):
        assert not is_busy(error)


# --- a real lock, held by a second connection ------------------------------------------------


@contextlib.contextmanager
def write_lock_held_elsewhere():
    """Another connection holds the write lock on the test database (needs and visits): on SQLite
    ``BEGIN IMMEDIATE``, with a short busy timeout for the site; on PostgreSQL an EXCLUSIVE table
    lock, with a short ``lock_timeout`` on the site's own connection."""
    if connection.vendor == "sqlite":
        name = connection.settings_dict["NAME"]
        other = sqlite3.connect(
            name, uri=str(name).startswith("file:"), isolation_level=None, timeout=0.1
        )
        other.execute("BEGIN IMMEDIATE")
        try:
            with mock.patch.dict(connection.settings_dict["OPTIONS"], {"timeout": 0.2}):
                connection.close()  # reopened with the short busy timeout
                yield
        finally:
            other.execute("ROLLBACK")
            other.close()
            connection.close()
        return
    params = connection.get_connection_params()
    other = psycopg.connect(
        **{k: v for k, v in params.items() if k in {"dbname", "user", "password", "host", "port"}}
    )
    other.execute("LOCK TABLE orders_need, visits_visit IN EXCLUSIVE MODE")
    with connection.cursor() as cursor:
        cursor.execute("SET lock_timeout = '200ms'")
    try:
        yield
    finally:
        other.rollback()
        other.close()
        with connection.cursor() as cursor:
            cursor.execute("RESET lock_timeout")


def _visit_form(person) -> dict:
    return {
        "person": person.pk,
        "kind": "home",
        "visited_at": "2026-01-05T10:00",
        "minutes": "30",
        "wellbeing": "4",
        "findings": "窗户漏风",
    }


@pytest.fixture
def elder(world):
    return world.person(name="王奶奶")


@pytest.mark.django_db(transaction=True)
def test_a_page_write_that_cannot_get_the_lock_answers_503_with_retry_after(world, elder, english):
    client = Client(raise_request_exception=False)
    client.force_login(world.worker_a)
    with write_lock_held_elsewhere():
        response = client.post(f"/visits/record/?person={elder.pk}", _visit_form(elder))
    assert response.status_code == 503
    assert int(response["Retry-After"]) > 0
    page = response.content.decode()
    assert "The database is busy right now, so this was not saved." in page
    assert "Traceback" not in page
    assert not Visit.objects.exists()


@pytest.mark.django_db(transaction=True)
def test_an_api_write_that_cannot_get_the_lock_answers_503_json_with_retry_after(
    world, elder, english
):
    token = api_token_issue(actor=world.worker_a)
    with write_lock_held_elsewhere():
        response = Client(raise_request_exception=False).post(
            "/api/v1/needs",
            {
                "person_id": elder.pk,
                "category": "meal",
                "urgency": "this_week",
                "source": "phone",
                "description": "送餐",
            },
            content_type="application/json",
            headers={"authorization": f"Bearer {token}"},
        )
    assert response.status_code == 503
    assert int(response["Retry-After"]) > 0
    assert response.json()["detail"].startswith("The database is busy right now")
    assert not Need.objects.exists()


# --- the same answer wherever the error is raised; other errors stay 500 ---------------------


def _locked():
    return _django_error(sqlite3.OperationalError("database is locked"))


def test_a_busy_database_in_a_middleware_still_answers_503(world, client_for):
    """Outside any view (a middleware saving the session, say) it is ``handler500`` that decides."""
    client = client_for(world.worker_a)
    client.raise_request_exception = False
    with mock.patch(
        "linli.accounts.middleware.ActiveCommunityMiddleware.__call__", side_effect=_locked()
    ):
        response = client.get("/")
    assert response.status_code == 503
    assert response["Retry-After"]


def test_a_busy_database_during_api_authentication_answers_503_json(world):
    """Bearer authentication runs before ninja's exception handlers (the token's last use)."""
    token = api_token_issue(actor=world.worker_a)
    with mock.patch("linli.accounts.selectors.user_for_token", side_effect=_locked()):
        response = Client(raise_request_exception=False).get(
            "/api/v1/needs", headers={"authorization": f"Bearer {token}"}
        )
    assert response.status_code == 503
    assert response["Retry-After"]
    assert "detail" in response.json()


@pytest.mark.parametrize("where", ["page", "api"])
def test_other_database_errors_still_answer_500(world, elder, client_for, where):
    broken = _django_error(sqlite3.OperationalError("disk I/O error"))
    client = client_for(world.worker_a)
    client.raise_request_exception = False
    if where == "page":
        with mock.patch("linli.visits.services.visit_record", side_effect=broken):
            response = client.post(f"/visits/record/?person={elder.pk}", _visit_form(elder))
    else:
        with mock.patch("linli.orders.services.needs.need_create", side_effect=broken):
            response = client.post(
                "/api/v1/needs",
                {
                    "person_id": elder.pk,
                    "category": "meal",
                    "urgency": "this_week",
                    "source": "phone",
                    "description": "送餐",
                },
                content_type="application/json",
            )
    assert response.status_code == 500
    assert "Retry-After" not in response
