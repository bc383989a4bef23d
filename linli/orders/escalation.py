"""SLA escalation (超时督办): service orders not dispatched in time (2 h for an emergency, 24 h
otherwise) or not accepted by their due time are escalated to the community's station
administrators — one notification per order and lapse, so running it again sends nothing new
(``manage.py orders_escalate``, run by cron every 15 minutes). The dashboard shows the same list
live."""

from __future__ import annotations

from collections import defaultdict

from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from linli.accounts.models import User
from linli.accounts.roles import Role
from linli.core.notifications import notify
from linli.orders.models import ServiceOrder
from linli.orders.selectors import overdue_q


def send_escalations(now=None) -> dict[int, int]:
    """Notify station admins of every overdue order; {community id: new notifications}."""
    now = now or timezone.now()
    overdue = (
        ServiceOrder.objects.filter(overdue_q(now))
        .select_related("person", "volunteer__person", "team")
        .order_by("community_id", "pk")
    )
    by_community: dict[int, list[ServiceOrder]] = defaultdict(list)
    for order in overdue:
        by_community[order.community_id].append(order)
    sent: dict[int, int] = {}
    for community_id, orders in by_community.items():
        admins = list(
            User.objects.filter(
                memberships__community_id=community_id,
                memberships__role=Role.STATION_ADMIN,
                is_active=True,
            ).distinct()
        )
        sent[community_id] = 0
        for order in orders:
            if order.status == ServiceOrder.Status.ORDERED:
                lapse = "dispatch"
                title = _("Not dispatched in time: #%(id)s %(person)s, %(service)s")
            else:
                lapse = f"accept:{order.due_at.isoformat()}"
                title = _("Not accepted in time: #%(id)s %(person)s, %(service)s")
            sent[community_id] += notify(
                admins,
                key=f"order-overdue:{order.pk}:{lapse}",
                title=title
                % {
                    "id": order.pk,
                    "person": order.person.name,
                    "service": order.get_category_display(),
                },
                body=order.description,
                url=reverse("orders:order_detail", args=[order.pk]),
                community_id=community_id,
            )
    return sent
