"""Writes about users, memberships and API tokens."""

from __future__ import annotations

import datetime
import secrets

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from linli.accounts.models import ApiToken, Membership, User
from linli.accounts.roles import STREET_ROLES, Role
from linli.core import audit
from linli.core.errors import ValidationFailed
from linli.core.privacy import keyed_hash, mobile_errors, normalise_mobile


@transaction.atomic
def user_create(
    *,
    actor,
    username: str,
    password: str,
    display_name: str = "",
    mobile: str = "",
) -> User:
    """Create a login. ``actor`` may be None for setup commands (seed, createsuperuser)."""
    errors: dict[str, list[str]] = {}
    if User.objects.filter(username=username).exists():
        errors["username"] = [_("This username is taken.")]
    mobile = normalise_mobile(mobile)
    if mobile:
        if mobile_errors(mobile):
            errors["mobile"] = mobile_errors(mobile)
        elif User.objects.filter(mobile_hash=keyed_hash(mobile)).exists():
            errors["mobile"] = [_("This mobile number already belongs to a user.")]
    if errors:
        raise ValidationFailed(_("Please correct the errors below."), fields=errors)
    user = User(username=username, display_name=display_name)
    user.set_password(password)
    user.set_mobile(mobile)
    user.save()
    audit.record(actor, "user.create", user)
    return user


@transaction.atomic
def membership_grant(
    *, actor, user: User, role: str, community_id: int | None = None, street_id: int | None = None
) -> Membership:
    """Give a user a role at a community (or, for street admins, a street)."""
    if role not in Role.values:
        raise ValidationFailed(_("Unknown role."))
    if (role in STREET_ROLES) != (street_id is not None) or (community_id is None) == (
        street_id is None
    ):
        raise ValidationFailed(
            _("A street administrator belongs to a street; every other role to a community.")
        )
    membership, created = Membership.objects.get_or_create(
        user=user, role=role, community_id=community_id, street_id=street_id
    )
    if created:
        audit.record(actor, "membership.grant", membership, community_id=community_id, role=role)
    return membership


@transaction.atomic
def api_token_issue(*, actor: User) -> str:
    """A new bearer token for ``actor``; only its hash is stored, the token is returned once."""
    key = secrets.token_urlsafe(32)
    ApiToken.objects.create(
        user=actor,
        key_hash=ApiToken.hash_key(key),
        expires_at=timezone.now() + datetime.timedelta(days=settings.API_TOKEN_DAYS),
    )
    audit.record(actor, "api_token.issue", actor)
    return key
