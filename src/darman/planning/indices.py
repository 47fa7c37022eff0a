"""Inequality of a resource across provinces: population-weighted Gini with its Lorenz curve,
Theil's T and L (mean log deviation), shortfall against a norm. Pure NumPy, no I/O.

Every function takes, per province, the resource held (beds, scanners, physicians ...)
and the population it serves. A province is then a group of people who all have the
province's ratio ``resource / population``; the indices are those of that distribution
over people, so a populous province weighs as much as its people.

* Gini: one minus twice the area under the Lorenz curve, the curve running through the
  points (share of people, share of the resource) with provinces ordered from the lowest
  ratio to the highest. 0 is an equal ratio everywhere; it approaches 1 when one small
  province holds everything.
* Theil T (GE(1)): sum over provinces of s ln(s / p), s the resource share and p the
  population share. Sensitive to the top; a province with none of the resource adds 0.
* Theil L (mean log deviation, GE(0)): sum of p ln(p / s); sensitive to the bottom and
  infinite when a province with people has none of the resource.

References used by the tests: the Gini and MLD examples documented with R's ``ineq``
family (``Gini(c(1,3,2,1,1,1,4)) = 0.3076923``; nine people with 10 and one with 100
give 0.4263158; REAT's ``theil(c(10,10,10,20,50)) = 0.2326302``, Stoermann 2009, which is
the mean log deviation) and the textbook values for the exponential distribution (Gini
1/2, Theil T 1 - Euler's gamma).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

Floats = NDArray[np.float64]


def _arrays(resource: Sequence[float], population: Sequence[float]) -> tuple[Floats, Floats]:
    r = np.asarray(resource, dtype=np.float64)
    p = np.asarray(population, dtype=np.float64)
    if r.shape != p.shape or r.ndim != 1:
        raise ValueError("resource and population need one value per province each")
    if len(r) == 0:
        raise ValueError("no provinces")
    if (r < 0).any() or (p < 0).any() or not np.isfinite(r).all() or not np.isfinite(p).all():
        raise ValueError("resource and population must be finite and not negative")
    if p.sum() <= 0:
        raise ValueError("the population is empty")
    if ((p == 0) & (r > 0)).any():
        raise ValueError("a province holds some of the resource but has no population")
    return r, p


@dataclass(frozen=True)
class Lorenz:
    """The curve's points from (0, 0) to (1, 1), provinces ordered by ratio; ``order`` gives
    the province index of each point after the first."""

    population_share: list[float]
    resource_share: list[float]
    order: list[int]


def lorenz(resource: Sequence[float], population: Sequence[float]) -> Lorenz:
    r, p = _arrays(resource, population)
    # people without population cannot be ordered by ratio; they add no point of mass
    ratio = np.divide(r, p, out=np.full_like(r, np.inf), where=p > 0)
    order = np.lexsort((np.arange(len(r)), ratio))
    total_r = r.sum()
    cum_p = np.concatenate([[0.0], np.cumsum(p[order]) / p.sum()])
    cum_r = (
        np.concatenate([[0.0], np.cumsum(r[order]) / total_r])
        if total_r > 0
        else np.concatenate([[0.0], np.zeros(len(r))])
    )
    return Lorenz([float(v) for v in cum_p], [float(v) for v in cum_r], [int(i) for i in order])


def gini(resource: Sequence[float], population: Sequence[float]) -> float:
    """Population-weighted Gini of the resource per person (0 when nothing is held)."""
    r, _ = _arrays(resource, population)
    if r.sum() == 0:
        return 0.0
    curve = lorenz(resource, population)
    x = np.asarray(curve.population_share)
    y = np.asarray(curve.resource_share)
    area = float(np.sum((x[1:] - x[:-1]) * (y[1:] + y[:-1])) / 2)
    return max(0.0, 1.0 - 2.0 * area)


def theil_t(resource: Sequence[float], population: Sequence[float]) -> float:
    """Theil's T of the resource per person; 0 when nothing is held."""
    r, p = _arrays(resource, population)
    if r.sum() == 0:
        return 0.0
    s = r / r.sum()
    q = p / p.sum()
    held = s > 0
    return float(np.sum(s[held] * np.log(s[held] / q[held])))


def theil_l(resource: Sequence[float], population: Sequence[float]) -> float:
    """Mean log deviation of the resource per person; infinite when people hold none."""
    r, p = _arrays(resource, population)
    if r.sum() == 0:
        return math.inf
    s = r / r.sum()
    q = p / p.sum()
    people = q > 0
    if (s[people] == 0).any():
        return math.inf
    return float(np.sum(q[people] * np.log(q[people] / s[people])))


def per_10k(resource: float, population: float) -> float | None:
    return None if population <= 0 else 10_000 * resource / population


def national_ratio(resource: Sequence[float], population: Sequence[float]) -> float:
    r, p = _arrays(resource, population)
    return float(10_000 * r.sum() / p.sum())


def ratio_to_mean(resource: Sequence[float], population: Sequence[float]) -> list[float | None]:
    """Each province's resource per person over the national mean per person."""
    r, p = _arrays(resource, population)
    mean = r.sum() / p.sum()
    return [
        None if pi <= 0 or mean == 0 else float((ri / pi) / mean)
        for ri, pi in zip(r, p, strict=True)
    ]


def shortfall(resource: float, population: float, norm_per_10k: float) -> int:
    """Whole units a province must add to reach the norm per 10,000 people (0 at or above)."""
    need = norm_per_10k * population / 10_000 - resource
    # a hair under a whole unit is float noise, not a missing unit
    return max(0, math.ceil(need - 1e-9))
