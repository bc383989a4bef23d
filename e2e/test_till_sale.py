"""A social worker at the charity supermarket till on a tablet: finds the customer with the
resident picker, scans a barcode into the basket (htmx), pays with points, gets the receipt."""

import os
from decimal import Decimal

from conftest import ARTIFACTS, login

from linli.accounts.models import User
from linli.points.selectors import points_balances
from linli.warehouse.models import Item, Sale, StockHolding


def test_worker1_sells_at_the_till_on_a_tablet(demo, live_server, browser):
    customer = User.objects.get(username="volunteer1").person
    community = customer.community
    item = next(
        i
        for i in Item.objects.filter(community=community, points_price__isnull=False)
        .exclude(barcode="")
        .order_by("points_price")
        if sum(
            h.account.balance
            for h in StockHolding.objects.filter(
                lot__item=i, location__kind="supermarket"
            ).select_related("account")
        )
        >= 1
    )
    points_before = points_balances(customer)[0]
    assert points_before >= item.points_price

    tablet = browser.new_page(locale="zh-CN", viewport={"width": 768, "height": 1024})
    login(tablet, live_server.url, "worker1")
    tablet.goto(f"{live_server.url}/warehouse/till/")
    tablet.select_option("#id_location", label="慈善超市货架")
    tablet.fill("#id_person", customer.name)
    tablet.locator(f"[data-pick-value='{customer.pk}']").click()
    tablet.click("text=打开购物篮")
    tablet.wait_for_url(f"**/warehouse/till/*/{customer.pk}/")

    tablet.fill("#id_barcode", item.barcode)
    tablet.click("button:has-text('添加')")
    tablet.locator("#basket").get_by_text(item.name).wait_for()
    overflow = tablet.evaluate("document.documentElement.scrollWidth - window.innerWidth")
    assert overflow <= 0, f"the page is {overflow}px wider than the tablet"
    os.makedirs(ARTIFACTS, exist_ok=True)
    tablet.screenshot(path=os.path.join(ARTIFACTS, "till-tablet.png"), full_page=False)

    tablet.on("dialog", lambda dialog: dialog.accept())  # the confirmation before settling
    tablet.click(f"button:has-text('支付 {item.points_price} 积分')")
    tablet.wait_for_url("**/warehouse/sales/*/")
    sale = Sale.objects.latest("id")
    assert sale.person_id == customer.pk and sale.points_paid == item.points_price
    assert points_balances(customer)[0] == points_before - item.points_price
    assert item.name in tablet.content()

    desk = browser.new_page(locale="zh-CN", viewport={"width": 1280, "height": 900})
    login(desk, live_server.url, "worker1")
    desk.goto(f"{live_server.url}/warehouse/")
    assert desk.locator("h1").inner_text().startswith("爱心义仓")
    desk.screenshot(path=os.path.join(ARTIFACTS, "warehouse-stock.png"), full_page=False)
    assert Decimal(sale.lines.get().quantity) == 1
