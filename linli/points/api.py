"""Points-bank endpoints: earning rules."""

import datetime
from typing import Literal

from django.utils import timezone
from ninja import Field, Router, Schema, Status
from ninja.pagination import paginate

from linli.core.api import API_AUTH, LimitOffset, RecordId, Text
from linli.points import selectors, services

router = Router(tags=["points"], auth=API_AUTH)


class ErrorOut(Schema):
    detail: str
    errors: dict[str, list[str]] = {}


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
    person, account, _postings = selectors.points_statement(request.user, person_id)
    return {
        "person_id": person.pk,
        "balance": int(account.balance) if account else 0,
        "earned_this_year": selectors.points_earned_in_year(person, timezone.localdate().year),
    }


@router.get("/points/accounts/{person_id}/postings", response=list[PostingOut])
@paginate(LimitOffset)
def points_postings(request, person_id: RecordId):
    """Every posting with its reason and the community it came from (通存通兑)."""
    return selectors.points_statement(request.user, person_id)[2]
