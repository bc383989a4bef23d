"""Reads of volunteers and teams, scoped to the user's communities."""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Count, Prefetch, Q, QuerySet, Sum

from linli.accounts.roles import Perm
from linli.core.scoping import get_in_scope, scope
from linli.points.selectors import points_earned_by_people
from linli.volunteers.models import (
    DEFAULT_MIN_POINTS,
    DEFAULT_STAR_HOURS,
    ServiceRecord,
    StarAward,
    StarPolicy,
    StarRatingRun,
    Team,
    TeamMembership,
    Volunteer,
)


def volunteer_list(
    user, *, community_id: int | None = None, skill_id: int | None = None, q: str = ""
) -> QuerySet[Volunteer]:
    qs = scope(Volunteer.objects.all(), user, Perm.VOLUNTEERS_VIEW, community_id=community_id)
    if skill_id:
        qs = qs.filter(skills__id=skill_id)
    if q:
        q = q.strip()
        qs = qs.filter(
            Q(person__name__icontains=q) | Q(person__name_initials__startswith=q.lower())
        )
    return (
        qs.select_related("person", "community")
        .prefetch_related("skills")
        .annotate(
            team_count=Count("memberships", filter=Q(memberships__status="approved"), distinct=True)
        )
        .order_by("person__name", "id")
    )


def volunteer_get(user, volunteer_id: int) -> Volunteer:
    return get_in_scope(
        Volunteer.objects.select_related("person", "community", "user").prefetch_related(
            "skills", "service_grids"
        ),
        user,
        Perm.VOLUNTEERS_VIEW,
        pk=volunteer_id,
    )


def volunteer_teams(volunteer: Volunteer) -> QuerySet[TeamMembership]:
    return volunteer.memberships.select_related("team").order_by("-requested_at")


def team_list(user, *, community_id: int | None = None) -> QuerySet[Team]:
    return (
        scope(Team.objects.all(), user, Perm.VOLUNTEERS_VIEW, community_id=community_id)
        .select_related("community")
        .annotate(
            member_count=Count("memberships", filter=Q(memberships__status="approved")),
            pending_count=Count("memberships", filter=Q(memberships__status="pending")),
        )
        .order_by("community", "name")
    )


def team_get(user, team_id: int) -> Team:
    members = TeamMembership.objects.select_related("volunteer__person", "decided_by").order_by(
        "status", "-role", "volunteer__person__name"
    )
    return get_in_scope(
        Team.objects.select_related("community").prefetch_related(
            Prefetch("memberships", queryset=members)
        ),
        user,
        Perm.VOLUNTEERS_VIEW,
        pk=team_id,
    )


def service_record_list(
    user, *, community_id: int | None = None, status: str | None = None
) -> QuerySet[ServiceRecord]:
    """Records in the user's communities, newest first (the verification queue with status)."""
    qs = scope(ServiceRecord.objects.all(), user, Perm.VOLUNTEERS_VIEW, community_id=community_id)
    if status:
        qs = qs.filter(status=status)
    return qs.select_related("volunteer__person", "team", "submitted_by").order_by(
        "-served_on", "-id"
    )


def volunteer_hours(volunteer: Volunteer, year: int) -> dict[str, Decimal]:
    """Verified hours served in ``year`` and in all (the annual figure and the star basis)."""
    verified = ServiceRecord.objects.filter(
        volunteer=volunteer, status=ServiceRecord.Status.VERIFIED
    )
    totals = verified.aggregate(
        total=Sum("hours"), this_year=Sum("hours", filter=Q(served_on__year=year))
    )
    return {k: v or Decimal(0) for k, v in totals.items()}


# --- star ratings and leaderboards (星级志愿者 / 排行榜) ------------------------------------------


@dataclass(frozen=True)
class StarSettings:
    thresholds: tuple[int, ...]
    min_points: int
    is_default: bool


def star_settings(community_id: int) -> StarSettings:
    policy = StarPolicy.objects.filter(community_id=community_id).first()
    if policy is None:
        return StarSettings(DEFAULT_STAR_HOURS, DEFAULT_MIN_POINTS, True)
    return StarSettings(policy.thresholds, policy.min_points, False)


def stars_for(hours_total: Decimal, thresholds: tuple[int, ...]) -> int:
    """How many thresholds the cumulative hours reach (0…5)."""
    return sum(1 for limit in thresholds if hours_total >= limit)


@dataclass
class LeaderRow:
    volunteer: Volunteer
    hours_year: Decimal
    hours_total: Decimal
    points_year: int
    eligible: bool
    stars: int  # awarded in the year's run, or (before the run) what it would award
    rank: int = 0


def _rows(volunteers: QuerySet[Volunteer], year: int, settings: StarSettings) -> list[LeaderRow]:
    verified = Q(records__status=ServiceRecord.Status.VERIFIED)
    volunteers = volunteers.select_related("person").annotate(
        hours_year=Sum("records__hours", filter=verified & Q(records__served_on__year=year)),
        hours_total=Sum(
            "records__hours",
            filter=verified & Q(records__served_on__lte=datetime.date(year, 12, 31)),
        ),
    )
    volunteers = list(volunteers)
    points = points_earned_by_people([v.person_id for v in volunteers], year)
    rows = []
    for v in volunteers:
        total = v.hours_total or Decimal(0)
        eligible = points[v.person_id] >= settings.min_points
        rows.append(
            LeaderRow(
                volunteer=v,
                hours_year=v.hours_year or Decimal(0),
                hours_total=total,
                points_year=points[v.person_id],
                eligible=eligible,
                stars=stars_for(total, settings.thresholds) if eligible else 0,
            )
        )
    return rows


def star_rows(community_id: int, year: int) -> list[LeaderRow]:
    """Every volunteer of the community with the year's figures and the stars they qualify for
    (used by the yearly run; not scoped — the caller has checked the permission)."""
    return _rows(
        Volunteer.objects.filter(community_id=community_id), year, star_settings(community_id)
    )


@dataclass
class Leaderboard:
    year: int
    settings: StarSettings
    run: StarRatingRun | None
    rows: list[LeaderRow]
    teams: list[Team]


def leaderboard(user, community_id: int, year: int, team_id: int | None = None) -> Leaderboard:
    """志愿者排行榜: volunteers by verified hours in the year, with points, eligibility and stars
    (the year's awards once the run is done); teams by hours served under them in the year."""
    volunteers = scope(
        Volunteer.objects.all(), user, Perm.VOLUNTEERS_VIEW, community_id=community_id
    )
    if team_id:
        volunteers = volunteers.filter(
            memberships__team_id=team_id, memberships__status=TeamMembership.Status.APPROVED
        )
    settings = star_settings(community_id)
    rows = _rows(volunteers, year, settings)
    run = StarRatingRun.objects.filter(community_id=community_id, year=year).first()
    if run is not None:
        awarded = dict(StarAward.objects.filter(run=run).values_list("volunteer_id", "stars"))
        for row in rows:
            row.stars = awarded.get(row.volunteer.pk, 0)
    rows.sort(key=lambda r: (-r.hours_year, -r.hours_total, r.volunteer.person.name))
    for index, row in enumerate(rows, start=1):
        row.rank = index
    teams = list(
        scope(Team.objects.all(), user, Perm.VOLUNTEERS_VIEW, community_id=community_id)
        .filter(is_active=True)
        .annotate(member_count=Count("memberships", filter=Q(memberships__status="approved")))
    )
    team_hours = dict(
        ServiceRecord.objects.filter(
            team__in=teams, status=ServiceRecord.Status.VERIFIED, served_on__year=year
        )
        .values("team")
        .annotate(total=Sum("hours"))
        .values_list("team", "total")
    )
    for team in teams:
        team.hours_year = team_hours.get(team.pk) or Decimal(0)
    teams.sort(key=lambda t: (-t.hours_year, t.name))
    return Leaderboard(year=year, settings=settings, run=run, rows=rows, teams=teams)


def stars_of(volunteer: Volunteer) -> StarAward | None:
    """The volunteer's latest award."""
    return volunteer.stars.order_by("-year").first()


def teams_led_by(user) -> frozenset[int]:
    """Ids of the teams ``user`` leads (approved leader memberships of their volunteer profile)."""
    if not getattr(user, "is_authenticated", False):
        return frozenset()
    return frozenset(
        TeamMembership.objects.filter(
            volunteer__user=user,
            role=TeamMembership.Role.LEADER,
            status=TeamMembership.Status.APPROVED,
        ).values_list("team_id", flat=True)
    )


def team_member_choices(team_ids) -> dict[int, list[tuple[int, str]]]:
    """(volunteer id, name) of each team's approved members, by team: whom a leader may name."""
    choices: dict[int, list[tuple[int, str]]] = {team_id: [] for team_id in team_ids}
    for team_id, volunteer_id, name in (
        TeamMembership.objects.filter(
            team_id__in=list(team_ids), status=TeamMembership.Status.APPROVED
        )
        .order_by("volunteer__person__name")
        .values_list("team_id", "volunteer_id", "volunteer__person__name")
    ):
        choices[team_id].append((volunteer_id, name))
    return choices
