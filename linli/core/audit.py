"""``record(actor, verb, target, **details)``: the one way to write the audit trail."""

from __future__ import annotations

from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.utils.translation import gettext_lazy as _

from linli.core.models import AuditEvent

VERB_LABELS: dict[str, object] = {
    "person.create": _("Registered a resident"),
    "person.update": _("Edited a resident"),
    "person.reveal": _("Revealed a full number"),
    "person.tag_add": _("Added a tag"),
    "person.tag_end": _("Ended a tag"),
    "person.export": _("Exported residents"),
    "consent.record": _("Recorded consent"),
    "consent.withdraw": _("Withdrew consent"),
    "household.create": _("Opened a household"),
    "household.add_member": _("Added a household member"),
    "import.preview": _("Uploaded a roster"),
    "import.apply": _("Imported a roster"),
    "import.discard": _("Discarded a roster"),
    "membership.grant": _("Granted a role"),
    "user.create": _("Created a user"),
    "api_token.issue": _("Issued an API token"),
}


def register_verbs(labels: dict[str, object]) -> None:
    """Let an app name its audit verbs for the audit pages (called from ``AppConfig.ready``)."""
    VERB_LABELS.update(labels)


def _person_id_of(target: models.Model | None) -> int | None:
    if target is None:
        return None
    if target._meta.label == "people.Person":
        return target.pk
    return getattr(target, "person_id", None)


def record(
    actor,
    verb: str,
    target: models.Model | None = None,
    *,
    community_id: int | None = None,
    person_id: int | None = None,
    **details: Any,
) -> AuditEvent:
    """Append an audit event. ``community_id``/``person_id`` default to the target's own."""
    if community_id is None and target is not None:
        community_id = getattr(target, "community_id", None)
        if community_id is None and target._meta.label == "places.Community":
            community_id = target.pk
    return AuditEvent.objects.create(
        actor=actor if getattr(actor, "is_authenticated", False) else None,
        verb=verb,
        target_type=ContentType.objects.get_for_model(target) if target is not None else None,
        target_id=str(target.pk) if target is not None else "",
        target_repr=str(target)[:200] if target is not None else "",
        community_id=community_id,
        person_id=person_id if person_id is not None else _person_id_of(target),
        details=details,
    )
