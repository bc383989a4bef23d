"""Volunteer and team endpoints (志愿者 / 志愿服务队)."""

import datetime
from decimal import Decimal
from typing import Annotated, Literal

from django.http import HttpResponse
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema, Status
from ninja.pagination import paginate

from linli.accounts.roles import Perm
from linli.core.api import API_AUTH, ErrorOut, IdempotencyKey, LimitOffset, RecordId, Text, once
from linli.core.errors import NotFound
from linli.core.scoping import has_perm, require_any
from linli.volunteers import hours, selectors, services, stars
from linli.volunteers.models import Team, TeamMembership, Volunteer

router = Router(tags=["volunteers"], auth=API_AUTH)

Method = Literal["signed", "verbal", "online"]


class SkillOut(Schema):
    id: int
    code: str
    name: str


class VolunteerOut(Schema):
    id: int
    person_id: int
    name: str
    community_id: int
    status: str
    registered_on: datetime.date
    skills: list[SkillOut]
    availability: dict[str, list[str]]

    @staticmethod
    def resolve_name(obj: Volunteer) -> str:
        return obj.person.name

    @staticmethod
    def resolve_skills(obj: Volunteer) -> list:
        return list(obj.skills.all())


class VolunteerIn(Schema):
    person_id: RecordId
    consent_method: Method
    skill_ids: list[RecordId] = Field(default_factory=list, max_length=50)
    availability: dict[Text, list[Text]] = Field(default_factory=dict)
    grid_ids: list[RecordId] = Field(default_factory=list, max_length=50)


class VolunteerFilterIn(Schema):
    community_id: RecordId | None = None
    skill_id: RecordId | None = None
    q: Text = Field("", max_length=50)


class TeamMembershipOut(Schema):
    id: int
    team_id: int
    volunteer_id: int
    name: str
    role: str
    status: str
    reason: str

    @staticmethod
    def resolve_name(obj: TeamMembership) -> str:
        return obj.volunteer.person.name


class TeamOut(Schema):
    id: int
    community_id: int
    name: str
    description: str


class TeamDetailOut(TeamOut):
    memberships: list[TeamMembershipOut]

    @staticmethod
    def resolve_memberships(obj: Team) -> list:
        return list(obj.memberships.all())


class JoinIn(Schema):
    volunteer_id: RecordId


class DecisionIn(Schema):
    approve: bool
    reason: Text = Field("", max_length=200)


@router.get("/volunteers", response=list[VolunteerOut])
@paginate(LimitOffset)
def volunteer_list(request, filters: Query[VolunteerFilterIn]):
    return selectors.volunteer_list(request.user, **filters.dict())


@router.post(
    "/volunteers",
    response={201: VolunteerOut, 403: ErrorOut, 404: ErrorOut, 409: ErrorOut, 422: ErrorOut},
)
def volunteer_register(request, payload: VolunteerIn):
    """Register a resident as a volunteer; records their consent."""
    volunteer = services.volunteer_register(actor=request.user, **payload.dict())
    return Status(201, selectors.volunteer_get(request.user, volunteer.pk))


@router.get("/volunteers/{volunteer_id}", response={200: VolunteerOut, 404: ErrorOut})
def volunteer_get(request, volunteer_id: RecordId):
    return selectors.volunteer_get(request.user, volunteer_id)


@router.get("/teams", response=list[TeamOut])
@paginate(LimitOffset)
def team_list(request, community_id: RecordId | None = None):
    return selectors.team_list(request.user, community_id=community_id)


@router.get("/teams/{team_id}", response={200: TeamDetailOut, 404: ErrorOut})
def team_get(request, team_id: RecordId):
    return selectors.team_get(request.user, team_id)


@router.post(
    "/teams/{team_id}/join-requests",
    response={201: TeamMembershipOut, 403: ErrorOut, 404: ErrorOut, 409: ErrorOut, 422: ErrorOut},
)
def team_join(request, team_id: RecordId, payload: JoinIn):
    """Ask to join: the volunteer for themself, or a worker on their behalf."""
    membership = services.team_join_request(
        actor=request.user, team_id=team_id, volunteer_id=payload.volunteer_id
    )
    return Status(201, membership)


@router.post(
    "/team-memberships/{membership_id}/decision",
    response={200: TeamMembershipOut, 403: ErrorOut, 404: ErrorOut, 409: ErrorOut, 422: ErrorOut},
)
def team_decide(request, membership_id: RecordId, payload: DecisionIn):
    """Approve or reject a join request (the team's leader or the station)."""
    return services.team_join_decide(
        actor=request.user,
        membership_id=membership_id,
        approve=payload.approve,
        reason=payload.reason,
    )


class ServiceRecordOut(Schema):
    id: int
    volunteer_id: int
    name: str
    team_id: int | None
    served_on: datetime.date
    hours: Decimal
    description: str
    status: str
    points: int | None

    @staticmethod
    def resolve_name(obj) -> str:
        return obj.volunteer.person.name


class ServiceRecordIn(Schema):
    volunteer_id: RecordId
    served_on: datetime.date
    hours: Decimal = Field(..., gt=0, le=24, max_digits=5, decimal_places=2)
    description: Text = Field(..., max_length=200)
    team_id: RecordId | None = None


class ReasonIn(Schema):
    reason: Text = Field("", max_length=200)


RecordStatus = Literal["submitted", "verified", "rejected", "reversed"]


@router.get("/service-records", response=list[ServiceRecordOut], tags=["service hours"])
@paginate(LimitOffset)
def service_record_list(
    request, community_id: RecordId | None = None, status: RecordStatus | None = None
):
    return selectors.service_record_list(request.user, community_id=community_id, status=status)


@router.post(
    "/service-records",
    response={201: ServiceRecordOut, 403: ErrorOut, 404: ErrorOut, 409: ErrorOut, 422: ErrorOut},
    tags=["service hours"],
)
def service_record_submit(
    request,
    response: HttpResponse,
    payload: ServiceRecordIn,
    idempotency_key: IdempotencyKey = None,
):
    """Submit hours: the volunteer for themself, their team leader or the station."""
    record = hours.service_record_submit(
        actor=request.user, idempotency_key=idempotency_key, **payload.dict()
    )
    return once(response, 201, record)


_DECISION = {200: ServiceRecordOut, 403: ErrorOut, 404: ErrorOut, 409: ErrorOut, 422: ErrorOut}


@router.post("/service-records/{record_id}/verify", response=_DECISION, tags=["service hours"])
def service_record_verify(request, record_id: RecordId):
    """Verify and credit points (never one's own hours)."""
    return hours.service_record_verify(actor=request.user, record_id=record_id)


@router.post("/service-records/{record_id}/reject", response=_DECISION, tags=["service hours"])
def service_record_reject(request, record_id: RecordId, payload: ReasonIn):
    return hours.service_record_reject(
        actor=request.user, record_id=record_id, reason=payload.reason
    )


@router.post("/service-records/{record_id}/reverse", response=_DECISION, tags=["service hours"])
def service_record_reverse(request, record_id: RecordId, payload: ReasonIn):
    """Correct a verified record: its points go back through the ledger."""
    return hours.service_record_reverse(
        actor=request.user, record_id=record_id, reason=payload.reason
    )


# --- leaderboard and star ratings ---------------------------------------------------------------


class LeaderRowOut(Schema):
    rank: int
    volunteer_id: int
    name: str
    hours_year: Decimal
    hours_total: Decimal
    points_year: int
    eligible: bool
    stars: int


class TeamHoursOut(Schema):
    id: int
    name: str
    hours_year: Decimal
    member_count: int


class LeaderboardOut(Schema):
    community_id: int
    year: int
    thresholds: list[int]
    min_points: int
    rated: bool
    volunteers: list[LeaderRowOut]
    teams: list[TeamHoursOut]


@router.get(
    "/star-ratings/leaderboard",
    response={200: LeaderboardOut, 403: ErrorOut, 404: ErrorOut},
    tags=["star ratings"],
)
def leaderboard(
    request,
    community_id: RecordId,
    year: Annotated[int, Field(ge=2000, le=2100)] | None = None,
    team_id: RecordId | None = None,
):
    """Volunteers by verified hours in the year, with points, eligibility and stars; teams by
    hours served for them."""
    if not has_perm(request.user, Perm.VOLUNTEERS_VIEW, community_id):
        require_any(request.user, Perm.VOLUNTEERS_VIEW)
        raise NotFound(_("Not found."))
    year = year or timezone.localdate().year
    board = selectors.leaderboard(request.user, community_id, year, team_id=team_id)
    return {
        "community_id": community_id,
        "year": year,
        "thresholds": list(board.settings.thresholds),
        "min_points": board.settings.min_points,
        "rated": board.run is not None,
        "volunteers": [
            {
                "rank": r.rank,
                "volunteer_id": r.volunteer.pk,
                "name": r.volunteer.person.name,
                "hours_year": r.hours_year,
                "hours_total": r.hours_total,
                "points_year": r.points_year,
                "eligible": r.eligible,
                "stars": r.stars,
            }
            for r in board.rows[:500]
        ],
        "teams": [
            {"id": t.pk, "name": t.name, "hours_year": t.hours_year, "member_count": t.member_count}
            for t in board.teams
        ],
    }


class StarPolicyIn(Schema):
    thresholds: list[Annotated[int, Field(ge=1, le=100000)]] = Field(
        ..., min_length=5, max_length=5, description="Hours for one to five stars, increasing."
    )
    min_points: int = Field(30, ge=0, le=100000)


class StarPolicyOut(Schema):
    community_id: int
    thresholds: list[int]
    min_points: int


@router.put(
    "/star-ratings/policy/{community_id}",
    response={200: StarPolicyOut, 403: ErrorOut, 422: ErrorOut},
    tags=["star ratings"],
)
def star_policy_set(request, community_id: RecordId, payload: StarPolicyIn):
    """Set the community's star thresholds (station administrators)."""
    policy = stars.star_policy_set(
        actor=request.user,
        community_id=community_id,
        thresholds=payload.thresholds,
        min_points=payload.min_points,
    )
    return {
        "community_id": community_id,
        "thresholds": list(policy.thresholds),
        "min_points": policy.min_points,
    }


class StarRunIn(Schema):
    community_id: RecordId
    year: int = Field(..., ge=2000, le=2100)


class StarRunOut(Schema):
    id: int
    community_id: int
    year: int
    eligible: int
    awarded: int
    run_at: datetime.datetime


@router.post(
    "/star-ratings/runs",
    response={201: StarRunOut, 403: ErrorOut, 409: ErrorOut, 422: ErrorOut},
    tags=["star ratings"],
)
def star_run(request, payload: StarRunIn):
    """Run the year's star rating in a community (final; once a year)."""
    return Status(201, stars.star_rating_run(actor=request.user, **payload.dict()))
