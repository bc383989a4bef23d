import os

import pytest
from django.core.management import call_command

os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")  # Playwright's sync API runs a loop

CHROMIUM = "/usr/bin/chromium"
ARTIFACTS = os.path.join(os.path.dirname(__file__), "artifacts")


@pytest.fixture
def demo(request, django_db_serialized_rollback, transactional_db):
    # serialized rollback restores the rows migrations create (the skill list, the chain head)
    # after each live-server test flushes the database
    call_command("seed_demo", verbosity=0)


class WatchedBrowser:
    """The browser, whose pages report what the Content-Security-Policy blocked and any script
    error: a test fails on either (the pages' scripts must work under the policy)."""

    def __init__(self, browser):
        self._browser = browser
        self.problems: list[str] = []

    def new_page(self, **kwargs):
        page = self._browser.new_page(**kwargs)
        page.on("console", self._console)
        page.on("pageerror", lambda error: self.problems.append(f"script error: {error}"))
        return page

    def _console(self, message):
        if "Content Security Policy" in message.text or "Content-Security-Policy" in message.text:
            self.problems.append(message.text)

    def __getattr__(self, name):
        return getattr(self._browser, name)


@pytest.fixture
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(
            executable_path=CHROMIUM,
            args=[
                "--no-sandbox",
                "--disable-gpu",
                "--disable-quic",
                "--no-first-run",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
            ],
        )
        browser = WatchedBrowser(chromium)
        yield browser
        chromium.close()
        assert browser.problems == []


def login(page, base_url: str, username: str, password: str = "linli-demo") -> None:
    page.goto(f"{base_url}/accounts/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", password)
    page.click("button[type=submit], form button.btn-success")
    page.wait_for_url(f"{base_url}/")
