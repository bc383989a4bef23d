"""Check-out photos through the volunteer's pages and the API: hostile files are refused with a
clear message and nothing is stored; real photos are stored re-encoded (no EXIF), under a random
``.jpg`` name with a thumbnail, and served only in scope with an image type and nosniff."""

import io
import re

import pytest
from django.db import transaction
from PIL import Image

from linli.core import uploads
from linli.core.errors import Conflict, NotFound, PermissionDenied
from linli.core.testing import (
    hostile_files,
    jpeg_bytes,
    png_bomb,
    png_bytes,
    stored_files,
    upload,
)
from linli.orders.models import ServiceOrder, ServiceOrderPhoto
from linli.orders.services import orders as order_services

pytestmark = pytest.mark.usefixtures("english")

API = "/api/v1"


def in_service(desk) -> ServiceOrder:
    order = desk.dispatched()
    user = desk.world.volunteer_a
    order_services.order_accept(actor=user, order_id=order.pk)
    return order_services.order_check_in(actor=user, order_id=order.pk)


def assert_served_as_an_image(response) -> bytes:
    assert response.status_code == 200
    assert response["Content-Type"] == "image/jpeg"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert re.fullmatch(r'inline; filename="photo-\d+\.jpg"', response["Content-Disposition"])
    return b"".join(response.streaming_content)


class TestOnTheVolunteersPages:
    @pytest.mark.parametrize(("name", "data", "content_type", "message"), hostile_files())
    def test_a_hostile_photo_is_refused_at_check_out_and_nothing_is_stored(
        self, desk, world, client_for, name, data, content_type, message
    ):
        order = in_service(desk)
        response = client_for(world.volunteer_a).post(
            f"/orders/{order.pk}/check_out/",
            {"notes": "修好了", "photos": [upload(name, data, content_type)], "next": "/me/tasks/"},
            follow=True,
        )
        assert message in response.content.decode()
        order.refresh_from_db()
        assert order.status == "in_service" and order.service_notes == ""
        assert not ServiceOrderPhoto.objects.exists() and stored_files() == []

    def test_one_bad_photo_among_good_ones_stores_none_of_them(self, desk, world, client_for):
        order = in_service(desk)
        client_for(world.volunteer_a).post(
            f"/orders/{order.pk}/check_out/",
            {"photos": [upload("a.jpg", jpeg_bytes()), upload("b.svg", b"<svg/>")]},
        )
        assert ServiceOrder.objects.get().status == "in_service"
        assert not ServiceOrderPhoto.objects.exists() and stored_files() == []

    def test_a_jpeg_with_gps_is_stored_reencoded_without_exif_under_a_random_name(
        self, desk, world, client_for
    ):
        order = in_service(desk)
        client = client_for(world.volunteer_a)
        original = jpeg_bytes((800, 600), gps=True)
        client.post(
            f"/orders/{order.pk}/check_out/",
            {"photos": [upload("IMG_2024 home of 张三.jpg", original)], "next": "/me/tasks/"},
        )
        photo = ServiceOrderPhoto.objects.get()
        assert re.fullmatch(r"orders/\d{4}/\d{2}/[0-9a-f]{32}\.jpg", photo.image.name)
        stored = photo.image.read()
        assert stored != original and b"Exif" not in stored
        with Image.open(io.BytesIO(stored)) as image:
            assert image.format == "JPEG" and not image.getexif()
        assert len(stored_files()) == 2  # the photo and its thumbnail, nothing else

        full = assert_served_as_an_image(client.get(f"/orders/photos/{photo.pk}/"))
        thumb = assert_served_as_an_image(client.get(f"/orders/photos/{photo.pk}/thumb/"))
        assert full == stored
        with Image.open(io.BytesIO(thumb)) as image:
            assert image.size == (320, 240)

    def test_the_order_page_shows_thumbnails_linking_to_the_full_photo(
        self, desk, world, client_for
    ):
        order = in_service(desk)
        order_services.order_check_out(
            actor=world.volunteer_a, order_id=order.pk, photos=[upload("a.png", png_bytes())]
        )
        photo = ServiceOrderPhoto.objects.get()
        page = client_for(world.worker_a).get(f"/orders/{order.pk}/").content.decode()
        assert f'<a href="/orders/photos/{photo.pk}/"' in page
        assert f'<img src="/orders/photos/{photo.pk}/thumb/"' in page
        assert f'src="/orders/photos/{photo.pk}/"' not in page  # no full-size photo inline

    def test_photos_are_served_only_in_scope(self, desk, world, client_for):
        order = in_service(desk)
        order_services.order_check_out(
            actor=world.volunteer_a, order_id=order.pk, photos=[upload("a.jpg", jpeg_bytes())]
        )
        photo = ServiceOrderPhoto.objects.get()
        for url in (f"/orders/photos/{photo.pk}/", f"/orders/photos/{photo.pk}/thumb/"):
            assert client_for(world.worker_b).get(url).status_code == 404
            assert_served_as_an_image(client_for(world.worker_a).get(url))


class TestOnTheApi:
    def done(self, desk):
        order = in_service(desk)
        return order_services.order_check_out(actor=desk.world.volunteer_a, order_id=order.pk)

    @pytest.mark.parametrize(("name", "data", "content_type", "message"), hostile_files())
    def test_a_hostile_photo_is_refused_with_422_and_nothing_is_stored(
        self, desk, world, api_for, name, data, content_type, message
    ):
        order = self.done(desk)
        response = api_for(world.volunteer_a).post(
            f"{API}/service-orders/{order.pk}/photos",
            {"photos": [upload(name, data, content_type)]},
        )
        assert response.status_code == 422, response.content
        assert response.json()["errors"] == {"photos": [message]}
        assert not ServiceOrderPhoto.objects.exists() and stored_files() == []

    def test_the_volunteer_sends_photos_after_check_out(self, desk, world, api_for, client_for):
        order = self.done(desk)
        response = api_for(world.volunteer_a).post(
            f"{API}/service-orders/{order.pk}/photos",
            {"photos": [upload("x.html", jpeg_bytes(gps=True), "text/html")]},
        )
        assert response.status_code == 201, response.content
        [body] = response.json()
        photo = ServiceOrderPhoto.objects.get(pk=body["id"])
        assert body["order_id"] == order.pk and photo.image.name.endswith(".jpg")
        assert b"Exif" not in photo.image.read()
        served = client_for(world.worker_a).get(f"/orders/photos/{photo.pk}/")
        assert_served_as_an_image(served)

    def test_at_most_five_photos_and_only_by_those_who_check_out_while_done(
        self, desk, world, api_for
    ):
        order = self.done(desk)
        url = f"{API}/service-orders/{order.pk}/photos"

        def send(user, count=1):
            return api_for(user).post(
                url, {"photos": [upload(f"{i}.jpg", jpeg_bytes()) for i in range(count)]}
            )

        assert send(world.worker_b).status_code == 404
        assert send(world.resident_a).status_code in (403, 404)
        assert send(world.volunteer_a, 6).status_code == 422
        assert send(world.volunteer_a, 5).status_code == 201
        assert send(world.volunteer_a).status_code == 422
        assert ServiceOrderPhoto.objects.count() == 5
        assert len(stored_files()) == 10  # five photos and five thumbnails

    def test_no_photos_before_the_service_is_done(self, desk, world, api_for):
        order = in_service(desk)
        response = api_for(world.volunteer_a).post(
            f"{API}/service-orders/{order.pk}/photos", {"photos": [upload("a.jpg", jpeg_bytes())]}
        )
        assert response.status_code == 409
        assert stored_files() == []

    def test_a_body_without_files_is_a_client_error(self, desk, world, api_for):
        order = self.done(desk)
        url = f"{API}/service-orders/{order.pk}/photos"
        client = api_for(world.volunteer_a)
        for response in (
            client.post(url, {"photos": "<script>alert(1)</script>"}),
            client.post(url, {"photos": []}, content_type="application/json"),
            client.post(url),
        ):
            assert 400 <= response.status_code < 500, response.content
        assert stored_files() == []


@pytest.fixture
def decodes(monkeypatch) -> list[bool]:
    """Each image decoded, as whether a database transaction was open at that moment."""
    seen: list[bool] = []
    real_decode = uploads._decode

    def spy(image):
        seen.append(transaction.get_connection().in_atomic_block)
        return real_decode(image)

    monkeypatch.setattr(uploads, "_decode", spy)
    return seen


@pytest.mark.django_db(transaction=True)  # no test transaction around it: the service's own only
class TestPhotosAreDecodedBeforeTheWriteTransaction:
    def test_check_out_photos_are_decoded_outside_the_transaction(self, desk, world, decodes):
        order = in_service(desk)
        photos = [upload(f"{i}.jpg", jpeg_bytes()) for i in range(2)]
        order_services.order_check_out(actor=world.volunteer_a, order_id=order.pk, photos=photos)
        assert decodes == [False, False]
        assert ServiceOrderPhoto.objects.filter(order=order).count() == 2

    def test_added_photos_are_decoded_outside_the_transaction(self, desk, world, api_for, decodes):
        order = in_service(desk)
        order_services.order_check_out(actor=world.volunteer_a, order_id=order.pk)
        response = api_for(world.volunteer_a).post(
            f"{API}/service-orders/{order.pk}/photos", {"photos": [upload("a.jpg", jpeg_bytes())]}
        )
        assert response.status_code == 201, response.content
        assert decodes == [False]

    def test_who_may_not_check_out_or_a_wrong_state_makes_the_server_decode_nothing(
        self, desk, world, api_for, decodes
    ):
        order = in_service(desk)

        def check_out(user):
            return order_services.order_check_out(
                actor=user, order_id=order.pk, photos=[upload("a.png", png_bomb(4000, 4000))]
            )

        with pytest.raises(NotFound):
            check_out(world.worker_b)
        with pytest.raises(PermissionDenied):
            check_out(world.resident_a)
        url = f"{API}/service-orders/{order.pk}/photos"
        photos = {"photos": [upload("a.png", png_bomb(4000, 4000))]}
        assert api_for(world.volunteer_a).post(url, photos).status_code == 409  # not done yet
        order_services.order_check_out(actor=world.volunteer_a, order_id=order.pk)
        with pytest.raises(Conflict):  # already done
            check_out(world.volunteer_a)
        assert api_for(world.worker_b).post(url, photos).status_code == 404
        assert decodes == []
        assert not ServiceOrderPhoto.objects.exists() and stored_files() == []
