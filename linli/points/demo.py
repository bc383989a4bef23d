"""Demo points mall, redemptions, donations and pool grants (called by ``manage.py seed_demo``
after the volunteers' demo hours), all through the real services."""

import datetime
import random

from django.utils import timezone

from linli.accounts.models import Membership, User
from linli.accounts.roles import Role
from linli.core.errors import Conflict
from linli.ledger.models import Account
from linli.people.models import Person
from linli.places.models import Community
from linli.points import donations, mall, selectors
from linli.points.models import GrantPurpose, PoolGrant
from linli.points.services import pool_points_account

REWARDS = [
    # name, provider, kind, price, stock, monthly limit, description
    ("早餐券", "张记早餐铺", "voucher", 10, 60, 4, "包子两个加豆浆一杯"),
    ("理发券", "邻里理发店", "voucher", 20, 40, 1, "洗剪吹一次"),
    ("干洗券", "洁雅干洗", "voucher", 30, 30, 2, "外套或西装干洗一件"),
    ("洗车券", "顺达洗车行", "voucher", 40, 20, 1, "小型车精洗一次"),
    ("上门家电清洗", "社区便民服务队", "service", 50, 15, None, "空调或油烟机清洗一次"),
]


def load(rng: random.Random) -> None:
    today = timezone.localdate()
    communities = list(Community.objects.filter(code__startswith="510107009").order_by("code"))
    for community in communities:
        station = (
            Membership.objects.filter(community=community, role=Role.STATION_ADMIN)
            .select_related("user")
            .first()
            .user
        )
        rewards = [
            mall.reward_create(
                actor=station,
                community_id=community.pk,
                name=name,
                provider_name=provider,
                kind=kind,
                price=price,
                stock=stock,
                monthly_limit=limit,
                description=description,
                valid_from=today - datetime.timedelta(days=180),
                valid_until=today + datetime.timedelta(days=185),
            )
            for name, provider, kind, price, stock, limit, description in REWARDS
        ]
        for person in _people_with_points(community):
            _spend_and_give(rng, station, person, rewards, communities)
        _grants(rng, station, community)
    _link_resident1()
    _volunteer1_voucher(rng, communities)


def _volunteer1_voucher(rng, communities) -> None:
    """volunteer1 holds a voucher waiting for pickup in a neighbouring community (通存通兑)."""
    volunteer = User.objects.filter(username="volunteer1", person__isnull=False).first()
    if volunteer is None or len(communities) < 2:
        return
    offers = [r for r in selectors.rewards_on_offer(communities[1].pk) if r.price <= 20]
    balance = int(selectors.points_account_of(volunteer.person).balance)
    if offers and balance >= offers[0].price:
        mall.redemption_create(actor=volunteer, reward_id=offers[0].pk)


def _people_with_points(community) -> list[Person]:
    """Residents of the community whose points account (``person:<id>/points``) holds points."""
    keys = Account.objects.filter(
        community=community, commodity="PTS", key__regex=r"^person:[0-9]+/points$", balance__gt=0
    ).values_list("key", flat=True)
    ids = [int(key.removeprefix("person:").removesuffix("/points")) for key in keys]
    return list(Person.objects.filter(pk__in=ids).order_by("pk"))


def _spend_and_give(rng, station, person, rewards, communities) -> None:
    """Most points are donated onward (the seeds: over 70%); some buy vouchers."""
    balance = int(selectors.points_account_of(person).balance)
    if balance >= 10 and rng.random() < 0.8:
        gift = max(1, int(balance * rng.uniform(0.5, 0.8)))
        donations.points_donate(
            actor=station,
            giver_id=person.pk,
            points=gift,
            to="pool",
            message=rng.choice(["", "帮助困难老人", "献一份爱心", ""]),
        )
        balance -= gift
    for _n in range(rng.randint(0, 3)):
        affordable = [r for r in rewards if r.price <= balance]
        if not affordable:
            break
        reward = rng.choice(affordable)
        try:
            redemption = mall.redemption_create(
                actor=station, reward_id=reward.pk, person_id=person.pk
            )
        except Conflict:  # the monthly limit is reached: the demo moves on
            continue
        balance -= reward.price
        fate = rng.random()
        if fate < 0.6:
            mall.redemption_fulfil(actor=station, code=redemption.code)
        elif fate < 0.7:
            mall.redemption_cancel(actor=station, redemption_id=redemption.pk, reason="本人改期")
            balance += reward.price


def _grants(rng, station, community) -> None:
    needy = selectors.people_in_need(community.pk, limit=60)
    rng.shuffle(needy)
    purposes = list(GrantPurpose.values)
    pool = int(pool_points_account(community.pk).balance)
    for person in needy[:25]:
        points = rng.choice([10, 20, 20, 30, 50])
        if points > pool:
            break
        donations.pool_grant(
            actor=station,
            community_id=community.pk,
            recipient_id=person.pk,
            points=points,
            purpose=rng.choice(purposes),
            note="冬季关爱",
        )
        pool -= points


def _link_resident1() -> None:
    """resident1 is an older resident who received pool points: their phone pages show it."""
    resident = User.objects.filter(username="resident1", person__isnull=True).first()
    if resident is None:
        return
    grant = (
        PoolGrant.objects.filter(recipient__login__isnull=True, community__code__endswith="001")
        .select_related("recipient")
        .order_by("id")
        .first()
    )
    if grant is not None:
        resident.person = grant.recipient
        resident.save(update_fields=["person"])
