"""The charity supermarket till (收银台) and the monthly relief quota (扶贫帮困).

A sale is one ledger transaction: the relief quota (if used) and the customer's points go out,
the goods leave the shelf lot by lot (first expiry first). Either everything moves or nothing.
A quota is a ledger account per holder and month, funded by the station; what is left at the
month's end expires back to the community.
"""

from __future__ import annotations

import datetime
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal

from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from linli.accounts.roles import Perm
from linli.core import audit
from linli.core.errors import Conflict, NotFound, ValidationFailed
from linli.core.scoping import has_perm, require
from linli.ledger.models import Account
from linli.ledger.services import InsufficientBalance, Leg, account_get_or_create, post
from linli.people.models import Household, Person
from linli.people.selectors import current_tag_rows
from linli.points.services import person_points_account, redeemed_points_account
from linli.warehouse.models import RELIEF_TAGS, Item, Location, ReliefQuota, Sale, SaleLine
from linli.warehouse.services.outbound import OutLine, allocate_lines
from linli.warehouse.services.stock import community_account, value_of

PayWith = str  # "points", "quota" or "both" (the quota first, the rest in points)
PAY_WITH = ("points", "quota", "both")
MAX_QUOTA = 100000


def month_of(day: datetime.date) -> datetime.date:
    return day.replace(day=1)


def _invalid(errors: dict[str, list[str]]) -> ValidationFailed:
    return ValidationFailed(_("Please correct the errors below."), fields=errors)


# --- relief quota ------------------------------------------------------------------------------


def quota_holder(person: Person) -> tuple[Household | None, Person | None]:
    """Whose quota a resident spends: their household's, else their own."""
    if person.household_id:
        return person.household, None
    return None, person


def relief_eligible_q(today: datetime.date) -> Q:
    """People with a relief tag (low income, extreme poverty, emergency relief) today."""
    return Q(pk__in=current_tag_rows(today).filter(tag__in=RELIEF_TAGS).values("person_id"))


def _quota_account(community_id: int, household, person, month: datetime.date) -> Account:
    holder = f"household:{household.pk}" if household else f"person:{person.pk}"
    return account_get_or_create(
        key=f"community:{community_id}/relief/{holder}/{month:%Y-%m}",
        commodity="PTS",
        name=f"{household or person.name} 帮困额度 {month:%Y-%m}",
        community_id=community_id,
    )


def _relief_account(community_id: int, what: str) -> Account:
    """``issued`` (where quotas come from), ``spent`` (at the till), ``expired``."""
    return account_get_or_create(
        key=f"community:{community_id}/relief/{what}",
        commodity="PTS",
        name=f"relief {what}",
        community_id=community_id,
        may_go_negative=what == "issued",
    )


@transaction.atomic
def relief_quota_grant(
    *,
    actor,
    community_id: int,
    points: int,
    household_id: int | None = None,
    person_id: int | None = None,
    month: datetime.date | None = None,
) -> ReliefQuota:
    """Grant this (or next) month's relief quota to a household with a low-income, extreme
    poverty or emergency relief member (or such a resident without a household)."""
    require(actor, Perm.WAREHOUSE_ADMIN, community_id)
    today = timezone.localdate()
    month = month_of(month or today)
    errors: dict[str, list[str]] = {}
    if not isinstance(points, int) or isinstance(points, bool) or not 1 <= points <= MAX_QUOTA:
        errors["points"] = [_("A quota is a whole number of points from 1 to 100000.")]
    if month < month_of(today) or month > month_of(today + datetime.timedelta(days=31)):
        errors["month"] = [_("A quota is for this month or next month.")]
    household = person = None
    eligible = Person.objects.filter(relief_eligible_q(today), is_anonymised=False)
    if household_id is not None:
        household = Household.objects.filter(pk=household_id, community_id=community_id).first()
        if household is None:
            errors["household_id"] = [_("Choose a household of this community.")]
        elif not eligible.filter(household=household).exists():
            errors["household_id"] = [_("No one in this household is low-income or in poverty.")]
    elif person_id is not None:
        person = Person.objects.filter(pk=person_id, community_id=community_id).first()
        if person is None:
            errors["person_id"] = [_("Choose a resident of this community.")]
        elif person.household_id:
            household, person = person.household, None
            if not eligible.filter(household=household).exists():
                errors["person_id"] = [_("No one in this household is low-income or in poverty.")]
        elif not eligible.filter(pk=person.pk).exists():
            errors["person_id"] = [_("This resident is not low-income or in poverty.")]
    else:
        errors["household_id"] = [_("Choose the household.")]
    if errors:
        raise _invalid(errors)
    if ReliefQuota.objects.filter(household=household, person=person, month=month).exists():
        raise Conflict(_("This month's quota was already granted."))
    account = _quota_account(community_id, household, person, month)
    tx = post(
        actor=actor,
        kind="warehouse.relief.grant",
        legs=[Leg(_relief_account(community_id, "issued"), -points), Leg(account, points)],
        memo=f"帮困额度 {month:%Y-%m}",
        community_id=community_id,
        idempotency_key=f"warehouse.relief:{account.pk}",
    )
    try:
        with transaction.atomic():
            quota = ReliefQuota.objects.create(
                community_id=community_id,
                household=household,
                person=person,
                month=month,
                points=points,
                account=account,
                transaction=tx,
                granted_by=actor,
            )
    except IntegrityError as exc:
        raise Conflict(_("This month's quota was already granted.")) from exc
    audit.record(actor, "relief.grant", quota, points=points, month=f"{month:%Y-%m}")
    return quota


def relief_quota_grant_all(
    *, actor, community_id: int, points: int, month: datetime.date | None = None
) -> int:
    """Grant the month's quota to every eligible household (and eligible resident without one)
    that does not have it yet. Safe to run twice: returns how many were granted now."""
    require(actor, Perm.WAREHOUSE_ADMIN, community_id)
    today = timezone.localdate()
    month = month_of(month or today)
    eligible = Person.objects.filter(
        relief_eligible_q(today), community_id=community_id, is_anonymised=False
    )
    households = set(eligible.exclude(household=None).values_list("household_id", flat=True))
    singles = set(eligible.filter(household=None).values_list("pk", flat=True))
    done = ReliefQuota.objects.filter(community_id=community_id, month=month)
    households -= set(done.exclude(household=None).values_list("household_id", flat=True))
    singles -= set(done.exclude(person=None).values_list("person_id", flat=True))
    granted = 0
    for household_id in sorted(households):
        relief_quota_grant(
            actor=actor,
            community_id=community_id,
            points=points,
            household_id=household_id,
            month=month,
        )
        granted += 1
    for person_id in sorted(singles):
        relief_quota_grant(
            actor=actor, community_id=community_id, points=points, person_id=person_id, month=month
        )
        granted += 1
    return granted


def current_quota(person: Person, today: datetime.date | None = None) -> ReliefQuota | None:
    """The quota the resident may spend this month (their household's), if any."""
    household, single = quota_holder(person)
    month = month_of(today or timezone.localdate())
    return (
        ReliefQuota.objects.select_related("account")
        .filter(household=household, person=single, month=month)
        .first()
    )


@transaction.atomic
def relief_quota_expire(*, actor=None, today: datetime.date | None = None) -> int:
    """Quotas of past months expire: what is left moves to the community's ``expired`` account.
    Idempotent (one expiry per quota account); returns how many expired now."""
    month = month_of(today or timezone.localdate())
    expired = 0
    for quota in (
        ReliefQuota.objects.select_related("account")
        .filter(month__lt=month, account__balance__gt=0)
        .order_by("pk")
    ):
        left = quota.account.balance
        post(
            actor=actor,
            kind="warehouse.relief.expire",
            legs=[
                Leg(quota.account, -left),
                Leg(_relief_account(quota.community_id, "expired"), left),
            ],
            memo=f"帮困额度到期 {quota.month:%Y-%m}",
            community_id=quota.community_id,
            idempotency_key=f"warehouse.relief-expire:{quota.account_id}",
        )
        expired += 1
    return expired


# --- the till ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Payment:
    """How a sale of ``total`` points is paid: from the quota, then points."""

    total: int
    quota: int
    points: int


def price_lines(items: dict[int, Item], lines: Sequence[OutLine]) -> tuple[int, list[str]]:
    """The points price of the lines, and what is wrong with them (not for sale, part units)."""
    total, errors = 0, []
    for number, line in enumerate(lines, start=1):
        item = items.get(line.item_id)
        if item is None:
            continue  # reported by the allocation
        if not item.points_price:
            errors.append(
                _("Line %(n)s: %(item)s is not sold at the till.")
                % {"n": number, "item": item.name}
            )
            continue
        quantity = Decimal(str(line.quantity))
        if quantity != quantity.to_integral_value():
            errors.append(_("Line %(n)s: the till sells whole units.") % {"n": number})
            continue
        total += item.points_price * int(quantity)
    return total, errors


def payment_for(total: int, pay_with: PayWith, quota_left: int, points_left: int) -> Payment:
    """Split ``total`` between the quota and points, or say clearly why it cannot be paid."""
    if pay_with not in PAY_WITH:
        raise _invalid({"pay_with": [_("Choose points, relief quota or both.")]})
    quota = min(total, quota_left) if pay_with in ("quota", "both") else 0
    points = total - quota
    if pay_with == "quota" and points:
        raise Conflict(
            _("The relief quota has %(left)s points left this month; the goods cost %(total)s.")
            % {"left": quota_left, "total": total}
        )
    if points > points_left:
        raise Conflict(
            _("Not enough points: %(need)s needed, %(left)s available.")
            % {"need": points, "left": points_left}
        )
    return Payment(total=total, quota=quota, points=points)


@transaction.atomic
def sale_settle(
    *,
    actor,
    community_id: int,
    location_id: int,
    person_id: int,
    lines: Sequence[OutLine],
    pay_with: PayWith = "points",
) -> Sale:
    """结算: one atomic ledger transaction moves the quota, the points and the goods."""
    require(actor, Perm.WAREHOUSE_MANAGE, community_id)
    location = Location.objects.filter(
        pk=location_id, community_id=community_id, is_active=True, kind=Location.Kind.SUPERMARKET
    ).first()
    if location is None:
        raise _invalid({"location_id": [_("Choose a supermarket shelf of this community.")]})
    person = Person.objects.filter(pk=person_id, is_anonymised=False).first()
    if person is None or not has_perm(actor, Perm.REGISTRY_VIEW, person.community_id):
        raise NotFound(_("Not found."))
    items = Item.objects.in_bulk([line.item_id for line in lines])
    total, errors = price_lines(items, lines)
    if errors:
        raise ValidationFailed(errors[0], fields={"lines": errors})
    picks = allocate_lines(community_id, location, list(lines), to_give=True)
    quota = current_quota(person) if pay_with in ("quota", "both") else None
    if pay_with == "quota" and quota is None:
        raise Conflict(_("The customer's household has no relief quota this month."))
    points_account = person_points_account(person)
    payment = payment_for(
        total,
        pay_with,
        int(quota.account.balance) if quota else 0,
        int(points_account.balance),
    )
    legs: list[Leg] = []
    if payment.quota:
        legs += [
            Leg(quota.account, -payment.quota),
            Leg(_relief_account(community_id, "spent"), payment.quota),
        ]
    if payment.points:
        legs += [
            Leg(points_account, -payment.points),
            Leg(redeemed_points_account(community_id), payment.points),
        ]
    for _item, pick in picks:
        legs += [
            Leg(pick.holding.account, -pick.quantity),
            Leg(community_account(community_id, pick.lot, "sold"), pick.quantity),
        ]
    try:
        tx = post(
            actor=actor,
            kind="warehouse.sale",
            legs=legs,
            memo=f"慈善超市 {person.name}",
            community_id=community_id,
        )
    except InsufficientBalance as exc:
        raise Conflict(
            _(
                "The stock or the customer's balance changed while you were working: someone "
                "else took the last of it. Please check the basket and try again."
            )
        ) from exc
    sale = Sale.objects.create(
        community_id=community_id,
        location=location,
        person=person,
        quota=quota if payment.quota else None,
        points_paid=payment.points,
        quota_paid=payment.quota,
        total_value_fen=sum(value_of(item, pick.quantity) for item, pick in picks),
        transaction=tx,
        created_by=actor,
    )
    SaleLine.objects.bulk_create(
        SaleLine(
            sale=sale,
            item=item,
            lot=pick.lot,
            quantity=pick.quantity,
            points=int((item.points_price * pick.quantity).to_integral_value()),
        )
        for item, pick in picks
    )
    audit.record(
        actor, "sale.settle", sale, person_id=person.pk, points=payment.points, quota=payment.quota
    )
    return sale
