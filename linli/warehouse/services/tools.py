"""The tool library (共享工具): lend a tool, renew, take it back with its condition noted.

The tool leaves its location for the community's ``on-loan`` account while out, and comes back
on return (a lost tool is written off instead). A points deposit, when asked, moves from the
borrower's points to a deposit account for the loan and back on return (kept if lost).
"""

from __future__ import annotations

import datetime

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from linli.accounts.roles import Perm
from linli.core import audit, idempotency
from linli.core.errors import Conflict, NotFound
from linli.core.scoping import has_perm, require
from linli.core.workflow import transition
from linli.ledger.models import Account
from linli.ledger.services import InsufficientBalance, Leg, account_get_or_create, post
from linli.people.models import Person
from linli.points.services import person_points_account
from linli.warehouse.models import Item, Loan, Lot
from linli.warehouse.services.stock import (
    active_location,
    allocate,
    community_account,
    holding_for,
    invalid,
)

MAX_OPEN_LOANS = 3
MAX_RENEWALS = 2
MAX_DEPOSIT = 10000


def _deposit_account(loan_key: str, community_id: int) -> Account:
    return account_get_or_create(
        key=f"community:{community_id}/tools/deposit/{loan_key}",
        commodity="PTS",
        name=f"tool deposit {loan_key}",
        community_id=community_id,
    )


def good_standing_problems(person: Person, today: datetime.date | None = None) -> list[str]:
    """Why a resident may not borrow now (empty: in good standing): an overdue tool, a tool
    lost and not settled, or already the most tools out at once."""
    today = today or timezone.localdate()
    loans = Loan.objects.filter(borrower=person)
    problems = []
    if loans.filter(status=Loan.Status.OUT, due_on__lt=today).exists():
        problems.append(
            _("%(name)s has an overdue tool to bring back first.") % {"name": person.name}
        )
    if loans.filter(status=Loan.Status.OUT).count() >= MAX_OPEN_LOANS:
        problems.append(
            _("%(name)s already has %(n)s tools out.") % {"name": person.name, "n": MAX_OPEN_LOANS}
        )
    if loans.filter(
        status=Loan.Status.LOST, returned_on__gte=today - datetime.timedelta(days=365)
    ).exists():
        problems.append(_("%(name)s lost a tool in the past year.") % {"name": person.name})
    return problems


@transaction.atomic
def loan_create(
    *,
    actor,
    community_id: int,
    location_id: int,
    item_id: int,
    borrower_id: int,
    deposit_points: int = 0,
    condition_out: str = "",
    lot_id: int | None = None,
    idempotency_key: str | None = None,
) -> Loan:
    """借出: lend one tool for the item's loan period (with ``idempotency_key``, a repeat returns
    the first loan)."""
    require(actor, Perm.WAREHOUSE_MANAGE, community_id)
    once = idempotency.claim(
        actor=actor,
        key=idempotency_key,
        action="warehouse.loan",
        content={
            "community_id": community_id,
            "location_id": location_id,
            "item_id": item_id,
            "borrower_id": borrower_id,
            "deposit_points": deposit_points,
            "condition_out": condition_out,
            "lot_id": lot_id,
        },
    )
    if once.replayed is not None:
        return once.replayed
    location = active_location(community_id, location_id)
    errors: dict[str, list[str]] = {}
    item = Item.objects.filter(
        pk=item_id, community_id=community_id, lendable=True, is_active=True
    ).first()
    if item is None:
        errors["item_id"] = [_("Choose a tool of the tool library.")]
    borrower = Person.objects.filter(
        pk=borrower_id, community_id=community_id, is_anonymised=False
    ).first()
    if borrower is None:
        errors["borrower_id"] = [_("Choose a resident of this community.")]
    if not isinstance(deposit_points, int) or not 0 <= deposit_points <= MAX_DEPOSIT:
        errors["deposit_points"] = [_("A deposit is 0 to 10000 points.")]
    if errors:
        raise invalid(errors)
    problems = good_standing_problems(borrower)
    if problems:
        raise Conflict(problems[0], fields={"borrower_id": problems})
    lot = Lot.objects.filter(pk=lot_id, item=item).first() if lot_id else None
    pick = allocate(location, item, 1, lot=lot)[0]
    today = timezone.localdate()
    loan = Loan(
        community_id=community_id,
        location=location,
        item=item,
        lot=pick.lot,
        borrower=borrower,
        lent_on=today,
        due_on=today + datetime.timedelta(days=item.loan_days),
        deposit_points=deposit_points,
        condition_out=(condition_out or "").strip()[:200],
        created_by=actor,
    )
    legs = [
        Leg(pick.holding.account, -1),
        Leg(community_account(community_id, pick.lot, "on-loan"), 1),
    ]
    if deposit_points:
        points = person_points_account(borrower)
        if points.balance < deposit_points:
            raise Conflict(
                _("The deposit is %(n)s points; %(name)s has %(left)s.")
                % {"n": deposit_points, "name": borrower.name, "left": int(points.balance)}
            )
        deposit = _deposit_account(
            f"person:{borrower.pk}/lot:{pick.lot.pk}/{today:%Y%m%d}", community_id
        )
        legs += [Leg(points, -deposit_points), Leg(deposit, deposit_points)]
    try:
        loan.lend_transaction = post(
            actor=actor,
            kind="warehouse.loan",
            legs=legs,
            memo=f"借出 {item.name} {borrower.name}",
            community_id=community_id,
            idempotency_key=once.ledger_key,
        )
    except InsufficientBalance as exc:
        raise Conflict(
            _("The tool or the points changed while you were working; try again.")
        ) from exc
    loan.save()
    loan.events.create(from_status="", to_status=Loan.Status.OUT, actor=actor)
    audit.record(actor, "loan.create", loan, person_id=borrower.pk, due_on=loan.due_on.isoformat())
    return once.finish(loan)


def _loan_for_update(actor, loan_id: int) -> Loan:
    loan = (
        Loan.objects.select_for_update()
        .select_related("item", "borrower")
        .filter(pk=loan_id)
        .first()
    )
    if loan is None or not has_perm(actor, Perm.WAREHOUSE_VIEW, loan.community_id):
        raise NotFound(_("Not found."))
    require(actor, Perm.WAREHOUSE_MANAGE, loan.community_id)
    return loan


@transaction.atomic
def loan_renew(*, actor, loan_id: int) -> Loan:
    """续借: one more loan period from today, at most twice, never when overdue."""
    loan = _loan_for_update(actor, loan_id)
    today = timezone.localdate()
    if loan.status != Loan.Status.OUT:
        raise Conflict(_("Only a tool that is out can be renewed."))
    if loan.due_on < today:
        raise Conflict(_("The tool is overdue: bring it back before borrowing it again."))
    if loan.renewals >= MAX_RENEWALS:
        raise Conflict(_("A loan can be renewed at most %(n)s times.") % {"n": MAX_RENEWALS})
    loan.renewals += 1
    loan.due_on = today + datetime.timedelta(days=loan.item.loan_days)
    loan.save(update_fields=["renewals", "due_on"])
    audit.record(
        actor, "loan.renew", loan, person_id=loan.borrower_id, due_on=loan.due_on.isoformat()
    )
    return loan


def _deposit_legs(loan: Loan, to: Account) -> list[Leg]:
    if not loan.deposit_points:
        return []
    key = f"person:{loan.borrower_id}/lot:{loan.lot_id}/{loan.lent_on:%Y%m%d}"
    return [
        Leg(_deposit_account(key, loan.community_id), -loan.deposit_points),
        Leg(to, loan.deposit_points),
    ]


@transaction.atomic
def loan_return(
    *,
    actor,
    loan_id: int,
    condition_in: str = "",
    location_id: int | None = None,
    lost: bool = False,
) -> Loan:
    """归还: the tool back on the shelf (or written off as lost), the deposit back (or kept)."""
    loan = _loan_for_update(actor, loan_id)
    condition_in = (condition_in or "").strip()[:200]
    if lost and not condition_in:
        raise invalid({"condition_in": [_("Say what happened to the tool.")]})
    location = loan.location
    if location_id is not None:
        location = active_location(loan.community_id, location_id)
    transition(
        loan,
        actor,
        Loan.Status.LOST if lost else Loan.Status.RETURNED,
        events=loan.events,
        note=condition_in,
    )
    on_loan = community_account(loan.community_id, loan.lot, "on-loan")
    if lost:
        legs = [
            Leg(on_loan, -1),
            Leg(community_account(loan.community_id, loan.lot, "written-off"), 1),
        ]
        legs += _deposit_legs(loan, _deposit_account("kept", loan.community_id))
    else:
        legs = [Leg(on_loan, -1), Leg(holding_for(location, loan.lot).account, 1)]
        legs += _deposit_legs(loan, person_points_account(loan.borrower))
    loan.return_transaction = post(
        actor=actor,
        kind="warehouse.loan.lost" if lost else "warehouse.loan.return",
        legs=legs,
        memo=f"{'遗失' if lost else '归还'} {loan.item.name} {loan.borrower.name}",
        community_id=loan.community_id,
        idempotency_key=f"warehouse.loan-return:{loan.pk}",
    )
    loan.condition_in = condition_in
    loan.returned_on = timezone.localdate()
    loan.save(update_fields=["status", "condition_in", "returned_on", "return_transaction"])
    audit.record(actor, "loan.return", loan, person_id=loan.borrower_id, lost=lost)
    return loan
