"""Reads of volunteers and teams, scoped to the user's communities."""

from __future__ import annotations

from decimal import Decimal

from django.db.models import Count, Prefetch, Q, QuerySet, Sum

from linli.accounts.roles import Perm
from linli.core.scoping import get_in_scope, scope
from linli.volunteers.models import ServiceRecord, Team, TeamMembership, Volunteer


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
