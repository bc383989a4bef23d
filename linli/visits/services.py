"""Writes about visits: record a visit (and the needs it found, in one step), and the station's
settings — the visit rules, the monthly target, who looks after each grid."""

from __future__ import annotations

import datetime

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from linli.accounts.models import User
from linli.accounts.roles import Perm
from linli.core import audit
from linli.core.dates import service_date_problem
from linli.core.errors import DomainError, NotFound, ValidationFailed
from linli.core.scoping import get_in_scope, has_perm, require
from linli.orders.services.needs import choice_clean, need_create, raise_if, text_clean
from linli.people.models import Person
from linli.places.models import Grid
from linli.visits.models import GridVisitor, Visit, VisitPolicy, VisitRule
from linli.visits.rules import DEFAULT_RULES, RULE_TAGS

MAX_NEEDS_PER_VISIT = 5


@transaction.atomic
def visit_record(
    *,
    actor,
    person_id: int,
    kind: str,
    visited_at: datetime.datetime,
    minutes: int,
    wellbeing: int,
    conditions: str = "",
    findings: str = "",
    companions: str = "",
    needs: list[dict] | None = None,
) -> Visit:
    """探访记录: record a home or phone visit, and create the needs it found in the same step."""
    person = get_in_scope(Person.objects.all(), actor, Perm.REGISTRY_VIEW, pk=person_id)
    require(actor, Perm.VISITS_RECORD, person.community_id)
    errors: dict[str, list[str]] = {}
    choice_clean(errors, "kind", kind, Visit.Kind)
    now = timezone.now()
    if visited_at > now + datetime.timedelta(minutes=10):
        errors["visited_at"] = [_("A visit cannot be recorded before it happens.")]
    elif visited_at < now - datetime.timedelta(days=366):
        errors["visited_at"] = [_("Visits more than a year old cannot be added.")]
    elif problem := service_date_problem(visited_at, ahead=datetime.timedelta(days=1)):
        errors["visited_at"] = [problem]
    if not isinstance(minutes, int) or not 1 <= minutes <= 600:
        errors["minutes"] = [_("Between 1 and 600 minutes.")]
    if not isinstance(wellbeing, int) or not 1 <= wellbeing <= 5:
        errors["wellbeing"] = [_("Choose 1 (very poor) to 5 (very good).")]
    if conditions:
        choice_clean(errors, "conditions", conditions, Visit.Conditions)
    findings = text_clean(errors, "findings", findings, 1000, required=False)
    companions = text_clean(errors, "companions", companions, 100, required=False)
    needs = needs or []
    if len(needs) > MAX_NEEDS_PER_VISIT:
        errors["needs"] = [_("At most %(n)d needs per visit.") % {"n": MAX_NEEDS_PER_VISIT}]
    raise_if(errors)
    visit = Visit.objects.create(
        community_id=person.community_id,
        person=person,
        kind=kind,
        visited_at=visited_at,
        minutes=minutes,
        visitor=actor,
        companions=companions,
        wellbeing=wellbeing,
        conditions=conditions,
        findings=findings,
        recorded_by=actor,
    )
    source = "visit" if kind == Visit.Kind.HOME else "phone"
    created = []
    for index, need in enumerate(needs):
        try:
            created.append(
                need_create(
                    actor=actor,
                    person_id=person.pk,
                    category=need.get("category", ""),
                    urgency=need.get("urgency", ""),
                    source=source,
                    description=need.get("description", ""),
                )
            )
        except DomainError as exc:
            fields = {f"needs.{index}.{k}": v for k, v in exc.fields.items()}
            raise ValidationFailed(exc.message, fields=fields) from exc
    visit.needs.set(created)
    audit.record(actor, "visit.record", visit, person_id=person.pk, needs=len(created))
    return visit


# --- the station's settings --------------------------------------------------------------------


def _materialise_defaults(actor, community_id: int) -> None:
    """The first change to a community's rules starts from the defaults it was using."""
    if VisitRule.objects.filter(community_id=community_id).exists():
        return
    for rule in DEFAULT_RULES:
        VisitRule.objects.create(
            community_id=community_id,
            name=str(rule.name),
            tags=list(rule.tags),
            phone_days=rule.phone_days,
            home_days=rule.home_days,
            priority=rule.priority,
            updated_by=actor,
        )


@transaction.atomic
def visit_rule_save(
    *,
    actor,
    community_id: int,
    name: str,
    tags: list[str],
    phone_days: int | None,
    home_days: int | None,
    priority: int = 10,
    is_active: bool = True,
    rule_id: int | None = None,
) -> VisitRule:
    """Add or change a visit rule (the station admin)."""
    require(actor, Perm.VISITS_ADMIN, community_id)
    _materialise_defaults(actor, community_id)
    if rule_id is not None:
        rule = (
            VisitRule.objects.select_for_update()
            .filter(pk=rule_id, community_id=community_id)
            .first()
        )
        if rule is None:
            raise NotFound(_("Not found."))
    else:
        rule = VisitRule(community_id=community_id)
    errors: dict[str, list[str]] = {}
    name = text_clean(errors, "name", name, 100)
    tags = list(dict.fromkeys(tags or []))
    if not set(tags) <= set(RULE_TAGS):
        errors["tags"] = [_("Unknown tag.")]
    for field, value in (("phone_days", phone_days), ("home_days", home_days)):
        if value is not None and not 1 <= value <= 366:
            errors[field] = [_("Between 1 and 366 days.")]
    if phone_days is None and home_days is None:
        errors["phone_days"] = [_("Give a rhythm for phone calls, home visits or both.")]
    if not 0 <= priority <= 1000:
        errors["priority"] = [_("Between 0 and 1000.")]
    raise_if(errors)
    rule.name, rule.tags, rule.phone_days, rule.home_days = name, tags, phone_days, home_days
    rule.priority, rule.is_active, rule.updated_by = priority, is_active, actor
    rule.save()
    audit.record(actor, "visit_rule.save", rule, tags=tags)
    return rule


@transaction.atomic
def visit_policy_set(*, actor, community_id: int, monthly_target: int) -> VisitPolicy:
    require(actor, Perm.VISITS_ADMIN, community_id)
    if not 0 <= monthly_target <= 500:
        raise ValidationFailed(
            _("Between 0 and 500 visits."), fields={"monthly_target": [_("Between 0 and 500.")]}
        )
    policy, _created = VisitPolicy.objects.update_or_create(
        community_id=community_id,
        defaults={"monthly_target": monthly_target, "updated_by": actor},
    )
    audit.record(actor, "visit_policy.save", policy, monthly_target=monthly_target)
    return policy


@transaction.atomic
def grid_visitor_set(*, actor, grid_id: int, worker_id: int | None) -> GridVisitor | None:
    """Name (or clear) the worker who looks after a grid's visits."""
    grid = get_in_scope(Grid.objects.all(), actor, Perm.VISITS_VIEW, pk=grid_id)
    require(actor, Perm.VISITS_ADMIN, grid.community_id)
    if worker_id is None:
        GridVisitor.objects.filter(grid=grid).delete()
        audit.record(actor, "grid_visitor.set", grid, worker_id=None)
        return None
    worker = User.objects.filter(pk=worker_id, is_active=True).first()
    if worker is None or not has_perm(worker, Perm.VISITS_RECORD, grid.community_id):
        raise ValidationFailed(
            _("Choose a worker of this community."),
            fields={"worker_id": [_("Choose a worker of this community.")]},
        )
    visitor, _created = GridVisitor.objects.update_or_create(
        grid=grid, defaults={"worker": worker, "community_id": grid.community_id}
    )
    audit.record(actor, "grid_visitor.set", grid, worker_id=worker.pk)
    return visitor
