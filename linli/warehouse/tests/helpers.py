"""Shared set-up for warehouse tests: a catalogue and locations in community A (and B), stock
received through the real donation service, a pharmacist."""

from __future__ import annotations

import datetime
from decimal import Decimal

from django.utils import timezone

from linli.warehouse.models import StockHolding
from linli.warehouse.services import catalogue, inbound, outbound


def days(n: int) -> datetime.date:
    return timezone.localdate() + datetime.timedelta(days=n)


class Shop:
    """Community A's catalogue and locations (B's as ``rice_b`` / ``store_b``)."""

    def __init__(self, world):
        self.world = world
        w, a, b = world.worker_a, world.a.pk, world.b.pk
        self.store = catalogue.location_create(
            actor=w, community_id=a, name="爱心义仓", kind="warehouse"
        )
        self.shelf = catalogue.location_create(
            actor=w, community_id=a, name="慈善超市货架", kind="supermarket"
        )
        self.reserve = catalogue.location_create(
            actor=w, community_id=a, name="应急储备", kind="reserve"
        )
        self.rice = catalogue.item_create(
            actor=w,
            community_id=a,
            name="大米 5kg",
            category="grain_oil",
            unit="袋",
            fair_value_fen=3500,
            tracks_expiry=True,
            barcode="6901234567890",
            points_price=20,
        )
        self.coat = catalogue.item_create(
            actor=w,
            community_id=a,
            name="冬季棉衣",
            category="clothing",
            unit="件",
            fair_value_fen=12000,
        )
        self.pills = catalogue.item_create(
            actor=w,
            community_id=a,
            name="降压片",
            category="medicine",
            unit="盒",
            fair_value_fen=2800,
        )
        self.store_b = catalogue.location_create(
            actor=world.worker_b, community_id=b, name="乙义仓", kind="warehouse"
        )
        self.rice_b = catalogue.item_create(
            actor=world.worker_b,
            community_id=b,
            name="大米 5kg",
            category="grain_oil",
            unit="袋",
            fair_value_fen=3500,
            tracks_expiry=True,
        )

    def receive(self, item, quantity, expires_on=None, *, location=None, actor=None, **extra):
        """Goods from an anonymous donor into ``location`` (default: the love warehouse)."""
        location = location or self.store
        return inbound.donation_receive(
            actor=actor or self.world.worker_a,
            community_id=location.community_id,
            location_id=location.pk,
            donor_kind=extra.pop("donor_kind", "anonymous"),
            lines=[
                inbound.LineIn(item_id=item.pk, quantity=quantity, expires_on=expires_on, **extra)
            ],
        )

    def give(self, item, quantity, *, lot=None, location=None, **extra):
        """A handout from ``location`` (default: the love warehouse) by worker A, to a person
        unless ``recipient_kind`` says otherwise."""
        return outbound.distribution_create(
            actor=self.world.worker_a,
            community_id=self.world.a.pk,
            location_id=(location or self.store).pk,
            recipient_kind=extra.pop("recipient_kind", "person"),
            signed_by=extra.pop("signed_by", "张三丰"),
            lines=[
                outbound.OutLine(item_id=item.pk, quantity=quantity, lot_id=lot.pk if lot else None)
            ],
            **extra,
        )

    def move(self, item, quantity, source, target):
        return outbound.transfer_create(
            actor=self.world.worker_a,
            community_id=self.world.a.pk,
            from_location_id=source.pk,
            to_location_id=target.pk,
            lines=[outbound.OutLine(item_id=item.pk, quantity=quantity)],
        )

    def on_hand(self, item, location=None) -> Decimal:
        location = location or self.store
        total = Decimal(0)
        for holding in StockHolding.objects.filter(
            location=location, lot__item=item
        ).select_related("account"):
            total += holding.account.balance
        return total
