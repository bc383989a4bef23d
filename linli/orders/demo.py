"""Demo needs, resources and service orders (called by ``manage.py seed_demo``), through the real
services. Orders are walked through the four orders by the same functions the pages call; the
services stamp "now", so afterwards the demo moves each order's timestamps (and its timeline) back
to a day in the last three months — the only direct write here, so the lists, the project list
and the ratings read like a station's real quarter."""

from __future__ import annotations

import datetime
import random

from django.db.models import F
from django.utils import timezone

from linli.accounts.models import Membership, User
from linli.accounts.roles import Role
from linli.orders.models import Need, ServiceOrder, ServiceOrderEvent
from linli.orders.services import needs as need_services
from linli.orders.services import orders as svc
from linli.people.models import Person
from linli.people.selectors import in_need_q
from linli.places.models import Community
from linli.volunteers.models import ServiceRecord, Team, TeamMembership, Volunteer

RESOURCES = [
    (
        "partner_service",
        "medical_escort",
        "每月义诊与陪诊",
        "社区卫生服务中心",
        "每月第一周周三上午",
    ),
    ("partner_service", "daily_care", "高龄老人免费理发", "小王理发店", "每月20人"),
    ("partner_service", "legal_advice", "法律咨询进社区", "蓉城律师事务所", "每周四下午"),
    ("partner_service", "psychological", "心理疏导热线", "心晴社工工作室", "每周两次"),
    ("partner_service", "repair", "家电义务维修", "顺达家电维修部", "每月一次便民服务日"),
    ("partner_service", "meal", "老年助餐优惠", "邻里餐桌社区食堂", "每天午餐60份"),
    ("partner_service", "cleaning", "困难家庭上门保洁", "洁美家政公司", "每月8户"),
    ("fund", "material_aid", "微实事救助资金", "社区基金", "本年度2万元"),
    ("space", "companionship", "老年活动室", "党群服务中心", "每天开放"),
]
NEEDS = {
    "daily_care": ["行动不便，需要定期上门照料", "希望每周有人帮忙理发剪指甲"],
    "meal": ["独居老人做饭困难，需要送餐", "术后恢复期需要助餐"],
    "cleaning": ["家里长期无人打扫，卫生条件差", "年底大扫除需要帮手"],
    "repair": ["厨房水龙头漏水", "电灯开关坏了", "热水器不出热水"],
    "companionship": ["子女在外地，老人孤独，希望有人聊天", "希望有人陪同参加社区活动"],
    "medical_escort": ["需要陪同去华西医院复查", "每月需要有人陪同取药"],
    "psychological": ["丧偶后情绪低落", "孩子厌学，家长焦虑"],
    "material_aid": ["冬季缺少棉被", "低保家庭需要米油"],
    "legal_advice": ["咨询赡养纠纷", "了解高龄津贴申请"],
    "emergency": ["家中漏水淹到楼下，需要紧急处理"],
}
# How many orders each community has in each state, most of them finished.
STATES = [
    ("closed", 48),
    ("evaluated", 10),
    ("done", 8),
    ("in_service", 3),
    ("accepted", 6),
    ("dispatched", 8),
    ("ordered", 9),
    ("cancelled", 8),
]


def load(rng: random.Random) -> None:
    for community in Community.objects.filter(code__startswith="510107009").order_by("code"):
        staff = (
            Membership.objects.filter(community=community, role=Role.STATION_ADMIN)
            .select_related("user")
            .first()
            .user
        )
        worker = (
            User.objects.filter(
                memberships__community=community, memberships__role=Role.SOCIAL_WORKER
            ).first()
            or staff
        )
        _resources(rng, staff, community)
        people = list(
            Person.objects.filter(community=community, is_anonymised=False)
            .filter(in_need_q())
            .order_by("id")
        )
        if not people:
            continue
        needs = _needs(rng, worker, people)
        _orders(rng, staff, worker, community, people, needs)


def _resources(rng, actor, community) -> None:
    today = timezone.localdate()
    for kind, category, title, offered_by, capacity in RESOURCES:
        need_services.resource_create(
            actor=actor,
            community_id=community.pk,
            kind=kind,
            category=category,
            title=title,
            offered_by=offered_by,
            capacity=capacity,
            contact=community.service_phone,
            available_until=today + datetime.timedelta(days=rng.choice([90, 180, 365])),
        )


def _needs(rng, worker, people) -> list[Need]:
    needs = []
    for person in rng.sample(people, min(36, len(people))):
        category = rng.choice(list(NEEDS))
        needs.append(
            need_services.need_create(
                actor=worker,
                person_id=person.pk,
                category=category,
                urgency=rng.choice(["within_48h", "this_week", "this_week", "flexible"]),
                source=rng.choice(["visit", "visit", "phone", "self_report", "referral"]),
                description=rng.choice(NEEDS[category]),
            )
        )
    for need in needs[-4:]:
        need_services.need_set_status(
            actor=worker, need_id=need.pk, status="closed", reason="家属已自行解决"
        )
    _backdate_needs(rng, needs)
    return needs[:-4]


def _orders(rng, staff, worker, community, people, needs) -> None:
    volunteers = list(
        Volunteer.objects.filter(community=community, status="active").select_related("user")
    )
    teams = list(Team.objects.filter(community=community, is_active=True))
    members = {
        team.pk: list(
            TeamMembership.objects.filter(team=team, status="approved").values_list(
                "volunteer_id", flat=True
            )
        )
        for team in teams
    }
    from_needs = iter(needs[:20])
    for state, count in STATES:
        for _n in range(count):
            need = next(from_needs, None) if state in ("closed", "evaluated") else None
            person_id = need.person_id if need else rng.choice(people).pk
            category = need.category if need else rng.choice(list(NEEDS))
            order = svc.order_create(
                actor=worker,
                person_id=person_id,
                category=category,
                urgency=need.urgency if need else _urgency(rng),
                description=need.description if need else rng.choice(NEEDS[category]),
                need_id=need.pk if need else None,
            )
            _walk(rng, staff, worker, order, state, volunteers, teams, members)
            _backdate(rng, order, state)


def _urgency(rng) -> str:
    return rng.choices(["emergency", "within_48h", "this_week", "flexible"], weights=[1, 3, 4, 2])[
        0
    ]


def _walk(rng, staff, worker, order, state, volunteers, teams, members) -> None:
    if state == "ordered":
        return
    if state == "cancelled":
        svc.order_cancel(actor=worker, order_id=order.pk, reason="老人已住院，暂不需要")
        return
    team = rng.choice(teams) if teams and rng.random() < 0.25 else None
    svc.order_dispatch(
        actor=worker,
        order_id=order.pk,
        team_id=team.pk if team else None,
        volunteer_id=None if team else rng.choice(volunteers).pk,
    )
    if state == "dispatched":
        return
    svc.order_accept(
        actor=worker,
        order_id=order.pk,
        volunteer_id=rng.choice(members[team.pk]) if team else None,
    )
    if state == "accepted":
        return
    svc.order_check_in(actor=worker, order_id=order.pk)
    if state == "in_service":
        return
    svc.order_check_out(actor=worker, order_id=order.pk, notes=rng.choice(DONE_NOTES))
    minutes = rng.choice([45, 60, 90, 120, 150])
    ServiceOrder.objects.filter(pk=order.pk).update(
        checked_in_at=F("checked_out_at") - datetime.timedelta(minutes=minutes)
    )
    if state == "done":
        if rng.random() < 0.5:
            svc.order_rate(actor=worker, order_id=order.pk, rating=5, words="电话回访：满意")
        return
    svc.order_rate(
        actor=worker,
        order_id=order.pk,
        rating=rng.choices([5, 4, 3], weights=[7, 3, 1])[0],
        words=rng.choice(RESIDENT_WORDS),
    )
    svc.order_team_account(actor=worker, order_id=order.pk, account=rng.choice(TEAM_ACCOUNTS))
    svc.order_review(actor=staff, order_id=order.pk, review=rng.choice(REVIEWS))
    if state == "closed":
        svc.order_close(actor=staff, order_id=order.pk)


DONE_NOTES = ["已完成，老人满意", "换了新配件", "陪同完成检查，取回报告", "打扫了厨房和卫生间"]
RESIDENT_WORDS = ["非常及时，谢谢志愿者", "态度很好", "解决了大问题", "下次还找他们", ""]
TEAM_ACCOUNTS = ["按时上门，顺利完成", "老人需要后续关注", "服务过程顺利"]
REVIEWS = ["服务规范，回访满意", "按时完成", "建议持续跟进"]

# How far back each state's orders lie, in days (finished ones over the quarter, open ones
# recent — a few old enough to be escalated on the dashboard).
AGE_DAYS = {
    "closed": (10, 88),
    "evaluated": (4, 30),
    "done": (1, 10),
    "in_service": (0, 0),
    "accepted": (0, 1),
    "dispatched": (0, 0),
    "ordered": (0, 0),
    "cancelled": (3, 60),
}


def _backdate(rng, order: ServiceOrder, state: str) -> None:
    low, high = AGE_DAYS[state]
    shift = datetime.timedelta(days=rng.randint(low, high), hours=rng.randint(0, 8))
    if state in ("ordered", "dispatched"):
        # Most came in this morning; a few have lapsed and are escalated.
        lapsed = rng.random() < 0.25
        shift = datetime.timedelta(hours=rng.choice([3, 30]) if lapsed else rng.randint(0, 1))
    if not shift:
        return
    fields = [
        "created_at",
        "dispatched_at",
        "due_at",
        "accepted_at",
        "checked_in_at",
        "checked_out_at",
        "resident_rated_at",
        "team_account_at",
        "reviewed_at",
    ]
    updates = {f: F(f) - shift for f in fields}
    ServiceOrder.objects.filter(pk=order.pk).update(**updates)
    ServiceOrderEvent.objects.filter(order=order).update(at=F("at") - shift)
    order.refresh_from_db(fields=["service_record", "checked_out_at"])
    if order.service_record_id:
        ServiceRecord.objects.filter(pk=order.service_record_id).update(
            served_on=timezone.localdate(order.checked_out_at)
        )


def _backdate_needs(rng, needs) -> None:
    for need in needs:
        shift = datetime.timedelta(days=rng.randint(5, 80))
        Need.objects.filter(pk=need.pk).update(
            created_at=F("created_at") - shift, updated_at=F("updated_at") - shift
        )
        need.events.update(at=F("at") - shift)
