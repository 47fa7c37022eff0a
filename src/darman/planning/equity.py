"""Equity of one resource against one population across provinces, from the province facts:
per 10,000, ratio to the national mean, units short of a norm, and the Gini, Theil T and
Theil L with the Lorenz curve, each with and without Tehran. Pure: facts in, report out.

Need weighting counts every insured person over 60 ``NEED_WEIGHT_OVER_60`` times (default
3: older people use hospital beds several times as much as the rest), with each
province's share over 60 read from its insured people (the census figure carries no age),
rescaled so the national total stays the same: a province with an older population needs
more for the same head count, a younger one less.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from darman.planning import indices
from darman.planning.enums import Population, Resource
from darman.planning.province_facts import ProvinceFacts

TEHRAN = "08"
NEED_WEIGHT_OVER_60 = 3.0


def resource_of(f: ProvinceFacts, resource: Resource, ownership: str | None = None) -> float:
    if resource is Resource.BEDS_1396:
        return float(f.beds_1396)
    if resource is Resource.ICU_BEDS_1396:
        return float(f.icu_beds_1396)
    if resource is Resource.SPENDING:
        return float(f.spending_rials)
    return float(f.units(resource.value, ownership))


def population_of(f: ProvinceFacts, population: Population) -> float:
    return float(f.population if population is Population.TOTAL else f.insured)


def populations(
    facts: list[ProvinceFacts],
    population: Population,
    *,
    need_weighted: bool = False,
    weight_over_60: float = NEED_WEIGHT_OVER_60,
) -> list[float]:
    """Each province's population, need-weighted when asked: a province's head count times
    ``1 + (weight - 1) x share over 60``, rescaled so the national total is unchanged (an
    older province counts for more, a younger one for less, and a norm per 10,000 people
    keeps its meaning). A province with no insured takes the national share over 60."""
    people = [population_of(f, population) for f in facts]
    if not need_weighted:
        return people
    insured = sum(f.insured for f in facts)
    national_share = sum(f.insured_over_60 for f in facts) / insured if insured else 0.0
    factors = [
        1
        + (weight_over_60 - 1)
        * (f.share_over_60 if f.share_over_60 is not None else national_share)
        for f in facts
    ]
    total = sum(people)
    mean = sum(p * k for p, k in zip(people, factors, strict=True)) / total if total else 1.0
    return [p * k / mean for p, k in zip(people, factors, strict=True)]


@dataclass(frozen=True)
class Inequality:
    gini: float
    theil_t: float
    theil_l: float | None  # None: a province with people has none of it (infinite)
    national_per_10k: float
    units_to_norm: int
    lorenz: indices.Lorenz


@dataclass(frozen=True)
class EquityRow:
    code: str
    name_fa: str
    resource: float
    population: float
    per_10k: float | None
    ratio_to_mean: float | None
    shortfall: int  # units to reach the norm
    rank: int  # 1 = lowest per 10,000


@dataclass(frozen=True)
class EquityReport:
    resource: Resource
    population: Population
    ownership: str | None
    need_weighted: bool
    norm_per_10k: float  # the norm used: given, or the national ratio
    norm_is_national: bool
    rows: list[EquityRow]  # province-code order
    all_provinces: Inequality
    without_tehran: Inequality


def _inequality(resource: list[float], people: list[float], norm: float) -> Inequality:
    theil_l = indices.theil_l(resource, people)
    return Inequality(
        gini=indices.gini(resource, people),
        theil_t=indices.theil_t(resource, people),
        theil_l=None if math.isinf(theil_l) else theil_l,
        national_per_10k=indices.national_ratio(resource, people),
        units_to_norm=sum(
            indices.shortfall(r, p, norm) for r, p in zip(resource, people, strict=True)
        ),
        lorenz=indices.lorenz(resource, people),
    )


def report(
    facts: list[ProvinceFacts],
    *,
    resource: Resource,
    population: Population = Population.TOTAL,
    ownership: str | None = None,
    need_weighted: bool = False,
    norm_per_10k: float | None = None,
    weight_over_60: float = NEED_WEIGHT_OVER_60,
) -> EquityReport:
    """The equity of ``resource`` (owned, contracted or both) per ``population`` head.

    Without ``norm_per_10k`` the norm is the national ratio, so the shortfall is what it
    would take to bring every province up to the national level. Raises ValueError when
    the population is empty."""
    have = [f for f in facts if population_of(f, population) > 0]
    res = [resource_of(f, resource, ownership) for f in have]
    ppl = populations(have, population, need_weighted=need_weighted, weight_over_60=weight_over_60)
    national = indices.national_ratio(res, ppl)
    norm = national if norm_per_10k is None else norm_per_10k
    ratios = indices.ratio_to_mean(res, ppl)
    per = [indices.per_10k(r, p) for r, p in zip(res, ppl, strict=True)]
    order = sorted(range(len(have)), key=lambda i: (per[i] if per[i] is not None else 0, i))
    rank = {i: n for n, i in enumerate(order, start=1)}
    rows = [
        EquityRow(
            code=f.code,
            name_fa=f.name_fa,
            resource=res[i],
            population=ppl[i],
            per_10k=per[i],
            ratio_to_mean=ratios[i],
            shortfall=indices.shortfall(res[i], ppl[i], norm),
            rank=rank[i],
        )
        for i, f in enumerate(have)
    ]
    keep = [i for i, f in enumerate(have) if f.code != TEHRAN]
    return EquityReport(
        resource=resource,
        population=population,
        ownership=ownership,
        need_weighted=need_weighted,
        norm_per_10k=norm,
        norm_is_national=norm_per_10k is None,
        rows=rows,
        all_provinces=_inequality(res, ppl, norm),
        without_tehran=_inequality([res[i] for i in keep], [ppl[i] for i in keep], norm),
    )
