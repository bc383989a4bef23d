"""Core models: the append-only audit trail (审计日志)."""

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.utils.translation import gettext_lazy as _


class Immutable(TypeError):
    """An append-only row (audit event, ledger posting) was about to be changed or deleted."""


class AppendOnlyQuerySet(models.QuerySet):
    def update(self, **kwargs):
        raise Immutable("These rows are append-only.")

    def delete(self):
        raise Immutable("These rows are append-only.")


class AppendOnlyModel(models.Model):
    """Rows that are written once: save() of an existing row and delete() raise ``Immutable``."""

    objects = AppendOnlyQuerySet.as_manager()

    class Meta:
        abstract = True

    def save(self, *args, **kwargs):
        if not self._state.adding:
            raise Immutable("These rows are append-only.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise Immutable("These rows are append-only.")


class AuditEvent(AppendOnlyModel):
    """One thing somebody did (审计事件). Written by ``core.audit.record`` only, never changed."""

    created_at = models.DateTimeField(_("time"), auto_now_add=True, db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("actor"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    verb = models.CharField(_("action"), max_length=64, db_index=True)
    target_type = models.ForeignKey(
        ContentType, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    target_id = models.CharField(max_length=64, blank=True)
    target_repr = models.CharField(_("target"), max_length=200, blank=True)
    community = models.ForeignKey(
        "places.Community",
        verbose_name=_("community"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    # The person the event is about, kept as a bare id so anonymising a person never rewrites it.
    person_id = models.BigIntegerField(null=True, blank=True, db_index=True)
    details = models.JSONField(_("details"), default=dict, blank=True)

    class Meta:
        verbose_name = _("audit event")
        verbose_name_plural = _("audit events")
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["community", "-created_at"])]

    def __str__(self) -> str:
        return f"{self.created_at:%Y-%m-%d %H:%M} {self.verb} {self.target_repr}"


class StatusEvent(models.Model):
    """One step of a workflow's timeline (see ``core.workflow.transition``): who moved the record
    from which state to which, when, and why. Concrete models add the FK to their record."""

    from_status = models.CharField(max_length=16, blank=True)
    to_status = models.CharField(max_length=16)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    note = models.CharField(max_length=200, blank=True)
    at = models.DateTimeField(auto_now_add=True)

    class Meta:
        abstract = True
        ordering = ["at", "id"]


class Notification(models.Model):
    """站内通知: a message to one user (a daily stock alert, a reminder), shown on the dashboard
    until read. ``key`` makes sending idempotent: the same key reaches a user once."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications"
    )
    community = models.ForeignKey(
        "places.Community", null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    key = models.CharField(max_length=200)
    title = models.CharField(_("title"), max_length=200)
    body = models.TextField(_("message"), blank=True)
    url = models.CharField(max_length=300, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    read_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("notification")
        verbose_name_plural = _("notifications")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["user", "key"], name="notification_once_per_key")
        ]
        indexes = [models.Index(fields=["user", "read_at"])]

    def __str__(self) -> str:
        return self.title


class RequestReceipt(models.Model):
    """A value-moving request done under an idempotency key (see ``core.idempotency``): who sent
    it, the key, the action and a fingerprint of what was asked, and what it produced. Written in
    the same transaction as the action, so a repeat of the key finds the first result, and a
    concurrent repeat waits on the unique (actor, key) and then finds it. Kept, like the ledger's
    own keys: a key is spent for good."""

    actor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    key = models.CharField(max_length=100)
    action = models.CharField(max_length=64)
    fingerprint = models.CharField(max_length=64)
    result_type = models.ForeignKey(
        ContentType, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    result_id = models.BigIntegerField(null=True, blank=True)
    result_value = models.JSONField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("request receipt")
        verbose_name_plural = _("request receipts")
        constraints = [
            models.UniqueConstraint(fields=["actor", "key"], name="request_receipt_once_per_key")
        ]

    def __str__(self) -> str:
        return f"{self.action} {self.key}"
