"""Pages that are not ours run under the Content-Security-Policy too: the API docs (Swagger UI from
django-ninja's own static files, with every off-site request blocked, as on a server without
internet) and the admin's login. The ``browser`` fixture fails the test on any CSP violation.
Serialized rollback, like the demo tests: the flush after a live-server test must restore the rows
migrations create, or the next test's restore collides with them."""


def _offline(page, base_url: str) -> None:
    page.route(
        "**/*",
        lambda route: (
            route.continue_() if route.request.url.startswith(base_url) else route.abort()
        ),
    )


def test_the_api_docs_render_offline_under_the_policy(
    live_server, browser, django_db_serialized_rollback, transactional_db
):
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    _offline(page, live_server.url)
    page.goto(f"{live_server.url}/api/v1/docs")
    title = page.locator(".swagger-ui .info .title")
    title.wait_for()
    assert "Linli API" in title.inner_text()
    page.locator(".opblock-tag", has_text="orders").first.wait_for()


def test_the_admin_login_renders_under_the_policy(
    live_server, browser, django_db_serialized_rollback, transactional_db
):
    page = browser.new_page()
    _offline(page, live_server.url)
    page.goto(f"{live_server.url}/admin/login/")
    page.locator("#id_username").wait_for()
