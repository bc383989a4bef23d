"""The points bank (爱心银行 / 积分银行): earning rules first; accounts live in ``linli.ledger``."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from linli.core.models import StatusEvent


class EarningKind(models.TextChoices):
    PER_HOUR = "per_hour", _("Per verified hour of service")
    PER_ITEM = "per_item", _("Per donated item")
    PER_ATTENDANCE = "per_attendance", _("Per activity attendance")


# The seeds' standard: 1 hour of service or 1 donated item = 2 points.
DEFAULT_POINTS = {EarningKind.PER_HOUR: 2, EarningKind.PER_ITEM: 2, EarningKind.PER_ATTENDANCE: 1}


class EarningRule(models.Model):
    """积分规则: from ``starts_on`` on, one unit of ``kind`` earns ``points`` in the community.

    Rules are never edited: a change is a new row from a later date, so the history stays and
    work done before the change keeps the rule that was in force then.
    """

    community = models.ForeignKey(
        "places.Community", verbose_name=_("community"), on_delete=models.PROTECT, related_name="+"
    )
    kind = models.CharField(_("kind"), max_length=32, choices=EarningKind.choices)
    points = models.PositiveIntegerField(_("points"))
    starts_on = models.DateField(_("from"))
    note = models.CharField(_("note"), max_length=200, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("earning rule")
        verbose_name_plural = _("earning rules")
        ordering = ["community", "kind", "-starts_on"]
        constraints = [
            models.UniqueConstraint(
                fields=["community", "kind", "starts_on"], name="earning_rule_one_per_day"
            ),
            models.CheckConstraint(condition=models.Q(points__lte=1000), name="earning_rule_sane"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} = {self.points} ({self.starts_on})"


# Ledger transaction kinds that earn points (the basis of the annual figure and star eligibility).
EARNING_TRANSACTION_KINDS = ("points.hours", "points.item", "points.attendance")

# How a ledger transaction kind reads on a points statement.
TRANSACTION_KINDS = {
    "points.hours": _("Verified service hours"),
    "points.hours.reversal": _("Service hours reversed"),
    "points.item": _("Donated items"),
    "points.attendance": _("Activity attendance"),
    "points.redeem.freeze": _("Redemption: points frozen"),
    "points.redeem.fulfil": _("Redemption fulfilled"),
    "points.redeem.cancel": _("Redemption cancelled: points back"),
    "points.donation": _("Points donation"),
    "points.pool.grant": _("Grant from the community points pool"),
}


class Reward(models.Model):
    """积分兑换商城的商品: a voucher or service offered by the community or a partner business.

    ``stock`` counts vouchers left; it only changes in the redemption services (row-locked)."""

    class Kind(models.TextChoices):
        VOUCHER = "voucher", _("Voucher")
        SERVICE = "service", _("Service")

    community = models.ForeignKey(
        "places.Community", verbose_name=_("community"), on_delete=models.PROTECT, related_name="+"
    )
    name = models.CharField(_("name"), max_length=100)
    description = models.CharField(_("description"), max_length=500, blank=True)
    kind = models.CharField(_("kind"), max_length=16, choices=Kind.choices, default=Kind.VOUCHER)
    provider_name = models.CharField(_("offered by"), max_length=100)
    provider_user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("partner login that confirms pickups"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    price = models.PositiveIntegerField(_("points price"))
    stock = models.PositiveIntegerField(_("stock"))
    monthly_limit = models.PositiveIntegerField(
        _("limit per person per month"), null=True, blank=True
    )
    valid_from = models.DateField(_("valid from"))
    valid_until = models.DateField(_("valid until"))
    is_active = models.BooleanField(_("on offer"), default=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("reward")
        verbose_name_plural = _("rewards")
        ordering = ["community", "price", "name"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(price__gte=1, price__lte=100000), name="reward_price_sane"
            ),
            models.CheckConstraint(
                condition=models.Q(valid_until__gte=models.F("valid_from")),
                name="reward_valid_until_after_from",
            ),
            models.CheckConstraint(
                condition=models.Q(monthly_limit__isnull=True) | models.Q(monthly_limit__gte=1),
                name="reward_monthly_limit_positive",
            ),
        ]

    def __str__(self) -> str:
        return self.name


class Redemption(models.Model):
    """积分兑换: points frozen for a reward, then fulfilled (picked up) or cancelled (refund)."""

    class Status(models.TextChoices):
        FROZEN = "frozen", _("Points frozen, waiting for pickup")
        FULFILLED = "fulfilled", _("Fulfilled")
        CANCELLED = "cancelled", _("Cancelled")

    TRANSITIONS = {Status.FROZEN: {Status.FULFILLED, Status.CANCELLED}}

    reward = models.ForeignKey(
        Reward, verbose_name=_("reward"), on_delete=models.PROTECT, related_name="redemptions"
    )
    community = models.ForeignKey(
        "places.Community", verbose_name=_("community"), on_delete=models.PROTECT, related_name="+"
    )
    person = models.ForeignKey(
        "people.Person", verbose_name=_("resident"), on_delete=models.PROTECT, related_name="+"
    )
    points = models.PositiveIntegerField(_("points"))
    code = models.CharField(_("voucher code"), max_length=12, unique=True)
    status = models.CharField(
        _("status"), max_length=16, choices=Status.choices, default=Status.FROZEN
    )
    freeze = models.OneToOneField(
        "ledger.LedgerTransaction", on_delete=models.PROTECT, related_name="+"
    )
    settlement = models.OneToOneField(
        "ledger.LedgerTransaction",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        verbose_name = _("redemption")
        verbose_name_plural = _("redemptions")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(condition=models.Q(points__gte=1), name="redemption_points"),
            models.CheckConstraint(
                condition=models.Q(status="frozen", settlement__isnull=True)
                | (~models.Q(status="frozen") & models.Q(settlement__isnull=False)),
                name="redemption_settled_when_closed",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.reward} · {self.person}"


class RedemptionEvent(StatusEvent):
    """One step of a redemption's timeline."""

    redemption = models.ForeignKey(Redemption, on_delete=models.CASCADE, related_name="events")

    class Meta(StatusEvent.Meta):
        pass

    def __str__(self) -> str:
        return f"{self.redemption_id}: {self.from_status} → {self.to_status}"


class PointsDonation(models.Model):
    """捐积分: a resident gives points to another resident or to the community's points pool."""

    giver = models.ForeignKey(
        "people.Person", verbose_name=_("giver"), on_delete=models.PROTECT, related_name="+"
    )
    recipient = models.ForeignKey(
        "people.Person",
        verbose_name=_("recipient"),
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
        help_text=_("A gift to a household is credited to its head."),
    )
    community = models.ForeignKey(
        "places.Community",
        verbose_name=_("community"),
        on_delete=models.PROTECT,
        related_name="+",
        help_text=_("The giver's community; for a gift to the pool, the pool's community."),
    )
    to_pool = models.BooleanField(_("to the community points pool"), default=False)
    points = models.PositiveIntegerField(_("points"))
    message = models.CharField(_("message"), max_length=200, blank=True)
    transaction = models.OneToOneField(
        "ledger.LedgerTransaction", on_delete=models.PROTECT, related_name="+"
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        verbose_name = _("points donation")
        verbose_name_plural = _("points donations")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(condition=models.Q(points__gte=1), name="donation_points"),
            models.CheckConstraint(
                condition=(models.Q(to_pool=True) & models.Q(recipient__isnull=True))
                | (models.Q(to_pool=False) & models.Q(recipient__isnull=False)),
                name="donation_one_destination",
            ),
            models.CheckConstraint(
                condition=~models.Q(giver=models.F("recipient")), name="donation_not_to_self"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.giver} → {self.recipient or _('pool')}: {self.points}"


class GrantPurpose(models.TextChoices):
    """What a pool grant is for: the only thing about it shown publicly."""

    ELDERLY_CARE = "elderly_care", _("Care for the elderly")
    POVERTY_RELIEF = "poverty_relief", _("Help for families in difficulty")
    DISABILITY = "disability", _("Help for disabled residents")
    CHILDREN = "children", _("Children in difficulty")
    EMERGENCY = "emergency", _("Emergency relief")
    OTHER = "other", _("Other help")


class PoolGrant(models.Model):
    """The station grants points from the community's pool to a resident in need."""

    community = models.ForeignKey(
        "places.Community", verbose_name=_("community"), on_delete=models.PROTECT, related_name="+"
    )
    recipient = models.ForeignKey(
        "people.Person", verbose_name=_("recipient"), on_delete=models.PROTECT, related_name="+"
    )
    household = models.ForeignKey(
        "people.Household",
        verbose_name=_("household"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    points = models.PositiveIntegerField(_("points"))
    purpose = models.CharField(_("purpose"), max_length=32, choices=GrantPurpose.choices)
    note = models.CharField(_("note (not public)"), max_length=200, blank=True)
    transaction = models.OneToOneField(
        "ledger.LedgerTransaction", on_delete=models.PROTECT, related_name="+"
    )
    granted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        verbose_name = _("pool grant")
        verbose_name_plural = _("pool grants")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(condition=models.Q(points__gte=1), name="pool_grant_points")
        ]

    def __str__(self) -> str:
        return f"{self.community} → {self.recipient}: {self.points}"
