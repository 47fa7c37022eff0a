"""Every planning result as a plain table (Persian header, one row per province or gap), for
the Excel and CSV exports and the command line. Numbers stay numbers; money in rials."""

from __future__ import annotations

from collections.abc import Sequence

from darman.planning.allocation import LineResult
from darman.planning.deprivation import DeprivationRow
from darman.planning.enums import RESOURCE_LABELS_FA, Resource
from darman.planning.equity import EquityReport
from darman.planning.facts import ProvinceFacts
from darman.planning.levelling import ProvinceLevelling
from darman.planning.sensitivity import Stability

Table = tuple[list[str], list[Sequence[object]]]
BINDING_FA = {
    "": "",
    "budget": "بودجه‌ی ردیف تمام شد",
    "max_per_province": "سقف هر استان",
    "absorption": "ظرفیت جذب (پرستار و پزشک)",
}


def binding_fa(binding: str) -> str:
    """``budget,absorption`` in Persian."""
    return "؛ ".join(BINDING_FA[part] for part in binding.split(",") if part)


ACTION_FA = {"expand": "توسعه‌ی مرکز ملکی موجود", "build": "ساخت مرکز تازه"}


def _round(value: float | None, digits: int = 3) -> float | None:
    return None if value is None else round(value, digits)


def facts_table(rows: list[ProvinceFacts]) -> Table:
    resources = [
        "beds_general", "beds_icu", "beds_ccu", "beds_nicu", "ct_scanners", "mri_scanners",
        "angiography_units", "dialysis_machines", "ambulances", "physicians", "nurses",
    ]  # fmt: skip
    header = [
        "کد استان", "استان", "جمعیت ۱۳۹۵", "تخت فعال ۱۳۹۶", "تخت ویژه ۱۳۹۶", "بیمه‌شدگان",
        "سهم بالای ۶۰ سال", "هزینه‌ی درمان (ریال)", "هزینه به ازای هر بیمه‌شده (ریال)",
        "مراکز ملکی", "مراکز طرف قرارداد",
    ]  # fmt: skip
    for r in resources:
        label = RESOURCE_LABELS_FA[Resource(r)]
        header += [f"{label} ملکی", f"{label} طرف قرارداد"]
    body: list[Sequence[object]] = []
    for f in rows:
        row: list[object] = [
            f.code, f.name_fa, f.population, f.beds_1396, f.icu_beds_1396, f.insured,
            _round(f.share_over_60), f.spending_rials,
            None if f.spending_per_insured is None else round(f.spending_per_insured),
            f.owned_centres, f.contracted_centres,
        ]  # fmt: skip
        for r in resources:
            row += [f.units(r, "owned"), f.units(r, "contracted")]
        body.append(row)
    return header, body


def equity_table(report: EquityReport) -> Table:
    header = [
        "رتبه (کمترین نخست)", "کد استان", "استان", "منبع", "جمعیت", "به ازای ۱۰٬۰۰۰ نفر",
        "نسبت به میانگین کشور", "کمبود تا هنجار (واحد)",
    ]  # fmt: skip
    rows = sorted(report.rows, key=lambda r: r.rank)
    body: list[Sequence[object]] = [
        [
            r.rank,
            r.code,
            r.name_fa,
            r.resource,
            round(r.population),
            _round(r.per_10k),
            _round(r.ratio_to_mean),
            r.shortfall,
        ]
        for r in rows
    ]
    for title, ineq in (
        ("همه‌ی استان‌ها", report.all_provinces),
        ("بدون تهران", report.without_tehran),
    ):
        gini, theil = _round(ineq.gini, 4), _round(ineq.theil_t, 4)
        body.append([title, "", "ضریب جینی", gini, "تایل T", theil, "کمبود کل", ineq.units_to_norm])
    return header, body


def deprivation_table(rows: list[DeprivationRow]) -> Table:
    names = [RESOURCE_LABELS_FA[c.resource] for c in rows[0].components] if rows else []
    header = ["رتبه (محروم‌ترین نخست)", "کد استان", "استان", "امتیاز محرومیت"]
    header += [f"سهم {n}" for n in names]
    body: list[Sequence[object]] = [
        [r.rank, r.code, r.name_fa, round(r.score, 4)]
        + [round(c.contribution, 4) for c in r.components]
        for r in rows
    ]
    return header, body


def allocation_table(lines: list[LineResult], stability: list[Stability] | None = None) -> Table:
    header = [
        "ردیف بودجه", "کد استان", "استان", "کمبود پیش از تخصیص", "واحد تخصیص‌یافته",
        "کمبود پس از تخصیص", "دلیل کمتر از نیاز", "هزینه (ریال)",
    ]  # fmt: skip
    ranges = {(r.key, r.code): r for r in stability or []}
    if stability is not None:
        header += ["کمینه در تحلیل حساسیت", "بیشینه در تحلیل حساسیت", "پایدار"]
    body: list[Sequence[object]] = []
    for line in lines:
        cost = line.spent_rials // line.units_given if line.units_given else 0
        for p in line.provinces:
            row: list[object] = [
                line.label_fa, p.code, p.name_fa, p.need, p.given, p.after,
                binding_fa(p.binding), p.given * cost,
            ]  # fmt: skip
            if stability is not None:
                r = ranges[(line.key, p.code)]
                row += [r.low, r.high, "بله" if r.stable else "خیر"]
            body.append(row)
        body.append([
            line.label_fa, "", "جمع", sum(p.need for p in line.provinces), line.units_given,
            sum(p.after for p in line.provinces),
            f"جینی {line.gini_before:.4f} → {line.gini_after:.4f}؛ "
            f"تایل {line.theil_before:.4f} → {line.theil_after:.4f}",
            line.spent_rials,
        ])  # fmt: skip
    return header, body


def stability_table(rows: list[Stability], labels: dict[str, str]) -> Table:
    header = ["ردیف بودجه", "کد استان", "استان", "تخصیص پایه", "کمینه", "بیشینه", "پایدار"]
    body: list[Sequence[object]] = [
        [
            labels.get(r.key, r.key),
            r.code,
            r.name_fa,
            r.base,
            r.low,
            r.high,
            "بله" if r.stable else "خیر",
        ]
        for r in rows
        if r.high > 0
    ]
    return header, body


def levelling_table(rows: list[ProvinceLevelling]) -> Table:
    header = [
        "کد استان", "استان", "کد خدمت", "خدمت", "سطح", "جمعیت پوشش حداقل", "پیشنهاد",
        "مرکز", "هزینه (ریال)", "دلیل", "مراجعه به استان‌های دیگر",
    ]  # fmt: skip
    body: list[Sequence[object]] = []
    for r in rows:
        for g in r.gaps:
            went = "، ".join(f"{t.province_name_fa} ({t.lines})" for t in g.travel)
            body.append([
                r.province_code, r.province_name_fa, g.code, g.name_fa, g.level, g.catchment,
                ACTION_FA[g.action], g.facility_name or "", g.cost_rials, g.reason_fa, went,
            ])  # fmt: skip
    return header, body
