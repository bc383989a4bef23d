from decimal import Decimal

import pytest
from django.utils import timezone

from linli.points import selectors
from linli.volunteers import hours, services


@pytest.fixture
def credited(world, person_a):
    volunteer = services.volunteer_register(
        actor=world.worker_a, person_id=person_a.pk, consent_method="signed"
    )
    records = []
    for h in ("2", "1"):
        record = hours.service_record_submit(
            actor=world.worker_a,
            volunteer_id=volunteer.pk,
            served_on=timezone.localdate(),
            hours=Decimal(h),
            description="探访",
        )
        records.append(hours.service_record_verify(actor=world.station_a, record_id=record.pk))
    hours.service_record_reverse(actor=world.station_a, record_id=records[1].pk, reason="重复")
    return person_a


@pytest.mark.django_db
class TestStatement:
    def test_the_statement_lists_every_posting_with_its_reason(self, world, credited, client_for):
        response = client_for(world.worker_a).get(f"/points/people/{credited.pk}/")
        body = response.content.decode()
        assert response.status_code == 200
        assert response.context["balance"] == 4
        assert response.context["earned_this_year"] == 4  # 4 + 2 credited, 2 reversed
        assert [int(p.quantity) for p in response.context["page"].object_list] == [-2, 2, 4]
        assert "服务时长" in body and world.a.name in body

    def test_a_person_with_no_points_has_an_empty_statement(self, world, person_a, client_for):
        response = client_for(world.worker_a).get(f"/points/people/{person_a.pk}/")
        assert response.context["balance"] == 0 and not response.context["page"].object_list

    def test_scoping(self, world, credited, client_for):
        assert client_for(world.worker_b).get(f"/points/people/{credited.pk}/").status_code == 404
        assert (
            client_for(world.volunteer_a).get(f"/points/people/{credited.pk}/").status_code == 403
        )

    def test_the_api(self, world, credited, api_for):
        api = api_for(world.worker_a)
        assert api.get(f"/api/v1/points/accounts/{credited.pk}").json() == {
            "person_id": credited.pk,
            "balance": 4,
            "earned_this_year": 4,
        }
        postings = api.get(f"/api/v1/points/accounts/{credited.pk}/postings").json()
        assert postings["count"] == 3
        assert postings["items"][0]["kind"] == "points.hours.reversal"
        assert postings["items"][0]["community_id"] == world.a.pk
        assert (
            api_for(world.worker_b).get(f"/api/v1/points/accounts/{credited.pk}").status_code == 404
        )

    def test_the_volunteer_page_shows_the_annual_figures(self, world, credited, client_for):
        volunteer = credited.volunteer
        response = client_for(world.worker_a).get(f"/volunteers/{volunteer.pk}/")
        assert response.context["hours"] == {"total": Decimal(2), "this_year": Decimal(2)}
        assert response.context["points_this_year"] == 4

    def test_earned_in_another_year_is_zero(self, world, credited):
        assert selectors.points_earned_in_year(credited, timezone.localdate().year - 1) == 0

    def test_the_page_has_bounded_queries(
        self, world, credited, client_for, django_assert_max_num_queries
    ):
        client = client_for(world.worker_a)
        client.get(f"/points/people/{credited.pk}/")
        with django_assert_max_num_queries(14):
            client.get(f"/points/people/{credited.pk}/")
