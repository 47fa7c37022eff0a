"""How stable an allocation is: re-solve with the policy weights perturbed and see which
provinces' units move. Reproducible for a seed.

Each run multiplies every deprivation weight and the priority weight by a factor drawn
uniformly from [1 - spread, 1 + spread] (kept within the weights' own range). An
allocation (line, province) is stable when its units are the same in every run.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from darman.planning import allocation
from darman.planning.province_facts import ProvinceFacts
from darman.planning.scenario import Scenario, Weights

WEIGHT_FIELDS = ("priority", "icu_beds", "beds", "spending", "physicians", "nurses")


@dataclass(frozen=True)
class Stability:
    key: str
    code: str
    name_fa: str
    base: int
    low: int
    high: int
    stable: bool


def perturbed(scenario: Scenario, rng: np.random.Generator, spread: float) -> Scenario:
    w = scenario.weights.model_dump()
    for name in WEIGHT_FIELDS:
        moved = float(w[name]) * float(rng.uniform(1 - spread, 1 + spread))
        w[name] = min(moved, 100.0) if name == "priority" else moved
    return scenario.model_copy(update={"weights": Weights(**w)})


def analyse(
    scenario: Scenario,
    facts: list[ProvinceFacts],
    *,
    runs: int = 10,
    spread: float = 0.2,
    seed: int = 1404,
) -> list[Stability]:
    """Base allocation and its range over ``runs`` perturbed re-solves, per line and
    province; the same seed gives the same answer."""
    if not 1 <= runs <= 200 or not 0 <= spread < 1:
        raise ValueError("runs 1-200 and spread in [0, 1)")
    base_problem = allocation.prepare(scenario, facts)
    base = allocation.solve(base_problem).units
    low = [list(row) for row in base]
    high = [list(row) for row in base]
    rng = np.random.default_rng(seed)
    for _ in range(runs):
        units = allocation.solve(allocation.prepare(perturbed(scenario, rng, spread), facts)).units
        for li, row in enumerate(units):
            for p, x in enumerate(row):
                low[li][p] = min(low[li][p], x)
                high[li][p] = max(high[li][p], x)
    return [
        Stability(
            line.key,
            base_problem.codes[p],
            base_problem.names_fa[p],
            base[li][p],
            low[li][p],
            high[li][p],
            low[li][p] == high[li][p],
        )
        for li, line in enumerate(scenario.lines)
        for p in range(len(base_problem.codes))
    ]
