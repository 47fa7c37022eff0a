"""Ranking of the provincial health managers by a composite of the indicators (the OECD/JRC
handbook's steps: treat missing data, normalise with the direction respected, weight,
aggregate, then test how far the result depends on the weights and on who is ranked).

TOPSIS and the plain weighted sum come from pymcdm (1.4). pymcdm was chosen over
scikit-criteria: both offer TOPSIS and the weighted sum with min-max normalisation and
cost criteria inverted before scaling, but pymcdm works on plain NumPy arrays (no
DecisionMatrix/pipeline objects to build per Monte Carlo draw, which matters for 1,000
draws), and its public ``verbose=True`` result hands back the normalised matrix, the ideal
and anti-ideal points and each alternative's distances to them, which the explanation of
every rank needs; scikit-criteria would have to be taken apart for those.

Pure: NumPy and pymcdm only, no database, no HTTP.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np
from pymcdm.helpers import rrankdata
from pymcdm.methods import TOPSIS, WSM
from pymcdm.normalizations import minmax_normalization

from darman.common.errors import InvalidInput
from darman.performance.enums import Direction

SPREAD = 0.20  # each weight moves by up to +/-20% in a draw
UNSTABLE_SPAN = 5  # an interval (5th to 95th percentile) this many ranks wide is flagged
_SEARCH_STEPS = 30


@dataclass(frozen=True)
class Criterion:
    code: str
    name_fa: str
    weight: float
    direction: Direction


@dataclass(frozen=True)
class Contribution:
    code: str
    name_fa: str
    value: float  # as measured (after imputation, if any)
    normalised: float  # 0 worst .. 1 best among the provinces
    weight: float  # share of the weights, summing to 1
    weighted: float  # weight x normalised: the part of the weighted sum
    gap_share: float  # share of the squared distance to the ideal this indicator makes


@dataclass(frozen=True)
class MoveUp:
    """The one indicator whose smallest change (as a share of its range across provinces)
    would lift the province above the one ranked just above it."""

    code: str
    name_fa: str
    from_value: float
    to_value: float


@dataclass
class ProvinceRank:
    key: str
    name_fa: str
    topsis: float
    rank: int
    weighted_sum: float
    weighted_sum_rank: int
    distance_to_ideal: float
    distance_to_anti_ideal: float
    contributions: list[Contribution]
    move_up: MoveUp | None = None
    # 5th and 95th percentile, lowest and highest rank over the weight draws
    interval: tuple[int, int] | None = None
    extremes: tuple[int, int] | None = None
    unstable: bool = False
    # the largest move of its place when one other province is left out
    loo_shift: int = 0


@dataclass(frozen=True)
class Reversal:
    left_out: str
    pairs: list[tuple[str, str]]  # (was above, now above)


@dataclass
class Ranking:
    criteria: list[Criterion]
    notes: list[str]
    provinces: list[ProvinceRank]
    draws: int = 0
    reversals: list[Reversal] = field(default_factory=list)


def topsis(matrix: np.ndarray, weights: np.ndarray, types: np.ndarray) -> np.ndarray:
    """TOPSIS preference values (min-max normalisation, cost criteria inverted). The inputs
    are checked by ``prepare`` once; pymcdm's own checks, which warn about dominated
    alternatives on every call, are skipped. A trial that makes an indicator constant
    answers NaN for it, which no comparison passes."""
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.asarray(TOPSIS(minmax_normalization)(matrix, weights, types, validation=False))


def ranks_of(scores: np.ndarray) -> np.ndarray:
    """1 for the highest score; ties share the better rank."""
    return np.floor(rrankdata(scores)).astype(int)


def prepare(
    names: list[str], criteria: list[Criterion], matrix: np.ndarray
) -> tuple[list[Criterion], np.ndarray, list[str]]:
    """The criteria that can rank and the matrix they rank on, with a note for every
    indicator left out (no weight, too few values, the same everywhere) and every value
    filled in (a missing value takes the median of the others)."""
    notes: list[str] = []
    keep: list[int] = []
    filled = matrix.astype(float).copy()
    for j, c in enumerate(criteria):
        column = filled[:, j]
        missing = np.isnan(column)
        if c.weight <= 0:
            notes.append(f"«{c.name_fa}» وزن ندارد و در رتبه‌بندی نیامد")
            continue
        if missing.sum() * 2 > len(column):
            notes.append(f"«{c.name_fa}» برای بیش از نیمی از استان‌ها مقدار ندارد و کنار گذاشته شد")
            continue
        present = column[~missing]
        if present.max() == present.min():
            notes.append(f"«{c.name_fa}» در همه استان‌ها یکسان است و کنار گذاشته شد")
            continue
        if missing.any():
            who = "، ".join(n for n, m in zip(names, missing, strict=True) if m)
            column[missing] = float(np.median(present))
            notes.append(f"«{c.name_fa}» برای {who} مقدار نداشت و میانه استان‌ها جای آن نشست")
        keep.append(j)
    if not keep:
        raise InvalidInput("هیچ شاخصی برای رتبه‌بندی استان‌ها نیست: نخست شاخص‌های دوره را محاسبه کنید")
    return [criteria[j] for j in keep], filled[:, keep], notes


def rank(
    keys: list[str],
    names: list[str],
    criteria: list[Criterion],
    matrix: np.ndarray,
    *,
    draws: int = 0,
    seed: int = 1405,
    spread: float = SPREAD,
    explain: bool = True,
) -> Ranking:
    """Rank the provinces (rows of ``matrix``, NaN where a value is missing) on the criteria
    (its columns); ``draws`` Monte Carlo weight perturbations give each rank's interval and
    leaving each province out in turn shows which pairs reverse. Without ``explain`` the
    move-up search and the leave-one-out check are skipped (ranks only)."""
    if len(keys) < 2:
        raise InvalidInput("برای رتبه‌بندی دست‌کم دو استان لازم است")
    used, m, notes = prepare(names, criteria, matrix)
    w = np.array([c.weight for c in used], dtype=float)
    w = w / w.sum()
    types = np.array([1 if c.direction is Direction.HIGHER else -1 for c in used])
    result = TOPSIS(minmax_normalization)(m, w, types, validation=False, verbose=True).to_dict()
    scores = np.asarray(result["Final preference values"])
    normalised = np.asarray(result["Normalized decision matrix"])
    weighted = np.asarray(result["Weighted normalized decision matrix"])
    ideal = np.asarray(result["Positive Ideal Solution"])
    d_plus = np.asarray(result["Distance from PIS"])
    d_minus = np.asarray(result["Distance from NIS"])
    wsm = np.asarray(WSM(minmax_normalization)(m, w, types, validation=False))
    r, r_wsm = ranks_of(scores), ranks_of(wsm)
    out = []
    for i, key in enumerate(keys):
        gap2 = (ideal - weighted[i]) ** 2
        total = float(gap2.sum())
        contributions = [
            Contribution(
                code=c.code,
                name_fa=c.name_fa,
                value=float(m[i, j]),
                normalised=float(normalised[i, j]),
                weight=float(w[j]),
                weighted=float(w[j] * normalised[i, j]),
                gap_share=float(gap2[j] / total) if total > 0 else 0.0,
            )
            for j, c in enumerate(used)
        ]
        out.append(
            ProvinceRank(
                key=key,
                name_fa=names[i],
                topsis=float(scores[i]),
                rank=int(r[i]),
                weighted_sum=float(wsm[i]),
                weighted_sum_rank=int(r_wsm[i]),
                distance_to_ideal=float(d_plus[i]),
                distance_to_anti_ideal=float(d_minus[i]),
                contributions=contributions,
            )
        )
    if explain:
        for i, pr in enumerate(out):
            pr.move_up = move_up(i, used, m, w, types, scores)
    ranking = Ranking(criteria=used, notes=notes, provinces=out, draws=draws)
    if draws > 0:
        _intervals(ranking, m, w, types, draws=draws, seed=seed, spread=spread)
    if explain and len(keys) > 2:
        _leave_one_out(ranking, m, w, types, r)
    ranking.provinces.sort(key=lambda p: (p.rank, p.key))
    return ranking


def move_up(
    i: int,
    criteria: list[Criterion],
    m: np.ndarray,
    w: np.ndarray,
    types: np.ndarray,
    scores: np.ndarray,
) -> MoveUp | None:
    """For row ``i``, the indicator needing the smallest change (relative to its range) to
    pass the province ranked just above, found by bisection between its value and the best
    value any province has; none for the first, or when no single indicator suffices."""
    above = [k for k in range(len(scores)) if scores[k] > scores[i]]
    if not above:
        return None
    rival = min(above, key=lambda k: scores[k])
    best: MoveUp | None = None
    best_share = math.inf
    for j, c in enumerate(criteria):
        column = m[:, j]
        target = column.max() if types[j] > 0 else column.min()
        current = column[i]
        if current == target:
            continue

        def passes(x: float, j: int = j) -> bool:
            trial = m.copy()
            trial[i, j] = x
            s = topsis(trial, w, types)
            return bool(s[i] > s[rival])

        if not passes(float(target)):
            continue
        lo, hi = float(current), float(target)
        for _ in range(_SEARCH_STEPS):
            mid = (lo + hi) / 2
            if passes(mid):
                hi = mid
            else:
                lo = mid
        share = abs(hi - current) / float(column.max() - column.min())
        if share < best_share:
            best_share = share
            best = MoveUp(c.code, c.name_fa, float(current), hi)
    return best


def _intervals(
    ranking: Ranking,
    m: np.ndarray,
    w: np.ndarray,
    types: np.ndarray,
    *,
    draws: int,
    seed: int,
    spread: float,
) -> None:
    rng = np.random.default_rng(seed)
    factors = rng.uniform(1 - spread, 1 + spread, size=(draws, len(w)))
    ranks = np.empty((draws, m.shape[0]), dtype=int)
    for d in range(draws):
        wd = w * factors[d]
        ranks[d] = ranks_of(topsis(m, wd / wd.sum(), types))
    index = {pr.key: i for i, pr in enumerate(ranking.provinces)}
    for pr in ranking.provinces:
        column = ranks[:, index[pr.key]]
        low = int(np.percentile(column, 5, method="lower"))
        high = int(np.percentile(column, 95, method="higher"))
        pr.interval = (low, high)
        pr.extremes = (int(column.min()), int(column.max()))
        pr.unstable = high - low >= UNSTABLE_SPAN


def _leave_one_out(
    ranking: Ranking, m: np.ndarray, w: np.ndarray, types: np.ndarray, full: np.ndarray
) -> None:
    keys = [pr.key for pr in ranking.provinces]
    for out in range(len(keys)):
        rest = [i for i in range(len(keys)) if i != out]
        sub = m[rest]
        if np.any(sub.max(axis=0) == sub.min(axis=0)):
            continue  # an indicator turns constant without it: no fair comparison
        r = ranks_of(topsis(sub, w, types))
        pairs = []
        for a_pos, a in enumerate(rest):
            expected = full[a] - (1 if full[out] < full[a] else 0)
            shift = abs(int(r[a_pos]) - int(expected))
            pr = ranking.provinces[a]
            pr.loo_shift = max(pr.loo_shift, shift)
            for b_pos in range(a_pos + 1, len(rest)):
                b = rest[b_pos]
                before = full[a] < full[b]
                after = r[a_pos] < r[b_pos]
                if full[a] != full[b] and r[a_pos] != r[b_pos] and before != after:
                    pairs.append((keys[a], keys[b]) if before else (keys[b], keys[a]))
        if pairs:
            ranking.reversals.append(Reversal(keys[out], pairs))
