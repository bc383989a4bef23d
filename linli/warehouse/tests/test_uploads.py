"""The photographed receipt of a handout (发放): hostile files are refused on the form's field and
nothing is stored (no file, no handout, no stock moved); a real photo is stored re-encoded without
EXIF under a random ``.jpg`` name, shown as a thumbnail, and served with an image type and
nosniff."""

import io
import re

import pytest
from django.db import transaction
from django.urls import reverse
from PIL import Image

from linli.core import uploads
from linli.core.errors import PermissionDenied
from linli.core.testing import hostile_files, jpeg_bytes, png_bomb, stored_files, upload
from linli.ledger.models import LedgerTransaction
from linli.warehouse.models import Distribution
from linli.warehouse.services import outbound
from linli.warehouse.tests.helpers import days

pytestmark = pytest.mark.usefixtures("english")


def handout(shop, person, receipt) -> dict:
    return {
        "location": shop.store.pk,
        "recipient_kind": "person",
        "person": person.pk,
        "distributed_on": days(0).isoformat(),
        "signed_by": "",
        "receipt": receipt,
        "lines-TOTAL_FORMS": "1",
        "lines-INITIAL_FORMS": "0",
        "lines-0-item": shop.coat.pk,
        "lines-0-quantity": "1",
    }


@pytest.mark.parametrize(("name", "data", "content_type", "message"), hostile_files())
def test_a_hostile_receipt_is_refused_on_its_field_and_nothing_is_stored(
    shop, person_a, client_for, name, data, content_type, message
):
    shop.receive(shop.coat, 3)
    before = LedgerTransaction.objects.count()
    response = client_for(shop.world.worker_a).post(
        reverse("warehouse:distribution_create"),
        handout(shop, person_a, upload(name, data, content_type)),
    )
    assert response.status_code == 200
    assert response.context["form"].errors["receipt"] == [message]
    assert not Distribution.objects.exists() and LedgerTransaction.objects.count() == before
    assert stored_files() == []


def test_a_receipt_with_gps_is_stored_reencoded_and_served_as_a_thumbnail_and_in_full(
    shop, person_a, client_for
):
    shop.receive(shop.coat, 3)
    client = client_for(shop.world.worker_a)
    original = jpeg_bytes((1200, 900), gps=True)
    response = client.post(
        reverse("warehouse:distribution_create"),
        handout(shop, person_a, upload("<img src=x onerror=alert(1)>.jpg", original)),
    )
    assert response.status_code == 302
    distribution = Distribution.objects.get()
    name = distribution.receipt.name
    assert re.fullmatch(r"receipts/\d{4}/\d{2}/[0-9a-f]{32}\.jpg", name), name
    stored = distribution.receipt.read()
    assert b"Exif" not in stored
    with Image.open(io.BytesIO(stored)) as image:
        assert image.format == "JPEG" and not image.getexif()
    assert len(stored_files()) == 2

    page = client.get(reverse("warehouse:distribution_detail", args=[distribution.pk]))
    full = reverse("warehouse:distribution_receipt", args=[distribution.pk])
    thumb = reverse("warehouse:distribution_receipt_thumb", args=[distribution.pk])
    assert f'<a href="{full}"' in page.content.decode()
    assert f'<img src="{thumb}"' in page.content.decode()
    for url in (full, thumb):
        served = client.get(url)
        assert served["Content-Type"] == "image/jpeg"
        assert served["X-Content-Type-Options"] == "nosniff"
        assert served["Content-Disposition"] == f'inline; filename="receipt-{distribution.pk}.jpg"'
        assert b"".join(served.streaming_content)
        assert client_for(shop.world.worker_b).get(url).status_code == 404


def test_a_handout_without_a_receipt_serves_no_photo(shop, person_a, client_for):
    shop.receive(shop.coat, 3)
    distribution = shop.give(shop.coat, 1, person_id=person_a.pk)
    url = reverse("warehouse:distribution_receipt_thumb", args=[distribution.pk])
    assert client_for(shop.world.worker_a).get(url).status_code == 404


@pytest.mark.django_db(transaction=True)  # no test transaction around it: the service's own only
def test_a_receipt_is_decoded_before_the_write_transaction_and_only_for_who_may_give(
    shop, person_a, monkeypatch
):
    decodes: list[bool] = []
    real_decode = uploads._decode

    def spy(image):
        decodes.append(transaction.get_connection().in_atomic_block)
        return real_decode(image)

    monkeypatch.setattr(uploads, "_decode", spy)
    shop.receive(shop.coat, 3)
    with pytest.raises(PermissionDenied):  # another community's worker: refused, nothing decoded
        outbound.distribution_create(
            actor=shop.world.worker_b,
            community_id=shop.world.a.pk,
            location_id=shop.store.pk,
            recipient_kind="person",
            person_id=person_a.pk,
            lines=[outbound.OutLine(item_id=shop.coat.pk, quantity=1)],
            receipt=upload("a.png", png_bomb(4000, 4000), "image/png"),
        )
    assert decodes == []
    distribution = shop.give(
        shop.coat, 1, person_id=person_a.pk, signed_by="", receipt=upload("r.jpg", jpeg_bytes())
    )
    assert decodes == [False]
    assert distribution.receipt.name.endswith(".jpg") and len(stored_files()) == 2
