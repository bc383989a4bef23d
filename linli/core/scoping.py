"""Community scoping: every user-triggered read and write goes through these helpers.

A user's memberships decide, per capability (``accounts.roles.Perm``), which communities they
may act in. A record outside those communities does not exist for them: helpers raise
``NotFound`` (404), never a 403 that would confirm it exists. A user holding the capability
nowhere gets ``PermissionDenied`` (403) for the whole page.
"""

from __future__ import annotations

from typing import TypeVar

from django.db import models
from django.utils.translation import gettext as _

from linli.accounts.roles import PERMISSIONS, Role
from linli.core.errors import NotFound, PermissionDenied

M = TypeVar("M", bound=models.Model)


def _memberships(user) -> list[tuple[str, int | None, int | None]]:
    """(role, community_id, street_id) for the user, cached on the user object for the request."""
    if not getattr(user, "is_authenticated", False):
        return []
    cached = getattr(user, "_linli_memberships", None)
    if cached is None:
        cached = list(user.memberships.values_list("role", "community_id", "street_id"))
        user._linli_memberships = cached
    return cached


def roles_of(user) -> set[str]:
    """The roles the user holds anywhere."""
    return {role for role, _c, _s in _memberships(user)}


def community_ids(user, perm: str) -> frozenset[int]:
    """Ids of the communities where ``user`` holds ``perm``."""
    cache = getattr(user, "_linli_scope_cache", None)
    if cache is None:
        cache = {}
        if getattr(user, "is_authenticated", False):
            user._linli_scope_cache = cache
    if perm in cache:
        return cache[perm]
    from linli.places.models import Community

    roles = PERMISSIONS[perm]
    ids: set[int] = set()
    streets: set[int] = set()
    for role, community_id, street_id in _memberships(user):
        if role not in roles:
            continue
        if role == Role.STREET_ADMIN and street_id:
            streets.add(street_id)
        elif community_id:
            ids.add(community_id)
    if streets:
        ids.update(Community.objects.filter(street_id__in=streets).values_list("id", flat=True))
    cache[perm] = frozenset(ids)
    return cache[perm]


def has_perm(user, perm: str, community_id: int | None = None) -> bool:
    """Does ``user`` hold ``perm`` in that community (or anywhere, when none is given)?"""
    ids = community_ids(user, perm)
    return bool(ids) if community_id is None else community_id in ids


def require_any(user, perm: str) -> frozenset[int]:
    """The communities where the user holds ``perm``; 403 when there are none."""
    ids = community_ids(user, perm)
    if not ids:
        raise PermissionDenied(_("You do not have access to this part of Linli."))
    return ids


def require(user, perm: str, community_id: int) -> None:
    """403 unless ``user`` holds ``perm`` in ``community_id``."""
    if community_id not in community_ids(user, perm):
        raise PermissionDenied(_("Your role does not allow this action in this community."))


def scope(
    queryset: models.QuerySet[M],
    user,
    perm: str,
    *,
    field: str = "community",
    community_id: int | None = None,
) -> models.QuerySet[M]:
    """Narrow ``queryset`` to the user's communities (and to ``community_id`` when chosen)."""
    ids = require_any(user, perm)
    if community_id is not None:
        ids = ids & {community_id}
    return queryset.filter(**{f"{field}__in": ids})


def get_in_scope(
    queryset: models.QuerySet[M], user, perm: str, *, field: str = "community", **lookup
) -> M:
    """One record by ``lookup`` inside the user's scope, or ``NotFound``."""
    try:
        return scope(queryset, user, perm, field=field).get(**lookup)
    except (queryset.model.DoesNotExist, ValueError, TypeError) as exc:
        raise NotFound(_("Not found.")) from exc
