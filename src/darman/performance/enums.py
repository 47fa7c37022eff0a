from __future__ import annotations

from enum import StrEnum


class Direction(StrEnum):
    HIGHER = "higher"  # higher is better (a benefit criterion)
    LOWER = "lower"  # lower is better (a cost criterion)


class PeriodType(StrEnum):
    MONTH = "month"
    QUARTER = "quarter"
    YEAR = "year"


class Colour(StrEnum):
    GREEN = "green"
    AMBER = "amber"
    RED = "red"


COLOUR_LABELS_FA: dict[str, str] = {
    Colour.GREEN: "سبز",
    Colour.AMBER: "زرد",
    Colour.RED: "قرمز",
}

DIRECTION_LABELS_FA: dict[str, str] = {
    Direction.HIGHER: "هرچه بیشتر بهتر",
    Direction.LOWER: "هرچه کمتر بهتر",
}
