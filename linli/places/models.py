"""Places: Street (街道) › Community (社区) › Grid (网格) › Compound (小区);
ServiceSite (服务站点)."""

from decimal import Decimal

from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _


class Street(models.Model):
    """街道: a street office's area, above several communities."""

    code = models.CharField(_("code"), max_length=32, unique=True)
    name = models.CharField(_("name"), max_length=100)

    class Meta:
        verbose_name = _("street")
        verbose_name_plural = _("streets")
        ordering = ["code"]

    def __str__(self) -> str:
        return self.name


class Community(models.Model):
    """社区: the unit every business record belongs to."""

    street = models.ForeignKey(
        Street, verbose_name=_("street"), on_delete=models.PROTECT, related_name="communities"
    )
    code = models.CharField(_("code"), max_length=32, unique=True)
    name = models.CharField(_("name"), max_length=100)
    service_phone = models.CharField(_("service phone"), max_length=32, blank=True)

    class Meta:
        verbose_name = _("community")
        verbose_name_plural = _("communities")
        ordering = ["code"]

    def __str__(self) -> str:
        return self.name


class Grid(models.Model):
    """网格 / 街区: a block of a community looked after by a grid worker."""

    community = models.ForeignKey(
        Community, verbose_name=_("community"), on_delete=models.PROTECT, related_name="grids"
    )
    code = models.CharField(_("code"), max_length=32)
    name = models.CharField(_("name"), max_length=100)

    class Meta:
        verbose_name = _("grid")
        verbose_name_plural = _("grids")
        ordering = ["community", "code"]
        constraints = [
            models.UniqueConstraint(
                fields=["community", "code"], name="grid_code_unique_in_community"
            )
        ]

    def __str__(self) -> str:
        return self.name


class Compound(models.Model):
    """小区: a residential compound inside a grid."""

    grid = models.ForeignKey(
        Grid, verbose_name=_("grid"), on_delete=models.PROTECT, related_name="compounds"
    )
    # Denormalised from the grid so scoping is one hop; kept equal by a check in the service.
    community = models.ForeignKey(
        Community, verbose_name=_("community"), on_delete=models.PROTECT, related_name="compounds"
    )
    code = models.CharField(_("code"), max_length=32)
    name = models.CharField(_("name"), max_length=100)
    # WGS-84 decimal degrees of the compound's gate: distances for matching and visits.
    latitude = models.DecimalField(
        _("latitude"),
        max_digits=9,
        decimal_places=6,
        null=True,
        blank=True,
        validators=[MinValueValidator(Decimal("-90")), MaxValueValidator(Decimal("90"))],
    )
    longitude = models.DecimalField(
        _("longitude"),
        max_digits=9,
        decimal_places=6,
        null=True,
        blank=True,
        validators=[MinValueValidator(Decimal("-180")), MaxValueValidator(Decimal("180"))],
    )

    class Meta:
        verbose_name = _("compound")
        verbose_name_plural = _("compounds")
        ordering = ["community", "code"]
        constraints = [
            models.UniqueConstraint(
                fields=["community", "code"], name="compound_code_unique_in_community"
            )
        ]

    def __str__(self) -> str:
        return self.name

    def clean(self):
        from django.core.exceptions import ValidationError

        if self.grid_id and self.community_id and self.grid.community_id != self.community_id:
            raise ValidationError({"grid": _("The grid must belong to the same community.")})


class ServiceSite(models.Model):
    """服务站点: a place where services are given (center, station, supermarket, canteen…)."""

    class Kind(models.TextChoices):
        SERVICE_CENTER = "service_center", _("Party-masses service center")
        ELDERLY_CARE = "elderly_care", _("Elderly-care station")
        SOCIAL_WORK = "social_work", _("Social-work station")
        CHARITY_SUPERMARKET = "charity_supermarket", _("Charity supermarket")
        CANTEEN = "canteen", _("Community canteen")
        LOVE_WAREHOUSE = "love_warehouse", _("Love warehouse")
        OTHER = "other", _("Other")

    community = models.ForeignKey(
        Community, verbose_name=_("community"), on_delete=models.PROTECT, related_name="sites"
    )
    kind = models.CharField(_("kind"), max_length=32, choices=Kind.choices)
    name = models.CharField(_("name"), max_length=100)
    address = models.CharField(_("address"), max_length=200)
    phone = models.CharField(_("phone"), max_length=32, blank=True)
    opening_hours = models.CharField(_("opening hours"), max_length=100, blank=True)
    # WGS-84 decimal degrees.
    latitude = models.DecimalField(
        _("latitude"),
        max_digits=9,
        decimal_places=6,
        validators=[MinValueValidator(Decimal("-90")), MaxValueValidator(Decimal("90"))],
    )
    longitude = models.DecimalField(
        _("longitude"),
        max_digits=9,
        decimal_places=6,
        validators=[MinValueValidator(Decimal("-180")), MaxValueValidator(Decimal("180"))],
    )

    class Meta:
        verbose_name = _("service site")
        verbose_name_plural = _("service sites")
        ordering = ["community", "kind", "name"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(latitude__gte=-90, latitude__lte=90)
                & models.Q(longitude__gte=-180, longitude__lte=180),
                name="service_site_coordinates_in_range",
            )
        ]

    def __str__(self) -> str:
        return self.name
