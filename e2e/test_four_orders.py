"""The four orders (四单) in a browser: resident1 asks for help on a phone, worker1 dispatches it to
volunteer1 at the desk, volunteer1 accepts, checks in and out on a phone, resident1 rates it and
worker1 completes the evaluation — the volunteer's points arrive. Then a visit form whose draft
survives a reload."""

import os

from conftest import ARTIFACTS, login

from linli.accounts.models import User
from linli.core.testing import jpeg_bytes
from linli.orders.models import ServiceOrder
from linli.points.selectors import points_balances
from linli.visits.models import Visit

PHONE = {"width": 390, "height": 844}


def _no_overflow(page):
    overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
    assert overflow <= 0, f"the page is {overflow}px wider than the phone"


def test_an_order_goes_round_the_four_orders_in_the_browser(demo, live_server, browser):
    os.makedirs(ARTIFACTS, exist_ok=True)
    volunteer = User.objects.get(username="volunteer1").volunteer
    points_before = points_balances(volunteer.person)[0]

    resident = browser.new_page(locale="zh-CN", viewport=PHONE)
    login(resident, live_server.url, "resident1")
    resident.goto(f"{live_server.url}/me/orders/")
    assert "028-" in resident.locator("a[href^='tel:']").inner_text()  # the call fallback
    resident.click("label:has-text('物资帮扶')")
    resident.click("label:has-text('本周内')")
    resident.fill("#id_description", "家里缺一床厚棉被")
    _no_overflow(resident)
    resident.screenshot(path=os.path.join(ARTIFACTS, "resident-order-phone.png"), full_page=False)
    resident.click("button:has-text('发送我的需求')")
    resident.get_by_text("您的需求已收到").wait_for()
    order = ServiceOrder.objects.latest("id")
    assert order.channel == "resident" and order.status == "ordered"

    desk = browser.new_page(locale="zh-CN", viewport={"width": 1280, "height": 900})
    login(desk, live_server.url, "worker1")
    desk.goto(f"{live_server.url}/orders/{order.pk}/")
    desk.get_by_text("推荐的志愿者和队伍").wait_for()
    desk.select_option("#dispatch-volunteer", value=str(volunteer.pk))
    desk.click("#dispatch-volunteer + button")
    desk.get_by_text("已派单。").wait_for()

    phone = browser.new_page(locale="zh-CN", viewport=PHONE)
    login(phone, live_server.url, "volunteer1")
    phone.goto(f"{live_server.url}/me/tasks/")
    card = phone.locator(".card", has_text="家里缺一床厚棉被")
    card.locator("button:has-text('接单')").click()
    phone.locator(".card", has_text="家里缺一床厚棉被").locator("button:has-text('签到')").click()
    card = phone.locator(".card", has_text="家里缺一床厚棉被")
    card.locator("textarea[name=notes]").fill("送去了一床新棉被")
    photo = os.path.join(ARTIFACTS, "check-out-photo.jpg")
    with open(photo, "wb") as f:
        f.write(jpeg_bytes((1600, 1200), gps=True))
    card.locator("input[name=photos]").set_input_files(photo)
    _no_overflow(phone)
    phone.screenshot(path=os.path.join(ARTIFACTS, "volunteer-tasks-phone.png"), full_page=False)
    card.locator("button:has-text('签退')").click()
    phone.get_by_text("已签退").wait_for()

    resident.goto(f"{live_server.url}/me/orders/")
    resident.locator(".card", has_text="家里缺一床厚棉被").locator("label:has-text('5★')").click()
    resident.locator(".card", has_text="家里缺一床厚棉被").locator(
        "button:has-text('提交评价')"
    ).click()
    resident.get_by_text("感谢您的评价").wait_for()

    desk.goto(f"{live_server.url}/orders/{order.pk}/")
    thumb = desk.locator("img[src*='/orders/photos/'][src$='/thumb/']")
    thumb.wait_for()
    assert thumb.evaluate("img => img.complete && img.naturalWidth") == 320  # the thumbnail
    desk.fill("textarea[name=review]", "及时送达，居民满意")
    desk.on("dialog", lambda dialog: dialog.accept())
    desk.click("button:has-text('完成评单')")
    desk.get_by_text("评单完成").wait_for()
    desk.screenshot(path=os.path.join(ARTIFACTS, "order-timeline.png"), full_page=True)
    order.refresh_from_db()
    assert order.status == "evaluated" and order.resident_rating == 5
    assert points_balances(volunteer.person)[0] > points_before
    assert [e.to_status for e in order.events.all()] == [
        "ordered",
        "dispatched",
        "accepted",
        "in_service",
        "done",
        "evaluated",
    ]


def test_a_visit_draft_survives_a_reload(demo, live_server, browser):
    worker = browser.new_page(locale="zh-CN", viewport=PHONE)
    login(worker, live_server.url, "worker1")
    worker.goto(f"{live_server.url}/visits/")
    worker.locator("td a.btn-outline-success").first.click()
    worker.wait_for_url("**/visits/record/**")
    worker.click("label[for=id_wellbeing_1]")  # "2"
    worker.fill("#id_findings", "暖气不热，老人说晚上冷")
    worker.reload()
    worker.get_by_text("已恢复您未提交的草稿").wait_for()
    assert worker.input_value("#id_findings") == "暖气不热，老人说晚上冷"
    _no_overflow(worker)
    worker.screenshot(path=os.path.join(ARTIFACTS, "visit-form-phone.png"), full_page=False)
    before = Visit.objects.count()
    worker.click("button:has-text('保存探访')")
    worker.get_by_text("探访已记录").wait_for()
    assert Visit.objects.count() == before + 1
    assert Visit.objects.latest("id").findings == "暖气不热，老人说晚上冷"
    worker.go_back()
    worker.reload()
    assert worker.input_value("#id_findings") == ""  # the saved draft was forgotten
