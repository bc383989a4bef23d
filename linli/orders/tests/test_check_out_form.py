"""The check-out form as a volunteer on a phone and a worker at the order page use it: visible
labels with help, everything typed kept when the check-out is refused (a bad or too-big photo),
the refused photo named among several, and the number of photos saved said after a check-out."""

import pytest

from linli.core.testing import NOT_AN_IMAGE, TOO_LARGE, jpeg_bytes, stored_files, upload
from linli.orders.models import ServiceOrderPhoto
from linli.orders.services import orders as order_services

pytestmark = pytest.mark.usefixtures("english")

NOTES = "Changed the bulb <b>and</b> fixed the tap"
BAD_FILES = [
    pytest.param("x.svg", b"<svg/>", NOT_AN_IMAGE, id="bad-file"),
    pytest.param("big.jpg", jpeg_bytes() + b"\x00" * (6 * 1024 * 1024), TOO_LARGE, id="too-big"),
]


def in_service(desk):
    order = desk.dispatched()
    user = desk.world.volunteer_a
    order_services.order_accept(actor=user, order_id=order.pk)
    return order_services.order_check_in(actor=user, order_id=order.pk)


def check_out(client, order, photos, next_url=None):
    data = {"notes": NOTES, "photos": photos}
    if next_url:
        data["next"] = next_url
    return client.post(f"/orders/{order.pk}/check_out/", data)


class TestARefusedCheckOutKeepsWhatWasTyped:
    @pytest.mark.parametrize(("name", "data", "message"), BAD_FILES)
    def test_on_the_phone_page_the_notes_come_back_with_the_reason(
        self, desk, world, client_for, name, data, message
    ):
        order = in_service(desk)
        response = check_out(
            client_for(world.volunteer_a), order, [upload(name, data)], "/me/tasks/"
        )
        assert response.status_code == 422
        assert response.templates[0].name == "orders/me/tasks.html"
        html = response.content.decode()
        assert "Changed the bulb &lt;b&gt;and&lt;/b&gt; fixed the tap</textarea>" in html
        assert message in html
        assert "Choose the photos again" in html
        assert "what you typed is kept below" in html
        # the links on the page still lead back to the tasks page, not to the action's URL
        assert 'name="next" value="/me/tasks/"' in html
        order.refresh_from_db()
        assert order.status == "in_service" and order.service_notes == ""
        assert not ServiceOrderPhoto.objects.exists() and stored_files() == []

    @pytest.mark.parametrize(("name", "data", "message"), BAD_FILES)
    def test_on_the_order_page_the_notes_come_back_with_the_reason(
        self, desk, world, client_for, name, data, message
    ):
        order = in_service(desk)
        response = check_out(client_for(world.volunteer_a), order, [upload(name, data)])
        assert response.status_code == 422
        assert response.templates[0].name == "orders/order_detail.html"
        html = response.content.decode()
        assert "Changed the bulb &lt;b&gt;and&lt;/b&gt; fixed the tap</textarea>" in html
        assert message in html

    def test_the_page_that_shows_it_again_is_still_scoped(self, desk, world, client_for):
        order = in_service(desk)
        response = check_out(client_for(world.worker_b), order, [upload("x.svg", b"<svg/>")])
        assert response.status_code == 404

    def test_a_refused_photo_among_several_is_named_by_place_and_escaped_name(
        self, desk, world, client_for
    ):
        order = in_service(desk)
        photos = [upload("IMG_1.jpg", jpeg_bytes()), upload("<b>IMG_1234.svg", b"<svg/>")]
        response = check_out(client_for(world.volunteer_a), order, photos, "/me/tasks/")
        html = response.content.decode()
        assert f"Photo 2 (&lt;b&gt;IMG_1234.svg): {NOT_AN_IMAGE}" in html
        assert "<b>IMG_1234" not in html
        assert not ServiceOrderPhoto.objects.exists() and stored_files() == []

    def test_the_api_names_the_refused_photo_too(self, desk, world, client_for):
        order = in_service(desk)
        client = client_for(world.volunteer_a)
        response = client.post(
            f"/orders/{order.pk}/check_out/",
            {"photos": [upload("a.jpg", jpeg_bytes()), upload("b.jpg", jpeg_bytes())]},
        )
        assert response.status_code == 302
        big = jpeg_bytes() + b"\x00" * (6 * 1024 * 1024)
        response = client.post(
            f"/api/v1/service-orders/{order.pk}/photos",
            {"photos": [upload("ok.jpg", jpeg_bytes()), upload("IMG_9.jpg", big)]},
        )
        assert response.status_code == 422
        assert f"Photo 2 (IMG_9.jpg): {TOO_LARGE}" in response.content.decode()


class TestTheCheckOutFormIsLabelled:
    def test_notes_and_photos_have_visible_labels_and_help(self, desk, world, client_for):
        order = in_service(desk)
        html = client_for(world.volunteer_a).get("/me/tasks/").content.decode()
        assert f'<label class="form-label fs-5 fw-semibold mb-1" for="notes-{order.pk}">' in html
        assert ">Notes</label>" in html
        assert f'for="photos-{order.pk}">Photos (optional, up to 5)</label>' in html
        assert f'id="notes-help-{order.pk}"' in html and f'id="photos-help-{order.pk}"' in html
        assert "data-shrink-images" in html
        assert "Choose the photos again" not in html  # only after a refusal

    @pytest.mark.parametrize(
        ("count", "message"),
        [
            (0, "Checked out: the service is done. No photos were added."),
            (1, "Checked out: the service is done. 1 photo is saved."),
            (3, "Checked out: the service is done. 3 photos are saved."),
        ],
    )
    def test_a_check_out_says_how_many_photos_were_saved(
        self, desk, world, client_for, count, message
    ):
        order = in_service(desk)
        photos = [upload(f"p{n}.jpg", jpeg_bytes()) for n in range(count)]
        response = client_for(world.volunteer_a).post(
            f"/orders/{order.pk}/check_out/",
            {"notes": "done", "photos": photos, "next": "/me/tasks/"},
            follow=True,
        )
        assert message in response.content.decode()
        assert ServiceOrderPhoto.objects.count() == count
