"""Writes about volunteers and teams: register, open a team, ask to join, decide, leave."""

from __future__ import annotations

import datetime
from collections.abc import Iterable

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from linli.accounts.roles import Perm
from linli.core import audit
from linli.core.dates import service_date_problem
from linli.core.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from linli.core.scoping import get_in_scope, has_perm, require
from linli.people import services as people_services
from linli.people.models import Consent, Person
from linli.places.models import Grid
from linli.volunteers.models import WEEKDAYS, Period, Skill, Team, TeamMembership, Volunteer


def clean_availability(value: dict) -> dict[str, list[str]]:
    """``{"mon": ["morning"]}`` with known days and periods only, in a stable order."""
    if not isinstance(value, dict):
        raise ValidationFailed(
            _("Availability is a list of periods per weekday."),
            fields={"availability": [_("Availability is a list of periods per weekday.")]},
        )
    cleaned: dict[str, list[str]] = {}
    for day, periods in value.items():
        if (
            day not in WEEKDAYS
            or not isinstance(periods, list)
            or not set(periods) <= set(Period.values)
        ):
            raise ValidationFailed(
                _("Unknown weekday or time of day in the availability."),
                fields={"availability": [_("Use mon…sun and morning, afternoon, evening.")]},
            )
        if periods:
            cleaned[day] = [p for p in Period.values if p in periods]
    return {day: cleaned[day] for day in WEEKDAYS if day in cleaned}


@transaction.atomic
def volunteer_register(
    *,
    actor,
    person_id: int,
    consent_method: str,
    skill_ids: Iterable[int] = (),
    availability: dict | None = None,
    grid_ids: Iterable[int] = (),
    user_id: int | None = None,
    registered_on: datetime.date | None = None,
) -> Volunteer:
    """Register a resident as a volunteer (志愿者登记), recording their consent to it.

    ``registered_on`` (default today) lets a station enter volunteers it registered on paper."""
    person = get_in_scope(Person.objects.all(), actor, Perm.REGISTRY_VIEW, pk=person_id)
    require(actor, Perm.VOLUNTEERS_MANAGE, person.community_id)
    if Volunteer.objects.filter(person=person).exists():
        raise Conflict(_("This resident is already a volunteer."))
    skill_ids, grid_ids = sorted(set(skill_ids)), sorted(set(grid_ids))
    errors: dict[str, list[str]] = {}
    if Skill.objects.filter(pk__in=skill_ids, is_active=True).count() != len(skill_ids):
        errors["skill_ids"] = [_("Choose skills from the list.")]
    if Grid.objects.filter(pk__in=grid_ids, community_id=person.community_id).count() != len(
        grid_ids
    ):
        errors["grid_ids"] = [_("Choose grids of this community.")]
    registered_on = registered_on or timezone.localdate()
    if registered_on > timezone.localdate():
        errors["registered_on"] = [_("The registration date cannot be in the future.")]
    elif problem := service_date_problem(registered_on):
        errors["registered_on"] = [problem]
    if errors:
        raise ValidationFailed(_("Please correct the errors below."), fields=errors)
    people_services.consent_record(
        actor=actor,
        person_id=person.pk,
        purpose=Consent.Purpose.VOLUNTEER,
        method=consent_method,
        guardian_id=person.guardian_id,
        given_on=registered_on,
    )
    if user_id is not None:
        from linli.accounts.models import User

        login = User.objects.select_for_update().filter(pk=user_id).first()
        if login is None:
            raise ValidationFailed(
                _("Please correct the errors below."), fields={"user_id": [_("Unknown login.")]}
            )
        if login.person_id not in (None, person.pk):
            raise Conflict(_("This login already belongs to another resident."))
        if login.person_id is None:
            login.person = person
            login.save(update_fields=["person"])
    try:
        with transaction.atomic():
            volunteer = Volunteer.objects.create(
                person=person,
                community_id=person.community_id,
                user_id=user_id,
                registered_on=registered_on,
                availability=clean_availability(availability or {}),
                registered_by=actor,
            )
    except IntegrityError as exc:
        raise Conflict(_("This login already belongs to another volunteer.")) from exc
    volunteer.skills.set(skill_ids)
    volunteer.service_grids.set(grid_ids)
    audit.record(actor, "volunteer.register", volunteer, person_id=person.pk)
    return volunteer


@transaction.atomic
def team_create(
    *, actor, community_id: int, name: str, description: str = "", leader_id: int | None = None
) -> Team:
    """Open a team (成立志愿服务队), optionally with its first leader."""
    require(actor, Perm.VOLUNTEERS_MANAGE, community_id)
    name = (name or "").strip()
    if not name or len(name) > 100:
        raise ValidationFailed(
            _("Please give the team a name of at most 100 characters."),
            fields={"name": [_("Please give the team a name of at most 100 characters.")]},
        )
    if Team.objects.filter(community_id=community_id, name=name).exists():
        raise Conflict(_("This community already has a team with this name."))
    team = Team.objects.create(
        community_id=community_id, name=name, description=description.strip(), created_by=actor
    )
    audit.record(actor, "team.create", team)
    if leader_id is not None:
        leader = Volunteer.objects.filter(pk=leader_id, community_id=community_id).first()
        if leader is None:
            raise ValidationFailed(
                _("The leader must be a volunteer of this community."),
                fields={"leader_id": [_("Choose a volunteer of this community.")]},
            )
        TeamMembership.objects.create(
            team=team,
            volunteer=leader,
            role=TeamMembership.Role.LEADER,
            status=TeamMembership.Status.APPROVED,
            decided_by=actor,
            decided_at=timezone.now(),
        )
    return team


def required_reason(reason: str, message: str) -> str:
    """The trimmed reason (at most 200 characters), or a field error with ``message``."""
    reason = (reason or "").strip()[:200]
    if not reason:
        raise ValidationFailed(message, fields={"reason": [message]})
    return reason


def is_team_leader(user, team_id: int | None) -> bool:
    """Does ``user`` lead the team (an approved leader membership of their volunteer profile)?"""
    return (
        team_id is not None
        and TeamMembership.objects.filter(
            team_id=team_id,
            volunteer__user=user,
            role=TeamMembership.Role.LEADER,
            status=TeamMembership.Status.APPROVED,
        ).exists()
    )


@transaction.atomic
def team_join_request(*, actor, team_id: int, volunteer_id: int) -> TeamMembership:
    """Ask to join a team (申请加入): by the volunteer themself or by a worker on their behalf."""
    team = Team.objects.select_for_update().filter(pk=team_id, is_active=True).first()
    volunteer = Volunteer.objects.filter(pk=volunteer_id).first()
    if team is None or volunteer is None:
        raise NotFound(_("Not found."))
    is_self = volunteer.user_id is not None and volunteer.user_id == actor.pk
    if not is_self:
        if not has_perm(actor, Perm.VOLUNTEERS_VIEW, team.community_id):
            raise NotFound(_("Not found."))
        require(actor, Perm.VOLUNTEERS_MANAGE, team.community_id)
    if volunteer.community_id != team.community_id:  # teams of one's own community only
        raise NotFound(_("Not found."))
    if TeamMembership.objects.filter(
        team=team, volunteer=volunteer, status__in=["pending", "approved"]
    ).exists():
        raise Conflict(_("This volunteer has already asked to join or is a member."))
    membership = TeamMembership.objects.create(team=team, volunteer=volunteer)
    audit.record(actor, "team.join_request", team, person_id=volunteer.person_id)
    return membership


@transaction.atomic
def team_join_decide(
    *, actor, membership_id: int, approve: bool, reason: str = ""
) -> TeamMembership:
    """Approve or reject a join request: the team's leader or the station; never one's own."""
    membership = (
        TeamMembership.objects.select_for_update()
        .select_related("team", "volunteer")
        .filter(pk=membership_id)
        .first()
    )
    if membership is None or not (
        has_perm(actor, Perm.VOLUNTEERS_VIEW, membership.team.community_id)
        or is_team_leader(actor, membership.team_id)
    ):
        raise NotFound(_("Not found."))
    if not (
        has_perm(actor, Perm.VOLUNTEERS_MANAGE, membership.team.community_id)
        or is_team_leader(actor, membership.team_id)
    ):
        raise PermissionDenied(_("Only the team's leader or the station decides join requests."))
    if membership.volunteer.user_id == actor.pk:
        raise PermissionDenied(_("Nobody decides their own request."))
    if membership.status != TeamMembership.Status.PENDING:
        raise Conflict(_("This request has already been decided."))
    if approve:
        reason = (reason or "").strip()[:200]
    else:
        reason = required_reason(reason, _("Please give the reason for the rejection."))
    membership.status = (
        TeamMembership.Status.APPROVED if approve else TeamMembership.Status.REJECTED
    )
    membership.reason = reason
    membership.decided_by = actor
    membership.decided_at = timezone.now()
    membership.save(update_fields=["status", "reason", "decided_by", "decided_at"])
    audit.record(
        actor,
        "team.join_approve" if approve else "team.join_reject",
        membership.team,
        person_id=membership.volunteer.person_id,
    )
    return membership
