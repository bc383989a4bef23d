"""Reads of needs, resources, service orders, candidates and the quarterly project list."""

from __future__ import annotations

import datetime
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import Avg, Count, Q, QuerySet, Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from linli.accounts.roles import Perm
from linli.core.errors import NotFound
from linli.core.periods import month_span
from linli.core.scoping import community_ids, get_in_scope, has_perm, scope
from linli.orders import matchdata, matching
from linli.orders.models import (
    CATEGORY_SKILLS,
    Category,
    MatchLine,
    MatchRun,
    Need,
    Resource,
    ServiceOrder,
    ServiceOrderPhoto,
)
from linli.orders.services.orders import DISPATCH_WITHIN, DISPATCH_WITHIN_DEFAULT, relation
from linli.places.models import ServiceSite
from linli.volunteers.models import Skill, Team, Volunteer
from linli.warehouse.selectors import stock_on_hand

Status = ServiceOrder.Status


# -- needs and resources ----------------------------------------------------------------------


def need_list(
    actor,
    *,
    q: str = "",
    status: str = "",
    category: str = "",
    urgency: str = "",
    person_id: int | None = None,
) -> QuerySet[Need]:
    needs = scope(Need.objects.all(), actor, Perm.ORDERS_VIEW).select_related(
        "person", "household", "community"
    )
    if q:
        needs = needs.filter(
            Q(person__name__icontains=q)
            | Q(household__members__name__icontains=q)
            | Q(description__icontains=q)
        ).distinct()
    if status:
        needs = needs.filter(status=status)
    if category:
        needs = needs.filter(category=category)
    if urgency:
        needs = needs.filter(urgency=urgency)
    if person_id is not None:
        needs = needs.filter(person_id=person_id)
    return needs


def need_get(actor, need_id: int) -> Need:
    return get_in_scope(
        Need.objects.select_related("person", "household", "community"),
        actor,
        Perm.ORDERS_VIEW,
        pk=need_id,
    )


def resource_get(actor, resource_id: int) -> Resource:
    return get_in_scope(
        Resource.objects.select_related("community"), actor, Perm.ORDERS_VIEW, pk=resource_id
    )


def resource_list(actor, *, category: str = "", kind: str = "", q: str = "") -> QuerySet[Resource]:
    resources = scope(Resource.objects.all(), actor, Perm.ORDERS_VIEW).select_related("community")
    if category:
        resources = resources.filter(category=category)
    if kind:
        resources = resources.filter(kind=kind)
    if q:
        resources = resources.filter(Q(title__icontains=q) | Q(offered_by__icontains=q))
    return resources


@dataclass
class CategoryResources:
    """What a community can call on for one category of need (资源清单, one row)."""

    category: str
    label: str
    skills: list[tuple[str, int]] = field(default_factory=list)  # (skill name, volunteers)
    teams: list[str] = field(default_factory=list)
    listed: list[Resource] = field(default_factory=list)
    goods: list[tuple[str, Decimal, str]] = field(default_factory=list)  # (item, on hand, unit)


# Which love-warehouse categories of goods meet which category of need.
CATEGORY_GOODS: dict[str, frozenset[str]] = {
    Category.MATERIAL_AID: frozenset({"grain_oil", "food", "daily", "clothing"}),
    Category.MEAL: frozenset({"food", "grain_oil"}),
    Category.EMERGENCY: frozenset({"food", "clothing", "daily"}),
    Category.REPAIR: frozenset({"tools"}),
}
GOODS_SHOWN = 8


def _goods(actor, community_id: int) -> dict[str, list[tuple[str, Decimal, str]]]:
    """Goods on hand in the community's love warehouse, per warehouse category, most first."""
    if not has_perm(actor, Perm.WAREHOUSE_VIEW, community_id):
        return {}
    totals: dict[tuple[str, str, str], Decimal] = defaultdict(Decimal)
    for row in stock_on_hand(actor, community_id=community_id):
        totals[(row.category, row.item, row.unit)] += row.quantity
    goods: dict[str, list[tuple[str, Decimal, str]]] = defaultdict(list)
    for (category, item, unit), quantity in sorted(totals.items(), key=lambda kv: -kv[1]):
        goods[category].append((item, quantity, unit))
    return goods


def resource_catalogue(actor, community_id: int, *, today=None) -> list[CategoryResources]:
    """Per category: the volunteers with a fitting skill (by skill), the teams whose members
    have one, the listed resources still on offer, and the love warehouse's goods that meet it."""
    if community_id not in community_ids(actor, Perm.ORDERS_VIEW):
        raise NotFound(_("Not found."))
    today = today or timezone.localdate()
    rows = {c.value: CategoryResources(c.value, str(c.label)) for c in Category}
    skill_counts = (
        Volunteer.skills.through.objects.filter(
            volunteer__community_id=community_id, volunteer__status=Volunteer.Status.ACTIVE
        )
        .values("skill__code", "skill__name")
        .annotate(n=Count("volunteer_id"))
        .order_by("skill__name")
    )
    team_codes: dict[str, set[str]] = defaultdict(set)
    for name, code in Team.objects.filter(
        community_id=community_id,
        is_active=True,
        memberships__status="approved",
    ).values_list("name", "memberships__volunteer__skills__code"):
        if code:
            team_codes[name].add(code)
    for category, codes in CATEGORY_SKILLS.items():
        row = rows[category]
        row.skills = [(s["skill__name"], s["n"]) for s in skill_counts if s["skill__code"] in codes]
        row.teams = sorted(name for name, have in team_codes.items() if have & codes)
    listed = Resource.objects.filter(community_id=community_id, is_active=True).filter(
        Q(available_until__isnull=True) | Q(available_until__gte=today)
    )
    for resource in listed:
        rows[resource.category].listed.append(resource)
    goods = _goods(actor, community_id)
    for category, kinds in CATEGORY_GOODS.items():
        merged = [g for kind in sorted(kinds) for g in goods.get(kind, [])]
        rows[category].goods = sorted(merged, key=lambda g: -g[1])[:GOODS_SHOWN]
    return list(rows.values())


def skill_names() -> dict[str, str]:
    return dict(Skill.objects.values_list("code", "name"))


# -- orders -----------------------------------------------------------------------------------


def overdue_q(now: datetime.datetime | None = None) -> Q:
    """Orders the station has let slip: not dispatched within 2 h (emergencies) or 24 h, or not
    accepted by their due time."""
    now = now or timezone.now()
    emergency = DISPATCH_WITHIN["emergency"]
    return (
        Q(status=Status.ORDERED, urgency="emergency", created_at__lt=now - emergency)
        | Q(status=Status.ORDERED, created_at__lt=now - DISPATCH_WITHIN_DEFAULT)
        | Q(status=Status.DISPATCHED, due_at__lt=now)
    )


def order_list(
    actor,
    *,
    q: str = "",
    status: str = "",
    category: str = "",
    urgency: str = "",
    overdue: bool = False,
    person_id: int | None = None,
    volunteer_id: int | None = None,
) -> QuerySet[ServiceOrder]:
    orders = scope(ServiceOrder.objects.all(), actor, Perm.ORDERS_VIEW).select_related(
        "person", "volunteer__person", "team", "community"
    )
    if q:
        orders = orders.filter(Q(person__name__icontains=q) | Q(description__icontains=q))
    if status == "open":
        orders = orders.filter(status__in=ServiceOrder.OPEN_STATES)
    elif status:
        orders = orders.filter(status=status)
    if category:
        orders = orders.filter(category=category)
    if urgency:
        orders = orders.filter(urgency=urgency)
    if overdue:
        orders = orders.filter(overdue_q())
    if person_id is not None:
        orders = orders.filter(person_id=person_id)
    if volunteer_id is not None:
        orders = orders.filter(volunteer_id=volunteer_id)
    return orders


def order_get(actor, order_id: int) -> ServiceOrder:
    """One order for anyone who may see it: the station and street, the resident, the volunteer
    or team leader it is dispatched to."""
    order = (
        ServiceOrder.objects.select_related(
            "person__compound", "volunteer__person", "team", "need", "community", "created_by"
        )
        .filter(pk=order_id)
        .first()
    )
    if order is None:
        raise NotFound(_("Not found."))
    rel = relation(actor, order)
    if not (rel.viewer or rel.resident or rel.server):
        raise NotFound(_("Not found."))
    return order


def order_photo_get(actor, photo_id: int) -> ServiceOrderPhoto:
    """A check-out photo, for anyone who may see its order."""
    photo = ServiceOrderPhoto.objects.filter(pk=photo_id).first()
    if photo is None:
        raise NotFound(_("Not found."))
    order_get(actor, photo.order_id)
    return photo


def dispatch_choices(community_id: int) -> tuple[QuerySet[Volunteer], QuerySet[Team]]:
    """Every active volunteer and team of the community, for dispatching by hand."""
    return (
        Volunteer.objects.filter(
            community_id=community_id, status=Volunteer.Status.ACTIVE
        ).select_related("person"),
        Team.objects.filter(community_id=community_id, is_active=True),
    )


def order_is_overdue(order: ServiceOrder, now=None) -> bool:
    return ServiceOrder.objects.filter(pk=order.pk).filter(overdue_q(now)).exists()


def station_phone(community) -> str:
    """The number a resident can call instead: the community's service line, else a site's."""
    if community.service_phone:
        return community.service_phone
    sites = ServiceSite.objects.filter(community=community).exclude(phone="")
    site = sites.filter(kind=ServiceSite.Kind.SERVICE_CENTER).first() or sites.first()
    return site.phone if site else ""


def orders_of_resident(person) -> QuerySet[ServiceOrder]:
    return ServiceOrder.objects.filter(person=person).select_related("volunteer__person")


def tasks_of_volunteer(user) -> QuerySet[ServiceOrder]:
    """Orders dispatched to the user as a volunteer, or to a team they lead, still to finish."""
    return (
        ServiceOrder.objects.filter(
            Q(volunteer__user=user)
            | Q(
                team__memberships__volunteer__user=user,
                team__memberships__role="leader",
                team__memberships__status="approved",
            )
        )
        .filter(status__in=[*ServiceOrder.OPEN_STATES[1:], Status.DONE])
        .select_related("person__compound", "team", "volunteer__person")
        .distinct()
        .order_by("due_at", "pk")
    )


@dataclass(frozen=True)
class Suggestion:
    """One ranked candidate for an order, with what the page shows."""

    kind: str  # volunteer / team
    record: object
    cost: float
    reasons: tuple[matching.Reason, ...]


def order_suggestions(actor, order: ServiceOrder, limit: int = 10) -> list[Suggestion]:
    """精准对接 for one order: the eligible volunteers and teams, best first, with reasons."""
    if order.community_id not in community_ids(actor, Perm.ORDERS_MANAGE):
        raise NotFound(_("Not found."))
    ranked = matching.rank(
        matchdata.request_for(order),
        matchdata.candidates_for(order.community_id),
        limit=limit,
    )
    volunteers = Volunteer.objects.select_related("person").in_bulk(
        [r.candidate.key[1] for r in ranked if r.candidate.key[0] == "volunteer"]
    )
    teams = Team.objects.in_bulk(
        [r.candidate.key[1] for r in ranked if r.candidate.key[0] == "team"]
    )
    found = {"volunteer": volunteers, "team": teams}
    return [
        Suggestion(
            r.candidate.key[0], found[r.candidate.key[0]][r.candidate.key[1]], r.cost, r.reasons
        )
        for r in ranked
    ]


# -- the quarterly project list ---------------------------------------------------------------


@dataclass
class ProjectRow:
    """项目清单, one project per category of need: the needs, the resources that meet them, and
    what was done in the quarter."""

    category: str
    label: str
    needs_open: int = 0
    needs_new: int = 0
    needs_met: int = 0
    people: int = 0
    orders_done: int = 0
    hours: float = 0.0
    rating: float | None = None
    resources: CategoryResources | None = None

    @property
    def active(self) -> bool:
        return bool(self.needs_open or self.needs_new or self.orders_done)


def quarter_bounds(year: int, quarter: int) -> tuple[datetime.datetime, datetime.datetime]:
    return month_span(year, 3 * quarter - 2, 3)


def project_list(actor, community_id: int, year: int, quarter: int) -> list[ProjectRow]:
    """Needs grouped with the resources that meet them, per category, for one quarter."""
    catalogue = {row.category: row for row in resource_catalogue(actor, community_id)}
    start, end = quarter_bounds(year, quarter)
    rows = {
        c.value: ProjectRow(c.value, str(c.label), resources=catalogue[c.value]) for c in Category
    }
    needs = Need.objects.filter(community_id=community_id)
    for row in needs.values("category").annotate(
        open=Count("pk", filter=Q(status__in=["open", "being_met"], created_at__lt=end)),
        new=Count("pk", filter=Q(created_at__gte=start, created_at__lt=end)),
        met=Count("pk", filter=Q(status="met", updated_at__gte=start, updated_at__lt=end)),
    ):
        target = rows[row["category"]]
        target.needs_open, target.needs_new, target.needs_met = row["open"], row["new"], row["met"]
    done = ServiceOrder.objects.filter(
        community_id=community_id,
        checked_out_at__gte=start,
        checked_out_at__lt=end,
        status__in=[Status.DONE, Status.EVALUATED, Status.CLOSED],
    )
    for row in done.values("category").annotate(
        n=Count("pk"),
        people=Count("person", distinct=True),
        hours=Sum("service_record__hours"),
        rating=Avg("resident_rating"),
    ):
        target = rows[row["category"]]
        target.orders_done = row["n"]
        target.people = row["people"]
        target.hours = float(row["hours"] or 0)
        target.rating = round(row["rating"], 1) if row["rating"] is not None else None
    return list(rows.values())


# -- batch proposals --------------------------------------------------------------------------


def match_run_list(actor) -> QuerySet[MatchRun]:
    return scope(MatchRun.objects.all(), actor, Perm.ORDERS_VIEW).select_related(
        "community", "created_by"
    )


def match_run_get(actor, run_id: int) -> MatchRun:
    return get_in_scope(
        MatchRun.objects.select_related("community"), actor, Perm.ORDERS_VIEW, pk=run_id
    )


def match_lines(run: MatchRun) -> QuerySet[MatchLine]:
    return run.lines.select_related("order__person", "volunteer__person", "team").order_by("pk")
