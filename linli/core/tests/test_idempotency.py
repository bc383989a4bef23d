"""The idempotency mechanism itself: keys are checked, a repeat of a key returns the first result,
a key reused for something else is refused, keys are per actor, and pages get a fresh key."""

import re
from decimal import Decimal

import pytest
from django.db import transaction
from django.template import Context, Template

from linli.core import idempotency
from linli.core.errors import ValidationFailed
from linli.core.models import Notification, RequestReceipt

pytestmark = pytest.mark.django_db


def act(user, key, content, title="done"):
    """A tiny value-moving action: one notification, once per key."""
    with transaction.atomic():
        once = idempotency.claim(actor=user, key=key, action="test.act", content=content)
        if once.replayed is not None:
            return once.replayed
        note = Notification.objects.create(user=user, key=f"n{Notification.objects.count()}")
        note.title = title
        return once.finish(note)


class TestKeys:
    @pytest.mark.parametrize(
        "key", ["a", "3f1c0c1e-8c1b-4d55-9d57-3f7c2f9a1b2c", "x" * 100, "!~{}", "01HZX8K2"]
    )
    def test_it_accepts_visible_ascii_up_to_100_characters(self, key):
        assert idempotency.key_clean(key) == key

    @pytest.mark.parametrize(
        "key", ["x" * 101, "has space", "tab\tkey", "键", "nul\x00", "\n", "é"]
    )
    def test_it_refuses_anything_else_as_a_validation_error(self, key):
        with pytest.raises(ValidationFailed) as exc:
            idempotency.key_clean(key)
        assert exc.value.status == 422 and "idempotency_key" in exc.value.fields

    def test_no_key_means_no_idempotency(self, world):
        assert idempotency.key_clean("") is None and idempotency.key_clean(None) is None
        first, second = act(world.worker_a, None, {"n": 1}), act(world.worker_a, None, {"n": 1})
        assert first.pk != second.pk and not RequestReceipt.objects.exists()

    def test_equal_quantities_written_differently_are_the_same_request(self):
        assert idempotency.fingerprint("a", {"q": Decimal("2.000")}) == idempotency.fingerprint(
            "a", {"q": Decimal("2")}
        )
        assert idempotency.fingerprint("a", {"q": 1}) != idempotency.fingerprint("b", {"q": 1})


class TestClaim:
    def test_the_same_key_twice_returns_the_first_result_and_does_nothing_more(self, world):
        first = act(world.worker_a, "k-1", {"n": 1})
        again = act(world.worker_a, "k-1", {"n": 1})
        assert again.pk == first.pk and Notification.objects.count() == 1
        assert idempotency.replayed(again) and not idempotency.replayed(first)
        receipt = RequestReceipt.objects.get()
        assert (receipt.action, receipt.result_id) == ("test.act", first.pk)

    def test_the_same_key_for_a_different_request_is_a_409_and_writes_nothing(self, world):
        act(world.worker_a, "k-1", {"n": 1})
        with pytest.raises(idempotency.IdempotencyKeyReused) as exc:
            act(world.worker_a, "k-1", {"n": 2})
        assert exc.value.status == 409 and "不同的请求" in exc.value.message
        assert Notification.objects.count() == 1 and RequestReceipt.objects.count() == 1

    def test_keys_are_per_actor(self, world):
        mine = act(world.worker_a, "shared", {"n": 1})
        theirs = act(world.worker_b, "shared", {"n": 1})
        assert mine.pk != theirs.pk and not idempotency.replayed(theirs)
        assert RequestReceipt.objects.count() == 2

    def test_a_failed_action_leaves_no_receipt_so_the_key_can_be_retried(self, world):
        with pytest.raises(RuntimeError), transaction.atomic():
            idempotency.claim(actor=world.worker_a, key="k-2", action="test.act", content={})
            raise RuntimeError("the action failed")
        assert not RequestReceipt.objects.exists()
        assert not idempotency.replayed(act(world.worker_a, "k-2", {}))

    def test_the_ledger_key_is_derived_from_the_actor_the_action_and_the_key(self, world):
        with transaction.atomic():
            once = idempotency.claim(actor=world.worker_a, key="k", action="x.y", content={})
        assert once.ledger_key == f"idem:{world.worker_a.pk}:x.y:k"
        assert idempotency.Claim().ledger_key is None


class TestFormField:
    def test_every_render_carries_a_fresh_hidden_key(self):
        template = Template("{% load linli %}{% idempotency_field %}{% idempotency_field %}")
        html = template.render(Context())
        keys = re.findall(r'name="idempotency_key" value="([0-9a-f-]{36})"', html)
        assert len(keys) == 2 and keys[0] != keys[1] and 'type="hidden"' in html
