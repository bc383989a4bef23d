"""Needs (需求清单), resources (资源清单) and service orders (四单: 点单 → 派单 → 接单 → 评单)."""

from decimal import Decimal

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from linli.core.models import StatusEvent


class Category(models.TextChoices):
    """What kind of help: shared by needs, resources and orders."""

    DAILY_CARE = "daily_care", _("Daily care")
    MEAL = "meal", _("Meals")
    CLEANING = "cleaning", _("Cleaning")
    REPAIR = "repair", _("Repairs")
    COMPANIONSHIP = "companionship", _("Companionship")
    MEDICAL_ESCORT = "medical_escort", _("Medical escort")
    PSYCHOLOGICAL = "psychological", _("Psychological support")
    MATERIAL_AID = "material_aid", _("Material aid")
    LEGAL_ADVICE = "legal_advice", _("Legal and policy advice")
    EMERGENCY = "emergency", _("Emergency")


# The volunteer skills (codes of the maintained skill list) that can serve each category; a
# category absent here (material aid, emergency) can be served by any volunteer.
CATEGORY_SKILLS: dict[str, frozenset[str]] = {
    Category.DAILY_CARE: frozenset({"nursing", "cleaning", "haircut", "meal_delivery"}),
    Category.MEAL: frozenset({"meal_delivery"}),
    Category.CLEANING: frozenset({"cleaning"}),
    Category.REPAIR: frozenset({"appliance_repair", "plumbing_electrical"}),
    Category.COMPANIONSHIP: frozenset({"companionship", "counselling"}),
    Category.MEDICAL_ESCORT: frozenset({"medical_escort", "nursing"}),
    Category.PSYCHOLOGICAL: frozenset({"counselling"}),
    Category.LEGAL_ADVICE: frozenset({"legal_advice", "digital_help"}),
}


class Urgency(models.TextChoices):
    EMERGENCY = "emergency", _("Emergency")
    WITHIN_48H = "within_48h", _("Within 48 hours")
    THIS_WEEK = "this_week", _("This week")
    FLEXIBLE = "flexible", _("Flexible")


# How much an urgency weighs when places are short (matching) — the most urgent go first.
URGENCY_PRIORITY = {
    Urgency.EMERGENCY: 4.0,
    Urgency.WITHIN_48H: 2.0,
    Urgency.THIS_WEEK: 1.5,
    Urgency.FLEXIBLE: 1.0,
}


class Need(models.Model):
    """需求: something a resident or a household needs, found by a visit, a call, themself or a
    referral. Open → being met (an order serves it) → met, or closed with a reason."""

    class Source(models.TextChoices):
        VISIT = "visit", _("Visit")
        PHONE = "phone", _("Phone call")
        SELF_REPORT = "self_report", _("Self-report")
        REFERRAL = "referral", _("Referral")

    class Status(models.TextChoices):
        OPEN = "open", _("Open")
        BEING_MET = "being_met", _("Being met")
        MET = "met", _("Met")
        CLOSED = "closed", _("Closed")

    TRANSITIONS = {
        Status.OPEN: {Status.BEING_MET, Status.MET, Status.CLOSED},
        Status.BEING_MET: {Status.OPEN, Status.MET, Status.CLOSED},
        Status.MET: {Status.OPEN},
        Status.CLOSED: {Status.OPEN},
    }

    community = models.ForeignKey(
        "places.Community", verbose_name=_("community"), on_delete=models.PROTECT, related_name="+"
    )
    person = models.ForeignKey(
        "people.Person",
        verbose_name=_("resident"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="needs",
    )
    household = models.ForeignKey(
        "people.Household",
        verbose_name=_("household"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="needs",
    )
    category = models.CharField(_("category"), max_length=20, choices=Category.choices)
    urgency = models.CharField(_("urgency"), max_length=12, choices=Urgency.choices)
    source = models.CharField(_("source"), max_length=12, choices=Source.choices)
    description = models.CharField(_("description"), max_length=500)
    status = models.CharField(
        _("status"), max_length=12, choices=Status.choices, default=Status.OPEN
    )
    closed_reason = models.CharField(_("reason for closing"), max_length=200, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("need")
        verbose_name_plural = _("needs")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(person__isnull=False) | Q(household__isnull=False),
                name="need_has_person_or_household",
            ),
            models.CheckConstraint(
                condition=~Q(status="closed") | ~Q(closed_reason=""),
                name="need_closed_with_reason",
            ),
        ]
        indexes = [models.Index(fields=["community", "status", "category"])]

    def __str__(self) -> str:
        return f"{self.get_category_display()} · {self.person or self.household}"


class NeedEvent(StatusEvent):
    need = models.ForeignKey(Need, on_delete=models.CASCADE, related_name="events")


class Resource(models.Model):
    """资源: something the community can call on beyond its volunteers and goods — a clinic's free
    check-ups, a barber's haircuts, a lawyer's hour a week, a room, money for a purpose."""

    class Kind(models.TextChoices):
        PARTNER_SERVICE = "partner_service", _("Partner service")
        GOODS = "goods", _("Goods")
        FUND = "fund", _("Money")
        SPACE = "space", _("Space")
        OTHER = "other", _("Other")

    community = models.ForeignKey(
        "places.Community", verbose_name=_("community"), on_delete=models.PROTECT, related_name="+"
    )
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    category = models.CharField(_("category"), max_length=20, choices=Category.choices)
    title = models.CharField(_("what is offered"), max_length=100)
    description = models.CharField(_("description"), max_length=500, blank=True)
    offered_by = models.CharField(_("offered by"), max_length=100)
    contact = models.CharField(_("contact"), max_length=100, blank=True)
    capacity = models.CharField(_("how much"), max_length=100, blank=True)
    available_until = models.DateField(_("available until"), null=True, blank=True)
    is_active = models.BooleanField(_("active"), default=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("resource")
        verbose_name_plural = _("resources")
        ordering = ["category", "title", "id"]

    def __str__(self) -> str:
        return self.title


class ServiceOrder(models.Model):
    """服务订单 (四单): a resident orders a service (点单), the station dispatches it to a volunteer
    or a team (派单), they accept and serve it (接单), and resident, station and team evaluate it
    together (评单). Volunteer points are credited when the station's review completes it."""

    class Channel(models.TextChoices):
        RESIDENT = "resident", _("By the resident")
        WORKER = "worker", _("By a worker for the resident")
        NEED = "need", _("From a need")

    class Status(models.TextChoices):
        ORDERED = "ordered", _("Ordered")
        DISPATCHED = "dispatched", _("Dispatched")
        ACCEPTED = "accepted", _("Accepted")
        IN_SERVICE = "in_service", _("In service")
        DONE = "done", _("Done")
        EVALUATED = "evaluated", _("Evaluated")
        CLOSED = "closed", _("Closed")
        CANCELLED = "cancelled", _("Cancelled")

    TRANSITIONS = {
        Status.ORDERED: {Status.DISPATCHED, Status.CANCELLED},
        Status.DISPATCHED: {Status.ACCEPTED, Status.ORDERED, Status.CANCELLED},
        Status.ACCEPTED: {Status.IN_SERVICE, Status.CANCELLED},
        Status.IN_SERVICE: {Status.DONE, Status.CANCELLED},
        Status.DONE: {Status.EVALUATED},
        Status.EVALUATED: {Status.CLOSED},
    }
    OPEN_STATES = (Status.ORDERED, Status.DISPATCHED, Status.ACCEPTED, Status.IN_SERVICE)
    ASSIGNED_STATES = (
        Status.DISPATCHED,
        Status.ACCEPTED,
        Status.IN_SERVICE,
        Status.DONE,
        Status.EVALUATED,
        Status.CLOSED,
    )

    community = models.ForeignKey(
        "places.Community", verbose_name=_("community"), on_delete=models.PROTECT, related_name="+"
    )
    person = models.ForeignKey(
        "people.Person",
        verbose_name=_("resident"),
        on_delete=models.PROTECT,
        related_name="service_orders",
    )
    need = models.ForeignKey(
        Need,
        verbose_name=_("need"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="orders",
    )
    channel = models.CharField(_("ordered"), max_length=10, choices=Channel.choices)
    category = models.CharField(_("service"), max_length=20, choices=Category.choices)
    urgency = models.CharField(_("urgency"), max_length=12, choices=Urgency.choices)
    description = models.CharField(_("what is needed"), max_length=300)
    wanted_at = models.DateTimeField(_("wanted at"), null=True, blank=True)
    status = models.CharField(
        _("status"), max_length=12, choices=Status.choices, default=Status.ORDERED
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(_("ordered at"), auto_now_add=True)

    # 派单 / 接单
    team = models.ForeignKey(
        "volunteers.Team",
        verbose_name=_("team"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    volunteer = models.ForeignKey(
        "volunteers.Volunteer",
        verbose_name=_("volunteer"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="service_orders",
    )
    due_at = models.DateTimeField(_("to be accepted by"), null=True, blank=True)
    dispatched_at = models.DateTimeField(_("dispatched at"), null=True, blank=True)
    accepted_at = models.DateTimeField(_("accepted at"), null=True, blank=True)
    checked_in_at = models.DateTimeField(_("service started"), null=True, blank=True)
    checked_out_at = models.DateTimeField(_("service finished"), null=True, blank=True)
    service_notes = models.CharField(_("service notes"), max_length=500, blank=True)

    # 评单
    resident_rating = models.PositiveSmallIntegerField(
        _("resident's rating"), null=True, blank=True
    )
    resident_words = models.CharField(_("resident's words"), max_length=300, blank=True)
    resident_rated_at = models.DateTimeField(null=True, blank=True)
    team_account = models.CharField(_("team's account"), max_length=500, blank=True)
    team_account_at = models.DateTimeField(null=True, blank=True)
    station_review = models.CharField(_("station's review"), max_length=500, blank=True)
    reviewed_at = models.DateTimeField(null=True, blank=True)
    service_record = models.OneToOneField(
        "volunteers.ServiceRecord",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="service_order",
    )
    cancel_reason = models.CharField(_("reason for cancelling"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("service order")
        verbose_name_plural = _("service orders")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(resident_rating__isnull=True)
                | Q(resident_rating__gte=1, resident_rating__lte=5),
                name="service_order_rating_1_to_5",
            ),
            models.CheckConstraint(
                condition=~Q(
                    status__in=[
                        "dispatched",
                        "accepted",
                        "in_service",
                        "done",
                        "evaluated",
                        "closed",
                    ]
                )
                | Q(volunteer__isnull=False)
                | Q(team__isnull=False),
                name="service_order_assigned_once_dispatched",
            ),
            models.CheckConstraint(
                condition=~Q(status__in=["accepted", "in_service", "done", "evaluated", "closed"])
                | Q(volunteer__isnull=False),
                name="service_order_volunteer_once_accepted",
            ),
            models.CheckConstraint(
                condition=~Q(status="cancelled") | ~Q(cancel_reason=""),
                name="service_order_cancelled_with_reason",
            ),
        ]
        indexes = [
            models.Index(fields=["community", "status", "created_at"]),
            models.Index(fields=["volunteer", "status"]),
        ]

    def __str__(self) -> str:
        return f"#{self.pk} {self.get_category_display()} · {self.person}"

    @property
    def hours_credited(self) -> Decimal | None:
        """The verified hours of the serving volunteer (their ``ServiceRecord``), 0 when the
        station credited none, ``None`` before the review."""
        if self.service_record_id is not None:
            return self.service_record.hours
        return Decimal(0) if self.reviewed_at is not None else None


class ServiceOrderEvent(StatusEvent):
    order = models.ForeignKey(ServiceOrder, on_delete=models.CASCADE, related_name="events")


class ServiceOrderPhoto(models.Model):
    """A photo taken at check-out (the repaired tap, the clean kitchen); served only in scope."""

    order = models.ForeignKey(ServiceOrder, on_delete=models.CASCADE, related_name="photos")
    image = models.FileField(_("photo"), upload_to="orders/%Y/%m/")
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    uploaded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["id"]

    def __str__(self) -> str:
        return self.image.name


class MatchRun(models.Model):
    """A batch proposal (批量派单): the solver's assignment of open orders, kept for the station to
    review; applying it dispatches the lines still ticked and still open."""

    class Status(models.TextChoices):
        PROPOSED = "proposed", _("Proposed")
        APPLIED = "applied", _("Applied")
        DISCARDED = "discarded", _("Discarded")

    community = models.ForeignKey(
        "places.Community", verbose_name=_("community"), on_delete=models.PROTECT, related_name="+"
    )
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.PROPOSED
    )
    orders_considered = models.PositiveIntegerField(_("open orders"))
    total_cost = models.FloatField(_("total cost"))
    greedy_cost = models.FloatField(_("cost of a one-by-one dispatch"))
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    decided_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("batch matching")
        verbose_name_plural = _("batch matchings")
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"#{self.pk} {self.get_status_display()}"


class MatchLine(models.Model):
    run = models.ForeignKey(MatchRun, on_delete=models.CASCADE, related_name="lines")
    order = models.ForeignKey(ServiceOrder, on_delete=models.CASCADE, related_name="+")
    volunteer = models.ForeignKey(
        "volunteers.Volunteer", null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    team = models.ForeignKey(
        "volunteers.Team", null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    cost = models.FloatField()
    reasons = models.JSONField(default=list)
    applied = models.BooleanField(default=False)

    class Meta:
        ordering = ["id"]
        constraints = [
            models.UniqueConstraint(fields=["run", "order"], name="match_line_order_once_per_run"),
            models.CheckConstraint(
                condition=Q(volunteer__isnull=True, team__isnull=False)
                | Q(volunteer__isnull=False, team__isnull=True),
                name="match_line_volunteer_or_team",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.order_id} → {self.volunteer_id or self.team_id}"
