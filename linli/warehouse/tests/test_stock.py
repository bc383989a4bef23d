"""Donations in, handouts out (first expiry first), transfers, write-offs: every quantity is a
ledger balance, and the ledger stays consistent after every operation."""

from decimal import Decimal

import pytest

from linli.core.errors import PermissionDenied, ValidationFailed
from linli.ledger.models import LedgerTransaction
from linli.ledger.testing import assert_ledger_consistent
from linli.points.selectors import points_balances
from linli.points.services import earning_rule_set
from linli.warehouse.models import Distribution, Donation, Lot
from linli.warehouse.services import inbound, outbound
from linli.warehouse.tests.helpers import days

pytestmark = pytest.mark.django_db


class TestDonationsIn:
    def test_a_donation_puts_each_line_in_its_own_lot_at_the_location(self, shop):
        donation = inbound.donation_receive(
            actor=shop.world.worker_a,
            community_id=shop.world.a.pk,
            location_id=shop.store.pk,
            donor_kind="business",
            donor_name="联华超市",
            lines=[
                inbound.LineIn(item_id=shop.rice.pk, quantity="10", expires_on=days(200)),
                inbound.LineIn(item_id=shop.coat.pk, quantity=3, value_fen=30000),
            ],
        )
        assert shop.on_hand(shop.rice) == 10 and shop.on_hand(shop.coat) == 3
        assert donation.total_value_fen == 10 * 3500 + 30000
        assert donation.lots.count() == 2 and len(donation.certificate_code) == 10
        assert donation.points_awarded == 0  # a business earns no points
        assert_ledger_consistent()

    def test_a_resident_donor_earns_the_rule_points_once_per_line(self, shop, person_a):
        earning_rule_set(
            actor=shop.world.station_a, community_id=shop.world.a.pk, kind="per_item", points=3
        )
        donation = inbound.donation_receive(
            actor=shop.world.worker_a,
            community_id=shop.world.a.pk,
            location_id=shop.store.pk,
            donor_kind="resident",
            donor_person_id=person_a.pk,
            lines=[
                inbound.LineIn(item_id=shop.coat.pk, quantity=2),
                inbound.LineIn(item_id=shop.rice.pk, quantity=1, expires_on=days(100)),
            ],
        )
        assert [line.points for line in donation.lines.all()] == [6, 3]
        assert donation.points_awarded == 9 and points_balances(person_a)[0] == 9
        keys = LedgerTransaction.objects.filter(kind="points.item").values_list(
            "idempotency_key", flat=True
        )
        assert sorted(keys) == sorted(
            f"warehouse.donation-line:{line.pk}" for line in donation.lines.all()
        )
        assert_ledger_consistent()

    def test_a_resident_donor_must_be_of_the_community(self, shop, person_b):
        with pytest.raises(ValidationFailed) as exc:
            inbound.donation_receive(
                actor=shop.world.worker_a,
                community_id=shop.world.a.pk,
                location_id=shop.store.pk,
                donor_kind="resident",
                donor_person_id=person_b.pk,
                lines=[inbound.LineIn(item_id=shop.coat.pk, quantity=1)],
            )
        assert "donor_person_id" in exc.value.fields

    @pytest.mark.parametrize(
        "line, message",
        [
            ({"quantity": 2, "expires_on": days(200), "unopened": False}, "unopened"),
            ({"quantity": 2, "expires_on": days(89), "unopened": True}, "90 days"),
            ({"quantity": 2, "unopened": True}, "expiry date"),
            ({"quantity": 0, "expires_on": days(200), "unopened": True}, "more than 0"),
        ],
    )
    def test_a_refused_medicine_line_refuses_the_whole_donation_and_leaves_nothing(
        self, shop, line, message
    ):
        before = (Lot.objects.count(), LedgerTransaction.objects.count())
        with pytest.raises(ValidationFailed) as exc:
            inbound.donation_receive(
                actor=shop.world.worker_a,
                community_id=shop.world.a.pk,
                location_id=shop.store.pk,
                donor_kind="anonymous",
                lines=[
                    inbound.LineIn(item_id=shop.coat.pk, quantity=1),
                    inbound.LineIn(item_id=shop.pills.pk, **line),
                ],
            )
        assert any(message in error for error in exc.value.fields["lines"])
        assert (Lot.objects.count(), LedgerTransaction.objects.count()) == before
        assert not Donation.objects.exists() and shop.on_hand(shop.coat) == 0

    def test_prescription_only_medicine_is_refused_even_in_the_catalogue(self, shop):
        from linli.warehouse.services import catalogue

        with pytest.raises(ValidationFailed) as exc:
            catalogue.item_create(
                actor=shop.world.worker_a,
                community_id=shop.world.a.pk,
                name="阿莫西林",
                category="medicine",
                unit="盒",
                fair_value_fen=1500,
                prescription_only=True,
            )
        assert "prescription_only" in exc.value.fields

    def test_an_expired_item_and_an_item_of_another_community_are_refused(self, shop):
        with pytest.raises(ValidationFailed) as exc:
            inbound.donation_receive(
                actor=shop.world.worker_a,
                community_id=shop.world.a.pk,
                location_id=shop.store.pk,
                donor_kind="anonymous",
                lines=[
                    inbound.LineIn(item_id=shop.rice.pk, quantity=1, expires_on=days(-1)),
                    inbound.LineIn(item_id=shop.rice_b.pk, quantity=1, expires_on=days(10)),
                ],
            )
        assert len(exc.value.fields["lines"]) == 2

    def test_only_the_station_may_receive(self, shop):
        for user in (shop.world.volunteer_a, shop.world.worker_b, shop.world.street_admin):
            with pytest.raises(PermissionDenied):
                shop.receive(shop.coat, 1, actor=user)


class TestHandoutsFirstExpiryFirst:
    def test_lines_take_the_lot_that_expires_first_then_the_next_then_undated(self, shop, person_a):
        shop.receive(shop.coat, 5)  # no expiry: last
        late = shop.receive(shop.rice, 4, days(300)).lots.get()
        soon = shop.receive(shop.rice, 3, days(20)).lots.get()
        distribution = shop.give(shop.rice, 5, person_id=person_a.pk)
        taken = [(line.lot_id, line.quantity) for line in distribution.lines.all()]
        assert taken == [(soon.pk, 3), (late.pk, 2)]
        assert shop.on_hand(shop.rice) == 2
        assert distribution.total_value_fen == 5 * 3500
        assert_ledger_consistent()

    def test_a_hand_picked_lot_is_used_instead(self, shop, person_a):
        late = shop.receive(shop.rice, 4, days(300)).lots.get()
        shop.receive(shop.rice, 3, days(20))
        distribution = shop.give(shop.rice, 2, lot=late, person_id=person_a.pk)
        assert [line.lot_id for line in distribution.lines.all()] == [late.pk]

    def test_expired_goods_and_unchecked_medicine_are_never_given(self, shop, person_a, pharmacist):
        from linli.warehouse.services.counts import medicine_check

        shop.receive(shop.pills, 5, days(120), unopened=True)
        lot = Lot.objects.get(item=shop.pills)
        with pytest.raises(ValidationFailed) as exc:
            shop.give(shop.pills, 1, person_id=person_a.pk)
        assert "Only 0" in exc.value.fields["lines"][0]
        medicine_check(actor=pharmacist, lot_id=lot.pk, approve=True)
        shop.give(shop.pills, 1, person_id=person_a.pk)
        assert shop.on_hand(shop.pills) == 4

    def test_medicine_goes_only_to_a_named_resident(self, shop, pharmacist):
        from linli.warehouse.services.counts import medicine_check

        shop.receive(shop.pills, 5, days(120), unopened=True)
        medicine_check(actor=pharmacist, lot_id=Lot.objects.get(item=shop.pills).pk, approve=True)
        with pytest.raises(ValidationFailed) as exc:
            shop.give(shop.pills, 1, recipient_kind="emergency", occasion="暴雨")
        assert "recipient_kind" in exc.value.fields

    def test_more_than_there_is_fails_clearly_and_writes_nothing(self, shop, person_a):
        shop.receive(shop.coat, 2)
        before = LedgerTransaction.objects.count()
        with pytest.raises(ValidationFailed) as exc:
            shop.give(shop.coat, 3, person_id=person_a.pk)
        assert "Only 2" in exc.value.fields["lines"][0]
        assert LedgerTransaction.objects.count() == before and not Distribution.objects.exists()

    def test_a_receipt_is_a_signature_or_a_photo(self, shop, person_a):
        shop.receive(shop.coat, 2)
        with pytest.raises(ValidationFailed) as exc:
            shop.give(shop.coat, 1, person_id=person_a.pk, signed_by="")
        assert "signed_by" in exc.value.fields

    def test_an_emergency_handout_names_the_incident(self, shop):
        shop.receive(shop.coat, 2)
        with pytest.raises(ValidationFailed):
            shop.give(shop.coat, 1, recipient_kind="emergency", occasion="")
        distribution = shop.give(shop.coat, 1, recipient_kind="emergency", occasion="7·20 暴雨")
        assert distribution.recipient_display == "7·20 暴雨"


class TestTransfersAndWriteOffs:
    def test_a_transfer_moves_lots_between_locations(self, shop):
        lot = shop.receive(shop.rice, 6, days(50)).lots.get()
        shop.move(shop.rice, 4, shop.store, shop.shelf)
        assert shop.on_hand(shop.rice) == 2 and shop.on_hand(shop.rice, shop.shelf) == 4
        assert lot.holdings.count() == 2
        assert_ledger_consistent()

    def test_a_transfer_to_the_same_place_or_another_community_is_refused(self, shop):
        shop.receive(shop.coat, 2)
        for target in (shop.store, shop.store_b):
            with pytest.raises(ValidationFailed):
                outbound.transfer_create(
                    actor=shop.world.worker_a,
                    community_id=shop.world.a.pk,
                    from_location_id=shop.store.pk,
                    to_location_id=target.pk,
                    lines=[outbound.OutLine(item_id=shop.coat.pk, quantity=1)],
                )

    def test_the_station_writes_off_every_expired_lot_at_once(self, shop):
        from linli.warehouse.models import StockHolding

        shop.receive(shop.rice, 3, days(5))
        holding = StockHolding.objects.get(lot__item=shop.rice)
        # Time passes: the lot has expired.
        Lot.objects.filter(item=shop.rice).update(expires_on=days(-1))
        with pytest.raises(PermissionDenied):
            outbound.expired_write_off(actor=shop.world.worker_a, location_id=shop.store.pk)
        done = outbound.expired_write_off(actor=shop.world.station_a, location_id=shop.store.pk)
        assert [(w.lot_id, w.quantity, w.reason) for w in done] == [
            (holding.lot_id, Decimal(3), "expired")
        ]
        assert shop.on_hand(shop.rice) == 0 and done[0].value_fen == 3 * 3500
        assert_ledger_consistent()

    def test_a_partial_write_off_and_a_too_large_one(self, shop):
        from linli.warehouse.models import StockHolding

        shop.receive(shop.coat, 3)
        holding = StockHolding.objects.get(lot__item=shop.coat)
        with pytest.raises(ValidationFailed):
            outbound.write_off_create(
                actor=shop.world.station_a, holding_id=holding.pk, reason="damaged", quantity=4
            )
        outbound.write_off_create(
            actor=shop.world.station_a, holding_id=holding.pk, reason="damaged", quantity=1
        )
        assert shop.on_hand(shop.coat) == 2
