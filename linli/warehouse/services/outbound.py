"""Goods going out or moving: distributions (发放), transfers (调拨) and write-offs (报损)."""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from decimal import Decimal

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from linli.accounts.roles import Perm
from linli.core import audit, idempotency
from linli.core.dates import service_date_problem
from linli.core.errors import NotFound, ValidationFailed
from linli.core.scoping import has_perm, require
from linli.core.uploads import CleanImage, image_clean, image_save
from linli.ledger.services import Leg
from linli.people.models import Household, Person
from linli.warehouse.models import (
    AdjustmentReason,
    Distribution,
    DistributionLine,
    Item,
    Location,
    Lot,
    StockHolding,
    Transfer,
    TransferLine,
    WriteOff,
)
from linli.warehouse.services.stock import (
    OutOfStock,
    Pick,
    active_location,
    allocate,
    community_account,
    holding_for,
    invalid,
    move,
    quantity_clean,
    value_of,
)

MAX_LINES = 50


@dataclass(frozen=True)
class OutLine:
    """One line going out: an item and a quantity, optionally from a hand-picked lot."""

    item_id: int
    quantity: Decimal | str | int
    lot_id: int | None = None


def allocate_lines(
    community_id: int,
    location: Location,
    lines: list[OutLine],
    *,
    to_give: bool,
    items: dict[int, Item] | None = None,
) -> list[tuple[Item, Pick]]:
    """Allocate every line (first expiry first, or the hand-picked lot); all errors at once.
    ``items``: the lines' items by id, when the caller has them already."""
    if not lines:
        raise invalid({"lines": [_("Add at least one item.")]})
    if len(lines) > MAX_LINES:
        raise invalid({"lines": [_("At most %(n)s lines at a time.") % {"n": MAX_LINES}]})
    if items is None:
        items = Item.objects.in_bulk([line.item_id for line in lines])
    errors: list[str] = []
    picks: list[tuple[Item, Pick]] = []
    taken: dict[int, Decimal] = {}
    for number, line in enumerate(lines, start=1):
        item = items.get(line.item_id)
        if item is None or item.community_id != community_id:
            errors.append(
                _("Line %(n)s: choose an item of this community's catalogue.") % {"n": number}
            )
            continue
        try:
            quantity = quantity_clean(line.quantity)
            lot = None
            if line.lot_id is not None:
                lot = Lot.objects.filter(pk=line.lot_id, item=item).first()
                if lot is None:
                    raise invalid({"lot_id": [_("Choose a lot of this item.")]})
            for pick in allocate(location, item, quantity, lot=lot, to_give=to_give):
                already = taken.get(pick.holding.pk, Decimal(0))
                if already + pick.quantity > pick.holding.account.balance:
                    raise OutOfStock(
                        _("%(item)s appears on more lines than there is stock for.")
                        % {"item": item.name}
                    )
                taken[pick.holding.pk] = already + pick.quantity
                picks.append((item, pick))
        except (ValidationFailed, OutOfStock) as exc:
            detail = (
                exc.message if isinstance(exc, OutOfStock) else next(iter(exc.fields.values()))[0]
            )
            errors.append(_("Line %(n)s: %(error)s") % {"n": number, "error": detail})
    if errors:
        raise ValidationFailed(
            errors[0] if len(errors) == 1 else _("Some lines cannot be given."),
            fields={"lines": errors},
        )
    return picks


def distribution_create(
    *,
    actor,
    community_id: int,
    location_id: int,
    recipient_kind: str,
    lines: list[OutLine],
    person_id: int | None = None,
    household_id: int | None = None,
    occasion: str = "",
    distributed_on: datetime.date | None = None,
    signed_by: str = "",
    receipt=None,
    note: str = "",
    idempotency_key: str | None = None,
) -> Distribution:
    """Give goods out: each line first expiry first across lots (or from a hand-picked lot), one
    ledger transaction, with a signature or a photographed receipt. Medicine goes only to a named
    person, and only once the pharmacist has released it. With ``idempotency_key``, a repeat
    returns the first handout (the receipt photo is not part of what is compared).

    The receipt is decoded before the write transaction opens (docs/security.md), and only for
    a user who may give goods out here."""
    require(actor, Perm.WAREHOUSE_MANAGE, community_id)
    receipt_image = image_clean(receipt, "receipt") if receipt is not None else None
    with transaction.atomic():
        return _distribution_create(
            actor=actor,
            community_id=community_id,
            location_id=location_id,
            recipient_kind=recipient_kind,
            lines=lines,
            person_id=person_id,
            household_id=household_id,
            occasion=occasion,
            distributed_on=distributed_on,
            signed_by=signed_by,
            receipt_image=receipt_image,
            note=note,
            idempotency_key=idempotency_key,
        )


def _distribution_create(
    *,
    actor,
    community_id: int,
    location_id: int,
    recipient_kind: str,
    lines: list[OutLine],
    person_id: int | None,
    household_id: int | None,
    occasion: str,
    distributed_on: datetime.date | None,
    signed_by: str,
    receipt_image: CleanImage | None,
    note: str,
    idempotency_key: str | None,
) -> Distribution:
    require(actor, Perm.WAREHOUSE_MANAGE, community_id)
    once = idempotency.claim(
        actor=actor,
        key=idempotency_key,
        action="warehouse.distribution",
        content={
            "community_id": community_id,
            "location_id": location_id,
            "recipient_kind": recipient_kind,
            "person_id": person_id,
            "household_id": household_id,
            "occasion": occasion,
            "distributed_on": distributed_on,
            "signed_by": signed_by,
            "note": note,
            "lines": list(lines),
        },
    )
    if once.replayed is not None:
        return once.replayed
    today = timezone.localdate()
    distributed_on = distributed_on or today
    errors: dict[str, list[str]] = {}
    if distributed_on > today or distributed_on < today - datetime.timedelta(days=366):
        errors["distributed_on"] = [_("The date is within the last year and not in the future.")]
    elif problem := service_date_problem(distributed_on):
        errors["distributed_on"] = [problem]
    person = household = None
    occasion = (occasion or "").strip()
    if recipient_kind == Distribution.RecipientKind.PERSON:
        person = Person.objects.filter(
            pk=person_id, community_id=community_id, is_anonymised=False
        ).first()
        if person is None:
            errors["person_id"] = [_("Choose a resident of this community.")]
    elif recipient_kind == Distribution.RecipientKind.HOUSEHOLD:
        household = Household.objects.filter(pk=household_id, community_id=community_id).first()
        if household is None:
            errors["household_id"] = [_("Choose a household of this community.")]
    elif recipient_kind in (
        Distribution.RecipientKind.ACTIVITY,
        Distribution.RecipientKind.EMERGENCY,
    ):
        if not occasion or len(occasion) > 100:
            errors["occasion"] = [_("Name the activity or the incident.")]
    else:
        errors["recipient_kind"] = [_("Choose who receives the goods.")]
    signed_by = (signed_by or "").strip()
    if len(signed_by) > 50:
        errors["signed_by"] = [_("At most 50 characters.")]
    elif not signed_by and receipt_image is None:
        errors["signed_by"] = [
            _("Give who signed for the goods, or attach a photo of the receipt.")
        ]
    if errors:
        raise invalid(errors)
    location = active_location(community_id, location_id)
    picks = allocate_lines(community_id, location, lines, to_give=True)
    if person is None and any(item.is_medicine for item, _pick in picks):
        raise invalid({"recipient_kind": [_("Medicine is given only to a named resident.")]})

    legs: list[Leg] = []
    for _item, pick in picks:
        legs += [
            Leg(pick.holding.account, -pick.quantity),
            Leg(community_account(community_id, pick.lot, "distributed"), pick.quantity),
        ]
    distribution = Distribution(
        community_id=community_id,
        location=location,
        recipient_kind=recipient_kind,
        person=person,
        household=household,
        occasion=occasion if person is None and household is None else "",
        distributed_on=distributed_on,
        signed_by=signed_by,
        note=(note or "").strip()[:200],
        total_value_fen=sum(value_of(item, pick.quantity) for item, pick in picks),
        created_by=actor,
    )
    distribution.transaction = move(
        actor=actor,
        community_id=community_id,
        kind="warehouse.distribution",
        legs=legs,
        memo=f"发放 {distribution.recipient_display}",
        idempotency_key=once.ledger_key,
    )
    if receipt_image is not None:  # re-encoded, under a random name: never the uploaded one
        image_save(distribution.receipt, receipt_image)
    distribution.save()
    DistributionLine.objects.bulk_create(
        DistributionLine(
            distribution=distribution,
            item=item,
            lot=pick.lot,
            quantity=pick.quantity,
            value_fen=value_of(item, pick.quantity),
        )
        for item, pick in picks
    )
    audit.record(
        actor,
        "distribution.create",
        distribution,
        person_id=person.pk if person else None,
        lines=len(picks),
        value_fen=distribution.total_value_fen,
    )
    return once.finish(distribution)


@transaction.atomic
def transfer_create(
    *,
    actor,
    community_id: int,
    from_location_id: int,
    to_location_id: int,
    lines: list[OutLine],
    note: str = "",
    idempotency_key: str | None = None,
) -> Transfer:
    """Move goods between two locations of the community, lot by lot (first expiry first unless a
    lot is picked); everything there can move, expired or waiting for the pharmacist too. With
    ``idempotency_key``, a repeat returns the first transfer."""
    require(actor, Perm.WAREHOUSE_MANAGE, community_id)
    once = idempotency.claim(
        actor=actor,
        key=idempotency_key,
        action="warehouse.transfer",
        content={
            "community_id": community_id,
            "from_location_id": from_location_id,
            "to_location_id": to_location_id,
            "note": note,
            "lines": list(lines),
        },
    )
    if once.replayed is not None:
        return once.replayed
    source = active_location(community_id, from_location_id, "from_location_id")
    target = active_location(community_id, to_location_id, "to_location_id")
    if source == target:
        raise invalid({"to_location_id": [_("Choose a different location to move to.")]})
    picks = allocate_lines(community_id, source, lines, to_give=False)
    legs: list[Leg] = []
    for _item, pick in picks:
        legs += [
            Leg(pick.holding.account, -pick.quantity),
            Leg(holding_for(target, pick.lot).account, pick.quantity),
        ]
    transfer = Transfer(
        community_id=community_id,
        from_location=source,
        to_location=target,
        note=(note or "").strip()[:200],
        created_by=actor,
    )
    transfer.transaction = move(
        actor=actor,
        community_id=community_id,
        kind="warehouse.transfer",
        legs=legs,
        memo=f"调拨 {source.name} → {target.name}",
        idempotency_key=once.ledger_key,
    )
    transfer.save()
    TransferLine.objects.bulk_create(
        TransferLine(transfer=transfer, item=item, lot=pick.lot, quantity=pick.quantity)
        for item, pick in picks
    )
    audit.record(actor, "transfer.create", transfer, lines=len(picks))
    return once.finish(transfer)


@transaction.atomic
def write_off_create(
    *,
    actor,
    holding_id: int,
    reason: str,
    quantity: Decimal | str | int | None = None,
    note: str = "",
    idempotency_key: str | None = None,
) -> WriteOff:
    """Take goods off the books (报损): all of a lot at a location unless a quantity is given.
    With ``idempotency_key``, a repeat returns the first write-off."""
    holding = (
        StockHolding.objects.select_related("location", "lot__item", "account")
        .filter(pk=holding_id)
        .first()
    )
    community_id = holding.location.community_id if holding else None
    if holding is None or not has_perm(actor, Perm.WAREHOUSE_VIEW, community_id):
        raise NotFound(_("Not found."))
    require(actor, Perm.WAREHOUSE_ADMIN, community_id)
    once = idempotency.claim(
        actor=actor,
        key=idempotency_key,
        action="warehouse.write_off",
        content={"holding_id": holding_id, "reason": reason, "quantity": quantity, "note": note},
    )
    if once.replayed is not None:
        return once.replayed
    if reason not in (AdjustmentReason.DAMAGED, AdjustmentReason.EXPIRED, AdjustmentReason.LOST):
        raise invalid({"reason": [_("Choose why: damaged, expired or lost.")]})
    balance = holding.account.balance
    quantity = balance if quantity in (None, "") else quantity_clean(quantity)
    if balance <= 0:
        raise OutOfStock(_("There is nothing of this lot here to write off."))
    if quantity > balance:
        raise invalid({"quantity": [_("Only %(n)s are here.") % {"n": balance.normalize()}]})
    lot = holding.lot
    write_off = WriteOff(
        community_id=community_id,
        location=holding.location,
        lot=lot,
        quantity=quantity,
        reason=reason,
        note=(note or "").strip()[:200],
        value_fen=value_of(lot.item, quantity),
        created_by=actor,
    )
    write_off.transaction = move(
        actor=actor,
        community_id=community_id,
        kind="warehouse.write_off",
        legs=[
            Leg(holding.account, -quantity),
            Leg(community_account(community_id, lot, "written-off"), quantity),
        ],
        memo=f"报损 {lot.item.name} ({write_off.get_reason_display()})",
        idempotency_key=once.ledger_key,
    )
    write_off.save()
    audit.record(actor, "write_off.create", write_off, reason=reason, quantity=str(quantity))
    return once.finish(write_off)


@transaction.atomic
def expired_write_off(*, actor, location_id: int) -> list[WriteOff]:
    """Write off every expired lot at a location at once (one write-off per lot)."""
    location = Location.objects.filter(pk=location_id).first()
    if location is None or not has_perm(actor, Perm.WAREHOUSE_VIEW, location.community_id):
        raise NotFound(_("Not found."))
    require(actor, Perm.WAREHOUSE_ADMIN, location.community_id)
    expired = StockHolding.objects.filter(
        location=location, account__balance__gt=0, lot__expires_on__lt=timezone.localdate()
    ).order_by("lot__expires_on", "pk")
    return [
        write_off_create(actor=actor, holding_id=holding.pk, reason=AdjustmentReason.EXPIRED)
        for holding in expired
    ]
