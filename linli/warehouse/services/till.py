"""The charity supermarket till (收银台) and the monthly relief quota (扶贫帮困).

A sale is one ledger transaction: the relief quotas used (units of an item, then points) and the
customer's points go out, the goods leave the shelf lot by lot (first expiry first). Either
everything moves or nothing. A quota is a ledger account per holder, month and kind (points, or
one item), funded by the station; what is left at the month's end expires.
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
from linli.core import audit, idempotency
from linli.core.errors import Conflict, NotFound, ValidationFailed
from linli.core.scoping import has_perm, require
from linli.ledger.models import Account
from linli.ledger.services import InsufficientBalance, Leg, account_get_or_create, post
from linli.people.models import Household, Person
from linli.people.selectors import current_tag_rows
from linli.points.services import person_points_account, redeemed_points_account
from linli.warehouse.models import RELIEF_TAGS, Item, Location, ReliefQuota, Sale, SaleLine
from linli.warehouse.services.outbound import OutLine, allocate_lines
from linli.warehouse.services.stock import active_location, community_account, invalid, value_of

PayWith = str  # "points", "quota" or "both" (the quota first, the rest in points)
PAY_WITH = ("points", "quota", "both")
MAX_QUOTA = 100000


def month_of(day: datetime.date) -> datetime.date:
    return day.replace(day=1)


def quota_holder(person: Person) -> tuple[Household | None, Person | None]:
    """Whose quota a resident spends: their household's, else their own."""
    if person.household_id:
        return person.household, None
    return None, person


def relief_eligible_q(today: datetime.date) -> Q:
    """People with a relief tag (low income, extreme poverty, emergency relief) today."""
    return Q(pk__in=current_tag_rows(today).filter(tag__in=RELIEF_TAGS).values("person_id"))


def _quota_account(community_id: int, household, person, month: datetime.date, item) -> Account:
    holder = f"household:{household.pk}" if household else f"person:{person.pk}"
    kind = f"/item:{item.pk}" if item else ""
    label = f"{item.name} " if item else ""
    return account_get_or_create(
        key=f"community:{community_id}/relief/{holder}/{month:%Y-%m}{kind}",
        commodity=f"QITEM:{item.pk}" if item else "PTS",
        name=f"{household or person.name} {label}帮困额度 {month:%Y-%m}",
        community_id=community_id,
    )


def _relief_account(community_id: int, what: str, commodity: str = "PTS") -> Account:
    """``issued`` (where quotas come from), ``spent`` (at the till), ``expired``."""
    return account_get_or_create(
        key=f"community:{community_id}/relief/{what}",
        commodity=commodity,
        name=f"relief {what}",
        community_id=community_id,
        may_go_negative=what == "issued",
    )


def _holder(
    community_id: int, household_id, person_id, today
) -> tuple[Household | None, Person | None]:
    """The household (or resident without one) a quota goes to, if eligible; else a field error."""
    eligible = Person.objects.filter(relief_eligible_q(today), is_anonymised=False)
    if household_id is not None:
        household = Household.objects.filter(pk=household_id, community_id=community_id).first()
        if household is None:
            raise invalid({"household_id": [_("Choose a household of this community.")]})
        if not eligible.filter(household=household).exists():
            raise invalid(
                {"household_id": [_("No one in this household is low-income or in poverty.")]}
            )
        return household, None
    if person_id is None:
        raise invalid({"household_id": [_("Choose the household.")]})
    person = Person.objects.filter(pk=person_id, community_id=community_id).first()
    if person is None:
        raise invalid({"person_id": [_("Choose a resident of this community.")]})
    if person.household_id:
        if not eligible.filter(household_id=person.household_id).exists():
            raise invalid(
                {"person_id": [_("No one in this household is low-income or in poverty.")]}
            )
        return person.household, None
    if not eligible.filter(pk=person.pk).exists():
        raise invalid({"person_id": [_("This resident is not low-income or in poverty.")]})
    return None, person


@transaction.atomic
def relief_quota_grant(
    *,
    actor,
    community_id: int,
    amount: int,
    household_id: int | None = None,
    person_id: int | None = None,
    item_id: int | None = None,
    month: datetime.date | None = None,
    idempotency_key: str | None = None,
) -> ReliefQuota:
    """Grant this (or next) month's relief quota — ``amount`` points, or ``amount`` units of an
    item — to a household with a low-income, extreme-poverty or emergency-relief member (or such
    a resident without a household). With ``idempotency_key``, a repeat returns the first grant
    instead of "already granted"."""
    require(actor, Perm.WAREHOUSE_ADMIN, community_id)
    once = idempotency.claim(
        actor=actor,
        key=idempotency_key,
        action="warehouse.relief_grant",
        content={
            "community_id": community_id,
            "amount": amount,
            "household_id": household_id,
            "person_id": person_id,
            "item_id": item_id,
            "month": month,
        },
    )
    if once.replayed is not None:
        return once.replayed
    today = timezone.localdate()
    month = month_of(month or today)
    errors: dict[str, list[str]] = {}
    if not isinstance(amount, int) or isinstance(amount, bool) or not 1 <= amount <= MAX_QUOTA:
        errors["amount"] = [_("A quota is a whole number from 1 to 100000.")]
    if month < month_of(today) or month > month_of(today + datetime.timedelta(days=31)):
        errors["month"] = [_("A quota is for this month or next month.")]
    item = None
    if item_id is not None:
        item = Item.objects.filter(pk=item_id, community_id=community_id, is_active=True).first()
        if item is None or item.is_medicine or item.lendable:
            errors["item_id"] = [_("Choose goods of this community's catalogue.")]
    if errors:
        raise invalid(errors)
    household, person = _holder(community_id, household_id, person_id, today)
    if ReliefQuota.objects.filter(
        household=household, person=person, month=month, item=item
    ).exists():
        raise Conflict(_("This month's quota was already granted."))
    account = _quota_account(community_id, household, person, month, item)
    tx = post(
        actor=actor,
        kind="warehouse.relief.grant",
        legs=[
            Leg(_relief_account(community_id, "issued", account.commodity), -amount),
            Leg(account, amount),
        ],
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
                item=item,
                amount=amount,
                account=account,
                transaction=tx,
                granted_by=actor,
            )
    except IntegrityError as exc:
        raise Conflict(_("This month's quota was already granted.")) from exc
    audit.record(actor, "relief.grant", quota, amount=amount, item=item_id, month=f"{month:%Y-%m}")
    return once.finish(quota)


def relief_quota_grant_all(
    *,
    actor,
    community_id: int,
    amount: int,
    item_id: int | None = None,
    month: datetime.date | None = None,
) -> int:
    """Grant the month's quota (points, or units of ``item_id``) to every eligible household
    (and eligible resident without one) that does not have it yet. Safe to run twice: returns
    how many were granted now."""
    require(actor, Perm.WAREHOUSE_ADMIN, community_id)
    today = timezone.localdate()
    month = month_of(month or today)
    eligible = Person.objects.filter(
        relief_eligible_q(today), community_id=community_id, is_anonymised=False
    )
    households = set(eligible.exclude(household=None).values_list("household_id", flat=True))
    singles = set(eligible.filter(household=None).values_list("pk", flat=True))
    done = ReliefQuota.objects.filter(community_id=community_id, month=month, item_id=item_id)
    households -= set(done.exclude(household=None).values_list("household_id", flat=True))
    singles -= set(done.exclude(person=None).values_list("person_id", flat=True))
    holders = [{"household_id": h} for h in sorted(households)]
    holders += [{"person_id": p} for p in sorted(singles)]
    for holder in holders:
        relief_quota_grant(
            actor=actor,
            community_id=community_id,
            amount=amount,
            item_id=item_id,
            month=month,
            **holder,
        )
    return len(holders)


def current_quotas(
    person: Person, today: datetime.date | None = None
) -> tuple[ReliefQuota | None, dict[int, ReliefQuota]]:
    """The quotas the resident may spend this month (their household's): the points quota, if
    any, and the item quotas by item id."""
    household, single = quota_holder(person)
    month = month_of(today or timezone.localdate())
    points, items = None, {}
    for quota in ReliefQuota.objects.select_related("account", "item").filter(
        household=household, person=single, month=month
    ):
        if quota.item_id:
            items[quota.item_id] = quota
        else:
            points = quota
    return points, items


def current_quota(person: Person, today: datetime.date | None = None) -> ReliefQuota | None:
    """The points quota the resident may spend this month (their household's), if any."""
    return current_quotas(person, today)[0]


@transaction.atomic
def relief_quota_expire(*, actor=None, today: datetime.date | None = None) -> int:
    """Quotas of past months expire: what is left moves to the community's ``expired`` account
    (per commodity). Idempotent (one expiry per quota account); returns how many expired now."""
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
                Leg(_relief_account(quota.community_id, "expired", quota.account.commodity), left),
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
    """How a sale is paid: units from item quotas, then ``total`` points from the points quota
    and the customer's points."""

    total: int
    quota: int
    points: int
    units: dict[int, int]  # item id → units paid by that item's quota


def points_for(item: Item, units) -> int:
    """The till price of ``units`` whole units of ``item`` (0 for goods not sold for points)."""
    return int(((item.points_price or 0) * Decimal(units)).to_integral_value())


def price_lines(
    items: dict[int, Item], lines: Sequence[OutLine], item_quota_left: dict[int, int]
) -> tuple[int, dict[int, int], list[str]]:
    """(points to pay, units covered by item quotas per item, what is wrong with the lines):
    the till sells whole units; an item is sold for points, or given from an item quota."""
    wanted: dict[int, int] = {}
    errors = []
    for number, line in enumerate(lines, start=1):
        quantity = Decimal(str(line.quantity))
        if line.item_id not in items:
            continue  # reported by the allocation
        if quantity != quantity.to_integral_value():
            errors.append(_("Line %(n)s: the till sells whole units.") % {"n": number})
            continue
        wanted[line.item_id] = wanted.get(line.item_id, 0) + int(quantity)
    total, units = 0, {}
    for item_id, quantity in wanted.items():
        item = items[item_id]
        units[item_id] = min(quantity, item_quota_left.get(item_id, 0))
        rest = quantity - units[item_id]
        if rest and not item.points_price:
            errors.append(_("%(item)s is not sold at the till.") % {"item": item.name})
            continue
        total += points_for(item, rest)
    return total, {k: v for k, v in units.items() if v}, errors


def payment_for(
    total: int, pay_with: PayWith, quota_left: int, points_left: int, units: dict[int, int]
) -> Payment:
    """Split ``total`` points between the points quota and points, or say clearly why it
    cannot be paid."""
    if pay_with not in PAY_WITH:
        raise invalid({"pay_with": [_("Choose points, relief quota or both.")]})
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
    return Payment(total=total, quota=quota, points=points, units=units)


@transaction.atomic
def sale_settle(
    *,
    actor,
    community_id: int,
    location_id: int,
    person_id: int,
    lines: Sequence[OutLine],
    pay_with: PayWith = "points",
    idempotency_key: str | None = None,
) -> Sale:
    """结算: one atomic ledger transaction moves the quotas, the points and the goods. With
    ``quota`` or ``both``, item quotas pay for their items first, then the points quota.
    With ``idempotency_key``, a repeat returns the first sale (``core.idempotency``)."""
    require(actor, Perm.WAREHOUSE_MANAGE, community_id)
    once = idempotency.claim(
        actor=actor,
        key=idempotency_key,
        action="warehouse.sale",
        content={
            "community_id": community_id,
            "location_id": location_id,
            "person_id": person_id,
            "lines": list(lines),
            "pay_with": pay_with,
        },
    )
    if once.replayed is not None:
        return once.replayed
    location = active_location(
        community_id,
        location_id,
        message=_("Choose a supermarket shelf of this community."),
        kind=Location.Kind.SUPERMARKET,
    )
    person = Person.objects.filter(pk=person_id, is_anonymised=False).first()
    if person is None or not has_perm(actor, Perm.REGISTRY_VIEW, person.community_id):
        raise NotFound(_("Not found."))
    quota, item_quotas = current_quotas(person) if pay_with in ("quota", "both") else (None, {})
    if pay_with == "quota" and quota is None and not item_quotas:
        raise Conflict(_("The customer's household has no relief quota this month."))
    items = Item.objects.in_bulk([line.item_id for line in lines])
    total, units, errors = price_lines(
        items, lines, {k: int(q.account.balance) for k, q in item_quotas.items()}
    )
    if errors:
        raise ValidationFailed(errors[0], fields={"lines": errors})
    picks = allocate_lines(community_id, location, list(lines), to_give=True, items=items)
    points_account = person_points_account(person)
    payment = payment_for(
        total,
        pay_with,
        int(quota.account.balance) if quota else 0,
        int(points_account.balance),
        units,
    )
    legs: list[Leg] = []
    for item_id, count in payment.units.items():
        account = item_quotas[item_id].account
        legs += [
            Leg(account, -count),
            Leg(_relief_account(community_id, "spent", account.commodity), count),
        ]
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
            idempotency_key=once.ledger_key,
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
    covered = dict(payment.units)
    sale_lines = []
    for item, pick in picks:
        from_quota = min(int(pick.quantity), covered.get(item.pk, 0))
        covered[item.pk] = covered.get(item.pk, 0) - from_quota
        sale_lines.append(
            SaleLine(
                sale=sale,
                item=item,
                lot=pick.lot,
                quantity=pick.quantity,
                points=points_for(item, pick.quantity - from_quota),
                quota=item_quotas.get(item.pk) if from_quota else None,
                quota_units=from_quota,
            )
        )
    SaleLine.objects.bulk_create(sale_lines)
    audit.record(
        actor,
        "sale.settle",
        sale,
        person_id=person.pk,
        points=payment.points,
        quota=payment.quota,
        units=sum(payment.units.values()),
    )
    return once.finish(sale)
