"""Visits (探访): the rules that turn tags into a visiting rhythm, the record of each visit, who
looks after each grid, and the monthly target."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class VisitRule(models.Model):
    """探访规则: people carrying *all* of ``tags`` (``advanced_age`` = 80+, from the birth date)
    are called every ``phone_days`` and visited at home every ``home_days``. An empty tag list
    matches anyone in need. The first matching rule by ``priority`` (lowest first) decides a
    person's plan."""

    community = models.ForeignKey(
        "places.Community", verbose_name=_("community"), on_delete=models.PROTECT, related_name="+"
    )
    name = models.CharField(_("name"), max_length=100)
    tags = models.JSONField(_("tags"), default=list, blank=True)
    phone_days = models.PositiveSmallIntegerField(
        _("phone call every (days)"), null=True, blank=True
    )
    home_days = models.PositiveSmallIntegerField(
        _("home visit every (days)"), null=True, blank=True
    )
    priority = models.PositiveSmallIntegerField(_("order"), default=10)
    is_active = models.BooleanField(_("active"), default=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("visit rule")
        verbose_name_plural = _("visit rules")
        ordering = ["community", "priority", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(phone_days__isnull=False) | Q(home_days__isnull=False),
                name="visit_rule_has_a_rhythm",
            ),
            models.CheckConstraint(
                condition=(Q(phone_days__isnull=True) | Q(phone_days__gte=1, phone_days__lte=366))
                & (Q(home_days__isnull=True) | Q(home_days__gte=1, home_days__lte=366)),
                name="visit_rule_days_in_range",
            ),
        ]

    def __str__(self) -> str:
        return self.name


class VisitPolicy(models.Model):
    """A community's monthly target of visits per worker (e.g. at least 10 a month)."""

    community = models.OneToOneField(
        "places.Community", verbose_name=_("community"), on_delete=models.PROTECT, related_name="+"
    )
    monthly_target = models.PositiveSmallIntegerField(_("visits a month per worker"), default=10)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("visit target")
        verbose_name_plural = _("visit targets")

    def __str__(self) -> str:
        return f"{self.community} · {self.monthly_target}"


class GridVisitor(models.Model):
    """The worker who looks after a grid's visits (网格探访责任人)."""

    grid = models.OneToOneField(
        "places.Grid", verbose_name=_("grid"), on_delete=models.CASCADE, related_name="visitor"
    )
    community = models.ForeignKey(
        "places.Community", verbose_name=_("community"), on_delete=models.PROTECT, related_name="+"
    )
    worker = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("worker"),
        on_delete=models.PROTECT,
        related_name="visit_grids",
    )

    class Meta:
        verbose_name = _("grid visitor")
        verbose_name_plural = _("grid visitors")

    def __str__(self) -> str:
        return f"{self.grid} · {self.worker}"


class Visit(models.Model):
    """探访记录: one home or phone visit — who, when, how long, how the person is, what was
    found."""

    class Kind(models.TextChoices):
        HOME = "home", _("Home visit")
        PHONE = "phone", _("Phone visit")

    class Conditions(models.TextChoices):
        GOOD = "good", _("Good")
        FAIR = "fair", _("Fair")
        POOR = "poor", _("Poor")
        UNSAFE = "unsafe", _("Unsafe")

    community = models.ForeignKey(
        "places.Community", verbose_name=_("community"), on_delete=models.PROTECT, related_name="+"
    )
    person = models.ForeignKey(
        "people.Person", verbose_name=_("resident"), on_delete=models.PROTECT, related_name="visits"
    )
    kind = models.CharField(_("kind"), max_length=8, choices=Kind.choices)
    visited_at = models.DateTimeField(_("visited at"))
    minutes = models.PositiveSmallIntegerField(_("minutes"))
    visitor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("visited by"),
        on_delete=models.PROTECT,
        related_name="visits_made",
    )
    companions = models.CharField(_("with"), max_length=100, blank=True)
    wellbeing = models.PositiveSmallIntegerField(_("wellbeing (1–5)"))
    conditions = models.CharField(
        _("living conditions"), max_length=8, choices=Conditions.choices, blank=True
    )
    findings = models.CharField(_("findings"), max_length=1000, blank=True)
    needs = models.ManyToManyField(
        "orders.Need", verbose_name=_("needs found"), blank=True, related_name="visits"
    )
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("visit")
        verbose_name_plural = _("visits")
        ordering = ["-visited_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(wellbeing__gte=1, wellbeing__lte=5), name="visit_wellbeing_1_to_5"
            ),
            models.CheckConstraint(
                condition=Q(minutes__gte=1, minutes__lte=600), name="visit_minutes_in_range"
            ),
        ]
        indexes = [
            models.Index(fields=["person", "kind", "visited_at"]),
            models.Index(fields=["community", "visited_at"]),
            models.Index(fields=["visitor", "visited_at"]),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} · {self.person} · {self.visited_at:%Y-%m-%d}"

    def get_absolute_url(self) -> str:
        from django.urls import reverse

        return reverse("visits:detail", args=[self.pk])
