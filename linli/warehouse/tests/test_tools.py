"""The tool library: lend, renew, return (or lost), deposits, good standing, overdue."""

import datetime

import pytest
from django.urls import reverse

from linli.core.errors import Conflict
from linli.ledger.testing import assert_ledger_consistent
from linli.points.selectors import points_balances
from linli.points.tests.helpers import give as give_points
from linli.warehouse.models import Loan
from linli.warehouse.services import catalogue, tools

pytestmark = pytest.mark.django_db


@pytest.fixture
def drill(shop):
    item = catalogue.item_create(
        actor=shop.world.worker_a,
        community_id=shop.world.a.pk,
        name="电钻",
        category="tools",
        unit="把",
        fair_value_fen=30000,
        lendable=True,
        loan_days=7,
    )
    shop.receive(item, 2)
    return item


def lend(shop, drill, person, **extra):
    return tools.loan_create(
        actor=shop.world.worker_a,
        community_id=shop.world.a.pk,
        location_id=shop.store.pk,
        item_id=drill.pk,
        borrower_id=person.pk,
        **extra,
    )


class TestLoans:
    def test_lend_and_return_with_a_deposit(self, shop, drill, person_a):
        give_points(shop.world, person_a, 50)
        loan = lend(shop, drill, person_a, deposit_points=20, condition_out="完好")
        assert loan.due_on == loan.lent_on + datetime.timedelta(days=7)
        assert shop.on_hand(drill) == 1 and points_balances(person_a)[0] == 30
        tools.loan_return(actor=shop.world.worker_a, loan_id=loan.pk, condition_in="钻头略磨损")
        loan.refresh_from_db()
        assert loan.status == Loan.Status.RETURNED and loan.condition_in == "钻头略磨损"
        assert shop.on_hand(drill) == 2 and points_balances(person_a)[0] == 50
        with pytest.raises(Conflict):
            tools.loan_return(actor=shop.world.worker_a, loan_id=loan.pk)
        assert_ledger_consistent()

    def test_a_lost_tool_is_written_off_and_the_deposit_kept(self, shop, drill, person_a):
        give_points(shop.world, person_a, 50)
        loan = lend(shop, drill, person_a, deposit_points=20)
        tools.loan_return(
            actor=shop.world.worker_a, loan_id=loan.pk, lost=True, condition_in="丢失"
        )
        assert shop.on_hand(drill) == 1 and points_balances(person_a)[0] == 30
        with pytest.raises(Conflict):  # not in good standing for a year
            lend(shop, drill, person_a)
        assert_ledger_consistent()

    def test_renewals_are_limited_and_never_when_overdue(self, shop, drill, person_a):
        loan = lend(shop, drill, person_a)
        tools.loan_renew(actor=shop.world.worker_a, loan_id=loan.pk)
        tools.loan_renew(actor=shop.world.worker_a, loan_id=loan.pk)
        with pytest.raises(Conflict):
            tools.loan_renew(actor=shop.world.worker_a, loan_id=loan.pk)
        other = lend(shop, drill, person_a)
        Loan.objects.filter(pk=other.pk).update(
            lent_on=other.lent_on - datetime.timedelta(days=10),
            due_on=other.lent_on - datetime.timedelta(days=1),
        )
        with pytest.raises(Conflict):
            tools.loan_renew(actor=shop.world.worker_a, loan_id=other.pk)

    def test_an_overdue_borrower_cannot_borrow_again(self, shop, drill, person_a):
        loan = lend(shop, drill, person_a)
        Loan.objects.filter(pk=loan.pk).update(
            lent_on=loan.lent_on - datetime.timedelta(days=10),
            due_on=loan.lent_on - datetime.timedelta(days=3),
        )
        with pytest.raises(Conflict) as exc:
            lend(shop, drill, person_a)
        assert "overdue" in exc.value.message

    def test_no_tool_left_and_a_deposit_too_large(self, shop, drill, person_a, world):
        with pytest.raises(Conflict):
            lend(shop, drill, person_a, deposit_points=20)  # no points
        lend(shop, drill, person_a)
        lend(shop, drill, world.person(name="王五"))
        with pytest.raises(Conflict):
            lend(shop, drill, world.person(name="赵六"))

    def test_pages_list_overdue_and_record_a_return(self, shop, drill, person_a, client_for):
        loan = lend(shop, drill, person_a)
        Loan.objects.filter(pk=loan.pk).update(
            lent_on=loan.lent_on - datetime.timedelta(days=10),
            due_on=loan.lent_on - datetime.timedelta(days=3),
        )
        client = client_for(shop.world.worker_a)
        assert (
            "电钻"
            in client.get(reverse("warehouse:loan_list"), {"show": "overdue"}).content.decode()
        )
        client.post(reverse("warehouse:loan_return", args=[loan.pk]), {"condition_in": "完好"})
        loan.refresh_from_db()
        assert loan.status == Loan.Status.RETURNED
        assert (
            client_for(shop.world.worker_b)
            .get(reverse("warehouse:loan_detail", args=[loan.pk]))
            .status_code
            == 404
        )
