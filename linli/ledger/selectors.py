"""Reads of the ledger, and the verification that every cached figure follows from the postings.

``ledger_problems()`` (what ``manage.py ledger_verify`` runs) always recomputes every account's
balance from all its postings. The expensive part — rebuilding each transaction's content hash
and walking the hash chains — runs from the latest checkpoint on (``LedgerCheckpoint``); postings
before it are checked, in the same pass over the postings, against the per-account sums and
counts the checkpoint recorded when it re-derived them in full. ``full=True`` re-derives
everything from the first transaction (ADR 0008).

Each chain link and each checkpoint's digest is an HMAC under a ledger key kept outside the
database (``seal``, ADR 0015): rewriting amounts, fixing the balances and recomputing the hashes
with this module's functions but without the key is reported.
"""

from __future__ import annotations

import json
from collections import defaultdict
from decimal import Decimal

from django.db import connection
from django.db.models import Count, Q, Sum

from linli.ledger.models import (
    Account,
    ChainHead,
    CheckpointAccount,
    LedgerCheckpoint,
    LedgerTransaction,
    Posting,
)
from linli.ledger.seal import LedgerKey, hmac_sql, key_by_id, ledger_keys, mac
from linli.ledger.services import (
    CHAIN,
    GENESIS,
    chain_genesis,
    chain_hash,
    chain_name,
    content_hash,
    unkeyed_chain_hash,
)

NOT_SEALED = "not sealed with a ledger key"


def latest_checkpoint() -> LedgerCheckpoint | None:
    return LedgerCheckpoint.objects.order_by("-upto_id", "-id").first()


def checkpoint_digest(
    *,
    upto_id: int,
    transactions: int,
    postings: int,
    tips: dict[str, str],
    accounts,
    key: LedgerKey,
) -> str:
    """HMAC-SHA256 under ``key`` over everything a checkpoint records; ``accounts`` = (id, total,
    postings)."""
    lines = ["linli-checkpoint", str(upto_id), str(transactions), str(postings)]
    lines.append(json.dumps(tips, sort_keys=True))
    lines += [f"{a}:{Decimal(t).quantize(Decimal('0.000001'))}:{n}" for a, t, n in sorted(accounts)]
    return mac(key, "\n".join(lines))


def chain_of(tx_id: int, community_id: int | None, legacy_until: int) -> str:
    """The chain a stored transaction belongs to (before the split of ADR 0008: ``main``)."""
    return CHAIN if tx_id <= legacy_until else chain_name(community_id)


def _key_problem(what: str, kid: str) -> str:
    if not kid:
        return f"{what}: {NOT_SEALED} (a ledger from before ADR 0015: manage.py ledger_reseal)"
    return f"{what}: sealed by an unknown ledger key {kid} (is LINLI_LEDGER_KEYS complete?)"


def ledger_problems(
    *, full: bool = False, batch_size: int = 5000, accept_unkeyed: bool = False
) -> list[str]:
    """Everything wrong with the ledger (empty when sound):

    - an account whose cached balance differs from the sum of all its postings, or is negative
      when it may not be;
    - from the latest checkpoint on (from the start when ``full`` or without one): a transaction
      whose postings do not sum to zero per commodity, whose content does not match its hash, or
      that does not link to its chain; a chain head not at its chain's last transaction;
    - before the checkpoint: an account whose postings up to it no longer have the sum and count
      the checkpoint recorded, a checkpoint whose rows do not match its digest, a changed number
      of transactions, a chain tip that moved;
    - a link or a checkpoint not sealed with a configured ledger key. ``accept_unkeyed`` (for
      ``ledger_reseal`` only, in full) accepts the plain SHA-256 links of before ADR 0015.
    """
    checkpoint = None if full or accept_unkeyed else latest_checkpoint()
    if connection.vendor == "postgresql" and not accept_unkeyed:
        return _problems_postgresql(checkpoint)
    return _problems_python(checkpoint, batch_size, accept_unkeyed=accept_unkeyed)


def legacy_until_id() -> int:
    """Transactions up to this id form the single chain of before ADR 0008 (-1: none)."""
    value = ChainHead.objects.filter(name=CHAIN).values_list("legacy_until", flat=True).first()
    return -1 if value is None else value


def _checkpoint_problems(checkpoint: LedgerCheckpoint | None) -> list[str]:
    """The checkpoint's own rows still match its digest; its transactions and tips are there."""
    if checkpoint is None:
        return []
    problems = []
    rows = list(checkpoint.accounts.values_list("account_id", "total", "postings"))
    key = key_by_id(checkpoint.key_id)
    if key is None:
        problems.append(_key_problem(f"checkpoint {checkpoint.pk}", checkpoint.key_id))
    else:
        digest = checkpoint_digest(
            upto_id=checkpoint.upto_id,
            transactions=checkpoint.transactions,
            postings=checkpoint.postings,
            tips=checkpoint.tips,
            accounts=rows,
            key=key,
        )
        if digest != checkpoint.digest or sum(n for _a, _t, n in rows) != checkpoint.postings:
            problems.append(f"checkpoint {checkpoint.pk}: its rows do not match its digest")
    count = LedgerTransaction.objects.filter(id__lte=checkpoint.upto_id).count()
    if count != checkpoint.transactions:
        problems.append(
            f"checkpoint {checkpoint.pk}: {count} transactions up to it, "
            f"{checkpoint.transactions} recorded"
        )
    found = dict(
        LedgerTransaction.objects.filter(hash__in=list(checkpoint.tips.values())).values_list(
            "hash", "id"
        )
    )
    for chain, tip in checkpoint.tips.items():
        if tip == chain_genesis(chain):
            continue
        tip_id = found.get(tip)
        if tip_id is None or tip_id > checkpoint.upto_id:
            problems.append(f"checkpoint {checkpoint.pk}: the tip of chain {chain} is gone")
    return problems


def _head_problems(tips: dict[str, str]) -> list[str]:
    """Each chain's head must point at its last transaction."""
    problems = []
    heads = dict(ChainHead.objects.values_list("name", "last_hash"))
    for name in sorted(set(heads) | set(tips)):
        if heads.get(name, chain_genesis(name)) != tips.get(name, chain_genesis(name)):
            problems.append(f"chain head {name} does not point at its last transaction")
    return problems


def _balance_problem(account_id, balance, may_go_negative, total) -> list[str]:
    problems = []
    if balance != total:
        problems.append(f"account {account_id}: cached balance {balance} != postings {total}")
    if balance < 0 and not may_go_negative:
        problems.append(f"account {account_id}: negative balance {balance}")
    return problems


def _old_sums_problem(account_id, recorded, found) -> list[str]:
    if recorded == found:
        return []
    return [
        f"account {account_id}: postings up to the checkpoint are {found[0]} in {found[1]} "
        f"rows, the checkpoint recorded {recorded[0]} in {recorded[1]}"
    ]


# --- PostgreSQL: set-based --------------------------------------------------------------------

# Which chain a transaction belongs to (``services.chain_name``; before the split, ``main``).
_PG_CHAIN_OF = (
    "CASE WHEN t.id <= %(legacy_until)s OR t.community_id IS NULL THEN 'main' "
    "ELSE 'community:' || t.community_id END"
)

# One pass over all postings: every balance, and each account's postings up to the checkpoint
# (all of them less the few after it: one full numeric sum, not two).
_PG_BALANCE_CHECKS = """
SELECT a.id, a.balance, a.may_go_negative, COALESCE(p.total, 0),
       COALESCE(c.total, 0), COALESCE(c.postings, 0),
       COALESCE(p.total - p.new_total, 0), COALESCE(p.n - p.new_n, 0)
FROM ledger_account a
LEFT JOIN (
    SELECT account_id, SUM(quantity) AS total, COUNT(*) AS n,
           COALESCE(SUM(quantity) FILTER (WHERE transaction_id > %(upto)s), 0) AS new_total,
           COUNT(*) FILTER (WHERE transaction_id > %(upto)s) AS new_n
    FROM ledger_posting GROUP BY account_id
) p ON p.account_id = a.id
LEFT JOIN ledger_checkpoint_account c ON c.account_id = a.id AND c.checkpoint_id = %(checkpoint)s
WHERE a.balance <> COALESCE(p.total, 0)
   OR (a.balance < 0 AND NOT a.may_go_negative)
   OR COALESCE(c.total, 0) <> COALESCE(p.total - p.new_total, 0)
   OR COALESCE(c.postings, 0) <> COALESCE(p.n - p.new_n, 0)
LIMIT 1000
"""

# The canonical content of ``services.content_hash``, rebuilt in SQL: per transaction, legs
# ordered by (commodity, account, quantity) as "account,commodity,quantity" joined by ";", after
# kind, memo and reversed id, separated by the ASCII unit separator chr(31). Only transactions
# after the checkpoint; each chain links from the checkpoint's tip (or its genesis). Each link is
# ``services.chain_hash``, the HMAC under the key the transaction names, computed from the keys'
# padded blocks passed as arrays (``seal.hmac_sql``); an unknown or empty key id fails.
_PG_CONTENT = """encode(sha256(convert_to(c.kind || chr(31) || c.memo || chr(31)
    || COALESCE(c.reverses_id::text, '') || chr(31) || COALESCE(p.legs, ''), 'UTF8')), 'hex')"""
_PG_LINK = hmac_sql(opad="k.opad", ipad="k.ipad", message="c.prev_hash || ':' || c.content_hash")
_PG_TRANSACTION_CHECKS = f"""
WITH per_commodity AS (
    SELECT transaction_id, commodity,
           SUM(quantity) AS total,
           string_agg(account_id::text || ',' || commodity || ',' || quantity::text, ';'
                      ORDER BY account_id, quantity) AS legs,
           COUNT(*) AS n
    FROM ledger_posting WHERE transaction_id > %(upto)s GROUP BY transaction_id, commodity
), per_tx AS (
    SELECT transaction_id,
           bool_and(total = 0) AS balanced,
           SUM(n) AS n,
           string_agg(legs, ';' ORDER BY commodity COLLATE "C") AS legs
    FROM per_commodity GROUP BY transaction_id
), chained AS (
    SELECT k.id, k.kind, k.memo, k.reverses_id, k.content_hash, k.prev_hash, k.hash, k.key_id,
           COALESCE(
               LAG(k.hash) OVER (PARTITION BY k.chain ORDER BY k.id),
               %(tips)s::jsonb ->> k.chain,
               CASE WHEN k.chain = 'main' THEN %(genesis)s
                    ELSE encode(sha256(convert_to('linli-chain:' || k.chain, 'UTF8')), 'hex') END
           ) AS expected_prev
    FROM (SELECT t.*, {_PG_CHAIN_OF} AS chain FROM ledger_transaction t
          WHERE t.id > %(upto)s) k
), checked AS (
    SELECT c.id, c.key_id, k.key_id IS NOT NULL AS known,
           COALESCE(p.balanced AND p.n >= 2, FALSE) AS balanced,
           {_PG_CONTENT} = c.content_hash AS content_ok,
           c.prev_hash = c.expected_prev AND COALESCE(c.hash = {_PG_LINK}, FALSE) AS chain_ok
    FROM chained c
    LEFT JOIN per_tx p ON p.transaction_id = c.id
    LEFT JOIN unnest(%(key_ids)s::text[], %(opads)s::bytea[], %(ipads)s::bytea[])
        AS k(key_id, opad, ipad) ON k.key_id = c.key_id
)
SELECT id, key_id, known, balanced, content_ok, chain_ok FROM checked
WHERE NOT (known AND balanced AND content_ok AND chain_ok)
ORDER BY id
LIMIT 1000
"""

_PG_TIPS = f"""
SELECT DISTINCT ON (chain) chain, hash
FROM (SELECT t.id, t.hash, {_PG_CHAIN_OF} AS chain FROM ledger_transaction t
      WHERE t.id > %(upto)s) k
ORDER BY chain, id DESC
"""


def _problems_postgresql(checkpoint: LedgerCheckpoint | None) -> list[str]:
    problems = _checkpoint_problems(checkpoint)
    tips = dict(checkpoint.tips) if checkpoint else {}
    params = {
        "upto": checkpoint.upto_id if checkpoint else 0,
        "checkpoint": checkpoint.pk if checkpoint else None,
        "tips": json.dumps(tips),
        "genesis": GENESIS,
        "legacy_until": legacy_until_id(),
        "key_ids": [k.id for k in ledger_keys()],
        "opads": [k.opad for k in ledger_keys()],
        "ipads": [k.ipad for k in ledger_keys()],
    }
    with connection.cursor() as cursor:
        cursor.execute(_PG_BALANCE_CHECKS, params)
        for row in cursor.fetchall():
            account_id, balance, may_go_negative, total = row[:4]
            problems += _balance_problem(account_id, balance, may_go_negative, total)
            problems += _old_sums_problem(account_id, (row[4], row[5]), (row[6], row[7]))
        cursor.execute(_PG_TRANSACTION_CHECKS, params)
        for tx_id, kid, known, balanced, content_ok, chain_ok in cursor.fetchall():
            if not balanced:
                problems.append(f"transaction {tx_id}: postings do not balance")
            if not content_ok:
                problems.append(f"transaction {tx_id}: content does not match its hash")
            if not known:
                problems.append(_key_problem(f"transaction {tx_id}", kid))
            elif not chain_ok:
                problems.append(f"transaction {tx_id}: hash chain broken")
        cursor.execute(_PG_TIPS, params)
        tips.update(dict(cursor.fetchall()))
    return problems + _head_problems(tips)


# --- anywhere else (SQLite): in Python, in batches -----------------------------------------------


def _problems_python(
    checkpoint: LedgerCheckpoint | None, batch_size: int = 5000, *, accept_unkeyed: bool = False
) -> list[str]:
    problems = _checkpoint_problems(checkpoint)
    upto = checkpoint.upto_id if checkpoint else 0
    old = Q(transaction_id__lte=upto)
    sums = {
        row["account_id"]: row
        for row in Posting.objects.values("account_id")
        .annotate(
            total=Sum("quantity"),
            old_total=Sum("quantity", filter=old),
            old_n=Count("id", filter=old),
        )
        .order_by()
    }
    recorded = (
        {
            a: (t, n)
            for a, t, n in CheckpointAccount.objects.filter(checkpoint=checkpoint).values_list(
                "account_id", "total", "postings"
            )
        }
        if checkpoint
        else {}
    )
    for account_id, balance, may_go_negative in Account.objects.values_list(
        "id", "balance", "may_go_negative"
    ).iterator(chunk_size=batch_size):
        row = sums.get(account_id, {})
        problems += _balance_problem(
            account_id, balance, may_go_negative, row.get("total") or Decimal(0)
        )
        problems += _old_sums_problem(
            account_id,
            recorded.get(account_id, (Decimal(0), 0)),
            (row.get("old_total") or Decimal(0), row.get("old_n") or 0),
        )

    legacy_until = legacy_until_id()
    keys = {k.id: k for k in ledger_keys()}
    tips: dict[str, str] = dict(checkpoint.tips) if checkpoint else {}
    last_id = upto
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
                "key_id",
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
            chain = chain_of(t["id"], t["community_id"], legacy_until)
            prev = tips.get(chain) or chain_genesis(chain)
            key = keys.get(t["key_id"])
            if key is not None:
                link = chain_hash(prev, t["content_hash"], key)
            elif accept_unkeyed and not t["key_id"]:
                link = unkeyed_chain_hash(prev, t["content_hash"])
            else:
                link = None
                problems.append(_key_problem(f"transaction {t['id']}", t["key_id"]))
            if t["prev_hash"] != prev or (link is not None and t["hash"] != link):
                problems.append(f"transaction {t['id']}: hash chain broken")
            tips[chain] = t["hash"]
        last_id = ids[-1]
    return problems + _head_problems(tips)


def account_postings(account: Account):
    return account.postings.select_related("transaction").order_by("-id")
