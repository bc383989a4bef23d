"""The points bank (爱心银行 / 积分银行): earning rules first; accounts live in ``linli.ledger``."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


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


# How a ledger transaction kind reads on a points statement.
TRANSACTION_KINDS = {
    "points.hours": _("Verified service hours"),
    "points.hours.reversal": _("Service hours reversed"),
}
