"""Reads of the points bank."""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.db.models import QuerySet
from django.utils import timezone

from linli.accounts.roles import Perm
from linli.core.scoping import scope
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
