import datetime

import pytest

from linli.accounts.models import User
from linli.core.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from linli.core.models import AuditEvent
from linli.volunteers import services
from linli.volunteers.models import Skill, TeamMembership, Volunteer


@pytest.fixture
def skills(db):
    return [Skill.objects.get_or_create(code=c, defaults={"name": c})[0] for c in ("a", "b")]


def register(world, person, **kwargs):
    defaults = {"consent_method": "signed"}
    defaults.update(kwargs)
    return services.volunteer_register(actor=world.worker_a, person_id=person.pk, **defaults)


@pytest.mark.django_db
class TestRegisterVolunteer:
    def test_it_registers_with_consent_skills_availability_and_area(self, world, person_a, skills):
        volunteer = register(
            world,
            person_a,
            skill_ids=[s.pk for s in skills],
            availability={"sat": ["evening", "morning"], "mon": ["afternoon"], "tue": []},
            grid_ids=[world.grid_a.pk],
        )
        assert volunteer.community == world.a
        assert volunteer.availability == {"mon": ["afternoon"], "sat": ["morning", "evening"]}
        assert set(volunteer.skills.all()) == set(skills)
        assert person_a.consents.filter(purpose="volunteer").exists()
        assert AuditEvent.objects.filter(verb="volunteer.register", person_id=person_a.pk).exists()

    def test_bad_availability_skills_or_grids_write_nothing(self, world, person_a):
        for kwargs in (
            {"availability": {"someday": ["morning"]}},
            {"availability": {"mon": ["midnight"]}},
            {"skill_ids": [999999]},
            {"grid_ids": [world.grid_b.pk]},
            {"registered_on": datetime.date.today() + datetime.timedelta(days=2)},
        ):
            with pytest.raises(ValidationFailed):
                register(world, person_a, **kwargs)
        assert not Volunteer.objects.exists() and not person_a.consents.exists()

    def test_twice_is_a_conflict(self, world, person_a):
        register(world, person_a)
        with pytest.raises(Conflict):
            register(world, person_a)

    def test_other_communities_and_roles_are_refused(self, world, person_a):
        with pytest.raises(NotFound):
            services.volunteer_register(
                actor=world.worker_b, person_id=person_a.pk, consent_method="signed"
            )
        with pytest.raises(PermissionDenied):
            services.volunteer_register(
                actor=world.street_admin, person_id=person_a.pk, consent_method="signed"
            )
        assert not Volunteer.objects.exists()


@pytest.fixture
def team_world(world, person_a):
    leader_user = User.objects.create_user("leader", password="x")
    member_user = User.objects.create_user("member", password="x")
    leader = register(world, person_a, user_id=leader_user.pk)
    member = register(world, world.person(name="王五"), user_id=member_user.pk)
    team = services.team_create(
        actor=world.station_a, community_id=world.a.pk, name="助老服务队", leader_id=leader.pk
    )
    return {
        "team": team,
        "leader": leader,
        "member": member,
        "leader_user": leader_user,
        "member_user": member_user,
    }


@pytest.mark.django_db
class TestTeams:
    def test_a_volunteer_asks_and_the_leader_approves(self, world, team_world):
        t = team_world
        request = services.team_join_request(
            actor=t["member_user"], team_id=t["team"].pk, volunteer_id=t["member"].pk
        )
        assert request.status == "pending"
        decided = services.team_join_decide(
            actor=t["leader_user"], membership_id=request.pk, approve=True
        )
        assert decided.status == "approved" and decided.decided_by == t["leader_user"]
        with pytest.raises(Conflict):
            services.team_join_decide(actor=world.station_a, membership_id=request.pk, approve=True)

    def test_a_rejection_needs_a_reason(self, world, team_world):
        t = team_world
        request = services.team_join_request(
            actor=world.worker_a, team_id=t["team"].pk, volunteer_id=t["member"].pk
        )
        with pytest.raises(ValidationFailed):
            services.team_join_decide(
                actor=world.station_a, membership_id=request.pk, approve=False
            )
        services.team_join_decide(
            actor=world.station_a, membership_id=request.pk, approve=False, reason="人数已满"
        )
        assert TeamMembership.objects.get(pk=request.pk).reason == "人数已满"

    def test_nobody_decides_their_own_request(self, world, team_world):
        t = team_world
        worker_as_volunteer = register(
            world, world.person(name="社工本人"), user_id=world.station_a.pk
        )
        request = services.team_join_request(
            actor=world.station_a, team_id=t["team"].pk, volunteer_id=worker_as_volunteer.pk
        )
        with pytest.raises(PermissionDenied):
            services.team_join_decide(actor=world.station_a, membership_id=request.pk, approve=True)
        services.team_join_decide(actor=t["leader_user"], membership_id=request.pk, approve=True)

    def test_a_plain_member_or_another_community_cannot_decide(self, world, team_world):
        t = team_world
        third = register(world, world.person(name="赵六"))
        request = services.team_join_request(
            actor=world.worker_a, team_id=t["team"].pk, volunteer_id=third.pk
        )
        with pytest.raises(NotFound):
            services.team_join_decide(actor=world.worker_b, membership_id=request.pk, approve=True)
        with pytest.raises(NotFound):
            services.team_join_decide(
                actor=t["member_user"], membership_id=request.pk, approve=True
            )

    def test_a_second_open_request_is_a_conflict(self, world, team_world):
        t = team_world
        services.team_join_request(
            actor=t["member_user"], team_id=t["team"].pk, volunteer_id=t["member"].pk
        )
        with pytest.raises(Conflict):
            services.team_join_request(
                actor=t["member_user"], team_id=t["team"].pk, volunteer_id=t["member"].pk
            )

    def test_someone_else_cannot_ask_for_a_volunteer_without_the_role(self, world, team_world):
        t = team_world
        with pytest.raises(NotFound):
            services.team_join_request(
                actor=t["leader_user"], team_id=t["team"].pk, volunteer_id=t["member"].pk
            )

    def test_team_names_are_unique_in_a_community(self, world, team_world):
        with pytest.raises(Conflict):
            services.team_create(actor=world.station_a, community_id=world.a.pk, name="助老服务队")
        with pytest.raises(PermissionDenied):
            services.team_create(actor=world.worker_b, community_id=world.a.pk, name="新队")
