"""Moving stock through the ledger: the accounts that hold goods, first-expiry-first-out
allocation, and one ``move`` that every document (donation, handout, transfer, count, write-off,
sale) posts through. Nothing here writes a quantity anywhere but the ledger."""

from __future__ import annotations

import datetime
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal

from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from linli.core.errors import Conflict, ValidationFailed
from linli.ledger.models import Account, LedgerTransaction
from linli.ledger.services import InsufficientBalance, Leg, account_get_or_create, post
from linli.warehouse.models import Item, Location, Lot, StockHolding

MAX_QUANTITY = Decimal("100000")


class OutOfStock(Conflict):
    """Not enough of an item at a location (the message says how much there is)."""


@dataclass(frozen=True)
class Pick:
    """Take ``quantity`` of ``lot`` from ``holding``."""

    holding: StockHolding
    lot: Lot
    quantity: Decimal


def invalid(errors: dict[str, list[str]]) -> ValidationFailed:
    """The one error every warehouse service raises for bad input, with its field messages."""
    return ValidationFailed(_("Please correct the errors below."), fields=errors)


def active_location(
    community_id: int, location_id, field: str = "location_id", message: str = "", **where
) -> Location:
    """A location of the community that is in use (``where`` narrows it, e.g. by kind), or a
    field error."""
    location = Location.objects.filter(
        pk=location_id, community_id=community_id, is_active=True, **where
    ).first()
    if location is None:
        message = message or _("Choose a location of this community that is in use.")
        raise invalid({field: [message]})
    return location


def decimal_clean(value, *, field: str, message: str, positive: bool = True) -> Decimal:
    """A quantity up to 100000 with at most three decimals — more than 0 when ``positive``,
    else at least 0 — or the field error ``message``."""
    try:
        number = Decimal(str(value))
    except (ArithmeticError, ValueError, TypeError):
        number = None
    if (
        number is None
        or not number.is_finite()
        or number > MAX_QUANTITY
        or (number <= 0 if positive else number < 0)
        or number != number.quantize(Decimal("0.001"))
    ):
        raise invalid({field: [message]})
    return number


def holding_for(location: Location, lot: Lot) -> StockHolding:
    """The holding (and its ledger account) of ``lot`` at ``location``, created on first use."""
    holding = (
        StockHolding.objects.select_related("account").filter(location=location, lot=lot).first()
    )
    if holding is not None:
        return holding
    account = account_get_or_create(
        key=f"community:{location.community_id}/location:{location.pk}/stock",
        commodity=lot.commodity,
        name=f"{location.name} · {lot.item.name}",
        community_id=location.community_id,
    )
    holding, _created = StockHolding.objects.get_or_create(
        location=location, lot=lot, defaults={"account": account}
    )
    return holding


def community_account(community_id: int, lot: Lot, what: str) -> Account:
    """The community's account on the other side of a stock move, per lot:

    ``donated`` (where donated goods come from: may go negative), ``distributed`` (handed out),
    ``sold`` (the supermarket till), ``adjustments`` (count differences: may go negative, a lot
    found moves in from here), ``written-off``, ``on-loan`` (tools out with borrowers)."""
    return account_get_or_create(
        key=f"community:{community_id}/warehouse/{what}",
        commodity=lot.commodity,
        name=what,
        community_id=community_id,
        may_go_negative=what in ("donated", "adjustments"),
    )


def quantity_clean(value, *, field: str = "quantity") -> Decimal:
    """A positive quantity with at most three decimals, or a field error."""
    return decimal_clean(
        value,
        field=field,
        message=_("A quantity is more than 0 and at most 100000, to 3 decimals."),
    )


def value_of(item: Item, quantity: Decimal) -> int:
    """Fair value in fen of ``quantity`` units, rounded to the fen."""
    return int((Decimal(item.fair_value_fen) * quantity).to_integral_value())


def holdings_fefo(
    location: Location, item: Item, *, today: datetime.date | None = None, to_give: bool = True
):
    """The holdings of ``item`` at ``location``, first expiry first (no expiry last, older lots
    first among equals). ``to_give``: only what may be given out (not expired, and medicine only
    once the pharmacist released it); otherwise everything there (a transfer moves it all)."""
    holdings = (
        StockHolding.objects.select_related("lot", "account")
        .filter(location=location, lot__item=item, account__balance__gt=0)
        .order_by(F("lot__expires_on").asc(nulls_last=True), "lot_id")
    )
    if to_give:
        holdings = holdings.filter(
            lot__check_status__in=[Lot.Check.NOT_NEEDED, Lot.Check.APPROVED]
        ).exclude(lot__expires_on__lt=today or timezone.localdate())
    return holdings


def allocate(
    location: Location,
    item: Item,
    quantity: Decimal,
    *,
    lot: Lot | None = None,
    today: datetime.date | None = None,
    to_give: bool = True,
) -> list[Pick]:
    """Which lots to take ``quantity`` of ``item`` from: first expiry first across lots, or only
    the hand-picked ``lot``. ``OutOfStock`` when there is not enough."""
    holdings = holdings_fefo(location, item, today=today, to_give=to_give)
    if lot is not None:
        holdings = holdings.filter(lot=lot)
    picks: list[Pick] = []
    remaining = quantity
    available = Decimal(0)
    for holding in holdings:
        available += holding.account.balance
        take = min(remaining, holding.account.balance)
        if take > 0:
            picks.append(Pick(holding, holding.lot, take))
            remaining -= take
        if remaining == 0:
            return picks
    raise OutOfStock(
        _("Only %(available)s %(unit)s of %(item)s can be taken from %(location)s.")
        % {
            "available": available.normalize(),
            "unit": item.unit,
            "item": item.name,
            "location": location.name,
        },
        fields={"quantity": [_("Not enough stock there.")]},
    )


def move(
    *,
    actor,
    community_id: int,
    kind: str,
    legs: Sequence[Leg],
    memo: str = "",
    idempotency_key: str | None = None,
) -> LedgerTransaction:
    """Post one stock transaction. A balance that ran out under us (another till, another
    handout) becomes a clear ``OutOfStock``; the caller's atomic block rolls everything back."""
    try:
        return post(
            actor=actor,
            kind=kind,
            legs=legs,
            memo=memo[:200],
            community_id=community_id,
            idempotency_key=idempotency_key,
        )
    except InsufficientBalance as exc:
        raise OutOfStock(
            _(
                "The stock changed while you were working: someone else took the last of it. "
                "Please check the quantities and try again."
            )
        ) from exc
