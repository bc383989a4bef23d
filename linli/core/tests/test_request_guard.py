"""Requests refused before any view reads them: a body over DATA_UPLOAD_MAX_MEMORY_SIZE answers 413
with a clear message (JSON on the API, a page for people), never a 500 (ninja's answer in debug
mode) nor a bare 400; a NUL character or an unreadable form answers 400."""

import json

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

BIG = json.dumps({"username": "x" * 5000, "password": "y"})


@pytest.fixture
def small_limit(settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1000


@pytest.mark.parametrize("debug", [False, True])
def test_an_oversized_json_body_answers_413_on_the_api(
    world, api_for, small_limit, settings, debug
):
    settings.DEBUG = debug
    for client, path in [
        (Client(), "/api/v1/auth/token"),
        (api_for(world.worker_a), "/api/v1/needs"),
    ]:
        response = client.post(path, BIG, content_type="application/json")
        assert response.status_code == 413, path
        assert "请求过大" in response.json()["detail"]


def test_an_oversized_form_answers_a_413_page(world, client_for, small_limit, english):
    response = client_for(world.worker_a).post(reverse("people:create"), {"name": "x" * 5000})
    assert response.status_code == 413
    assert b"too large" in response.content


def test_an_oversized_login_form_answers_413(db, small_limit):
    response = Client().post(reverse("accounts:login"), {"username": "x" * 5000})
    assert response.status_code == 413


def test_files_do_not_count_against_the_limit(world, client_for, small_limit):
    """Uploaded files have their own limits; the form fields beside them are small."""
    photo = SimpleUploadedFile("a.txt", b"x" * 5000)
    response = client_for(world.worker_a).post(reverse("people:create"), {"name": "x", "f": photo})
    assert response.status_code == 200


def test_a_body_within_the_limit_is_read_as_usual(world, api_for):
    response = api_for(world.worker_a).post(
        "/api/v1/auth/token",
        json.dumps({"username": "nobody", "password": "wrong"}),
        content_type="application/json",
    )
    assert response.status_code in (400, 401)


@pytest.mark.parametrize(
    "url", ["/residents/?q=%00", "/residents/?q=a&q=%00", "/check/certificate/a%00b/"]
)
def test_a_nul_character_in_the_query_or_path_answers_400(world, client_for, url):
    assert client_for(world.worker_a).get(url).status_code == 400


def test_a_nul_character_in_a_form_answers_400(world, client_for):
    response = client_for(world.worker_a).post(reverse("people:create"), {"name": "张\x00三"})
    assert response.status_code == 400


def test_a_nul_character_on_the_api_answers_400_json(world, api_for):
    response = api_for(world.worker_a).get("/api/v1/needs?q=%00")
    assert response.status_code == 400
    assert response.json()["detail"]


def test_a_broken_multipart_body_answers_400(world, client_for):
    response = client_for(world.worker_a).generic(
        "POST",
        reverse("people:create"),
        b"--x\r\nbroken",
        content_type='multipart/form-data; boundary=""',
    )
    assert response.status_code == 400


def test_a_whole_body_over_the_request_limit_is_refused_before_it_is_read(
    world, client_for, api_for, settings, english
):
    """Files count here: a 200 MB upload is refused from its Content-Length, never spooled."""
    settings.LINLI_MAX_REQUEST_BYTES = 4000
    photo = SimpleUploadedFile("a.jpg", b"x" * 5000, content_type="image/jpeg")
    page = client_for(world.worker_a).post(reverse("people:create"), {"name": "x", "f": photo})
    assert page.status_code == 413 and b"upload is too large" in page.content
    photo.seek(0)
    api = api_for(world.worker_a).post("/api/v1/service-orders/1/photos", {"photos": photo})
    assert api.status_code == 413 and "too large" in api.json()["detail"]


def test_a_body_under_the_request_limit_goes_on(world, client_for, settings):
    settings.LINLI_MAX_REQUEST_BYTES = 40000
    photo = SimpleUploadedFile("a.txt", b"x" * 5000)
    response = client_for(world.worker_a).post(reverse("people:create"), {"name": "x", "f": photo})
    assert response.status_code == 200
