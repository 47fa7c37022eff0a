"""The scorecard and the ranking as plain tables (a header and rows) for the CLI, Excel and
CSV, with Persian headers. A cell the caller may not see is left empty."""

from __future__ import annotations

from collections.abc import Sequence

from darman.performance.schemas import RankingRead, Scorecard

Table = tuple[list[str], list[Sequence[object]]]


def _round(value: float | None, digits: int = 2) -> float | None:
    return None if value is None else round(value, digits)


def scorecard_table(card: Scorecard) -> Table:
    """One row per province and indicator: value, colour, target, gap and trends."""
    header = ["رتبه", "کد استان", "استان", "شاخص", "مقدار", "واحد", "رنگ", "هدف",
              "فاصله تا هدف", "روند ۳ ماه", "روند ۶ ماه", "روند ۱۲ ماه"]  # fmt: skip
    names = {i.code: (i.name_fa, i.unit_fa) for i in card.indicators}
    rows: list[Sequence[object]] = []
    for r in card.rows:
        if not r.full:
            rows.append([r.rank, r.province_code, r.province_name_fa, *[None] * 9])
            continue
        for c in r.cells:
            name, unit = names[c.indicator]
            rows.append([
                r.rank, r.province_code, r.province_name_fa, name, _round(c.value), unit,
                c.colour_fa, c.target, _round(c.gap_to_target), _round(c.trend_3),
                _round(c.trend_6), _round(c.trend_12),
            ])  # fmt: skip
    return header, rows


def ranking_table(ranked: RankingRead) -> Table:
    """One row per province: TOPSIS rank and score, weighted-sum rank, distances, the rank
    interval under the weight draws and the change that would move it up one place."""
    header = ["رتبه", "کد استان", "استان", "امتیاز تاپسیس", "رتبه جمع وزنی",
              "فاصله تا ایدئال", "فاصله تا ضدایدئال", "بازه رتبه (۵٪ تا ۹۵٪)", "ناپایدار",
              "برای یک پله بالاتر"]  # fmt: skip
    rows: list[Sequence[object]] = []
    for p in ranked.provinces:
        interval = f"{p.interval[0]}–{p.interval[1]}" if p.interval else None
        move = (
            f"{p.move_up.name_fa}: {p.move_up.from_value:.2f} → {p.move_up.to_value:.2f}"
            if p.move_up
            else None
        )
        rows.append([
            p.rank, p.province_code, p.name_fa, _round(p.topsis, 4), p.weighted_sum_rank,
            _round(p.distance_to_ideal, 4), _round(p.distance_to_anti_ideal, 4), interval,
            ("بله" if p.unstable else "خیر") if p.unstable is not None else None, move,
        ])  # fmt: skip
    return header, rows
