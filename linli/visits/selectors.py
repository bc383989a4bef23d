"""Reads about visits: each person's plan, the due and overdue list (per worker, per grid), the
visit log, and the monthly count per worker against the target."""

from __future__ import annotations

import datetime
from collections import defaultdict
from dataclasses import dataclass

from django.db.models import Count, F, Max, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from linli.accounts.models import User
from linli.accounts.roles import PERMISSIONS, Perm
from linli.core.errors import NotFound
from linli.core.periods import month_span
from linli.core.scoping import community_ids, get_in_scope, scope
from linli.people.models import Person
from linli.people.selectors import current_tag_rows, in_need_q
from linli.places.models import Grid
from linli.visits.models import GridVisitor, Visit, VisitPolicy, VisitRule
from linli.visits.rules import ADVANCED_AGE, DEFAULT_RULES, Plan, RuleSpec, plan_for

DEFAULT_MONTHLY_TARGET = 10


def rules_for(community_id: int) -> list[RuleSpec]:
    """The community's active rules, or the defaults while it has set none."""
    stored = VisitRule.objects.filter(community_id=community_id)
    if not stored.exists():
        return [
            RuleSpec(str(r.name), r.tags, r.phone_days, r.home_days, r.priority)
            for r in DEFAULT_RULES
        ]
    return [
        RuleSpec(r.name, tuple(r.tags), r.phone_days, r.home_days, r.priority, r.pk)
        for r in stored.filter(is_active=True)
    ]


def monthly_target(community_id: int) -> int:
    policy = VisitPolicy.objects.filter(community_id=community_id).first()
    return policy.monthly_target if policy else DEFAULT_MONTHLY_TARGET


def tags_of(people: list[Person], today: datetime.date) -> dict[int, set[str]]:
    """The tags each person carries today (``advanced_age`` for 80+ included)."""
    tags: dict[int, set[str]] = defaultdict(set)
    for person_id, tag in (
        current_tag_rows(today)
        .filter(person_id__in=[p.pk for p in people])
        .values_list("person_id", "tag")
    ):
        tags[person_id].add(tag)
    for person in people:
        if person.is_advanced_age:
            tags[person.pk].add(ADVANCED_AGE)
    return tags


def person_plan(person: Person, today: datetime.date | None = None) -> Plan | None:
    today = today or timezone.localdate()
    if not Person.objects.filter(pk=person.pk).filter(in_need_q(today)).exists():
        return None
    return plan_for(tags_of([person], today)[person.pk], rules_for(person.community_id))


@dataclass
class DueRow:
    """One visit owed: to whom, which kind, how often, when last, when due, who should go."""

    person: Person
    kind: str  # home / phone
    every_days: int
    rule: str
    last_at: datetime.datetime | None
    due_on: datetime.date
    worker: User | None

    @property
    def days_overdue(self) -> int:
        return (timezone.localdate() - self.due_on).days

    @property
    def overdue(self) -> bool:
        return self.days_overdue > 0


def due_list(
    actor,
    *,
    community_id: int | None = None,
    grid_id: int | None = None,
    worker_id: int | None = None,
    person_id: int | None = None,
    kind: str = "",
    within_days: int = 7,
    overdue_only: bool = False,
    today: datetime.date | None = None,
) -> list[DueRow]:
    """Visits due within ``within_days`` (and every overdue one), the most overdue first. A
    person never visited of a kind is due today. Worker = the grid's named visitor."""
    today = today or timezone.localdate()
    people = scope(Person.objects.all(), actor, Perm.VISITS_VIEW).filter(
        in_need_q(today), is_anonymised=False
    )
    if community_id is not None:
        people = people.filter(community_id=community_id)
    if grid_id is not None:
        people = people.filter(compound__grid_id=grid_id)
    if person_id is not None:
        people = people.filter(pk=person_id)
    visitors = dict(
        GridVisitor.objects.filter(
            community_id__in=community_ids(actor, Perm.VISITS_VIEW)
        ).values_list("grid_id", "worker_id")
    )
    if worker_id is not None:
        people = people.filter(
            compound__grid_id__in=[g for g, w in visitors.items() if w == worker_id]
        )
    people = list(people.select_related("compound__grid", "community"))
    tags = tags_of(people, today)
    rules = {cid: rules_for(cid) for cid in {p.community_id for p in people}}
    last: dict[tuple[int, str], datetime.datetime] = {
        (row["person_id"], row["kind"]): row["at"]
        for row in Visit.objects.filter(person_id__in=[p.pk for p in people])
        .values("person_id", "kind")
        .annotate(at=Max("visited_at"))
    }
    workers = User.objects.in_bulk(set(visitors.values()))
    horizon = today + datetime.timedelta(days=within_days)
    rows = []
    for person in people:
        plan = plan_for(tags[person.pk], rules[person.community_id])
        if plan is None:
            continue
        grid_id_of = person.compound.grid_id if person.compound else None
        for visit_kind, every in (("phone", plan.phone_days), ("home", plan.home_days)):
            if every is None or (kind and kind != visit_kind):
                continue
            last_at = last.get((person.pk, visit_kind))
            due_on = (
                timezone.localdate(last_at) + datetime.timedelta(days=every) if last_at else today
            )
            if due_on > horizon or (overdue_only and due_on >= today):
                continue
            rows.append(
                DueRow(
                    person=person,
                    kind=visit_kind,
                    every_days=every,
                    rule=plan.rule.name,
                    last_at=last_at,
                    due_on=due_on,
                    worker=workers.get(visitors.get(grid_id_of)),
                )
            )
    rows.sort(key=lambda r: (r.due_on, r.person.name, r.kind))
    return rows


def visit_list(
    actor,
    *,
    q: str = "",
    kind: str = "",
    visitor_id: int | None = None,
    person_id: int | None = None,
    since: datetime.date | None = None,
    until: datetime.date | None = None,
) -> QuerySet[Visit]:
    visits = scope(Visit.objects.all(), actor, Perm.VISITS_VIEW).select_related(
        "person", "visitor", "community"
    )
    if q:
        visits = visits.filter(Q(person__name__icontains=q) | Q(findings__icontains=q))
    if kind:
        visits = visits.filter(kind=kind)
    if visitor_id is not None:
        visits = visits.filter(visitor_id=visitor_id)
    if person_id is not None:
        visits = visits.filter(person_id=person_id)
    if since is not None:
        visits = visits.filter(visited_at__date__gte=since)
    if until is not None:
        visits = visits.filter(visited_at__date__lte=until)
    return visits


def visit_get(actor, visit_id: int) -> Visit:
    return get_in_scope(
        Visit.objects.select_related("person", "visitor", "community"),
        actor,
        Perm.VISITS_VIEW,
        pk=visit_id,
    )


@dataclass
class WorkerMonth:
    worker: User
    home: int
    phone: int
    target: int

    @property
    def total(self) -> int:
        return self.home + self.phone

    @property
    def met(self) -> bool:
        return self.total >= self.target


def month_bounds(year: int, month: int) -> tuple[datetime.datetime, datetime.datetime]:
    return month_span(year, month)


def monthly_counts(actor, community_id: int, year: int, month: int) -> list[WorkerMonth]:
    """Per worker of the community: home and phone visits in the month against the target."""
    if community_id not in community_ids(actor, Perm.VISITS_VIEW):
        raise NotFound(_("Not found."))
    start, end = month_bounds(year, month)
    counts = {
        row["visitor_id"]: row
        for row in Visit.objects.filter(
            community_id=community_id, visited_at__gte=start, visited_at__lt=end
        )
        .values("visitor_id")
        .annotate(
            home=Count("pk", filter=Q(kind="home")), phone=Count("pk", filter=Q(kind="phone"))
        )
    }
    staff = set(visit_staff(community_id).values_list("pk", flat=True))
    target = monthly_target(community_id)
    users = User.objects.in_bulk(staff | set(counts))
    rows = [
        WorkerMonth(
            users[uid],
            counts.get(uid, {}).get("home", 0),
            counts.get(uid, {}).get("phone", 0),
            target,
        )
        for uid in users
    ]
    rows.sort(key=lambda r: (-r.total, r.worker.username))
    return rows


# --- the station's settings --------------------------------------------------------------------


def stored_rules(community_id: int) -> QuerySet[VisitRule]:
    """The rules the community has made its own (none while it uses the defaults)."""
    return VisitRule.objects.filter(community_id=community_id)


def visit_staff(community_id: int) -> QuerySet[User]:
    """Who records visits in the community: the users holding ``VISITS_RECORD`` there."""
    return (
        User.objects.filter(
            memberships__community_id=community_id,
            memberships__role__in=PERMISSIONS[Perm.VISITS_RECORD],
            is_active=True,
        )
        .distinct()
        .order_by("username")
    )


def grids_with_visitors(community_id: int) -> QuerySet[Grid]:
    """The community's grids, each with ``visitor_worker_id`` (its named visitor, or None)."""
    return (
        Grid.objects.filter(community_id=community_id)
        .annotate(visitor_worker_id=F("visitor__worker_id"))
        .order_by("code")
    )


def grid_visitor_workers(community_id: int) -> QuerySet[User]:
    """The workers named as some grid's visitor in the community."""
    return (
        User.objects.filter(visit_grids__community_id=community_id).distinct().order_by("username")
    )


def visits_made(user, year: int, month: int) -> int:
    start, end = month_bounds(year, month)
    return Visit.objects.filter(visitor=user, visited_at__gte=start, visited_at__lt=end).count()
