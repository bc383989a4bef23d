"""Sending and reading in-app notifications (站内通知). Sending is idempotent per key."""

from __future__ import annotations

from collections.abc import Iterable

from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone

from linli.core.models import Notification


@transaction.atomic
def notify(
    users: Iterable,
    *,
    key: str,
    title: str,
    body: str = "",
    url: str = "",
    community_id: int | None = None,
) -> int:
    """Send one message to each user who has not had ``key`` yet; how many were new."""
    users = list(users)
    done = set(
        Notification.objects.filter(user__in=users, key=key).values_list("user_id", flat=True)
    )
    fresh = [
        Notification(
            user=user,
            key=key[:200],
            title=title[:200],
            body=body,
            url=url[:300],
            community_id=community_id,
        )
        for user in users
        if user.pk not in done
    ]
    Notification.objects.bulk_create(fresh, ignore_conflicts=True)
    return len(fresh)


def unread_for(user, *, limit: int = 10) -> QuerySet[Notification]:
    return Notification.objects.filter(user=user, read_at__isnull=True).order_by(
        "-created_at", "-id"
    )[:limit]


def mark_all_read(user) -> int:
    return Notification.objects.filter(user=user, read_at__isnull=True).update(
        read_at=timezone.now()
    )
