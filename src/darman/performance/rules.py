"""Pure rules of the scorecard: an indicator's value, how far it is from its target and
which way it moved, with the direction respected. No database, no HTTP."""

from __future__ import annotations

from darman.performance.enums import Direction


def ratio(numerator: float, denominator: float, factor: int, minimum: int = 0) -> float | None:
    """numerator / denominator x factor; none when there is nothing to divide by, or
    fewer than ``minimum`` in the denominator (too few to show)."""
    if denominator == 0 or denominator < minimum:
        return None
    return numerator / denominator * factor


def gap_to_target(value: float | None, target: float | None, direction: Direction) -> float | None:
    """How far the value still is from its target, in the indicator's unit: positive while
    short of it, zero or negative once it is met (for a lower-is-better indicator, being
    above the target is the shortfall)."""
    if value is None or target is None:
        return None
    return target - value if direction is Direction.HIGHER else value - target


def improvement(value: float | None, earlier: float | None, direction: Direction) -> float | None:
    """The change since an earlier period, signed so that positive means better."""
    if value is None or earlier is None:
        return None
    change = value - earlier
    return change if direction is Direction.HIGHER else -change
