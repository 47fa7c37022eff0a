"""The province map every page shares: Iran's 31 provinces as a tile-grid cartogram, one
equal tile per province placed roughly where the province lies, coloured by a value on a
sequential scale of a few equal-width classes, with a legend in Persian digits.

Equal tiles rather than drawn borders: a large, thinly peopled province (Sistan and
Baluchestan, Kerman) would otherwise outweigh Tehran by area while every province counts
once here. The layout is our own (rows north to south, columns west to east); the names
and codes are the registry's. Pure: the page passes in the provinces and the values.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from darman.common.persian import format_decimal

NO_DATA_FA = "بدون داده"
CLASSES = 5  # sequential classes of the scale (css: .pm-b0 .. .pm-b4)

# Province code -> (row, column); row 1 is the north, column 1 the west.
TILES: dict[str, tuple[int, int]] = {
    "02": (1, 1), "01": (1, 2), "03": (1, 3), "25": (1, 4), "27": (1, 5), "24": (1, 6),
    "12": (1, 7),
    "20": (2, 1), "14": (2, 2), "18": (2, 3), "05": (2, 4), "08": (2, 5), "15": (2, 6),
    "11": (2, 7),
    "22": (3, 1), "30": (3, 2), "28": (3, 3), "19": (3, 4), "04": (3, 5), "31": (3, 6),
    "10": (3, 7),
    "06": (4, 1), "26": (4, 2), "09": (4, 3), "23": (4, 4), "17": (4, 5), "21": (4, 6),
    "13": (5, 2), "07": (5, 4), "29": (5, 6), "16": (5, 7),
}  # fmt: skip
ROWS = max(r for r, _ in TILES.values())
COLUMNS = max(c for _, c in TILES.values())


@dataclass(frozen=True)
class Tile:
    code: str
    name_fa: str
    row: int
    column: int
    value: float | None
    value_fa: str  # the value in Persian digits with its unit, or "بدون داده"
    band: int | None  # the class on the scale; None without a value


@dataclass(frozen=True)
class Band:
    index: int
    label_fa: str  # "۱۲٫۵ تا ۲۵٫۰"


@dataclass(frozen=True)
class ProvinceMap:
    key: str  # the element id's suffix, unique on its page
    title_fa: str
    tiles: list[Tile]
    legend: list[Band]
    no_data: int  # how many provinces have no value
    note_fa: str = ""


def number_fa(value: float, decimals: int) -> str:
    return format_decimal(value, decimals)


def bands(values: Iterable[float], classes: int = CLASSES) -> list[tuple[float, float]]:
    """Equal-width classes from the least to the greatest value; a single class when
    every value is the same (nothing to tell apart), none without values."""
    got = [v for v in values if math.isfinite(v)]
    if not got:
        return []
    low, high = min(got), max(got)
    if high == low:
        return [(low, high)]
    step = (high - low) / classes
    return [(low + i * step, high if i == classes - 1 else low + (i + 1) * step)
            for i in range(classes)]  # fmt: skip


def band_of(value: float, limits: list[tuple[float, float]]) -> int:
    """The class a value falls in: each class holds its upper limit, the first its lower."""
    for i, (_, upper) in enumerate(limits):
        if value <= upper:
            return i
    return len(limits) - 1


def build(
    key: str,
    title_fa: str,
    provinces: Iterable[tuple[str, str]],
    values: Mapping[str, float | None],
    *,
    unit_fa: str = "",
    decimals: int = 1,
    note_fa: str = "",
) -> ProvinceMap:
    """The map of ``values`` (by province code) over ``provinces`` ((code, Persian name)
    from the registry). A province with no value, or one not finite, shows "بدون داده";
    a code the layout does not know is left off rather than drawn somewhere wrong."""
    known = [(c, n) for c, n in provinces if c in TILES]
    present = {
        c: float(v) for c, _ in known if (v := values.get(c)) is not None and math.isfinite(v)
    }
    limits = bands(present.values())
    suffix = f" {unit_fa}" if unit_fa else ""
    tiles = []
    for code, name in known:
        value = present.get(code)
        row, column = TILES[code]
        tiles.append(
            Tile(
                code=code,
                name_fa=name,
                row=row,
                column=column,
                value=value,
                value_fa=NO_DATA_FA if value is None else number_fa(value, decimals) + suffix,
                # one class only: the darkest would shout, so it takes the middle one
                band=None if value is None else (
                    CLASSES // 2 if len(limits) == 1 else band_of(value, limits)
                ),
            )
        )  # fmt: skip
    if len(limits) == 1:
        legend = [Band(CLASSES // 2, number_fa(limits[0][0], decimals) + suffix)]
    else:
        legend = [
            Band(i, f"{number_fa(lo, decimals)} تا {number_fa(hi, decimals)}{suffix}")
            for i, (lo, hi) in enumerate(limits)
        ]
    return ProvinceMap(
        key=key,
        title_fa=title_fa,
        tiles=tiles,
        legend=legend,
        no_data=sum(1 for t in tiles if t.value is None),
        note_fa=note_fa,
    )
