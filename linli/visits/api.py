"""Visits over the API: record (with the needs found), the log, what is due, the monthly count,
and the rules. Scoped like the pages."""

import datetime
from typing import Annotated, Literal

from django.utils.translation import gettext as _
from ninja import Field, Router, Schema, Status
from ninja.pagination import paginate

from linli.accounts.roles import Perm
from linli.core.api import API_AUTH, ErrorOut, LimitOffset, Moment, RecordId, Text
from linli.core.errors import NotFound
from linli.core.scoping import has_perm
from linli.orders.api import CategoryCode, UrgencyCode
from linli.visits import selectors, services
from linli.visits.models import Visit
from linli.visits.rules import RULE_TAGS

router = Router(tags=["visits"], auth=API_AUTH)

KindCode = Literal["home", "phone"]
ConditionsCode = Literal["", "good", "fair", "poor", "unsafe"]
RuleTag = Literal[
    "advanced_age",
    "lives_alone",
    "empty_nest",
    "disabled",
    "low_income",
    "extreme_poverty",
    "child_in_difficulty",
    "emergency_relief",
]
WRITE = {403: ErrorOut, 404: ErrorOut, 409: ErrorOut, 422: ErrorOut}

assert set(Visit.Kind.values) == set(KindCode.__args__)
assert set(RULE_TAGS) == set(RuleTag.__args__)


class NeedFoundIn(Schema):
    category: CategoryCode
    urgency: UrgencyCode = "this_week"
    description: Text = Field(..., min_length=1, max_length=500)


class VisitIn(Schema):
    person_id: RecordId
    kind: KindCode
    visited_at: Moment
    minutes: int = Field(..., ge=1, le=600)
    wellbeing: int = Field(..., ge=1, le=5)
    conditions: ConditionsCode = ""
    findings: Text = Field("", max_length=1000)
    companions: Text = Field("", max_length=100)
    needs: list[NeedFoundIn] = Field(default_factory=list, max_length=5)


class VisitOut(Schema):
    id: int
    community_id: int
    person_id: int
    kind: str
    visited_at: datetime.datetime
    minutes: int
    visitor_id: int
    wellbeing: int
    conditions: str
    findings: str
    companions: str
    need_ids: list[int]

    @staticmethod
    def resolve_need_ids(obj) -> list[int]:
        return [n.pk for n in obj.needs.all()]


class DueOut(Schema):
    person_id: int
    person_name: str
    kind: str
    every_days: int
    rule: str
    last_at: datetime.datetime | None
    due_on: datetime.date
    days_overdue: int
    worker_id: int | None

    @staticmethod
    def resolve_person_id(obj) -> int:
        return obj.person.pk

    @staticmethod
    def resolve_person_name(obj) -> str:
        return obj.person.name

    @staticmethod
    def resolve_worker_id(obj) -> int | None:
        return obj.worker.pk if obj.worker else None


class WorkerMonthOut(Schema):
    worker_id: int
    worker: str
    home: int
    phone: int
    total: int
    target: int
    met: bool

    @staticmethod
    def resolve_worker_id(obj) -> int:
        return obj.worker.pk

    @staticmethod
    def resolve_worker(obj) -> str:
        return str(obj.worker)


class RuleOut(Schema):
    id: int | None
    name: str
    tags: list[str]
    phone_days: int | None
    home_days: int | None
    priority: int

    @staticmethod
    def resolve_id(obj) -> int | None:
        return obj.pk


class RuleIn(Schema):
    community_id: RecordId
    name: Text = Field(..., min_length=1, max_length=100)
    tags: list[RuleTag] = Field(default_factory=list, max_length=8)
    phone_days: int | None = Field(None, ge=1, le=366)
    home_days: int | None = Field(None, ge=1, le=366)
    priority: int = Field(10, ge=0, le=1000)
    is_active: bool = True


@router.get("/visits", response=list[VisitOut])
@paginate(LimitOffset)
def visit_list(
    request,
    q: Annotated[Text, Field(max_length=50)] = "",
    kind: KindCode | None = None,
    person_id: RecordId | None = None,
    visitor_id: RecordId | None = None,
):
    """探访记录, newest first."""
    return selectors.visit_list(
        request.user, q=q.strip(), kind=kind or "", person_id=person_id, visitor_id=visitor_id
    ).prefetch_related("needs")


@router.post("/visits", response={201: VisitOut, **WRITE})
def visit_record(request, payload: VisitIn):
    """Record a visit and the needs it found, in one step."""
    data = payload.dict()
    return Status(201, services.visit_record(actor=request.user, **data))


@router.get("/visits/due", response=list[DueOut])
@paginate(LimitOffset)
def visit_due(
    request,
    community_id: RecordId | None = None,
    grid_id: RecordId | None = None,
    worker_id: RecordId | None = None,
    kind: KindCode | None = None,
    overdue: bool = False,
    within_days: Annotated[int, Field(ge=0, le=366)] = 7,
):
    """Visits due within ``within_days`` and every overdue one, the most overdue first."""
    return selectors.due_list(
        request.user,
        community_id=community_id,
        grid_id=grid_id,
        worker_id=worker_id,
        kind=kind or "",
        overdue_only=overdue,
        within_days=within_days,
    )


@router.get("/visits/monthly", response={200: list[WorkerMonthOut], 404: ErrorOut})
def visit_monthly(
    request,
    community_id: RecordId,
    year: Annotated[int, Field(ge=2000, le=2099)],
    month: Annotated[int, Field(ge=1, le=12)],
):
    """Per worker: home and phone visits in the month against the target."""
    return selectors.monthly_counts(request.user, community_id, year, month)


@router.get("/visits/{visit_id}", response={200: VisitOut, 404: ErrorOut})
def visit_get(request, visit_id: RecordId):
    return selectors.visit_get(request.user, visit_id)


@router.get("/visit-rules", response={200: list[RuleOut], 404: ErrorOut})
def rule_list(request, community_id: RecordId):
    """The community's rules (its defaults until the station changes them)."""
    if not has_perm(request.user, Perm.VISITS_VIEW, community_id):
        raise NotFound(_("Not found."))
    return selectors.rules_for(community_id)


@router.post("/visit-rules", response={201: RuleOut, **WRITE})
def rule_create(request, payload: RuleIn):
    return Status(201, services.visit_rule_save(actor=request.user, **payload.dict()))


@router.put("/visit-rules/{rule_id}", response={200: RuleOut, **WRITE})
def rule_update(request, rule_id: RecordId, payload: RuleIn):
    return services.visit_rule_save(actor=request.user, rule_id=rule_id, **payload.dict())
