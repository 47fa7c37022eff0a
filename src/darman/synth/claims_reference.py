"""The synthetic country's registry as the adjudication kernel's reference tables, and
the window of days and programme dates its synthetic claims are drawn in."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import pyarrow as pa

from darman.claims.kernel import DEDUCT_CODES, REJECT_CODES
from darman.claims.rules import default_policy
from darman.common.jalali import fiscal_year
from darman.registry.provinces import read_facts
from darman.synth import catalogue, generator

YEAR = 1404
YEAR_START = dt.date(2025, 3, 21)  # 1 Farvardin 1404
YEAR_END = dt.date(2026, 3, 20)  # 29 Esfand 1404
# A new catalogue entry with no tariff yet in the years claims are drawn in: lines for it
# fail R02.
UNPRICED_CODE = "400110"
UNKNOWN_CODE = "999999"
# one injected violation of every kind the kernel knows
# D03 (the referral-bypass copayment) needs a province that charges one; the synthetic
# country's referral provinces reject instead, so it is never injected.
INJECTED = tuple(c for c in (*REJECT_CODES, *DEDUCT_CODES) if c != "D03")
# Phase 1 of the referral programme: Tehran and Alborz (province ids of provinces.csv).
REFERRAL_PROVINCES = (5, 8)
EPRESCRIPTION_FROM = dt.date(2021, 3, 21)
# Specialist visits need a family physician's referral where the programme runs.
REFERRAL_CODES = tuple(s[0] for s in catalogue.SERVICES if s[2] == "visit" and s[3] >= 2)


@dataclass(frozen=True)
class Window:
    """The days synthetic claims are drawn in: services from ``first`` to ``last``, and,
    when ``submitted_by`` is set, no claim submitted after it (a demo seeded on a day has
    nothing filed in its future)."""

    first: dt.date
    last: dt.date
    submitted_by: dt.date | None = None

    @property
    def years(self) -> tuple[int, ...]:
        """The fiscal (Jalali) years the window's services fall in."""
        return tuple(range(fiscal_year(self.first), fiscal_year(self.last) + 1))

    @property
    def referral_from(self) -> dt.date:
        """The referral programme started the day before the window: every specialist
        visit in it needs a referral where the programme runs."""
        return self.first - dt.timedelta(days=1)


# Fixed dates for the kernel's tests and benchmarks, so their datasets never move.
FISCAL_1404 = Window(YEAR_START, YEAR_END)
WINDOW_DAYS = 365


def window_before(anchor: dt.date) -> Window:
    """The twelve months of activity up to the day before ``anchor`` (the day a demo is
    seeded): services in them, and every claim filed by that day."""
    last = anchor - dt.timedelta(days=1)
    return Window(anchor - dt.timedelta(days=WINDOW_DAYS), last, submitted_by=last)


@dataclass(frozen=True)
class Reference:
    """The kernel's reference tables, as Arrow."""

    facilities: pa.Table
    insured: pa.Table
    coverage: pa.Table
    services: pa.Table
    drugs: pa.Table
    tariffs: pa.Table
    calendar: pa.Table
    copay_rates: pa.Table
    rollouts: pa.Table
    window: Window = FISCAL_1404


def reference(*, scale: float, seed: int, window: Window = FISCAL_1404) -> Reference:
    """The registry the seed would load, as kernel tables, built in memory, for claims
    drawn in ``window`` (the unpriced code has no tariff in any of its years)."""
    plans = generator.plan(read_facts(), scale=scale, seed=seed)
    fac = generator.facilities(plans, seed=seed)
    facilities = pa.table(
        {
            "facility_id": pa.array([r[0] for r in fac.rows], pa.int64()),
            "level": pa.array([r[5] for r in fac.rows], pa.int64()),
            "province_id": pa.array([r[6] for r in fac.rows], pa.int64()),
            "ownership": [r[3] for r in fac.rows],
        }
    )
    nids: list[str] = []
    sexes: list[str] = []
    births: list[dt.date] = []
    for chunk in generator.insured(plans, seed=seed):
        for r in chunk.rows:
            nids.append(str(r[1]))
            sexes.append(str(r[4]))
            births.append(r[5])  # type: ignore[arg-type]
    insured = pa.table(
        {"national_id": nids, "sex": sexes, "birth_date": pa.array(births, pa.date32())}
    )
    cov_nid: list[str] = []
    cov_start: list[dt.date] = []
    cov_end: list[dt.date | None] = []
    for chunk in generator.coverage(plans, seed=seed):
        for r in chunk.rows:
            cov_nid.append(nids[int(r[1]) - 1])  # type: ignore[call-overload]
            cov_start.append(r[2])  # type: ignore[arg-type]
            cov_end.append(r[3])  # type: ignore[arg-type]
    coverage = pa.table(
        {
            "national_id": cov_nid,
            "start_date": pa.array(cov_start, pa.date32()),
            "end_date": pa.array(cov_end, pa.date32()),
        }
    )
    services = pa.table(
        {
            "code": [s[0] for s in catalogue.SERVICES],
            "min_level": pa.array([s[3] for s in catalogue.SERVICES], pa.int64()),
            "sex_limit": [s[4] for s in catalogue.SERVICES],
            "min_age": pa.array([s[5] for s in catalogue.SERVICES], pa.int64()),
            "max_age": pa.array([s[6] for s in catalogue.SERVICES], pa.int64()),
            "frequency_days": pa.array(
                [catalogue.FREQUENCY_DAYS.get(s[0]) for s in catalogue.SERVICES], pa.int64()
            ),
            "max_per_claim": pa.array(
                [catalogue.MAX_PER_CLAIM.get(s[0]) for s in catalogue.SERVICES], pa.int64()
            ),
            "requires_referral": [s[0] in REFERRAL_CODES for s in catalogue.SERVICES],
        }
    )
    drugs = pa.table(
        {
            "code": [d[0] for d in catalogue.DRUGS],
            "covered": [d[4] for d in catalogue.DRUGS],
            "max_quantity": pa.array([d[5] for d in catalogue.DRUGS], pa.int64()),
            "price": pa.array([catalogue.DRUG_PRICES[d[0]] for d in catalogue.DRUGS], pa.int64()),
        }
    )
    t_code, t_year, t_level, t_own, t_amount = [], [], [], [], []
    for code, _, _, min_level, _, _, _, base in catalogue.SERVICES:
        for year in catalogue.TARIFF_YEARS:
            if code == UNPRICED_CODE and year in window.years:
                continue
            for level in range(min_level, 4):
                for ownership in ("owned", "contracted"):
                    t_code.append(code)
                    t_year.append(year)
                    t_level.append(level)
                    t_own.append(ownership)
                    t_amount.append(
                        catalogue.tariff_amount(base, year, level, min_level, ownership)
                    )
    tariffs = pa.table(
        {
            "code": t_code,
            "year": pa.array(t_year, pa.int32()),
            "level": pa.array(t_level, pa.int64()),
            "ownership": t_own,
            "amount": pa.array(t_amount, pa.int64()),
        }
    )
    copay, days = default_policy()
    rollouts = pa.table(
        {
            "province_id": pa.array([*REFERRAL_PROVINCES, *range(1, 32)], pa.int64()),
            "programme": ["referral"] * len(REFERRAL_PROVINCES) + ["eprescription"] * 31,
            "active_from": pa.array(
                [window.referral_from] * len(REFERRAL_PROVINCES) + [EPRESCRIPTION_FROM] * 31,
                pa.date32(),
            ),
            # a missing referral is rejected everywhere (no bypass copayment)
            "bypass_copay_percent": pa.nulls(len(REFERRAL_PROVINCES) + 31, pa.int64()),
        }
    )
    return Reference(
        facilities, insured, coverage, services, drugs, tariffs, days, copay, rollouts, window
    )
