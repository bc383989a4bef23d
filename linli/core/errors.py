"""One hierarchy of domain errors; pages turn them into messages, the API into 4xx answers."""

from __future__ import annotations


class DomainError(Exception):
    """A business rule said no.

    ``message`` is shown to the user; ``fields`` maps field name → messages."""

    status = 400

    def __init__(self, message: str, *, fields: dict[str, list[str]] | None = None):
        super().__init__(message)
        self.message = str(message)
        self.fields = {k: [str(m) for m in v] for k, v in (fields or {}).items()}


class ValidationFailed(DomainError):
    """Input broke a rule (422)."""

    status = 422


class PermissionDenied(DomainError):
    """The actor's role does not allow this action (403)."""

    status = 403


class RateLimited(DomainError):
    """The actor did this too often in too short a time (429); try again later."""

    status = 429


class NotFound(DomainError):
    """The record does not exist or is outside the actor's scope (404, never more detail)."""

    status = 404


class Conflict(DomainError):
    """The record changed under the actor, or the action clashes with its state (409)."""

    status = 409
