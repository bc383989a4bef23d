"""Reads of the love warehouse. Every quantity is a ledger balance (``StockHolding.account``)."""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from decimal import Decimal
from typing import NamedTuple

from django.db.models import Count, DecimalField, F, Min, Prefetch, Q, QuerySet, Sum, Value
from django.db.models.functions import Coalesce
from django.utils import timezone

from linli.accounts.roles import Perm
from linli.core.scoping import get_in_scope, require_any, scope
from linli.warehouse.models import (
    Distribution,
    DistributionLine,
    Donation,
    DonationLine,
    Item,
    Location,
    Lot,
    Pledge,
    StockCount,
    StockHolding,
    StockLevel,
    Transfer,
    WriteOff,
)

ZERO = Value(Decimal(0), output_field=DecimalField(max_digits=24, decimal_places=6))
EXPIRY_WARNING_DAYS = 14


def _on_hand(path: str = "lots__holdings__account__balance", **where):
    return Coalesce(Sum(path, filter=Q(**where) if where else None), ZERO)


# --- catalogue and locations -------------------------------------------------------------------


def item_list(
    user,
    *,
    community_id: int | None = None,
    q: str = "",
    category: str = "",
    active: bool | None = None,
) -> QuerySet[Item]:
    """The catalogue with the quantity on hand across all locations."""
    qs = scope(Item.objects.all(), user, Perm.WAREHOUSE_VIEW, community_id=community_id)
    if q:
        qs = qs.filter(Q(name__icontains=q) | Q(barcode=q))
    if category:
        qs = qs.filter(category=category)
    if active is not None:
        qs = qs.filter(is_active=active)
    return qs.annotate(on_hand=_on_hand()).order_by("category", "name", "pk")


def item_get(user, item_id: int) -> Item:
    return get_in_scope(Item.objects.all(), user, Perm.WAREHOUSE_VIEW, pk=item_id)


def item_by_barcode(user, community_id: int, barcode: str) -> Item | None:
    barcode = (barcode or "").strip()[:32]
    if not barcode:
        return None
    return (
        scope(Item.objects.all(), user, Perm.WAREHOUSE_VIEW, community_id=community_id)
        .filter(barcode=barcode, is_active=True)
        .first()
    )


def item_holdings(item: Item) -> QuerySet[StockHolding]:
    """Where the item is, lot by lot, first expiry first."""
    return (
        StockHolding.objects.filter(lot__item=item, account__balance__gt=0)
        .select_related("location", "lot", "account")
        .order_by(F("lot__expires_on").asc(nulls_last=True), "lot_id", "location__name")
    )


def location_list(user, *, community_id: int | None = None) -> QuerySet[Location]:
    """Locations with how many items they hold and the value on hand."""
    qs = scope(Location.objects.all(), user, Perm.WAREHOUSE_VIEW, community_id=community_id)
    return (
        qs.select_related("parent", "community")
        .annotate(
            lots=Count("holdings", filter=Q(holdings__account__balance__gt=0)),
            value_fen=Coalesce(
                Sum(
                    F("holdings__account__balance") * F("holdings__lot__item__fair_value_fen"),
                    filter=Q(holdings__account__balance__gt=0),
                    output_field=DecimalField(max_digits=30, decimal_places=6),
                ),
                ZERO,
            ),
        )
        .order_by("community__code", "kind", "name")
    )


def location_get(user, location_id: int) -> Location:
    return get_in_scope(Location.objects.all(), user, Perm.WAREHOUSE_VIEW, pk=location_id)


def item_choices(community_id: int, **where) -> QuerySet[Item]:
    """Items of the community in use, for a form's choices (``where`` narrows them)."""
    return Item.objects.filter(community_id=community_id, is_active=True, **where).order_by(
        "category", "name"
    )


def location_choices(
    community_id: int, *, kinds: tuple[str, ...] | None = None
) -> QuerySet[Location]:
    qs = Location.objects.filter(community_id=community_id, is_active=True)
    if kinds:
        qs = qs.filter(kind__in=kinds)
    return qs.order_by("kind", "name")


def location_has_stock(location: Location) -> bool:
    return StockHolding.objects.filter(location=location, account__balance__gt=0).exists()


def location_holdings(location: Location) -> QuerySet[StockHolding]:
    return (
        StockHolding.objects.filter(location=location, account__balance__gt=0)
        .select_related("lot__item", "account")
        .order_by(
            "lot__item__category", "lot__item__name", F("lot__expires_on").asc(nulls_last=True)
        )
    )


# --- stock on hand -----------------------------------------------------------------------------


class StockRow(NamedTuple):
    """One (location, item) of stock on hand; fields in the order rows sort by."""

    location: str
    category: str
    item: str
    location_id: int
    item_id: int
    unit: str
    quantity: Decimal
    value_fen: int
    lots: int
    next_expiry: datetime.date | None


def stock_on_hand(
    user,
    *,
    community_id: int | None = None,
    location_id: int | None = None,
    category: str = "",
    q: str = "",
) -> list[StockRow]:
    """库存: quantity per (location, item) in scope, summed over lots from the cached ledger
    balances (no scan of postings), with value, number of lots and the next expiry; sorted by
    location, category and item. Grouped by ids in the database, named afterwards (grouping by
    the names as well costs three times as much)."""
    communities = require_any(user, Perm.WAREHOUSE_VIEW)
    if community_id is not None:
        communities = communities & {community_id}
    qs = StockHolding.objects.filter(account__balance__gt=0, location__community_id__in=communities)
    if location_id:
        qs = qs.filter(location_id=location_id)
    if category:
        qs = qs.filter(lot__item__category=category)
    if q:
        qs = qs.filter(Q(lot__item__name__icontains=q) | Q(lot__item__barcode=q))
    sums = (
        qs.values_list("location_id", "lot__item_id")
        .annotate(
            quantity=Sum("account__balance"), lots=Count("id"), next_expiry=Min("lot__expires_on")
        )
        .order_by()
    )
    locations = dict(
        Location.objects.filter(community_id__in=communities).values_list("pk", "name")
    )
    items = {
        pk: rest
        for pk, *rest in Item.objects.filter(community_id__in=communities).values_list(
            "pk", "name", "category", "unit", "fair_value_fen"
        )
    }
    rows = []
    append = rows.append
    for location_pk, item_pk, quantity, lots, next_expiry in sums:
        name, item_category, unit, value = items[item_pk]
        append(
            StockRow(
                locations[location_pk],
                item_category,
                name,
                location_pk,
                item_pk,
                unit,
                quantity,
                int((quantity * value).to_integral_value()),
                lots,
                next_expiry,
            )
        )
    rows.sort()
    return rows


def stock_value_fen(user, *, community_id: int | None = None) -> int:
    total = scope(
        StockHolding.objects.filter(account__balance__gt=0),
        user,
        Perm.WAREHOUSE_VIEW,
        field="location__community",
        community_id=community_id,
    ).aggregate(
        v=Sum(
            F("account__balance") * F("lot__item__fair_value_fen"),
            output_field=DecimalField(max_digits=30, decimal_places=6),
        )
    )["v"]
    return int(total or 0)


# --- alerts ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class LevelAlert:
    level: StockLevel
    on_hand: Decimal

    @property
    def is_reserve(self) -> bool:
        return self.level.location.kind == Location.Kind.RESERVE


def below_minimum(user, *, community_id: int | None = None) -> list[LevelAlert]:
    """Items below their minimum level at a location (the emergency reserve's among them)."""
    levels = scope(
        StockLevel.objects.filter(location__is_active=True, item__is_active=True),
        user,
        Perm.WAREHOUSE_VIEW,
        field="location__community",
        community_id=community_id,
    ).select_related("location", "item")
    return _levels_below(levels)


def _levels_below(levels) -> list[LevelAlert]:
    levels = list(levels)
    if not levels:
        return []
    sums = {
        (row["location_id"], row["lot__item_id"]): row["total"]
        for row in StockHolding.objects.filter(
            location_id__in={lv.location_id for lv in levels},
            lot__item_id__in={lv.item_id for lv in levels},
            account__balance__gt=0,
        )
        .exclude(lot__expires_on__lt=timezone.localdate())
        .values("location_id", "lot__item_id")
        .annotate(total=Sum("account__balance"))
    }
    alerts = []
    for level in levels:
        on_hand = sums.get((level.location_id, level.item_id), Decimal(0))
        if on_hand < level.minimum:
            alerts.append(LevelAlert(level, on_hand))
    alerts.sort(key=lambda a: (not a.is_reserve, a.level.location.name, a.level.item.name))
    return alerts


def expiring_soon(
    user, *, community_id: int | None = None, days: int = EXPIRY_WARNING_DAYS
) -> QuerySet[StockHolding]:
    """Lots on hand that expire within ``days`` (or have expired), soonest first."""
    return scope(
        _expiring(days),
        user,
        Perm.WAREHOUSE_VIEW,
        field="location__community",
        community_id=community_id,
    )


def _expiring(days: int) -> QuerySet[StockHolding]:
    until = timezone.localdate() + datetime.timedelta(days=days)
    return (
        StockHolding.objects.filter(account__balance__gt=0, lot__expires_on__lte=until)
        .select_related("location", "lot__item", "account")
        .order_by("lot__expires_on", "location__name", "pk")
    )


@dataclass(frozen=True)
class CommunityAlerts:
    """What the daily task tells a community's station (unscoped: the task runs as no one)."""

    below: list[LevelAlert]
    expiring: list[StockHolding]

    @property
    def reserve_low(self) -> list[LevelAlert]:
        return [a for a in self.below if a.is_reserve]

    def __bool__(self) -> bool:
        return bool(self.below or self.expiring)


def community_alerts(community_id: int, *, days: int = EXPIRY_WARNING_DAYS) -> CommunityAlerts:
    levels = StockLevel.objects.filter(
        location__community_id=community_id, location__is_active=True, item__is_active=True
    ).select_related("location", "item")
    return CommunityAlerts(
        below=_levels_below(levels),
        expiring=list(_expiring(days).filter(location__community_id=community_id)[:200]),
    )


def medicine_waiting(user, *, community_id: int | None = None) -> QuerySet[Lot]:
    """Donated medicine waiting for the pharmacist's check."""
    return (
        scope(
            Lot.objects.filter(check_status=Lot.Check.PENDING),
            user,
            Perm.WAREHOUSE_VIEW,
            field="item__community",
            community_id=community_id,
        )
        .select_related("item", "donation")
        .annotate(on_hand=_on_hand("holdings__account__balance"))
        .order_by("expires_on", "pk")
    )


# --- documents ---------------------------------------------------------------------------------


def donation_list(
    user, *, community_id: int | None = None, q: str = "", donor_kind: str = ""
) -> QuerySet[Donation]:
    qs = scope(Donation.objects.all(), user, Perm.WAREHOUSE_VIEW, community_id=community_id)
    if q:
        qs = qs.filter(
            Q(donor_name__icontains=q)
            | Q(donor_person__name__icontains=q)
            | Q(certificate_code=q.upper())
            | Q(lines__item__name__icontains=q)
        ).distinct()
    if donor_kind:
        qs = qs.filter(donor_kind=donor_kind)
    return (
        qs.select_related("donor_person", "location", "community")
        .annotate(line_count=Count("lines", distinct=True))
        .order_by("-received_on", "-pk")
    )


def donation_get(user, donation_id: int) -> Donation:
    donation = get_in_scope(
        Donation.objects.select_related("donor_person", "location", "community", "created_by"),
        user,
        Perm.WAREHOUSE_VIEW,
        pk=donation_id,
    )
    donation.line_rows = list(
        DonationLine.objects.filter(donation=donation).select_related("item", "lot")
    )
    return donation


def donation_by_certificate(code: str) -> Donation | None:
    """For the public certificate check (no login): the donation with this code, or None."""
    code = (code or "").strip().upper()[:16]
    if not code:
        return None
    return (
        Donation.objects.select_related("donor_person", "community")
        .prefetch_related(Prefetch("lines", queryset=DonationLine.objects.select_related("item")))
        .filter(certificate_code=code)
        .first()
    )


def distribution_list(
    user, *, community_id: int | None = None, q: str = "", recipient_kind: str = ""
) -> QuerySet[Distribution]:
    qs = scope(Distribution.objects.all(), user, Perm.WAREHOUSE_VIEW, community_id=community_id)
    if q:
        qs = qs.filter(
            Q(person__name__icontains=q)
            | Q(household__head__name__icontains=q)
            | Q(occasion__icontains=q)
            | Q(lines__item__name__icontains=q)
        ).distinct()
    if recipient_kind:
        qs = qs.filter(recipient_kind=recipient_kind)
    return (
        qs.select_related("person", "household__compound", "location", "community")
        .annotate(line_count=Count("lines", distinct=True))
        .order_by("-distributed_on", "-pk")
    )


def distribution_get(user, distribution_id: int) -> Distribution:
    distribution = get_in_scope(
        Distribution.objects.select_related(
            "person", "household__head", "location", "community", "created_by"
        ),
        user,
        Perm.WAREHOUSE_VIEW,
        pk=distribution_id,
    )
    distribution.line_rows = list(
        DistributionLine.objects.filter(distribution=distribution).select_related("item", "lot")
    )
    return distribution


def household_distributions(household, *, limit: int = 20) -> list[Distribution]:
    """What the household received: handouts to it and to its members, newest first."""
    members = household.members.values("pk")
    return list(
        Distribution.objects.filter(Q(household=household) | Q(person__in=members))
        .select_related("person", "location")
        .prefetch_related(
            Prefetch("lines", queryset=DistributionLine.objects.select_related("item"))
        )
        .order_by("-distributed_on", "-pk")[:limit]
    )


def person_distributions(person, *, limit: int = 10) -> list[Distribution]:
    """What the resident received in person, newest first."""
    return list(
        Distribution.objects.filter(person=person)
        .select_related("location")
        .prefetch_related(
            Prefetch("lines", queryset=DistributionLine.objects.select_related("item"))
        )
        .order_by("-distributed_on", "-pk")[:limit]
    )


def transfer_list(user, *, community_id: int | None = None) -> QuerySet[Transfer]:
    return (
        scope(Transfer.objects.all(), user, Perm.WAREHOUSE_VIEW, community_id=community_id)
        .select_related("from_location", "to_location", "created_by")
        .prefetch_related(Prefetch("lines", queryset=_transfer_lines()))
    )


def _transfer_lines():
    from linli.warehouse.models import TransferLine

    return TransferLine.objects.select_related("item", "lot")


def count_list(user, *, community_id: int | None = None, status: str = "") -> QuerySet[StockCount]:
    qs = scope(StockCount.objects.all(), user, Perm.WAREHOUSE_VIEW, community_id=community_id)
    if status:
        qs = qs.filter(status=status)
    return (
        qs.select_related("location", "started_by")
        .annotate(
            line_count=Count("lines"),
            counted=Count("lines", filter=Q(lines__counted__isnull=False)),
        )
        .order_by("-started_at", "-pk")
    )


def count_get(user, count_id: int) -> StockCount:
    count = get_in_scope(
        StockCount.objects.select_related("location", "started_by", "community"),
        user,
        Perm.WAREHOUSE_VIEW,
        pk=count_id,
    )
    count.line_rows = list(count.lines.select_related("lot__item"))
    count.timeline = list(count.events.select_related("actor"))
    return count


def write_off_list(user, *, community_id: int | None = None) -> QuerySet[WriteOff]:
    return scope(
        WriteOff.objects.all(), user, Perm.WAREHOUSE_VIEW, community_id=community_id
    ).select_related("location", "lot__item", "created_by")


def pledge_list(
    user, *, community_id: int | None = None, q: str = "", active: bool | None = True
) -> QuerySet[Pledge]:
    qs = scope(Pledge.objects.all(), user, Perm.WAREHOUSE_VIEW, community_id=community_id)
    if q:
        qs = qs.filter(
            Q(service__icontains=q) | Q(pledger_name__icontains=q) | Q(person__name__icontains=q)
        )
    if active is not None:
        qs = qs.filter(is_active=active)
    return qs.select_related("person", "community")


def pledge_get(user, pledge_id: int) -> Pledge:
    return get_in_scope(
        Pledge.objects.select_related("person"), user, Perm.WAREHOUSE_VIEW, pk=pledge_id
    )


def holding_get(user, holding_id: int) -> StockHolding:
    return get_in_scope(
        StockHolding.objects.select_related("location", "lot__item", "account"),
        user,
        Perm.WAREHOUSE_VIEW,
        field="location__community",
        pk=holding_id,
    )


# --- the till, relief quotas and the tool library -----------------------------------------------


def sale_get(user, sale_id: int):
    from linli.warehouse.models import Sale, SaleLine

    sale = get_in_scope(
        Sale.objects.select_related("person", "location", "community", "created_by", "quota"),
        user,
        Perm.WAREHOUSE_VIEW,
        pk=sale_id,
    )
    sale.line_rows = list(SaleLine.objects.filter(sale=sale).select_related("item", "lot"))
    return sale


def sale_list(user, *, community_id: int | None = None, day: datetime.date | None = None):
    from linli.warehouse.models import Sale

    qs = scope(Sale.objects.all(), user, Perm.WAREHOUSE_VIEW, community_id=community_id)
    if day is not None:
        qs = qs.filter(created_at__date=day)
    return qs.select_related("person", "location", "created_by").order_by("-created_at", "-pk")


def till_summary(user, *, community_id: int | None = None, day: datetime.date) -> list[dict]:
    """One row per shelf: sales, customers, points, relief quota and value on ``day``."""
    return list(
        sale_list(user, community_id=community_id, day=day)
        .order_by()
        .values("location_id", "location__name")
        .annotate(
            sales=Count("id"),
            customers=Count("person", distinct=True),
            points=Sum("points_paid"),
            quota=Sum("quota_paid"),
            value_fen=Sum("total_value_fen"),
        )
        .order_by("location__name")
    )


def relief_quota_list(user, *, community_id: int | None = None, month: datetime.date | None = None):
    from linli.warehouse.models import ReliefQuota

    month = (month or timezone.localdate()).replace(day=1)
    return (
        scope(
            ReliefQuota.objects.filter(month=month),
            user,
            Perm.WAREHOUSE_VIEW,
            community_id=community_id,
        )
        .select_related("household__head", "household__compound", "person", "account", "item")
        .order_by("pk")
    )


def relief_eligible_count(community_id: int) -> int:
    """Households (and residents without one) who may get a relief quota today."""
    from linli.people.models import Person
    from linli.warehouse.services.till import relief_eligible_q

    eligible = Person.objects.filter(
        relief_eligible_q(timezone.localdate()), community_id=community_id, is_anonymised=False
    )
    households = eligible.exclude(household=None).values("household_id").distinct().count()
    return households + eligible.filter(household=None).count()


def loan_list(user, *, community_id: int | None = None, show: str = "out", q: str = ""):
    """Loans: ``out``, ``overdue`` (out and past due), ``closed`` or ``all``."""
    from linli.warehouse.models import Loan

    qs = scope(Loan.objects.all(), user, Perm.WAREHOUSE_VIEW, community_id=community_id)
    today = timezone.localdate()
    if show == "out":
        qs = qs.filter(status=Loan.Status.OUT)
    elif show == "overdue":
        qs = qs.filter(status=Loan.Status.OUT, due_on__lt=today)
    elif show == "closed":
        qs = qs.exclude(status=Loan.Status.OUT)
    if q:
        qs = qs.filter(Q(item__name__icontains=q) | Q(borrower__name__icontains=q))
    return qs.select_related("item", "borrower", "location").order_by("due_on", "pk")


def loan_get(user, loan_id: int):
    from linli.warehouse.models import Loan

    loan = get_in_scope(
        Loan.objects.select_related("item", "borrower", "location", "created_by"),
        user,
        Perm.WAREHOUSE_VIEW,
        pk=loan_id,
    )
    loan.timeline = list(loan.events.select_related("actor"))
    return loan
