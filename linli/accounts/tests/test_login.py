import pytest
from django.test import Client

from linli.conftest import PASSWORD


@pytest.mark.django_db
class TestLogin:
    def test_it_logs_in_with_a_username(self, world):
        client = Client()
        response = client.post("/accounts/login/", {"username": "worker_a", "password": PASSWORD})
        assert response.status_code == 302
        assert client.get("/").context["user"] == world.worker_a

    def test_it_logs_in_with_a_mobile_number(self, world):
        world.worker_a.set_mobile("13911112222")
        world.worker_a.save()
        client = Client()
        response = client.post(
            "/accounts/login/", {"username": "139 1111 2222", "password": PASSWORD}
        )
        assert response.status_code == 302

    def test_a_wrong_password_shows_a_clear_error(self, world):
        response = Client().post("/accounts/login/", {"username": "worker_a", "password": "x"})
        assert response.status_code == 200
        assert response.context["form"].non_field_errors()

    def test_it_locks_out_after_five_failures(self, world):
        client = Client()
        for _ in range(5):
            client.post("/accounts/login/", {"username": "worker_a", "password": "wrong"})
        response = client.post("/accounts/login/", {"username": "worker_a", "password": PASSWORD})
        assert response.status_code == 429
        assert "_auth_user_id" not in client.session

    def test_pages_need_login(self, db):
        response = Client().get("/residents/")
        assert response.status_code == 302 and "/accounts/login/" in response["Location"]


@pytest.mark.django_db
class TestCommunitySwitcher:
    def test_a_street_admin_can_narrow_to_one_community(
        self, world, person_a, person_b, client_for
    ):
        client = client_for(world.street_admin)
        assert client.get("/residents/").context["page"].paginator.count == 2
        client.post("/accounts/community/", {"community": world.a.pk, "next": "/residents/"})
        page = client.get("/residents/").context["page"]
        assert [p.pk for p in page.object_list] == [person_a.pk]
        client.post("/accounts/community/", {"community": "", "next": "/"})
        assert client.get("/residents/").context["page"].paginator.count == 2

    def test_the_switcher_ignores_a_community_the_user_is_not_in(self, world, person_a, client_for):
        client = client_for(world.worker_a)
        client.post("/accounts/community/", {"community": world.b.pk})
        assert client.get("/residents/").context["page"].paginator.count == 1

    def test_it_refuses_an_offsite_redirect(self, world, client_for):
        response = client_for(world.worker_a).post(
            "/accounts/community/", {"community": "", "next": "https://evil.example/"}
        )
        assert response["Location"] == "/"

    def test_the_switcher_shows_only_with_several_communities(self, world, client_for):
        assert "All my communities" not in client_for(world.worker_a).get("/").content.decode()
        page = client_for(world.street_admin).get("/").content.decode()
        assert world.a.name in page and world.b.name in page
