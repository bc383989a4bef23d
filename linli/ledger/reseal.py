"""Re-signing the whole ledger under the newest ledger key (``manage.py ledger_reseal``, ADR 0015),
and lifting the append-only triggers (and the accounts' immutability triggers) for the two
operations that may rewrite ledger rows: this one and ``flush`` (which empties the database).

Resealing is for two cases only: a development database whose transactions were written before
the chain was keyed (their key id is empty), and retiring an old key after a rotation. It
refuses unless the ledger verifies in full first, each link under the scheme it was written with.
"""

from __future__ import annotations

from contextlib import contextmanager

from django.db import DEFAULT_DB_ALIAS, connection, connections, transaction
from django.db.models import Max, Min

from linli.ledger.models import ChainHead, LedgerTransaction
from linli.ledger.seal import signing_key
from linli.ledger.selectors import chain_of, ledger_problems, legacy_until_id
from linli.ledger.services import chain_genesis, chain_hash

APPEND_ONLY_TABLES = (
    "ledger_posting",
    "ledger_transaction",
    "ledger_checkpoint",
    "ledger_checkpoint_account",
)
# Every ledger table with a trigger refusing changes, and (PostgreSQL) that trigger's name.
# Accounts: immutable except their balance (migration 0008).
GUARDED_TABLES = {table: f"{table}_append_only" for table in APPEND_ONLY_TABLES} | {
    "ledger_account": "ledger_account_immutable"
}


@contextmanager
def append_only_lifted(using: str = DEFAULT_DB_ALIAS):
    """The append-only triggers (and the accounts' immutability one) switched off inside one
    database transaction, and on again when it ends (DDL is transactional on both databases: a
    failure leaves them as they were).

    PostgreSQL: ``ALTER TABLE … DISABLE TRIGGER`` (needs the tables' owner). SQLite has no
    switch: the triggers are dropped and created again from their own stored SQL."""
    conn = connections[using]
    with transaction.atomic(using=using), conn.cursor() as cursor:
        if conn.vendor == "postgresql":
            # ALTER TABLE refuses while deferred foreign-key checks are pending: run them now,
            # and keep them immediate until the triggers are back.
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
            for table, trigger in GUARDED_TABLES.items():
                cursor.execute(f"ALTER TABLE {table} DISABLE TRIGGER {trigger}")
            yield
            for table, trigger in GUARDED_TABLES.items():
                cursor.execute(f"ALTER TABLE {table} ENABLE TRIGGER {trigger}")
            cursor.execute("SET CONSTRAINTS ALL DEFERRED")
            return
        if conn.vendor != "sqlite":  # pragma: no cover - no other database is supported
            yield
            return
        marks = ", ".join(["%s"] * len(GUARDED_TABLES))
        cursor.execute(
            f"SELECT name, sql FROM sqlite_master WHERE type = 'trigger' AND tbl_name IN ({marks})",
            list(GUARDED_TABLES),
        )
        triggers = cursor.fetchall()
        for name, _sql in triggers:
            cursor.execute(f'DROP TRIGGER "{name}"')
        yield
        for _name, sql in triggers:
            cursor.execute(sql)


@transaction.atomic
def ledger_reseal(*, batch_size: int = 5000) -> tuple[int, list[str]]:
    """(transactions re-signed, []) after re-signing every chain under the newest key and writing
    a checkpoint; (0, problems) when the ledger does not verify first and nothing changes.

    Transactions without a key id (written before ADR 0015) are accepted only as a prefix of the
    ledger, older than every keyed one: that is what migration 0006 leaves behind, whereas a chain
    someone rewrote without the key would have to end unkeyed after keyed transactions. Posts
    wait meanwhile (the transaction table is locked; on SQLite the write transaction does it)."""
    from linli.ledger.checkpoints import checkpoint_create

    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("LOCK TABLE ledger_transaction IN EXCLUSIVE MODE")
    unkeyed = LedgerTransaction.objects.filter(key_id="").aggregate(last=Max("id"))["last"]
    keyed = LedgerTransaction.objects.exclude(key_id="").aggregate(first=Min("id"))["first"]
    if unkeyed is not None and keyed is not None and unkeyed > keyed:
        return 0, [
            f"transaction {unkeyed} has no ledger key but comes after sealed transaction "
            f"{keyed}: it was rewritten, not written before the chain was keyed. Not resealing."
        ]
    problems = ledger_problems(full=True, accept_unkeyed=True, batch_size=batch_size)
    if problems:
        return 0, problems

    key = signing_key()
    legacy_until = legacy_until_id()
    tips: dict[str, str] = {}
    previous: dict[str, str] = {}
    done, last_id = 0, 0
    with append_only_lifted(), connection.cursor() as cursor:
        while True:
            rows = list(
                LedgerTransaction.objects.filter(id__gt=last_id)
                .order_by("id")
                .values_list("id", "community_id", "content_hash")[:batch_size]
            )
            if not rows:
                break
            updates = []
            for tx_id, community_id, own in rows:
                chain = chain_of(tx_id, community_id, legacy_until)
                prev = tips.get(chain) or chain_genesis(chain)
                new = chain_hash(prev, own, key)
                updates.append((prev, new, key.id, tx_id))
                previous[chain], tips[chain] = prev, new
            cursor.executemany(
                "UPDATE ledger_transaction SET prev_hash = %s, hash = %s, key_id = %s "
                "WHERE id = %s",
                updates,
            )
            done += len(rows)
            last_id = rows[-1][0]
    for chain, tip in tips.items():
        ChainHead.objects.filter(name=chain).update(last_hash=tip, previous_hash=previous[chain])
    made, problems = checkpoint_create()
    if problems:  # pragma: no cover - the resealed ledger verified a moment ago
        raise RuntimeError("ledger_reseal: " + "; ".join(problems[:5]))
    return done, []
