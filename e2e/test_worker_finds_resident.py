"""A social worker logs in, searches a resident, opens the detail page: the ID stays masked."""

import os
import re

from conftest import ARTIFACTS, login

from linli.accounts.models import User
from linli.people.models import Person

MASKED_ID = re.compile(r"^\d{3}\*{11}[\dX]{4}$")


def test_worker1_searches_and_sees_a_masked_id(demo, live_server, browser):
    worker = User.objects.get(username="worker1")
    community_id = worker.memberships.get().community_id
    person = Person.objects.filter(community_id=community_id).exclude(id_number="").first()
    page = browser.new_page(locale="zh-CN", viewport={"width": 1280, "height": 900})
    login(page, live_server.url, "worker1")

    page.goto(f"{live_server.url}/residents/")
    assert page.locator("h1").inner_text() == "居民档案"
    page.fill("#id_q", person.name)
    page.press("#id_q", "Enter")
    link = page.locator("#results a", has_text=person.name).first
    link.wait_for()
    link.click()
    page.wait_for_url(f"{live_server.url}/residents/{person.pk}/")

    shown = page.locator("#id-number").inner_text().strip()
    assert MASKED_ID.match(shown), shown
    assert shown == person.id_number_masked
    assert person.id_number not in page.content()
    os.makedirs(ARTIFACTS, exist_ok=True)
    page.screenshot(path=os.path.join(ARTIFACTS, "resident-detail.png"), full_page=True)


def test_the_resident_list_fits_a_360px_phone(demo, live_server, browser):
    page = browser.new_page(locale="zh-CN", viewport={"width": 360, "height": 740})
    login(page, live_server.url, "worker1")
    page.goto(f"{live_server.url}/residents/")
    overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
    assert overflow <= 0, f"the page is {overflow}px wider than the phone"
    os.makedirs(ARTIFACTS, exist_ok=True)
    page.screenshot(path=os.path.join(ARTIFACTS, "resident-list-phone.png"), full_page=False)
