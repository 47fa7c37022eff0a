"""Synthetic claims before any violation: who is treated where, the claims drawn, and
clean lines that obey every adjudication rule by construction."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from darman.common.jalali import fiscal_year_bounds
from darman.synth import catalogue
from darman.synth.claims_reference import (
    REFERRAL_PROVINCES,
    UNPRICED_CODE,
    Reference,
    Window,
)

# ---------------------------------------------------------------- who and where


@dataclass(frozen=True)
class People:
    """The insured, by row of the reference's insured table."""

    nid: np.ndarray
    sex: np.ndarray
    eligible: np.ndarray  # rows covered all through the window
    lapsed: np.ndarray  # rows whose only cover ended inside the window, earliest end first
    lapsed_end: np.ndarray  # their end dates as ordinals, ascending


def people_of(ref: Reference) -> People:
    nid = np.array(ref.insured["national_id"].to_pylist(), dtype=object)
    sex = np.array(ref.insured["sex"].to_pylist(), dtype=object)
    lapsed, lapsed_end = _lapsed(ref.coverage, nid, ref.window)
    order = np.argsort(lapsed_end)
    eligible = _covered_all_through(ref.coverage, nid, ref.window)
    return People(nid, sex, eligible, lapsed[order], lapsed_end[order])


def _covered_all_through(cov: pa.Table, nid: np.ndarray, window: Window) -> np.ndarray:
    """Rows of people with an open period that began before the window."""
    open_before = pc.and_(
        pc.is_null(cov["end_date"]),
        pc.less(cov["start_date"], pa.scalar(window.first, pa.date32())),
    )
    eligible_nids = set(pc.filter(cov["national_id"], open_before).to_pylist())
    return np.flatnonzero(np.array([n in eligible_nids for n in nid]))


def _lapsed(cov: pa.Table, nid: np.ndarray, window: Window) -> tuple[np.ndarray, np.ndarray]:
    """Rows of people with a single period that ended inside the window, and its end.

    The period ends at least 40 days before the window does, so a line after it
    still falls inside the window.
    """
    start_ord, end_ord = window.first.toordinal(), window.last.toordinal()
    counts: dict[str, int] = {}
    for n in cov["national_id"].to_pylist():
        counts[n] = counts.get(n, 0) + 1
    ended = [
        (n, e.toordinal())
        for n, e in zip(cov["national_id"].to_pylist(), cov["end_date"].to_pylist(), strict=True)
        if e is not None and counts[n] == 1 and start_ord <= e.toordinal() <= end_ord - 40
    ]
    nid_index = {n: i for i, n in enumerate(nid)}
    lapsed = np.array([nid_index[n] for n, _ in ended], dtype=np.int64)
    return lapsed, np.array([e for _, e in ended], dtype=np.int64)


@dataclass(frozen=True)
class Facilities:
    """The reference's facilities as arrays, by row."""

    id: np.ndarray
    level: np.ndarray
    owned: np.ndarray
    province: np.ndarray


def facilities_of(ref: Reference) -> Facilities:
    return Facilities(
        id=ref.facilities["facility_id"].to_numpy(),
        level=ref.facilities["level"].to_numpy(),
        owned=np.array([o == "owned" for o in ref.facilities["ownership"].to_pylist()]),
        province=ref.facilities["province_id"].to_numpy(),
    )


# ---------------------------------------------------------------- claims


@dataclass(frozen=True)
class Claims:
    """One entry per claim; dates are ordinals."""

    facility: np.ndarray  # row of the facilities
    person: np.ndarray  # row of the insured
    visit: np.ndarray
    start: np.ndarray
    end: np.ndarray
    submitted: np.ndarray
    # Whether the claim names a referral; an injected R10 takes it away.
    referred: np.ndarray


def claim_of_each_line(rng: np.random.Generator, n_lines: int) -> np.ndarray:
    """The claim (0, 1, ...) of every line: claims of 1-4 consecutive lines."""
    sizes = rng.integers(1, 5, size=n_lines)  # more than enough claims
    return np.repeat(np.arange(len(sizes)), sizes)[:n_lines]


def draw_claims(
    rng: np.random.Generator, n_claims: int, people: People, fac: Facilities, window: Window
) -> Claims:
    """Facility, person, visit type and dates; an inpatient stay lasts 1-7 days, and a
    claim is filed up to 44 days after it ends (sooner near the window's submission
    deadline, so nothing is filed after it)."""
    start_ord, end_ord = window.first.toordinal(), window.last.toordinal()
    facility = rng.integers(0, len(fac.id), n_claims)
    person = people.eligible[rng.integers(0, len(people.eligible), n_claims)]
    visit = rng.choice(
        np.array(["outpatient", "inpatient", "emergency"]), n_claims, p=[0.8, 0.12, 0.08]
    )
    start = rng.integers(start_ord, end_ord - 10, n_claims)
    end = start + np.where(visit == "inpatient", rng.integers(1, 8, n_claims), 0)
    delay = rng.integers(0, 45, n_claims)
    if window.submitted_by is not None:
        room = np.clip(window.submitted_by.toordinal() - end + 1, 1, 45)
        delay = delay * room // 45
    submitted = end + delay
    facility = _first_level_first(rng, facility, fac)
    # a family physician refers to a specialist: claims of level-2 and level-3 centres
    # where the programme runs name a referral, a level-1 visit needs none
    referred = np.isin(fac.province[facility], REFERRAL_PROVINCES) & (fac.level[facility] >= 2)
    return Claims(facility, person, visit, start, end, submitted, referred)


# Where the referral programme runs, care starts at level 1: this share of the claims drawn
# at a level-2 or level-3 centre goes to a level-1 centre of the province instead, so
# referrals stay a minority of level-1 visits, as the programme's rate expects.
FIRST_LEVEL_SHARE = 0.6


def _first_level_first(
    rng: np.random.Generator, facility: np.ndarray, fac: Facilities
) -> np.ndarray:
    moved = facility.copy()
    draw = rng.random(len(facility))
    pick = rng.integers(0, 1 << 30, len(facility))
    for province in REFERRAL_PROVINCES:
        level1 = np.flatnonzero((fac.province == province) & (fac.level == 1))
        if not len(level1):
            continue
        upper = (fac.province[facility] == province) & (fac.level[facility] >= 2)
        move = upper & (draw < FIRST_LEVEL_SHARE)
        moved[move] = level1[pick[move] % len(level1)]
    return moved


# ---------------------------------------------------------------- clean lines


@dataclass(frozen=True)
class Draft:
    """The lines being built, one array per column; injections edit them in place.

    Dates are ordinals; admission and discharge are -1 outside a stay.
    """

    claims: Claims
    claim: np.ndarray  # the claim of each line
    line_no: np.ndarray  # 0-based place in its claim
    facility: np.ndarray  # row of the facilities
    level: np.ndarray
    owned: np.ndarray
    province: np.ndarray
    service_date: np.ndarray
    submitted: np.ndarray
    admission: np.ndarray
    discharge: np.ndarray
    is_drug: np.ndarray
    code: np.ndarray
    quantity: np.ndarray
    price: np.ndarray
    nid: np.ndarray
    nid_valid: np.ndarray
    undispensed: np.ndarray  # a drug line whose prescription was not dispensed (R11)
    injected: np.ndarray  # the truth: the code injected, or None


def clean_lines(
    rng: np.random.Generator,
    made: Claims,
    claim_of_line: np.ndarray,
    people: People,
    fac: Facilities,
) -> Draft:
    """Lines that obey every rule: each on a day of its claim, for the claim's person."""
    n_lines = len(claim_of_line)
    line_no = np.arange(n_lines) - np.searchsorted(claim_of_line, claim_of_line)
    facility = made.facility[claim_of_line]
    stay = (made.end - made.start)[claim_of_line]
    service_date = made.start[claim_of_line] + (rng.integers(0, 1 << 30, n_lines) % (stay + 1))
    inpatient = made.visit == "inpatient"
    level = fac.level[facility]
    owned = fac.owned[facility]
    is_drug, code = _clean_items(rng, level)
    # priced in the fiscal year the claim began: a later line of it (past Nowruz) then
    # asks less than its own year's tariff, which is allowed and deducts nothing
    year = fiscal_years(made.start)[claim_of_line]
    quantity, price = _clean_amounts(rng, is_drug, code, level, owned, year)
    return Draft(
        claims=made,
        claim=claim_of_line,
        line_no=line_no,
        facility=facility,
        level=level,
        owned=owned,
        province=fac.province[facility],
        service_date=service_date,
        submitted=made.submitted[claim_of_line].copy(),
        admission=np.where(inpatient, made.start, -1)[claim_of_line],
        discharge=np.where(inpatient, made.end, -1)[claim_of_line],
        is_drug=is_drug,
        code=code,
        quantity=quantity,
        price=price,
        nid=people.nid[made.person[claim_of_line]].copy(),
        nid_valid=np.ones(n_lines, dtype=bool),
        undispensed=np.zeros(n_lines, dtype=bool),
        injected=np.full(n_lines, None, dtype=object),
    )


def _clean_items(rng: np.random.Generator, level: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """A quarter drugs (covered ones); services with no sex, age or frequency limit,
    priced in the years claims are drawn in, that the line's facility level may give."""
    n_lines = len(level)
    svc_rows = [
        s
        for s in catalogue.SERVICES
        if s[4] is None
        and s[5] is None
        and s[6] is None
        and s[0] not in catalogue.FREQUENCY_DAYS
        and s[0] != UNPRICED_CODE
    ]
    svc_code = np.array([s[0] for s in svc_rows], dtype=object)
    svc_min = np.array([s[3] for s in svc_rows])
    is_drug = rng.random(n_lines) < 0.25
    code = np.empty(n_lines, dtype=object)
    for lvl in (1, 2, 3):
        pick = np.flatnonzero((level == lvl) & ~is_drug)
        allowed = np.flatnonzero(svc_min <= lvl)
        code[pick] = svc_code[allowed[rng.integers(0, len(allowed), len(pick))]]
    covered_drugs = covered_drug_codes()
    dpick = np.flatnonzero(is_drug)
    code[dpick] = covered_drugs[rng.integers(0, len(covered_drugs), len(dpick))]
    return is_drug, code


def _clean_amounts(
    rng: np.random.Generator,
    is_drug: np.ndarray,
    code: np.ndarray,
    level: np.ndarray,
    owned: np.ndarray,
    year: np.ndarray,
) -> tuple[np.ndarray, np.ndarray]:
    """Quantity and unit price: one service at its tariff of ``year``, drugs up to their
    maximum at their price."""
    n_lines = len(code)
    tariff = tariff_table()
    drug_max = drug_max_table()
    quantity = np.where(is_drug, 0, 1)
    price = np.zeros(n_lines, dtype=np.int64)
    for i in np.flatnonzero(~is_drug):
        price[i] = tariff[
            (code[i], int(level[i]), "owned" if owned[i] else "contracted", int(year[i]))
        ]
    for i in np.flatnonzero(is_drug):
        quantity[i] = 1 + int(rng.integers(0, drug_max[code[i]]))
        price[i] = catalogue.DRUG_PRICES[code[i]]
    # some services ask less than the tariff (allowed; nothing deducted)
    cheaper = (~is_drug) & (rng.random(n_lines) < 0.1)
    price[cheaper] = price[cheaper] * 9 // 10
    return quantity, price


def tariff_table() -> dict[tuple[str, int, str, int], int]:
    """The tariff by (code, level, ownership, fiscal year), for every published year."""
    return {
        (c, lvl, own, year): catalogue.tariff_amount(base, year, lvl, mn, own)
        for c, _, _, mn, _, _, _, base in catalogue.SERVICES
        for lvl in range(mn, 4)
        for own in ("owned", "contracted")
        for year in catalogue.TARIFF_YEARS
    }


def fiscal_years(ordinals: np.ndarray) -> np.ndarray:
    """The fiscal (Jalali) year of each day, given as ordinals."""
    years = np.array(catalogue.TARIFF_YEARS)
    starts = np.array([fiscal_year_bounds(int(y))[0].toordinal() for y in years])
    at = np.searchsorted(starts, ordinals, side="right") - 1
    if (at < 0).any():
        first = dt.date.fromordinal(int(np.min(ordinals)))
        raise ValueError(f"no tariff is published for {first}: before {years[0]}")
    return years[at]


def drug_max_table() -> dict[str, int]:
    return {d[0]: d[5] for d in catalogue.DRUGS}


def covered_drug_codes() -> np.ndarray:
    return np.array([d[0] for d in catalogue.DRUGS if d[4]], dtype=object)
