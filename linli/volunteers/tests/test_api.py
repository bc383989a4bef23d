import json

import pytest

from linli.accounts.models import User
from linli.volunteers import services
from linli.volunteers.models import Skill, TeamMembership


def send(client, url, data):
    return client.post(url, json.dumps(data), content_type="application/json")


@pytest.mark.django_db
class TestVolunteersApi:
    def test_register_list_and_get(self, world, person_a, api_for):
        api = api_for(world.worker_a)
        skill = Skill.objects.first()
        response = send(
            api,
            "/api/v1/volunteers",
            {
                "person_id": person_a.pk,
                "consent_method": "signed",
                "skill_ids": [skill.pk],
                "availability": {"sun": ["afternoon"]},
            },
        )
        assert response.status_code == 201, response.content
        body = response.json()
        assert body["name"] == "张三丰" and body["skills"][0]["code"] == skill.code
        listing = api.get("/api/v1/volunteers").json()
        assert listing["count"] == 1
        assert api.get(f"/api/v1/volunteers/{body['id']}").status_code == 200
        other = api_for(world.worker_b)
        assert other.get(f"/api/v1/volunteers/{body['id']}").status_code == 404
        assert other.get("/api/v1/volunteers").json()["count"] == 0

    def test_bad_input_is_422(self, world, person_a, api_for):
        api = api_for(world.worker_a)
        bad = send(
            api,
            "/api/v1/volunteers",
            {"person_id": person_a.pk, "consent_method": "signed", "availability": {"x": ["y"]}},
        )
        assert bad.status_code == 422 and "availability" in bad.json()["errors"]
        assert send(api, "/api/v1/volunteers", {"person_id": person_a.pk}).status_code == 422

    def test_join_and_decide_through_the_api(self, world, person_a, api_for):
        user = User.objects.create_user("vol", password="x")
        volunteer = services.volunteer_register(
            actor=world.worker_a, person_id=person_a.pk, consent_method="signed", user_id=user.pk
        )
        team = services.team_create(actor=world.station_a, community_id=world.a.pk, name="队")
        mine = api_for(user)
        response = send(
            mine, f"/api/v1/teams/{team.pk}/join-requests", {"volunteer_id": volunteer.pk}
        )
        assert response.status_code == 201 and response.json()["status"] == "pending"
        membership_id = response.json()["id"]
        assert send(
            mine, f"/api/v1/team-memberships/{membership_id}/decision", {"approve": True}
        ).status_code in (403, 404)
        station = api_for(world.station_a)
        response = send(
            station, f"/api/v1/team-memberships/{membership_id}/decision", {"approve": True}
        )
        assert response.status_code == 200 and response.json()["status"] == "approved"
        detail = station.get(f"/api/v1/teams/{team.pk}").json()
        assert detail["memberships"][0]["name"] == "张三丰"
        assert TeamMembership.objects.get().decided_by == world.station_a
        assert api_for(world.worker_b).get(f"/api/v1/teams/{team.pk}").status_code == 404
