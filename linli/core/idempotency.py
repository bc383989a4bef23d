"""Idempotency keys: a retried or double-submitted request that moves value is one action.

A service that moves points, goods or money takes ``idempotency_key`` and, right after checking
the actor's permission, calls ``claim``. The first request with a key writes a ``RequestReceipt``
(actor, key, action, a fingerprint of what was asked) in the action's own transaction and records
the result on it (``Claim.finish``); a repeat of the key by the same actor returns that first
result (``Claim.replayed``), and a repeat asking something else is refused (409). Two requests
with the same key at the same moment: the second waits on the unique (actor, key) until the first
commits, then finds its result. The ledger transaction's own key is derived from it
(``Claim.ledger_key``), so even a path around the receipt cannot post twice.

The API reads the ``Idempotency-Key`` header (``core.api.IdempotencyKeyHeader``); pages put a
fresh key in every form that moves value (``{% idempotency_field %}``) and the view passes it on.
See ``docs/idempotency.md`` and ADR 0016.
"""

from __future__ import annotations

import dataclasses
import datetime
import hashlib
import json
import re
from decimal import Decimal

from django.contrib.contenttypes.models import ContentType
from django.db import IntegrityError, connection, models, transaction
from django.utils.translation import gettext as _

from linli.core.errors import Conflict, ValidationFailed
from linli.core.models import RequestReceipt

HEADER = "Idempotency-Key"
FIELD = "idempotency_key"  # the hidden form field
KEY_MAX = 100
KEY_PATTERN = r"^[!-~]{1,100}$"  # visible ASCII, no spaces: a UUID, a ULID, any client token
_KEY_RE = re.compile(KEY_PATTERN)
_REPLAYED = "_linli_idempotent_replay"


class IdempotencyKeyReused(Conflict):
    """The key was already used by this actor for a different request."""


def key_clean(value) -> str | None:
    """The key, or None when none was given; a malformed one is a validation error (422)."""
    if value is None or value == "":
        return None
    if not isinstance(value, str) or not _KEY_RE.match(value):
        message = _(
            "An idempotency key is 1 to %(n)s visible ASCII characters (a UUID, for example)."
        ) % {"n": KEY_MAX}
        raise ValidationFailed(message, fields={FIELD: [message]})
    return value


def _plain(value):
    if isinstance(value, Decimal):
        return format(value.normalize(), "f") if value.is_finite() else str(value)
    if isinstance(value, datetime.date | datetime.datetime):
        return value.isoformat()
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: getattr(value, f.name) for f in dataclasses.fields(value)}
    if isinstance(value, models.Model):
        return value.pk
    if isinstance(value, set | frozenset | tuple):
        return list(value)
    raise TypeError(f"Cannot fingerprint {type(value).__name__}")


def fingerprint(action: str, content: dict) -> str:
    """SHA-256 of the action and a canonical JSON of what was asked (sorted keys; decimals
    without trailing zeros, so 2 and 2.000 units are the same request)."""
    text = json.dumps(
        {"action": action, "content": content},
        default=_plain,
        sort_keys=True,
        separators=(",", ":"),
        ensure_ascii=False,
    )
    return hashlib.sha256(text.encode()).hexdigest()


def replayed(result) -> bool:
    """Whether a service returned the first result of an earlier request with the same key."""
    return bool(getattr(result, _REPLAYED, False))


def _result_of(receipt: RequestReceipt):
    """The first result, marked as a replay; None if there is none (any more)."""
    if receipt.result_type_id is not None:
        model = ContentType.objects.get_for_id(receipt.result_type_id).model_class()
        result = model._default_manager.filter(pk=receipt.result_id).first()
        if result is not None:
            setattr(result, _REPLAYED, True)
        return result
    return receipt.result_value


@dataclasses.dataclass
class Claim:
    """What ``claim`` found: nothing to do (no key), a fresh receipt to finish, or the first
    result (``replayed`` is not None) to return as it is."""

    actor: object = None
    key: str | None = None
    action: str = ""
    receipt: RequestReceipt | None = None
    replayed: object = None

    @property
    def ledger_key(self) -> str | None:
        """The ledger transaction's idempotency key derived from this one (None without)."""
        if self.receipt is None:
            return None
        return f"idem:{self.actor.pk}:{self.action}:{self.key}"

    def finish(self, result=None, *, value=None):
        """Record what the action produced (a saved model instance, or a small JSON ``value``)
        and return it."""
        if self.receipt is not None:
            if result is not None:
                self.receipt.result_type = ContentType.objects.get_for_model(result)
                self.receipt.result_id = result.pk
            else:
                self.receipt.result_value = value
            self.receipt.save(update_fields=["result_type", "result_id", "result_value"])
        return result if result is not None else value


def claim(*, actor, key: str | None, action: str, content: dict) -> Claim:
    """Start ``action`` under ``key`` for ``actor`` (call it inside the action's transaction,
    after the permission check and before anything that depends on the current state)."""
    key = key_clean(key)
    if key is None:
        return Claim()
    if not getattr(actor, "is_authenticated", False):
        raise ValueError("An idempotency key needs an authenticated actor.")
    if not connection.in_atomic_block:
        raise RuntimeError("claim() runs inside the action's transaction.")
    digest = fingerprint(action, content)
    try:
        with transaction.atomic():  # a savepoint: a concurrent first request wins the insert
            receipt = RequestReceipt.objects.create(
                actor=actor, key=key, action=action, fingerprint=digest
            )
        return Claim(actor=actor, key=key, action=action, receipt=receipt)
    except IntegrityError:
        pass  # the key was used: by this very request before (a retry), or by another one
    receipt = RequestReceipt.objects.get(actor=actor, key=key)
    if receipt.action != action or receipt.fingerprint != digest:
        raise IdempotencyKeyReused(
            _(
                "This idempotency key was used for a different request. Send a new key for "
                "a new action."
            ),
            fields={FIELD: [_("This key was used for a different request.")]},
        )
    result = _result_of(receipt)
    if result is None:  # never left without one by a service; refuse rather than redo
        raise Conflict(_("This idempotency key cannot be used again. Send a new key."))
    return Claim(actor=actor, key=key, action=action, replayed=result)


def previous_result(actor, key, action: str):
    """The result of ``action`` already done by ``actor`` under ``key`` (None if not done, or
    no key): for a page whose retried form no longer carries what the first one did (the till's
    basket was emptied by the sale)."""
    try:
        key = key_clean(key)
    except ValidationFailed:
        return None
    if key is None or not getattr(actor, "is_authenticated", False):
        return None
    receipt = RequestReceipt.objects.filter(actor=actor, key=key, action=action).first()
    return None if receipt is None else _result_of(receipt)


def form_key(request) -> str | None:
    """The key a page's form carried (``{% idempotency_field %}``), if any."""
    return request.POST.get(FIELD) or None if request.method == "POST" else None


def already_done(request, action: str):
    """On a page: the first result when this POST repeats a form already sent (double click,
    reload, retry), after telling the user so; None otherwise."""
    result = previous_result(request.user, form_key(request), action)
    if result is not None:
        from django.contrib import messages

        messages.info(request, _("This was already recorded; nothing was done twice."))
    return result


def say_done(request, result, message: str) -> None:
    """The page's message after the action: ``message``, or "already recorded" when the service
    answered a repeat of the form's key with the first result."""
    from django.contrib import messages

    if replayed(result):
        messages.info(request, _("This was already recorded; nothing was done twice."))
    else:
        messages.success(request, message)
