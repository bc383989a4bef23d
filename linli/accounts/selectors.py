"""Reads about users and memberships."""

from __future__ import annotations

from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.crypto import constant_time_compare

from linli.accounts.models import ApiToken, Membership, User
from linli.places.models import Community


def communities_of_user(user: User) -> QuerySet[Community]:
    """Every community where the user holds any membership (street admins: their streets')."""
    if not user.is_authenticated:
        return Community.objects.none()
    community_ids = Membership.objects.filter(user=user, community__isnull=False).values(
        "community_id"
    )
    street_ids = Membership.objects.filter(user=user, street__isnull=False).values("street_id")
    return (
        Community.objects.filter(Q(id__in=community_ids) | Q(street_id__in=street_ids))
        .select_related("street")
        .order_by("code")
    )


def membership_list(user: User) -> QuerySet[Membership]:
    return Membership.objects.filter(user=user).select_related("community", "street")


def user_for_token(key: str) -> User | None:
    """The user a bearer token belongs to, or None when it is unknown, expired (idle too long),
    issued under a password since changed, or its user must first change a temporary password.
    A use is recorded (at most once a minute)."""
    from linli.accounts.services import api_token_touch

    token = (
        ApiToken.objects.select_related("user")
        .filter(key_hash=ApiToken.hash_key(key), user__is_active=True)
        .first()
    )
    if token is None or token.is_expired or token.user.must_change_password:
        return None
    if not constant_time_compare(token.auth_hash, token.user.get_session_auth_hash()):
        return None
    api_token_touch(token)
    return token.user


def api_token_list(user: User) -> QuerySet[ApiToken]:
    """The user's own tokens still in force, newest first."""
    return ApiToken.objects.filter(user=user, expires_at__gt=timezone.now()).order_by(
        "-created_at", "-id"
    )
