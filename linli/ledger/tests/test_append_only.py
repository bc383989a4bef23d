"""The database itself refuses to change ledger rows: PostgreSQL's triggers (migrations 0002,
0005) and SQLite's (0007); accounts are immutable but for their balance (0008, both). Balances
and chain heads stay updatable; ``flush`` still empties it."""

import pytest
from django.core.management import call_command
from django.db import DatabaseError, connection, transaction

from linli.ledger.checkpoints import checkpoint_create
from linli.ledger.models import Account, ChainHead, LedgerTransaction
from linli.ledger.reseal import append_only_lifted
from linli.ledger.services import Leg, account_get_or_create, post


@pytest.fixture
def posted(db):
    issued = account_get_or_create(key="issued", commodity="PTS", may_go_negative=True)
    alice = account_get_or_create(key="alice", commodity="PTS")
    tx = post(actor=None, kind="t", legs=[Leg(issued, -5), Leg(alice, 5)])
    made, _ = checkpoint_create()
    return {"tx": tx, "checkpoint": made, "alice": alice}


def refused(sql: str, params, reason: str = "append-only") -> bool:
    try:
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(sql, params)
    except DatabaseError as exc:
        assert reason in str(exc)
        return True
    return False


FROZEN = "ledger accounts are immutable except their balance"


@pytest.mark.django_db
class TestAppendOnly:
    def test_the_database_refuses_to_change_ledger_rows(self, posted):
        tx, made = posted["tx"], posted["checkpoint"]
        statements = [
            ("UPDATE ledger_posting SET quantity = 50 WHERE transaction_id = %s", [tx.pk]),
            ("DELETE FROM ledger_posting WHERE transaction_id = %s", [tx.pk]),
            ("UPDATE ledger_transaction SET memo = 'x' WHERE id = %s", [tx.pk]),
            ("DELETE FROM ledger_transaction WHERE id = %s", [tx.pk]),
            ("UPDATE ledger_checkpoint SET digest = 'x' WHERE id = %s", [made.pk]),
            ("DELETE FROM ledger_checkpoint_account WHERE checkpoint_id = %s", [made.pk]),
            ("UPDATE ledger_checkpoint_account SET total = 1 WHERE checkpoint_id = %s", [made.pk]),
        ]
        for sql, params in statements:
            assert refused(sql, params), sql
        assert LedgerTransaction.objects.get(pk=tx.pk).memo == ""

    def test_balances_and_chain_heads_stay_updatable(self, posted):
        # ledger.post moves both in SQL; a hand edit is caught by ledger_verify, not refused
        assert Account.objects.filter(pk=posted["alice"].pk).update(balance=5) == 1
        assert ChainHead.objects.filter(name="main").update(previous_hash="") == 1

    def test_the_database_refuses_to_change_an_account(self, posted):
        from linli.places.models import Community, Street

        alice = posted["alice"]
        street = Street.objects.create(code="S", name="街道")
        other = Community.objects.create(street=street, code="A", name="甲")
        statements = [
            ("UPDATE ledger_account SET key = 'mallory' WHERE id = %s", [alice.pk]),
            ("UPDATE ledger_account SET commodity = 'CNY' WHERE id = %s", [alice.pk]),
            ("UPDATE ledger_account SET community_id = %s WHERE id = %s", [other.pk, alice.pk]),
            ("UPDATE ledger_account SET may_go_negative = %s WHERE id = %s", [True, alice.pk]),
            ("UPDATE ledger_account SET name = 'x' WHERE id = %s", [alice.pk]),
            ("UPDATE ledger_account SET id = 9999 WHERE id = %s", [alice.pk]),
            ("UPDATE ledger_account SET balance = 7, key = 'm' WHERE id = %s", [alice.pk]),
            ("DELETE FROM ledger_account WHERE id = %s", [alice.pk]),
        ]
        for sql, params in statements:
            assert refused(sql, params, FROZEN), sql
        with pytest.raises(DatabaseError, match=FROZEN), transaction.atomic():
            Account.objects.filter(pk=alice.pk).update(may_go_negative=True)
        unused = account_get_or_create(key="unused", commodity="PTS")  # nothing PROTECTs it
        with pytest.raises(DatabaseError, match=FROZEN), transaction.atomic():
            Account.objects.filter(pk=unused.pk).delete()
        assert Account.objects.filter(pk=unused.pk).exists()
        alice.refresh_from_db()
        assert (alice.key, alice.commodity, alice.may_go_negative) == ("alice", "PTS", False)
        assert alice.community_id is None and alice.balance == 5

    def test_two_accounts_cannot_swap_their_keys(self, posted):
        # the attack: person 118 takes person 150's points by taking its account's key
        rich, poor = posted["alice"], account_get_or_create(key="bob", commodity="PTS")
        swap = [
            ("UPDATE ledger_account SET key = 'tmp' WHERE id = %s", [rich.pk]),
            ("UPDATE ledger_account SET key = 'alice' WHERE id = %s", [poor.pk]),
            ("UPDATE ledger_account SET key = 'bob' WHERE id = %s", [rich.pk]),
        ]
        for sql, params in swap:
            assert refused(sql, params, FROZEN), sql
        assert Account.objects.get(key="alice", commodity="PTS").pk == rich.pk

    def test_posting_still_moves_an_account_balance(self, posted):
        alice = posted["alice"]
        bob = account_get_or_create(key="bob", commodity="PTS")
        post(actor=None, kind="t", legs=[Leg(alice, -2), Leg(bob, 2)])
        assert Account.objects.get(pk=alice.pk).balance == 3
        assert Account.objects.get(pk=bob.pk).balance == 2
        alice.refresh_from_db()
        alice.save()  # every column written with its own value: nothing changes, nothing refused

    def test_lifting_the_triggers_covers_accounts_too(self, posted):
        alice = posted["alice"]
        with append_only_lifted(), connection.cursor() as cursor:
            cursor.execute("UPDATE ledger_account SET name = 'A' WHERE id = %s", [alice.pk])
        assert Account.objects.get(pk=alice.pk).name == "A"
        assert refused("UPDATE ledger_account SET name = 'B' WHERE id = %s", [alice.pk], FROZEN)
        assert refused("DELETE FROM ledger_account WHERE id = %s", [alice.pk], FROZEN)

    def test_lifting_the_triggers_lasts_one_transaction(self, posted):
        tx = posted["tx"]
        with pytest.raises(RuntimeError), append_only_lifted():
            with connection.cursor() as cursor:
                cursor.execute("UPDATE ledger_transaction SET memo = 'x' WHERE id = %s", [tx.pk])
            raise RuntimeError("the maintenance failed half-way")
        assert LedgerTransaction.objects.get(pk=tx.pk).memo == ""  # rolled back
        assert refused("UPDATE ledger_transaction SET memo = 'y' WHERE id = %s", [tx.pk])
        with append_only_lifted(), connection.cursor() as cursor:
            cursor.execute("UPDATE ledger_transaction SET memo = 'z' WHERE id = %s", [tx.pk])
        assert refused("UPDATE ledger_transaction SET memo = 'y' WHERE id = %s", [tx.pk])

    @pytest.mark.skipif(
        connection.vendor != "sqlite", reason="PostgreSQL's flush truncates: no row trigger fires"
    )
    def test_flush_empties_the_ledger_and_the_triggers_stand_again(self, posted):
        call_command("flush", interactive=False, verbosity=0, inhibit_post_migrate=True)
        assert not LedgerTransaction.objects.exists()
        tx = post(
            actor=None,
            kind="t",
            legs=[
                Leg(account_get_or_create(key="i", commodity="PTS", may_go_negative=True), -1),
                Leg(account_get_or_create(key="a", commodity="PTS"), 1),
            ],
        )
        assert refused("DELETE FROM ledger_transaction WHERE id = %s", [tx.pk])
