"""Reads of the ledger, and the verification that every cached figure follows from the postings."""

from __future__ import annotations

from collections import defaultdict
from decimal import Decimal

from django.db import connection
from django.db.models import Sum

from linli.ledger.models import Account, ChainHead, LedgerTransaction, Posting
from linli.ledger.services import (
    CHAIN,
    GENESIS,
    chain_genesis,
    chain_hash,
    chain_name,
    content_hash,
)


def ledger_problems(batch_size: int = 5000) -> list[str]:
    """See ``_problems_python``; on PostgreSQL the same checks run as set-based SQL."""
    if connection.vendor == "postgresql":
        return _problems_postgresql()
    return _problems_python(batch_size)


# Which chain a transaction belongs to (``services.chain_name``; before the split, ``main``).
_PG_CHAIN_OF = (
    "CASE WHEN t.id <= %(legacy_until)s OR t.community_id IS NULL THEN 'main' "
    "ELSE 'community:' || t.community_id END"
)

# The canonical content of ``services.content_hash``, rebuilt in SQL: per transaction, legs
# ordered by (commodity, account, quantity) as "account,commodity,quantity" joined by ";", after
# kind, memo and reversed id, separated by the ASCII unit separator chr(31).
_PG_TRANSACTION_CHECKS = (
    """
WITH per_commodity AS (
    SELECT transaction_id, commodity,
           SUM(quantity) AS total,
           string_agg(account_id::text || ',' || commodity || ',' || quantity::text, ';'
                      ORDER BY account_id, quantity) AS legs,
           COUNT(*) AS n
    FROM ledger_posting GROUP BY transaction_id, commodity
), per_tx AS (
    SELECT transaction_id,
           bool_and(total = 0) AS balanced,
           SUM(n) AS n,
           string_agg(legs, ';' ORDER BY commodity COLLATE "C") AS legs
    FROM per_commodity GROUP BY transaction_id
), chained AS (
    SELECT k.id, k.kind, k.memo, k.reverses_id, k.content_hash, k.prev_hash, k.hash,
           COALESCE(
               LAG(k.hash) OVER (PARTITION BY k.chain ORDER BY k.id),
               CASE WHEN k.chain = 'main' THEN %(genesis)s
                    ELSE encode(sha256(convert_to('linli-chain:' || k.chain, 'UTF8')), 'hex') END
           ) AS expected_prev
    FROM (SELECT t.*, """
    + "{chain}"
    + """ AS chain FROM ledger_transaction t) k
)
SELECT c.id,
       COALESCE(p.balanced AND p.n >= 2, FALSE) AS balanced,
       encode(sha256(convert_to(c.kind || chr(31) || c.memo || chr(31)
              || COALESCE(c.reverses_id::text, '') || chr(31) || COALESCE(p.legs, ''), 'UTF8')),
              'hex') = c.content_hash AS content_ok,
       c.prev_hash = c.expected_prev
       AND c.hash = encode(sha256(convert_to(c.prev_hash || ':' || c.content_hash, 'UTF8')), 'hex')
       AS chain_ok
FROM chained c LEFT JOIN per_tx p ON p.transaction_id = c.id
WHERE NOT (COALESCE(p.balanced AND p.n >= 2, FALSE))
   OR encode(sha256(convert_to(c.kind || chr(31) || c.memo || chr(31)
             || COALESCE(c.reverses_id::text, '') || chr(31) || COALESCE(p.legs, ''), 'UTF8')),
             'hex') <> c.content_hash
   OR c.prev_hash <> c.expected_prev
   OR c.hash <> encode(sha256(convert_to(c.prev_hash || ':' || c.content_hash, 'UTF8')), 'hex')
ORDER BY c.id
LIMIT 1000
"""
)

_PG_BALANCE_CHECKS = """
SELECT a.id, a.balance, COALESCE(p.total, 0), a.may_go_negative
FROM ledger_account a
LEFT JOIN (SELECT account_id, SUM(quantity) AS total FROM ledger_posting GROUP BY account_id) p
       ON p.account_id = a.id
WHERE a.balance <> COALESCE(p.total, 0) OR (a.balance < 0 AND NOT a.may_go_negative)
LIMIT 1000
"""


def _problems_postgresql() -> list[str]:
    problems: list[str] = []
    with connection.cursor() as cursor:
        cursor.execute(_PG_BALANCE_CHECKS)
        for account_id, balance, total, may_go_negative in cursor.fetchall():
            if balance != total:
                problems.append(
                    f"account {account_id}: cached balance {balance} != postings {total}"
                )
            if balance < 0 and not may_go_negative:
                problems.append(f"account {account_id}: negative balance {balance}")
        legacy_until = _legacy_until()
        params = {"genesis": GENESIS, "legacy_until": legacy_until}
        cursor.execute(_PG_TRANSACTION_CHECKS.replace("{chain}", _PG_CHAIN_OF), params)
        for tx_id, balanced, content_ok, chain_ok in cursor.fetchall():
            if not balanced:
                problems.append(f"transaction {tx_id}: postings do not balance")
            if not content_ok:
                problems.append(f"transaction {tx_id}: content does not match its hash")
            if not chain_ok:
                problems.append(f"transaction {tx_id}: hash chain broken")
        cursor.execute(
            f"SELECT DISTINCT ON (chain) chain, hash FROM (SELECT t.id, t.hash, {_PG_CHAIN_OF}"
            " AS chain FROM ledger_transaction t) k ORDER BY chain, id DESC",
            params,
        )
        tips = dict(cursor.fetchall())
    problems += _head_problems(tips)
    return problems


def _legacy_until() -> int:
    """Transactions up to this id form the single chain of before ADR 0008 (-1: none)."""
    value = ChainHead.objects.filter(name=CHAIN).values_list("legacy_until", flat=True).first()
    return -1 if value is None else value


def _head_problems(tips: dict[str, str]) -> list[str]:
    """Each chain's head must point at its last transaction."""
    problems = []
    heads = dict(ChainHead.objects.values_list("name", "last_hash"))
    for name in sorted(set(heads) | set(tips)):
        if heads.get(name, chain_genesis(name)) != tips.get(name, chain_genesis(name)):
            problems.append(f"chain head {name} does not point at its last transaction")
    return problems


def _problems_python(batch_size: int = 5000) -> list[str]:
    """Everything wrong with the ledger (empty when sound):

    - an account whose cached balance differs from the sum of its postings, or is negative when it
      may not be;
    - a transaction whose postings do not sum to zero per commodity;
    - a transaction whose content or chain hash does not match its rows (tampering).
    """
    problems: list[str] = []
    sums = dict(
        Posting.objects.values_list("account_id").annotate(total=Sum("quantity")).order_by()
    )
    for account_id, balance, may_go_negative in Account.objects.values_list(
        "id", "balance", "may_go_negative"
    ).iterator(chunk_size=batch_size):
        total = sums.get(account_id) or Decimal(0)
        if total != balance:
            problems.append(f"account {account_id}: cached balance {balance} != postings {total}")
        if balance < 0 and not may_go_negative:
            problems.append(f"account {account_id}: negative balance {balance}")

    legacy_until = _legacy_until()
    tips: dict[str, str] = {}
    last_id = 0
    while True:
        transactions = list(
            LedgerTransaction.objects.filter(id__gt=last_id)
            .order_by("id")
            .values(
                "id",
                "kind",
                "memo",
                "reverses_id",
                "content_hash",
                "prev_hash",
                "hash",
                "community_id",
            )[:batch_size]
        )
        if not transactions:
            break
        ids = [t["id"] for t in transactions]
        legs: dict[int, list] = defaultdict(list)
        for tx_id, account_id, commodity, quantity in Posting.objects.filter(
            transaction_id__in=ids
        ).values_list("transaction_id", "account_id", "commodity", "quantity"):
            legs[tx_id].append((account_id, commodity, quantity))
        for t in transactions:
            totals: dict[str, Decimal] = defaultdict(Decimal)
            for _account_id, commodity, quantity in legs[t["id"]]:
                totals[commodity] += quantity
            if any(v != 0 for v in totals.values()) or len(legs[t["id"]]) < 2:
                problems.append(f"transaction {t['id']}: postings do not balance")
            recomputed = content_hash(
                kind=t["kind"], memo=t["memo"], legs=legs[t["id"]], reverses_id=t["reverses_id"]
            )
            if recomputed != t["content_hash"]:
                problems.append(f"transaction {t['id']}: content does not match its hash")
            chain = CHAIN if t["id"] <= legacy_until else chain_name(t["community_id"])
            prev = tips.get(chain) or chain_genesis(chain)
            if t["prev_hash"] != prev or t["hash"] != chain_hash(prev, t["content_hash"]):
                problems.append(f"transaction {t['id']}: hash chain broken")
            tips[chain] = t["hash"]
        last_id = ids[-1]
    return problems + _head_problems(tips)


def account_postings(account: Account):
    return account.postings.select_related("transaction").order_by("-id")
