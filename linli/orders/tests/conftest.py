"""The orders desk: a resident with a login, two volunteers with logins (one leads a team), and
helpers that walk an order through the four orders by the real services."""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from linli.accounts.models import User
from linli.accounts.roles import Role
from linli.accounts.services import membership_grant
from linli.orders.services import orders as order_services
from linli.people.models import Person
from linli.volunteers import services as volunteer_services
from linli.volunteers.models import Skill, Team, Volunteer


@dataclass
class Desk:
    world: object
    resident: Person  # resident_a's own person
    volunteer: Volunteer  # volunteer_a
    leader_user: User
    leader: Volunteer
    member: Volunteer
    team: Team

    def order(self, actor=None, **fields) -> object:
        data = {
            "person_id": self.resident.pk,
            "category": "repair",
            "urgency": "this_week",
            "description": "厨房水龙头漏水",
        }
        data.update(fields)
        return order_services.order_create(actor=actor or self.world.worker_a, **data)

    def dispatched(self, **fields):
        order = self.order(**fields)
        return order_services.order_dispatch(
            actor=self.world.worker_a, order_id=order.pk, volunteer_id=self.volunteer.pk
        )

    def done(self, **fields):
        order = self.dispatched(**fields)
        user = self.world.volunteer_a
        order_services.order_accept(actor=user, order_id=order.pk)
        order_services.order_check_in(actor=user, order_id=order.pk)
        return order_services.order_check_out(actor=user, order_id=order.pk, notes="换了阀芯")

    def rated(self, **fields):
        order = self.done(**fields)
        return order_services.order_rate(
            actor=self.world.resident_a, order_id=order.pk, rating=5, words="很及时"
        )


def _volunteer(world, person, user, skills, actor=None):
    return volunteer_services.volunteer_register(
        actor=actor or world.station_a,
        person_id=person.pk,
        consent_method="signed",
        skill_ids=list(Skill.objects.filter(code__in=skills).values_list("pk", flat=True)),
        availability={"mon": ["morning"], "sat": ["afternoon"]},
        grid_ids=[person.compound.grid_id],
        user_id=user.pk if user else None,
    )


@pytest.fixture
def desk(world) -> Desk:
    resident = world.person(name="王奶奶")
    world.resident_a.person = resident
    world.resident_a.save(update_fields=["person"])
    volunteer = _volunteer(
        world, world.person(name="李志愿"), world.volunteer_a, ["plumbing_electrical", "haircut"]
    )
    leader_user = User.objects.create_user("leader_a", password="x")
    membership_grant(actor=None, user=leader_user, role=Role.VOLUNTEER, community_id=world.a.pk)
    leader = _volunteer(world, world.person(name="陈队长"), leader_user, ["companionship"])
    member = _volunteer(world, world.person(name="周队员"), None, ["companionship"])
    team = volunteer_services.team_create(
        actor=world.station_a, community_id=world.a.pk, name="助老服务队", leader_id=leader.pk
    )
    request = volunteer_services.team_join_request(
        actor=world.station_a, team_id=team.pk, volunteer_id=member.pk
    )
    volunteer_services.team_join_decide(
        actor=world.station_a, membership_id=request.pk, approve=True
    )
    return Desk(world, resident, volunteer, leader_user, leader, member, team)
