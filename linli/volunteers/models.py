"""Volunteers (志愿者) and volunteer teams (志愿服务队)."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from linli.core.models import StatusEvent

WEEKDAYS = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"]


class Period(models.TextChoices):
    MORNING = "morning", _("Morning")
    AFTERNOON = "afternoon", _("Afternoon")
    EVENING = "evening", _("Evening")


class Skill(models.Model):
    """A skill from the maintained list (理发, 维修, 陪诊, 心理疏导…)."""

    code = models.SlugField(_("code"), max_length=40, unique=True)
    name = models.CharField(_("name"), max_length=50)
    category = models.CharField(_("category"), max_length=50, blank=True)
    is_active = models.BooleanField(_("in use"), default=True)

    class Meta:
        verbose_name = _("skill")
        verbose_name_plural = _("skills")
        ordering = ["category", "name"]

    def __str__(self) -> str:
        return self.name


class Volunteer(models.Model):
    """A resident who registered to volunteer, with consent, skills, availability and area."""

    class Status(models.TextChoices):
        ACTIVE = "active", _("Active")
        PAUSED = "paused", _("Paused")

    person = models.OneToOneField(
        "people.Person",
        verbose_name=_("resident"),
        on_delete=models.PROTECT,
        related_name="volunteer",
    )
    community = models.ForeignKey(
        "places.Community", verbose_name=_("community"), on_delete=models.PROTECT, related_name="+"
    )
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        verbose_name=_("login"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="volunteer",
    )
    registered_on = models.DateField(_("registered on"))
    status = models.CharField(_("status"), max_length=16, choices=Status.choices, default="active")
    skills = models.ManyToManyField(Skill, verbose_name=_("skills"), blank=True, related_name="+")
    # {"mon": ["morning", "evening"], ...}: when the volunteer is usually free.
    availability = models.JSONField(_("availability"), default=dict, blank=True)
    service_grids = models.ManyToManyField(
        "places.Grid", verbose_name=_("service area"), blank=True, related_name="+"
    )
    registered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("volunteer")
        verbose_name_plural = _("volunteers")
        ordering = ["person__name"]

    def __str__(self) -> str:
        return str(self.person)


class Team(models.Model):
    """志愿服务队: a team of a community with leaders and members."""

    community = models.ForeignKey(
        "places.Community", verbose_name=_("community"), on_delete=models.PROTECT, related_name="+"
    )
    name = models.CharField(_("name"), max_length=100)
    description = models.TextField(_("description"), blank=True)
    is_active = models.BooleanField(_("active"), default=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("team")
        verbose_name_plural = _("teams")
        ordering = ["community", "name"]
        constraints = [
            models.UniqueConstraint(
                fields=["community", "name"], name="team_name_unique_in_community"
            )
        ]

    def __str__(self) -> str:
        return self.name


class TeamMembership(models.Model):
    """A volunteer's place in a team: a request, then a member or a leader."""

    class Role(models.TextChoices):
        MEMBER = "member", _("Member")
        LEADER = "leader", _("Leader")

    class Status(models.TextChoices):
        PENDING = "pending", _("Waiting for approval")
        APPROVED = "approved", _("Approved")
        REJECTED = "rejected", _("Rejected")
        LEFT = "left", _("Left")

    team = models.ForeignKey(Team, on_delete=models.PROTECT, related_name="memberships")
    volunteer = models.ForeignKey(Volunteer, on_delete=models.PROTECT, related_name="memberships")
    role = models.CharField(_("role"), max_length=16, choices=Role.choices, default="member")
    status = models.CharField(_("status"), max_length=16, choices=Status.choices, default="pending")
    requested_at = models.DateTimeField(auto_now_add=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    reason = models.CharField(_("reason"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("team membership")
        verbose_name_plural = _("team memberships")
        constraints = [
            models.UniqueConstraint(
                fields=["team", "volunteer"],
                condition=models.Q(status__in=["pending", "approved"]),
                name="team_membership_one_open_per_volunteer",
            ),
            models.CheckConstraint(
                condition=~models.Q(status="rejected") | ~models.Q(reason=""),
                name="team_membership_rejection_has_reason",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.volunteer} · {self.team}"


class ServiceRecord(models.Model):
    """服务时长: hours a volunteer served, verified (or rejected) by someone else.

    A verified record credits points once, through the ledger; it is corrected only by reversing it.
    """

    class Status(models.TextChoices):
        SUBMITTED = "submitted", _("Waiting for verification")
        VERIFIED = "verified", _("Verified")
        REJECTED = "rejected", _("Rejected")
        REVERSED = "reversed", _("Reversed")

    # The one table of allowed transitions.
    TRANSITIONS = {
        Status.SUBMITTED: {Status.VERIFIED, Status.REJECTED},
        Status.VERIFIED: {Status.REVERSED},
    }

    volunteer = models.ForeignKey(
        Volunteer, verbose_name=_("volunteer"), on_delete=models.PROTECT, related_name="records"
    )
    community = models.ForeignKey(
        "places.Community", verbose_name=_("community"), on_delete=models.PROTECT, related_name="+"
    )
    team = models.ForeignKey(
        Team,
        verbose_name=_("team"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="service_records",
    )
    served_on = models.DateField(_("served on"))
    hours = models.DecimalField(_("hours"), max_digits=5, decimal_places=2)
    description = models.CharField(_("what was done"), max_length=200)
    status = models.CharField(
        _("status"), max_length=16, choices=Status.choices, default=Status.SUBMITTED
    )
    points = models.PositiveIntegerField(_("points"), null=True, blank=True)
    credit = models.OneToOneField(
        "ledger.LedgerTransaction",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("service-hour record")
        verbose_name_plural = _("service-hour records")
        ordering = ["-served_on", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(hours__gt=0, hours__lte=24), name="service_record_hours_in_a_day"
            ),
            models.CheckConstraint(
                condition=~models.Q(status="verified")
                | models.Q(credit__isnull=False)
                | models.Q(points=0),
                name="service_record_verified_has_credit",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.volunteer} · {self.served_on} · {self.hours}h"


class ServiceRecordEvent(StatusEvent):
    """One step of a record's timeline: who moved it from which state to which, when, and why."""

    record = models.ForeignKey(ServiceRecord, on_delete=models.CASCADE, related_name="events")

    class Meta(StatusEvent.Meta):
        pass

    def __str__(self) -> str:
        return f"{self.record_id}: {self.from_status} → {self.to_status}"


# 星级志愿者: cumulative verified hours for one to five stars, and the points a volunteer must
# have earned in the year to be rated that year (the seeds' "30+ points a year").
DEFAULT_STAR_HOURS = (100, 300, 600, 1000, 1500)
DEFAULT_MIN_POINTS = 30


class StarPolicy(models.Model):
    """A community's star thresholds (hours for 1…5 stars) and the yearly points needed."""

    community = models.OneToOneField(
        "places.Community", verbose_name=_("community"), on_delete=models.PROTECT, related_name="+"
    )
    one_star = models.PositiveIntegerField(_("hours for one star"))
    two_stars = models.PositiveIntegerField(_("hours for two stars"))
    three_stars = models.PositiveIntegerField(_("hours for three stars"))
    four_stars = models.PositiveIntegerField(_("hours for four stars"))
    five_stars = models.PositiveIntegerField(_("hours for five stars"))
    min_points = models.PositiveIntegerField(_("points earned in the year to be rated"))
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("star rating policy")
        verbose_name_plural = _("star rating policies")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(one_star__gte=1)
                & models.Q(two_stars__gt=models.F("one_star"))
                & models.Q(three_stars__gt=models.F("two_stars"))
                & models.Q(four_stars__gt=models.F("three_stars"))
                & models.Q(five_stars__gt=models.F("four_stars")),
                name="star_policy_thresholds_increase",
            )
        ]

    def __str__(self) -> str:
        return str(self.community)

    @property
    def thresholds(self) -> tuple[int, int, int, int, int]:
        return (self.one_star, self.two_stars, self.three_stars, self.four_stars, self.five_stars)


class StarRatingRun(models.Model):
    """The yearly star rating (年度星级评定) of one community: run once per year, final."""

    community = models.ForeignKey(
        "places.Community", verbose_name=_("community"), on_delete=models.PROTECT, related_name="+"
    )
    year = models.PositiveIntegerField(_("year"))
    thresholds = models.JSONField(_("thresholds used"))
    min_points = models.PositiveIntegerField(_("points needed"))
    eligible = models.PositiveIntegerField(_("eligible volunteers"))
    awarded = models.PositiveIntegerField(_("volunteers awarded stars"))
    run_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text=_("Empty when the scheduled yearly command ran it."),
    )
    run_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("star rating run")
        verbose_name_plural = _("star rating runs")
        ordering = ["-year", "community"]
        constraints = [
            models.UniqueConstraint(fields=["community", "year"], name="star_run_once_a_year")
        ]

    def __str__(self) -> str:
        return f"{self.community} {self.year}"


class StarAward(models.Model):
    """The stars a volunteer was awarded in a year's run, with the figures it was based on."""

    run = models.ForeignKey(StarRatingRun, on_delete=models.PROTECT, related_name="awards")
    volunteer = models.ForeignKey(
        Volunteer, verbose_name=_("volunteer"), on_delete=models.PROTECT, related_name="stars"
    )
    year = models.PositiveIntegerField(_("year"))
    stars = models.PositiveSmallIntegerField(_("stars"))
    hours_total = models.DecimalField(_("cumulative hours"), max_digits=8, decimal_places=2)
    points_in_year = models.IntegerField(_("points earned in the year"))

    class Meta:
        verbose_name = _("star award")
        verbose_name_plural = _("star awards")
        ordering = ["-year", "-stars"]
        constraints = [
            models.UniqueConstraint(fields=["volunteer", "year"], name="star_award_once_a_year"),
            models.CheckConstraint(
                condition=models.Q(stars__gte=1, stars__lte=5), name="star_award_one_to_five"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.volunteer} {self.year}: {self.stars}★"
