"""Points-bank endpoints: earning rules."""

import datetime
from typing import Annotated, Literal

from django.http import HttpResponse
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Field, Router, Schema, Status
from ninja.pagination import paginate

from linli.core.api import API_AUTH, ErrorOut, IdempotencyKey, LimitOffset, RecordId, Text, once
from linli.core.errors import NotFound
from linli.places.models import Community
from linli.points import donations, mall, selectors, services

router = Router(tags=["points"], auth=API_AUTH)


class EarningRuleOut(Schema):
    id: int
    community_id: int
    kind: str
    points: int
    starts_on: datetime.date
    note: str


class EarningRuleIn(Schema):
    community_id: RecordId
    kind: Literal["per_hour", "per_item", "per_attendance"]
    points: int = Field(..., ge=0, le=1000)
    starts_on: datetime.date | None = None
    note: Text = Field("", max_length=200)


@router.get("/earning-rules", response=list[EarningRuleOut])
@paginate(LimitOffset)
def earning_rule_list(request, community_id: RecordId | None = None):
    """Every rule change of the caller's communities, newest first per kind."""
    return selectors.earning_rule_list(request.user, community_id)


@router.post(
    "/earning-rules", response={201: EarningRuleOut, 403: ErrorOut, 409: ErrorOut, 422: ErrorOut}
)
def earning_rule_set(request, payload: EarningRuleIn):
    """Change a rule from a date on (station administrators)."""
    return Status(201, services.earning_rule_set(actor=request.user, **payload.dict()))


class PointsAccountOut(Schema):
    person_id: int
    balance: int
    earned_this_year: int


class PostingOut(Schema):
    id: int
    at: datetime.datetime
    kind: str
    memo: str
    community_id: int | None
    points: int

    @staticmethod
    def resolve_at(obj) -> datetime.datetime:
        return obj.transaction.created_at

    @staticmethod
    def resolve_kind(obj) -> str:
        return obj.transaction.kind

    @staticmethod
    def resolve_memo(obj) -> str:
        return obj.transaction.memo

    @staticmethod
    def resolve_community_id(obj) -> int | None:
        return obj.transaction.community_id

    @staticmethod
    def resolve_points(obj) -> int:
        return int(obj.quantity)


@router.get("/points/accounts/{person_id}", response={200: PointsAccountOut, 404: ErrorOut})
def points_account(request, person_id: RecordId):
    """A resident's points balance and what they earned this calendar year."""
    person, _postings = selectors.points_statement(request.user, person_id)
    return {
        "person_id": person.pk,
        "balance": selectors.points_balances(person)[0],
        "earned_this_year": selectors.points_earned_in_year(person, timezone.localdate().year),
    }


@router.get("/points/accounts/{person_id}/postings", response=list[PostingOut])
@paginate(LimitOffset)
def points_postings(request, person_id: RecordId):
    """Every posting with its reason and the community it came from (通存通兑)."""
    return selectors.points_statement(request.user, person_id)[1]


# --- the mall -------------------------------------------------------------------------------

Points = Annotated[int, Field(ge=1, le=100000)]


class RewardOut(Schema):
    id: int
    community_id: int
    name: str
    description: str
    kind: str
    provider_name: str
    provider_user_id: int | None
    price: int
    stock: int
    monthly_limit: int | None
    valid_from: datetime.date
    valid_until: datetime.date
    is_active: bool


class RewardIn(Schema):
    community_id: RecordId
    name: Text = Field(..., min_length=1, max_length=100)
    description: Text = Field("", max_length=500)
    kind: Literal["voucher", "service"] = "voucher"
    provider_name: Text = Field(..., min_length=1, max_length=100)
    provider_user_id: RecordId | None = None
    price: Points
    stock: int = Field(..., ge=0, le=100000)
    monthly_limit: int | None = Field(None, ge=1, le=100)
    valid_from: datetime.date
    valid_until: datetime.date
    is_active: bool = True


class RewardPatch(Schema):
    name: Text | None = Field(None, min_length=1, max_length=100)
    description: Text | None = Field(None, max_length=500)
    kind: Literal["voucher", "service"] | None = None
    provider_name: Text | None = Field(None, min_length=1, max_length=100)
    price: Points | None = None
    stock: int | None = Field(None, ge=0, le=100000)
    monthly_limit: int | None = Field(None, ge=1, le=100)
    valid_from: datetime.date | None = None
    valid_until: datetime.date | None = None
    is_active: bool | None = None


@router.get("/points/rewards", response=list[RewardOut], tags=["points mall"])
@paginate(LimitOffset)
def rewards_on_offer(request, community_id: RecordId | None = None):
    """Rewards on offer today in any community's mall (通存通兑), cheapest first."""
    return selectors.rewards_on_offer(community_id)


@router.get("/points/rewards/managed", response=list[RewardOut], tags=["points mall"])
@paginate(LimitOffset)
def rewards_managed(request, community_id: RecordId | None = None):
    """Every reward of the caller's communities, on offer or not (station staff)."""
    return selectors.reward_list(request.user, community_id=community_id)


@router.post(
    "/points/rewards",
    response={201: RewardOut, 403: ErrorOut, 422: ErrorOut},
    tags=["points mall"],
)
def reward_create(request, payload: RewardIn):
    data = payload.dict()
    return Status(201, mall.reward_create(actor=request.user, **data))


@router.patch(
    "/points/rewards/{reward_id}",
    response={200: RewardOut, 403: ErrorOut, 404: ErrorOut, 422: ErrorOut},
    tags=["points mall"],
)
def reward_update(request, reward_id: RecordId, payload: RewardPatch):
    changes = payload.dict(exclude_unset=True)
    return mall.reward_update(actor=request.user, reward_id=reward_id, **changes)


class RedemptionOut(Schema):
    id: int
    reward_id: int
    reward_name: str
    community_id: int
    person_id: int
    points: int
    code: str
    status: str
    created_at: datetime.datetime

    @staticmethod
    def resolve_reward_name(obj) -> str:
        return obj.reward.name


class RedeemIn(Schema):
    person_id: RecordId | None = Field(
        None, description="Staff only: the resident they redeem for. Omit to redeem for yourself."
    )


class CodeIn(Schema):
    code: Text = Field(..., min_length=4, max_length=20)


class ReasonIn(Schema):
    reason: Text = Field("", max_length=200)


_REDEMPTION = {200: RedemptionOut, 403: ErrorOut, 404: ErrorOut, 409: ErrorOut, 422: ErrorOut}


@router.post(
    "/points/rewards/{reward_id}/redeem",
    response={201: RedemptionOut, 403: ErrorOut, 404: ErrorOut, 409: ErrorOut, 422: ErrorOut},
    tags=["points mall"],
)
def redeem(
    request,
    response: HttpResponse,
    reward_id: RecordId,
    payload: RedeemIn,
    idempotency_key: IdempotencyKey = None,
):
    """Redeem a reward: its price is frozen on the points account until pickup."""
    redemption = mall.redemption_create(
        actor=request.user,
        reward_id=reward_id,
        person_id=payload.person_id,
        idempotency_key=idempotency_key,
    )
    return once(response, 201, redemption)


@router.get("/points/redemptions", response=list[RedemptionOut], tags=["points mall"])
@paginate(LimitOffset)
def redemption_list(
    request,
    status: Literal["frozen", "fulfilled", "cancelled"] | None = None,
    community_id: RecordId | None = None,
):
    """Redemptions the caller fulfils: their communities' malls, or a partner's own rewards."""
    return selectors.redemption_list(request.user, community_id=community_id, status=status)


@router.post("/points/redemptions/fulfil", response=_REDEMPTION, tags=["points mall"])
def redemption_fulfil(request, payload: CodeIn):
    """Confirm pickup by the voucher code (核销): the frozen points are spent."""
    return mall.redemption_fulfil(actor=request.user, code=payload.code)


@router.post(
    "/points/redemptions/{redemption_id}/cancel", response=_REDEMPTION, tags=["points mall"]
)
def redemption_cancel(request, redemption_id: RecordId, payload: ReasonIn):
    """Cancel before pickup: points back, voucher back to stock (staff give a reason)."""
    return mall.redemption_cancel(
        actor=request.user, redemption_id=redemption_id, reason=payload.reason
    )


# --- donations and the pool -------------------------------------------------------------------


class PointsDonationIn(Schema):
    to: Literal["pool", "person", "household"]
    points: Points
    community_id: RecordId | None = Field(None, description="The pool's community (default: own).")
    recipient_mobile: Text = Field("", max_length=20)
    recipient_id: RecordId | None = Field(None, description="Staff only.")
    household_id: RecordId | None = Field(None, description="Staff only.")
    giver_id: RecordId | None = Field(None, description="Staff only: who gives.")
    message: Text = Field("", max_length=200)


class PointsDonationOut(Schema):
    id: int
    giver_id: int
    recipient_id: int | None
    household_id: int | None
    community_id: int
    to_pool: bool
    points: int
    created_at: datetime.datetime


@router.post(
    "/points/donations",
    response={201: PointsDonationOut, 403: ErrorOut, 404: ErrorOut, 409: ErrorOut, 422: ErrorOut},
    tags=["points donations"],
)
def donate(
    request,
    response: HttpResponse,
    payload: PointsDonationIn,
    idempotency_key: IdempotencyKey = None,
):
    """Give points (捐积分) to the community pool, a neighbour (by mobile) or a needy household."""
    gift = donations.points_donate(
        actor=request.user, idempotency_key=idempotency_key, **payload.dict()
    )
    return once(response, 201, gift)


class MonthOut(Schema):
    month: datetime.date
    donated: int
    granted: int


class PurposeOut(Schema):
    purpose: str
    label: str
    grants: int
    points: int


class PoolOut(Schema):
    community_id: int
    community: str
    balance: int
    donated: int
    donations: int
    donors: int
    granted: int
    grants: int
    months: list[MonthOut]
    by_purpose: list[PurposeOut]


@router.get(
    "/points/pool/{community_id}",
    response={200: PoolOut, 404: ErrorOut},
    auth=None,
    tags=["points donations"],
)
def pool(request, community_id: RecordId):
    """The community points pool in figures, public and without personal data."""
    community = Community.objects.filter(pk=community_id).first()
    if community is None:
        raise NotFound(_("Not found."))
    s = selectors.pool_summary(community)
    return {
        "community_id": community.pk,
        "community": community.name,
        "balance": s.balance,
        "donated": s.donated,
        "donations": s.donations,
        "donors": s.donors,
        "granted": s.granted,
        "grants": s.grants,
        "months": [
            {"month": m["month"], "donated": m["in"], "granted": m["out"]} for m in s.months
        ],
        "by_purpose": [
            {
                "purpose": p["purpose"],
                "label": str(p["label"]),
                "grants": p["n"],
                "points": p["total"],
            }
            for p in s.by_purpose
        ],
    }


class GrantIn(Schema):
    recipient_id: RecordId
    points: Points
    purpose: Literal[
        "elderly_care", "poverty_relief", "disability", "children", "emergency", "other"
    ]
    note: Text = Field("", max_length=200)


class GrantOut(Schema):
    id: int
    community_id: int
    recipient_id: int
    points: int
    purpose: str
    created_at: datetime.datetime


@router.post(
    "/points/pool/{community_id}/grants",
    response={201: GrantOut, 403: ErrorOut, 404: ErrorOut, 409: ErrorOut, 422: ErrorOut},
    tags=["points donations"],
)
def pool_grant(
    request,
    response: HttpResponse,
    community_id: RecordId,
    payload: GrantIn,
    idempotency_key: IdempotencyKey = None,
):
    """Grant pool points to a resident in need of the community (station staff)."""
    grant = donations.pool_grant(
        actor=request.user,
        community_id=community_id,
        idempotency_key=idempotency_key,
        **payload.dict(),
    )
    return once(response, 201, grant)


# --- my own points ---------------------------------------------------------------------------


class MyPointsOut(Schema):
    person_id: int
    balance: int
    frozen: int
    earned_this_year: int


@router.get("/me/points", response={200: MyPointsOut, 403: ErrorOut}, tags=["me"])
def my_points(request):
    """The caller's own balance, points frozen for vouchers and points earned this year."""
    person = selectors.own_person(request.user)
    balance, frozen = selectors.points_balances(person)
    return {
        "person_id": person.pk,
        "balance": balance,
        "frozen": frozen,
        "earned_this_year": selectors.points_earned_in_year(person, timezone.localdate().year),
    }


@router.get("/me/points/postings", response=list[PostingOut], tags=["me"])
@paginate(LimitOffset)
def my_postings(request):
    """Every posting on the caller's own points account, newest first."""
    return selectors.person_postings(selectors.own_person(request.user))


@router.get("/me/redemptions", response=list[RedemptionOut], tags=["me"])
@paginate(LimitOffset)
def my_redemptions(request):
    """The caller's own vouchers, newest first."""
    return selectors.my_redemptions(selectors.own_person(request.user))
