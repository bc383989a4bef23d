"""Batch dispatch (批量派单): the solver proposes, the station reviews, then applies or discards.

A proposal is stored (``MatchRun`` + one ``MatchLine`` per order it places, with the cost and the
reasons), so the station can read it, untick lines, and apply it later. Applying dispatches each
ticked line whose order is still waiting; lines whose order moved on meanwhile are skipped and
reported, never forced.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from linli.accounts.roles import Perm
from linli.core import audit
from linli.core.errors import Conflict, NotFound, ValidationFailed
from linli.core.scoping import get_in_scope, require
from linli.orders import matchdata, matching
from linli.orders.models import MatchLine, MatchRun, ServiceOrder
from linli.orders.services.orders import order_dispatch

MAX_BATCH = 2000


def match_propose(*, actor, community_id: int, order_ids: list[int] | None = None) -> MatchRun:
    """Propose an optimal dispatch of the community's waiting orders (or the chosen ones).

    The orders and candidates are read and the solver runs *before* the write transaction: on
    SQLite a transaction holds the one write lock from its start, and every other writer of the
    street would wait for the solver (seconds for a large batch). A proposal is only a proposal:
    applying it re-checks each order and skips those that moved on meanwhile."""
    require(actor, Perm.ORDERS_MANAGE, community_id)
    orders = ServiceOrder.objects.filter(
        community_id=community_id, status=ServiceOrder.Status.ORDERED
    ).select_related("person__compound")
    if order_ids is not None:
        orders = orders.filter(pk__in=order_ids)
    orders = list(orders.order_by("created_at", "pk")[: MAX_BATCH + 1])
    if not orders:
        raise ValidationFailed(_("No order is waiting to be dispatched."))
    if len(orders) > MAX_BATCH:
        raise ValidationFailed(_("At most %(n)d orders at once; choose some.") % {"n": MAX_BATCH})
    requests = [matchdata.request_for(order) for order in orders]
    candidates = matchdata.candidates_for(community_id)
    optimal = matching.assign(requests, candidates)
    greedy = matching.assign_greedy(requests, candidates)
    by_request = {r.key: r for r in requests}
    by_candidate = {c.key: c for c in candidates}
    lines = []
    for order_id, key in optimal.pairs.items():
        reasons = matching.rank(by_request[order_id], [by_candidate[key]])[0].reasons
        lines.append(
            MatchLine(
                order_id=order_id,
                volunteer_id=key[1] if key[0] == "volunteer" else None,
                team_id=key[1] if key[0] == "team" else None,
                cost=round(sum(r.cost for r in reasons), 3),
                reasons=[[r.code, r.value, round(r.cost, 3)] for r in reasons],
            )
        )
    with transaction.atomic():
        run = MatchRun.objects.create(
            community_id=community_id,
            orders_considered=len(orders),
            total_cost=round(optimal.cost, 3),
            greedy_cost=round(greedy.cost, 3),
            created_by=actor,
        )
        for line in lines:
            line.run = run
        MatchLine.objects.bulk_create(lines)
        audit.record(actor, "match.propose", run, orders=len(orders), placed=len(lines))
    return run


@dataclass
class Applied:
    run: MatchRun
    dispatched: list[int] = field(default_factory=list)
    skipped: list[int] = field(default_factory=list)  # order ids that had moved on


def _locked_run(actor, run_id: int) -> MatchRun:
    run = get_in_scope(MatchRun.objects.select_for_update(), actor, Perm.ORDERS_VIEW, pk=run_id)
    require(actor, Perm.ORDERS_MANAGE, run.community_id)
    if run.status != MatchRun.Status.PROPOSED:
        raise Conflict(_("This proposal has already been applied or discarded."))
    return run


@transaction.atomic
def match_apply(*, actor, run_id: int, line_ids: list[int] | None = None) -> Applied:
    """Dispatch the chosen lines (all when ``None``) of a proposal the station has reviewed."""
    run = _locked_run(actor, run_id)
    lines = run.lines.order_by("pk")
    if line_ids is not None:
        lines = lines.filter(pk__in=line_ids)
    result = Applied(run)
    for line in lines:
        try:
            with transaction.atomic():
                order_dispatch(
                    actor=actor,
                    order_id=line.order_id,
                    volunteer_id=line.volunteer_id,
                    team_id=line.team_id,
                    note=_("Batch dispatch #%(run)d") % {"run": run.pk},
                )
        except (Conflict, NotFound, ValidationFailed):
            result.skipped.append(line.order_id)
            continue
        line.applied = True
        line.save(update_fields=["applied"])
        result.dispatched.append(line.order_id)
    run.status, run.decided_at = MatchRun.Status.APPLIED, timezone.now()
    run.save(update_fields=["status", "decided_at"])
    audit.record(
        actor, "match.apply", run, dispatched=len(result.dispatched), skipped=len(result.skipped)
    )
    return result


@transaction.atomic
def match_discard(*, actor, run_id: int) -> MatchRun:
    run = _locked_run(actor, run_id)
    run.status, run.decided_at = MatchRun.Status.DISCARDED, timezone.now()
    run.save(update_fields=["status", "decided_at"])
    audit.record(actor, "match.discard", run)
    return run
