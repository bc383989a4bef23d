"""The double-entry engine (复式记账): accounts, transactions, postings.

It knows nothing of points, goods or money as business ideas: a commodity is a code
(``PTS`` points, ``CNY`` fen, ``ITEM:<id>`` / ``LOT:<id>`` stock). Balances are cached on
``Account`` and changed only by ``ledger.services.post``. Transactions and postings are never
updated or deleted.
"""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from linli.core.models import AppendOnlyModel, Immutable  # noqa: F401 (Immutable re-exported)

QUANTITY = {"max_digits": 24, "decimal_places": 6}


class Account(models.Model):
    """A holder of one commodity. ``key`` names it (``community:3/person:17/points``).

    Immutable but for ``balance``: the database refuses any other change and any delete (migration
    0008), since the seal covers postings by account id, not what the account is (ADR 0015)."""

    key = models.CharField(_("key"), max_length=200)
    commodity = models.CharField(_("commodity"), max_length=32)
    name = models.CharField(_("name"), max_length=200, blank=True)
    community = models.ForeignKey(
        "places.Community", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    may_go_negative = models.BooleanField(default=False)
    balance = models.DecimalField(_("balance"), default=0, **QUANTITY)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("ledger account")
        verbose_name_plural = _("ledger accounts")
        constraints = [
            models.UniqueConstraint(fields=["key", "commodity"], name="ledger_account_unique"),
            models.CheckConstraint(
                condition=models.Q(may_go_negative=True) | models.Q(balance__gte=0),
                name="ledger_account_balance_not_negative",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name or self.key} [{self.commodity}]"


class LedgerTransaction(AppendOnlyModel):
    """One movement of value; its postings sum to zero per commodity. Chained by hash."""

    kind = models.CharField(_("kind"), max_length=64)
    memo = models.CharField(_("memo"), max_length=200, blank=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    community = models.ForeignKey(
        "places.Community", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    idempotency_key = models.CharField(max_length=200, null=True, blank=True, unique=True)
    reverses = models.OneToOneField(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="reversed_by"
    )
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    content_hash = models.CharField(max_length=64)
    prev_hash = models.CharField(max_length=64)
    # HMAC-SHA256 of ``prev_hash:content_hash`` under the ledger key ``key_id`` names (ADR 0015);
    # an empty key id: a plain SHA-256 from before the chain was keyed (``ledger_reseal``).
    hash = models.CharField(max_length=64, unique=True)
    key_id = models.CharField(max_length=8, blank=True, default="", db_default="")

    class Meta:
        db_table = "ledger_transaction"
        verbose_name = _("ledger transaction")
        verbose_name_plural = _("ledger transactions")
        ordering = ["id"]

    def __str__(self) -> str:
        return f"#{self.pk} {self.kind}"


class Posting(AppendOnlyModel):
    transaction = models.ForeignKey(
        LedgerTransaction, on_delete=models.PROTECT, related_name="postings"
    )
    account = models.ForeignKey(Account, on_delete=models.PROTECT, related_name="postings")
    commodity = models.CharField(max_length=32)
    quantity = models.DecimalField(**QUANTITY)

    class Meta:
        db_table = "ledger_posting"
        verbose_name = _("posting")
        verbose_name_plural = _("postings")
        ordering = ["id"]
        constraints = [
            models.CheckConstraint(
                condition=~models.Q(quantity=0), name="ledger_posting_quantity_not_zero"
            )
        ]
        indexes = [models.Index(fields=["account", "id"])]

    def __str__(self) -> str:
        return f"{self.account_id} {self.quantity} {self.commodity}"


class ChainHead(models.Model):
    """The tip of one hash chain. There is one chain per community (``community:<id>``) and
    ``main`` for transactions without one (ADR 0006, 0008): a chain is a line, and communities do
    not wait for each other. On PostgreSQL ``post`` moves the tip in the same statement that writes
    the transaction (``previous_hash`` hands the old tip to that statement); elsewhere the row is
    locked first.

    ``legacy_until`` (on ``main`` only): transactions up to this id were written while there was a
    single chain, and are verified as part of ``main``."""

    name = models.CharField(max_length=32, unique=True)
    last_hash = models.CharField(max_length=64)
    previous_hash = models.CharField(max_length=64, blank=True, default="")
    legacy_until = models.BigIntegerField(null=True, blank=True)

    def __str__(self) -> str:
        return self.name


class LedgerCheckpoint(AppendOnlyModel):
    """A verified point in the ledger (``manage.py ledger_verify --checkpoint``).

    Everything up to transaction ``upto_id`` was re-derived in full (balances, sums, content
    hashes, chains) with the transaction table locked; the checkpoint keeps each account's sum and
    number of postings up to there (``CheckpointAccount``), each chain's tip, and a digest of all
    of it, an HMAC under the ledger key (ADR 0015). Later runs of ``ledger_verify`` re-derive only
    what came after, and check the older postings against these sums in the same pass that
    recomputes every balance (ADR 0008)."""

    upto_id = models.BigIntegerField()
    transactions = models.BigIntegerField()
    postings = models.BigIntegerField()
    tips = models.JSONField()
    digest = models.CharField(max_length=64)  # HMAC under the ledger key ``key_id`` names
    key_id = models.CharField(max_length=8, blank=True, default="", db_default="")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        db_table = "ledger_checkpoint"
        ordering = ["-upto_id"]

    def __str__(self) -> str:
        return f"checkpoint ≤ #{self.upto_id}"


class CheckpointAccount(AppendOnlyModel):
    """One account's postings up to a checkpoint: their sum and their number."""

    checkpoint = models.ForeignKey(
        LedgerCheckpoint, on_delete=models.PROTECT, related_name="accounts"
    )
    account = models.ForeignKey(Account, on_delete=models.PROTECT, related_name="+")
    total = models.DecimalField(**QUANTITY)
    postings = models.BigIntegerField()

    class Meta:
        db_table = "ledger_checkpoint_account"
        constraints = [
            models.UniqueConstraint(
                fields=["checkpoint", "account"], name="ledger_checkpoint_account_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{self.checkpoint_id}/{self.account_id}"
