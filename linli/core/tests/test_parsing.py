"""One parser for the integers a request carries, and ids past 64 bits never reaching the
database: a clean answer (the default, 404, a form error), never a 500."""

import pytest
from django.test import RequestFactory

from linli.accounts.models import User
from linli.core.parsing import ID_MAX, form_id, id_list, id_param, int_param, query_id, query_int
from linli.places.models import Community, Grid

HUGE = "99999999999999999999999"


class TestIntParam:
    @pytest.mark.parametrize("value", ["0", "7", "0042", str(ID_MAX)])
    def test_it_reads_plain_ascii_digits(self, value):
        assert int_param(value) == int(value)

    @pytest.mark.parametrize(
        "value",
        [
            None,
            "",
            " 7",
            "7 ",
            "+7",
            "-7",
            "7.0",
            "1e3",
            "²",
            "١٢",
            "１２",
            "7\x00",
            "0x1f",
            "٣",
            HUGE,
            str(ID_MAX + 1),
            "9" * 5000,
            "' OR 1=1--",
            True,
        ],
    )
    def test_anything_else_gives_the_default(self, value):
        assert int_param(value) is None
        assert int_param(value, default=3) == 3

    def test_it_keeps_within_the_bounds(self):
        assert int_param("5", minimum=1, maximum=4, default=2) == 2
        assert int_param("0", minimum=1) is None
        assert int_param("-3", minimum=-10) == -3
        assert int_param("-30", minimum=-10) is None
        assert int_param(12, maximum=10) is None

    def test_ids_start_at_one(self):
        assert id_param("0") is None
        assert id_param("1") == 1
        assert id_list(["3", "²", HUGE, "", "4"]) == [3, 4]

    def test_the_request_helpers_read_the_query_and_the_form(self):
        request = RequestFactory().post("/x/?page=2&team=%C2%B2", {"community": "5"})
        assert query_int(request, "page") == 2
        assert query_id(request, "team") is None
        assert form_id(request, "community") == 5
        assert query_int(request, "missing", default=1) == 1


class TestHugeIdsInQueries:
    def test_an_in_lookup_with_a_huge_id_matches_nothing(self, world):
        assert list(Community.objects.filter(pk__in=[int(HUGE)])) == []
        assert list(Community.objects.filter(pk__in=[int(HUGE), world.a.pk])) == [world.a]

    def test_a_foreign_key_in_lookup_with_a_huge_id_matches_nothing(self, world):
        assert not Grid.objects.filter(community_id__in=[int(HUGE)]).exists()
        assert not User.objects.filter(memberships__community__in=[-int(HUGE)]).exists()


@pytest.mark.parametrize(
    "url",
    [
        "/warehouse/alerts/?days=%C2%B2",
        "/orders/batch/?community=%C2%B2",
        "/volunteers/leaderboard/?team=99999999999999999999999",
        "/volunteers/leaderboard/?year=%C2%B2",
        "/residents/99999999999999999999999/",
        "/warehouse/reports/?year=%EF%BC%92%EF%BC%90%EF%BC%92%EF%BC%96",
        "/residents/?page=%C2%B2",
    ],
)
def test_the_known_crafted_numbers_do_not_answer_500(world, client_for, url):
    assert client_for(world.station_a).get(url).status_code < 500


@pytest.mark.parametrize("value", ["²", HUGE, "-1", "", "１"])
def test_the_community_switch_ignores_a_crafted_id(world, client_for, value):
    client = client_for(world.worker_a)
    response = client.post("/accounts/community/", {"community": value, "next": "/"})
    assert response.status_code == 302
    assert "linli_community_id" not in client.session


def test_a_form_with_a_huge_id_in_a_multiple_choice_is_a_form_error(world, client_for):
    person = world.person()
    response = client_for(world.station_a).post(
        f"/volunteers/register/{person.pk}/",
        {"consent_method": "signed", "skills": HUGE, "grids": HUGE},
    )
    assert response.status_code == 200  # the form again, with its errors
