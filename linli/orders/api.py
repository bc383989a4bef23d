"""Needs, resources, service orders (四单), matching and the project list over the API. Scoped like
the pages: a record of another community answers 404; a transition not the caller's role, 403."""

import datetime
from decimal import Decimal
from typing import Annotated, Literal

from ninja import Field, File, Router, Schema, Status, UploadedFile
from ninja.pagination import paginate

from linli.core.api import API_AUTH, ErrorOut, LimitOffset, Moment, RecordId, Text
from linli.orders import selectors
from linli.orders.models import Category, Need, Resource, ServiceOrder, Urgency
from linli.orders.services import matching as batch
from linli.orders.services import needs as need_services
from linli.orders.services import orders as order_services
from linli.points.selectors import own_person

router = Router(tags=["orders"], auth=API_AUTH)

CategoryCode = Literal[
    "daily_care",
    "meal",
    "cleaning",
    "repair",
    "companionship",
    "medical_escort",
    "psychological",
    "material_aid",
    "legal_advice",
    "emergency",
]
UrgencyCode = Literal["emergency", "within_48h", "this_week", "flexible"]
SourceCode = Literal["visit", "phone", "self_report", "referral"]
NeedStatus = Literal["open", "being_met", "met", "closed"]
ResourceKind = Literal["partner_service", "goods", "fund", "space", "other"]
OrderStatus = Literal[
    "open",
    "ordered",
    "dispatched",
    "accepted",
    "in_service",
    "done",
    "evaluated",
    "closed",
    "cancelled",
]
Search = Annotated[Text, Field(max_length=50)]
Hours = Annotated[Decimal, Field(ge=0, le=12, max_digits=4, decimal_places=2)]
WRITE = {403: ErrorOut, 404: ErrorOut, 409: ErrorOut, 422: ErrorOut}

assert set(Category.values) == set(CategoryCode.__args__)
assert set(Urgency.values) == set(UrgencyCode.__args__)
assert set(Need.Source.values) == set(SourceCode.__args__)
assert set(Resource.Kind.values) == set(ResourceKind.__args__)
assert set(ServiceOrder.Status.values) | {"open"} == set(OrderStatus.__args__)


# --- needs ------------------------------------------------------------------------------------


class NeedOut(Schema):
    id: int
    community_id: int
    person_id: int | None
    household_id: int | None
    category: str
    urgency: str
    source: str
    description: str
    status: str
    closed_reason: str
    created_at: datetime.datetime


class NeedIn(Schema):
    person_id: RecordId | None = None
    household_id: RecordId | None = None
    category: CategoryCode
    urgency: UrgencyCode
    source: SourceCode
    description: Text = Field(..., min_length=1, max_length=500)


class NeedPatch(Schema):
    category: CategoryCode
    urgency: UrgencyCode
    description: Text = Field(..., min_length=1, max_length=500)


class NeedStatusIn(Schema):
    status: NeedStatus
    reason: Text = Field("", max_length=200)


@router.get("/needs", response=list[NeedOut])
@paginate(LimitOffset)
def need_list(
    request,
    q: Search = "",
    status: NeedStatus | None = None,
    category: CategoryCode | None = None,
    urgency: UrgencyCode | None = None,
    person_id: RecordId | None = None,
):
    """需求清单: needs in the caller's communities, newest first."""
    return selectors.need_list(
        request.user,
        q=q.strip(),
        status=status or "",
        category=category or "",
        urgency=urgency or "",
        person_id=person_id,
    )


@router.post("/needs", response={201: NeedOut, **WRITE})
def need_create(request, payload: NeedIn):
    return Status(201, need_services.need_create(actor=request.user, **payload.dict()))


@router.get("/needs/{need_id}", response={200: NeedOut, 404: ErrorOut})
def need_get(request, need_id: RecordId):
    return selectors.need_get(request.user, need_id)


@router.put("/needs/{need_id}", response={200: NeedOut, **WRITE})
def need_update(request, need_id: RecordId, payload: NeedPatch):
    return need_services.need_update(actor=request.user, need_id=need_id, **payload.dict())


@router.post("/needs/{need_id}/status", response={200: NeedOut, **WRITE})
def need_status(request, need_id: RecordId, payload: NeedStatusIn):
    """Mark met, close (with a reason), or reopen."""
    return need_services.need_set_status(actor=request.user, need_id=need_id, **payload.dict())


# --- resources --------------------------------------------------------------------------------


class ResourceOut(Schema):
    id: int
    community_id: int
    kind: str
    category: str
    title: str
    description: str
    offered_by: str
    contact: str
    capacity: str
    available_until: datetime.date | None
    is_active: bool


class ResourceIn(Schema):
    kind: ResourceKind
    category: CategoryCode
    title: Text = Field(..., min_length=1, max_length=100)
    description: Text = Field("", max_length=500)
    offered_by: Text = Field(..., min_length=1, max_length=100)
    contact: Text = Field("", max_length=100)
    capacity: Text = Field("", max_length=100)
    available_until: datetime.date | None = None
    is_active: bool = True


class ResourceCreateIn(ResourceIn):
    community_id: RecordId


class CatalogueRowOut(Schema):
    category: str
    label: str
    skills: list[tuple[str, int]]
    teams: list[str]
    listed: list[ResourceOut]
    goods: list[tuple[str, Decimal, str]]


@router.get("/resources", response=list[ResourceOut])
@paginate(LimitOffset)
def resource_list(
    request,
    q: Search = "",
    category: CategoryCode | None = None,
    kind: ResourceKind | None = None,
):
    """Listed resources (partner services, goods, money, rooms)."""
    return selectors.resource_list(
        request.user, q=q.strip(), category=category or "", kind=kind or ""
    )


@router.post("/resources", response={201: ResourceOut, **WRITE})
def resource_create(request, payload: ResourceCreateIn):
    return Status(201, need_services.resource_create(actor=request.user, **payload.dict()))


@router.put("/resources/{resource_id}", response={200: ResourceOut, **WRITE})
def resource_update(request, resource_id: RecordId, payload: ResourceIn):
    return need_services.resource_update(
        actor=request.user, resource_id=resource_id, **payload.dict()
    )


@router.get("/resource-catalogue", response={200: list[CatalogueRowOut], 404: ErrorOut})
def resource_catalogue(request, community_id: RecordId):
    """资源清单 by category: volunteers by skill, teams, and the listed resources on offer."""
    return selectors.resource_catalogue(request.user, community_id)


# --- service orders ---------------------------------------------------------------------------


class EventOut(Schema):
    from_status: str
    to_status: str
    actor_id: int
    note: str
    at: datetime.datetime


class OrderOut(Schema):
    id: int
    community_id: int
    person_id: int
    need_id: int | None
    channel: str
    category: str
    urgency: str
    description: str
    wanted_at: datetime.datetime | None
    status: str
    created_at: datetime.datetime
    team_id: int | None
    volunteer_id: int | None
    due_at: datetime.datetime | None
    accepted_at: datetime.datetime | None
    checked_in_at: datetime.datetime | None
    checked_out_at: datetime.datetime | None
    service_notes: str
    resident_rating: int | None
    resident_words: str
    team_account: str
    station_review: str
    hours: Decimal | None
    cancel_reason: str

    @staticmethod
    def resolve_hours(obj) -> Decimal | None:
        return obj.hours_credited


class OrderDetailOut(OrderOut):
    events: list[EventOut]

    @staticmethod
    def resolve_events(obj) -> list:
        return list(obj.events.all())


class OrderIn(Schema):
    person_id: RecordId
    category: CategoryCode
    urgency: UrgencyCode
    description: Text = Field(..., min_length=1, max_length=300)
    wanted_at: Moment | None = None
    need_id: RecordId | None = None


class DispatchIn(Schema):
    volunteer_id: RecordId | None = None
    team_id: RecordId | None = None
    due_at: Moment | None = None
    note: Text = Field("", max_length=200)


class AcceptIn(Schema):
    volunteer_id: RecordId | None = None


class RequiredReasonIn(Schema):
    reason: Text = Field(..., min_length=1, max_length=200)


class CheckOutIn(Schema):
    notes: Text = Field("", max_length=500)


class RateIn(Schema):
    rating: int = Field(..., ge=1, le=5)
    words: Text = Field("", max_length=300)


class AccountIn(Schema):
    account: Text = Field(..., min_length=1, max_length=500)


class ReviewIn(Schema):
    review: Text = Field(..., min_length=1, max_length=500)
    hours: Hours | None = None


class SuggestionOut(Schema):
    kind: str
    id: int
    name: str
    cost: float
    reasons: list[tuple[str, float | str | None, float]]


@router.get("/service-orders", response=list[OrderOut])
@paginate(LimitOffset)
def order_list(
    request,
    q: Search = "",
    status: OrderStatus | None = None,
    category: CategoryCode | None = None,
    urgency: UrgencyCode | None = None,
    overdue: bool = False,
    person_id: RecordId | None = None,
    volunteer_id: RecordId | None = None,
):
    """服务订单 of the caller's communities; ``overdue=true`` for the escalations."""
    return selectors.order_list(
        request.user,
        q=q.strip(),
        status=status or "",
        category=category or "",
        urgency=urgency or "",
        overdue=overdue,
        person_id=person_id,
        volunteer_id=volunteer_id,
    )


@router.post("/service-orders", response={201: OrderDetailOut, **WRITE})
def order_create(request, payload: OrderIn):
    """点单: a resident for themself, or a worker for a resident (from a need or not)."""
    return Status(201, order_services.order_create(actor=request.user, **payload.dict()))


@router.get("/service-orders/{order_id}", response={200: OrderDetailOut, 404: ErrorOut})
def order_get(request, order_id: RecordId):
    return selectors.order_get(request.user, order_id)


@router.get(
    "/service-orders/{order_id}/suggestions",
    response={200: list[SuggestionOut], 404: ErrorOut},
)
def order_suggestions(request, order_id: RecordId):
    """精准对接: the eligible volunteers and teams, best first, with reasons and their costs."""
    order = selectors.order_get(request.user, order_id)
    return [
        {
            "kind": s.kind,
            "id": s.record.pk,
            "name": str(s.record),
            "cost": round(s.cost, 3),
            "reasons": [(r.code, r.value, round(r.cost, 3)) for r in s.reasons],
        }
        for s in selectors.order_suggestions(request.user, order)
    ]


def _action(path: str, summary: str):
    return router.post(
        f"/service-orders/{{order_id}}/{path}",
        response={200: OrderDetailOut, **WRITE},
        summary=summary,
    )


@_action("dispatch", "派单: to one volunteer or one team")
def order_dispatch(request, order_id: RecordId, payload: DispatchIn):
    return order_services.order_dispatch(actor=request.user, order_id=order_id, **payload.dict())


@_action("accept", "接单: the volunteer, or the team leader naming a member")
def order_accept(request, order_id: RecordId, payload: AcceptIn):
    return order_services.order_accept(actor=request.user, order_id=order_id, **payload.dict())


@_action("decline", "Decline, with a reason: back to the station")
def order_decline(request, order_id: RecordId, payload: RequiredReasonIn):
    return order_services.order_decline(actor=request.user, order_id=order_id, **payload.dict())


@_action("check-in", "签到: the service starts")
def order_check_in(request, order_id: RecordId):
    return order_services.order_check_in(actor=request.user, order_id=order_id)


@_action("check-out", "签退: the service is done (then send photos to .../photos)")
def order_check_out(request, order_id: RecordId, payload: CheckOutIn):
    return order_services.order_check_out(actor=request.user, order_id=order_id, **payload.dict())


class PhotoOut(Schema):
    id: int
    order_id: int
    uploaded_at: datetime.datetime


@router.post(
    "/service-orders/{order_id}/photos",
    response={201: list[PhotoOut], **WRITE},
    summary="Photos of the done service (multipart, field `photos`), before the review",
)
def order_photos_add(request, order_id: RecordId, photos: File[list[UploadedFile]]):
    """Each photo must be a JPEG, PNG or WebP (at most 5 MB by default); it is re-encoded and
    stored without its metadata. A file that is not such an image is refused with 422 and
    nothing is stored."""
    return Status(
        201,
        order_services.order_photos_add(actor=request.user, order_id=order_id, photos=photos),
    )


@_action("rate", "The resident's rating (评单)")
def order_rate(request, order_id: RecordId, payload: RateIn):
    return order_services.order_rate(actor=request.user, order_id=order_id, **payload.dict())


@_action("team-account", "The team's account (评单)")
def order_team_account(request, order_id: RecordId, payload: AccountIn):
    return order_services.order_team_account(
        actor=request.user, order_id=order_id, **payload.dict()
    )


@_action("review", "The station's review: completes the evaluation, credits points")
def order_review(request, order_id: RecordId, payload: ReviewIn):
    return order_services.order_review(actor=request.user, order_id=order_id, **payload.dict())


@_action("close", "Close an evaluated order")
def order_close(request, order_id: RecordId):
    return order_services.order_close(actor=request.user, order_id=order_id)


@_action("cancel", "Cancel before the service is done, with a reason")
def order_cancel(request, order_id: RecordId, payload: RequiredReasonIn):
    return order_services.order_cancel(actor=request.user, order_id=order_id, **payload.dict())


@router.get("/me/service-orders", response={200: list[OrderOut], 403: ErrorOut})
def my_orders(request):
    """The logged-in resident's own orders."""
    return list(selectors.orders_of_resident(own_person(request.user))[:100])


@router.get("/me/tasks", response=list[OrderOut])
def my_tasks(request):
    """Orders dispatched to the logged-in volunteer, or to a team they lead, still to finish."""
    return list(selectors.tasks_of_volunteer(request.user)[:100])


# --- batch matching ---------------------------------------------------------------------------


class MatchLineOut(Schema):
    id: int
    order_id: int
    volunteer_id: int | None
    team_id: int | None
    cost: float
    reasons: list
    applied: bool


class MatchRunOut(Schema):
    id: int
    community_id: int
    status: str
    orders_considered: int
    total_cost: float
    greedy_cost: float
    created_at: datetime.datetime
    lines: list[MatchLineOut]

    @staticmethod
    def resolve_lines(obj) -> list:
        return list(obj.lines.all())


class MatchProposeIn(Schema):
    community_id: RecordId
    order_ids: list[RecordId] | None = Field(None, max_length=2000)


class MatchApplyIn(Schema):
    line_ids: list[RecordId] | None = Field(None, max_length=2000)


class MatchAppliedOut(Schema):
    run: MatchRunOut
    dispatched: list[int]
    skipped: list[int]


@router.post("/match-runs", response={201: MatchRunOut, **WRITE})
def match_propose(request, payload: MatchProposeIn):
    """批量派单: propose the cheapest dispatch of the waiting orders, for the station to review."""
    return Status(201, batch.match_propose(actor=request.user, **payload.dict()))


@router.get("/match-runs/{run_id}", response={200: MatchRunOut, 404: ErrorOut})
def match_get(request, run_id: RecordId):
    return selectors.match_run_get(request.user, run_id)


@router.post("/match-runs/{run_id}/apply", response={200: MatchAppliedOut, **WRITE})
def match_apply(request, run_id: RecordId, payload: MatchApplyIn):
    result = batch.match_apply(actor=request.user, run_id=run_id, **payload.dict())
    return {"run": result.run, "dispatched": result.dispatched, "skipped": result.skipped}


@router.post("/match-runs/{run_id}/discard", response={200: MatchRunOut, **WRITE})
def match_discard(request, run_id: RecordId):
    return batch.match_discard(actor=request.user, run_id=run_id)


# --- the project list -------------------------------------------------------------------------


class ProjectRowOut(Schema):
    category: str
    label: str
    needs_open: int
    needs_new: int
    needs_met: int
    people: int
    orders_done: int
    hours: float
    rating: float | None
    volunteers_with_skill: int
    teams: list[str]
    resources: list[str]

    @staticmethod
    def resolve_volunteers_with_skill(obj) -> int:
        return sum(n for _name, n in obj.resources.skills)

    @staticmethod
    def resolve_teams(obj) -> list[str]:
        return obj.resources.teams

    @staticmethod
    def resolve_resources(obj) -> list[str]:
        return [f"{r.title}（{r.offered_by}）" for r in obj.resources.listed]


@router.get("/projects", response={200: list[ProjectRowOut], 404: ErrorOut})
def project_list(
    request,
    community_id: RecordId,
    year: Annotated[int, Field(ge=2000, le=2099)],
    quarter: Annotated[int, Field(ge=1, le=4)],
):
    """项目清单: per category, the needs of the quarter and the resources that meet them."""
    return selectors.project_list(request.user, community_id, year, quarter)
