"""The daily stock alert (库存预警): below-minimum levels, the emergency reserve below its level,
lots expiring within N days — sent to each community's station as a notification. Idempotent:
one message per community and day (``manage.py warehouse_alerts``, run by cron)."""

from __future__ import annotations

import datetime

from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from linli.accounts.models import User
from linli.accounts.roles import Role
from linli.core.notifications import notify
from linli.places.models import Community
from linli.warehouse.models import Location
from linli.warehouse.selectors import EXPIRY_WARNING_DAYS, CommunityAlerts, community_alerts


def alert_text(alerts: CommunityAlerts, days: int) -> tuple[str, str]:
    """(title, body) of the message."""
    title = _("Stock alerts: %(below)s below minimum, %(expiring)s lots expiring") % {
        "below": len(alerts.below),
        "expiring": len(alerts.expiring),
    }
    lines = []
    for alert in alerts.reserve_low:
        lines.append(
            _("Emergency reserve %(location)s: %(item)s %(on_hand)s, minimum %(minimum)s")
            % {
                "location": alert.level.location.name,
                "item": alert.level.item.name,
                "on_hand": alert.on_hand.normalize(),
                "minimum": alert.level.minimum.normalize(),
            }
        )
    for alert in alerts.below:
        if not alert.is_reserve:
            lines.append(
                _("%(location)s: %(item)s %(on_hand)s, minimum %(minimum)s")
                % {
                    "location": alert.level.location.name,
                    "item": alert.level.item.name,
                    "on_hand": alert.on_hand.normalize(),
                    "minimum": alert.level.minimum.normalize(),
                }
            )
    for holding in alerts.expiring[:20]:
        lines.append(
            _("%(item)s at %(location)s expires on %(date)s (%(quantity)s)")
            % {
                "item": holding.lot.item.name,
                "location": holding.location.name,
                "date": holding.lot.expires_on.isoformat(),
                "quantity": holding.account.balance.normalize(),
            }
        )
    if len(alerts.expiring) > 20:
        lines.append(
            _("…and %(n)s more lots within %(days)s days.")
            % {"n": len(alerts.expiring) - 20, "days": days}
        )
    return title, "\n".join(lines)


def send_warehouse_alerts(
    *, days: int = EXPIRY_WARNING_DAYS, today: datetime.date | None = None
) -> dict[str, int]:
    """Notify every community's station administrators and social workers of its stock alerts
    (once per community and day). Returns {community code: messages sent now}."""
    today = today or timezone.localdate()
    sent: dict[str, int] = {}
    with_stock = Location.objects.values("community_id").distinct()
    for community in Community.objects.filter(pk__in=with_stock).order_by("code"):
        alerts = community_alerts(community.pk, days=days)
        if not alerts:
            continue
        staff = User.objects.filter(
            memberships__community=community,
            memberships__role__in=[Role.STATION_ADMIN, Role.SOCIAL_WORKER],
            is_active=True,
        ).distinct()
        title, body = alert_text(alerts, days)
        sent[community.code] = notify(
            staff,
            key=f"warehouse-alerts:{community.pk}:{today.isoformat()}",
            title=f"{community.name} · {title}",
            body=body,
            url=reverse("warehouse:alerts"),
            community_id=community.pk,
        )
    return sent
