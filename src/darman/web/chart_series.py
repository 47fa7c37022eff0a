"""A chart of one line per province is 31 tangled lines nobody can read: the chart keeps
the provinces with the highest and the lowest totals over the period, and the national
average per province as the line to read them against. The page's table and its Excel
file keep every province. Pure: no I/O."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from darman.common.persian import to_persian_digits

KEEP = 5  # provinces kept at each end
NATIONAL_FA = "میانگین کشوری (هر استان)"
TOP, BOTTOM, NATIONAL, ALL = "top", "bottom", "national", "all"


def top_and_bottom(
    labels: Sequence[str], by_province: Mapping[str, Sequence[float]], *, keep: int = KEEP
) -> dict[str, Any]:
    """The chart's data: ``labels`` (the months) and ``series``, each ``{label, values,
    role}``: the ``keep`` provinces of highest total (``top``, highest first), the ``keep``
    of lowest (``bottom``, lowest last) and the mean of every province month by month
    (``national``). With ``2 * keep`` provinces or fewer every one is drawn (``all``); the
    national line is drawn whenever there are two or more. Ties go by name, so the same
    figures always draw the same chart. ``shown`` and ``provinces`` say how many of how many
    are drawn."""
    ranked = sorted(by_province.items(), key=lambda kv: (-sum(kv[1]), kv[0]))
    if len(ranked) <= 2 * keep:
        chosen = [(name, values, ALL) for name, values in ranked]
    else:
        chosen = [(name, values, TOP) for name, values in ranked[:keep]]
        chosen += [(name, values, BOTTOM) for name, values in ranked[-keep:]]
    series = [
        {"label": name, "values": list(values), "role": role} for name, values, role in chosen
    ]
    if len(ranked) >= 2:
        mean = [
            round(sum(values[i] for _, values in ranked) / len(ranked), 1)
            for i in range(len(labels))
        ]
        series.append({"label": NATIONAL_FA, "values": mean, "role": NATIONAL})
    return {
        "labels": list(labels),
        "series": series,
        "shown": len(chosen),
        "provinces": len(ranked),
    }


def note(chart: Mapping[str, Any]) -> str:
    """The sentence under the chart that says what it leaves out, or nothing."""
    if chart["shown"] >= chart["provinces"]:
        return ""
    return (
        f"نمودار {to_persian_digits(chart['shown'] // 2)} استان با بیشترین و "
        f"{to_persian_digits(chart['shown'] // 2)} استان با کمترین جمع سال را در کنار "
        f"میانگین کشوری نشان می‌دهد؛ هر {to_persian_digits(chart['provinces'])} استان در "
        "جدول زیر و فایل آن هست."
    )
