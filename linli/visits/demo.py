"""Demo visits (called by ``manage.py seed_demo``): grid visitors named, the monthly target, and
six months of home and phone visits to the people in need — through ``visit_record``, dated in
the past as a worker entering a paper log would. Some people are left overdue on purpose."""

from __future__ import annotations

import datetime
import random

from django.utils import timezone

from linli.accounts.models import Membership
from linli.accounts.roles import Role
from linli.people.models import Person
from linli.people.selectors import in_need_q
from linli.places.models import Community, Grid
from linli.visits import selectors, services

FINDINGS = [
    "精神状态良好，按时服药",
    "腿脚不便，下楼困难",
    "家中整洁，子女每周来看望",
    "近期睡眠不好，情绪有些低落",
    "冰箱里食物不多，建议助餐",
    "燃气灶老化，存在安全隐患",
    "",
]


def load(rng: random.Random) -> None:
    now = timezone.now()
    for community in Community.objects.filter(code__startswith="510107009").order_by("code"):
        station = (
            Membership.objects.filter(community=community, role=Role.STATION_ADMIN)
            .select_related("user")
            .first()
            .user
        )
        workers = list(selectors.visit_staff(community.pk).order_by("pk"))
        for index, grid in enumerate(Grid.objects.filter(community=community).order_by("code")):
            services.grid_visitor_set(
                actor=station, grid_id=grid.pk, worker_id=workers[index % len(workers)].pk
            )
        services.visit_policy_set(actor=station, community_id=community.pk, monthly_target=10)
        people = list(
            Person.objects.filter(community=community, is_anonymised=False)
            .filter(in_need_q())
            .order_by("id")
        )
        for person in people:
            plan = selectors.person_plan(person)
            if plan is None or rng.random() < 0.15:  # a few never visited yet: due today
                continue
            for kind, every in (("phone", plan.phone_days), ("home", plan.home_days)):
                if every is None:
                    continue
                # Visits every ``every`` days or so over six months, the last one sometimes late.
                day = rng.randint(2, every + every // 2)
                while day < 180:
                    services.visit_record(
                        actor=rng.choice(workers),
                        person_id=person.pk,
                        kind=kind,
                        visited_at=now - datetime.timedelta(days=day, hours=rng.randint(0, 6)),
                        minutes=rng.choice([10, 15, 20])
                        if kind == "phone"
                        else rng.choice([30, 45, 60]),
                        wellbeing=rng.choices([5, 4, 3, 2], weights=[3, 5, 2, 1])[0],
                        conditions=""
                        if kind == "phone"
                        else rng.choice(["good", "good", "fair", "poor"]),
                        findings=rng.choice(FINDINGS),
                    )
                    day += max(1, every + rng.randint(-every // 4, every // 4))
