"""``manage.py ledger_reseal``: a ledger written before the chain was keyed is re-signed once, and
only when it verifies under the old scheme; a ledger rewritten without the key is never blessed
(ADR 0015)."""

from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from linli.ledger.models import Account, ChainHead, LedgerCheckpoint, LedgerTransaction
from linli.ledger.seal import signing_key
from linli.ledger.services import Leg, account_get_or_create, post
from linli.ledger.testing import assert_ledger_consistent
from linli.ledger.tests.attacks import reseal_as_attacker, tamper
from linli.ledger.tests.test_seal import problems_of


@pytest.fixture
def unkeyed_ledger(db):
    """Three transactions as a ledger from before ADR 0015 holds them: plain SHA-256 links and
    no key id (what migration 0006 leaves in a development database)."""
    issued = account_get_or_create(key="issued", commodity="PTS", may_go_negative=True)
    alice = account_get_or_create(key="alice", commodity="PTS")
    bob = account_get_or_create(key="bob", commodity="PTS")
    post(actor=None, kind="t", legs=[Leg(issued, -10), Leg(alice, 10)])
    post(actor=None, kind="t", legs=[Leg(alice, -4), Leg(bob, 4)])
    post(actor=None, kind="t", legs=[Leg(issued, -3), Leg(alice, 3)], community_id=None)
    reseal_as_attacker(None)
    return {"alice": alice, "bob": bob, "issued": issued}


def reseal() -> str:
    out = StringIO()
    call_command("ledger_reseal", stdout=out, stderr=StringIO())
    return out.getvalue()


def refused() -> str:
    err = StringIO()
    with pytest.raises(CommandError):
        call_command("ledger_reseal", stdout=StringIO(), stderr=err)
    return err.getvalue()


@pytest.mark.django_db
class TestReseal:
    def test_an_unkeyed_ledger_is_reported_then_resealed_once(self, unkeyed_ledger):
        assert "not sealed with a ledger key" in problems_of("--full")
        # a transaction posted after the upgrade links onto the old chain, keyed
        post(
            actor=None,
            kind="t",
            legs=[Leg(unkeyed_ledger["alice"], -1), Leg(unkeyed_ledger["bob"], 1)],
        )
        assert "Resealed 4 transactions" in reseal()
        key = signing_key()
        assert set(LedgerTransaction.objects.values_list("key_id", flat=True)) == {key.id}
        last = LedgerTransaction.objects.order_by("-id").first()
        assert ChainHead.objects.get(name="main").last_hash == last.hash
        assert LedgerCheckpoint.objects.get().key_id == key.id
        assert_ledger_consistent()

    def test_nothing_is_resealed_when_the_old_chain_does_not_verify(self, unkeyed_ledger):
        first = LedgerTransaction.objects.order_by("id").first()
        tamper(
            "UPDATE ledger_posting SET quantity = quantity * 2 WHERE transaction_id = %s",
            [first.pk],
        )
        Account.objects.filter(pk=unkeyed_ledger["alice"].pk).update(balance=19)
        Account.objects.filter(pk=unkeyed_ledger["issued"].pk).update(balance=-23)
        assert "content does not match its hash" in refused()
        assert set(LedgerTransaction.objects.values_list("key_id", flat=True)) == {""}
        assert not LedgerCheckpoint.objects.exists()

    def test_an_unkeyed_tail_after_sealed_transactions_is_never_resealed(self, db):
        """Someone who rewrote a sealed ledger without the key can only leave plain links after
        sealed ones: resealing would bless the forgery, so it refuses."""
        issued = account_get_or_create(key="issued", commodity="PTS", may_go_negative=True)
        alice = account_get_or_create(key="alice", commodity="PTS")
        post(actor=None, kind="t", legs=[Leg(issued, -10), Leg(alice, 10)])
        last = post(actor=None, kind="t", legs=[Leg(issued, -1), Leg(alice, 1)])
        tamper("UPDATE ledger_transaction SET key_id = '' WHERE id = %s", [last.pk])
        assert "comes after sealed transaction" in refused()
        assert LedgerTransaction.objects.get(pk=last.pk).key_id == ""
