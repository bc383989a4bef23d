"""Reads of the ledger, and the verification that every cached figure follows from the postings."""

from __future__ import annotations

from collections import defaultdict
from decimal import Decimal

from django.db.models import Sum

from linli.ledger.models import Account, ChainHead, LedgerTransaction, Posting
from linli.ledger.services import CHAIN, GENESIS, chain_hash, content_hash


def ledger_problems(batch_size: int = 5000) -> list[str]:
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

    prev = GENESIS
    last_id = 0
    while True:
        transactions = list(
            LedgerTransaction.objects.filter(id__gt=last_id)
            .order_by("id")
            .values("id", "kind", "memo", "reverses_id", "content_hash", "prev_hash", "hash")[
                :batch_size
            ]
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
            if t["prev_hash"] != prev or t["hash"] != chain_hash(prev, t["content_hash"]):
                problems.append(f"transaction {t['id']}: hash chain broken")
            prev = t["hash"]
        last_id = ids[-1]
    head = ChainHead.objects.filter(name=CHAIN).values_list("last_hash", flat=True).first()
    if head is not None and head != prev:
        problems.append("chain head does not point at the last transaction")
    return problems


def account_postings(account: Account):
    return account.postings.select_related("transaction").order_by("-id")
