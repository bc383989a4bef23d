"""From the database to the pure matching core and back: orders become ``matching.Request``,
active volunteers and teams become ``matching.Candidate`` (keys ``("volunteer", id)`` and
``("team", id)``), with what the core weighs — skills as the categories they can serve, home
compound on a local plane in metres, service grids, weekly availability, orders in hand, recent
ratings and how much they served lately. A handful of queries per community, whatever its size."""

from __future__ import annotations

import datetime
import math
from collections import defaultdict

from django.db.models import Avg, Count, Q
from django.utils import timezone

from linli.orders import matching
from linli.orders.models import CATEGORY_SKILLS, URGENCY_PRIORITY, ServiceOrder
from linli.volunteers.models import Team, TeamMembership, Volunteer

# How many orders one volunteer may hold at once (in hand: dispatched, accepted, in service).
VOLUNTEER_CAPACITY = 3
RATING_WINDOW = datetime.timedelta(days=180)
RECENT_WINDOW = datetime.timedelta(days=30)
EARTH_METRES_PER_DEGREE = 111_320.0


def plane(latitude, longitude) -> tuple[float, float] | None:
    """WGS-84 degrees → metres on a local plane (accurate to a few metres across a city)."""
    if latitude is None or longitude is None:
        return None
    lat, lon = float(latitude), float(longitude)
    return (
        lon * EARTH_METRES_PER_DEGREE * math.cos(math.radians(lat)),
        lat * EARTH_METRES_PER_DEGREE,
    )


def slot_of(moment: datetime.datetime | None) -> int:
    """The weekly availability slot of a wanted time (0 when none was given)."""
    if moment is None:
        return 0
    local = timezone.localtime(moment)
    period = "morning" if local.hour < 12 else "afternoon" if local.hour < 18 else "evening"
    return matching.slot_bit(matching.WEEKDAYS[local.weekday()], period)


def categories_of(skill_codes) -> frozenset[str]:
    """The order categories a set of skills can serve."""
    codes = set(skill_codes)
    return frozenset(cat for cat, skills in CATEGORY_SKILLS.items() if codes & skills)


def request_for(order: ServiceOrder) -> matching.Request:
    """Needs ``order.person.compound`` loaded (select_related)."""
    compound = order.person.compound
    return matching.Request(
        key=order.pk,
        skill=order.category if order.category in CATEGORY_SKILLS else None,
        location=plane(compound.latitude, compound.longitude) if compound else None,
        grid=compound.grid_id if compound else None,
        slot=slot_of(order.wanted_at),
        priority=URGENCY_PRIORITY[order.urgency],
    )


def candidates_for(community_id: int, *, teams: bool = True) -> list[matching.Candidate]:
    """Every active volunteer (and active team) of the community as a matching candidate."""
    now = timezone.now()
    volunteers = list(
        Volunteer.objects.filter(community_id=community_id, status=Volunteer.Status.ACTIVE)
        .select_related("person__compound")
        .order_by("pk")
    )
    ids = [v.pk for v in volunteers]
    skills: dict[int, set[str]] = defaultdict(set)
    for vid, code in Volunteer.skills.through.objects.filter(volunteer_id__in=ids).values_list(
        "volunteer_id", "skill__code"
    ):
        skills[vid].add(code)
    grids: dict[int, set[int]] = defaultdict(set)
    for vid, gid in Volunteer.service_grids.through.objects.filter(
        volunteer_id__in=ids
    ).values_list("volunteer_id", "grid_id"):
        grids[vid].add(gid)
    stats = {
        row["volunteer_id"]: row
        for row in ServiceOrder.objects.filter(community_id=community_id, volunteer__isnull=False)
        .values("volunteer_id")
        .annotate(
            load=Count("pk", filter=Q(status__in=ServiceOrder.OPEN_STATES[1:])),
            rating=Avg(
                "resident_rating",
                filter=Q(resident_rated_at__gte=now - RATING_WINDOW),
            ),
            recent=Count("pk", filter=Q(checked_out_at__gte=now - RECENT_WINDOW)),
        )
    }
    candidates = []
    for v in volunteers:
        row = stats.get(v.pk, {})
        compound = v.person.compound
        candidates.append(
            matching.Candidate(
                key=("volunteer", v.pk),
                skills=categories_of(skills[v.pk]),
                location=plane(compound.latitude, compound.longitude) if compound else None,
                service_grids=frozenset(grids[v.pk]),
                availability=matching.availability_mask(v.availability or {}),
                load=row.get("load", 0),
                capacity=VOLUNTEER_CAPACITY,
                rating=row.get("rating"),
                recent=row.get("recent", 0),
            )
        )
    if teams:
        candidates.extend(_teams(community_id, candidates, now))
    return candidates


def _teams(community_id: int, volunteers: list[matching.Candidate], now) -> list:
    """A team can do what its members can, where they serve, with a place per active member."""
    by_id = {c.key[1]: c for c in volunteers}
    members: dict[int, list[matching.Candidate]] = defaultdict(list)
    for team_id, volunteer_id in TeamMembership.objects.filter(
        team__community_id=community_id,
        team__is_active=True,
        status=TeamMembership.Status.APPROVED,
    ).values_list("team_id", "volunteer_id"):
        if volunteer_id in by_id:
            members[team_id].append(by_id[volunteer_id])
    stats = {
        row["team_id"]: row
        for row in ServiceOrder.objects.filter(community_id=community_id, team__isnull=False)
        .values("team_id")
        .annotate(
            load=Count("pk", filter=Q(status__in=ServiceOrder.OPEN_STATES[1:])),
            rating=Avg("resident_rating", filter=Q(resident_rated_at__gte=now - RATING_WINDOW)),
            recent=Count("pk", filter=Q(checked_out_at__gte=now - RECENT_WINDOW)),
        )
    }
    result = []
    for team_id in Team.objects.filter(pk__in=members).order_by("pk").values_list("pk", flat=True):
        crew = members[team_id]
        row = stats.get(team_id, {})
        result.append(
            matching.Candidate(
                key=("team", team_id),
                skills=frozenset().union(*(c.skills for c in crew)),
                location=None,
                service_grids=frozenset().union(*(c.service_grids for c in crew)),
                availability=_union_mask(crew),
                load=row.get("load", 0),
                capacity=len(crew),
                rating=row.get("rating"),
                recent=row.get("recent", 0),
            )
        )
    return result


def _union_mask(crew) -> int:
    mask = 0
    for c in crew:
        mask |= c.availability
    return mask
