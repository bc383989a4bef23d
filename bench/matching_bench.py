"""Batch matching benchmark (`make bench`): the optimal solver against a greedy baseline, same run.

10,000 open service orders against 5,000 volunteers (BENCH_ORDERS / BENCH_VOLUNTEERS) on a
demo-like street: ten communities of about 2 × 2 km side by side, homes clustered in compounds,
old compounds ordering more; ten skills, companionship and cleaning common, repairs, medical
escort and psychological support scarce; each volunteer free 4–9 of 21 weekly slots, 0–2 orders
already in hand and room for 2–3; orders 10% emergency, 25% within 48 h, 40% this week, the rest
flexible; a quarter name no time.

Both solvers get the same requests, candidates, weights and candidate edges (each order's 30
cheapest eligible volunteers) and are timed from those inputs to an assignment, including
building the edges. Printed: both total costs (``linli.orders.matching.objective``), their ratio,
both times and their ratio. Target: the optimum at least 10% cheaper than greedy, solved in under
20 times greedy's time. Pure Python + NumPy/SciPy: no database.
"""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from linli.orders import matching  # noqa: E402

ORDERS = int(os.environ.get("BENCH_ORDERS", "10000"))
VOLUNTEERS = int(os.environ.get("BENCH_VOLUNTEERS", "5000"))
SKILLS = [
    "companionship",
    "cleaning",
    "shopping",
    "meal_delivery",
    "haircut",
    "repair",
    "electrician",
    "medical_escort",
    "psychological",
    "legal_advice",
]
# How common each skill is among volunteers, and among orders: demand and supply do not line up.
SUPPLY = np.array([30, 22, 16, 10, 6, 5, 3, 4, 2, 2], dtype=float)
DEMAND = np.array([20, 14, 12, 12, 8, 10, 6, 10, 4, 4], dtype=float)
PRIORITY = {"emergency": 4.0, "within_48h": 2.0, "this_week": 1.5, "flexible": 1.0}


def street(orders: int, volunteers: int, seed: int = 20261123):
    rng = np.random.default_rng(seed)
    communities = 10
    compounds = []  # (x, y, age weight)
    for c in range(communities):
        cx, cy = (c % 5) * 2000.0, (c // 5) * 2000.0
        for _ in range(12):
            compounds.append(
                (cx + rng.uniform(100, 1900), cy + rng.uniform(100, 1900), rng.uniform(0.3, 3.0))
            )
    compounds = np.array(compounds)
    old = compounds[:, 2] / compounds[:, 2].sum()
    even = np.full(len(compounds), 1 / len(compounds))

    def place(weights):
        k = rng.choice(len(compounds), p=weights)
        x, y = compounds[k, :2] + rng.normal(0, 120, 2)
        return (float(x), float(y)), int(k)

    candidates = []
    for v in range(volunteers):
        location, _ = place(even)
        n_skills = int(rng.integers(1, 4))
        skills = rng.choice(len(SKILLS), size=n_skills, replace=False, p=SUPPLY / SUPPLY.sum())
        slots = rng.choice(21, size=int(rng.integers(4, 10)), replace=False)
        capacity = int(rng.integers(2, 4))
        candidates.append(
            matching.Candidate(
                key=v,
                skills=frozenset(SKILLS[s] for s in skills),
                location=location,
                availability=int(sum(1 << int(s) for s in slots)),
                load=int(rng.integers(0, 3)) if rng.random() < 0.5 else 0,
                capacity=capacity,
                rating=float(rng.uniform(3.5, 5.0)) if rng.random() < 0.7 else None,
                recent=int(rng.poisson(2)),
            )
        )
    urgencies = rng.choice(list(PRIORITY), size=orders, p=[0.1, 0.25, 0.4, 0.25])
    requests = []
    for i in range(orders):
        location, _ = place(old)
        skill = SKILLS[int(rng.choice(len(SKILLS), p=DEMAND / DEMAND.sum()))]
        slot = 0 if rng.random() < 0.25 else 1 << int(rng.integers(0, 21))
        requests.append(
            matching.Request(
                key=i,
                skill=skill,
                location=location,
                slot=slot,
                priority=PRIORITY[str(urgencies[i])],
            )
        )
    return requests, candidates


def timed(fn, *args):
    started = time.perf_counter()
    result = fn(*args)
    return result, time.perf_counter() - started


def main() -> None:
    requests, candidates = street(ORDERS, VOLUNTEERS)
    weights = matching.Weights()
    print(
        f"batch matching: {len(requests):,} orders × {len(candidates):,} volunteers "
        f"({sum(c.room for c in candidates):,} free places), 30 candidates per order"
    )
    greedy, greedy_s = timed(matching.assign_greedy, requests, candidates, weights)
    optimal, optimal_s = timed(matching.assign, requests, candidates, weights)
    assert matching.is_valid(requests, candidates, greedy.pairs)
    assert matching.is_valid(requests, candidates, optimal.pairs)
    for name, result, seconds in (("greedy", greedy, greedy_s), ("optimal", optimal, optimal_s)):
        print(
            f"  {name:8} cost {result.cost:12,.1f}  assigned {len(result.pairs):6,}  "
            f"unassigned {len(result.unassigned):5,}  {seconds:7.3f} s"
        )
    cost_ratio = optimal.cost / greedy.cost
    time_ratio = optimal_s / greedy_s
    print(
        f"  cost ratio optimal/greedy {cost_ratio:.3f} ({(1 - cost_ratio) * 100:.1f}% cheaper; "
        f"target ≥ 10%)  time ratio {time_ratio:.2f} (target < 20)"
    )
    if cost_ratio > 0.9 or time_ratio >= 20:
        print("  TARGET MISSED")


if __name__ == "__main__":
    main()
