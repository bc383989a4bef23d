"""Service-hour records (服务时长): submit → verify (credits points) or reject; reverse to correct.

Each transition is one function here: it checks the actor, consults ``ServiceRecord.TRANSITIONS``,
stamps who and when in a ``ServiceRecordEvent`` and writes the audit trail.
"""

from __future__ import annotations

import datetime
from decimal import ROUND_HALF_UP, Decimal

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from linli.accounts.roles import Perm
from linli.core import audit, idempotency
from linli.core.dates import service_date_problem
from linli.core.errors import NotFound, PermissionDenied, ValidationFailed
from linli.core.scoping import has_perm
from linli.core.workflow import transition
from linli.ledger.services import reverse
from linli.points.models import EarningKind
from linli.points.selectors import points_for
from linli.points.services import points_credit
from linli.volunteers.models import ServiceRecord, ServiceRecordEvent, TeamMembership, Volunteer
from linli.volunteers.services import is_team_leader, required_reason

Status = ServiceRecord.Status


@transaction.atomic
def service_record_submit(
    *,
    actor,
    volunteer_id: int,
    served_on: datetime.date,
    hours: Decimal,
    description: str,
    team_id: int | None = None,
    idempotency_key: str | None = None,
) -> ServiceRecord:
    """Submit hours: the volunteer for themself, their team leader, or the station. With
    ``idempotency_key``, a repeat returns the first record (hours are credited once)."""
    volunteer = Volunteer.objects.filter(pk=volunteer_id).first()
    if volunteer is None:
        raise NotFound(_("Not found."))
    is_self = volunteer.user_id is not None and volunteer.user_id == actor.pk
    allowed = (
        is_self
        or has_perm(actor, Perm.VOLUNTEERS_MANAGE, volunteer.community_id)
        or is_team_leader(actor, team_id)
    )
    if not allowed:
        raise NotFound(_("Not found."))
    once = idempotency.claim(
        actor=actor,
        key=idempotency_key,
        action="volunteers.hours",
        content={
            "volunteer_id": volunteer_id,
            "served_on": served_on,
            "hours": hours,
            "description": description,
            "team_id": team_id,
        },
    )
    if once.replayed is not None:
        return once.replayed
    errors: dict[str, list[str]] = {}
    hours = Decimal(hours)
    if not Decimal("0") < hours <= Decimal("24") or (hours * 4) % 1 != 0:
        errors["hours"] = [_("Hours are more than 0 and at most 24, in quarter hours.")]
    if served_on > timezone.localdate():
        errors["served_on"] = [_("Hours cannot be recorded for a day still to come.")]
    elif problem := service_date_problem(served_on):
        errors["served_on"] = [problem]
    description = (description or "").strip()
    if not description or len(description) > 200:
        errors["description"] = [_("Say in at most 200 characters what was done.")]
    if (
        team_id is not None
        and not TeamMembership.objects.filter(
            team_id=team_id, volunteer=volunteer, status=TeamMembership.Status.APPROVED
        ).exists()
    ):
        errors["team_id"] = [_("The volunteer is not a member of this team.")]
    if errors:
        raise ValidationFailed(_("Please correct the errors below."), fields=errors)
    record = ServiceRecord.objects.create(
        volunteer=volunteer,
        community_id=volunteer.community_id,
        team_id=team_id,
        served_on=served_on,
        hours=hours,
        description=description,
        submitted_by=actor,
    )
    ServiceRecordEvent.objects.create(record=record, to_status=Status.SUBMITTED, actor=actor)
    audit.record(actor, "hours.submit", record, person_id=volunteer.person_id, hours=str(hours))
    return once.finish(record)


def _decider(actor, record: ServiceRecord) -> None:
    """The station or the record's team leader — never the volunteer whose hours they are."""
    station = has_perm(actor, Perm.VOLUNTEERS_MANAGE, record.community_id)
    if not (station or is_team_leader(actor, record.team_id)):
        if has_perm(actor, Perm.VOLUNTEERS_VIEW, record.community_id):
            raise PermissionDenied(_("Only the station or the team's leader verifies hours."))
        raise NotFound(_("Not found."))
    if record.volunteer.user_id is not None and record.volunteer.user_id == actor.pk:
        raise PermissionDenied(_("Nobody verifies their own hours."))


def _locked(record_id: int) -> ServiceRecord:
    record = (
        ServiceRecord.objects.select_for_update()
        .select_related("volunteer__person")
        .filter(pk=record_id)
        .first()
    )
    if record is None:
        raise NotFound(_("Not found."))
    return record


@transaction.atomic
def service_record_verify(*, actor, record_id: int) -> ServiceRecord:
    """Verify hours (核实): credits hours × the per-hour rule of the day served, exactly once."""
    record = _locked(record_id)
    _decider(actor, record)
    transition(record, actor, Status.VERIFIED, events=record.events)
    rate = points_for(record.community_id, EarningKind.PER_HOUR, record.served_on)
    record.points = int((record.hours * rate).quantize(Decimal("1"), rounding=ROUND_HALF_UP))
    if record.points:
        record.credit = points_credit(
            actor=actor,
            person=record.volunteer.person,
            points=record.points,
            kind="points.hours",
            memo=f"服务时长 {record.served_on} {record.hours}h",
            idempotency_key=f"hours:{record.pk}",
        )
    record.save(update_fields=["status", "points", "credit"])
    audit.record(
        actor, "hours.verify", record, person_id=record.volunteer.person_id, points=record.points
    )
    return record


@transaction.atomic
def service_record_reject(*, actor, record_id: int, reason: str) -> ServiceRecord:
    record = _locked(record_id)
    _decider(actor, record)
    reason = required_reason(reason, _("Please give the reason for the rejection."))
    transition(record, actor, Status.REJECTED, events=record.events, note=reason)
    record.save(update_fields=["status"])
    audit.record(actor, "hours.reject", record, person_id=record.volunteer.person_id)
    return record


@transaction.atomic
def service_record_reverse(*, actor, record_id: int, reason: str) -> ServiceRecord:
    """Correct a verified record (冲正): the station takes its points back through the ledger."""
    record = _locked(record_id)
    if not has_perm(actor, Perm.VOLUNTEERS_MANAGE, record.community_id):
        if has_perm(actor, Perm.VOLUNTEERS_VIEW, record.community_id):
            raise PermissionDenied(_("Only the station reverses verified hours."))
        raise NotFound(_("Not found."))
    reason = required_reason(reason, _("Please say why the record is reversed."))
    transition(record, actor, Status.REVERSED, events=record.events, note=reason)
    if record.credit_id:
        reverse(actor=actor, transaction_id=record.credit_id, memo=reason)
    record.save(update_fields=["status"])
    audit.record(actor, "hours.reverse", record, person_id=record.volunteer.person_id)
    return record
