"""The resident registry (居民档案): Person, Household, vulnerability tags, consent, imports."""

from __future__ import annotations

import datetime

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from linli.core.privacy import EncryptedTextField

ADVANCED_AGE_YEARS = 80
CHILD_AGE_YEARS = 14


class Tag(models.TextChoices):
    """特殊群体标签. ``advanced_age`` (高龄) is derived from the birth date, never set by hand."""

    ADVANCED_AGE = "advanced_age", _("Advanced age (80+)")
    LIVES_ALONE = "lives_alone", _("Lives alone")
    EMPTY_NEST = "empty_nest", _("Empty nest")
    DISABLED = "disabled", _("Disabled")
    LOW_INCOME = "low_income", _("Low income (dibao)")
    EXTREME_POVERTY = "extreme_poverty", _("Extreme poverty (tekun)")
    CHILD_IN_DIFFICULTY = "child_in_difficulty", _("Child in difficulty")
    EMERGENCY_RELIEF = "emergency_relief", _("Emergency relief")


SETTABLE_TAGS = [(value, label) for value, label in Tag.choices if value != Tag.ADVANCED_AGE]


class Gender(models.TextChoices):
    MALE = "male", _("Male")
    FEMALE = "female", _("Female")
    UNKNOWN = "unknown", _("Unknown")


class Household(models.Model):
    """户: people living at one address, with a head (户主)."""

    community = models.ForeignKey(
        "places.Community",
        verbose_name=_("community"),
        on_delete=models.PROTECT,
        related_name="households",
    )
    compound = models.ForeignKey(
        "places.Compound",
        verbose_name=_("compound"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="households",
    )
    address = models.CharField(_("building and door"), max_length=100)
    head = models.ForeignKey(
        "Person",
        verbose_name=_("head of household"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("household")
        verbose_name_plural = _("households")
        ordering = ["community", "compound", "address"]

    def __str__(self) -> str:
        where = f"{self.compound} {self.address}" if self.compound_id else self.address
        return where.strip()


class Person(models.Model):
    """居民: a resident known to the community. ID and mobile numbers are encrypted at rest."""

    community = models.ForeignKey(
        "places.Community",
        verbose_name=_("community"),
        on_delete=models.PROTECT,
        related_name="people",
    )
    name = models.CharField(_("name"), max_length=50)
    name_initials = models.CharField(max_length=50, blank=True, db_index=True)
    gender = models.CharField(_("gender"), max_length=8, choices=Gender.choices)
    birth_date = models.DateField(_("birth date"), null=True, blank=True, db_index=True)
    id_number = EncryptedTextField(_("ID number"), blank=True, default="")
    id_number_hash = models.CharField(max_length=64, blank=True, default="", db_index=True)
    id_number_masked = models.CharField(_("ID number"), max_length=20, blank=True, default="")
    mobile = EncryptedTextField(_("mobile"), blank=True, default="")
    mobile_hash = models.CharField(max_length=64, blank=True, default="", db_index=True)
    mobile_masked = models.CharField(_("mobile"), max_length=20, blank=True, default="")
    compound = models.ForeignKey(
        "places.Compound",
        verbose_name=_("compound"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="people",
    )
    address = models.CharField(_("building and door"), max_length=100, blank=True)
    household = models.ForeignKey(
        Household,
        verbose_name=_("household"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="members",
    )
    relation_to_head = models.CharField(_("relation to head"), max_length=20, blank=True)
    guardian = models.ForeignKey(
        "self",
        verbose_name=_("guardian"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="wards",
    )
    notes = models.TextField(_("notes"), blank=True)
    is_anonymised = models.BooleanField(default=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        verbose_name = _("resident")
        verbose_name_plural = _("residents")
        ordering = ["name", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["community", "id_number_hash"],
                condition=~models.Q(id_number_hash=""),
                name="person_id_number_unique_in_community",
            ),
            models.CheckConstraint(
                condition=~models.Q(guardian=models.F("id")), name="person_not_own_guardian"
            ),
        ]
        indexes = [models.Index(fields=["community", "name"])]

    def __str__(self) -> str:
        return self.name

    def age(self, today: datetime.date | None = None) -> int | None:
        if self.birth_date is None:
            return None
        today = today or datetime.date.today()
        years = today.year - self.birth_date.year
        if (today.month, today.day) < (self.birth_date.month, self.birth_date.day):
            years -= 1
        return years

    @property
    def is_advanced_age(self) -> bool:
        age = self.age()
        return age is not None and age >= ADVANCED_AGE_YEARS

    @property
    def is_child(self) -> bool:
        age = self.age()
        return age is not None and age < CHILD_AGE_YEARS


class PersonTag(models.Model):
    """One period during which a person carried a vulnerability tag, and who set it."""

    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="tags")
    tag = models.CharField(_("tag"), max_length=32, choices=SETTABLE_TAGS)
    start_date = models.DateField(_("from"))
    end_date = models.DateField(_("until"), null=True, blank=True)
    note = models.CharField(_("note"), max_length=200, blank=True)
    set_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("set by"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    ended_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("ended by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("vulnerability tag")
        verbose_name_plural = _("vulnerability tags")
        ordering = ["-start_date", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["person", "tag"],
                condition=models.Q(end_date__isnull=True),
                name="person_tag_one_open_period",
            ),
            models.CheckConstraint(
                condition=models.Q(end_date__isnull=True)
                | models.Q(end_date__gte=models.F("start_date")),
                name="person_tag_ends_after_start",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.person} · {self.get_tag_display()}"

    @property
    def is_active(self) -> bool:
        return self.end_date is None or self.end_date >= datetime.date.today()


class Consent(models.Model):
    """知情同意: what a person (or the guardian of a child under 14) agreed to, when, and
    who recorded it."""

    class Purpose(models.TextChoices):
        REGISTRY = "registry", _("Collection and use of personal information")
        HEALTH = "health", _("Health information")
        PHOTOS = "photos", _("Photos and publicity")
        CONTACT = "contact", _("Service contact by phone and messages")
        VOLUNTEER = "volunteer", _("Volunteer service and its records")

    class Method(models.TextChoices):
        SIGNED = "signed", _("Signed form")
        VERBAL = "verbal", _("Verbal, witnessed")
        ONLINE = "online", _("Online")

    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="consents")
    purpose = models.CharField(_("purpose"), max_length=16, choices=Purpose.choices)
    method = models.CharField(_("method"), max_length=16, choices=Method.choices)
    given_on = models.DateField(_("given on"))
    guardian = models.ForeignKey(
        Person,
        verbose_name=_("guardian who consented"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("recorded by"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    withdrawn_on = models.DateField(_("withdrawn on"), null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("consent")
        verbose_name_plural = _("consents")
        ordering = ["-given_on", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(withdrawn_on__isnull=True)
                | models.Q(withdrawn_on__gte=models.F("given_on")),
                name="consent_withdrawn_after_given",
            )
        ]

    def __str__(self) -> str:
        return f"{self.person} · {self.get_purpose_display()}"


class ImportBatch(models.Model):
    """An uploaded roster: checked rows waiting for confirmation, then applied in chunks.

    Rows (with each row's result once applied) are kept encrypted; when the import ends only the
    rows the worker must still act on (failed rows, children under 14) are kept, numbers masked."""

    class Status(models.TextChoices):
        PREVIEW = "preview", _("Waiting for confirmation")
        APPLYING = "applying", _("Importing")
        APPLIED = "applied", _("Imported")
        DISCARDED = "discarded", _("Discarded")

    community = models.ForeignKey(
        "places.Community", on_delete=models.PROTECT, related_name="import_batches"
    )
    file_name = models.CharField(max_length=200)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.PREVIEW)
    rows = EncryptedTextField(blank=True, default="")  # JSON of parsed rows with their errors
    row_count = models.PositiveIntegerField(default=0)
    error_count = models.PositiveIntegerField(default=0)
    update_count = models.PositiveIntegerField(default=0)
    child_count = models.PositiveIntegerField(default=0)
    header_line = models.PositiveIntegerField(default=1)
    ignored_columns = models.JSONField(default=list, blank=True)
    # Applying: rows are written in chunks, each in its own short transaction.
    update_existing = models.BooleanField(default=False)
    done_count = models.PositiveIntegerField(default=0)
    created_count = models.PositiveIntegerField(default=0)
    updated_count = models.PositiveIntegerField(default=0)
    tagged_count = models.PositiveIntegerField(default=0)
    failed_count = models.PositiveIntegerField(default=0)
    chunk_count = models.PositiveIntegerField(default=0)
    stopped_reason = models.CharField(max_length=300, blank=True)
    apply_started_at = models.DateTimeField(null=True, blank=True)
    apply_finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("import batch")
        verbose_name_plural = _("import batches")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return self.file_name
