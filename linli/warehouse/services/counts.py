"""Stock counts (盘点): count → review → finalise. Starting a count takes the books' quantity of
every lot at the location; finalising posts exactly the differences (counted − books) as one
adjustment transaction, each line with its reason. And the pharmacist's check of medicine."""

from __future__ import annotations

import datetime
from decimal import Decimal

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from linli.accounts.roles import Perm
from linli.core import audit
from linli.core.errors import Conflict, NotFound, ValidationFailed
from linli.core.scoping import has_perm, require
from linli.core.workflow import transition
from linli.ledger.services import Leg
from linli.warehouse.models import (
    AdjustmentReason,
    Item,
    Location,
    Lot,
    StockCount,
    StockCountLine,
    StockHolding,
)
from linli.warehouse.services.stock import (
    community_account,
    decimal_clean,
    holding_for,
    invalid,
    move,
)

Status = StockCount.Status


def _count_for_update(actor, count_id: int, perm: str) -> StockCount:
    count = StockCount.objects.select_for_update().filter(pk=count_id).first()
    if count is None or not has_perm(actor, Perm.WAREHOUSE_VIEW, count.community_id):
        raise NotFound(_("Not found."))
    require(actor, perm, count.community_id)
    return count


@transaction.atomic
def count_start(*, actor, location_id: int, note: str = "") -> StockCount:
    """Open a count of a location: one line per lot held there, with the books' quantity now."""
    location = Location.objects.filter(pk=location_id, is_active=True).first()
    if location is None or not has_perm(actor, Perm.WAREHOUSE_VIEW, location.community_id):
        raise NotFound(_("Not found."))
    require(actor, Perm.WAREHOUSE_MANAGE, location.community_id)
    if StockCount.objects.filter(
        location=location, status__in=[Status.COUNTING, Status.REVIEW]
    ).exists():
        raise Conflict(_("A count of this location is already open: finish or cancel it first."))
    try:
        with transaction.atomic():
            count = StockCount.objects.create(
                community_id=location.community_id,
                location=location,
                note=(note or "").strip()[:200],
                started_by=actor,
            )
    except IntegrityError as exc:  # another worker opened one at the same moment
        raise Conflict(
            _("A count of this location is already open: finish or cancel it first.")
        ) from exc
    holdings = StockHolding.objects.filter(location=location, account__balance__gt=0).values_list(
        "lot_id", "account__balance"
    )
    StockCountLine.objects.bulk_create(
        StockCountLine(count=count, lot_id=lot_id, expected=balance) for lot_id, balance in holdings
    )
    count.events.create(from_status="", to_status=Status.COUNTING, actor=actor)
    audit.record(actor, "count.start", count, lines=count.lines.count())
    return count


@transaction.atomic
def count_line_add(
    *, actor, count_id: int, item_id: int, expires_on: datetime.date | None = None
) -> StockCountLine:
    """A lot found that the books do not show at this location: a line expecting zero (a new
    lot 'found in a count' when no lot of the item has that expiry date)."""
    count = _count_for_update(actor, count_id, Perm.WAREHOUSE_MANAGE)
    if count.status != Status.COUNTING:
        raise Conflict(_("Lines can be added only while counting."))
    item = Item.objects.filter(pk=item_id, community_id=count.community_id).first()
    if item is None:
        raise invalid({"item_id": [_("Choose an item of this community's catalogue.")]})
    if item.tracks_expiry and expires_on is None:
        raise invalid({"expires_on": [_("This item needs its expiry date.")]})
    lot = (
        Lot.objects.filter(item=item, expires_on=expires_on)
        .exclude(pk__in=count.lines.values("lot_id"))
        .order_by("-pk")
        .first()
    )
    if lot is None:
        if count.lines.filter(lot__item=item, lot__expires_on=expires_on).exists():
            raise Conflict(_("This lot is already on the count."))
        lot = Lot.objects.create(
            item=item,
            expires_on=expires_on,
            source=_("Found in a stock count"),
            check_status=Lot.Check.PENDING if item.is_medicine else Lot.Check.NOT_NEEDED,
        )
    return StockCountLine.objects.create(count=count, lot=lot, expected=Decimal(0))


def _counted_clean(value) -> Decimal | None:
    if value in (None, ""):
        return None
    return decimal_clean(
        value,
        field="counted",
        message=_("A count is from 0 to 100000, to 3 decimals."),
        positive=False,
    )


@transaction.atomic
def count_record(*, actor, count_id: int, entries: dict[int, tuple[object, str]]) -> StockCount:
    """Record counted quantities and reasons: ``{line_id: (counted, reason)}``."""
    count = _count_for_update(actor, count_id, Perm.WAREHOUSE_MANAGE)
    if count.status != Status.COUNTING:
        raise Conflict(_("This count is no longer open for counting."))
    lines = {line.pk: line for line in count.lines.all()}
    errors: list[str] = []
    for line_id, (value, reason) in entries.items():
        line = lines.get(line_id)
        if line is None:
            raise NotFound(_("Not found."))
        try:
            line.counted = _counted_clean(value)
        except ValidationFailed as exc:
            errors.append(f"{line.lot}: {exc.fields['counted'][0]}")
            continue
        if reason and reason not in AdjustmentReason.values:
            errors.append(f"{line.lot}: {_('Choose a reason from the list.')}")
            continue
        line.reason = reason or ""
    if errors:
        raise invalid({"lines": errors})
    StockCountLine.objects.bulk_update(lines.values(), ["counted", "reason"])
    return count


@transaction.atomic
def count_submit(*, actor, count_id: int) -> StockCount:
    """Counting done: every line counted, every difference with its reason → review."""
    count = _count_for_update(actor, count_id, Perm.WAREHOUSE_MANAGE)
    problems = []
    for line in count.lines.select_related("lot__item"):
        if line.counted is None:
            problems.append(_("%(lot)s is not counted yet.") % {"lot": line.lot})
        elif line.difference and not line.reason:
            problems.append(
                _("%(lot)s differs from the books: give the reason.") % {"lot": line.lot}
            )
    if problems:
        raise ValidationFailed(_("The count is not complete."), fields={"lines": problems})
    transition(count, actor, Status.REVIEW, events=count.events)
    count.save(update_fields=["status"])
    audit.record(actor, "count.submit", count)
    return count


@transaction.atomic
def count_reopen(*, actor, count_id: int, note: str = "") -> StockCount:
    """The reviewer sends the count back for recounting."""
    count = _count_for_update(actor, count_id, Perm.WAREHOUSE_ADMIN)
    transition(count, actor, Status.COUNTING, events=count.events, note=(note or "")[:200])
    count.save(update_fields=["status"])
    return count


@transaction.atomic
def count_finalise(*, actor, count_id: int, note: str = "") -> StockCount:
    """The station administrator accepts the count: each difference (counted − books when the
    count started) posts to the community's adjustments account in one transaction."""
    count = _count_for_update(actor, count_id, Perm.WAREHOUSE_ADMIN)
    transition(count, actor, Status.FINALISED, events=count.events, note=(note or "")[:200])
    legs: list[Leg] = []
    for line in count.lines.select_related("lot__item").order_by("lot_id"):
        difference = line.difference
        if not difference:
            continue
        holding = holding_for(count.location, line.lot)
        legs += [
            Leg(holding.account, difference),
            Leg(community_account(count.community_id, line.lot, "adjustments"), -difference),
        ]
    if legs:
        count.transaction = move(
            actor=actor,
            community_id=count.community_id,
            kind="warehouse.count",
            legs=legs,
            memo=f"盘点 #{count.pk} {count.location.name}",
            idempotency_key=f"warehouse.count:{count.pk}",
        )
    count.save(update_fields=["status", "transaction"])
    audit.record(actor, "count.finalise", count, adjustments=len(legs) // 2)
    return count


@transaction.atomic
def count_cancel(*, actor, count_id: int, note: str = "") -> StockCount:
    count = _count_for_update(actor, count_id, Perm.WAREHOUSE_MANAGE)
    transition(count, actor, Status.CANCELLED, events=count.events, note=(note or "")[:200])
    count.save(update_fields=["status"])
    audit.record(actor, "count.cancel", count)
    return count


@transaction.atomic
def medicine_check(*, actor, lot_id: int, approve: bool, note: str = "") -> Lot:
    """The pharmacist's check of donated medicine (药师核验): approved lots may be given out;
    rejected lots stay blocked (write them off)."""
    lot = Lot.objects.select_for_update().select_related("item").filter(pk=lot_id).first()
    if lot is None or not has_perm(actor, Perm.WAREHOUSE_VIEW, lot.item.community_id):
        raise NotFound(_("Not found."))
    require(actor, Perm.MEDICINE_CHECK, lot.item.community_id)
    if lot.check_status != Lot.Check.PENDING:
        raise Conflict(_("This lot is not waiting for a check."))
    note = (note or "").strip()[:200]
    if not approve and not note:
        raise invalid({"note": [_("Say why the medicine is rejected.")]})
    lot.check_status = Lot.Check.APPROVED if approve else Lot.Check.REJECTED
    lot.checked_by, lot.checked_at, lot.check_note = actor, timezone.now(), note
    lot.save(update_fields=["check_status", "checked_by", "checked_at", "check_note"])
    audit.record(actor, "medicine.check", lot, approved=approve)
    return lot
