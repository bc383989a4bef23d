"""Matching service orders to volunteers and teams (精准对接) — the pure core.

No Django here: plain data in, plain data out, so the rules can be read and tested on their own
(`tests/test_matching.py`) and benchmarked at street scale (`bench/matching_bench.py`). The Django
side (`services/matching.py`) turns orders and volunteers into :class:`Request` and
:class:`Candidate` and turns the result back into a proposal the station reviews.

The cost of giving request *r* to candidate *c* (lower is better; one unit ≈ one kilometre walked):

* **skill** — a request that names a skill goes only to candidates who have it (a hard rule);
* **distance** — kilometres from the candidate's home to the request, or nothing when the request's
  grid is in the candidate's service area; an unknown place counts as ``unknown_distance_km``;
* **availability** — ``unavailable`` when the candidate is not usually free at the requested time
  (half of it when their availability is unknown);
* **load** — ``load`` per order the candidate already holds; in a batch the *j*-th new order of a
  candidate costs ``load × (current + j)``, so work spreads (the cost is convex, so the optimum
  fills a candidate's cheaper places first);
* **rating** — ``rating × (5 − recent average)`` (3.5 when not yet rated);
* **fairness** — ``fairness`` per order the candidate served recently, so the same few are not
  always chosen.

A candidate never gets more than ``capacity − load`` new orders. A request left unassigned costs
``unassigned × priority`` (more urgent requests carry a higher priority), so the solver leaves out
the least urgent first when places run short, and never assigns at a cost above that.

:func:`assign` finds the minimum total cost exactly (a sparse rectangular assignment: each
candidate's free places are columns, plus one "unassigned" column per request) over each request's
``per_request`` cheapest candidates (all of them when ``None``). :func:`assign_greedy` is the
baseline a dispatcher would do by hand: most urgent first, each to its cheapest candidate with room.
"""

from __future__ import annotations

import math
from collections.abc import Hashable, Sequence
from dataclasses import dataclass, field

import numpy as np
from scipy.sparse import csr_array
from scipy.sparse.csgraph import min_weight_full_bipartite_matching

WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
PERIODS = ("morning", "afternoon", "evening")
NEUTRAL_RATING = 3.5


def slot_bit(weekday: str, period: str) -> int:
    """The bit of one (weekday, period) in an availability mask."""
    return 1 << (WEEKDAYS.index(weekday) * len(PERIODS) + PERIODS.index(period))


def availability_mask(availability: dict[str, Sequence[str]]) -> int:
    """``{"mon": ["morning"]}`` → a bit mask (0 = unknown)."""
    mask = 0
    for day, periods in availability.items():
        for period in periods:
            if day in WEEKDAYS and period in PERIODS:
                mask |= slot_bit(day, period)
    return mask


@dataclass(frozen=True)
class Weights:
    """How much each consideration costs; a station may tune them."""

    distance_per_km: float = 1.0
    unknown_distance_km: float = 2.0
    unavailable: float = 1.5
    load: float = 0.5
    rating: float = 0.3
    fairness: float = 0.1
    fairness_cap: int = 10
    unassigned: float = 6.0


@dataclass(frozen=True)
class Request:
    """One order to place. ``location`` is (x, y) in metres on a local plane."""

    key: Hashable
    skill: str | None = None
    location: tuple[float, float] | None = None
    grid: Hashable | None = None
    slot: int = 0  # a slot_bit(), or 0 for "any time"
    priority: float = 1.0


@dataclass(frozen=True)
class Candidate:
    """A volunteer or a team that could take orders."""

    key: Hashable
    skills: frozenset[str] = frozenset()
    location: tuple[float, float] | None = None
    service_grids: frozenset = frozenset()
    availability: int = 0  # availability_mask(), 0 = unknown
    load: int = 0
    capacity: int = 3
    rating: float | None = None
    recent: int = 0

    @property
    def room(self) -> int:
        return max(self.capacity - self.load, 0)


@dataclass(frozen=True)
class Reason:
    """One line of "why": a code the page translates, the fact, and what it cost."""

    code: str  # skill / area / distance / available / unavailable / load / rating / recent
    value: float | str | None
    cost: float


@dataclass(frozen=True)
class Ranked:
    candidate: Candidate
    cost: float
    reasons: tuple[Reason, ...]


@dataclass
class Assignment:
    """The outcome of a batch: request key → candidate key, the unplaced, and the total cost."""

    pairs: dict[Hashable, Hashable] = field(default_factory=dict)
    unassigned: list[Hashable] = field(default_factory=list)
    cost: float = 0.0


# -- one request ------------------------------------------------------------------------------


def eligible(request: Request, candidate: Candidate) -> bool:
    """The hard rules: the skill, and room for one more order."""
    if request.skill is not None and request.skill not in candidate.skills:
        return False
    return candidate.room > 0


def base_cost(request: Request, candidate: Candidate, weights: Weights = Weights()) -> float:
    """Everything but load: distance, availability, rating, fairness."""
    return sum(reason.cost for reason in _reasons(request, candidate, weights))


def _distance_km(request: Request, candidate: Candidate, weights: Weights) -> float:
    if request.location is None or candidate.location is None:
        return weights.unknown_distance_km
    dx = request.location[0] - candidate.location[0]
    dy = request.location[1] - candidate.location[1]
    return math.hypot(dx, dy) / 1000.0


def _reasons(request: Request, candidate: Candidate, weights: Weights) -> list[Reason]:
    reasons = []
    if request.skill is not None:
        reasons.append(Reason("skill", request.skill, 0.0))
    if request.grid is not None and request.grid in candidate.service_grids:
        reasons.append(Reason("area", None, 0.0))
    else:
        km = _distance_km(request, candidate, weights)
        reasons.append(Reason("distance", round(km, 2), km * weights.distance_per_km))
    if request.slot:
        if candidate.availability == 0:
            reasons.append(Reason("unknown_availability", None, weights.unavailable / 2))
        elif candidate.availability & request.slot:
            reasons.append(Reason("available", None, 0.0))
        else:
            reasons.append(Reason("unavailable", None, weights.unavailable))
    rating = NEUTRAL_RATING if candidate.rating is None else candidate.rating
    reasons.append(Reason("rating", candidate.rating, (5.0 - rating) * weights.rating))
    recent = min(candidate.recent, weights.fairness_cap)
    reasons.append(Reason("recent", candidate.recent, recent * weights.fairness))
    return reasons


def rank(
    request: Request,
    candidates: Sequence[Candidate],
    weights: Weights = Weights(),
    limit: int | None = None,
) -> list[Ranked]:
    """The eligible candidates for one request, cheapest first, each with its reasons."""
    ranked = []
    for candidate in candidates:
        if not eligible(request, candidate):
            continue
        reasons = _reasons(request, candidate, weights)
        reasons.append(Reason("load", candidate.load, candidate.load * weights.load))
        cost = sum(r.cost for r in reasons)
        ranked.append(Ranked(candidate, cost, tuple(reasons)))
    ranked.sort(key=lambda r: (r.cost, str(r.candidate.key)))
    return ranked[:limit] if limit is not None else ranked


# -- many requests ----------------------------------------------------------------------------


def objective(
    requests: Sequence[Request],
    candidates: Sequence[Candidate],
    pairs: dict[Hashable, Hashable],
    weights: Weights = Weights(),
) -> float:
    """The total cost of an assignment (the quantity :func:`assign` minimises)."""
    by_key = {c.key: c for c in candidates}
    added: dict[Hashable, int] = {}
    total = 0.0
    for request in requests:
        key = pairs.get(request.key)
        if key is None:
            total += weights.unassigned * request.priority
            continue
        candidate = by_key[key]
        j = added.get(key, 0)
        added[key] = j + 1
        total += base_cost(request, candidate, weights)
        total += weights.load * (candidate.load + j)
    return total


def is_valid(
    requests: Sequence[Request], candidates: Sequence[Candidate], pairs: dict[Hashable, Hashable]
) -> bool:
    """Every pair respects skills and capacities, and names known requests and candidates."""
    by_key = {c.key: c for c in candidates}
    requests_by_key = {r.key: r for r in requests}
    used: dict[Hashable, int] = {}
    for request_key, candidate_key in pairs.items():
        request = requests_by_key.get(request_key)
        candidate = by_key.get(candidate_key)
        if request is None or candidate is None:
            return False
        if request.skill is not None and request.skill not in candidate.skills:
            return False
        used[candidate_key] = used.get(candidate_key, 0) + 1
        if used[candidate_key] > candidate.room:
            return False
    return True


@dataclass
class _Edges:
    """The candidate edges of a batch, as flat arrays (request index, candidate index, cost)."""

    rows: np.ndarray
    cols: np.ndarray
    costs: np.ndarray


def candidate_edges(
    requests: Sequence[Request],
    candidates: Sequence[Candidate],
    weights: Weights = Weights(),
    per_request: int | None = 30,
) -> _Edges:
    """For each request, its eligible candidates (the ``per_request`` cheapest), with base costs.

    Vectorised per skill: one cost matrix of (requests needing the skill) × (candidates having it).
    """
    room = np.array([c.room for c in candidates], dtype=np.int64)
    open_idx = np.flatnonzero(room > 0)
    cand_xy = np.array(
        [c.location if c.location is not None else (np.nan, np.nan) for c in candidates],
        dtype=float,
    ).reshape(len(candidates), 2)
    cand_avail = np.array([c.availability for c in candidates], dtype=np.int64)
    ratings = np.array(
        [NEUTRAL_RATING if c.rating is None else c.rating for c in candidates], dtype=float
    )
    recent = np.minimum(np.array([c.recent for c in candidates], dtype=float), weights.fairness_cap)
    fixed = (5.0 - ratings) * weights.rating + recent * weights.fairness

    groups: dict[str | None, list[int]] = {}
    for i, request in enumerate(requests):
        groups.setdefault(request.skill, []).append(i)

    rows, cols, costs = [], [], []
    for skill, request_idx in groups.items():
        if skill is None:
            cand_idx = open_idx
        else:
            cand_idx = np.array(
                [j for j in open_idx if skill in candidates[j].skills], dtype=np.int64
            )
        if cand_idx.size == 0:
            continue
        req = [requests[i] for i in request_idx]
        for start in range(0, len(req), 512):  # bounded memory: 512 × candidates at a time
            chunk = req[start : start + 512]
            chunk_idx = np.array(request_idx[start : start + 512], dtype=np.int64)
            cost = _cost_matrix(chunk, candidates, cand_idx, cand_xy, cand_avail, weights)
            cost += fixed[cand_idx][None, :]
            k = cand_idx.size if per_request is None else min(per_request, cand_idx.size)
            if k < cand_idx.size:
                best = np.argpartition(cost, k - 1, axis=1)[:, :k]
            else:
                best = np.broadcast_to(np.arange(cand_idx.size), (len(chunk), k))
            rows.append(np.repeat(chunk_idx, k))
            cols.append(cand_idx[best].ravel())
            costs.append(np.take_along_axis(cost, best, axis=1).ravel())
    if not rows:
        empty = np.empty(0, dtype=np.int64)
        return _Edges(empty, empty, np.empty(0))
    return _Edges(np.concatenate(rows), np.concatenate(cols), np.concatenate(costs))


def _cost_matrix(chunk, candidates, cand_idx, cand_xy, cand_avail, weights) -> np.ndarray:
    req_xy = np.array(
        [r.location if r.location is not None else (np.nan, np.nan) for r in chunk], dtype=float
    ).reshape(len(chunk), 2)
    diff = req_xy[:, None, :] - cand_xy[cand_idx][None, :, :]
    km = np.hypot(diff[..., 0], diff[..., 1]) / 1000.0
    km = np.where(np.isnan(km), weights.unknown_distance_km, km)
    in_area = np.zeros((len(chunk), cand_idx.size), dtype=bool)
    areas = [candidates[j].service_grids for j in cand_idx]
    if any(areas):
        for row, request in enumerate(chunk):
            if request.grid is not None:
                in_area[row] = [request.grid in area for area in areas]
    cost = np.where(in_area, 0.0, km * weights.distance_per_km)
    slots = np.array([r.slot for r in chunk], dtype=np.int64)[:, None]
    avail = cand_avail[cand_idx][None, :]
    unavailable = np.where(
        avail == 0, weights.unavailable / 2, np.where(avail & slots, 0.0, weights.unavailable)
    )
    return cost + np.where(slots == 0, 0.0, unavailable)


def assign(
    requests: Sequence[Request],
    candidates: Sequence[Candidate],
    weights: Weights = Weights(),
    per_request: int | None = 30,
) -> Assignment:
    """The minimum-cost assignment, capacities respected (exact over the candidate edges)."""
    n = len(requests)
    if n == 0:
        return Assignment()
    edges = candidate_edges(requests, candidates, weights, per_request)
    priority = np.array([r.priority for r in requests], dtype=float)
    unassigned_cost = weights.unassigned * priority

    # Drop edges dearer than leaving the request out: the optimum never uses them.
    keep = (
        edges.costs + weights.load * np.array([c.load for c in candidates])[edges.cols]
        < (unassigned_cost[edges.rows])
    )
    rows, cols, costs = edges.rows[keep], edges.cols[keep], edges.costs[keep]

    # A candidate's places are columns; place j costs load × (current load + j). A candidate
    # needs no more places than requests that could go to it.
    loads = np.array([c.load for c in candidates], dtype=np.int64)
    room = np.array([c.room for c in candidates], dtype=np.int64)
    demand = np.bincount(cols, minlength=len(candidates))
    places = np.minimum(room, demand)
    first_place = np.concatenate(([0], np.cumsum(places)[:-1]))
    total_places = int(places.sum())

    edge_places = places[cols]
    rep_rows = np.repeat(rows, edge_places)
    rep_cands = np.repeat(cols, edge_places)
    offsets = np.arange(edge_places.sum()) - np.repeat(
        np.cumsum(edge_places) - edge_places, edge_places
    )
    rep_cols = first_place[rep_cands] + offsets
    rep_costs = np.repeat(costs, edge_places) + weights.load * (loads[rep_cands] + offsets)

    # One "unassigned" column per request. Costs shift by +1 so none is zero (a zero would read as
    # "no edge"); every request takes exactly one column, so the shift does not move the optimum.
    all_rows = np.concatenate((rep_rows, np.arange(n)))
    all_cols = np.concatenate((rep_cols, total_places + np.arange(n)))
    all_costs = np.concatenate((rep_costs, unassigned_cost)) + 1.0
    graph = csr_array((all_costs, (all_rows, all_cols)), shape=(n, total_places + n))
    row_ind, col_ind = min_weight_full_bipartite_matching(graph)

    place_owner = np.repeat(np.arange(len(candidates)), places)
    result = Assignment()
    for i, col in zip(row_ind.tolist(), col_ind.tolist(), strict=True):
        if col >= total_places:
            result.unassigned.append(requests[i].key)
        else:
            result.pairs[requests[i].key] = candidates[place_owner[col]].key
    result.cost = objective(requests, candidates, result.pairs, weights)
    return result


def assign_greedy(
    requests: Sequence[Request],
    candidates: Sequence[Candidate],
    weights: Weights = Weights(),
    per_request: int | None = 30,
) -> Assignment:
    """The baseline: most urgent request first, each to its cheapest candidate that still has room
    (and not at all when that costs more than leaving it out)."""
    edges = candidate_edges(requests, candidates, weights, per_request)
    order = np.lexsort((edges.costs, edges.rows))
    starts = np.searchsorted(edges.rows[order], np.arange(len(requests) + 1))
    cols = edges.cols[order].tolist()
    costs = edges.costs[order].tolist()
    added = [0] * len(candidates)
    room = [c.room for c in candidates]
    loads = [c.load for c in candidates]
    result = Assignment()
    sequence = sorted(range(len(requests)), key=lambda i: -requests[i].priority)
    for i in sequence:
        best, best_cost = None, weights.unassigned * requests[i].priority
        for e in range(starts[i], starts[i + 1]):
            j = cols[e]
            if added[j] < room[j]:
                cost = costs[e] + weights.load * (loads[j] + added[j])
                if cost < best_cost:
                    best, best_cost = j, cost
        if best is None:
            result.unassigned.append(requests[i].key)
        else:
            added[best] += 1
            result.pairs[requests[i].key] = candidates[best].key
    result.cost = objective(requests, candidates, result.pairs, weights)
    return result
