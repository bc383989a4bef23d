"""Stock counts: count → review → finalise posts exactly the differences, with reasons."""

from decimal import Decimal

import pytest

from linli.core.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from linli.ledger.models import Posting
from linli.ledger.testing import assert_ledger_consistent
from linli.warehouse.models import StockCount
from linli.warehouse.services import counts
from linli.warehouse.tests.helpers import days

pytestmark = pytest.mark.django_db


def counted(count, values: dict) -> dict:
    by_item = {line.lot.item_id: line.pk for line in count.lines.select_related("lot")}
    return {by_item[item.pk]: value for item, value in values.items()}


class TestStockCount:
    def test_finalising_posts_exactly_the_differences(self, shop):
        shop.receive(shop.rice, 10, days(100))
        shop.receive(shop.coat, 4)
        world = shop.world
        count = counts.count_start(actor=world.worker_a, location_id=shop.store.pk)
        assert sorted(line.expected for line in count.lines.all()) == [4, 10]
        counts.count_record(
            actor=world.worker_a,
            count_id=count.pk,
            entries=counted(count, {shop.rice: ("8", "damaged"), shop.coat: ("5", "found")}),
        )
        counts.count_submit(actor=world.worker_a, count_id=count.pk)
        with pytest.raises(PermissionDenied):
            counts.count_finalise(actor=world.worker_a, count_id=count.pk)
        counts.count_finalise(actor=world.station_a, count_id=count.pk)
        count.refresh_from_db()
        assert count.status == StockCount.Status.FINALISED
        moved = sorted(
            Posting.objects.filter(
                transaction=count.transaction, account__key__contains="/location:"
            ).values_list("quantity", flat=True)
        )
        assert moved == [Decimal(-2), Decimal(1)]
        assert shop.on_hand(shop.rice) == 8 and shop.on_hand(shop.coat) == 5
        assert [e.to_status for e in count.events.all()] == ["counting", "review", "finalised"]
        assert_ledger_consistent()

    def test_a_count_without_differences_posts_nothing(self, shop):
        shop.receive(shop.coat, 4)
        count = counts.count_start(actor=shop.world.worker_a, location_id=shop.store.pk)
        counts.count_record(
            actor=shop.world.worker_a,
            count_id=count.pk,
            entries=counted(count, {shop.coat: (4, "")}),
        )
        counts.count_submit(actor=shop.world.worker_a, count_id=count.pk)
        count = counts.count_finalise(actor=shop.world.station_a, count_id=count.pk)
        assert count.transaction is None

    def test_submitting_needs_every_line_counted_and_every_difference_explained(self, shop):
        shop.receive(shop.rice, 10, days(100))
        shop.receive(shop.coat, 4)
        count = counts.count_start(actor=shop.world.worker_a, location_id=shop.store.pk)
        with pytest.raises(ValidationFailed):
            counts.count_submit(actor=shop.world.worker_a, count_id=count.pk)
        counts.count_record(
            actor=shop.world.worker_a,
            count_id=count.pk,
            entries=counted(count, {shop.rice: ("9", ""), shop.coat: ("4", "")}),
        )
        with pytest.raises(ValidationFailed) as exc:
            counts.count_submit(actor=shop.world.worker_a, count_id=count.pk)
        assert len(exc.value.fields["lines"]) == 1

    def test_bad_counts_are_refused(self, shop):
        shop.receive(shop.coat, 4)
        count = counts.count_start(actor=shop.world.worker_a, location_id=shop.store.pk)
        for bad in ("-1", "abc", "1.0001", "1e9"):
            with pytest.raises(ValidationFailed):
                counts.count_record(
                    actor=shop.world.worker_a,
                    count_id=count.pk,
                    entries=counted(count, {shop.coat: (bad, "")}),
                )
        with pytest.raises(ValidationFailed):
            counts.count_record(
                actor=shop.world.worker_a,
                count_id=count.pk,
                entries=counted(count, {shop.coat: ("3", "stolen")}),
            )

    def test_one_open_count_per_location(self, shop):
        counts.count_start(actor=shop.world.worker_a, location_id=shop.store.pk)
        with pytest.raises(Conflict):
            counts.count_start(actor=shop.world.worker_a, location_id=shop.store.pk)

    def test_a_lot_found_in_the_count_is_added_and_posted(self, shop):
        count = counts.count_start(actor=shop.world.worker_a, location_id=shop.store.pk)
        line = counts.count_line_add(
            actor=shop.world.worker_a, count_id=count.pk, item_id=shop.coat.pk
        )
        counts.count_record(
            actor=shop.world.worker_a, count_id=count.pk, entries={line.pk: ("2", "found")}
        )
        counts.count_submit(actor=shop.world.worker_a, count_id=count.pk)
        counts.count_finalise(actor=shop.world.station_a, count_id=count.pk)
        assert shop.on_hand(shop.coat) == 2
        assert_ledger_consistent()

    def test_another_community_cannot_touch_the_count(self, shop):
        count = counts.count_start(actor=shop.world.worker_a, location_id=shop.store.pk)
        with pytest.raises(NotFound):
            counts.count_cancel(actor=shop.world.worker_b, count_id=count.pk)
        with pytest.raises(NotFound):
            counts.count_start(actor=shop.world.worker_b, location_id=shop.store.pk)


class TestMedicineCheck:
    def test_only_a_pharmacist_checks_and_a_rejection_needs_a_reason(self, shop, pharmacist):
        from linli.warehouse.models import Lot

        shop.receive(shop.pills, 5, days(120), unopened=True)
        lot = Lot.objects.get(item=shop.pills)
        assert lot.check_status == Lot.Check.PENDING
        with pytest.raises(PermissionDenied):
            counts.medicine_check(actor=shop.world.station_a, lot_id=lot.pk, approve=True)
        with pytest.raises(ValidationFailed):
            counts.medicine_check(actor=pharmacist, lot_id=lot.pk, approve=False)
        counts.medicine_check(actor=pharmacist, lot_id=lot.pk, approve=False, note="外包装破损")
        lot.refresh_from_db()
        assert lot.check_status == Lot.Check.REJECTED and lot.checked_by == pharmacist
        with pytest.raises(Conflict):
            counts.medicine_check(actor=pharmacist, lot_id=lot.pk, approve=True)
