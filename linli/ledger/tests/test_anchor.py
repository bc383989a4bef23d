"""``ledger_verify --anchor FILE [--append-anchor]``: chain heads kept in a signed file outside the
database catch what the database alone cannot: history rewritten by someone holding the key, and
history cut off at its end (ADR 0015)."""

import json
from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from linli.ledger.models import Account, ChainHead, LedgerTransaction
from linli.ledger.seal import signing_key
from linli.ledger.services import Leg, account_get_or_create, post
from linli.ledger.tests.attacks import fix_balances, reseal_as_attacker, tamper
from linli.places.models import Community, Street


@pytest.fixture
def ledger(db):
    street = Street.objects.create(code="S", name="街道")
    a = Community.objects.create(street=street, code="A", name="甲")
    issued = account_get_or_create(key="issued", commodity="PTS", may_go_negative=True)
    alice = account_get_or_create(key="alice", commodity="PTS")
    bob = account_get_or_create(key="bob", commodity="PTS")
    txs = [
        post(actor=None, kind="t", legs=[Leg(issued, -10), Leg(alice, 10)], community_id=a.pk),
        post(actor=None, kind="t", legs=[Leg(alice, -4), Leg(bob, 4)], community_id=a.pk),
        post(actor=None, kind="t", legs=[Leg(issued, -2), Leg(bob, 2)]),
    ]
    return {"community": a, "alice": alice, "bob": bob, "issued": issued, "txs": txs}


def verify(*args) -> tuple[str, str]:
    out, err = StringIO(), StringIO()
    call_command("ledger_verify", *args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def refused(*args) -> str:
    err = StringIO()
    with pytest.raises(CommandError) as caught:
        call_command("ledger_verify", *args, stdout=StringIO(), stderr=err)
    return err.getvalue() + str(caught.value)


@pytest.mark.django_db
class TestAnchor:
    def test_the_heads_are_appended_and_verified(self, ledger, tmp_path):
        path = tmp_path / "anchors.jsonl"
        out, _ = verify("--anchor", str(path), "--append-anchor")
        assert "Anchored 2 chain heads" in out
        record = json.loads(path.read_text())
        community_chain = f"community:{ledger['community'].pk}"
        assert record["heads"] == {
            community_chain: [ledger["txs"][1].pk, ledger["txs"][1].hash],
            "main": [ledger["txs"][2].pk, ledger["txs"][2].hash],
        }
        assert record["key"] == signing_key().id and len(record["mac"]) == 64
        # posting goes on; the next night appends a second line and both hold
        post(actor=None, kind="t", legs=[Leg(ledger["bob"], -1), Leg(ledger["alice"], 1)])
        out, _ = verify("--checkpoint", "--anchor", str(path), "--append-anchor")
        assert f"heads agree with {path}" in out
        assert len(path.read_text().splitlines()) == 2
        assert "heads agree" in verify("--anchor", str(path))[0]

    def test_history_rewritten_with_the_key_is_caught_by_the_anchor(self, ledger, tmp_path):
        path = tmp_path / "anchors.jsonl"
        verify("--anchor", str(path), "--append-anchor")
        transfer = ledger["txs"][1]
        tamper(
            "UPDATE ledger_posting SET quantity = quantity / 4 WHERE transaction_id = %s",
            [transfer.pk],
        )
        reseal_as_attacker(signing_key())  # an attacker who has the key too
        verify("--full")  # the database alone cannot tell
        assert "history was rewritten" in refused("--full", "--anchor", str(path))

    def test_history_cut_off_at_its_end_is_caught_by_the_anchor(self, ledger, tmp_path):
        path = tmp_path / "anchors.jsonl"
        verify("--anchor", str(path), "--append-anchor")
        last = ledger["txs"][2]
        tamper("DELETE FROM ledger_posting WHERE transaction_id = %s", [last.pk])
        tamper("DELETE FROM ledger_transaction WHERE id = %s", [last.pk])
        ChainHead.objects.filter(name="main").update(last_hash=last.prev_hash)
        fix_balances()
        verify("--full")  # the database alone cannot tell
        problems = refused("--anchor", str(path))
        assert f"transaction {last.pk} is gone" in problems

    def test_a_head_moved_back_is_caught(self, ledger, tmp_path):
        path = tmp_path / "anchors.jsonl"
        verify("--anchor", str(path), "--append-anchor")
        name = f"community:{ledger['community'].pk}"
        ChainHead.objects.filter(name=name).update(last_hash=ledger["txs"][0].hash)
        assert "head is behind" in refused("--anchor", str(path))

    def test_an_edited_anchor_file_is_refused(self, ledger, tmp_path):
        path = tmp_path / "anchors.jsonl"
        verify("--anchor", str(path), "--append-anchor")
        record = json.loads(path.read_text())
        record["heads"]["main"] = [ledger["txs"][0].pk, ledger["txs"][0].hash]
        path.write_text(json.dumps(record) + "\n")
        assert "bad signature" in refused("--anchor", str(path))

    def test_a_garbled_or_empty_anchor_file_is_a_clear_failure(self, ledger, tmp_path):
        path = tmp_path / "anchors.jsonl"
        path.write_text("{not json\n[1, 2]\n")
        problems = refused("--anchor", str(path))
        assert "anchor line 1: not an anchor record" in problems
        assert "anchor line 2: not an anchor record" in problems
        path.write_text("")
        assert "holds no record" in refused("--anchor", str(path))

    def test_an_anchor_signed_by_an_unknown_key_is_refused(self, ledger, tmp_path, settings):
        path = tmp_path / "anchors.jsonl"
        verify("--anchor", str(path), "--append-anchor")
        settings.LINLI_LEDGER_KEYS = ["a key the anchor was not signed with" * 2]
        assert "unknown ledger key" in refused("--anchor", str(path))

    def test_the_command_line_is_checked(self, ledger, tmp_path):
        missing = tmp_path / "missing.jsonl"
        assert "not found" in refused("--anchor", str(missing))
        assert "needs --anchor" in refused("--append-anchor")
        assert not missing.exists()

    def test_nothing_is_appended_over_problems(self, ledger, tmp_path):
        path = tmp_path / "anchors.jsonl"
        Account.objects.filter(pk=ledger["alice"].pk).update(balance=99)
        refused("--anchor", str(path), "--append-anchor")
        assert not path.exists()
        assert LedgerTransaction.objects.count() == 3
