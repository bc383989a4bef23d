"""The ledger's keys: HMAC-SHA256 with keys kept outside the database (ADR 0015).

``LINLI_LEDGER_KEYS`` holds the keys, newest first. New transactions, checkpoints and anchor
records are signed with the newest; each records the short id of the key that signed it
(``key_id``: the first 8 hex digits of SHA-256 of the key), and verification looks the key up by
that id, so a new key is added by prepending it while the older ones keep verifying what they
signed. Someone with only the database cannot recompute a seal.

On PostgreSQL the chain's tip is computed inside the posting statement with core ``sha256()``
(no pgcrypto): ``hmac_sql`` spells out the standard construction
``H((K ⊕ opad) || H((K ⊕ ipad) || message))`` with the two padded key blocks computed here and
passed as ``bytea`` parameters. It equals ``hmac.new(key, message, sha256)`` (tested).
"""

from __future__ import annotations

import hashlib
import hmac
from dataclasses import dataclass
from functools import lru_cache

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

BLOCK = 64  # SHA-256's block size in bytes


@dataclass(frozen=True)
class LedgerKey:
    id: str
    secret: bytes
    ipad: bytes  # the key padded to one block, XOR 0x36 (for ``hmac_sql``)
    opad: bytes  # ... XOR 0x5c

    def __repr__(self) -> str:  # never print the secret
        return f"LedgerKey({self.id})"


def key_id(secret: bytes) -> str:
    return hashlib.sha256(secret).hexdigest()[:8]


def ledger_key(text: str) -> LedgerKey:
    secret = text.encode()
    block = hashlib.sha256(secret).digest() if len(secret) > BLOCK else secret
    block = block.ljust(BLOCK, b"\x00")
    return LedgerKey(
        id=key_id(secret),
        secret=secret,
        ipad=bytes(b ^ 0x36 for b in block),
        opad=bytes(b ^ 0x5C for b in block),
    )


@lru_cache(maxsize=8)
def _keys(texts: tuple[str, ...]) -> tuple[LedgerKey, ...]:
    keys = tuple(ledger_key(t) for t in texts)
    if not keys:
        raise ImproperlyConfigured("LINLI_LEDGER_KEYS is empty.")
    if len({k.id for k in keys}) != len(keys):
        raise ImproperlyConfigured("LINLI_LEDGER_KEYS holds the same key twice.")
    return keys


def ledger_keys() -> tuple[LedgerKey, ...]:
    """Every configured key, newest first."""
    return _keys(tuple(settings.LINLI_LEDGER_KEYS))


def signing_key() -> LedgerKey:
    """The key new seals are made with: the first of ``LINLI_LEDGER_KEYS``."""
    return ledger_keys()[0]


def key_by_id(kid: str) -> LedgerKey | None:
    return next((k for k in ledger_keys() if k.id == kid), None)


def mac(key: LedgerKey, message: str) -> str:
    """Hex HMAC-SHA256 of ``message`` (UTF-8) under ``key``."""
    return hmac.new(key.secret, message.encode(), hashlib.sha256).hexdigest()


def hmac_sql(*, opad: str, ipad: str, message: str) -> str:
    """A PostgreSQL expression for the hex HMAC-SHA256 of the text ``message`` under the key whose
    padded blocks the ``bytea`` expressions ``opad`` and ``ipad`` give (``LedgerKey.opad/ipad``).
    Placeholders inside the fragments keep their order: opad, then ipad, then message."""
    return f"encode(sha256({opad} || sha256({ipad} || convert_to({message}, 'UTF8'))), 'hex')"
