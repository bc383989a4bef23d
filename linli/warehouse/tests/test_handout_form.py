"""The handout form (发放) and page name the warehouse and the date with their own translation
context ("handout"), not the generic "From" (of dates) and "Given on" (of consents); a form refused
after a receipt photo was chosen says the photo must be chosen again."""

import pytest
from django.urls import reverse
from django.utils import translation

from linli.core.testing import jpeg_bytes, upload
from linli.warehouse.models import Distribution
from linli.warehouse.tests.test_uploads import handout

pytestmark = pytest.mark.usefixtures("english")


@pytest.fixture
def contexts_shown(monkeypatch):
    """English in which every message with a context reads "[context] message": a page shows
    which labels are looked up with which context."""
    english = translation.trans_real.translation("en")
    real = english.gettext

    def gettext(message):
        if translation.trans_real.CONTEXT_SEPARATOR in message:
            context, msgid = message.split(translation.trans_real.CONTEXT_SEPARATOR, 1)
            return f"[{context}] {msgid}"
        return real(message)

    monkeypatch.setattr(english, "gettext", gettext)


def test_the_handout_form_labels_the_warehouse_and_the_date_in_the_handout_context(
    shop, client_for, contexts_shown
):
    html = client_for(shop.world.worker_a).get(reverse("warehouse:distribution_create"))
    html = html.content.decode()
    assert 'for="id_location">[handout] From warehouse' in html
    assert 'for="id_distributed_on">[handout] Handed out on' in html


def test_the_handout_page_and_list_use_the_handout_context(
    shop, person_a, client_for, contexts_shown
):
    shop.receive(shop.coat, 3)
    client = client_for(shop.world.worker_a)
    data = {**handout(shop, person_a, ""), "signed_by": "张三丰"}
    response = client.post(reverse("warehouse:distribution_create"), data)
    assert response.status_code == 302
    distribution = Distribution.objects.get()
    html = client.get(response.url).content.decode()
    assert "[handout] Handed out on</dt>" in html
    on = distribution.distributed_on.isoformat()
    assert f"[handout] {on}, from the warehouse {shop.store.name}, by" in html
    listing = client.get(reverse("warehouse:distribution_list")).content.decode()
    assert "<th>[handout] Handed out on</th>" in listing
    assert "<th>[handout] From warehouse</th>" in listing


def test_in_english_the_handout_labels_read_plainly(shop, client_for):
    html = client_for(shop.world.worker_a).get(reverse("warehouse:distribution_create"))
    html = html.content.decode()
    assert 'for="id_location">From warehouse' in html
    assert 'for="id_distributed_on">Handed out on' in html


def test_a_refused_handout_with_a_chosen_receipt_asks_for_the_photo_again(
    shop, person_a, client_for
):
    shop.receive(shop.coat, 3)
    data = handout(shop, person_a, upload("receipt.jpg", jpeg_bytes()))
    data["lines-0-quantity"] = "99"  # more than the shelf holds: refused for another reason
    response = client_for(shop.world.worker_a).post(reverse("warehouse:distribution_create"), data)
    assert response.status_code == 200 and not Distribution.objects.exists()
    assert "Choose the photo of the receipt again" in response.content.decode()


def test_the_receipt_field_has_no_choose_again_line_before_a_refusal(shop, person_a, client_for):
    client = client_for(shop.world.worker_a)
    html = client.get(reverse("warehouse:distribution_create")).content.decode()
    assert "Choose the photo of the receipt again" not in html
    assert "data-shrink-images" in html
    shop.receive(shop.coat, 3)
    data = handout(shop, person_a, "")
    data["lines-0-quantity"] = "99"
    response = client.post(reverse("warehouse:distribution_create"), data)
    assert "Choose the photo of the receipt again" not in response.content.decode()
