import pytest

from linli.volunteers import services
from linli.volunteers.models import Skill, TeamMembership, Volunteer


@pytest.mark.django_db
class TestVolunteerPages:
    def test_register_from_the_resident_page(self, world, person_a, client_for):
        client = client_for(world.worker_a)
        page = client.get(f"/residents/{person_a.pk}/").content.decode()
        assert f"/volunteers/register/{person_a.pk}/" in page
        skill = Skill.objects.first()
        response = client.post(
            f"/volunteers/register/{person_a.pk}/",
            {
                "consent_method": "signed",
                "skills": [skill.pk],
                "grids": [world.grid_a.pk],
                "free_sat": ["morning"],
            },
        )
        volunteer = Volunteer.objects.get()
        assert response["Location"] == f"/volunteers/{volunteer.pk}/"
        assert volunteer.availability == {"sat": ["morning"]}
        detail = client.get(f"/volunteers/{volunteer.pk}/").content.decode()
        assert skill.name in detail

    def test_missing_consent_is_a_form_error(self, world, person_a, client_for):
        response = client_for(world.worker_a).post(f"/volunteers/register/{person_a.pk}/", {})
        assert response.status_code == 200 and response.context["form"].errors["consent_method"]
        assert not Volunteer.objects.exists()

    def test_other_communities_get_404_and_other_roles_403(self, world, person_a, client_for):
        volunteer = services.volunteer_register(
            actor=world.worker_a, person_id=person_a.pk, consent_method="signed"
        )
        team = services.team_create(actor=world.worker_a, community_id=world.a.pk, name="队")
        other = client_for(world.worker_b)
        for url in (
            f"/volunteers/{volunteer.pk}/",
            f"/volunteers/teams/{team.pk}/",
            f"/volunteers/register/{person_a.pk}/",
        ):
            assert other.get(url).status_code == 404, url
        assert other.post(f"/volunteers/teams/{team.pk}/members/", {}).status_code == 404
        names = [v.person.name for v in other.get("/volunteers/").context["page"].object_list]
        assert names == []
        assert client_for(world.volunteer_a).get("/volunteers/").status_code == 403
        assert (
            client_for(world.street_admin).get(f"/volunteers/register/{person_a.pk}/").status_code
            == 403
        )

    def test_team_flow_open_add_approve(self, world, person_a, client_for):
        volunteer = services.volunteer_register(
            actor=world.worker_a, person_id=person_a.pk, consent_method="signed"
        )
        client = client_for(world.station_a)
        response = client.post("/volunteers/teams/new/", {"name": "助老服务队", "description": ""})
        team_url = response["Location"]
        client.post(team_url + "members/", {"volunteer": volunteer.pk})
        request = TeamMembership.objects.get()
        client.post(f"{team_url}requests/{request.pk}/", {"decision": "reject"})
        assert TeamMembership.objects.get().status == "pending"  # a reason is needed
        client.post(f"{team_url}requests/{request.pk}/", {"decision": "approve"})
        assert TeamMembership.objects.get().status == "approved"
        assert "助老服务队" in client.get("/volunteers/teams/").content.decode()

    def test_the_list_has_bounded_queries(self, world, client_for, django_assert_max_num_queries):
        skills = list(Skill.objects.all()[:3])
        for i in range(15):
            person = world.person(name=f"志愿者{i}")
            services.volunteer_register(
                actor=world.worker_a,
                person_id=person.pk,
                consent_method="signed",
                skill_ids=[s.pk for s in skills],
            )
        client = client_for(world.worker_a)
        client.get("/volunteers/")
        with django_assert_max_num_queries(12):
            response = client.get("/volunteers/")
        assert len(response.context["page"].object_list) == 15
