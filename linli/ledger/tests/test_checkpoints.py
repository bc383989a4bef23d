"""Checkpoints: a full verification recorded, so later runs re-derive only what came after and
check older postings against the recorded sums and counts (ADR 0008)."""

import pytest
from django.core.management import CommandError, call_command

from linli.ledger.checkpoints import checkpoint_create
from linli.ledger.models import Account, CheckpointAccount, Immutable, LedgerCheckpoint
from linli.ledger.selectors import ledger_problems
from linli.ledger.services import Leg, account_get_or_create, post
from linli.ledger.testing import assert_ledger_consistent
from linli.ledger.tests.test_post import _tamper


@pytest.fixture
def ledger(db):
    issued = account_get_or_create(key="issued", commodity="PTS", may_go_negative=True)
    alice = account_get_or_create(key="alice", commodity="PTS")
    bob = account_get_or_create(key="bob", commodity="PTS")
    txs = [
        post(actor=None, kind="t", legs=[Leg(issued, -n), Leg(alice, n)], memo=str(n))
        for n in (5, 7, 9)
    ]
    return {"issued": issued, "alice": alice, "bob": bob, "txs": txs}


def checkpoint():
    made, problems = checkpoint_create()
    assert made is not None and not problems
    return made


@pytest.mark.django_db
class TestCheckpoints:
    def test_a_checkpoint_records_the_sums_and_later_posts_are_verified(self, ledger):
        made = checkpoint()
        assert made.upto_id == ledger["txs"][-1].pk and made.transactions == 3
        assert made.postings == 6
        recorded = CheckpointAccount.objects.get(checkpoint=made, account=ledger["alice"])
        assert (recorded.total, recorded.postings) == (21, 3)
        post(actor=None, kind="t", legs=[Leg(ledger["alice"], -4), Leg(ledger["bob"], 4)])
        assert ledger_problems() == []
        assert_ledger_consistent()

    def test_an_old_posting_changed_with_its_balances_is_caught(self, ledger):
        checkpoint()
        first = ledger["txs"][0].postings.get(account=ledger["alice"])
        # an attacker changes a quantity and both cached balances so every balance still adds up
        _tamper("UPDATE ledger_posting SET quantity = 50 WHERE id = %s", [first.pk])
        Account.objects.filter(pk=ledger["alice"].pk).update(balance=66)
        problems = ledger_problems()
        assert any("checkpoint recorded" in p for p in problems), problems
        assert ledger_problems(full=True)
        with pytest.raises(CommandError):
            call_command("ledger_verify")

    def test_an_old_posting_moved_to_another_account_is_caught(self, ledger):
        checkpoint()
        first = ledger["txs"][0].postings.get(account=ledger["alice"])
        _tamper(
            "UPDATE ledger_posting SET account_id = %s WHERE id = %s",
            [ledger["bob"].pk, first.pk],
        )
        Account.objects.filter(pk=ledger["alice"].pk).update(balance=16)
        Account.objects.filter(pk=ledger["bob"].pk).update(balance=5)
        assert any("checkpoint recorded" in p for p in ledger_problems())

    def test_an_edited_checkpoint_row_is_caught(self, ledger):
        made = checkpoint()
        row = CheckpointAccount.objects.get(checkpoint=made, account=ledger["alice"])
        _tamper("UPDATE ledger_checkpoint_account SET total = 99 WHERE id = %s", [row.pk])
        assert any("digest" in p for p in ledger_problems())

    def test_a_changed_transaction_after_the_checkpoint_is_caught(self, ledger):
        checkpoint()
        later = post(actor=None, kind="t", legs=[Leg(ledger["alice"], -1), Leg(ledger["bob"], 1)])
        _tamper("UPDATE ledger_transaction SET memo = 'x' WHERE id = %s", [later.pk])
        assert any("content does not match" in p for p in ledger_problems())

    def test_what_sums_cannot_see_the_full_run_does(self, ledger):
        checkpoint()
        _tamper("UPDATE ledger_transaction SET memo = 'x' WHERE id = %s", [ledger["txs"][0].pk])
        assert any("content does not match" in p for p in ledger_problems(full=True))
        with pytest.raises(CommandError):
            call_command("ledger_verify", "--full")

    def test_no_checkpoint_is_written_over_problems_or_on_an_empty_ledger(self, db, ledger):
        Account.objects.filter(pk=ledger["alice"].pk).update(balance=1)
        assert checkpoint_create()[0] is None and not LedgerCheckpoint.objects.exists()
        with pytest.raises(CommandError):
            call_command("ledger_verify", "--checkpoint")

    def test_checkpoints_are_append_only(self, ledger):
        made = checkpoint()
        with pytest.raises(Immutable):
            made.save()
        with pytest.raises(Immutable):
            LedgerCheckpoint.objects.filter(pk=made.pk).update(upto_id=1)

    def test_the_command_prints_the_digest(self, ledger, capsys):
        call_command("ledger_verify", "--checkpoint")
        out = capsys.readouterr().out
        assert LedgerCheckpoint.objects.get().digest in out
        call_command("ledger_verify")
        assert "after checkpoint" in capsys.readouterr().out


@pytest.mark.django_db
def test_an_empty_ledger_has_no_checkpoint(db):
    assert checkpoint_create() == (None, [])
