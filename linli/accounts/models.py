"""Users, memberships (role × community or street) and API tokens."""

import hashlib

from django.contrib.auth.models import AbstractUser
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from linli.accounts.roles import Role
from linli.core.privacy import EncryptedTextField, keyed_hash, mask_mobile


class User(AbstractUser):
    """A person who logs in. Logs in with username or mobile number (手机号)."""

    display_name = models.CharField(_("display name"), max_length=50, blank=True)
    mobile = EncryptedTextField(_("mobile"), blank=True, default="")
    mobile_hash = models.CharField(max_length=64, blank=True, default="", db_index=True)
    mobile_masked = models.CharField(_("mobile"), max_length=20, blank=True, default="")
    person = models.OneToOneField(
        "people.Person",
        verbose_name=_("resident"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="login",
        help_text=_("The resident this login belongs to (their points, hours, vouchers)."),
    )
    must_change_password = models.BooleanField(
        _("must change password"),
        default=False,
        help_text=_("Set when an administrator gave a temporary password; cleared by changing it."),
    )

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")
        constraints = [
            models.UniqueConstraint(
                fields=["mobile_hash"],
                condition=~models.Q(mobile_hash=""),
                name="user_mobile_unique",
            )
        ]

    def __str__(self) -> str:
        return self.display_name or self.username

    def set_mobile(self, mobile: str) -> None:
        self.mobile = mobile
        self.mobile_hash = keyed_hash(mobile) if mobile else ""
        self.mobile_masked = mask_mobile(mobile)


class Membership(models.Model):
    """A user's role at one community, or (street_admin) at one street (成员身份)."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="memberships")
    role = models.CharField(_("role"), max_length=32, choices=Role.choices)
    community = models.ForeignKey(
        "places.Community",
        verbose_name=_("community"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="memberships",
    )
    street = models.ForeignKey(
        "places.Street",
        verbose_name=_("street"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="memberships",
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("membership")
        verbose_name_plural = _("memberships")
        constraints = [
            models.CheckConstraint(
                condition=(
                    models.Q(role=Role.STREET_ADMIN, street__isnull=False, community__isnull=True)
                    | (
                        ~models.Q(role=Role.STREET_ADMIN)
                        & models.Q(street__isnull=True, community__isnull=False)
                    )
                ),
                name="membership_street_role_at_street_others_at_community",
            ),
            models.UniqueConstraint(
                fields=["user", "role", "community"],
                condition=models.Q(community__isnull=False),
                name="membership_unique_at_community",
            ),
            models.UniqueConstraint(
                fields=["user", "role", "street"],
                condition=models.Q(street__isnull=False),
                name="membership_unique_at_street",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user} · {self.get_role_display()} · {self.community or self.street}"


class ApiToken(models.Model):
    """A bearer token for phone clients. Only its SHA-256 is stored; the token is shown once.

    It expires after ``LINLI_API_TOKEN_DAYS`` without use: each use (recorded at most once a
    minute) moves ``expires_at`` forward. ``auth_hash`` ties it to the password it was issued
    under, so a password change by any route (page, admin, command) ends it."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="api_tokens")
    key_hash = models.CharField(max_length=64, unique=True)
    prefix = models.CharField(_("begins with"), max_length=8, blank=True, default="")
    name = models.CharField(_("device"), max_length=50, blank=True, default="")
    auth_hash = models.CharField(max_length=128, blank=True, default="")
    created_at = models.DateTimeField(_("issued"), auto_now_add=True)
    expires_at = models.DateTimeField(_("expires"))
    last_used_at = models.DateTimeField(_("last used"), null=True, blank=True)

    class Meta:
        verbose_name = _("API token")
        verbose_name_plural = _("API tokens")

    def __str__(self) -> str:
        return f"{self.user} · {self.created_at:%Y-%m-%d}"

    @staticmethod
    def hash_key(key: str) -> str:
        return hashlib.sha256(key.encode()).hexdigest()

    @property
    def is_expired(self) -> bool:
        return self.expires_at <= timezone.now()


class LoginFailure(models.Model):
    """One failed password check (accounts.lockout). ``identity`` is ``user:<pk>`` or a keyed
    hash of the typed name, never the name itself; ``address`` is the client address (IPv6: /64).
    Rows older than the lockout window are deleted as new failures arrive."""

    identity = models.CharField(max_length=80)
    address = models.CharField(max_length=64)
    at = models.DateTimeField(default=timezone.now, db_index=True)

    class Meta:
        verbose_name = _("failed login")
        verbose_name_plural = _("failed logins")
        indexes = [models.Index(fields=["address", "identity", "at"])]

    def __str__(self) -> str:
        return f"{self.identity} · {self.address} · {self.at:%Y-%m-%d %H:%M}"
