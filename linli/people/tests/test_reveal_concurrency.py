"""Reveals racing in several processes (PostgreSQL row locks): the hourly limit is never
overshot, and the station admin is told once."""

import threading

import pytest
from django.db import connection, connections

from linli.core.errors import RateLimited
from linli.core.models import AuditEvent, Notification
from linli.people import services

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.skipif(
        connection.vendor != "postgresql", reason="row locks under real concurrency need PostgreSQL"
    ),
]


@pytest.mark.django_db(transaction=True)
def test_racing_reveals_never_pass_the_limit(world, person_a, settings):
    settings.LINLI_REVEAL_LIMIT = 5
    results: list[str] = []
    start = threading.Barrier(12)

    def reveal() -> None:
        try:
            start.wait()
            services.person_reveal(actor=world.worker_a, person_id=person_a.pk, field="mobile")
            results.append("ok")
        except RateLimited:
            results.append("refused")
        finally:
            connections.close_all()

    threads = [threading.Thread(target=reveal) for _ in range(12)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert results.count("ok") == 5 and results.count("refused") == 7
    assert AuditEvent.objects.filter(verb="person.reveal").count() == 5
    assert Notification.objects.filter(key__startswith="reveal-limit:").count() == 1
