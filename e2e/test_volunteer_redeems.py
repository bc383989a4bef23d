"""A volunteer on a 360-px phone redeems a voucher; the station confirms the pickup by its code."""

import os

from conftest import ARTIFACTS, login

from linli.points.models import Redemption


def test_volunteer1_redeems_on_a_phone_and_the_station_confirms(demo, live_server, browser):
    phone = browser.new_page(locale="zh-CN", viewport={"width": 360, "height": 740})
    login(phone, live_server.url, "volunteer1")
    phone.goto(f"{live_server.url}/me/")
    assert phone.locator("h1").inner_text().startswith("您好")
    overflow = phone.evaluate("document.documentElement.scrollWidth - window.innerWidth")
    assert overflow <= 0, f"the page is {overflow}px wider than the phone"
    os.makedirs(ARTIFACTS, exist_ok=True)
    phone.screenshot(path=os.path.join(ARTIFACTS, "me-phone.png"), full_page=False)

    phone.goto(f"{live_server.url}/me/mall/")
    before = Redemption.objects.filter(status="frozen").count()
    phone.on("dialog", lambda dialog: dialog.accept())  # the confirmation before redeeming
    phone.locator("form[action$='/redeem/'] button:not([disabled])").first.click()
    phone.wait_for_url(f"{live_server.url}/me/vouchers/")
    assert Redemption.objects.filter(status="frozen").count() == before + 1
    newest = Redemption.objects.filter(person__login__username="volunteer1").latest("id")
    assert newest.code in phone.content()
    phone.screenshot(path=os.path.join(ARTIFACTS, "me-vouchers-phone.png"), full_page=False)

    desk = browser.new_page(locale="zh-CN", viewport={"width": 1280, "height": 900})
    login(desk, live_server.url, "worker1")
    desk.goto(f"{live_server.url}/points/redemptions/")
    desk.fill("#id_code", newest.code.lower())
    desk.click("text=确认核销")
    desk.wait_for_load_state()
    newest.refresh_from_db()
    assert newest.status == "fulfilled"
