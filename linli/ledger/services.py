"""``post(...)``: the one way value moves. Feature apps never write ledger rows themselves."""

from __future__ import annotations

import hashlib
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal

from django.db import IntegrityError, connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from linli.core.errors import Conflict, ValidationFailed
from linli.ledger.models import Account, ChainHead, LedgerTransaction
from linli.ledger.seal import LedgerKey, hmac_sql, mac, signing_key

GENESIS = "0" * 64
CHAIN = "main"
INTEGRAL_COMMODITIES = {"PTS", "CNY"}  # points and fen are whole numbers


class InsufficientBalance(Conflict):
    """The posting would take an account below zero."""


class IdempotencyConflict(Conflict):
    """The same idempotency key was used for a different transaction."""


@dataclass(frozen=True)
class Leg:
    """One side of a transaction: ``quantity`` of the account's commodity into ``account``."""

    account: Account
    quantity: Decimal | int


def account_get_or_create(
    *,
    key: str,
    commodity: str,
    name: str = "",
    community_id: int | None = None,
    may_go_negative: bool = False,
) -> Account:
    """The account ``key`` for ``commodity``, created on first use.

    Sources and sinks (issued points, donors) are created with ``may_go_negative``."""
    account, _created = Account.objects.get_or_create(
        key=key,
        commodity=commodity,
        defaults={"name": name, "community_id": community_id, "may_go_negative": may_go_negative},
    )
    return account


def _quantize(value: Decimal | int) -> Decimal:
    return Decimal(value).quantize(Decimal("0.000001"))


SEP = "\x1f"  # ASCII unit separator between the fields of the canonical content


def content_hash(
    *, kind: str, memo: str, legs: Sequence[tuple[int, str, Decimal]], reverses_id: int | None
) -> str:
    """SHA-256 of a canonical text that PostgreSQL can rebuild too (see ``selectors``):
    kind, memo and reversed id, then the legs ordered by (commodity, account, quantity) as
    ``account,commodity,quantity`` joined by ``;`` — quantities with six decimals."""
    ordered = sorted(
        ((commodity, account_id, Decimal(q)) for account_id, commodity, q in legs),
        key=lambda leg: (leg[0].encode(), leg[1], leg[2]),
    )
    text = SEP.join(
        [
            kind,
            memo,
            "" if reverses_id is None else str(reverses_id),
            ";".join(f"{a},{c},{_quantize(q)}" for c, a, q in ordered),
        ]
    )
    return hashlib.sha256(text.encode()).hexdigest()


def chain_name(community_id: int | None) -> str:
    """The hash chain a transaction joins: its community's, or ``main`` without one."""
    return CHAIN if community_id is None else f"community:{community_id}"


def chain_genesis(name: str) -> str:
    """Where a chain starts: ``main`` at zeros, every other chain at a hash of its name (so equal
    transactions that open two chains still get different hashes)."""
    if name == CHAIN:
        return GENESIS
    return hashlib.sha256(f"linli-chain:{name}".encode()).hexdigest()


def chain_hash(prev_hash: str, own_content_hash: str, key: LedgerKey | None = None) -> str:
    """A transaction's seal: HMAC-SHA256 of ``prev_hash:content_hash`` under the ledger key (the
    newest unless given; ADR 0015). Without the key it cannot be recomputed."""
    return mac(key or signing_key(), f"{prev_hash}:{own_content_hash}")


def unkeyed_chain_hash(prev_hash: str, own_content_hash: str) -> str:
    """The plain SHA-256 link of before ADR 0015 (``key_id`` empty): only ``ledger_reseal``
    accepts it, to seal such a ledger once."""
    return hashlib.sha256(f"{prev_hash}:{own_content_hash}".encode()).hexdigest()


def _validate(legs: Sequence[Leg]) -> list[tuple[Account, Decimal]]:
    if len(legs) < 2:
        raise ValidationFailed(_("A transaction needs at least two postings."))
    cleaned = []
    totals: dict[str, Decimal] = defaultdict(Decimal)
    for leg in legs:
        quantity = _quantize(leg.quantity)
        if quantity == 0:
            raise ValidationFailed(_("A posting cannot move zero."))
        commodity = leg.account.commodity
        if commodity in INTEGRAL_COMMODITIES and quantity != quantity.to_integral_value():
            raise ValidationFailed(_("Points and money move in whole units."))
        totals[commodity] += quantity
        cleaned.append((leg.account, quantity))
    unbalanced = [c for c, total in totals.items() if total != 0]
    if unbalanced:
        raise ValidationFailed(
            _("The postings do not sum to zero for: %(c)s") % {"c": ", ".join(sorted(unbalanced))}
        )
    return cleaned


@transaction.atomic
def post(
    *,
    actor,
    kind: str,
    legs: Iterable[Leg],
    memo: str = "",
    community_id: int | None = None,
    idempotency_key: str | None = None,
    reverses: LedgerTransaction | None = None,
) -> LedgerTransaction:
    """Record one balanced transaction and move the cached balances, atomically.

    Accounts are locked in primary-key order; a balance that would go below zero (unless the account
    may go negative) raises ``InsufficientBalance``. The same idempotency key with the same content
    returns the first transaction; with other content it raises ``IdempotencyConflict``.
    """
    cleaned = _validate(list(legs))
    reverses_id = reverses.pk if reverses else None
    legs_for_hash = [(a.pk, a.commodity, q) for a, q in cleaned]
    own_hash = content_hash(kind=kind, memo=memo, legs=legs_for_hash, reverses_id=reverses_id)

    if idempotency_key:
        existing = LedgerTransaction.objects.filter(idempotency_key=idempotency_key).first()
        if existing is not None:
            if existing.content_hash != own_hash:
                raise IdempotencyConflict(
                    _("This idempotency key was already used for a different transaction.")
                )
            return existing

    locked = _lock_accounts(sorted({a.pk for a, _q in cleaned}))
    deltas: dict[int, Decimal] = defaultdict(Decimal)
    names: dict[int, Account] = {}
    for account, quantity in cleaned:
        deltas[account.pk] += quantity
        names[account.pk] = account
    for account_id, delta in deltas.items():
        balance, may_go_negative = locked[account_id]
        if not may_go_negative and balance + delta < 0:
            raise InsufficientBalance(
                _("Not enough in %(account)s: %(balance)s available, %(need)s needed.")
                % {"account": names[account_id], "balance": balance.normalize(), "need": -delta}
            )

    tx = LedgerTransaction(
        kind=kind,
        memo=memo,
        actor=actor if getattr(actor, "is_authenticated", False) else None,
        community_id=community_id,
        idempotency_key=idempotency_key or None,
        reverses=reverses,
        content_hash=own_hash,
    )
    try:
        if connection.vendor == "postgresql":
            _write_postgresql(tx, cleaned, deltas)
        else:
            _write_sqlite(tx, cleaned, deltas)
    except IntegrityError as exc:  # the enclosing atomic block rolls everything back
        raise _integrity_error(exc) from exc
    return tx


def _lock_accounts(ids: list[int]) -> dict[int, tuple[Decimal, bool]]:
    """Lock the accounts in primary-key order; their (balance, may_go_negative) as locked."""
    if connection.vendor == "postgresql":  # one plain statement: this runs on every post
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT id, balance, may_go_negative FROM ledger_account WHERE id = ANY(%s) "
                "ORDER BY id FOR UPDATE",
                [ids],
            )
            rows = cursor.fetchall()
        return {pk: (balance, may_go_negative) for pk, balance, may_go_negative in rows}
    # SQLite: the IMMEDIATE transaction already holds the one write lock. The balance is read as
    # text (SQLite's 15 significant digits, as Django's own converter) and made a Decimal.
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT id, CAST(balance AS TEXT), may_go_negative FROM ledger_account "
            f"WHERE id IN ({', '.join(['%s'] * len(ids))}) ORDER BY id",
            ids,
        )
        rows = cursor.fetchall()
    return {pk: (_quantize(Decimal(text)), bool(flag)) for pk, text, flag in rows}


def _integrity_error(exc: IntegrityError) -> Exception:
    """The domain error for a constraint the database enforced (the last guard)."""
    text = str(exc)
    if "ledger_account_balance_not_negative" in text:
        return InsufficientBalance(_("Not enough balance."))
    if "reverses" in text:
        return Conflict(_("This transaction has already been reversed."))
    if "idempotency_key" in text:  # a concurrent post with the same key won the race
        return IdempotencyConflict(_("This idempotency key is being used right now."))
    return exc


def _chain_head_exists(name: str) -> None:
    """A community's chain starts at its first transaction (and a test flush removes ``main``)."""
    ChainHead.objects.get_or_create(name=name, defaults={"last_hash": chain_genesis(name)})


def _write_sqlite(tx: LedgerTransaction, cleaned, deltas) -> None:
    """The chain's tip, the transaction, its postings and the balances in plain statements (the
    ORM costs more than the writes themselves here); values adapted exactly as the ORM does.
    SQLite's IMMEDIATE transaction holds the database's one write lock throughout."""
    name = chain_name(tx.community_id)
    ops = connection.ops
    with connection.cursor() as cursor:
        cursor.execute("SELECT last_hash FROM ledger_chainhead WHERE name = %s", [name])
        row = cursor.fetchone()
        if row is None:  # the chain's first transaction
            _chain_head_exists(name)
            row = (chain_genesis(name),)
        key = signing_key()
        tx.prev_hash = row[0]
        tx.hash = chain_hash(tx.prev_hash, tx.content_hash, key)
        tx.key_id = key.id
        tx.created_at = timezone.now()
        cursor.execute(
            "INSERT INTO ledger_transaction (kind, memo, actor_id, community_id, "
            "idempotency_key, reverses_id, created_at, content_hash, prev_hash, hash, key_id) "
            "VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s)",
            [
                tx.kind,
                tx.memo,
                tx.actor_id,
                tx.community_id,
                tx.idempotency_key,
                tx.reverses_id,
                ops.adapt_datetimefield_value(tx.created_at),
                tx.content_hash,
                tx.prev_hash,
                tx.hash,
                tx.key_id,
            ],
        )
        tx.pk = cursor.lastrowid
        cursor.executemany(
            "INSERT INTO ledger_posting (transaction_id, account_id, commodity, quantity) "
            "VALUES (%s, %s, %s, %s)",
            [
                (tx.pk, a.pk, a.commodity, ops.adapt_decimalfield_value(q, 24, 6))
                for a, q in cleaned
            ],
        )
        cursor.executemany(
            "UPDATE ledger_account SET balance = CAST((balance + CAST(%s AS NUMERIC)) AS NUMERIC) "
            "WHERE id = %s",
            [(ops.adapt_decimalfield_value(d, 24, 6), pk) for pk, d in deltas.items()],
        )
        cursor.execute(
            "UPDATE ledger_chainhead SET previous_hash = last_hash, last_hash = %s WHERE name = %s",
            [tx.hash, name],
        )
    tx._state.adding = False
    tx._state.db = connection.alias


# One statement (data-modifying CTEs), one round trip. ``tip`` moves the chain's tip first: its
# row lock is taken here, at the last moment, and held only until COMMIT; SET reads the tip's
# latest committed value (PostgreSQL re-reads a row it had to wait for), so the chain stays a
# line under concurrency. The new hash is ``services.chain_hash`` (an HMAC) computed by PostgreSQL
# from the key's padded blocks (``seal.hmac_sql``); the key itself never reaches the database.
_PG_POST = """
    WITH tip AS (
        UPDATE ledger_chainhead
        SET previous_hash = last_hash,
            last_hash = {hmac}
        WHERE name = %s
        RETURNING previous_hash, last_hash
    ), tx AS (
        INSERT INTO ledger_transaction (kind, memo, actor_id, community_id, idempotency_key,
            reverses_id, created_at, content_hash, prev_hash, hash, key_id)
        SELECT %s, %s, %s, %s, %s, %s, %s, %s, tip.previous_hash, tip.last_hash, %s
        FROM tip
        RETURNING id, prev_hash, hash
    ), legs AS (
        INSERT INTO ledger_posting (transaction_id, account_id, commodity, quantity)
        SELECT tx.id, v.account_id, v.commodity, v.quantity
        FROM tx, (VALUES {legs}) AS v(account_id, commodity, quantity)
    ), balances AS (
        UPDATE ledger_account SET balance = ledger_account.balance + d.delta
        FROM (VALUES {deltas}) AS d(id, delta), tx WHERE ledger_account.id = d.id
    )
    SELECT id, prev_hash, hash FROM tx
"""
# The tip's new hash: parameters opad, ipad (bytea), then the content hash.
_PG_TIP_HMAC = hmac_sql(opad="%s::bytea", ipad="%s::bytea", message="last_hash || ':' || %s")


def _write_postgresql(tx: LedgerTransaction, cleaned, deltas) -> None:
    """The same writes as ``_write_sqlite`` in one statement (see ``_PG_POST``). Constraints (CHECK,
    unique) apply exactly as in the ORM path."""
    key = signing_key()
    tx.key_id = key.id
    tx.created_at = timezone.now()
    sql = _PG_POST.format(
        hmac=_PG_TIP_HMAC,
        legs=", ".join(["(%s::bigint, %s::varchar, %s::numeric)"] * len(cleaned)),
        deltas=", ".join(["(%s::bigint, %s::numeric)"] * len(deltas)),
    )
    params: list = [
        key.opad,
        key.ipad,
        tx.content_hash,
        chain_name(tx.community_id),
        tx.kind,
        tx.memo,
        tx.actor_id,
        tx.community_id,
        tx.idempotency_key,
        tx.reverses_id,
        tx.created_at,
        tx.content_hash,
        tx.key_id,
    ]
    for account, quantity in cleaned:
        params += [account.pk, account.commodity, quantity]
    for account_id, delta in deltas.items():
        params += [account_id, delta]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        row = cursor.fetchone()
        if row is None:  # the chain's first transaction: start its tip, write again
            _chain_head_exists(chain_name(tx.community_id))
            cursor.execute(sql, params)
            row = cursor.fetchone()
    tx.pk, tx.prev_hash, tx.hash = row
    tx._state.adding = False
    tx._state.db = connection.alias


@transaction.atomic
def reverse(*, actor, transaction_id: int, memo: str = "") -> LedgerTransaction:
    """Undo a transaction with a new one that posts the opposite quantities (冲正)."""
    original = LedgerTransaction.objects.select_for_update().get(pk=transaction_id)
    if original.reverses_id is not None:
        raise Conflict(_("A reversal cannot itself be reversed; post a new transaction."))
    if LedgerTransaction.objects.filter(reverses=original).exists():
        raise Conflict(_("This transaction has already been reversed."))
    legs = [Leg(p.account, -p.quantity) for p in original.postings.select_related("account")]
    return post(
        actor=actor,
        kind=f"{original.kind}.reversal",
        legs=legs,
        memo=memo or f"reversal of #{original.pk}",
        community_id=original.community_id,
        reverses=original,
    )
