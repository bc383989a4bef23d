import json

import pytest

from linli.conftest import make_id_number, years_ago
from linli.core.models import AuditEvent
from linli.people.models import Person


def send(client, method, url, data):
    return getattr(client, method)(url, json.dumps(data), content_type="application/json")


@pytest.mark.django_db
class TestResidentsApi:
    def test_create_then_get_shows_masked_numbers_only(self, world, api_for):
        api = api_for(world.worker_a)
        id_number = make_id_number(years_ago(83))
        response = send(
            api,
            "post",
            "/api/v1/residents",
            {
                "community_id": world.a.pk,
                "name": "孙奶奶",
                "gender": "male",
                "id_number": id_number,
                "mobile": "13912349876",
                "compound_id": world.compound_a.pk,
            },
        )
        assert response.status_code == 201, response.content
        body = response.json()
        assert body["id_number_masked"] == id_number[:3] + "*" * 11 + id_number[-4:]
        assert body["mobile_masked"] == "139****9876"
        assert "advanced_age" in body["tags"] and body["grid"] == "第1网格"
        text = api.get(f"/api/v1/residents/{body['id']}").content.decode()
        assert id_number not in text and "13912349876" not in text

    def test_the_list_is_paginated_with_items_and_count(self, world, person_a, api_for):
        for i in range(3):
            world.person(name=f"丁{i}")
        body = api_for(world.worker_a).get("/api/v1/residents?limit=2&offset=1").json()
        assert body["count"] == 4 and len(body["items"]) == 2
        assert set(body) == {"items", "count"}

    def test_it_filters_like_the_page(self, world, person_a, api_for):
        world.person(name="王老伯", birth_date=years_ago(85))
        api = api_for(world.worker_a)
        names = [r["name"] for r in api.get("/api/v1/residents?tag=advanced_age").json()["items"]]
        assert names == ["王老伯"]
        names = [r["name"] for r in api.get("/api/v1/residents?q=zsf").json()["items"]]
        assert names == ["张三丰"]

    def test_patch_changes_only_what_is_sent(self, world, person_a, api_for):
        response = send(
            api_for(world.worker_a), "patch", f"/api/v1/residents/{person_a.pk}", {"address": "8栋"}
        )
        assert response.status_code == 200 and response.json()["address"] == "8栋"
        person_a.refresh_from_db()
        assert person_a.name == "张三丰"

    def test_bad_input_is_422_with_field_errors_and_nothing_written(self, world, api_for):
        api = api_for(world.worker_a)
        response = send(
            api,
            "post",
            "/api/v1/residents",
            {"community_id": world.a.pk, "name": "甲", "id_number": "11010519491231002Y"},
        )
        assert response.status_code == 422
        assert "id_number" in response.json()["errors"]
        assert send(api, "post", "/api/v1/residents", {"name": "x"}).status_code == 422
        response = send(
            api, "post", "/api/v1/residents", {"community_id": world.a.pk, "name": "a\x00b"}
        )
        assert response.status_code == 422
        assert Person.objects.count() == 0

    def test_reveal_is_audited_and_denied_to_the_street(self, world, person_a, api_for):
        response = send(
            api_for(world.worker_a),
            "post",
            f"/api/v1/residents/{person_a.pk}/reveal",
            {"field": "mobile"},
        )
        assert response.json() == {"field": "mobile", "value": "13912345678"}
        assert AuditEvent.objects.filter(verb="person.reveal", person_id=person_a.pk).count() == 1
        denied = send(
            api_for(world.street_admin),
            "post",
            f"/api/v1/residents/{person_a.pk}/reveal",
            {"field": "mobile"},
        )
        assert denied.status_code == 403
        bad = send(
            api_for(world.worker_a),
            "post",
            f"/api/v1/residents/{person_a.pk}/reveal",
            {"field": "notes"},
        )
        assert bad.status_code == 422

    def test_huge_or_negative_ids_are_4xx_not_500(self, world, api_for):
        api = api_for(world.worker_a)
        for rid in ("0", "-1", str(2**70), "abc"):
            assert 400 <= api.get(f"/api/v1/residents/{rid}").status_code < 500, rid
        assert api.get(f"/api/v1/residents?offset={2**70}").status_code == 422
        assert api.get(f"/api/v1/residents?community_id={2**70}").status_code == 422
