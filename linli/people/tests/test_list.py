import pytest

from linli.conftest import years_ago
from linli.people import services


@pytest.fixture
def crowd(world):
    old = world.person(name="王老伯", birth_date=years_ago(85), mobile="13900004321")
    child = world.person(name="李小明", birth_date=years_ago(9), mobile="")
    mid = world.person(name="陈红", gender="female", birth_date=years_ago(40))
    services.person_tag_add(actor=world.worker_a, person_id=old.pk, tag="lives_alone")
    services.person_tag_add(actor=world.worker_a, person_id=child.pk, tag="child_in_difficulty")
    return {"old": old, "child": child, "mid": mid}


def names(client, query=""):
    return {p.name for p in client.get("/residents/" + query).context["page"].object_list}


@pytest.mark.django_db
class TestResidentList:
    def test_it_searches_by_name_initials_and_mobile_tail(self, world, crowd, client_for):
        client = client_for(world.worker_a)
        assert names(client, "?q=老伯") == {"王老伯"}
        assert names(client, "?q=wlb") == {"王老伯"}
        assert names(client, "?q=4321") == {"王老伯"}
        assert names(client, "?q=" + crowd["mid"].id_number) == {"陈红"}

    def test_it_filters_by_tag_including_derived_advanced_age(self, world, crowd, client_for):
        client = client_for(world.worker_a)
        assert names(client, "?tag=advanced_age") == {"王老伯"}
        assert names(client, "?tag=lives_alone") == {"王老伯"}
        assert names(client, "?tag=child_in_difficulty") == {"李小明"}

    def test_it_filters_by_age_band_grid_and_compound(self, world, crowd, client_for):
        client = client_for(world.worker_a)
        assert names(client, "?age_band=0-13") == {"李小明"}
        assert names(client, "?age_band=80%2B") == {"王老伯"}
        assert names(client, f"?grid={world.grid_a.pk}") == {"王老伯", "李小明", "陈红"}
        assert names(client, f"?compound={world.compound_b.pk}") == {"王老伯", "李小明", "陈红"}

    def test_counts_per_tag(self, world, crowd, client_for):
        counts = {
            r["tag"]: r["count"]
            for r in client_for(world.worker_a).get("/residents/").context["tag_counts"]
        }
        assert counts["advanced_age"] == 1 and counts["lives_alone"] == 1
        assert counts["child_in_difficulty"] == 1 and counts["disabled"] == 0

    def test_an_ended_tag_no_longer_counts(self, world, crowd, client_for):
        tag = crowd["old"].tags.get(tag="lives_alone")
        services.person_tag_end(actor=world.worker_a, person_tag_id=tag.pk)
        client = client_for(world.worker_a)
        # Ended today: still carried today, gone from tomorrow.
        assert names(client, "?tag=lives_alone") == {"王老伯"}

    def test_an_empty_result_says_so(self, world, crowd, client_for):
        response = client_for(world.worker_a).get("/residents/?q=不存在的人")
        assert "No residents match these filters." in response.content.decode() or (
            "没有符合条件的居民" in response.content.decode()
        )

    def test_htmx_gets_only_the_results_fragment(self, world, crowd, client_for):
        response = client_for(world.worker_a).get("/residents/?q=wlb", HTTP_HX_REQUEST="true")
        body = response.content.decode()
        assert 'id="results"' in body and "<html" not in body and "王老伯" in body

    def test_the_page_is_paginated(self, world, client_for):
        for i in range(30):
            world.person(name=f"居民{i:02d}")
        client = client_for(world.worker_a)
        first = client.get("/residents/").context["page"]
        assert len(first.object_list) == 25 and first.paginator.count == 30
        assert len(client.get("/residents/?page=2").context["page"].object_list) == 5

    def test_query_count_does_not_grow_with_rows(
        self, world, client_for, django_assert_max_num_queries
    ):
        client = client_for(world.worker_a)
        for i in range(3):
            person = world.person(name=f"甲{i}")
            services.person_tag_add(actor=world.worker_a, person_id=person.pk, tag="disabled")
        client.get("/residents/")  # warm caches (sessions, content types)
        with django_assert_max_num_queries(14) as few:
            client.get("/residents/")
        for i in range(20):
            person = world.person(name=f"乙{i}")
            services.person_tag_add(actor=world.worker_a, person_id=person.pk, tag="disabled")
        with django_assert_max_num_queries(len(few.captured_queries)):
            client.get("/residents/")

    def test_the_api_list_has_bounded_queries(self, world, api_for, django_assert_max_num_queries):
        api = api_for(world.worker_a)
        for i in range(20):
            world.person(name=f"丙{i}")
        api.get("/api/v1/residents")
        with django_assert_max_num_queries(10):
            body = api.get("/api/v1/residents?limit=50").json()
        assert body["count"] == 20
