"""The scoping matrix: a worker of community B never sees or changes community A's records,
by page, API, export or search; roles without the registry are denied."""

import io
import json

import pytest
from openpyxl import load_workbook

from linli.people import services


@pytest.fixture
def a_records(world, person_a):
    tag = services.person_tag_add(actor=world.worker_a, person_id=person_a.pk, tag="disabled")
    consent = services.consent_record(
        actor=world.worker_a, person_id=person_a.pk, purpose="registry", method="signed"
    )
    household = services.household_create(
        actor=world.worker_a, community_id=world.a.pk, address="1栋", head_id=person_a.pk
    )
    return {"person": person_a, "tag": tag, "consent": consent, "household": household}


def page_urls(r):
    p = r["person"].pk
    return {
        "get": [
            f"/residents/{p}/",
            f"/residents/{p}/edit/",
            f"/residents/households/{r['household'].pk}/",
            f"/places/{r['person'].community_id}/",
        ],
        "post": [
            (f"/residents/{p}/edit/", {"name": "x", "gender": "male"}),
            (f"/residents/{p}/reveal/", {"field": "id_number"}),
            (f"/residents/{p}/tags/", {"tag": "lives_alone", "start_date": "2024-01-01"}),
            (f"/residents/{p}/tags/{r['tag'].pk}/end/", {"end_date": "2030-01-01"}),
            (
                f"/residents/{p}/consents/",
                {"purpose": "photos", "method": "signed", "given_on": "2024-01-01"},
            ),
            (f"/residents/{p}/consents/{r['consent'].pk}/withdraw/", {}),
            (f"/residents/{p}/household/new/", {"address": "x"}),
            (
                f"/residents/{p}/household/join/",
                {"household": r["household"].pk, "relation_to_head": "x"},
            ),
        ],
    }


@pytest.mark.django_db
class TestPagesScoping:
    def test_every_page_of_a_record_is_404_for_another_community(
        self, world, a_records, client_for
    ):
        client = client_for(world.worker_b)
        urls = page_urls(a_records)
        for url in urls["get"]:
            assert client.get(url).status_code == 404, url
        for url, data in urls["post"]:
            assert client.post(url, data).status_code == 404, url
        person = a_records["person"]
        person.refresh_from_db()
        assert person.name == "张三丰" and person.tags.count() == 1

    def test_the_same_pages_work_for_the_own_worker(self, world, a_records, client_for):
        client = client_for(world.worker_a)
        for url in page_urls(a_records)["get"]:
            assert client.get(url).status_code == 200, url

    def test_list_search_and_export_never_leak(self, world, a_records, person_b, client_for):
        client = client_for(world.worker_b)
        for query in (
            "",
            "?q=张",
            "?q=zsf",
            "?q=5678",
            f"?community={world.a.pk}",
            "?tag=disabled",
        ):
            names = [p.name for p in client.get("/residents/" + query).context["page"].object_list]
            assert "张三丰" not in names, query
        exported = load_workbook(io.BytesIO(client.get("/residents/export.xlsx").content))
        cells = [c.value for row in exported.active.iter_rows() for c in row]
        assert "张三丰" not in cells and "李四" in cells

    def test_counts_per_tag_are_scoped(self, world, a_records, client_for):
        counts = client_for(world.worker_b).get("/residents/").context["tag_counts"]
        assert all(row["count"] == 0 for row in counts)

    def test_roles_without_the_registry_are_denied(self, world, a_records, client_for):
        for user in (world.volunteer_a, world.resident_a, world.outsider):
            client = client_for(user)
            assert client.get("/residents/").status_code == 403
            assert client.get("/residents/export.xlsx").status_code == 403
            assert client.get("/residents/new/").status_code == 403
            # The same answer whether or not the record exists: no oracle.
            assert client.get(f"/residents/{a_records['person'].pk}/").status_code == 403
            assert client.get("/residents/999999/").status_code == 403

    def test_a_street_admin_reads_but_cannot_edit_or_reveal(self, world, a_records, client_for):
        client = client_for(world.street_admin)
        pk = a_records["person"].pk
        assert client.get(f"/residents/{pk}/").status_code == 200
        assert client.get(f"/residents/{pk}/edit/").status_code == 403
        assert client.post(f"/residents/{pk}/reveal/", {"field": "mobile"}).status_code == 403
        assert client.get("/residents/new/").status_code == 403


@pytest.mark.django_db
class TestApiScoping:
    def test_every_endpoint_answers_404_for_another_community(self, world, a_records, api_for):
        api = api_for(world.worker_b)
        pk = a_records["person"].pk
        assert api.get(f"/api/v1/residents/{pk}").status_code == 404
        response = api.patch(
            f"/api/v1/residents/{pk}", json.dumps({"name": "x"}), content_type="application/json"
        )
        assert response.status_code == 404
        response = api.post(
            f"/api/v1/residents/{pk}/reveal",
            json.dumps({"field": "mobile"}),
            content_type="application/json",
        )
        assert response.status_code == 404
        response = api.post(
            "/api/v1/residents",
            json.dumps({"community_id": world.a.pk, "name": "x"}),
            content_type="application/json",
        )
        assert response.status_code == 403

    def test_the_list_and_search_never_leak(self, world, a_records, person_b, api_for):
        api = api_for(world.worker_b)
        for query in ("", "?q=zsf", "?q=5678", f"?community_id={world.a.pk}"):
            names = [r["name"] for r in api.get("/api/v1/residents" + query).json()["items"]]
            assert "张三丰" not in names, query

    def test_roles_without_the_registry_are_denied(self, world, a_records, api_for):
        api = api_for(world.volunteer_a)
        assert api.get("/api/v1/residents").status_code == 403
        assert api.get(f"/api/v1/residents/{a_records['person'].pk}").status_code == 403
        assert api.get("/api/v1/residents/999999").status_code == 403
