"""Shared pieces of the JSON API: safe input types, pagination, authentication."""

from __future__ import annotations

import datetime
from typing import Annotated, Any

from django.db.models import QuerySet
from ninja import Field, Header, Schema, Status
from ninja.pagination import PaginationBase
from ninja.security import HttpBearer, SessionAuth
from pydantic import AfterValidator

from linli.core import idempotency

MAX_ID = 2**53  # larger ids never exist; refusing them keeps the database drivers out of trouble


def _no_nul(value: str) -> str:
    if "\x00" in value:
        raise ValueError("Text cannot contain NUL characters.")
    return value


def _aware(value: datetime.datetime) -> datetime.datetime:
    """A time without a zone is Beijing time; one outside 2000–2099 is a typing mistake."""
    from django.utils import timezone

    if timezone.is_naive(value):
        value = timezone.make_aware(value, timezone.get_default_timezone())
    if not 2000 <= value.year <= 2099:
        raise ValueError("The time must fall between 2000 and 2099.")
    return value


Text = Annotated[str, AfterValidator(_no_nul)]
Moment = Annotated[datetime.datetime, AfterValidator(_aware)]
RecordId = Annotated[int, Field(ge=1, le=MAX_ID)]


IdempotencyKey = Annotated[
    str,
    Header(
        None,
        alias=idempotency.HEADER,
        description=(
            "Optional. A key the client makes up for this one action (a UUID): sending the same "
            "request again with the same key does it once and answers as the first time (with "
            "`Idempotent-Replayed: true`); the same key with a different request answers 409. "
            "Keys are per user and never expire. 1–100 visible ASCII characters."
        ),
        pattern=idempotency.KEY_PATTERN,
        max_length=idempotency.KEY_MAX,
    ),
]


def once(response, status: int, result, body=None):
    """The answer to a value-moving POST that took an ``Idempotency-Key``: ``status`` with the
    result (or ``body``), the same for a replay of the key, which is marked
    ``Idempotent-Replayed: true``."""
    if idempotency.replayed(result):
        response["Idempotent-Replayed"] = "true"
    return Status(status, result if body is None else body)


class ErrorOut(Schema):
    """Every refused request: a message for the user and the messages per field."""

    detail: str
    errors: dict[str, list[str]] = {}


class BearerTokenAuth(HttpBearer):
    """``Authorization: Bearer <token>`` from ``POST /api/v1/auth/token``."""

    def authenticate(self, request, token: str):
        from linli.accounts.selectors import user_for_token

        if not token or len(token) > 200 or "\x00" in token:
            return None
        user = user_for_token(token)
        if user is not None:
            request.user = user
        return user


API_AUTH = [BearerTokenAuth(), SessionAuth()]


class LimitOffset(PaginationBase):
    """``?limit=&offset=`` → ``{"items": [...], "count": N}``, with bounded inputs."""

    class Input(Schema):
        limit: int = Field(25, ge=1, le=200)
        offset: int = Field(0, ge=0, le=1_000_000_000)

    class Output(Schema):
        items: list[Any]
        count: int

    items_attribute = "items"

    def paginate_queryset(self, queryset: QuerySet, pagination: Input, **params) -> dict:
        offset, limit = pagination.offset, pagination.limit
        count = len(queryset) if isinstance(queryset, list) else queryset.count()
        return {"items": list(queryset[offset : offset + limit]), "count": count}
