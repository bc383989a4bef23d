"""Points-bank endpoints: earning rules."""

import datetime
from typing import Literal

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
