"""The keyed seal (ADR 0015): chain links and checkpoint digests are HMACs under a ledger key kept
outside the database, so rewriting amounts, fixing the balances and recomputing every hash with
the project's own functions is reported unless the attacker also holds the key."""

import hashlib
import hmac
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command
from django.db import connection

from linli.ledger.checkpoints import checkpoint_create
from linli.ledger.models import CheckpointAccount, LedgerCheckpoint, LedgerTransaction
from linli.ledger.seal import hmac_sql, ledger_key, signing_key
from linli.ledger.selectors import checkpoint_digest, ledger_problems
from linli.ledger.services import Leg, account_get_or_create, post
from linli.ledger.testing import assert_ledger_consistent
from linli.ledger.tests.attacks import ATTACKER_KEY, reseal_as_attacker, tamper

OTHER_KEY = "a second ledger key, for the rotation tests" * 2


@pytest.fixture
def ledger(db):
    issued = account_get_or_create(key="issued", commodity="PTS", may_go_negative=True)
    alice = account_get_or_create(key="alice", commodity="PTS")
    bob = account_get_or_create(key="bob", commodity="PTS")
    grant = post(actor=None, kind="t.grant", legs=[Leg(issued, -10), Leg(alice, 10)])
    transfer = post(actor=None, kind="t.transfer", legs=[Leg(alice, -4), Leg(bob, 4)])
    last = post(actor=None, kind="t.grant", legs=[Leg(issued, -3), Leg(alice, 3)])
    return {"alice": alice, "bob": bob, "txs": [grant, transfer, last]}


def shrink_the_transfer(ledger) -> None:
    """The attack of issue 11: the transfer to bob becomes 1 point instead of 4."""
    transfer = ledger["txs"][1]
    for account, quantity in ((ledger["alice"], -1), (ledger["bob"], 1)):
        tamper(
            "UPDATE ledger_posting SET quantity = %s WHERE transaction_id = %s AND account_id = %s",
            [quantity, transfer.pk, account.pk],
        )


def problems_of(*args) -> str:
    """stderr of a failing ``ledger_verify`` run."""
    from io import StringIO

    err = StringIO()
    with pytest.raises(CommandError):
        call_command("ledger_verify", *args, stderr=err)
    return err.getvalue()


@pytest.mark.django_db
class TestKeyedChain:
    def test_each_link_is_an_hmac_under_the_newest_key(self, ledger):
        key = signing_key()
        for tx in LedgerTransaction.objects.order_by("id"):
            expected = hmac.new(
                key.secret, f"{tx.prev_hash}:{tx.content_hash}".encode(), hashlib.sha256
            ).hexdigest()
            assert (tx.hash, tx.key_id) == (expected, key.id)  # on PostgreSQL: computed in SQL
        assert_ledger_consistent()

    def test_the_recompute_attack_without_the_key_is_reported(self, ledger):
        shrink_the_transfer(ledger)
        # every hash recomputed with the project's functions, posing as the site's key
        reseal_as_attacker(ATTACKER_KEY, key_id=signing_key().id)
        for args in ((), ("--full",)):
            assert "hash chain broken" in problems_of(*args)

    def test_the_recompute_attack_under_another_key_is_reported(self, ledger):
        shrink_the_transfer(ledger)
        reseal_as_attacker(ATTACKER_KEY)
        assert "unknown ledger key" in problems_of("--full")

    def test_the_recompute_attack_with_the_old_unkeyed_links_is_reported(self, ledger):
        shrink_the_transfer(ledger)
        reseal_as_attacker(None)
        for args in ((), ("--full",)):
            assert "not sealed with a ledger key" in problems_of(*args)

    def test_only_the_key_makes_the_recompute_pass(self, ledger, capsys):
        """The other side of the proof: the attack is the one of issue 11, and only the key,
        kept out of the database, stands in its way (the anchor file catches the rest)."""
        shrink_the_transfer(ledger)
        reseal_as_attacker(signing_key())
        call_command("ledger_verify", "--full")
        assert "Ledger sound" in capsys.readouterr().out

    def test_the_recompute_attack_after_a_checkpoint_is_reported(self, ledger):
        made, _ = checkpoint_create()
        shrink_the_transfer(ledger)
        reseal_as_attacker(ATTACKER_KEY, key_id=signing_key().id)
        # ... and the checkpoint's sums and digest forged to match, the digest without the key
        for account in (ledger["alice"], ledger["bob"]):
            total = 12 if account == ledger["alice"] else 1
            tamper(
                "UPDATE ledger_checkpoint_account SET total = %s "
                "WHERE checkpoint_id = %s AND account_id = %s",
                [total, made.pk, account.pk],
            )
        rows = list(
            CheckpointAccount.objects.filter(checkpoint=made).values_list(
                "account_id", "total", "postings"
            )
        )
        # the tips the attacker's chains now end at
        tips = {name: tip for name, tip in _heads().items() if name in made.tips}
        digest = checkpoint_digest(
            upto_id=made.upto_id,
            transactions=made.transactions,
            postings=made.postings,
            tips=tips,
            accounts=rows,
            key=ATTACKER_KEY,
        )
        tamper(
            "UPDATE ledger_checkpoint SET digest = %s, tips = %s WHERE id = %s",
            [digest, _json(tips), made.pk],
        )
        assert problems_of().strip().splitlines() == [
            f"checkpoint {made.pk}: its rows do not match its digest"
        ]
        assert ledger_problems(full=True)

    def test_a_link_sealed_by_an_unknown_key_is_reported(self, ledger):
        tamper(
            "UPDATE ledger_transaction SET key_id = %s WHERE id = %s",
            [ATTACKER_KEY.id, ledger["txs"][0].pk],
        )
        assert "unknown ledger key" in problems_of()

    def test_a_checkpoint_without_a_ledger_key_is_reported(self, ledger):
        made, _ = checkpoint_create()
        tamper("UPDATE ledger_checkpoint SET key_id = '' WHERE id = %s", [made.pk])
        assert "not sealed with a ledger key" in problems_of()


@pytest.mark.django_db
class TestRotation:
    def test_a_prepended_key_signs_while_the_old_one_still_verifies(self, ledger, settings):
        old = signing_key()
        settings.LINLI_LEDGER_KEYS = [OTHER_KEY, *settings.LINLI_LEDGER_KEYS]
        later = post(actor=None, kind="t", legs=[Leg(ledger["alice"], -1), Leg(ledger["bob"], 1)])
        assert later.key_id == ledger_key(OTHER_KEY).id != old.id
        assert_ledger_consistent()
        checkpoint_create()
        assert LedgerCheckpoint.objects.get().key_id == later.key_id
        assert_ledger_consistent()

    def test_a_dropped_key_leaves_its_transactions_unverifiable_until_resealed(
        self, ledger, settings, capsys
    ):
        keys = list(settings.LINLI_LEDGER_KEYS)
        settings.LINLI_LEDGER_KEYS = [OTHER_KEY]
        assert "unknown ledger key" in problems_of("--full")
        settings.LINLI_LEDGER_KEYS = [OTHER_KEY, *keys]
        call_command("ledger_reseal")
        assert "Resealed 3 transactions" in capsys.readouterr().out
        settings.LINLI_LEDGER_KEYS = [OTHER_KEY]
        assert set(LedgerTransaction.objects.values_list("key_id", flat=True)) == {
            ledger_key(OTHER_KEY).id
        }
        assert_ledger_consistent()


@pytest.mark.postgres
@pytest.mark.skipif(connection.vendor != "postgresql", reason="the SQL HMAC is PostgreSQL's")
@pytest.mark.django_db
@pytest.mark.parametrize(
    "text,message",
    [
        ("k" * 32, "0" * 64 + ":" + "f" * 64),
        ("x" * 64, "a block-sized key"),
        ("a key longer than one block of sixty-four bytes, hashed first" * 3, "长消息 ✓"),
        ("密钥" * 20, ""),
    ],
)
def test_the_sql_hmac_equals_pythons(text, message):
    key = ledger_key(text)
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT " + hmac_sql(opad="%s::bytea", ipad="%s::bytea", message="%s::text"),
            [key.opad, key.ipad, message],
        )
        (in_sql,) = cursor.fetchone()
    assert in_sql == hmac.new(text.encode(), message.encode(), hashlib.sha256).hexdigest()


def test_production_refuses_to_start_without_ledger_keys(tmp_path):
    env = {k: v for k, v in os.environ.items() if k not in {"LINLI_LEDGER_KEYS", "LINLI_DEMO"}}
    env.update(
        DEBUG="0",
        LINLI_VAR_DIR=str(tmp_path),
        DJANGO_SETTINGS_MODULE="linli.settings",
        SECRET_KEY="s" * 50,
        LINLI_FIELD_KEYS="Zm9yLXRlc3RzLW9ubHktMzItYnl0ZXMtbG9uZy1rZXk=",
        LINLI_HASH_KEY="h" * 64,
    )
    root = Path(__file__).resolve().parents[3]

    def start(**extra):
        return subprocess.run(
            [sys.executable, "-c", "import django; django.setup()"],
            env={**env, **extra},
            cwd=root,
            capture_output=True,
            text=True,
        )

    result = start()
    assert result.returncode != 0 and "LINLI_LEDGER_KEYS must be set" in result.stderr
    result = start(LINLI_LEDGER_KEYS="short")
    assert result.returncode != 0 and "32 characters" in result.stderr
    assert start(LINLI_LEDGER_KEYS="k" * 64).returncode == 0
    assert not list(tmp_path.glob("linli_*"))  # no key generated in production


def _heads() -> dict[str, str]:
    from linli.ledger.models import ChainHead

    return dict(ChainHead.objects.values_list("name", "last_hash"))


def _json(value) -> str:
    import json

    return json.dumps(value)
