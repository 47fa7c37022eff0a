"""Adjudication reason codes and the default parameters, kept as data.

Whole-line rejections (R..) pay nothing for the line; deductions (D..) cut
part of it. Parameters carry an effective period so a change of policy applies
from its date on, and a rerun over old claims gives the old answer.
"""

from __future__ import annotations

import datetime as dt
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
    Reason(
        "R07",
        True,
        "تکرار خدمت زودتر از فاصله‌ی مجاز",
        "service repeated within its frequency limit",
    ),
    Reason("R08", True, "ردیف تکراری (همان بیمه‌شده، مرکز، خدمت و تاریخ)", "duplicate line"),
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
    Reason("V01", False, "کسر یا رد توسط کارشناس رسیدگی", "cut or rejected in medical review"),
)
REASON_BY_CODE = {r.code: r for r in REASONS}


@dataclass(frozen=True)
class CopayRate:
    visit_type: str
    ownership: str
    percent: int
    valid_from: dt.date
    valid_to: dt.date


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


def copay(allowed: int, percent: int) -> int:
    """Patient share in whole rials, rounded half up; the insurer pays the rest."""
    return (allowed * percent + 50) // 100


# The days policy can apply to: fiscal years 1390 to 1478.
CALENDAR_FIRST = dt.date(2011, 3, 21)  # 1390/01/01
CALENDAR_LAST = dt.date(2100, 3, 20)  # 1478/12/30


def calendar(deadlines: Sequence[tuple[dt.date, dt.date, int]]) -> pa.Table:
    """One row per day: its Jalali fiscal year and the filing deadline in force.

    ``deadlines`` are (valid_from, valid_to, days) periods; a later period wins
    where they overlap.
    """
    n = (CALENDAR_LAST - CALENDAR_FIRST).days + 1
    days = [CALENDAR_FIRST + dt.timedelta(days=i) for i in range(n)]
    years = [jdatetime.date.fromgregorian(date=d).year for d in days]
    limit: list[int | None] = [None] * n
    for start, end, value in deadlines:
        lo = max(0, (start - CALENDAR_FIRST).days)
        hi = min(n - 1, (end - CALENDAR_FIRST).days)
        for i in range(lo, hi + 1):
            limit[i] = value
    return pa.table(
        {
            "day": pa.array(days, pa.date32()),
            "fiscal_year": pa.array(years, pa.int32()),
            "filing_deadline_days": pa.array(limit, pa.int64()),
        }
    )


@lru_cache(maxsize=1)
def default_policy() -> tuple[pa.Table, pa.Table]:
    """The kernel's copay_rates and calendar tables for the default policy (built once:
    the calendar spans ninety years of days)."""
    copay = pa.table(
        {
            "visit_type": [c.visit_type for c in DEFAULT_COPAY],
            "ownership": [c.ownership for c in DEFAULT_COPAY],
            "percent": pa.array([c.percent for c in DEFAULT_COPAY], pa.int64()),
            "valid_from": pa.array([c.valid_from for c in DEFAULT_COPAY], pa.date32()),
            "valid_to": pa.array([c.valid_to for c in DEFAULT_COPAY], pa.date32()),
        }
    )
    return copay, calendar([(FOREVER_FROM, FOREVER_TO, DEFAULT_FILING_DEADLINE_DAYS)])
