"""Reads of the audit trail, scoped to the communities where the user may see it."""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.db.models import QuerySet

from linli.accounts.roles import Perm
from linli.core.audit import VERB_LABELS
from linli.core.models import AuditEvent
from linli.core.scoping import scope

AUDIT_VERBS = VERB_LABELS  # every app adds its own in AppConfig.ready()


@dataclass(frozen=True)
class AuditFilters:
    community_id: int | None = None
    person_id: int | None = None
    actor: str = ""
    verb: str = ""
    date_from: datetime.date | None = None
    date_to: datetime.date | None = None


def audit_list(user, filters: AuditFilters | None = None) -> QuerySet[AuditEvent]:
    filters = filters or AuditFilters()
    qs = scope(AuditEvent.objects.all(), user, Perm.AUDIT_VIEW, community_id=filters.community_id)
    if filters.person_id:
        qs = qs.filter(person_id=filters.person_id)
    if filters.actor:
        qs = qs.filter(actor__username=filters.actor)
    if filters.verb:
        qs = qs.filter(verb=filters.verb)
    if filters.date_from:
        qs = qs.filter(created_at__date__gte=filters.date_from)
    if filters.date_to:
        qs = qs.filter(created_at__date__lte=filters.date_to)
    return qs.select_related("actor", "community").order_by("-created_at", "-id")
