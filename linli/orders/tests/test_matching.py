"""The pure matching core: no database, no Django — only the rules and the optimum."""

import ast
import itertools
import random
from pathlib import Path

import pytest

from linli.orders import matching
from linli.orders.matching import Candidate, Request, Weights, slot_bit

MONDAY_MORNING = slot_bit("mon", "morning")


def brute_force(requests, candidates):
    """Every assignment of each request to a candidate or to nobody; the cheapest valid one."""
    weights = Weights()
    best = None
    options = [None, *[c.key for c in candidates]]
    for choice in itertools.product(options, repeat=len(requests)):
        pairs = {r.key: c for r, c in zip(requests, choice, strict=True) if c is not None}
        if not matching.is_valid(requests, candidates, pairs):
            continue
        cost = matching.objective(requests, candidates, pairs, weights)
        if best is None or cost < best:
            best = cost
    return best


def random_case(rng: random.Random, n_requests: int, n_candidates: int):
    skills = ["repair", "haircut", "companionship"]
    candidates = [
        Candidate(
            key=f"v{j}",
            skills=frozenset(rng.sample(skills, rng.randint(1, 2))),
            location=(rng.uniform(0, 3000), rng.uniform(0, 3000)),
            service_grids=frozenset(rng.sample([1, 2, 3], rng.randint(0, 1))),
            availability=rng.choice([0, MONDAY_MORNING, slot_bit("tue", "evening")]),
            load=rng.randint(0, 1),
            capacity=rng.randint(1, 2),
            rating=rng.choice([None, 3.0, 4.5, 5.0]),
            recent=rng.randint(0, 4),
        )
        for j in range(n_candidates)
    ]
    requests = [
        Request(
            key=i,
            skill=rng.choice([*skills, None]),
            location=rng.choice([None, (rng.uniform(0, 3000), rng.uniform(0, 3000))]),
            grid=rng.choice([None, 1, 2, 3]),
            slot=rng.choice([0, MONDAY_MORNING]),
            priority=rng.choice([1.0, 1.5, 2.0, 4.0]),
        )
        for i in range(n_requests)
    ]
    return requests, candidates


def test_the_module_imports_nothing_from_django():
    tree = ast.parse(Path(matching.__file__).read_text())
    imported = {
        alias.name
        for node in ast.walk(tree)
        if isinstance(node, ast.Import)
        for alias in node.names
    } | {node.module for node in ast.walk(tree) if isinstance(node, ast.ImportFrom)}
    assert not {name for name in imported if name and name.split(".")[0] in {"django", "linli"}}


@pytest.mark.parametrize("seed", range(40))
def test_small_batches_equal_the_brute_force_optimum(seed):
    rng = random.Random(seed)
    requests, candidates = random_case(rng, rng.randint(1, 5), rng.randint(1, 4))
    result = matching.assign(requests, candidates, per_request=None)
    assert matching.is_valid(requests, candidates, result.pairs)
    assert result.cost == pytest.approx(brute_force(requests, candidates))
    assert set(result.pairs) | set(result.unassigned) == {r.key for r in requests}


@pytest.mark.parametrize("seed", range(10))
def test_greedy_is_valid_and_never_beats_the_optimum(seed):
    rng = random.Random(100 + seed)
    requests, candidates = random_case(rng, 30, 8)
    optimal = matching.assign(requests, candidates, per_request=None)
    greedy = matching.assign_greedy(requests, candidates, per_request=None)
    assert matching.is_valid(requests, candidates, greedy.pairs)
    assert optimal.cost <= greedy.cost + 1e-9


def test_capacities_are_respected_and_nobody_gets_an_order_without_the_skill():
    rng = random.Random(7)
    requests, candidates = random_case(rng, 200, 20)
    result = matching.assign(requests, candidates)
    by_key = {c.key: c for c in candidates}
    counts: dict = {}
    for request in requests:
        key = result.pairs.get(request.key)
        if key is None:
            continue
        counts[key] = counts.get(key, 0) + 1
        if request.skill:
            assert request.skill in by_key[key].skills
    assert all(counts[k] <= by_key[k].capacity - by_key[k].load for k in counts)
    # 200 requests and at most 40 places: most stay unassigned, the urgent ones first.
    assert len(result.pairs) <= sum(c.room for c in candidates)
    placed = [r.priority for r in requests if r.key in result.pairs]
    left = [r.priority for r in requests if r.key not in result.pairs]
    assert sum(placed) / len(placed) > sum(left) / len(left)


def test_a_request_nobody_can_do_stays_unassigned():
    requests = [Request(key=1, skill="legal_advice")]
    candidates = [Candidate(key="a", skills=frozenset({"repair"}))]
    result = matching.assign(requests, candidates)
    assert result.pairs == {} and result.unassigned == [1]
    assert matching.rank(requests[0], candidates) == []


def test_a_full_volunteer_is_not_offered():
    full = Candidate(key="full", skills=frozenset({"repair"}), load=3, capacity=3)
    free = Candidate(key="free", skills=frozenset({"repair"}), load=0, capacity=1)
    ranked = matching.rank(Request(key=1, skill="repair"), [full, free])
    assert [r.candidate.key for r in ranked] == ["free"]


def test_the_ranking_explains_itself_and_prefers_near_free_rested_volunteers():
    request = Request(key=1, skill="repair", location=(0, 0), slot=MONDAY_MORNING)
    near = Candidate(
        key="near", skills=frozenset({"repair"}), location=(300, 400), availability=MONDAY_MORNING
    )
    far = Candidate(
        key="far", skills=frozenset({"repair"}), location=(3000, 4000), availability=MONDAY_MORNING
    )
    busy = Candidate(
        key="busy",
        skills=frozenset({"repair"}),
        location=(300, 400),
        availability=MONDAY_MORNING,
        recent=8,
        load=2,
    )
    away = Candidate(
        key="away",
        skills=frozenset({"repair"}),
        location=(300, 400),
        availability=slot_bit("sun", "evening"),
    )
    ranked = matching.rank(request, [far, busy, away, near])
    assert [r.candidate.key for r in ranked] == ["near", "away", "busy", "far"]
    reasons = {r.code: r for r in ranked[0].reasons}
    assert reasons["distance"].value == 0.5
    assert reasons["distance"].cost == pytest.approx(0.5)
    assert "available" in reasons and reasons["skill"].value == "repair"
    assert {r.code for r in ranked[1].reasons} >= {"unavailable"}
    busy_reasons = {r.code: r for r in ranked[2].reasons}
    assert busy_reasons["recent"].cost == pytest.approx(0.8)
    assert busy_reasons["load"].cost == pytest.approx(1.0)


def test_a_request_in_the_volunteers_service_area_costs_no_distance():
    request = Request(key=1, location=(5000, 5000), grid="g1")
    local = Candidate(key="local", location=(0, 0), service_grids=frozenset({"g1"}))
    ranked = matching.rank(request, [local])
    assert {r.code: r.cost for r in ranked[0].reasons}["area"] == 0.0
    assert "distance" not in {r.code for r in ranked[0].reasons}


def test_batch_work_is_spread_rather_than_piled_on_one_volunteer():
    # Two equally good volunteers, four requests: the convex load cost gives two each.
    requests = [Request(key=i, location=(0, 0)) for i in range(4)]
    candidates = [
        Candidate(key="a", location=(0, 0), capacity=4),
        Candidate(key="b", location=(100, 0), capacity=4),
    ]
    result = matching.assign(requests, candidates)
    assert sorted(result.pairs.values()) == ["a", "a", "b", "b"]


def test_the_optimum_beats_greedy_where_greedy_takes_the_shared_volunteer_first():
    # The urgent repair takes "near" under greedy although "spare" serves it almost as well;
    # the haircut, which only "near" can do, then has nobody. The optimum serves both.
    requests = [
        Request(key="urgent", skill="repair", location=(0, 0), priority=2.0),
        Request(key="later", skill="haircut", location=(0, 200), priority=1.0),
    ]
    candidates = [
        Candidate(
            key="near", skills=frozenset({"repair", "haircut"}), location=(0, 100), capacity=1
        ),
        Candidate(key="spare", skills=frozenset({"repair"}), location=(0, -300), capacity=1),
    ]
    weights = Weights(unassigned=1.0)
    greedy = matching.assign_greedy(requests, candidates, weights)
    optimal = matching.assign(requests, candidates, weights)
    assert greedy.pairs == {"urgent": "near"}
    assert optimal.pairs == {"urgent": "spare", "later": "near"}
    assert optimal.cost < greedy.cost


def test_an_empty_batch_is_empty():
    assert matching.assign([], []).pairs == {}
    assert matching.assign_greedy([], []).pairs == {}


def test_availability_masks_read_the_volunteer_form():
    mask = matching.availability_mask({"mon": ["morning"], "sun": ["evening"], "xx": ["noon"]})
    assert mask == MONDAY_MORNING | slot_bit("sun", "evening")
