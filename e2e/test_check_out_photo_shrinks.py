"""A volunteer on a 390-px phone checks out with a normal phone photo (4000 × 3000 JPEG of about
8 MB, over the server's 5 MB): the page makes it smaller in the browser (canvas, JPEG, at most
2560 px) before it is sent, and the check-out is accepted with the photo stored."""

import io
import os

import numpy as np
from conftest import ARTIFACTS, login
from PIL import Image

from linli.accounts.models import User
from linli.orders.models import ServiceOrder, ServiceOrderPhoto
from linli.orders.services import orders as order_services

PHONE = {"width": 390, "height": 844}


def phone_photo() -> bytes:
    """A 4000 × 3000 JPEG of about 8 MB: a gradient with grain, as a camera's noise."""
    rng = np.random.default_rng(7)
    h, w = 3000, 4000
    y = np.linspace(0, 255, h)[:, None]
    x = np.linspace(0, 255, w)[None, :]
    planes = [
        np.broadcast_to(y, (h, w)),
        np.broadcast_to(x, (h, w)),
        np.broadcast_to((x + y) / 2, (h, w)),
    ]
    pixels = np.clip(np.stack(planes, -1) + rng.normal(0, 40, (h, w, 3)), 0, 255)
    out = io.BytesIO()
    Image.fromarray(pixels.astype(np.uint8)).save(out, "JPEG", quality=90)
    return out.getvalue()


def in_service_for(volunteer_user) -> ServiceOrder:
    worker = User.objects.get(username="worker1")
    resident = User.objects.get(username="resident1")
    order = order_services.order_create(
        actor=worker,
        person_id=resident.person_id,
        category="daily_care",
        urgency="this_week",
        description="换灯泡，修水龙头",
    )
    order_services.order_dispatch(
        actor=worker, order_id=order.pk, volunteer_id=volunteer_user.volunteer.pk
    )
    order_services.order_accept(actor=volunteer_user, order_id=order.pk)
    return order_services.order_check_in(actor=volunteer_user, order_id=order.pk)


def test_a_large_phone_photo_is_shrunk_in_the_browser_and_the_check_out_is_accepted(
    demo, live_server, browser, settings
):
    os.makedirs(ARTIFACTS, exist_ok=True)
    volunteer = User.objects.get(username="volunteer1")
    order = in_service_for(volunteer)
    path = os.path.join(ARTIFACTS, "IMG_4000x3000.jpg")
    with open(path, "wb") as f:
        f.write(phone_photo())
    assert os.path.getsize(path) > settings.LINLI_IMAGE_MAX_BYTES

    phone = browser.new_page(locale="zh-CN", viewport=PHONE)
    login(phone, live_server.url, "volunteer1")
    phone.goto(f"{live_server.url}/me/tasks/")
    card = phone.locator(".card", has_text="换灯泡，修水龙头")
    card.locator(f"label[for=notes-{order.pk}]").wait_for()  # a visible label
    card.locator("textarea[name=notes]").fill("换了灯泡，水龙头不漏了")
    photos = card.locator("input[name=photos][data-shrink-images]")
    photos.set_input_files(path)
    phone.wait_for_function(
        "input => input.files.length === 1 && input.files[0].type === 'image/jpeg'"
        " && input.files[0].size < 5 * 1024 * 1024",
        arg=photos.element_handle(),
        timeout=30_000,
    )
    assert photos.evaluate("input => input.files[0].name") == "IMG_4000x3000.jpg"
    card.locator("button.btn-success", has_text="签退").click()
    phone.locator(".alert-success").wait_for()

    order.refresh_from_db()
    assert order.status == "done" and order.service_notes == "换了灯泡，水龙头不漏了"
    photo = ServiceOrderPhoto.objects.get(order=order)
    with Image.open(photo.image) as stored:
        assert max(stored.size) == 2560 and stored.size == (2560, 1920)
