"""Inter-rater agreement of an interview panel: the intraclass correlation.

Form: ICC(2,1) of Shrout & Fleiss (1979), McGraw & Wong's ICC(A,1): two-way random
effects, absolute agreement, single rater. Two-way because every rater of a panel scores
every candidate of that panel (candidates and raters are crossed); random because the
raters stand for any raters the office could have sent, not for themselves; absolute
agreement because the marks themselves enter the total, so a rater who marks everyone a
point higher changes the result and must count as disagreement (consistency forms would
forgive it). ICC(2,k), the reliability of the panel's mean, is reported beside it; the
flag is on ICC(2,1) below 0.5, "poor" in Koo & Li (2016). Computed here from the two-way
ANOVA's mean squares (a dozen lines of NumPy) rather than through pingouin, which would
bring pandas, statsmodels and more for one formula. Pure: no I/O."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np

THRESHOLD = 0.5


@dataclass(frozen=True)
class Agreement:
    candidates: int  # rows used (every rater scored them)
    raters: int
    icc_single: float | None  # ICC(2,1)
    icc_mean: float | None  # ICC(2,k)

    @property
    def flagged(self) -> bool:
        """Below the threshold, or not measurable (fewer than two candidates or raters)."""
        return self.icc_single is None or self.icc_single < THRESHOLD


def icc2(matrix: np.ndarray) -> tuple[float | None, float | None]:
    """ICC(2,1) and ICC(2,k) of an n-targets x k-raters matrix without gaps; None when
    there is no variance to share out (n or k below 2, or every cell equal)."""
    x = np.asarray(matrix, dtype=float)
    n, k = x.shape
    if n < 2 or k < 2:
        return None, None
    grand = x.mean()
    ss_rows = k * float(((x.mean(axis=1) - grand) ** 2).sum())
    ss_cols = n * float(((x.mean(axis=0) - grand) ** 2).sum())
    ss_total = float(((x - grand) ** 2).sum())
    ss_err = ss_total - ss_rows - ss_cols
    msr = ss_rows / (n - 1)
    msc = ss_cols / (k - 1)
    mse = ss_err / ((n - 1) * (k - 1))
    single_den = msr + (k - 1) * mse + k * (msc - mse) / n
    mean_den = msr + (msc - mse) / n
    if single_den == 0 or mean_den == 0:
        return None, None
    return (msr - mse) / single_den, (msr - mse) / mean_den


def panel_agreement(marks: Mapping[int, Mapping[str, float]]) -> Agreement:
    """Agreement of a panel from ``{candidate: {rater: the rater's mean mark}}``. Only the
    candidates every rater of the panel scored enter (the ANOVA needs a full table)."""
    raters = sorted({r for row in marks.values() for r in row})
    full = [[row[r] for r in raters] for row in marks.values() if all(r in row for r in raters)]
    if not full:
        return Agreement(0, len(raters), None, None)
    single, mean = icc2(np.array(full))
    return Agreement(len(full), len(raters), single, mean)
