"""Demo volunteers, teams and a year of service hours (called by ``manage.py seed_demo``),
all through the real services."""

import datetime
import random
from decimal import Decimal

from django.db.models import Q
from django.utils import timezone

from linli.accounts.models import Membership, User
from linli.accounts.roles import Role
from linli.people.models import Person
from linli.places.models import Community, Grid
from linli.volunteers import hours, services, stars
from linli.volunteers.models import WEEKDAYS, Period, Skill

TEAMS = [
    ("助老服务队", "上门探访、陪诊、代购，关爱高龄独居老人"),
    ("便民维修队", "水电、家电小修，社区便民服务日"),
    ("青少年成长伙伴", "课业辅导、四点半课堂、困难儿童陪伴"),
]


def load(rng: random.Random) -> None:
    skills = list(Skill.objects.filter(is_active=True))
    volunteer_user = User.objects.filter(username="volunteer1").first()
    for community in Community.objects.filter(code__startswith="510107009").order_by("code"):
        station = (
            Membership.objects.filter(community=community, role=Role.STATION_ADMIN)
            .select_related("user")
            .first()
            .user
        )
        grids = list(Grid.objects.filter(community=community))
        adults = list(
            Person.objects.filter(community=community, birth_date__isnull=False)
            .filter(Q(household__isnull=False))
            .order_by("id")
        )
        candidates = [p for p in adults if 18 <= (p.age() or 0) <= 75]
        chosen = rng.sample(candidates, min(30, len(candidates)))
        volunteers = []
        for i, person in enumerate(chosen):
            user_id = None
            if i == 0 and volunteer_user is not None and community.code.endswith("001"):
                user_id = volunteer_user.pk  # volunteer1 is this community's first volunteer
            availability = {
                day: rng.sample(Period.values, rng.randint(1, 2))
                for day in rng.sample(WEEKDAYS, rng.randint(1, 4))
            }
            volunteers.append(
                services.volunteer_register(
                    actor=station,
                    person_id=person.pk,
                    consent_method=rng.choice(["signed", "signed", "online"]),
                    skill_ids=[
                        s.pk for s in rng.sample(skills, min(len(skills), rng.randint(1, 3)))
                    ],
                    availability=availability,
                    grid_ids=[g.pk for g in rng.sample(grids, rng.randint(1, 2))],
                    user_id=user_id,
                    # The first five have served for years: the star volunteers of the demo.
                    registered_on=timezone.localdate()
                    - datetime.timedelta(days=1500 if i < 5 else 400),
                )
            )
        for index, (name, description) in enumerate(TEAMS):
            leader = volunteers[index + 1]
            team = services.team_create(
                actor=station,
                community_id=community.pk,
                name=name,
                description=description,
                leader_id=leader.pk,
            )
            members = rng.sample([v for v in volunteers if v != leader], 8)
            for n, volunteer in enumerate(members):
                request = services.team_join_request(
                    actor=station, team_id=team.pk, volunteer_id=volunteer.pk
                )
                if n < 6:
                    services.team_join_decide(actor=station, membership_id=request.pk, approve=True)
                elif n == 6 and index == 2:
                    services.team_join_decide(
                        actor=station, membership_id=request.pk, approve=False, reason="名额已满"
                    )
        _hours(rng, station, volunteers)
        _veterans(rng, station, volunteers[:5])
        if not community.code.endswith("003"):  # the third is left unrated: preview + run button
            stars.star_rating_run(
                actor=station, community_id=community.pk, year=timezone.localdate().year
            )


WORK = [
    "上门探访独居老人",
    "陪诊就医",
    "社区环境清洁",
    "助餐送餐",
    "便民服务日维修",
    "四点半课堂辅导",
]


def _hours(rng: random.Random, station, volunteers) -> None:
    """A year of service hours: most verified (points credited), some waiting, a few rejected."""
    today = timezone.localdate()
    for volunteer in volunteers:
        for _n in range(rng.randint(3, 12)):
            record = hours.service_record_submit(
                actor=station,
                volunteer_id=volunteer.pk,
                served_on=today - datetime.timedelta(days=rng.randint(0, 360)),
                hours=Decimal(rng.choice([1, 1.5, 2, 2, 3, 4])),
                description=rng.choice(WORK),
            )
            fate = rng.random()
            if fate < 0.8:
                hours.service_record_verify(actor=station, record_id=record.pk)
            elif fate < 0.85:
                hours.service_record_reject(
                    actor=station, record_id=record.pk, reason="与已有记录重复"
                )


def _veterans(rng: random.Random, station, veterans) -> None:
    """Years of weekly service for a few: 100 to 700 verified hours, so the stars show."""
    today = timezone.localdate()
    for n, volunteer in enumerate(veterans):
        sessions = rng.randint(30, 60) * (n + 1) // 2 + 25
        for _n in range(sessions):
            record = hours.service_record_submit(
                actor=station,
                volunteer_id=volunteer.pk,
                served_on=today - datetime.timedelta(days=rng.randint(1, 1450)),
                hours=Decimal(rng.choice([3, 4, 4, 6, 8])),
                description=rng.choice(WORK),
            )
            hours.service_record_verify(actor=station, record_id=record.pk)
