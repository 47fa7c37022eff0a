"""A deprivation ranking of provinces: a weighted composite of relative shortfalls, with
each component's contribution shown. Pure: facts in, ranking out.

A component is a resource against a population. A province's shortfall on it is how far
its ratio falls below the national mean, as a share of the mean (0 at or above the mean,
1 when it has none): ``max(0, 1 - ratio / national ratio)``. The composite is the
weighted mean of the shortfalls, so it runs from 0 (nowhere below the mean) to 1.

Default weights (``DEFAULT_COMPONENTS``), chosen for the seeds' emphasis on beds, intensive
care and treatment spending per insured person:

* intensive-care beds of the whole province per 10,000 people (national statistics): 0.30
* active beds of the whole province per 10,000 people (national statistics): 0.20
* the insurer's treatment spending per insured person (adjudicated claims): 0.20
* physicians in registered centres per 10,000 insured: 0.15
* nurses in registered centres per 10,000 insured: 0.15
"""

from __future__ import annotations

from dataclasses import dataclass

from darman.planning import indices
from darman.planning.enums import Population, Resource
from darman.planning.equity import population_of, resource_of
from darman.planning.province_facts import ProvinceFacts


@dataclass(frozen=True)
class Component:
    resource: Resource
    population: Population
    weight: float


DEFAULT_COMPONENTS = (
    Component(Resource.ICU_BEDS_1396, Population.TOTAL, 0.30),
    Component(Resource.BEDS_1396, Population.TOTAL, 0.20),
    Component(Resource.SPENDING, Population.INSURED, 0.20),
    Component(Resource.PHYSICIANS, Population.INSURED, 0.15),
    Component(Resource.NURSES, Population.INSURED, 0.15),
)


def components_with(
    *,
    icu_beds: float = 0.30,
    beds: float = 0.20,
    spending: float = 0.20,
    physicians: float = 0.15,
    nurses: float = 0.15,
) -> tuple[Component, ...]:
    """The default components with other weights (they need not sum to one)."""
    weights = (icu_beds, beds, spending, physicians, nurses)
    return tuple(
        Component(c.resource, c.population, w)
        for c, w in zip(DEFAULT_COMPONENTS, weights, strict=True)
    )


@dataclass(frozen=True)
class Contribution:
    resource: Resource
    population: Population
    weight: float
    ratio_to_mean: float | None
    shortfall: float  # 0..1
    contribution: float  # weight x shortfall / total weight


@dataclass(frozen=True)
class DeprivationRow:
    rank: int  # 1 = most deprived
    code: str
    name_fa: str
    score: float
    components: list[Contribution]


def rank(
    facts: list[ProvinceFacts], components: tuple[Component, ...] = DEFAULT_COMPONENTS
) -> list[DeprivationRow]:
    """Provinces from the most deprived down; ties by province code. Raises ValueError for
    no components, a negative weight or weights summing to zero."""
    if not components:
        raise ValueError("name at least one component")
    if any(c.weight < 0 for c in components) or sum(c.weight for c in components) <= 0:
        raise ValueError("weights must not be negative and must not all be zero")
    total = sum(c.weight for c in components)
    ratios: list[list[float | None]] = []
    for c in components:
        res = [resource_of(f, c.resource) for f in facts]
        ppl = [population_of(f, c.population) for f in facts]
        if sum(ppl) <= 0 or sum(res) <= 0:  # nothing known of it: it cannot tell apart
            ratios.append([None] * len(facts))
        else:
            ratios.append(indices.ratio_to_mean(res, ppl))
    scored = []
    for i, f in enumerate(facts):
        parts = []
        for c, rs in zip(components, ratios, strict=True):
            r = rs[i]
            short = 0.0 if r is None else max(0.0, 1.0 - r)
            parts.append(
                Contribution(c.resource, c.population, c.weight, r, short, c.weight * short / total)
            )
        scored.append((sum(p.contribution for p in parts), f, parts))
    scored.sort(key=lambda s: (-s[0], s[1].code))
    return [
        DeprivationRow(n, f.code, f.name_fa, score, parts)
        for n, (score, f, parts) in enumerate(scored, start=1)
    ]
