"""Reads of the points bank."""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.db.models import QuerySet, Sum
from django.utils import timezone

from linli.accounts.roles import Perm
from linli.core.scoping import get_in_scope, scope
from linli.ledger.models import Account, Posting
from linli.points.models import DEFAULT_POINTS, EarningKind, EarningRule


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


def points_statement(user, person_id: int):
    """(person, account or None, postings newest first with their transaction and its community)."""
    person = _person_in_scope(user, person_id)
    account = points_account_of(person)
    postings = (
        Posting.objects.filter(account=account)
        .select_related("transaction", "transaction__community")
        .order_by("-id")
        if account
        else Posting.objects.none()
    )
    return person, account, postings


def points_earned_in_year(person, year: int) -> int:
    """Points credited to the person in a calendar year (Asia/Shanghai), spending not subtracted."""
    account = points_account_of(person)
    if account is None:
        return 0
    tz = timezone.get_current_timezone()
    start = datetime.datetime(year, 1, 1, tzinfo=tz)
    end = datetime.datetime(year + 1, 1, 1, tzinfo=tz)
    total = Posting.objects.filter(
        account=account,
        quantity__gt=0,
        transaction__created_at__gte=start,
        transaction__created_at__lt=end,
    ).aggregate(total=Sum("quantity"))["total"]
    reversed_out = Posting.objects.filter(
        account=account,
        quantity__lt=0,
        transaction__reverses__isnull=False,
        transaction__reverses__created_at__gte=start,
        transaction__reverses__created_at__lt=end,
    ).aggregate(total=Sum("quantity"))["total"]
    return int((total or 0) + (reversed_out or 0))
