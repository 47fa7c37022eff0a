"""Adverse impact of a selection stage on groups of candidates: the selection rate of
each group, its impact ratio against the group with the highest rate, the four-fifths rule
(a ratio under 0.8 is evidence of adverse impact, US Uniform Guidelines 29 CFR 1607.4 D),
Fisher's exact test of the group against the highest group, and the shortfall in people.
Pure: no I/O."""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass

from scipy.stats import fisher_exact

FOUR_FIFTHS = 0.8
# A group is small when it has fewer applicants than this, or expects fewer than
# SMALL_EXPECTED selections at the overall rate: its ratio swings with one person, so it
# is reported as small, with Fisher's p, and no four-fifths verdict.
SMALL_APPLICANTS = 30
SMALL_EXPECTED = 5.0
SIGNIFICANCE = 0.05


@dataclass(frozen=True)
class GroupImpact:
    group: str
    applicants: int
    selected: int
    rate: float
    impact_ratio: float | None  # against the highest rate; None when nobody was selected
    small: bool
    # False: fails the four-fifths rule; None: not judged (small group, or no ratio)
    four_fifths: bool | None
    fisher_p: float  # two-sided, this group against the highest group
    # the fewest more people of this group who would have had to pass for the ratio to
    # reach four-fifths of the highest rate
    shortfall: int

    @property
    def adverse(self) -> bool:
        """Evidence of adverse impact: fails four-fifths and Fisher's p is under 0.05."""
        return self.four_fifths is False and self.fisher_p < SIGNIFICANCE


def adverse_impact(outcomes: Iterable[tuple[str, bool]]) -> list[GroupImpact]:
    """One line per group from ``(group, selected?)`` per candidate, by group name."""
    applicants: Counter[str] = Counter()
    selected: Counter[str] = Counter()
    for group, passed in outcomes:
        applicants[group] += 1
        if passed:
            selected[group] += 1
    if not applicants:
        return []
    rates = {g: selected[g] / n for g, n in applicants.items()}
    overall = sum(selected.values()) / sum(applicants.values())
    best = max(sorted(rates), key=lambda g: (rates[g], applicants[g]))
    top = rates[best]
    out = []
    for g in sorted(applicants):
        n, s = applicants[g], selected[g]
        small = n < SMALL_APPLICANTS or n * overall < SMALL_EXPECTED
        ratio = rates[g] / top if top > 0 else None
        verdict = None if small or ratio is None else ratio >= FOUR_FIFTHS - 1e-12
        if g == best:
            p = 1.0
        else:
            table = [[s, n - s], [selected[best], applicants[best] - selected[best]]]
            p = float(fisher_exact(table, alternative="two-sided").pvalue)
        need = max(0, math.ceil(FOUR_FIFTHS * top * n - 1e-9) - s)
        out.append(GroupImpact(g, n, s, rates[g], ratio, small, verdict, p, need))
    return out
