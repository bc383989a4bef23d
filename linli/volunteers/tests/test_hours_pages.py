import json
from decimal import Decimal

import pytest
from django.utils import timezone

from linli.accounts.models import User
from linli.ledger.testing import assert_ledger_consistent
from linli.points.services import person_points_account
from linli.volunteers import hours, services
from linli.volunteers.models import ServiceRecord


@pytest.fixture
def volunteer(world, person_a):
    user = User.objects.create_user("vol", password="x")
    return services.volunteer_register(
        actor=world.worker_a, person_id=person_a.pk, consent_method="signed", user_id=user.pk
    )


@pytest.mark.django_db
class TestHoursPages:
    def test_record_then_verify_on_the_queue(self, world, volunteer, client_for):
        client = client_for(world.worker_a)
        response = client.post(
            "/volunteers/hours/",
            {
                "volunteer": volunteer.pk,
                "served_on": timezone.localdate().isoformat(),
                "hours": "2.5",
                "description": "社区清洁",
            },
        )
        assert response.status_code == 302
        record = ServiceRecord.objects.get()
        assert "社区清洁" in client.get("/volunteers/hours/").content.decode()
        # the submitter is not the volunteer, so a colleague (or the same worker) may verify
        client_for(world.station_a).post(f"/volunteers/hours/{record.pk}/", {"action": "verify"})
        record.refresh_from_db()
        assert record.status == "verified" and record.points == 5
        assert person_points_account(volunteer.person).balance == 5
        assert_ledger_consistent()

    def test_a_rejection_without_reason_shows_an_error(self, world, volunteer, client_for):
        record = hours.service_record_submit(
            actor=world.worker_a,
            volunteer_id=volunteer.pk,
            served_on=timezone.localdate(),
            hours=Decimal(1),
            description="x",
        )
        response = client_for(world.station_a).post(
            f"/volunteers/hours/{record.pk}/", {"action": "reject"}, follow=True
        )
        assert [str(m) for m in response.context["messages"]]
        assert ServiceRecord.objects.get().status == "submitted"

    def test_other_communities_get_404(self, world, volunteer, client_for):
        record = hours.service_record_submit(
            actor=world.worker_a,
            volunteer_id=volunteer.pk,
            served_on=timezone.localdate(),
            hours=Decimal(1),
            description="x",
        )
        other = client_for(world.worker_b)
        assert (
            other.post(f"/volunteers/hours/{record.pk}/", {"action": "verify"}).status_code == 404
        )
        assert other.get("/volunteers/hours/").context["page"].paginator.count == 0

    def test_the_api_flow(self, world, volunteer, api_for):
        mine = api_for(volunteer.user)
        response = mine.post(
            "/api/v1/service-records",
            json.dumps(
                {
                    "volunteer_id": volunteer.pk,
                    "served_on": timezone.localdate().isoformat(),
                    "hours": "1.5",
                    "description": "送餐",
                }
            ),
            content_type="application/json",
        )
        assert response.status_code == 201, response.content
        record_id = response.json()["id"]
        assert mine.post(f"/api/v1/service-records/{record_id}/verify").status_code == 404
        station = api_for(world.station_a)
        verified = station.post(f"/api/v1/service-records/{record_id}/verify")
        assert verified.status_code == 200 and verified.json()["points"] == 3
        again = station.post(f"/api/v1/service-records/{record_id}/verify")
        assert again.status_code == 409
        reversed_ = station.post(
            f"/api/v1/service-records/{record_id}/reverse",
            json.dumps({"reason": "重复"}),
            content_type="application/json",
        )
        assert reversed_.status_code == 200 and reversed_.json()["status"] == "reversed"
        assert station.get("/api/v1/service-records?status=reversed").json()["count"] == 1
        assert_ledger_consistent()
