"""Rankings, the fairness report and panels as tables (Persian header, rows), for the CLI,
the Excel and CSV downloads and the pages alike. Numbers stay numbers here; who shows
them turns the digits Persian."""

from __future__ import annotations

from collections.abc import Sequence

from darman.appointments import rules
from darman.appointments.fairness import FOUR_FIFTHS
from darman.appointments.ranking import DIMENSIONS, STAGES, FairnessReport, Line
from darman.appointments.scoring import PanelLine

Table = tuple[list[str], list[Sequence[object]]]


def _r(value: float | None, digits: int = 2) -> float | None:
    return None if value is None else round(value, digits)


def outcome_fa(outcome: str) -> str:
    try:
        return rules.OUTCOME_FA[rules.Outcome(outcome)]
    except ValueError:
        return outcome


def ranking_table(lines: Sequence[Line]) -> Table:
    header = [
        "رتبه", "کد ملی", "نام", "آزمون کتبی", "مصاحبه", "سوابق", "امتیاز کل", "نتیجه",
        "سهمیه", "توضیح",
    ]  # fmt: skip
    rows: list[Sequence[object]] = [
        [
            ln.rank,
            ln.national_id,
            ln.full_name,
            _r(ln.exam),
            _r(ln.interview),
            _r(ln.record),
            _r(ln.total),
            outcome_fa(ln.outcome),
            rules.QUOTAS.get(ln.quota, ""),
            ln.reason,
        ]
        for ln in lines
    ]
    return header, rows


def fairness_table(report: FairnessReport) -> Table:
    header = [
        "مرحله", "بُعد", "گروه", "داوطلبان", "پذیرفته‌شدگان", "نرخ پذیرش", "نسبت اثر",
        "قاعده‌ی چهارپنجم", "p آزمون دقیق فیشر", "کمبود (نفر)", "گروه کوچک",
    ]  # fmt: skip
    rows: list[Sequence[object]] = []
    for (stage, dim), groups in report.lines.items():
        for g in groups:
            verdict = (
                "بررسی نشد" if g.four_fifths is None else ("برقرار" if g.four_fifths else "نقض")
            )
            rows.append(
                [
                    STAGES[stage], DIMENSIONS[dim], g.group, g.applicants, g.selected,
                    _r(g.rate, 4), _r(g.impact_ratio, 3), verdict, _r(g.fisher_p, 4),
                    g.shortfall, "کوچک" if g.small else "",
                ]
            )  # fmt: skip
    return header, rows


def adverse_lines(report: FairnessReport) -> list[str]:
    """One Persian sentence per group with evidence of adverse impact."""
    out = []
    for (stage, dim), groups in report.lines.items():
        for g in groups:
            if g.adverse:
                out.append(
                    f"{STAGES[stage]}، {DIMENSIONS[dim]} «{g.group}»: نسبت اثر "
                    f"{g.impact_ratio:.2f} کمتر از {FOUR_FIFTHS} و p={g.fisher_p:.2g}؛ "
                    f"کمبود {g.shortfall} نفر"
                )
    return out


def panels_table(panels: Sequence[PanelLine]) -> Table:
    header = ["هیئت", "ارزیابان", "داوطلبان", "ICC(2,1)", "ICC(2,k)", "نیازمند بازبینی"]
    rows: list[Sequence[object]] = [
        [
            p.panel,
            p.agreement.raters,
            p.agreement.candidates,
            _r(p.agreement.icc_single, 3),
            _r(p.agreement.icc_mean, 3),
            "بله" if p.agreement.flagged else "",
        ]
        for p in panels
    ]
    return header, rows
