"""Love-warehouse endpoints: catalogue, locations, stock on hand, alerts, donations in,
handouts, transfers, counts, write-offs, the pharmacist's checks and pledges. Scoped like the
pages: a record of another community answers 404."""

import datetime
from decimal import Decimal
from typing import Annotated, Literal

from django.http import HttpResponse
from ninja import Field, Router, Schema, Status
from ninja.pagination import paginate

from linli.core.api import API_AUTH, ErrorOut, IdempotencyKey, LimitOffset, RecordId, Text, once
from linli.warehouse import selectors
from linli.warehouse.models import AdjustmentReason, Category, Location
from linli.warehouse.services import catalogue, counts, inbound, outbound, till, tools

router = Router(tags=["warehouse"], auth=API_AUTH)

Quantity = Annotated[Decimal, Field(gt=0, le=100000, max_digits=9, decimal_places=3)]
Level = Annotated[Decimal, Field(ge=0, le=100000, max_digits=9, decimal_places=3)]
Fen = Annotated[int, Field(ge=0, le=100_000_000)]
Search = Annotated[Text, Field(max_length=50)]
CategoryCode = Literal["food", "grain_oil", "daily", "clothing", "medicine", "tools", "other"]
LocationKind = Literal["warehouse", "supermarket", "reserve", "dropoff", "tool_library"]
DonorKind = Literal["resident", "business", "organisation", "anonymous"]
WRITE = {403: ErrorOut, 404: ErrorOut, 409: ErrorOut, 422: ErrorOut}

assert set(Category.values) == set(CategoryCode.__args__)
assert set(Location.Kind.values) == set(LocationKind.__args__)


# --- catalogue and locations -------------------------------------------------------------------


class ItemOut(Schema):
    id: int
    community_id: int
    name: str
    category: str
    unit: str
    fair_value_fen: int
    tracks_expiry: bool
    barcode: str
    prescription_only: bool
    lendable: bool
    loan_days: int
    points_price: int | None
    is_active: bool
    on_hand: Decimal | None = None


class ItemIn(Schema):
    community_id: RecordId
    name: Text = Field(..., min_length=1, max_length=100)
    category: CategoryCode
    unit: Text = Field(..., min_length=1, max_length=10)
    fair_value_fen: Fen
    tracks_expiry: bool = False
    barcode: Text = Field("", max_length=32)
    prescription_only: bool = False
    lendable: bool = False
    loan_days: int = Field(14, ge=1, le=365)
    points_price: int | None = Field(None, ge=1, le=100000)
    is_active: bool = True


class ItemPatch(Schema):
    name: Text | None = Field(None, min_length=1, max_length=100)
    category: CategoryCode | None = None
    unit: Text | None = Field(None, min_length=1, max_length=10)
    fair_value_fen: Fen | None = None
    tracks_expiry: bool | None = None
    barcode: Text | None = Field(None, max_length=32)
    lendable: bool | None = None
    loan_days: int | None = Field(None, ge=1, le=365)
    points_price: int | None = Field(None, ge=1, le=100000)
    is_active: bool | None = None


@router.get("/warehouse/items", response=list[ItemOut])
@paginate(LimitOffset)
def item_list(
    request,
    community_id: RecordId | None = None,
    q: Search = "",
    category: CategoryCode | None = None,
):
    """物资目录: the catalogue with the quantity on hand across locations."""
    return selectors.item_list(
        request.user, community_id=community_id, q=q.strip(), category=category or ""
    )


@router.post("/warehouse/items", response={201: ItemOut, **WRITE})
def item_create(request, payload: ItemIn):
    return Status(201, catalogue.item_create(actor=request.user, **payload.dict()))


@router.get("/warehouse/items/{item_id}", response={200: ItemOut, 404: ErrorOut})
def item_get(request, item_id: RecordId):
    return selectors.item_get(request.user, item_id)


@router.patch("/warehouse/items/{item_id}", response={200: ItemOut, **WRITE})
def item_update(request, item_id: RecordId, payload: ItemPatch):
    return catalogue.item_update(
        actor=request.user, item_id=item_id, **payload.dict(exclude_unset=True)
    )


class LocationOut(Schema):
    id: int
    community_id: int
    name: str
    kind: str
    parent_id: int | None
    address: str
    is_active: bool


class LocationIn(Schema):
    community_id: RecordId
    name: Text = Field(..., min_length=1, max_length=100)
    kind: LocationKind
    parent_id: RecordId | None = None
    address: Text = Field("", max_length=200)


class LevelIn(Schema):
    item_id: RecordId
    minimum: Level | None = Field(None, description="Empty removes the level.")
    recommended: Level | None = None


class LevelOut(Schema):
    location_id: int
    item_id: int
    minimum: Decimal | None
    recommended: Decimal | None


@router.get("/warehouse/locations", response=list[LocationOut])
@paginate(LimitOffset)
def location_list(request, community_id: RecordId | None = None):
    return selectors.location_list(request.user, community_id=community_id)


@router.post("/warehouse/locations", response={201: LocationOut, **WRITE})
def location_create(request, payload: LocationIn):
    return Status(201, catalogue.location_create(actor=request.user, **payload.dict()))


@router.put("/warehouse/locations/{location_id}/levels", response={200: LevelOut, **WRITE})
def stock_level_set(request, location_id: RecordId, payload: LevelIn):
    """Set an item's minimum and recommended level at a location (no minimum: remove it)."""
    level = catalogue.stock_level_set(actor=request.user, location_id=location_id, **payload.dict())
    return {
        "location_id": location_id,
        "item_id": payload.item_id,
        "minimum": level.minimum if level else None,
        "recommended": level.recommended if level else None,
    }


# --- stock and alerts --------------------------------------------------------------------------


class StockOut(Schema):
    location_id: int
    location: str
    item_id: int
    item: str
    category: str
    unit: str
    quantity: Decimal
    value_fen: int
    lots: int
    next_expiry: datetime.date | None


class StockPage(Schema):
    items: list[StockOut]
    count: int


@router.get("/warehouse/stock", response=StockPage)
def stock_on_hand(
    request,
    community_id: RecordId | None = None,
    location_id: RecordId | None = None,
    category: CategoryCode | None = None,
    q: Search = "",
    limit: Annotated[int, Field(ge=1, le=1000)] = 100,
    offset: Annotated[int, Field(ge=0, le=1_000_000_000)] = 0,
):
    """库存: quantity and value per (location, item), from the ledger's balances."""
    rows = selectors.stock_on_hand(
        request.user,
        community_id=community_id,
        location_id=location_id,
        category=category or "",
        q=q.strip(),
    )
    return {"items": rows[offset : offset + limit], "count": len(rows)}


class LevelAlertOut(Schema):
    location_id: int
    location: str
    is_reserve: bool
    item_id: int
    item: str
    on_hand: Decimal
    minimum: Decimal
    recommended: Decimal


class ExpiringOut(Schema):
    holding_id: int
    location_id: int
    item_id: int
    item: str
    lot_id: int
    expires_on: datetime.date
    quantity: Decimal


class AlertsOut(Schema):
    below_minimum: list[LevelAlertOut]
    expiring: list[ExpiringOut]


@router.get("/warehouse/alerts", response=AlertsOut)
def alerts(
    request, community_id: RecordId | None = None, days: Annotated[int, Field(ge=1, le=365)] = 14
):
    """Below-minimum levels (emergency reserve first) and lots expiring within ``days``."""
    below = selectors.below_minimum(request.user, community_id=community_id)
    expiring = selectors.expiring_soon(request.user, community_id=community_id, days=days)[:500]
    return {
        "below_minimum": [
            {
                "location_id": a.level.location_id,
                "location": a.level.location.name,
                "is_reserve": a.is_reserve,
                "item_id": a.level.item_id,
                "item": a.level.item.name,
                "on_hand": a.on_hand,
                "minimum": a.level.minimum,
                "recommended": a.level.recommended,
            }
            for a in below
        ],
        "expiring": [
            {
                "holding_id": h.pk,
                "location_id": h.location_id,
                "item_id": h.lot.item_id,
                "item": h.lot.item.name,
                "lot_id": h.lot_id,
                "expires_on": h.lot.expires_on,
                "quantity": h.account.balance,
            }
            for h in expiring
        ],
    }


# --- documents ---------------------------------------------------------------------------------


class LineOut(Schema):
    item_id: int
    lot_id: int
    quantity: Decimal
    value_fen: int | None = None


class DonationLineIn(Schema):
    item_id: RecordId
    quantity: Quantity
    expires_on: datetime.date | None = None
    value_fen: Fen | None = Field(None, description="Empty: the item's fair value.")
    unopened: bool | None = Field(None, description="Medicine only: required true.")


class DonationIn(Schema):
    community_id: RecordId
    location_id: RecordId
    donor_kind: DonorKind
    donor_person_id: RecordId | None = None
    donor_name: Text = Field("", max_length=100)
    received_on: datetime.date | None = None
    note: Text = Field("", max_length=200)
    lines: list[DonationLineIn] = Field(..., min_length=1, max_length=50)


class DonationOut(Schema):
    id: int
    community_id: int
    location_id: int
    donor_kind: str
    donor_person_id: int | None
    donor_name: str
    received_on: datetime.date
    total_value_fen: int
    points_awarded: int
    certificate_code: str
    lines: list[LineOut]

    @staticmethod
    def resolve_lines(obj) -> list:
        return list(obj.lines.all())


@router.get("/warehouse/donations", response=list[DonationOut])
@paginate(LimitOffset)
def donation_list(
    request,
    community_id: RecordId | None = None,
    donor_kind: DonorKind | None = None,
    q: Search = "",
):
    return selectors.donation_list(
        request.user, community_id=community_id, q=q.strip(), donor_kind=donor_kind or ""
    ).prefetch_related("lines")


@router.post("/warehouse/donations", response={201: DonationOut, **WRITE})
def donation_receive(
    request, response: HttpResponse, payload: DonationIn, idempotency_key: IdempotencyKey = None
):
    """捐赠入库: all lines are accepted or none (medicine: unopened, ≥ 90 days, not Rx-only)."""
    data = payload.dict()
    lines = [inbound.LineIn(**line) for line in data.pop("lines")]
    donation = inbound.donation_receive(
        actor=request.user, lines=lines, idempotency_key=idempotency_key, **data
    )
    return once(response, 201, donation)


@router.get("/warehouse/donations/{donation_id}", response={200: DonationOut, 404: ErrorOut})
def donation_get(request, donation_id: RecordId):
    return selectors.donation_get(request.user, donation_id)


class OutLineIn(Schema):
    item_id: RecordId
    quantity: Quantity
    lot_id: RecordId | None = Field(None, description="Empty: first expiry first.")


class DistributionIn(Schema):
    community_id: RecordId
    location_id: RecordId
    recipient_kind: Literal["person", "household", "activity", "emergency"]
    person_id: RecordId | None = None
    household_id: RecordId | None = None
    occasion: Text = Field("", max_length=100)
    distributed_on: datetime.date | None = None
    signed_by: Text = Field(..., min_length=1, max_length=50)
    note: Text = Field("", max_length=200)
    lines: list[OutLineIn] = Field(..., min_length=1, max_length=50)


class DistributionOut(Schema):
    id: int
    community_id: int
    location_id: int
    recipient_kind: str
    person_id: int | None
    household_id: int | None
    occasion: str
    distributed_on: datetime.date
    signed_by: str
    total_value_fen: int
    lines: list[LineOut]

    @staticmethod
    def resolve_lines(obj) -> list:
        return list(obj.lines.all())


@router.get("/warehouse/distributions", response=list[DistributionOut])
@paginate(LimitOffset)
def distribution_list(
    request,
    community_id: RecordId | None = None,
    recipient_kind: Literal["person", "household", "activity", "emergency"] | None = None,
    q: Search = "",
):
    return selectors.distribution_list(
        request.user, community_id=community_id, q=q.strip(), recipient_kind=recipient_kind or ""
    ).prefetch_related("lines")


@router.post("/warehouse/distributions", response={201: DistributionOut, **WRITE})
def distribution_create(
    request,
    response: HttpResponse,
    payload: DistributionIn,
    idempotency_key: IdempotencyKey = None,
):
    """发放: first expiry first across lots unless a lot is given; signed for by name (a
    photographed receipt is attached on the page)."""
    data = payload.dict()
    lines = [outbound.OutLine(**line) for line in data.pop("lines")]
    distribution = outbound.distribution_create(
        actor=request.user, lines=lines, idempotency_key=idempotency_key, **data
    )
    return once(response, 201, distribution)


@router.get(
    "/warehouse/distributions/{distribution_id}", response={200: DistributionOut, 404: ErrorOut}
)
def distribution_get(request, distribution_id: RecordId):
    return selectors.distribution_get(request.user, distribution_id)


class TransferIn(Schema):
    community_id: RecordId
    from_location_id: RecordId
    to_location_id: RecordId
    note: Text = Field("", max_length=200)
    lines: list[OutLineIn] = Field(..., min_length=1, max_length=50)


class TransferOut(Schema):
    id: int
    community_id: int
    from_location_id: int
    to_location_id: int
    note: str
    created_at: datetime.datetime
    lines: list[LineOut]

    @staticmethod
    def resolve_lines(obj) -> list:
        return list(obj.lines.all())


@router.get("/warehouse/transfers", response=list[TransferOut])
@paginate(LimitOffset)
def transfer_list(request, community_id: RecordId | None = None):
    return selectors.transfer_list(request.user, community_id=community_id)


@router.post("/warehouse/transfers", response={201: TransferOut, **WRITE})
def transfer_create(
    request, response: HttpResponse, payload: TransferIn, idempotency_key: IdempotencyKey = None
):
    """调拨: move goods between two locations of the community."""
    data = payload.dict()
    lines = [outbound.OutLine(**line) for line in data.pop("lines")]
    transfer = outbound.transfer_create(
        actor=request.user, lines=lines, idempotency_key=idempotency_key, **data
    )
    return once(response, 201, transfer)


class WriteOffIn(Schema):
    holding_id: RecordId
    reason: Literal["damaged", "expired", "lost"]
    quantity: Quantity | None = Field(None, description="Empty: all of the lot there.")
    note: Text = Field("", max_length=200)


class WriteOffOut(Schema):
    id: int
    location_id: int
    lot_id: int
    quantity: Decimal
    reason: str
    value_fen: int


@router.post("/warehouse/write-offs", response={201: WriteOffOut, **WRITE})
def write_off_create(
    request, response: HttpResponse, payload: WriteOffIn, idempotency_key: IdempotencyKey = None
):
    """报损 (station administrators)."""
    write_off = outbound.write_off_create(
        actor=request.user, idempotency_key=idempotency_key, **payload.dict()
    )
    return once(response, 201, write_off)


# --- counts ------------------------------------------------------------------------------------


class CountLineOut(Schema):
    id: int
    lot_id: int
    item_id: int
    expected: Decimal
    counted: Decimal | None
    reason: str

    @staticmethod
    def resolve_item_id(obj) -> int:
        return obj.lot.item_id


class CountOut(Schema):
    id: int
    community_id: int
    location_id: int
    status: str
    transaction_id: int | None
    lines: list[CountLineOut]

    @staticmethod
    def resolve_lines(obj) -> list:
        return list(obj.lines.select_related("lot"))


class CountStartIn(Schema):
    location_id: RecordId
    note: Text = Field("", max_length=200)


class CountEntryIn(Schema):
    line_id: RecordId
    counted: Level | None
    reason: Literal["", "damaged", "expired", "lost", "found", "miscounted"] = ""


class CountEntriesIn(Schema):
    entries: list[CountEntryIn] = Field(..., min_length=1, max_length=1000)


class NoteIn(Schema):
    note: Text = Field("", max_length=200)


assert set(AdjustmentReason.values) == set(
    CountEntryIn.model_fields["reason"].annotation.__args__
) - {""}


@router.post("/warehouse/counts", response={201: CountOut, **WRITE})
def count_start(request, payload: CountStartIn):
    """盘点: open a count of a location (the books' quantities are taken now)."""
    return Status(201, counts.count_start(actor=request.user, **payload.dict()))


@router.get("/warehouse/counts/{count_id}", response={200: CountOut, 404: ErrorOut})
def count_get(request, count_id: RecordId):
    return selectors.count_get(request.user, count_id)


@router.post("/warehouse/counts/{count_id}/entries", response={200: CountOut, **WRITE})
def count_record(request, count_id: RecordId, payload: CountEntriesIn):
    entries = {e.line_id: (e.counted, e.reason) for e in payload.entries}
    return counts.count_record(actor=request.user, count_id=count_id, entries=entries)


@router.post("/warehouse/counts/{count_id}/submit", response={200: CountOut, **WRITE})
def count_submit(request, count_id: RecordId):
    return counts.count_submit(actor=request.user, count_id=count_id)


@router.post("/warehouse/counts/{count_id}/finalise", response={200: CountOut, **WRITE})
def count_finalise(request, count_id: RecordId, payload: NoteIn):
    """Post the differences (station administrators)."""
    return counts.count_finalise(actor=request.user, count_id=count_id, note=payload.note)


@router.post("/warehouse/counts/{count_id}/cancel", response={200: CountOut, **WRITE})
def count_cancel(request, count_id: RecordId, payload: NoteIn):
    return counts.count_cancel(actor=request.user, count_id=count_id, note=payload.note)


# --- medicine and pledges ----------------------------------------------------------------------


class LotOut(Schema):
    id: int
    item_id: int
    expires_on: datetime.date | None
    source: str
    check_status: str
    check_note: str


class MedicineCheckIn(Schema):
    approve: bool
    note: Text = Field("", max_length=200)


@router.get("/warehouse/medicine/waiting", response=list[LotOut])
@paginate(LimitOffset)
def medicine_waiting(request, community_id: RecordId | None = None):
    """Donated medicine waiting for the pharmacist's check."""
    return selectors.medicine_waiting(request.user, community_id=community_id)


@router.post("/warehouse/lots/{lot_id}/medicine-check", response={200: LotOut, **WRITE})
def medicine_check(request, lot_id: RecordId, payload: MedicineCheckIn):
    """药师核验 (pharmacists): release the lot for sharing, or reject it with a reason."""
    return counts.medicine_check(actor=request.user, lot_id=lot_id, **payload.dict())


class PledgeIn(Schema):
    community_id: RecordId
    pledger_kind: DonorKind
    person_id: RecordId | None = None
    pledger_name: Text = Field("", max_length=100)
    service: Text = Field(..., min_length=1, max_length=100)
    hours_per_month: Decimal | None = Field(None, gt=0, le=744, max_digits=4, decimal_places=1)
    available_from: datetime.date | None = None
    available_until: datetime.date | None = None
    note: Text = Field("", max_length=200)


class PledgeOut(Schema):
    id: int
    community_id: int
    pledger_kind: str
    person_id: int | None
    pledger_name: str
    service: str
    hours_per_month: Decimal | None
    available_from: datetime.date
    available_until: datetime.date | None
    is_active: bool


@router.get("/warehouse/pledges", response=list[PledgeOut])
@paginate(LimitOffset)
def pledge_list(request, community_id: RecordId | None = None, q: Search = ""):
    """人力资源支持: active pledges of labour and services the station can call on."""
    return selectors.pledge_list(request.user, community_id=community_id, q=q.strip())


@router.post("/warehouse/pledges", response={201: PledgeOut, **WRITE})
def pledge_create(request, payload: PledgeIn):
    return Status(201, inbound.pledge_create(actor=request.user, **payload.dict()))


# --- the till, relief quotas, the tool library, reports -----------------------------------------


class SaleIn(Schema):
    community_id: RecordId
    location_id: RecordId
    person_id: RecordId
    pay_with: Literal["points", "quota", "both"] = "points"
    lines: list[OutLineIn] = Field(..., min_length=1, max_length=30)


class SaleLineOut(Schema):
    item_id: int
    lot_id: int
    quantity: Decimal
    points: int
    quota_units: int


class SaleOut(Schema):
    id: int
    community_id: int
    location_id: int
    person_id: int
    points_paid: int
    quota_paid: int
    total_value_fen: int
    created_at: datetime.datetime
    lines: list[SaleLineOut]

    @staticmethod
    def resolve_lines(obj) -> list:
        return list(obj.lines.all())


@router.post("/warehouse/sales", response={201: SaleOut, **WRITE}, tags=["supermarket"])
def sale_settle(
    request, response: HttpResponse, payload: SaleIn, idempotency_key: IdempotencyKey = None
):
    """收银: settle a basket with points, the relief quota, or both (the quota first) — one
    ledger transaction moves the points and the goods. Send an `Idempotency-Key` so that a
    retry never sells twice."""
    data = payload.dict()
    lines = [outbound.OutLine(**line) for line in data.pop("lines")]
    sale = till.sale_settle(
        actor=request.user, lines=lines, idempotency_key=idempotency_key, **data
    )
    return once(response, 201, sale)


@router.get("/warehouse/sales", response=list[SaleOut], tags=["supermarket"])
@paginate(LimitOffset)
def sale_list(request, community_id: RecordId | None = None, day: datetime.date | None = None):
    """Sales, newest first (``day``: one day's, for the daily summary)."""
    return selectors.sale_list(request.user, community_id=community_id, day=day).prefetch_related(
        "lines"
    )


class QuotaIn(Schema):
    community_id: RecordId
    amount: int = Field(..., ge=1, le=100000, description="Points, or units of the item.")
    item_id: RecordId | None = Field(None, description="A quota of goods; empty: points.")
    household_id: RecordId | None = None
    person_id: RecordId | None = Field(None, description="Their household's quota, else theirs.")
    everyone: bool = Field(False, description="Every eligible household without one this month.")


class QuotaOut(Schema):
    id: int
    community_id: int
    household_id: int | None
    person_id: int | None
    month: datetime.date
    item_id: int | None
    amount: int
    left: int

    @staticmethod
    def resolve_left(obj) -> int:
        return int(obj.account.balance)


class GrantedOut(Schema):
    granted: int


@router.get("/warehouse/relief-quotas", response=list[QuotaOut], tags=["supermarket"])
@paginate(LimitOffset)
def relief_quota_list(request, community_id: RecordId | None = None):
    """This month's relief quotas (扶贫帮困) and what is left of each."""
    return selectors.relief_quota_list(request.user, community_id=community_id)


@router.post("/warehouse/relief-quotas", response={201: GrantedOut, **WRITE}, tags=["supermarket"])
def relief_quota_grant(
    request, response: HttpResponse, payload: QuotaIn, idempotency_key: IdempotencyKey = None
):
    """Grant this month's quota to one household, or to every eligible one (station admins).
    Granting to everyone is safe to repeat by itself (a repeat grants 0 more)."""
    what = {"amount": payload.amount, "item_id": payload.item_id}
    if payload.everyone:
        granted = till.relief_quota_grant_all(
            actor=request.user, community_id=payload.community_id, **what
        )
        return Status(201, {"granted": granted})
    quota = till.relief_quota_grant(
        actor=request.user,
        community_id=payload.community_id,
        household_id=payload.household_id,
        person_id=payload.person_id,
        idempotency_key=idempotency_key,
        **what,
    )
    return once(response, 201, quota, body={"granted": 1})


class LoanIn(Schema):
    community_id: RecordId
    location_id: RecordId
    item_id: RecordId
    borrower_id: RecordId
    deposit_points: int = Field(0, ge=0, le=10000)
    condition_out: Text = Field("", max_length=200)


class LoanReturnIn(Schema):
    condition_in: Text = Field("", max_length=200)
    lost: bool = False


class LoanOut(Schema):
    id: int
    community_id: int
    item_id: int
    borrower_id: int
    status: str
    lent_on: datetime.date
    due_on: datetime.date
    renewals: int
    deposit_points: int
    returned_on: datetime.date | None


@router.get("/warehouse/loans", response=list[LoanOut], tags=["tool library"])
@paginate(LimitOffset)
def loan_list(
    request,
    community_id: RecordId | None = None,
    show: Literal["out", "overdue", "closed", "all"] = "out",
):
    return selectors.loan_list(request.user, community_id=community_id, show=show)


@router.post("/warehouse/loans", response={201: LoanOut, **WRITE}, tags=["tool library"])
def loan_create(
    request, response: HttpResponse, payload: LoanIn, idempotency_key: IdempotencyKey = None
):
    """借出 a tool for its loan period (borrowers in good standing only)."""
    loan = tools.loan_create(actor=request.user, idempotency_key=idempotency_key, **payload.dict())
    return once(response, 201, loan)


@router.post(
    "/warehouse/loans/{loan_id}/renew", response={200: LoanOut, **WRITE}, tags=["tool library"]
)
def loan_renew(request, loan_id: RecordId):
    return tools.loan_renew(actor=request.user, loan_id=loan_id)


@router.post(
    "/warehouse/loans/{loan_id}/return", response={200: LoanOut, **WRITE}, tags=["tool library"]
)
def loan_return(request, loan_id: RecordId, payload: LoanReturnIn):
    return tools.loan_return(actor=request.user, loan_id=loan_id, **payload.dict())


class ReportOut(Schema):
    title: str
    columns: list[str]
    money_columns: list[int] = Field(description="Indexes of amounts in fen.")
    rows: list[list]


@router.get("/warehouse/reports/{kind}", response={200: ReportOut, 404: ErrorOut}, tags=["reports"])
def report(
    request,
    kind: Literal["stock", "inflows", "outflows"],
    community_id: RecordId | None = None,
    year: Annotated[int, Field(ge=2000, le=2100)] | None = None,
):
    """The warehouse reports as data (the page exports them to Excel)."""
    from django.utils import timezone

    from linli.warehouse import reports

    year = year or timezone.localdate().year
    table = reports.report_for(request.user, kind, year=year, community_id=community_id)
    return {
        "title": table.title,
        "columns": [str(c) for c in table.columns],
        "money_columns": sorted(table.money),
        "rows": table.rows,
    }
