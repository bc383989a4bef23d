"""Needs (需求清单) and listed resources (资源清单): record, change, and move a need's status."""

from __future__ import annotations

import datetime

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from linli.accounts.roles import Perm
from linli.core import audit
from linli.core.errors import ValidationFailed
from linli.core.scoping import get_in_scope, require
from linli.core.workflow import transition
from linli.orders.models import Category, Need, Resource, Urgency
from linli.people.models import Household, Person


def text_clean(errors: dict, field: str, value: str | None, limit: int, *, required=True) -> str:
    """Stripped text of at most ``limit`` characters; an error on ``field`` otherwise."""
    value = (value or "").strip()
    if required and not value:
        errors[field] = [_("This field is required.")]
    elif len(value) > limit:
        errors[field] = [_("At most %(n)d characters.") % {"n": limit}]
    return value


def choice_clean(errors: dict, field: str, value: str, choices) -> str:
    if value not in choices.values:
        errors[field] = [_("Choose one of the listed values.")]
    return value


def raise_if(errors: dict) -> None:
    if errors:
        raise ValidationFailed(_("Please correct the errors below."), fields=errors)


@transaction.atomic
def need_create(
    *,
    actor,
    category: str,
    urgency: str,
    source: str,
    description: str,
    person_id: int | None = None,
    household_id: int | None = None,
) -> Need:
    """Record a need of a resident or a household (登记需求)."""
    errors: dict[str, list[str]] = {}
    person = household = None
    if person_id is not None:
        person = get_in_scope(Person.objects.all(), actor, Perm.REGISTRY_VIEW, pk=person_id)
        household = person.household if household_id is None else None
    if household_id is not None:
        household = get_in_scope(
            Household.objects.all(), actor, Perm.REGISTRY_VIEW, pk=household_id
        )
    if person is None and household is None:
        errors["person_id"] = [_("Say whose need it is: a resident or a household.")]
        raise_if(errors)
    community_id = (person or household).community_id
    if person is not None and household is not None and household.community_id != community_id:
        errors["household_id"] = [_("The household is in another community.")]
    require(actor, Perm.ORDERS_MANAGE, community_id)
    choice_clean(errors, "category", category, Category)
    choice_clean(errors, "urgency", urgency, Urgency)
    choice_clean(errors, "source", source, Need.Source)
    description = text_clean(errors, "description", description, 500)
    raise_if(errors)
    need = Need.objects.create(
        community_id=community_id,
        person=person,
        household=household,
        category=category,
        urgency=urgency,
        source=source,
        description=description,
        created_by=actor,
    )
    need.events.create(to_status=need.status, actor=actor)
    audit.record(actor, "need.create", need, person_id=person.pk if person else None)
    return need


def _locked_need(actor, need_id: int) -> Need:
    need = get_in_scope(Need.objects.select_for_update(), actor, Perm.ORDERS_VIEW, pk=need_id)
    require(actor, Perm.ORDERS_MANAGE, need.community_id)
    return need


@transaction.atomic
def need_update(*, actor, need_id: int, category: str, urgency: str, description: str) -> Need:
    need = _locked_need(actor, need_id)
    errors: dict[str, list[str]] = {}
    choice_clean(errors, "category", category, Category)
    choice_clean(errors, "urgency", urgency, Urgency)
    description = text_clean(errors, "description", description, 500)
    raise_if(errors)
    need.category, need.urgency, need.description = category, urgency, description
    need.save(update_fields=["category", "urgency", "description", "updated_at"])
    audit.record(actor, "need.update", need)
    return need


@transaction.atomic
def need_set_status(*, actor, need_id: int, status: str, reason: str = "") -> Need:
    """Mark a need met, close it (with a reason), or open it again."""
    need = _locked_need(actor, need_id)
    errors: dict[str, list[str]] = {}
    choice_clean(errors, "status", status, Need.Status)
    reason = text_clean(errors, "reason", reason, 200, required=status == Need.Status.CLOSED)
    raise_if(errors)
    need_move(need, actor, status, note=reason)
    return need


def need_move(need: Need, actor, status: str, *, note: str = "") -> None:
    """Move a (locked) need along its workflow; used by the order services too."""
    if need.status == status:
        return
    transition(need, actor, status, events=need.events, note=note)
    need.closed_reason = note if status == Need.Status.CLOSED else ""
    need.save(update_fields=["status", "closed_reason", "updated_at"])
    audit.record(actor, "need.status", need, status=status)


@transaction.atomic
def resource_create(*, actor, community_id: int, **fields) -> Resource:
    """List a resource the community can call on (a partner's service, a room, money)."""
    require(actor, Perm.ORDERS_MANAGE, community_id)
    resource = Resource(community_id=community_id, created_by=actor)
    _resource_fill(resource, fields)
    resource.save()
    audit.record(actor, "resource.create", resource)
    return resource


@transaction.atomic
def resource_update(*, actor, resource_id: int, **fields) -> Resource:
    resource = get_in_scope(
        Resource.objects.select_for_update(), actor, Perm.ORDERS_VIEW, pk=resource_id
    )
    require(actor, Perm.ORDERS_MANAGE, resource.community_id)
    _resource_fill(resource, fields)
    resource.save()
    audit.record(actor, "resource.update", resource)
    return resource


def _resource_fill(resource: Resource, fields: dict) -> None:
    errors: dict[str, list[str]] = {}
    resource.kind = choice_clean(errors, "kind", fields.get("kind", ""), Resource.Kind)
    resource.category = choice_clean(errors, "category", fields.get("category", ""), Category)
    resource.title = text_clean(errors, "title", fields.get("title"), 100)
    resource.description = text_clean(
        errors, "description", fields.get("description"), 500, required=False
    )
    resource.offered_by = text_clean(errors, "offered_by", fields.get("offered_by"), 100)
    resource.contact = text_clean(errors, "contact", fields.get("contact"), 100, required=False)
    resource.capacity = text_clean(errors, "capacity", fields.get("capacity"), 100, required=False)
    until = fields.get("available_until")
    if until is not None and not isinstance(until, datetime.date):
        errors["available_until"] = [_("Enter a valid date.")]
    elif until is not None and resource.pk is None and until < timezone.localdate():
        errors["available_until"] = [_("A new resource cannot have ended already.")]
    resource.available_until = until
    resource.is_active = bool(fields.get("is_active", True))
    raise_if(errors)
