"""Residents redeeming at the same moment (PostgreSQL row locks): exactly the affordable number
succeed, stock never goes below zero, nothing is lost."""

import threading

import pytest
from django.db import connection, connections

from linli.core.errors import Conflict
from linli.ledger.testing import assert_ledger_consistent
from linli.points import mall, services
from linli.points.models import Redemption, Reward
from linli.points.tests.helpers import give, login_for, reward

pytestmark = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="row locks under real concurrency need PostgreSQL"
)


def run_at_once(actors, reward_id) -> list[str]:
    results: list[str] = []
    start = threading.Barrier(len(actors))

    def redeem(actor) -> None:
        try:
            start.wait()
            mall.redemption_create(actor=actor, reward_id=reward_id)
            results.append("ok")
        except Conflict:
            results.append("refused")
        finally:
            connections.close_all()

    threads = [threading.Thread(target=redeem, args=(actor,)) for actor in actors]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return results


@pytest.mark.django_db(transaction=True)
def test_one_account_redeeming_from_many_threads_never_overdraws(world, person_a):
    me = login_for(person_a, "me")
    give(world, person_a, 35)
    item = reward(world, price=10, stock=50)
    results = run_at_once([me] * 12, item.pk)
    assert results.count("ok") == 3 and results.count("refused") == 9
    assert services.person_points_account(person_a).balance == 5
    assert services.person_frozen_account(person_a).balance == 30
    assert Reward.objects.get(pk=item.pk).stock == 47
    assert Redemption.objects.count() == 3
    assert_ledger_consistent()


@pytest.mark.django_db(transaction=True)
def test_many_residents_racing_for_the_last_vouchers(world):
    people = [world.person(name=f"居民{i}") for i in range(10)]
    logins = [login_for(p, f"r{i}") for i, p in enumerate(people)]
    for person in people:
        give(world, person, 10)
    item = reward(world, price=10, stock=2)
    results = run_at_once(logins, item.pk)
    assert results.count("ok") == 2
    assert Reward.objects.get(pk=item.pk).stock == 0
    assert sum(int(services.person_points_account(p).balance) for p in people) == 80
    assert_ledger_consistent()
