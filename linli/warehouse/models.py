"""The love warehouse (爱心义仓), the charity supermarket (慈善超市) and sharing.

Stock is never a column here: every quantity on hand is the balance of a ledger account, one per
(location, lot) (``StockHolding``), commodity ``LOT:<id>``. Donations, distributions, transfers,
counts and write-offs are documents; each posts one ledger transaction (ADR 0009).
"""

from decimal import Decimal

from django.conf import settings
from django.core.validators import MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from linli.core.models import StatusEvent

QUANTITY = {"max_digits": 14, "decimal_places": 3, "validators": [MinValueValidator(Decimal("0"))]}


class Category(models.TextChoices):
    """物资类别."""

    FOOD = "food", _("Food")
    GRAIN_OIL = "grain_oil", _("Grain and oil")
    DAILY = "daily", _("Daily necessities")
    CLOTHING = "clothing", _("Clothing")
    MEDICINE = "medicine", _("Medicine")
    TOOLS = "tools", _("Tools")
    OTHER = "other", _("Other")


class Item(models.Model):
    """物资: one kind of goods in a community's catalogue (a 5 kg bag of rice, a winter coat)."""

    community = models.ForeignKey(
        "places.Community", verbose_name=_("community"), on_delete=models.PROTECT, related_name="+"
    )
    name = models.CharField(_("name"), max_length=100)
    category = models.CharField(_("category"), max_length=16, choices=Category.choices)
    unit = models.CharField(_("unit"), max_length=10, help_text=_("袋, 桶, 件, 盒…"))
    fair_value_fen = models.PositiveIntegerField(
        _("fair value per unit (fen)"), help_text=_("What one unit would cost in a shop.")
    )
    tracks_expiry = models.BooleanField(_("expiry tracked"), default=False)
    barcode = models.CharField(_("barcode"), max_length=32, blank=True)
    prescription_only = models.BooleanField(
        _("prescription-only medicine"),
        default=False,
        help_text=_("Prescription-only medicine is never accepted or given out."),
    )
    lendable = models.BooleanField(_("lent from the tool library"), default=False)
    loan_days = models.PositiveSmallIntegerField(_("loan period (days)"), default=14)
    points_price = models.PositiveIntegerField(
        _("supermarket price (points)"),
        null=True,
        blank=True,
        help_text=_("Empty: not sold at the charity supermarket till."),
    )
    is_active = models.BooleanField(_("in use"), default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("item")
        verbose_name_plural = _("items")
        ordering = ["category", "name"]
        constraints = [
            models.UniqueConstraint(fields=["community", "name"], name="item_name_unique"),
            models.UniqueConstraint(
                fields=["community", "barcode"],
                condition=~models.Q(barcode=""),
                name="item_barcode_unique",
            ),
            models.CheckConstraint(
                condition=models.Q(category="medicine") | models.Q(prescription_only=False),
                name="item_prescription_only_medicine",
            ),
            models.CheckConstraint(
                condition=~models.Q(category="medicine") | models.Q(tracks_expiry=True),
                name="item_medicine_tracks_expiry",
            ),
            models.CheckConstraint(
                condition=models.Q(loan_days__gte=1, loan_days__lte=365), name="item_loan_days"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name}（{self.unit}）"

    @property
    def is_medicine(self) -> bool:
        return self.category == Category.MEDICINE


class Lot(models.Model):
    """批次: goods of one item with one expiry date from one source. Stock is known per lot."""

    class Check(models.TextChoices):
        NOT_NEEDED = "not_needed", _("No check needed")
        PENDING = "pending", _("Waiting for the pharmacist")
        APPROVED = "approved", _("Checked by the pharmacist")
        REJECTED = "rejected", _("Rejected by the pharmacist")

    item = models.ForeignKey(
        Item, verbose_name=_("item"), on_delete=models.PROTECT, related_name="lots"
    )
    expires_on = models.DateField(_("expires on"), null=True, blank=True)
    source = models.CharField(_("source"), max_length=100, blank=True)
    donation = models.ForeignKey(
        "Donation",
        verbose_name=_("donation"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="lots",
    )
    check_status = models.CharField(
        _("pharmacist check"), max_length=16, choices=Check.choices, default=Check.NOT_NEEDED
    )
    checked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    checked_at = models.DateTimeField(null=True, blank=True)
    check_note = models.CharField(_("check note"), max_length=200, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("lot")
        verbose_name_plural = _("lots")
        ordering = ["item", models.F("expires_on").asc(nulls_last=True), "id"]

    def __str__(self) -> str:
        expiry = self.expires_on.isoformat() if self.expires_on else "—"
        return f"{self.item.name} #{self.pk} ({expiry})"

    @property
    def commodity(self) -> str:
        return f"LOT:{self.pk}"

    @property
    def may_be_given(self) -> bool:
        return self.check_status in (self.Check.NOT_NEEDED, self.Check.APPROVED)


class Location(models.Model):
    """库位: a warehouse, a supermarket shelf, the emergency reserve, a partner's drop-off point."""

    class Kind(models.TextChoices):
        WAREHOUSE = "warehouse", _("Love warehouse")
        SUPERMARKET = "supermarket", _("Supermarket shelf")
        RESERVE = "reserve", _("Emergency reserve")
        DROPOFF = "dropoff", _("Partner drop-off point")
        TOOL_LIBRARY = "tool_library", _("Tool library")

    community = models.ForeignKey(
        "places.Community", verbose_name=_("community"), on_delete=models.PROTECT, related_name="+"
    )
    name = models.CharField(_("name"), max_length=100)
    kind = models.CharField(_("kind"), max_length=16, choices=Kind.choices)
    parent = models.ForeignKey(
        "self",
        verbose_name=_("inside"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="children",
    )
    address = models.CharField(_("address"), max_length=200, blank=True)
    is_active = models.BooleanField(_("in use"), default=True)

    class Meta:
        verbose_name = _("location")
        verbose_name_plural = _("locations")
        ordering = ["community", "kind", "name"]
        constraints = [
            models.UniqueConstraint(fields=["community", "name"], name="location_name_unique")
        ]

    def __str__(self) -> str:
        return self.name


class StockLevel(models.Model):
    """Minimum (最低库存) and recommended levels of one item at one location."""

    location = models.ForeignKey(Location, on_delete=models.CASCADE, related_name="levels")
    item = models.ForeignKey(Item, on_delete=models.CASCADE, related_name="levels")
    minimum = models.DecimalField(_("minimum"), **QUANTITY)
    recommended = models.DecimalField(_("recommended"), **QUANTITY)

    class Meta:
        verbose_name = _("stock level")
        verbose_name_plural = _("stock levels")
        constraints = [
            models.UniqueConstraint(fields=["location", "item"], name="stock_level_unique"),
            models.CheckConstraint(
                condition=models.Q(recommended__gte=models.F("minimum")),
                name="stock_level_recommended_above_minimum",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.item} @ {self.location}: ≥{self.minimum}"


class StockHolding(models.Model):
    """The ledger account that holds one lot at one location. Its balance is the stock."""

    location = models.ForeignKey(Location, on_delete=models.PROTECT, related_name="holdings")
    lot = models.ForeignKey(Lot, on_delete=models.PROTECT, related_name="holdings")
    account = models.OneToOneField("ledger.Account", on_delete=models.PROTECT, related_name="+")

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["location", "lot"], name="stock_holding_unique")
        ]

    def __str__(self) -> str:
        return f"{self.lot} @ {self.location}"


class StockDocument(models.Model):
    """What every stock document has: its community, the one ledger transaction it posted, and
    who wrote it when (ADR 0009)."""

    community = models.ForeignKey(
        "places.Community", verbose_name=_("community"), on_delete=models.PROTECT, related_name="+"
    )
    transaction = models.OneToOneField(
        "ledger.LedgerTransaction", on_delete=models.PROTECT, related_name="+"
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("by"), on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(_("time"), auto_now_add=True, db_index=True)

    class Meta:
        abstract = True


class Donation(StockDocument):
    """捐赠入库: goods from a resident, a partner business, an organisation, or anonymous."""

    class DonorKind(models.TextChoices):
        RESIDENT = "resident", _("Resident")
        BUSINESS = "business", _("Partner business")
        ORGANISATION = "organisation", _("Organisation")
        ANONYMOUS = "anonymous", _("Anonymous")

    location = models.ForeignKey(
        Location, verbose_name=_("received into"), on_delete=models.PROTECT, related_name="+"
    )
    donor_kind = models.CharField(_("donor"), max_length=16, choices=DonorKind.choices)
    donor_person = models.ForeignKey(
        "people.Person",
        verbose_name=_("resident"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    donor_name = models.CharField(_("donor name"), max_length=100, blank=True)
    received_on = models.DateField(_("received on"))
    note = models.CharField(_("note"), max_length=200, blank=True)
    certificate_code = models.CharField(max_length=16, unique=True)
    total_value_fen = models.PositiveBigIntegerField(_("value (fen)"))
    points_awarded = models.PositiveIntegerField(_("points awarded"), default=0)

    class Meta:
        verbose_name = _("donation")
        verbose_name_plural = _("donations")
        ordering = ["-received_on", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=~models.Q(donor_kind="resident") | models.Q(donor_person__isnull=False),
                name="donation_resident_named",
            ),
            models.CheckConstraint(
                condition=~models.Q(donor_kind="anonymous") | models.Q(donor_person__isnull=True),
                name="donation_anonymous_unnamed",
            ),
        ]

    def __str__(self) -> str:
        return f"{_('Donation')} #{self.pk} · {self.donor_display}"

    @property
    def donor_display(self) -> str:
        if self.donor_kind == self.DonorKind.ANONYMOUS:
            return str(_("Anonymous donor"))
        if self.donor_person_id:
            return self.donor_person.name
        return self.donor_name


class DonationLine(models.Model):
    donation = models.ForeignKey(Donation, on_delete=models.PROTECT, related_name="lines")
    item = models.ForeignKey(
        Item, verbose_name=_("item"), on_delete=models.PROTECT, related_name="+"
    )
    lot = models.ForeignKey(Lot, on_delete=models.PROTECT, related_name="+")
    quantity = models.DecimalField(_("quantity"), **QUANTITY)
    value_fen = models.PositiveBigIntegerField(_("value (fen)"))
    points = models.PositiveIntegerField(_("points"), default=0)
    points_transaction = models.OneToOneField(
        "ledger.LedgerTransaction",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )

    class Meta:
        ordering = ["id"]
        constraints = [
            models.CheckConstraint(condition=models.Q(quantity__gt=0), name="donation_line_qty")
        ]

    def __str__(self) -> str:
        return f"{self.item} × {self.quantity.normalize()}"


class Pledge(models.Model):
    """人力资源支持: labour or a service a resident, business or organisation pledges, which the
    station can call on (a barber's monthly free haircuts, a plumber's two hours a week)."""

    community = models.ForeignKey(
        "places.Community", verbose_name=_("community"), on_delete=models.PROTECT, related_name="+"
    )
    pledger_kind = models.CharField(
        _("pledged by"), max_length=16, choices=Donation.DonorKind.choices
    )
    person = models.ForeignKey(
        "people.Person",
        verbose_name=_("resident"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    pledger_name = models.CharField(_("name"), max_length=100, blank=True)
    service = models.CharField(_("service offered"), max_length=100)
    hours_per_month = models.DecimalField(
        _("hours a month"), max_digits=6, decimal_places=1, null=True, blank=True
    )
    available_from = models.DateField(_("available from"))
    available_until = models.DateField(_("available until"), null=True, blank=True)
    note = models.CharField(_("note"), max_length=200, blank=True)
    is_active = models.BooleanField(_("active"), default=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("pledge")
        verbose_name_plural = _("pledges")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(available_until__isnull=True)
                | models.Q(available_until__gte=models.F("available_from")),
                name="pledge_period",
            )
        ]

    def __str__(self) -> str:
        return f"{self.pledger_display}: {self.service}"

    @property
    def pledger_display(self) -> str:
        if self.pledger_kind == Donation.DonorKind.ANONYMOUS:
            return str(_("Anonymous donor"))
        return self.person.name if self.person_id else self.pledger_name


class Distribution(StockDocument):
    """发放: goods given out to a person, a household, an activity or an emergency."""

    class RecipientKind(models.TextChoices):
        PERSON = "person", _("Person")
        HOUSEHOLD = "household", _("Household")
        ACTIVITY = "activity", _("Activity")
        EMERGENCY = "emergency", _("Emergency")

    location = models.ForeignKey(
        Location, verbose_name=_("from"), on_delete=models.PROTECT, related_name="+"
    )
    recipient_kind = models.CharField(_("given to"), max_length=16, choices=RecipientKind.choices)
    person = models.ForeignKey(
        "people.Person",
        verbose_name=_("person"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    household = models.ForeignKey(
        "people.Household",
        verbose_name=_("household"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    occasion = models.CharField(
        _("activity or incident"),
        max_length=100,
        blank=True,
        help_text=_("The activity's name, or the emergency (a named incident)."),
    )
    distributed_on = models.DateField(_("given on"))
    signed_by = models.CharField(_("signed for by"), max_length=50, blank=True)
    receipt = models.FileField(_("receipt photo"), upload_to="receipts/%Y/%m/", blank=True)
    note = models.CharField(_("note"), max_length=200, blank=True)
    total_value_fen = models.PositiveBigIntegerField(_("value (fen)"))

    class Meta:
        verbose_name = _("distribution")
        verbose_name_plural = _("distributions")
        ordering = ["-distributed_on", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=(
                    models.Q(recipient_kind="person", person__isnull=False)
                    | models.Q(recipient_kind="household", household__isnull=False)
                    | (
                        models.Q(recipient_kind__in=["activity", "emergency"])
                        & ~models.Q(occasion="")
                    )
                ),
                name="distribution_recipient_named",
            ),
            models.CheckConstraint(
                condition=~models.Q(signed_by="") | ~models.Q(receipt=""),
                name="distribution_receipt",
            ),
        ]
        indexes = [models.Index(fields=["community", "-distributed_on"])]

    def __str__(self) -> str:
        return f"{_('Distribution')} #{self.pk} · {self.recipient_display}"

    @property
    def recipient_display(self) -> str:
        if self.recipient_kind == self.RecipientKind.PERSON:
            return self.person.name
        if self.recipient_kind == self.RecipientKind.HOUSEHOLD:
            return str(self.household)
        return self.occasion


class DistributionLine(models.Model):
    distribution = models.ForeignKey(Distribution, on_delete=models.PROTECT, related_name="lines")
    item = models.ForeignKey(
        Item, verbose_name=_("item"), on_delete=models.PROTECT, related_name="+"
    )
    lot = models.ForeignKey(Lot, on_delete=models.PROTECT, related_name="+")
    quantity = models.DecimalField(_("quantity"), **QUANTITY)
    value_fen = models.PositiveBigIntegerField(_("value (fen)"))

    class Meta:
        ordering = ["id"]
        constraints = [
            models.CheckConstraint(condition=models.Q(quantity__gt=0), name="distribution_line_qty")
        ]

    def __str__(self) -> str:
        return f"{self.item} × {self.quantity.normalize()}"


class Transfer(StockDocument):
    """调拨: goods moved from one location to another of the same community."""

    from_location = models.ForeignKey(
        Location, verbose_name=_("from"), on_delete=models.PROTECT, related_name="+"
    )
    to_location = models.ForeignKey(
        Location, verbose_name=_("to"), on_delete=models.PROTECT, related_name="+"
    )
    note = models.CharField(_("note"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("transfer")
        verbose_name_plural = _("transfers")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=~models.Q(from_location=models.F("to_location")),
                name="transfer_two_places",
            )
        ]

    def __str__(self) -> str:
        return f"{self.from_location} → {self.to_location}"


class TransferLine(models.Model):
    transfer = models.ForeignKey(Transfer, on_delete=models.PROTECT, related_name="lines")
    item = models.ForeignKey(
        Item, verbose_name=_("item"), on_delete=models.PROTECT, related_name="+"
    )
    lot = models.ForeignKey(Lot, on_delete=models.PROTECT, related_name="+")
    quantity = models.DecimalField(_("quantity"), **QUANTITY)

    class Meta:
        ordering = ["id"]
        constraints = [
            models.CheckConstraint(condition=models.Q(quantity__gt=0), name="transfer_line_qty")
        ]

    def __str__(self) -> str:
        return f"{self.item} × {self.quantity.normalize()}"


class AdjustmentReason(models.TextChoices):
    """Why stock changed without a donation or a handout (盘点差异原因)."""

    DAMAGED = "damaged", _("Damaged")
    EXPIRED = "expired", _("Expired")
    LOST = "lost", _("Lost")
    FOUND = "found", _("Found")
    MISCOUNTED = "miscounted", _("Miscounted")


class StockCount(models.Model):
    """盘点: count → review → finalise; the differences post as adjustments with reasons."""

    class Status(models.TextChoices):
        COUNTING = "counting", _("Counting")
        REVIEW = "review", _("Waiting for review")
        FINALISED = "finalised", _("Finalised")
        CANCELLED = "cancelled", _("Cancelled")

    TRANSITIONS = {
        Status.COUNTING: {Status.REVIEW, Status.CANCELLED},
        Status.REVIEW: {Status.COUNTING, Status.FINALISED, Status.CANCELLED},
    }

    community = models.ForeignKey(
        "places.Community", verbose_name=_("community"), on_delete=models.PROTECT, related_name="+"
    )
    location = models.ForeignKey(
        Location, verbose_name=_("location"), on_delete=models.PROTECT, related_name="counts"
    )
    status = models.CharField(
        _("status"), max_length=16, choices=Status.choices, default=Status.COUNTING
    )
    note = models.CharField(_("note"), max_length=200, blank=True)
    transaction = models.OneToOneField(
        "ledger.LedgerTransaction",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    started_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    started_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("stock count")
        verbose_name_plural = _("stock counts")
        ordering = ["-started_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["location"],
                condition=models.Q(status__in=["counting", "review"]),
                name="stock_count_one_open_per_location",
            )
        ]

    def __str__(self) -> str:
        return f"{_('Stock count')} #{self.pk} · {self.location}"


class StockCountLine(models.Model):
    """One lot at the counted location: the books' quantity when the count started, what was
    counted, and the reason for any difference."""

    count = models.ForeignKey(StockCount, on_delete=models.CASCADE, related_name="lines")
    lot = models.ForeignKey(Lot, on_delete=models.PROTECT, related_name="+")
    expected = models.DecimalField(_("on the books"), **QUANTITY)
    counted = models.DecimalField(_("counted"), null=True, blank=True, **QUANTITY)
    reason = models.CharField(
        _("reason"), max_length=16, choices=AdjustmentReason.choices, blank=True
    )

    class Meta:
        ordering = ["lot__item__category", "lot__item__name", "lot_id"]
        constraints = [
            models.UniqueConstraint(fields=["count", "lot"], name="stock_count_line_unique")
        ]

    def __str__(self) -> str:
        return f"{self.count_id}/{self.lot_id}"

    @property
    def difference(self) -> Decimal | None:
        return None if self.counted is None else self.counted - self.expected


class StockCountEvent(StatusEvent):
    count = models.ForeignKey(StockCount, on_delete=models.CASCADE, related_name="events")

    class Meta(StatusEvent.Meta):
        pass


class WriteOff(StockDocument):
    """报损: goods taken off the books (expired lots, damage) with a reason."""

    location = models.ForeignKey(
        Location, verbose_name=_("location"), on_delete=models.PROTECT, related_name="+"
    )
    lot = models.ForeignKey(Lot, verbose_name=_("lot"), on_delete=models.PROTECT, related_name="+")
    quantity = models.DecimalField(_("quantity"), **QUANTITY)
    reason = models.CharField(_("reason"), max_length=16, choices=AdjustmentReason.choices)
    note = models.CharField(_("note"), max_length=200, blank=True)
    value_fen = models.PositiveBigIntegerField(_("value (fen)"))

    class Meta:
        verbose_name = _("write-off")
        verbose_name_plural = _("write-offs")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(condition=models.Q(quantity__gt=0), name="write_off_qty")
        ]

    def __str__(self) -> str:
        return f"{self.lot} × {self.quantity.normalize()} ({self.get_reason_display()})"


RELIEF_TAGS = ("low_income", "extreme_poverty", "emergency_relief")


class ReliefQuota(models.Model):
    """扶贫帮困: a month's relief quota granted by the station to a low-income household (or a
    resident without a household in the registry): points to spend at the charity supermarket,
    or units of one item (two bags of rice a month). Each is a ledger account of its own for that
    month (commodity ``PTS``, or ``QITEM:<item>`` for an item quota); what is left at the month's
    end expires (``manage.py relief_quota_expire``)."""

    community = models.ForeignKey(
        "places.Community", verbose_name=_("community"), on_delete=models.PROTECT, related_name="+"
    )
    household = models.ForeignKey(
        "people.Household",
        verbose_name=_("household"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    person = models.ForeignKey(
        "people.Person",
        verbose_name=_("resident"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text=_("Only for a resident without a household in the registry."),
    )
    month = models.DateField(_("month"), help_text=_("The first day of the month."))
    item = models.ForeignKey(
        Item,
        verbose_name=_("item"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text=_("Empty: a quota in points."),
    )
    amount = models.PositiveIntegerField(
        _("amount"), help_text=_("Points, or whole units of the item.")
    )
    account = models.ForeignKey("ledger.Account", on_delete=models.PROTECT, related_name="+")
    transaction = models.OneToOneField(
        "ledger.LedgerTransaction", on_delete=models.PROTECT, related_name="+"
    )
    granted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("relief quota")
        verbose_name_plural = _("relief quotas")
        ordering = ["-month", "id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(household__isnull=True) ^ models.Q(person__isnull=True),
                name="relief_quota_one_holder",
            ),
            models.UniqueConstraint(
                fields=["household", "month"],
                condition=models.Q(household__isnull=False, item__isnull=True),
                name="relief_quota_household_month",
            ),
            models.UniqueConstraint(
                fields=["household", "month", "item"],
                condition=models.Q(household__isnull=False, item__isnull=False),
                name="relief_quota_household_month_item",
            ),
            models.UniqueConstraint(
                fields=["person", "month"],
                condition=models.Q(person__isnull=False, item__isnull=True),
                name="relief_quota_person_month",
            ),
            models.UniqueConstraint(
                fields=["person", "month", "item"],
                condition=models.Q(person__isnull=False, item__isnull=False),
                name="relief_quota_person_month_item",
            ),
            models.CheckConstraint(condition=models.Q(amount__gte=1), name="relief_quota_amount"),
        ]

    def __str__(self) -> str:
        what = f"{self.item.name} × {self.amount}" if self.item_id else f"{self.amount} PTS"
        return f"{self.household or self.person} {self.month:%Y-%m}: {what}"

    @property
    def commodity(self) -> str:
        return f"QITEM:{self.item_id}" if self.item_id else "PTS"


class Sale(StockDocument):
    """收银: goods from the charity supermarket's shelf for points and/or the relief quota — one
    ledger transaction moves the points, the quota and the goods together."""

    location = models.ForeignKey(
        Location, verbose_name=_("shelf"), on_delete=models.PROTECT, related_name="+"
    )
    person = models.ForeignKey(
        "people.Person", verbose_name=_("customer"), on_delete=models.PROTECT, related_name="+"
    )
    quota = models.ForeignKey(
        ReliefQuota,
        verbose_name=_("relief quota"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="sales",
        help_text=_("The points quota used, if any (item quotas are named on the lines)."),
    )
    points_paid = models.PositiveIntegerField(_("points paid"))
    quota_paid = models.PositiveIntegerField(_("relief quota used"))
    total_value_fen = models.PositiveBigIntegerField(_("value (fen)"))

    class Meta:
        verbose_name = _("sale")
        verbose_name_plural = _("sales")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(quota_paid=0) | models.Q(quota__isnull=False),
                name="sale_quota_named",
            ),
        ]
        indexes = [models.Index(fields=["community", "-created_at"])]

    def __str__(self) -> str:
        return f"{_('Sale')} #{self.pk} · {self.person}"

    @property
    def points_total(self) -> int:
        return self.points_paid + self.quota_paid


class SaleLine(models.Model):
    sale = models.ForeignKey(Sale, on_delete=models.PROTECT, related_name="lines")
    item = models.ForeignKey(
        Item, verbose_name=_("item"), on_delete=models.PROTECT, related_name="+"
    )
    lot = models.ForeignKey(Lot, on_delete=models.PROTECT, related_name="+")
    quantity = models.DecimalField(_("quantity"), **QUANTITY)
    points = models.PositiveIntegerField(_("points"), help_text=_("For the units not on a quota."))
    quota = models.ForeignKey(
        ReliefQuota, null=True, blank=True, on_delete=models.PROTECT, related_name="sale_lines"
    )
    quota_units = models.PositiveIntegerField(_("units from the relief quota"), default=0)

    class Meta:
        ordering = ["id"]
        constraints = [
            models.CheckConstraint(condition=models.Q(quantity__gt=0), name="sale_line_qty"),
            models.CheckConstraint(
                condition=models.Q(quota_units=0) | models.Q(quota__isnull=False),
                name="sale_line_quota_named",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.item} × {self.quantity.normalize()}"


class Loan(models.Model):
    """共享工具: a tool lent to a resident, due back after the item's loan period; renewals push
    the due date; the return records the tool's condition. An optional points deposit is frozen
    for the loan and released on return."""

    class Status(models.TextChoices):
        OUT = "out", _("Lent out")
        RETURNED = "returned", _("Returned")
        LOST = "lost", _("Lost")

    TRANSITIONS = {Status.OUT: {Status.RETURNED, Status.LOST}}

    community = models.ForeignKey(
        "places.Community", verbose_name=_("community"), on_delete=models.PROTECT, related_name="+"
    )
    location = models.ForeignKey(
        Location, verbose_name=_("lent from"), on_delete=models.PROTECT, related_name="+"
    )
    item = models.ForeignKey(
        Item, verbose_name=_("tool"), on_delete=models.PROTECT, related_name="+"
    )
    lot = models.ForeignKey(Lot, on_delete=models.PROTECT, related_name="+")
    borrower = models.ForeignKey(
        "people.Person", verbose_name=_("borrower"), on_delete=models.PROTECT, related_name="+"
    )
    status = models.CharField(
        _("status"), max_length=16, choices=Status.choices, default=Status.OUT
    )
    lent_on = models.DateField(_("lent on"))
    due_on = models.DateField(_("due on"))
    renewals = models.PositiveSmallIntegerField(_("renewals"), default=0)
    deposit_points = models.PositiveIntegerField(_("deposit (points)"), default=0)
    condition_out = models.CharField(_("condition when lent"), max_length=200, blank=True)
    condition_in = models.CharField(_("condition when returned"), max_length=200, blank=True)
    returned_on = models.DateField(_("returned on"), null=True, blank=True)
    lend_transaction = models.OneToOneField(
        "ledger.LedgerTransaction", on_delete=models.PROTECT, related_name="+"
    )
    return_transaction = models.OneToOneField(
        "ledger.LedgerTransaction",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("loan")
        verbose_name_plural = _("loans")
        ordering = ["due_on", "id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(due_on__gte=models.F("lent_on")), name="loan_due_after_lent"
            ),
            models.CheckConstraint(
                condition=models.Q(
                    status="out", returned_on__isnull=True, return_transaction__isnull=True
                )
                | (~models.Q(status="out") & models.Q(returned_on__isnull=False)),
                name="loan_closed_when_returned",
            ),
        ]
        indexes = [models.Index(fields=["community", "status", "due_on"])]

    def __str__(self) -> str:
        return f"{self.item.name} → {self.borrower}"


class LoanEvent(StatusEvent):
    loan = models.ForeignKey(Loan, on_delete=models.CASCADE, related_name="events")

    class Meta(StatusEvent.Meta):
        pass

    def __str__(self) -> str:
        return f"{self.loan_id}: {self.from_status} → {self.to_status}"
