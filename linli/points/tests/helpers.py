"""Shared set-up for points tests: give a resident points, open a reward, link a login."""

import datetime
import itertools

from django.utils import timezone

from linli.accounts.models import User
from linli.points import mall, services

_keys = itertools.count(1)


def give(world, person, points: int):
    return services.points_credit(
        actor=world.station_a if person.community_id == world.a.pk else world.worker_b,
        person=person,
        points=points,
        kind="points.hours",
        memo="test",
        idempotency_key=f"test-credit-{next(_keys)}",
    )


def login_for(person, username: str) -> User:
    user = User.objects.create_user(username, password="x")
    user.person = person
    user.save(update_fields=["person"])
    return user


def reward(world, community=None, **fields):
    community = community or world.a
    actor = world.station_a if community == world.a else world.worker_b
    today = timezone.localdate()
    data = {
        "name": "早餐券",
        "provider_name": "张记包子铺",
        "price": 10,
        "stock": 5,
        "valid_from": today - datetime.timedelta(days=1),
        "valid_until": today + datetime.timedelta(days=30),
    }
    data.update(fields)
    return mall.reward_create(actor=actor, community_id=community.pk, **data)
