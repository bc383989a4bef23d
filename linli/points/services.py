"""Writes of the points bank: earning rules and crediting points through the ledger."""

from __future__ import annotations

import datetime

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from linli.accounts.roles import Perm
from linli.core import audit
from linli.core.errors import Conflict, ValidationFailed
from linli.core.scoping import require
from linli.ledger.models import Account, LedgerTransaction
from linli.ledger.services import Leg, account_get_or_create, post
from linli.points.models import EarningKind, EarningRule


@transaction.atomic
def earning_rule_set(
    *,
    actor,
    community_id: int,
    kind: str,
    points: int,
    starts_on: datetime.date | None = None,
    note: str = "",
) -> EarningRule:
    """Change how many points a unit earns, from a date on (today or later, never backdated)."""
    require(actor, Perm.POINTS_RULES_EDIT, community_id)
    today = timezone.localdate()
    starts_on = starts_on or today
    errors: dict[str, list[str]] = {}
    if kind not in EarningKind.values:
        errors["kind"] = [_("Choose what the rule is for.")]
    if not isinstance(points, int) or isinstance(points, bool) or not 0 <= points <= 1000:
        errors["points"] = [_("Points are a whole number from 0 to 1000.")]
    if starts_on < today:
        errors["starts_on"] = [_("A rule applies from today or a later date, never backdated.")]
    if errors:
        raise ValidationFailed(_("Please correct the errors below."), fields=errors)
    if EarningRule.objects.filter(
        community_id=community_id, kind=kind, starts_on=starts_on
    ).exists():
        raise Conflict(_("A change of this rule already starts on that day."))
    rule = EarningRule.objects.create(
        community_id=community_id,
        kind=kind,
        points=points,
        starts_on=starts_on,
        note=note.strip()[:200],
        created_by=actor,
    )
    audit.record(
        actor, "earning_rule.set", rule, kind=kind, points=points, starts_on=starts_on.isoformat()
    )
    return rule


def person_points_account(person) -> Account:
    """积分账户: the resident's points account (one per person, whatever community earns it)."""
    return account_get_or_create(
        key=f"person:{person.pk}/points",
        commodity="PTS",
        name=f"{person.name} 积分",
        community_id=person.community_id,
    )


def person_frozen_account(person) -> Account:
    """Points frozen by the person's redemptions until pickup (冻结积分)."""
    return account_get_or_create(
        key=f"person:{person.pk}/points/frozen",
        commodity="PTS",
        name=f"{person.name} 冻结积分",
        community_id=person.community_id,
    )


def redeemed_points_account(community_id: int) -> Account:
    """Where points spent in the community's mall end (they leave circulation)."""
    return account_get_or_create(
        key=f"community:{community_id}/points/redeemed",
        commodity="PTS",
        name="redeemed points",
        community_id=community_id,
    )


def pool_points_account(community_id: int) -> Account:
    """积分池: points donated to the community, granted onward by the station to people in need."""
    return account_get_or_create(
        key=f"community:{community_id}/points/pool",
        commodity="PTS",
        name="points pool",
        community_id=community_id,
    )


def issued_points_account(community_id: int) -> Account:
    """The community's source of new points (may go negative: it is where points come from)."""
    return account_get_or_create(
        key=f"community:{community_id}/points/issued",
        commodity="PTS",
        name="issued points",
        community_id=community_id,
        may_go_negative=True,
    )


def points_credit(
    *, actor, person, points: int, kind: str, memo: str, idempotency_key: str
) -> LedgerTransaction:
    """Issue ``points`` to a person through the ledger (once per idempotency key)."""
    if points <= 0:
        raise ValidationFailed(_("Only a positive number of points can be credited."))
    return post(
        actor=actor,
        kind=kind,
        legs=[
            Leg(issued_points_account(person.community_id), -points),
            Leg(person_points_account(person), points),
        ],
        memo=memo[:200],
        community_id=person.community_id,
        idempotency_key=idempotency_key,
    )
