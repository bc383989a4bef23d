"""State machines (DESIGN.md "Workflows"): a model lists ``TRANSITIONS``; one helper moves a record
and writes the event row its timeline shows."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext as _

from linli.core.errors import Conflict


def transition(record: models.Model, actor, to: str, *, events, note: str = "") -> None:
    """Move ``record`` to ``to`` if its model's ``TRANSITIONS`` allow it (else ``Conflict``),
    writing ``events.create(from_status, to_status, actor, note)``; the caller saves the record."""
    transition_check(record, to)
    events.create(from_status=record.status, to_status=to, actor=actor, note=note)
    record.status = to


def transition_check(record: models.Model, to: str) -> None:
    """``Conflict`` unless ``record``'s model allows moving from its status to ``to``."""
    if to not in type(record).TRANSITIONS.get(record.status, set()):
        raise Conflict(
            _("A record that is “%(state)s” cannot change that way.")
            % {"state": record.get_status_display()}
        )
