import pytest

from linli.conftest import make_id_number, years_ago
from linli.core.models import AuditEvent
from linli.people.models import Person


@pytest.mark.django_db
class TestResidentPages:
    def test_the_detail_page_shows_masked_numbers(self, world, person_a, client_for):
        body = client_for(world.worker_a).get(f"/residents/{person_a.pk}/").content.decode()
        assert person_a.id_number_masked in body and person_a.id_number not in body
        assert "139****5678" in body and "13912345678" not in body

    def test_reveal_via_htmx_shows_the_number_and_the_audit_shows_who(
        self, world, person_a, client_for
    ):
        client = client_for(world.worker_a)
        response = client.post(f"/residents/{person_a.pk}/reveal/", {"field": "id_number"})
        assert person_a.id_number in response.content.decode()
        page = client.get(f"/residents/{person_a.pk}/").content.decode()
        assert "worker_a · 查看完整号码 (身份证号)" in page
        assert AuditEvent.objects.filter(verb="person.reveal").count() == 1

    def test_create_form_shows_clear_errors_in_chinese(self, world, client_for):
        response = client_for(world.worker_a).post(
            "/residents/new/",
            {
                "community": world.a.pk,
                "name": "测试",
                "gender": "male",
                "id_number": "11010519491231002Y",
                "mobile": "123",
            },
        )
        assert response.status_code == 200
        errors = response.context["form"].errors
        assert "身份证号" in errors["id_number"][0] or "18" in errors["id_number"][0]
        assert "手机号" in errors["mobile"][0]
        assert Person.objects.count() == 0

    def test_create_form_registers_and_redirects(self, world, client_for):
        birth = years_ago(30)
        response = client_for(world.worker_a).post(
            "/residents/new/",
            {
                "community": world.a.pk,
                "name": "新居民",
                "gender": "female",
                "id_number": make_id_number(birth, male=False),
                "compound": world.compound_a.pk,
            },
        )
        person = Person.objects.get()
        assert response.status_code == 302 and response["Location"] == f"/residents/{person.pk}/"
        assert person.birth_date == birth

    def test_edit_with_blank_numbers_keeps_them(self, world, person_a, client_for):
        client_for(world.worker_a).post(
            f"/residents/{person_a.pk}/edit/",
            {"name": "张三丰", "gender": "male", "address": "改了", "id_number": "", "mobile": ""},
        )
        person_a.refresh_from_db()
        assert person_a.address == "改了" and person_a.mobile == "13912345678"
        assert person_a.id_number

    def test_tag_consent_and_household_forms(self, world, person_a, client_for):
        client = client_for(world.worker_a)
        client.post(
            f"/residents/{person_a.pk}/tags/", {"tag": "disabled", "start_date": "2024-01-01"}
        )
        client.post(
            f"/residents/{person_a.pk}/consents/",
            {"purpose": "registry", "method": "signed", "given_on": "2024-01-01"},
        )
        client.post(f"/residents/{person_a.pk}/household/new/", {"address": "1栋101"})
        person_a.refresh_from_db()
        assert person_a.tags.filter(tag="disabled").exists()
        assert person_a.consents.count() == 1 and person_a.household is not None
        household = client.get(f"/residents/households/{person_a.household_id}/")
        assert "张三丰" in household.content.decode()

    def test_a_refused_action_shows_a_message(self, world, person_a, client_for):
        client = client_for(world.worker_a)
        response = client.post(
            f"/residents/{person_a.pk}/tags/",
            {"tag": "child_in_difficulty", "start_date": "2024-01-01"},
            follow=True,
        )
        messages = [str(m) for m in response.context["messages"]]
        assert messages and "18" in messages[0]

    def test_the_dashboard_counts_tags_in_scope(self, world, person_a, person_b, client_for):
        response = client_for(world.worker_a).get("/")
        assert response.context["total"] == 1
        assert client_for(world.volunteer_a).get("/").status_code == 200

    def test_pages_are_chinese_by_default_and_english_on_request(self, world, client_for):
        client = client_for(world.worker_a)
        assert "居民" in client.get("/residents/").content.decode()
        client.post("/i18n/setlang/", {"language": "en", "next": "/residents/"})
        assert "Residents" in client.get("/residents/").content.decode()

    def test_places_pages(self, world, client_for):
        client = client_for(world.worker_a)
        listing = client.get("/places/")
        assert [c.pk for c in listing.context["communities"]] == [world.a.pk]
        assert client.get(f"/places/{world.a.pk}/").status_code == 200
        assert client.get(f"/places/{world.b.pk}/").status_code == 404


@pytest.mark.django_db
def test_the_menu_shows_only_what_the_role_may_open(world, client_for):
    worker_page = client_for(world.worker_a).get("/").content.decode()
    assert 'href="/residents/"' in worker_page and 'href="/audit/"' not in worker_page
    assert 'href="/audit/"' in client_for(world.station_a).get("/").content.decode()
    volunteer_page = client_for(world.volunteer_a).get("/").content.decode()
    assert 'href="/residents/"' not in volunteer_page
