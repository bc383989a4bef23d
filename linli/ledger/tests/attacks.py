"""What an attacker with the database (and the project's code) can do to the ledger: rewrite rows
past the append-only triggers, then recompute content hashes, chain links, heads and balances
with the project's own functions — with or without the ledger key."""

from __future__ import annotations

from collections import defaultdict
from decimal import Decimal

from django.db import connection

from linli.ledger.models import ChainHead, LedgerTransaction, Posting
from linli.ledger.reseal import append_only_lifted
from linli.ledger.seal import LedgerKey, ledger_key
from linli.ledger.selectors import chain_of, legacy_until_id
from linli.ledger.services import chain_genesis, chain_hash, content_hash, unkeyed_chain_hash

ATTACKER_KEY = ledger_key("the attacker's own key, not the site's" * 2)


def tamper(sql: str, params) -> None:
    """Raw SQL with the append-only triggers lifted (the database owner can)."""
    with append_only_lifted(), connection.cursor() as cursor:
        cursor.execute(sql, params)


def fix_balances() -> None:
    """Every cached balance set to the sum of its postings, so balances agree again."""
    totals: dict[int, Decimal] = defaultdict(Decimal)
    for account_id, quantity in Posting.objects.values_list("account_id", "quantity"):
        totals[account_id] += quantity
    with connection.cursor() as cursor:
        cursor.execute("UPDATE ledger_account SET balance = 0")
        for account_id, total in totals.items():
            cursor.execute(
                "UPDATE ledger_account SET balance = %s WHERE id = %s", [str(total), account_id]
            )


def reseal_as_attacker(key: LedgerKey | None, *, key_id: str | None = None) -> None:
    """Recompute every content hash from the (rewritten) postings and every chain link, with
    ``key`` (``None``: the plain SHA-256 of before ADR 0015), recording ``key_id`` (default: the
    key's own id; pass the site key's id to pose as it), then move the chain heads."""
    legs: dict[int, list] = defaultdict(list)
    for row in Posting.objects.values_list("transaction_id", "account_id", "commodity", "quantity"):
        legs[row[0]].append(row[1:])
    legacy_until = legacy_until_id()
    tips: dict[str, tuple[str, str]] = {}
    rows = []
    for t in LedgerTransaction.objects.order_by("id").values(
        "id", "kind", "memo", "reverses_id", "community_id"
    ):
        own = content_hash(
            kind=t["kind"], memo=t["memo"], legs=legs[t["id"]], reverses_id=t["reverses_id"]
        )
        chain = chain_of(t["id"], t["community_id"], legacy_until)
        prev = tips[chain][1] if chain in tips else chain_genesis(chain)
        new = chain_hash(prev, own, key) if key else unkeyed_chain_hash(prev, own)
        kid = key_id if key_id is not None else (key.id if key else "")
        rows.append((own, prev, new, kid, t["id"]))
        tips[chain] = (prev, new)
    with append_only_lifted(), connection.cursor() as cursor:
        cursor.executemany(
            "UPDATE ledger_transaction SET content_hash = %s, prev_hash = %s, hash = %s, "
            "key_id = %s WHERE id = %s",
            rows,
        )
    for chain, (prev, new) in tips.items():
        ChainHead.objects.filter(name=chain).update(previous_hash=prev, last_hash=new)
    fix_balances()
