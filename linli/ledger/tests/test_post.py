from decimal import Decimal

import pytest
from django.core.management import CommandError, call_command
from django.db import connection

from linli.core.errors import Conflict, ValidationFailed
from linli.ledger.models import Account, ChainHead, Immutable, LedgerTransaction, Posting
from linli.ledger.reseal import append_only_lifted
from linli.ledger.services import (
    IdempotencyConflict,
    InsufficientBalance,
    Leg,
    account_get_or_create,
    chain_genesis,
    post,
    reverse,
)
from linli.ledger.testing import assert_ledger_consistent


@pytest.fixture
def accounts(db):
    return {
        "issued": account_get_or_create(key="issued", commodity="PTS", may_go_negative=True),
        "alice": account_get_or_create(key="alice", commodity="PTS"),
        "bob": account_get_or_create(key="bob", commodity="PTS"),
        "shelf": account_get_or_create(key="shelf", commodity="ITEM:1"),
        "donors": account_get_or_create(key="donors", commodity="ITEM:1", may_go_negative=True),
    }


def grant(accounts, to="alice", n=10, **kwargs):
    return post(
        actor=None,
        kind="test.grant",
        legs=[Leg(accounts["issued"], -n), Leg(accounts[to], n)],
        **kwargs,
    )


def balance(account) -> Decimal:
    return Account.objects.get(pk=account.pk).balance


@pytest.mark.django_db
class TestPost:
    def test_a_balanced_transaction_moves_the_balances(self, accounts):
        grant(accounts, n=10)
        post(
            actor=None,
            kind="test.transfer",
            legs=[Leg(accounts["alice"], -4), Leg(accounts["bob"], 4)],
        )
        assert balance(accounts["alice"]) == 6 and balance(accounts["bob"]) == 4
        assert balance(accounts["issued"]) == -10
        assert_ledger_consistent()

    def test_two_commodities_in_one_transaction(self, accounts):
        grant(accounts, n=5)
        post(
            actor=None,
            kind="test.stock_in",
            legs=[Leg(accounts["donors"], Decimal("-2.5")), Leg(accounts["shelf"], Decimal("2.5"))],
        )
        mall = account_get_or_create(key="mall", commodity="PTS")
        household = account_get_or_create(key="household", commodity="ITEM:1")
        post(
            actor=None,
            kind="test.redeem",
            legs=[
                Leg(accounts["alice"], -3),
                Leg(mall, 3),
                Leg(accounts["shelf"], -1),
                Leg(household, 1),
            ],
        )
        assert balance(accounts["shelf"]) == Decimal("1.5") and balance(mall) == 3
        assert_ledger_consistent()

    def test_unbalanced_zero_or_fractional_points_are_refused(self, accounts):
        with pytest.raises(ValidationFailed):
            post(
                actor=None, kind="x", legs=[Leg(accounts["issued"], -1), Leg(accounts["alice"], 2)]
            )
        with pytest.raises(ValidationFailed):
            post(actor=None, kind="x", legs=[Leg(accounts["issued"], 0), Leg(accounts["alice"], 0)])
        with pytest.raises(ValidationFailed):
            post(
                actor=None,
                kind="x",
                legs=[
                    Leg(accounts["issued"], Decimal("-0.5")),
                    Leg(accounts["alice"], Decimal("0.5")),
                ],
            )
        with pytest.raises(ValidationFailed):
            post(actor=None, kind="x", legs=[Leg(accounts["alice"], 1)])
        # mixing commodities that each do not balance
        with pytest.raises(ValidationFailed):
            post(
                actor=None, kind="x", legs=[Leg(accounts["issued"], -1), Leg(accounts["shelf"], 1)]
            )
        assert LedgerTransaction.objects.count() == 0
        assert_ledger_consistent()

    def test_no_account_goes_below_zero(self, accounts):
        grant(accounts, n=3)
        with pytest.raises(InsufficientBalance):
            post(actor=None, kind="x", legs=[Leg(accounts["alice"], -4), Leg(accounts["bob"], 4)])
        assert balance(accounts["alice"]) == 3 and balance(accounts["bob"]) == 0
        assert LedgerTransaction.objects.count() == 1
        assert_ledger_consistent()

    def test_the_database_check_refuses_a_negative_balance(self, accounts):
        from django.db import IntegrityError, transaction

        with pytest.raises(IntegrityError), transaction.atomic():
            Account.objects.filter(pk=accounts["alice"].pk).update(balance=-1)


@pytest.mark.django_db
class TestIdempotency:
    def test_the_same_key_and_content_returns_the_first_transaction(self, accounts):
        first = grant(accounts, n=5, idempotency_key="k-1")
        again = grant(accounts, n=5, idempotency_key="k-1")
        assert again.pk == first.pk and balance(accounts["alice"]) == 5
        assert_ledger_consistent()

    def test_the_same_key_with_other_content_is_an_error(self, accounts):
        grant(accounts, n=5, idempotency_key="k-2")
        with pytest.raises(IdempotencyConflict):
            grant(accounts, n=6, idempotency_key="k-2")
        assert balance(accounts["alice"]) == 5
        assert_ledger_consistent()


@pytest.mark.django_db
class TestReversal:
    def test_a_reversal_undoes_once(self, accounts):
        tx = grant(accounts, n=7)
        back = reverse(actor=None, transaction_id=tx.pk)
        assert back.reverses_id == tx.pk and balance(accounts["alice"]) == 0
        with pytest.raises(Conflict):
            reverse(actor=None, transaction_id=tx.pk)
        with pytest.raises(Conflict):
            reverse(actor=None, transaction_id=back.pk)
        assert_ledger_consistent()

    def test_a_reversal_cannot_overdraw(self, accounts):
        tx = grant(accounts, n=7)
        post(actor=None, kind="x", legs=[Leg(accounts["alice"], -7), Leg(accounts["bob"], 7)])
        with pytest.raises(InsufficientBalance):
            reverse(actor=None, transaction_id=tx.pk)
        assert_ledger_consistent()


@pytest.mark.django_db
class TestImmutability:
    def test_rows_cannot_be_changed_through_the_orm(self, accounts):
        tx = grant(accounts, n=2)
        posting = tx.postings.first()
        for action in (
            lambda: posting.save(),
            lambda: posting.delete(),
            lambda: tx.save(),
            lambda: tx.delete(),
            lambda: Posting.objects.filter(pk=posting.pk).update(quantity=5),
            lambda: LedgerTransaction.objects.all().delete(),
        ):
            with pytest.raises(Immutable):
                action()

    @pytest.mark.skipif(connection.vendor != "postgresql", reason="trigger is PostgreSQL-only")
    def test_the_database_refuses_updates_on_postgresql(self, accounts):
        from django.db import DatabaseError, transaction

        tx = grant(accounts, n=2)
        with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(
                "UPDATE ledger_posting SET quantity = 5 WHERE transaction_id = %s", [tx.pk]
            )
        with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
            cursor.execute("DELETE FROM ledger_transaction WHERE id = %s", [tx.pk])


def _tamper(sql: str, params) -> None:
    """What an attacker with the database's owner rights can do: lift the append-only triggers."""
    with append_only_lifted(), connection.cursor() as cursor:
        cursor.execute(sql, params)


@pytest.mark.django_db
class TestVerify:
    def test_verify_passes_on_a_sound_ledger(self, accounts, capsys):
        grant(accounts, n=3)
        call_command("ledger_verify")
        assert "Ledger sound" in capsys.readouterr().out

    def test_tampering_with_a_posting_makes_verify_fail(self, accounts):
        tx = grant(accounts, n=3)
        posting = tx.postings.get(account=accounts["alice"])
        # move one point from the posting and the cached balance together: sums still agree,
        # but the transaction no longer balances and its hash no longer matches
        _tamper("UPDATE ledger_posting SET quantity = 4 WHERE id = %s", [posting.pk])
        with pytest.raises(CommandError):
            call_command("ledger_verify")

    def test_a_cached_balance_edited_by_hand_makes_verify_fail(self, accounts):
        grant(accounts, n=3)
        Account.objects.filter(pk=accounts["alice"].pk).update(balance=30)
        with pytest.raises(CommandError):
            call_command("ledger_verify")


@pytest.mark.django_db
class TestChains:
    """One hash chain per community (ADR 0008): each is a line of its own."""

    def test_each_community_has_its_own_chain(self, accounts):
        from linli.places.models import Community, Street

        street = Street.objects.create(code="S", name="街道")
        a = Community.objects.create(street=street, code="A", name="甲")
        b = Community.objects.create(street=street, code="B", name="乙")
        first_a = grant(accounts, n=1, community_id=a.pk)
        first_b = grant(accounts, n=1, community_id=b.pk)
        second_a = grant(accounts, n=1, community_id=a.pk)
        plain = grant(accounts, n=1)
        assert first_a.prev_hash == chain_genesis(f"community:{a.pk}")
        assert first_b.prev_hash == chain_genesis(f"community:{b.pk}")
        assert first_a.content_hash == first_b.content_hash and first_a.hash != first_b.hash
        assert second_a.prev_hash == first_a.hash
        assert plain.prev_hash != second_a.hash
        heads = dict(ChainHead.objects.values_list("name", "last_hash"))
        assert heads[f"community:{a.pk}"] == second_a.hash
        assert heads[f"community:{b.pk}"] == first_b.hash
        assert_ledger_consistent()

    def test_moving_a_transaction_to_another_chain_breaks_it(self, accounts):
        from linli.places.models import Community, Street

        street = Street.objects.create(code="S", name="街道")
        a = Community.objects.create(street=street, code="A", name="甲")
        b = Community.objects.create(street=street, code="B", name="乙")
        tx = grant(accounts, n=1, community_id=a.pk)
        grant(accounts, n=1, community_id=a.pk)
        _tamper("UPDATE ledger_transaction SET community_id = %s WHERE id = %s", [b.pk, tx.pk])
        with pytest.raises(CommandError):
            call_command("ledger_verify")

    def test_transactions_from_before_the_split_verify_as_one_chain(self, accounts):
        from linli.places.models import Community, Street

        street = Street.objects.create(code="S", name="街道")
        a = Community.objects.create(street=street, code="A", name="甲")
        # a transaction of community A written while there was a single chain ...
        early = grant(accounts, n=1)
        _tamper("UPDATE ledger_transaction SET community_id = %s WHERE id = %s", [a.pk, early.pk])
        ChainHead.objects.filter(name="main").update(legacy_until=early.pk)
        # ... stays in ``main``; A's own chain starts after it
        later = grant(accounts, n=1, community_id=a.pk)
        assert later.prev_hash == chain_genesis(f"community:{a.pk}")
        assert_ledger_consistent()
