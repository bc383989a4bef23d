"""The Content-Security-Policy: on every page (the site's, the admin's and the API docs'), no
inline script but with the request's nonce, no plugin, no framing; and no template relies on
inline event handlers or on htmx evaluating script, which the policy would block."""

import re
from pathlib import Path

import pytest
from django.conf import settings

TEMPLATE_ROOT = Path(settings.BASE_DIR) / "linli"
SCRIPT_TAG = re.compile(r"<script\b[^>]*>", re.IGNORECASE)
EVENT_HANDLER = re.compile(r"\son[a-z]+\s*=", re.IGNORECASE)


def policy(response) -> dict[str, list[str]]:
    header = response["Content-Security-Policy"]
    directives = {}
    for part in header.split(";"):
        name, *values = part.split()
        directives[name] = values
    return directives


def assert_strict(response) -> dict[str, list[str]]:
    directives = policy(response)
    assert directives["object-src"] == ["'none'"]
    assert directives["frame-ancestors"] == ["'none'"]
    assert directives["base-uri"] == ["'self'"]
    assert directives["form-action"] == ["'self'"]
    assert directives["default-src"] == ["'self'"]
    script = directives["script-src"]
    assert "'self'" in script
    assert "'unsafe-inline'" not in script and "'unsafe-eval'" not in script
    return directives


def assert_inline_scripts_carry_the_nonce(response) -> None:
    html = response.content.decode()
    nonces = [v for v in policy(response)["script-src"] if v.startswith("'nonce-")]
    for tag in SCRIPT_TAG.findall(html):
        if "src=" in tag or 'type="application/json"' in tag:
            continue
        nonce = re.search(r'nonce="([^"]+)"', tag)
        assert nonce and f"'nonce-{nonce.group(1)}'" in nonces, tag


@pytest.mark.django_db
class TestThePolicyIsOnEveryPage:
    def test_the_login_page(self, client):
        response = client.get("/accounts/login/")
        assert response.status_code == 200
        assert_strict(response)
        assert_inline_scripts_carry_the_nonce(response)

    @pytest.mark.parametrize(
        "url", ["/", "/residents/", "/orders/", "/warehouse/", "/visits/", "/volunteers/"]
    )
    def test_a_workers_pages(self, world, client_for, url):
        response = client_for(world.worker_a).get(url, follow=True)
        assert response.status_code == 200
        assert_strict(response)
        assert_inline_scripts_carry_the_nonce(response)

    def test_the_admin_keeps_working(self, client):
        response = client.get("/admin/login/")
        assert response.status_code == 200
        assert_strict(response)
        assert_inline_scripts_carry_the_nonce(response)

    def test_the_api_docs_load_swagger_from_our_own_static_files(self, client):
        response = client.get("/api/v1/docs")
        assert response.status_code == 200
        assert_strict(response)
        assert_inline_scripts_carry_the_nonce(response)
        html = response.content.decode()
        assert "/static/ninja/swagger-ui-bundle.js" in html
        assert "cdn" not in html.lower()

    def test_api_answers_carry_it_too(self, client):
        response = client.get("/api/v1/openapi.json")
        assert_strict(response)


class TestTemplatesNeedNoUnsafeScript:
    templates = sorted(TEMPLATE_ROOT.rglob("templates/**/*.html"))

    def test_there_are_templates_to_check(self):
        assert len(self.templates) > 50

    def test_every_inline_script_carries_the_nonce(self):
        offenders = []
        for path in self.templates:
            for tag in SCRIPT_TAG.findall(path.read_text()):
                if "src=" in tag or 'type="application/json"' in tag:
                    continue
                if 'nonce="{{ request.csp_nonce }}"' not in tag:
                    offenders.append(f"{path.relative_to(TEMPLATE_ROOT)}: {tag}")
        assert offenders == []

    def test_no_inline_event_handlers_or_evaluated_htmx_attributes(self):
        offenders = []
        for path in self.templates:
            text = path.read_text()
            for pattern in (EVENT_HANDLER, re.compile(r"hx-on|js:|javascript:")):
                offenders += [
                    f"{path.relative_to(TEMPLATE_ROOT)}: {m.group(0)}"
                    for m in pattern.finditer(text)
                ]
        assert offenders == []
