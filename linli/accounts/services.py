"""Writes about users, memberships and API tokens."""

from __future__ import annotations

import datetime
import secrets

from django.conf import settings
from django.contrib.auth import password_validation
from django.db import transaction
from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from linli.accounts import devices, lockout
from linli.accounts.models import ApiToken, Membership, User
from linli.accounts.roles import STREET_ROLES, Perm, Role
from linli.core import audit
from linli.core.api import MAX_ID
from linli.core.errors import NotFound, PermissionDenied, ValidationFailed
from linli.core.privacy import keyed_hash, mobile_errors, normalise_mobile
from linli.core.scoping import community_ids, require_any

TOKEN_TOUCH_EVERY = datetime.timedelta(minutes=1)
# Roles whose password a station admin may not reset (their peers and superiors).
PROTECTED_ROLES = frozenset({Role.STREET_ADMIN, Role.STATION_ADMIN})
# No 0/O, 1/l/I: read aloud or copied from a screen by an older volunteer.
TEMPORARY_ALPHABET = "23456789abcdefghjkmnpqrstuvwxyz"


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
    if User.objects.filter(username__iexact=username).exists():
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


def _id_ok(value: int) -> bool:
    """An id a database can hold (a 24-digit one would overflow SQLite: 404, never 500)."""
    return 1 <= value <= MAX_ID


def _token_lifetime() -> datetime.timedelta:
    return datetime.timedelta(days=settings.API_TOKEN_DAYS)


@transaction.atomic
def api_token_issue(*, actor: User, name: str = "", user_agent: str = "") -> str:
    """A new bearer token for ``actor``; only its hash is stored, the token is returned once.
    Without a device ``name`` the token is named after the ``user_agent`` ("Android · Chrome
    120"), so the user can tell their tokens apart.

    Refused while the user must still change a temporary password."""
    if actor.must_change_password:
        raise PermissionDenied(
            _("You must change your temporary password before using the app. Log in on the web.")
        )
    key = secrets.token_urlsafe(32)
    token = ApiToken.objects.create(
        user=actor,
        key_hash=ApiToken.hash_key(key),
        prefix=key[:6],
        name=devices.clean_name(name) or devices.describe_user_agent(user_agent),
        auth_hash=actor.get_session_auth_hash(),
        expires_at=timezone.now() + _token_lifetime(),
    )
    audit.record(actor, "api_token.issue", actor, token_id=token.pk)
    return key


def api_token_touch(token: ApiToken) -> None:
    """Note a use: ``last_used_at`` and the idle expiry move on, written at most once a minute."""
    now = timezone.now()
    if token.last_used_at and now - token.last_used_at < TOKEN_TOUCH_EVERY:
        return
    ApiToken.objects.filter(pk=token.pk).filter(
        Q(last_used_at__isnull=True) | Q(last_used_at__lt=now - TOKEN_TOUCH_EVERY)
    ).update(last_used_at=now, expires_at=now + _token_lifetime())


@transaction.atomic
def api_token_revoke(*, actor: User, token_id: int) -> None:
    """Revoke one of the actor's own tokens (another user's answers 404)."""
    token = ApiToken.objects.filter(user=actor, pk=token_id).first() if _id_ok(token_id) else None
    if token is None:
        raise NotFound(_("Not found."))
    audit.record(actor, "api_token.revoke", actor, token_id=token.pk)
    token.delete()


def _revoke_all_tokens(user: User) -> int:
    return ApiToken.objects.filter(user=user).delete()[0]


@transaction.atomic
def password_change(*, actor: User, new_password: str) -> None:
    """The actor sets their own password (the page checked the old one and Django's password
    validators). Ends their API tokens and clears a forced change."""
    password_validation.validate_password(new_password, actor)
    actor.set_password(new_password)
    actor.must_change_password = False
    actor.save(update_fields=["password", "must_change_password"])
    revoked = _revoke_all_tokens(actor)
    audit.record(actor, "user.password_change", actor, tokens_revoked=revoked)


def password_reset_targets(actor: User) -> QuerySet[User]:
    """Users whose password ``actor`` may reset: members of a community where the actor is a
    station admin (out of scope: 404). Which of them may be reset is ``password_reset_refusal``."""
    ids = community_ids(actor, Perm.USERS_MANAGE)
    return User.objects.filter(memberships__community_id__in=ids).distinct()


def password_reset_refusal(actor: User, user: User) -> str:
    """Why ``actor`` may not reset ``user``'s password ("" when they may)."""
    if user.pk == actor.pk:
        return _("Change your own password on the password page.")
    if user.is_superuser or user.is_staff:
        return _("Only a system administrator can reset this user's password.")
    managed = community_ids(actor, Perm.USERS_MANAGE)
    for role, community_id in user.memberships.values_list("role", "community_id"):
        if role in PROTECTED_ROLES:
            return _("Administrators' passwords are reset by the system administrator.")
        if community_id not in managed:
            return _("This user also works in another community; ask the system administrator.")
    return ""


def password_reset_target(*, actor: User, user_id: int) -> User:
    """One of ``password_reset_targets``, or NotFound (unknown, out of scope, absurd id)."""
    require_any(actor, Perm.USERS_MANAGE)
    user = password_reset_targets(actor).filter(pk=user_id).first() if _id_ok(user_id) else None
    if user is None:
        raise NotFound(_("Not found."))
    return user


def _managed_community_id(actor: User, user: User) -> int | None:
    """The community (of the actor's) an action on ``user`` is audited under."""
    managed = community_ids(actor, Perm.USERS_MANAGE)
    return (
        user.memberships.filter(community_id__in=managed)
        .order_by("community_id")
        .values_list("community_id", flat=True)
        .first()
    )


@transaction.atomic
def user_unlock(*, actor: User, user_id: int) -> User:
    """A station admin lifts the login lockout of a user of their community (their failed logins
    from every address are forgotten; audited when there were any). Address-wide locks stay."""
    user = password_reset_target(actor=actor, user_id=user_id)
    cleared = lockout.clear_user(user)
    if cleared:
        audit.record(
            actor,
            "user.unlock",
            user,
            community_id=_managed_community_id(actor, user),
            failures_cleared=cleared,
        )
    return user


@transaction.atomic
def password_reset(*, actor: User, user_id: int) -> str:
    """A station admin gives a worker, volunteer or resident of their community a temporary
    password (returned once); the user must change it at the next login. Their API tokens and
    other sessions end, and their failed logins are forgotten."""
    user = password_reset_target(actor=actor, user_id=user_id)
    refusal = password_reset_refusal(actor, user)
    if refusal:
        raise PermissionDenied(refusal)
    temporary = "".join(secrets.choice(TEMPORARY_ALPHABET) for _i in range(10))
    user.set_password(temporary)
    user.must_change_password = True
    user.save(update_fields=["password", "must_change_password"])
    revoked = _revoke_all_tokens(user)
    lockout.clear_user(user)
    audit.record(
        actor,
        "user.password_reset",
        user,
        community_id=_managed_community_id(actor, user),
        tokens_revoked=revoked,
    )
    return temporary
