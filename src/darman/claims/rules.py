"""Adjudication reason codes and the default parameters, kept as data.

Whole-line rejections (R..) pay nothing for the line; deductions (D..) cut
part of it. Parameters carry an effective period so a change of policy applies
from its date on, and a rerun over old claims gives the old answer.
"""

from __future__ import annotations

import datetime as dt
import itertools
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache

import jdatetime
import pyarrow as pa


@dataclass(frozen=True)
class Reason:
    code: str
    whole_line: bool
    label_fa: str
    label_en: str


REASONS: tuple[Reason, ...] = (
    Reason("R01", True, "کد خدمت یا دارو در فهرست نیست", "unknown service or drug code"),
    Reason(
        "R02",
        True,
        "تعرفه‌ای برای این سطح و نوع مرکز در تاریخ خدمت نیست",
        "no tariff for the facility level and ownership on the service date",
    ),
    Reason(
        "R03", True, "بیمه‌شده ناشناخته یا کد ملی نامعتبر", "unknown insured or invalid national ID"
    ),
    Reason(
        "R04",
        True,
        "بیمه‌شده در تاریخ خدمت پوشش بیمه‌ای نداشته است",
        "insured not covered on the service date",
    ),
    Reason(
        "R05",
        True,
        "خدمت بالاتر از سطح ارائه‌ی خدمت مرکز است",
        "service above the facility's level of care",
    ),
    Reason(
        "R06",
        True,
        "جنس یا سن بیمار با شرایط خدمت نمی‌خواند",
        "patient sex or age outside the service's limits",
    ),
    # Only accepted and partially accepted lines count: a line rejected for any reason
    # (R07 included) makes no later one too soon. Lines of one run are decided by service
    # date, earliest first; lines accepted by earlier runs count before or after a line.
    Reason(
        "R07",
        True,
        "همین خدمت برای همین بیمه‌شده در فاصله‌ای کمتر از حد مجاز، پیش یا پس از این تاریخ،"
        " پذیرفته شده است",
        "the same service was accepted for the insured within its frequency limit, before"
        " or after this date",
    ),
    # Only accepted and partially accepted lines are repeated: a line rejected for any
    # reason (R07 and R08 included) is the original of nothing. Lines of one run with the
    # same key are decided in line order; a line accepted by an earlier run counts too.
    Reason(
        "R08",
        True,
        "ردیف تکراری: همین خدمت برای همین بیمه‌شده در همین مرکز و همین تاریخ پذیرفته شده است",
        "duplicate line: the same service was accepted for the insured at this centre on this date",
    ),
    Reason(
        "R09",
        True,
        "تاریخ خدمت در آینده، خارج از تاریخ‌های پرونده یا پس از مهلت ارسال",
        "service date in the future, outside the claim's dates, or past the filing deadline",
    ),
    Reason(
        "R10",
        True,
        "ارجاع لازم بود و ارائه نشده یا منقضی است",
        "referral required but missing or expired",
    ),
    Reason(
        "R11",
        True,
        "نسخه‌ی الکترونیک پیچیده‌شده‌ای با این دارو و تعداد نیست",
        "drug line without a matching dispensed e-prescription",
    ),
    Reason("R12", True, "دارو تحت پوشش بیمه نیست", "drug not covered"),
    Reason(
        "D01", False, "مازاد مبلغ درخواستی بر تعرفه", "unit price above tariff: excess deducted"
    ),
    Reason(
        "D02",
        False,
        "مازاد تعداد بر سقف مجاز هر نسخه یا پرونده",
        "quantity above the per-claim limit: excess deducted",
    ),
    Reason(
        "D03",
        False,
        "بدون ارجاع: سهم بیمار به نرخ جریمه‌ی خروج از نظام ارجاع افزایش یافت",
        "no referral: the patient's share raised to the referral-bypass rate",
    ),
    Reason("V01", False, "کسر یا رد توسط کارشناس رسیدگی", "cut or rejected in medical review"),
)
REASON_BY_CODE = {r.code: r for r in REASONS}


@dataclass(frozen=True)
class CopayRate:
    """The patient's share in percent for a visit type at an ownership, from valid_from
    to valid_to inclusive; ``province_id`` None applies in every province."""

    visit_type: str
    ownership: str
    percent: int
    valid_from: dt.date
    valid_to: dt.date
    province_id: int | None = None


@dataclass(frozen=True)
class FilingDeadline:
    """Days after the service date within which a claim must be submitted, for claims
    submitted from valid_from to valid_to inclusive; ``province_id`` None is national."""

    province_id: int | None
    valid_from: dt.date
    valid_to: dt.date
    days: int


FOREVER_FROM = dt.date(1900, 1, 1)
FOREVER_TO = dt.date(2100, 12, 31)

# Owned centres' documents are internal cost: no copayment is taken there.
DEFAULT_COPAY: tuple[CopayRate, ...] = (
    CopayRate("outpatient", "contracted", 30, FOREVER_FROM, FOREVER_TO),
    CopayRate("inpatient", "contracted", 10, FOREVER_FROM, FOREVER_TO),
    CopayRate("emergency", "contracted", 10, FOREVER_FROM, FOREVER_TO),
    CopayRate("outpatient", "owned", 0, FOREVER_FROM, FOREVER_TO),
    CopayRate("inpatient", "owned", 0, FOREVER_FROM, FOREVER_TO),
    CopayRate("emergency", "owned", 0, FOREVER_FROM, FOREVER_TO),
)
DEFAULT_FILING_DEADLINE_DAYS = 180
DEFAULT_DEADLINES: tuple[FilingDeadline, ...] = (
    FilingDeadline(None, FOREVER_FROM, FOREVER_TO, DEFAULT_FILING_DEADLINE_DAYS),
)


def copay(allowed: int, percent: int) -> int:
    """Patient share in whole rials, rounded half up; the insurer pays the rest."""
    return (allowed * percent + 50) // 100


# The days policy can apply to: fiscal years 1390 to 1478.
CALENDAR_FIRST = dt.date(2011, 3, 21)  # 1390/01/01
CALENDAR_LAST = dt.date(2100, 3, 20)  # 1478/12/30


def winning_periods(
    entries: Sequence[tuple[dt.date, dt.date, int]],
) -> list[tuple[dt.date, dt.date, int]]:
    """Non-overlapping (from, to, value) periods where, on every day, the entry in force
    with the latest start wins (the later one listed among equal starts); adjacent
    periods of equal value are merged."""
    ranked = sorted(enumerate(entries), key=lambda e: (e[1][0], e[0]))
    cuts = sorted({d for start, end, _ in entries for d in (start, end + dt.timedelta(days=1))})
    periods: list[tuple[dt.date, dt.date, int]] = []
    for start, after in itertools.pairwise(cuts):
        in_force = [v for _, (lo, hi, v) in ranked if lo <= start <= hi]
        if not in_force:
            continue
        end = after - dt.timedelta(days=1)
        if periods and periods[-1][2] == in_force[-1] and periods[-1][1] + dt.timedelta(1) == start:
            periods[-1] = (periods[-1][0], end, in_force[-1])
        else:
            periods.append((start, end, in_force[-1]))
    return periods


def policy_tables(
    copay: Sequence[CopayRate], deadlines: Sequence[FilingDeadline]
) -> tuple[pa.Table, pa.Table]:
    """The kernel's ``copay_rates`` and ``calendar`` inputs for these policy entries.

    copay_rates: one row per (province_id, visit_type, ownership) and period, periods of
    one key never overlapping (a later valid_from wins where entries overlap); a
    province's rows win over the national (null province) rows in the kernel.
    calendar: one national row (null province_id) per day from 1390/01/01 to 1478/12/30
    with the Jalali fiscal year and the national filing deadline in force (null: none),
    plus one row per province and day on which a province entry is in force, with that
    entry's deadline. A later valid_from wins among entries of the same province.
    """
    by_key: dict[tuple[int | None, str, str], list[tuple[dt.date, dt.date, int]]] = {}
    for c in copay:
        by_key.setdefault((c.province_id, c.visit_type, c.ownership), []).append(
            (c.valid_from, c.valid_to, c.percent)
        )
    cp_rows = [
        (province, visit, ownership, percent, start, end)
        for (province, visit, ownership), entries in by_key.items()
        for start, end, percent in winning_periods(entries)
    ]
    copay_rates = pa.table(
        {
            "province_id": pa.array([r[0] for r in cp_rows], pa.int64()),
            "visit_type": pa.array([r[1] for r in cp_rows], pa.string()),
            "ownership": pa.array([r[2] for r in cp_rows], pa.string()),
            "percent": pa.array([r[3] for r in cp_rows], pa.int64()),
            "valid_from": pa.array([r[4] for r in cp_rows], pa.date32()),
            "valid_to": pa.array([r[5] for r in cp_rows], pa.date32()),
        }
    )

    n = (CALENDAR_LAST - CALENDAR_FIRST).days + 1
    days, years = _days_and_years()
    by_province: dict[int | None, list[tuple[dt.date, dt.date, int]]] = {None: []}
    for d in deadlines:
        by_province.setdefault(d.province_id, []).append((d.valid_from, d.valid_to, d.days))
    provinces: list[int | None] = []
    day_index: list[int] = []
    limits: list[int | None] = []
    for province, entries in sorted(by_province.items(), key=lambda e: (e[0] is not None, e[0])):
        limit: list[int | None] = [None] * n
        for start, end, value in winning_periods(entries):
            lo = max(0, (start - CALENDAR_FIRST).days)
            hi = min(n - 1, (end - CALENDAR_FIRST).days)
            limit[lo : hi + 1] = [value] * max(0, hi - lo + 1)
        keep = range(n) if province is None else [i for i in range(n) if limit[i] is not None]
        provinces.extend([province] * len(keep))
        day_index.extend(keep)
        limits.extend(limit[i] for i in keep)
    calendar = pa.table(
        {
            "province_id": pa.array(provinces, pa.int64()),
            "day": pa.array([days[i] for i in day_index], pa.date32()),
            "fiscal_year": pa.array([years[i] for i in day_index], pa.int32()),
            "filing_deadline_days": pa.array(limits, pa.int64()),
        }
    )
    return copay_rates, calendar


@lru_cache(maxsize=1)
def _days_and_years() -> tuple[list[dt.date], list[int]]:
    n = (CALENDAR_LAST - CALENDAR_FIRST).days + 1
    days = [CALENDAR_FIRST + dt.timedelta(days=i) for i in range(n)]
    return days, [jdatetime.date.fromgregorian(date=d).year for d in days]


@lru_cache(maxsize=1)
def default_policy() -> tuple[pa.Table, pa.Table]:
    """The kernel's copay_rates and calendar tables for the default policy (built once:
    the calendar spans ninety years of days)."""
    return policy_tables(DEFAULT_COPAY, DEFAULT_DEADLINES)
