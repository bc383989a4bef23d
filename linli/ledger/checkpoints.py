"""Writing a checkpoint (``manage.py ledger_verify --checkpoint``): re-derive the whole ledger,
then record where it stood, so later verifications need re-derive only what came after."""

from __future__ import annotations

from django.db import connection, transaction
from django.db.models import Count, Max, Sum

from linli.ledger.models import (
    ChainHead,
    CheckpointAccount,
    LedgerCheckpoint,
    LedgerTransaction,
    Posting,
)
from linli.ledger.seal import signing_key
from linli.ledger.selectors import checkpoint_digest, ledger_problems


@transaction.atomic
def checkpoint_create() -> tuple[LedgerCheckpoint | None, list[str]]:
    """(the new checkpoint, []) when the full verification finds nothing; (None, problems) when
    it does, or (None, []) on an empty ledger.

    The transaction table is locked against writers meanwhile (posts wait; run it when quiet),
    so no transaction below the checkpoint can commit after it (on SQLite the write transaction
    does the same)."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("LOCK TABLE ledger_transaction IN SHARE MODE")
    problems = ledger_problems(full=True)
    if problems:
        return None, problems
    upto_id = LedgerTransaction.objects.aggregate(last=Max("id"))["last"]
    if upto_id is None:
        return None, []
    rows = [
        (row["account_id"], row["total"], row["n"])
        for row in Posting.objects.filter(transaction_id__lte=upto_id)
        .values("account_id")
        .annotate(total=Sum("quantity"), n=Count("id"))
        .order_by("account_id")
    ]
    # Under the lock, and verified just now: every chain head is its chain's last transaction.
    tips = dict(ChainHead.objects.values_list("name", "last_hash"))
    figures = {
        "upto_id": upto_id,
        "transactions": LedgerTransaction.objects.filter(id__lte=upto_id).count(),
        "postings": sum(n for _a, _t, n in rows),
        "tips": tips,
    }
    key = signing_key()
    checkpoint = LedgerCheckpoint.objects.create(
        **figures, digest=checkpoint_digest(**figures, accounts=rows, key=key), key_id=key.id
    )
    CheckpointAccount.objects.bulk_create(
        (
            CheckpointAccount(checkpoint=checkpoint, account_id=a, total=t, postings=n)
            for a, t, n in rows
        ),
        batch_size=5000,
    )
    return checkpoint, []
