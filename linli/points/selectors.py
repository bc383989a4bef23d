"""Reads of the points bank."""

from __future__ import annotations

import datetime
from collections.abc import Iterable
from dataclasses import dataclass

from django.db.models import Count, Q, QuerySet, Sum
from django.db.models.functions import TruncMonth
from django.utils import timezone
from django.utils.translation import gettext as _

from linli.accounts.roles import Perm
from linli.core.errors import PermissionDenied
from linli.core.periods import month_span
from linli.core.scoping import community_ids, get_in_scope, scope
from linli.ledger.models import Account, Posting
from linli.places.models import Community
from linli.points.models import (
    DEFAULT_POINTS,
    EARNING_TRANSACTION_KINDS,
    EarningKind,
    EarningRule,
    GrantPurpose,
    PointsDonation,
    PoolGrant,
    Redemption,
    Reward,
)


def points_for(community_id: int, kind: str, on: datetime.date | None = None) -> int:
    """Points one unit of ``kind`` earned on ``on`` in the community (default when no rule yet)."""
    on = on or timezone.localdate()
    rule = (
        EarningRule.objects.filter(community_id=community_id, kind=kind, starts_on__lte=on)
        .order_by("-starts_on")
        .values_list("points", flat=True)
        .first()
    )
    return DEFAULT_POINTS[EarningKind(kind)] if rule is None else rule


@dataclass(frozen=True)
class RuleSummary:
    kind: str
    label: str
    points_now: int
    upcoming: list[EarningRule]
    history: list[EarningRule]


def earning_rules(user, community_id: int) -> list[RuleSummary]:
    """Per kind: the points in force today, changes still to come, and past rules."""
    today = timezone.localdate()
    rules = list(
        scope(EarningRule.objects.all(), user, Perm.POINTS_VIEW, community_id=community_id)
        .select_related("created_by")
        .order_by("kind", "-starts_on")
    )
    summaries = []
    for kind, label in EarningKind.choices:
        of_kind = [r for r in rules if r.kind == kind]
        past = [r for r in of_kind if r.starts_on <= today]
        summaries.append(
            RuleSummary(
                kind=kind,
                label=str(label),
                points_now=past[0].points if past else DEFAULT_POINTS[EarningKind(kind)],
                upcoming=[r for r in of_kind if r.starts_on > today],
                history=past,
            )
        )
    return summaries


def earning_rule_list(user, community_id: int | None = None) -> QuerySet[EarningRule]:
    return scope(
        EarningRule.objects.all(), user, Perm.POINTS_VIEW, community_id=community_id
    ).order_by("community", "kind", "-starts_on")


def _person_in_scope(user, person_id: int):
    from linli.people.models import Person

    return get_in_scope(Person.objects.all(), user, Perm.POINTS_VIEW, pk=person_id)


def points_account_of(person) -> Account | None:
    """The person's points account, or None before they ever earned a point."""
    return Account.objects.filter(key=f"person:{person.pk}/points", commodity="PTS").first()


def own_person(user):
    """The resident the login belongs to (``User.person``), or 403 for a login without one."""
    person = getattr(user, "person", None)
    if person is None:
        raise PermissionDenied(_("This login is not linked to a resident's points account."))
    return person


def points_balances(person) -> tuple[int, int]:
    """(spendable points, points frozen for vouchers), without creating accounts on a read."""
    balances = dict(
        Account.objects.filter(
            key__in=[f"person:{person.pk}/points", f"person:{person.pk}/points/frozen"],
            commodity="PTS",
        ).values_list("key", "balance")
    )
    return (
        int(balances.get(f"person:{person.pk}/points", 0)),
        int(balances.get(f"person:{person.pk}/points/frozen", 0)),
    )


def person_postings(person) -> QuerySet[Posting]:
    """Postings on the person's points account, newest first, with their transaction's community."""
    return (
        Posting.objects.filter(account__key=f"person:{person.pk}/points", account__commodity="PTS")
        .select_related("transaction", "transaction__community")
        .order_by("-id")
    )


def points_statement(user, person_id: int):
    """(person in the user's scope, their postings newest first), or ``NotFound``."""
    person = _person_in_scope(user, person_id)
    return person, person_postings(person)


def _year_bounds(year: int) -> tuple[datetime.datetime, datetime.datetime]:
    return month_span(year, 1, 12)


def points_earned_by_people(person_ids: Iterable[int], year: int) -> dict[int, int]:
    """Points each person earned in a calendar year (Asia/Shanghai) from service, donated items
    and attendance, less reversals of those; gifts received and refunds do not count."""
    person_ids = list(person_ids)
    if not person_ids:
        return {}
    keys = {f"person:{pk}/points": pk for pk in person_ids}
    start, end = _year_bounds(year)
    reversal_kinds = [f"{k}.reversal" for k in EARNING_TRANSACTION_KINDS]
    rows = (
        Posting.objects.filter(account__key__in=keys, account__commodity="PTS")
        .filter(
            Q(
                transaction__kind__in=EARNING_TRANSACTION_KINDS,
                transaction__created_at__gte=start,
                transaction__created_at__lt=end,
            )
            | Q(
                transaction__kind__in=reversal_kinds,
                transaction__reverses__created_at__gte=start,
                transaction__reverses__created_at__lt=end,
            )
        )
        .values("account__key")
        .annotate(total=Sum("quantity"))
    )
    earned = dict.fromkeys(person_ids, 0)
    for row in rows:
        earned[keys[row["account__key"]]] = int(row["total"] or 0)
    return earned


def points_earned_in_year(person, year: int) -> int:
    """Points the person earned in a calendar year (see ``points_earned_by_people``)."""
    return points_earned_by_people([person.pk], year)[person.pk]


# --- the mall ---------------------------------------------------------------------------------


def rewards_on_offer(community_id: int | None = None) -> QuerySet[Reward]:
    """Rewards anyone may redeem today (any community's mall: 通存通兑), cheapest first."""
    today = timezone.localdate()
    qs = Reward.objects.filter(
        is_active=True, stock__gt=0, valid_from__lte=today, valid_until__gte=today
    )
    if community_id is not None:
        qs = qs.filter(community_id=community_id)
    return qs.select_related("community").order_by("price", "name", "id")


def reward_list(user, *, community_id: int | None = None, q: str = "") -> QuerySet[Reward]:
    """The station's mall management list (every reward, on offer or not)."""
    qs = scope(Reward.objects.all(), user, Perm.POINTS_MANAGE, community_id=community_id)
    if q:
        qs = qs.filter(Q(name__icontains=q.strip()) | Q(provider_name__icontains=q.strip()))
    return (
        qs.select_related("community", "provider_user")
        .annotate(waiting=Count("redemptions", filter=Q(redemptions__status="frozen")))
        .order_by("-is_active", "community", "price", "id")
    )


def reward_get(user, reward_id: int) -> Reward:
    return get_in_scope(
        Reward.objects.select_related("community"), user, Perm.POINTS_MANAGE, pk=reward_id
    )


def redemption_list(
    user, *, community_id: int | None = None, status: str | None = None, q: str = ""
) -> QuerySet[Redemption]:
    """Redemptions the user may fulfil or cancel: their communities' malls, or (a partner) the
    rewards they confirm. Raises 403 for someone who has neither."""
    ids = community_ids(user, Perm.POINTS_MANAGE)
    if community_id is not None:
        ids = ids & {community_id}
    as_partner = Q(reward__provider_user=user) if user.is_authenticated else Q(pk__in=[])
    if not ids and not Reward.objects.filter(provider_user=user).exists():
        raise PermissionDenied(_("You do not have access to this part of Linli."))
    qs = Redemption.objects.filter(Q(community_id__in=ids) | as_partner)
    if status:
        qs = qs.filter(status=status)
    if q:
        q = q.strip()
        qs = qs.filter(
            Q(code__iexact=q) | Q(person__name__icontains=q) | Q(reward__name__icontains=q)
        )
    return qs.select_related("reward", "person", "community").order_by("-created_at", "-id")


def my_redemptions(person) -> QuerySet[Redemption]:
    return (
        Redemption.objects.filter(person=person)
        .select_related("reward", "community")
        .order_by("-created_at", "-id")
    )


def month_start(today: datetime.date | None = None) -> datetime.datetime:
    """The first instant of the month (Asia/Shanghai): monthly redemption limits count from it."""
    today = today or timezone.localdate()
    return datetime.datetime(today.year, today.month, 1, tzinfo=timezone.get_current_timezone())


def redeemed_this_month(person, reward_ids: Iterable[int]) -> dict[int, int]:
    """How many of each reward the person redeemed (not cancelled) this month."""
    rows = (
        Redemption.objects.filter(
            person=person, reward_id__in=list(reward_ids), created_at__gte=month_start()
        )
        .exclude(status=Redemption.Status.CANCELLED)
        .values("reward_id")
        .annotate(n=Count("id"))
    )
    return {row["reward_id"]: row["n"] for row in rows}


# --- donations and the pool -------------------------------------------------------------------


@dataclass(frozen=True)
class PoolSummary:
    community: Community
    balance: int
    donated: int
    donations: int
    donors: int
    granted: int
    grants: int
    months: list[dict]
    recent_grants: list[PoolGrant]
    by_purpose: list[dict]


def pool_summary(community: Community, months: int = 12) -> PoolSummary:
    """The community pool in figures, without personal data: what came in, what went out, to
    what purpose, month by month (shown publicly)."""
    from linli.points.services import pool_points_account

    pool = pool_points_account(community.pk)
    inflow = PointsDonation.objects.filter(community=community, to_pool=True)
    grants = PoolGrant.objects.filter(community=community)
    totals_in = inflow.aggregate(
        total=Sum("points"), n=Count("id"), donors=Count("giver", distinct=True)
    )
    totals_out = grants.aggregate(total=Sum("points"), n=Count("id"))
    today = timezone.localdate()
    first = datetime.date(today.year, today.month, 1)
    for _n in range(months - 1):
        first = (first - datetime.timedelta(days=1)).replace(day=1)
    start = datetime.datetime(first.year, first.month, 1, tzinfo=timezone.get_current_timezone())
    by_month_in = {
        row["month"].date() if hasattr(row["month"], "date") else row["month"]: row["total"]
        for row in inflow.filter(created_at__gte=start)
        .annotate(month=TruncMonth("created_at"))
        .values("month")
        .annotate(total=Sum("points"))
    }
    by_month_out = {
        row["month"].date() if hasattr(row["month"], "date") else row["month"]: row["total"]
        for row in grants.filter(created_at__gte=start)
        .annotate(month=TruncMonth("created_at"))
        .values("month")
        .annotate(total=Sum("points"))
    }
    series = []
    month = first
    while month <= today:
        series.append(
            {"month": month, "in": by_month_in.get(month, 0), "out": by_month_out.get(month, 0)}
        )
        month = (month + datetime.timedelta(days=32)).replace(day=1)
    by_purpose = [
        {"purpose": row["purpose"], "label": GrantPurpose(row["purpose"]).label, **row}
        for row in grants.values("purpose").annotate(total=Sum("points"), n=Count("id"))
    ]
    return PoolSummary(
        community=community,
        balance=int(pool.balance),
        donated=int(totals_in["total"] or 0),
        donations=totals_in["n"],
        donors=totals_in["donors"],
        granted=int(totals_out["total"] or 0),
        grants=totals_out["n"],
        months=series,
        recent_grants=list(grants.order_by("-created_at", "-id")[:20]),
        by_purpose=sorted(by_purpose, key=lambda r: -r["total"]),
    )


def pool_grant_list(user, *, community_id: int | None = None) -> QuerySet[PoolGrant]:
    """Grants with recipients (station only: the public page has no names)."""
    return (
        scope(PoolGrant.objects.all(), user, Perm.POINTS_MANAGE, community_id=community_id)
        .select_related("recipient", "granted_by")
        .order_by("-created_at", "-id")
    )


def donations_of(person) -> QuerySet[PointsDonation]:
    return (
        PointsDonation.objects.filter(giver=person)
        .select_related("recipient", "community")
        .order_by("-created_at", "-id")
    )


def people_in_need(community_id: int, limit: int = 500) -> list:
    """Residents a pool grant may go to: a vulnerability tag today, or 80+ (for the grant form)."""
    from linli.people.models import Person
    from linli.people.selectors import in_need_q

    return list(
        Person.objects.filter(in_need_q(timezone.localdate()), community_id=community_id)
        .filter(is_anonymised=False)
        .order_by("name_initials", "id")[:limit]
    )
