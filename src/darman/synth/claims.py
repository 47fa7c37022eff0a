"""Synthetic claims with known violations injected, for tests, benchmarks and the demo.

Clean lines obey every adjudication rule by construction; a chosen share of
lines gets exactly one violation each, and the code injected is recorded as
ground truth. Everything is vectorised with NumPy and comes out as Arrow
tables in the kernel's own column layout.
"""

from __future__ import annotations

import datetime as dt
import itertools
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from darman.claims.kernel import DEDUCT_CODES, REJECT_CODES
from darman.claims.rules import default_policy
from darman.registry.provinces import read_facts
from darman.synth import catalogue, generator

YEAR = 1404
YEAR_START = dt.date(2025, 3, 21)  # 1 Farvardin 1404
YEAR_END = dt.date(2026, 3, 20)  # 29 Esfand 1404
# A new catalogue entry that has no tariff for 1404 yet: lines for it fail R02.
UNPRICED_CODE = "400110"
UNKNOWN_CODE = "999999"
# one injected violation of every kind the kernel knows
# D03 (the referral-bypass copayment) needs a province that charges one; the synthetic
# country's referral provinces reject instead, so it is never injected.
INJECTED = tuple(c for c in (*REJECT_CODES, *DEDUCT_CODES) if c != "D03")
# Phase 1 of the referral programme: Tehran and Alborz (province ids of provinces.csv).
REFERRAL_PROVINCES = (5, 8)
REFERRAL_FROM = YEAR_START - dt.timedelta(days=1)
EPRESCRIPTION_FROM = dt.date(2021, 3, 21)
# Specialist visits need a family physician's referral where the programme runs.
REFERRAL_CODES = tuple(s[0] for s in catalogue.SERVICES if s[2] == "visit" and s[3] >= 2)


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


def reference(*, scale: float, seed: int) -> Reference:
    """The registry the seed would load, as kernel tables, built in memory."""
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
            if code == UNPRICED_CODE and year == YEAR:
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
                [REFERRAL_FROM] * len(REFERRAL_PROVINCES) + [EPRESCRIPTION_FROM] * 31, pa.date32()
            ),
            # a missing referral is rejected everywhere (no bypass copayment)
            "bypass_copay_percent": pa.nulls(len(REFERRAL_PROVINCES) + 31, pa.int64()),
        }
    )
    return Reference(facilities, insured, coverage, services, drugs, tariffs, days, copay, rollouts)


@dataclass(frozen=True)
class SyntheticClaims:
    lines: pa.Table  # the kernel's `lines` layout
    truth: pa.Table  # line_id, injected (code or null)
    referrals: pa.Table  # ref_number, national_id, issued_on, valid_until
    dispensings: pa.Table  # prescription_ref, national_id, code, quantity


def claims(
    ref: Reference, *, n_lines: int, seed: int, violation_share: float = 0.1
) -> SyntheticClaims:
    """``n_lines`` lines in claims of 1-4 lines over fiscal year 1404.

    A share ``violation_share`` of lines carries one injected violation each,
    spread evenly over the codes in INJECTED.
    """
    # The steps draw from one generator in a fixed order: reordering them changes
    # every seed's dataset.
    rng = np.random.default_rng([seed, 77])
    people = _people(ref)
    fac = _facilities(ref)
    claim_of_line = _claim_of_line(rng, n_lines)
    made = _draw_claims(rng, int(claim_of_line[-1]) + 1, people, fac)
    draft = _clean_lines(rng, made, claim_of_line, people, fac)
    _inject_violations(rng, draft, _pools(people), violation_share)
    # Injections and chance meet in ways no single injection foresees; the truth
    # follows what the kernel will rightly see.
    _mark_repeats(draft)
    _mark_frequency_clashes(draft)
    _mark_dispensing_shortfalls(draft)
    _mark_missing_referrals(draft)
    lines = _lines_table(draft, fac)
    truth = pa.table(
        {"line_id": lines["line_id"], "injected": pa.array(draft.injected.tolist(), pa.string())}
    )
    return SyntheticClaims(lines, truth, _referrals_table(made, people), _dispensings_table(draft))


# ---------------------------------------------------------------- who and where


@dataclass(frozen=True)
class _People:
    """The insured, by row of the reference's insured table."""

    nid: np.ndarray
    sex: np.ndarray
    eligible: np.ndarray  # rows covered all year
    lapsed: np.ndarray  # rows whose only cover ended inside the year, earliest end first
    lapsed_end: np.ndarray  # their end dates as ordinals, ascending


def _people(ref: Reference) -> _People:
    nid = np.array(ref.insured["national_id"].to_pylist(), dtype=object)
    sex = np.array(ref.insured["sex"].to_pylist(), dtype=object)
    lapsed, lapsed_end = _lapsed(ref.coverage, nid)
    order = np.argsort(lapsed_end)
    return _People(nid, sex, _covered_all_year(ref.coverage, nid), lapsed[order], lapsed_end[order])


def _covered_all_year(cov: pa.Table, nid: np.ndarray) -> np.ndarray:
    """Rows of people with an open period that began before the year."""
    open_before = pc.and_(
        pc.is_null(cov["end_date"]), pc.less(cov["start_date"], pa.scalar(YEAR_START, pa.date32()))
    )
    eligible_nids = set(pc.filter(cov["national_id"], open_before).to_pylist())
    return np.flatnonzero(np.array([n in eligible_nids for n in nid]))


def _lapsed(cov: pa.Table, nid: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Rows of people with a single period that ended inside the year, and its end.

    The period ends at least 40 days before the year does, so a line after it
    still falls inside the year.
    """
    start_ord, end_ord = YEAR_START.toordinal(), YEAR_END.toordinal()
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
class _Facilities:
    """The reference's facilities as arrays, by row."""

    id: np.ndarray
    level: np.ndarray
    owned: np.ndarray
    province: np.ndarray


def _facilities(ref: Reference) -> _Facilities:
    return _Facilities(
        id=ref.facilities["facility_id"].to_numpy(),
        level=ref.facilities["level"].to_numpy(),
        owned=np.array([o == "owned" for o in ref.facilities["ownership"].to_pylist()]),
        province=ref.facilities["province_id"].to_numpy(),
    )


# ---------------------------------------------------------------- claims


@dataclass(frozen=True)
class _Claims:
    """One entry per claim; dates are ordinals."""

    facility: np.ndarray  # row of the facilities
    person: np.ndarray  # row of the insured
    visit: np.ndarray
    start: np.ndarray
    end: np.ndarray
    submitted: np.ndarray
    # Whether the claim names a referral; an injected R10 takes it away.
    referred: np.ndarray


def _claim_of_line(rng: np.random.Generator, n_lines: int) -> np.ndarray:
    """The claim (0, 1, ...) of every line: claims of 1-4 consecutive lines."""
    sizes = rng.integers(1, 5, size=n_lines)  # more than enough claims
    return np.repeat(np.arange(len(sizes)), sizes)[:n_lines]


def _draw_claims(
    rng: np.random.Generator, n_claims: int, people: _People, fac: _Facilities
) -> _Claims:
    """Facility, person, visit type and dates; an inpatient stay lasts 1-7 days."""
    start_ord, end_ord = YEAR_START.toordinal(), YEAR_END.toordinal()
    facility = rng.integers(0, len(fac.id), n_claims)
    person = people.eligible[rng.integers(0, len(people.eligible), n_claims)]
    visit = rng.choice(
        np.array(["outpatient", "inpatient", "emergency"]), n_claims, p=[0.8, 0.12, 0.08]
    )
    start = rng.integers(start_ord, end_ord - 10, n_claims)
    end = start + np.where(visit == "inpatient", rng.integers(1, 8, n_claims), 0)
    submitted = end + rng.integers(0, 45, n_claims)
    referred = np.isin(fac.province[facility], REFERRAL_PROVINCES)
    return _Claims(facility, person, visit, start, end, submitted, referred)


# ---------------------------------------------------------------- clean lines


@dataclass(frozen=True)
class _Draft:
    """The lines being built, one array per column; injections edit them in place.

    Dates are ordinals; admission and discharge are -1 outside a stay.
    """

    claims: _Claims
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


def _clean_lines(
    rng: np.random.Generator,
    made: _Claims,
    claim_of_line: np.ndarray,
    people: _People,
    fac: _Facilities,
) -> _Draft:
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
    quantity, price = _clean_amounts(rng, is_drug, code, level, owned)
    return _Draft(
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
    priced for 1404, that the line's facility level may give."""
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
    covered_drugs = _covered_drugs()
    dpick = np.flatnonzero(is_drug)
    code[dpick] = covered_drugs[rng.integers(0, len(covered_drugs), len(dpick))]
    return is_drug, code


def _clean_amounts(
    rng: np.random.Generator,
    is_drug: np.ndarray,
    code: np.ndarray,
    level: np.ndarray,
    owned: np.ndarray,
) -> tuple[np.ndarray, np.ndarray]:
    """Quantity and unit price: one service at its tariff, drugs up to their maximum
    at their price."""
    n_lines = len(code)
    tariff = _tariffs()
    drug_max = _drug_max()
    quantity = np.where(is_drug, 0, 1)
    price = np.zeros(n_lines, dtype=np.int64)
    for i in np.flatnonzero(~is_drug):
        price[i] = tariff[(code[i], int(level[i]), "owned" if owned[i] else "contracted")]
    for i in np.flatnonzero(is_drug):
        quantity[i] = 1 + int(rng.integers(0, drug_max[code[i]]))
        price[i] = catalogue.DRUG_PRICES[code[i]]
    # some services ask less than the tariff (allowed; nothing deducted)
    cheaper = (~is_drug) & (rng.random(n_lines) < 0.1)
    price[cheaper] = price[cheaper] * 9 // 10
    return quantity, price


def _tariffs() -> dict[tuple[str, int, str], int]:
    """1404's tariff by (code, level, ownership)."""
    return {
        (c, lvl, own): catalogue.tariff_amount(base, YEAR, lvl, mn, own)
        for c, _, _, mn, _, _, _, base in catalogue.SERVICES
        for lvl in range(mn, 4)
        for own in ("owned", "contracted")
    }


def _drug_max() -> dict[str, int]:
    return {d[0]: d[5] for d in catalogue.DRUGS}


def _covered_drugs() -> np.ndarray:
    return np.array([d[0] for d in catalogue.DRUGS if d[4]], dtype=object)


# ---------------------------------------------------------------- injected violations


@dataclass(frozen=True)
class _Pools:
    """What the injections draw from."""

    people: _People
    male: np.ndarray  # rows of eligible men
    tariff: dict[tuple[str, int, str], int]
    drug_max: dict[str, int]
    covered_drugs: np.ndarray
    not_covered_drugs: list[str]
    level3_codes: np.ndarray  # level-3-only services with no sex or age limit
    freq_codes: np.ndarray  # frequency-limited services level 2 may give, no sex or age limit


def _pools(people: _People) -> _Pools:
    level3 = {
        c
        for c, _, _, mn, sx, lo, hi, _ in catalogue.SERVICES
        if mn == 3 and sx is None and lo is None and hi is None
    }
    freq_codes = sorted(
        s[0]
        for s in catalogue.SERVICES
        if s[0] in catalogue.FREQUENCY_DAYS
        and s[3] <= 2
        and s[4] is None
        and s[5] is None
        and s[6] is None
    )
    return _Pools(
        people=people,
        male=people.eligible[people.sex[people.eligible] == "male"],
        tariff=_tariffs(),
        drug_max=_drug_max(),
        covered_drugs=_covered_drugs(),
        not_covered_drugs=[d[0] for d in catalogue.DRUGS if not d[4]],
        level3_codes=np.array(sorted(level3), dtype=object),
        freq_codes=np.array(freq_codes, dtype=object),
    )


def _inject_violations(
    rng: np.random.Generator, d: _Draft, pools: _Pools, violation_share: float
) -> None:
    """One violation each on a share of lines, the kinds in turn; the truth records
    the one that took (a kind the line cannot carry falls back to D01, or to none)."""
    n_bad = int(len(d.code) * violation_share)
    # Inject only into odd-numbered lines of a claim: R07 and R08 copy from the line
    # before, which is then never itself injected.
    candidates = np.flatnonzero(d.line_no % 2 == 1)
    chosen = rng.choice(candidates, size=min(n_bad, len(candidates)), replace=False)
    kinds = np.array(INJECTED, dtype=object)[np.arange(len(chosen)) % len(INJECTED)]
    for i, kind in zip(chosen.tolist(), kinds.tolist(), strict=True):
        d.injected[i] = _INJECT[kind](rng, d, pools, i)


def _tariff_at(d: _Draft, pools: _Pools, code: str, i: int) -> int:
    """The tariff of ``code`` at line ``i``'s facility."""
    return pools.tariff[(code, int(d.level[i]), "owned" if d.owned[i] else "contracted")]


def _unknown_code(rng: np.random.Generator, d: _Draft, pools: _Pools, i: int) -> str | None:
    d.is_drug[i], d.code[i], d.quantity[i], d.price[i] = False, UNKNOWN_CODE, 1, 1_000_000
    return "R01"


def _unpriced_code(rng: np.random.Generator, d: _Draft, pools: _Pools, i: int) -> str | None:
    if d.level[i] < 1:
        return None
    d.is_drug[i], d.code[i], d.quantity[i], d.price[i] = False, UNPRICED_CODE, 1, 1_800_000
    return "R02"


def _bad_national_id(rng: np.random.Generator, d: _Draft, pools: _Pools, i: int) -> str | None:
    d.nid[i] = _flip_check_digit(d.nid[i])
    d.nid_valid[i] = False
    return "R03"


def _not_covered(rng: np.random.Generator, d: _Draft, pools: _Pools, i: int) -> str | None:
    """Someone whose only cover ended before this line's date, if anyone's did."""
    ended_before = int(np.searchsorted(pools.people.lapsed_end, d.service_date[i]))
    if ended_before == 0:
        return None
    d.nid[i] = pools.people.nid[pools.people.lapsed[int(rng.integers(0, ended_before))]]
    return "R04"


def _above_level(rng: np.random.Generator, d: _Draft, pools: _Pools, i: int) -> str | None:
    if d.level[i] == 3:  # nothing is above level 3
        return _overcharge(rng, d, pools, i)
    d.is_drug[i], d.quantity[i] = False, 1
    d.code[i] = pools.level3_codes[int(rng.integers(0, len(pools.level3_codes)))]
    d.price[i] = 5_000_000
    return "R05"


def _wrong_sex(rng: np.random.Generator, d: _Draft, pools: _Pools, i: int) -> str | None:
    d.is_drug[i], d.quantity[i] = False, 1
    d.code[i] = "200108"  # pregnancy test: women 10-60 only
    d.nid[i] = pools.people.nid[pools.male[int(rng.integers(0, len(pools.male)))]]
    d.price[i] = _tariff_at(d, pools, "200108", i) if d.level[i] >= 1 else 900_000
    return "R06"


def _too_frequent(rng: np.random.Generator, d: _Draft, pools: _Pools, i: int) -> str | None:
    """The claim's previous line becomes a frequency-limited service; this line
    repeats it for the same person a few days later."""
    prev = i - 1  # the claim's previous line (same claim, same person and facility)
    c = pools.freq_codes[int(rng.integers(0, len(pools.freq_codes)))]
    if d.level[i] < 2:
        return _overcharge(rng, d, pools, i)
    d.is_drug[i] = d.is_drug[prev] = False
    d.code[i] = d.code[prev] = c
    d.quantity[i] = d.quantity[prev] = 1
    d.price[i] = d.price[prev] = _tariff_at(d, pools, c, i)
    d.nid[i] = d.nid[prev]
    d.service_date[i] = d.service_date[prev] + 1 + int(rng.integers(0, 20))
    d.submitted[i] = max(d.submitted[i], d.service_date[i])
    if d.admission[i] >= 0:
        d.discharge[i] = max(d.discharge[i], d.service_date[i])
    return "R07"


def _duplicate(rng: np.random.Generator, d: _Draft, pools: _Pools, i: int) -> str | None:
    """The claim's previous line again (same claim, same person and facility)."""
    prev = i - 1
    d.is_drug[i], d.code[i], d.quantity[i], d.price[i] = (
        d.is_drug[prev],
        d.code[prev],
        d.quantity[prev],
        d.price[prev],
    )
    d.nid[i], d.service_date[i] = d.nid[prev], d.service_date[prev]
    return "R08"


def _late(rng: np.random.Generator, d: _Draft, pools: _Pools, i: int) -> str | None:
    d.submitted[i] = d.service_date[i] + 200
    return "R09"


def _unreferred(rng: np.random.Generator, d: _Draft, pools: _Pools, i: int) -> str | None:
    """A specialist visit in a claim that then names no referral."""
    claim = d.claim[i]
    if not (d.claims.referred[claim] and d.level[i] >= 2):
        return _overcharge(rng, d, pools, i)
    d.is_drug[i], d.code[i], d.quantity[i] = False, "100102", 1
    d.price[i] = _tariff_at(d, pools, "100102", i)
    d.claims.referred[claim] = False
    return "R10"


def _undispensed(rng: np.random.Generator, d: _Draft, pools: _Pools, i: int) -> str | None:
    if not d.is_drug[i]:
        d.is_drug[i], d.quantity[i] = True, 1
        d.code[i] = pools.covered_drugs[int(rng.integers(0, len(pools.covered_drugs)))]
        d.price[i] = catalogue.DRUG_PRICES[d.code[i]]
    d.undispensed[i] = True
    return "R11"


def _uncovered_drug(rng: np.random.Generator, d: _Draft, pools: _Pools, i: int) -> str | None:
    d.is_drug[i], d.quantity[i] = True, 1
    d.code[i] = pools.not_covered_drugs[int(rng.integers(0, len(pools.not_covered_drugs)))]
    d.price[i] = catalogue.DRUG_PRICES[d.code[i]]
    return "R12"


def _overcharge(rng: np.random.Generator, d: _Draft, pools: _Pools, i: int) -> str | None:
    """A price above the drug's price or the tariff, by a tenth and at least 10,000."""
    ref_price = (
        catalogue.DRUG_PRICES[d.code[i]] if d.is_drug[i] else _tariff_at(d, pools, d.code[i], i)
    )
    d.price[i] = ref_price + max(10_000, ref_price // 10)
    return "D01"


def _over_quantity(rng: np.random.Generator, d: _Draft, pools: _Pools, i: int) -> str | None:
    if d.is_drug[i]:
        d.quantity[i] = pools.drug_max[d.code[i]] + 1 + int(rng.integers(0, 5))
    else:
        c = "700101"
        d.code[i], d.quantity[i] = c, catalogue.MAX_PER_CLAIM[c] + 2
        d.price[i] = _tariff_at(d, pools, c, i)
    return "D02"


# How each code of INJECTED is put into line i; the answer is the code that took.
_INJECT: dict[str, Callable[[np.random.Generator, _Draft, _Pools, int], str | None]] = {
    "R01": _unknown_code,
    "R02": _unpriced_code,
    "R03": _bad_national_id,
    "R04": _not_covered,
    "R05": _above_level,
    "R06": _wrong_sex,
    "R07": _too_frequent,
    "R08": _duplicate,
    "R09": _late,
    "R10": _unreferred,
    "R11": _undispensed,
    "R12": _uncovered_drug,
    "D01": _overcharge,
    "D02": _over_quantity,
}


def _flip_check_digit(nid: str) -> str:
    return nid[:9] + str((int(nid[9]) + 1) % 10)


# ---------------------------------------------------------------- the truth, settled


def _mark_repeats(d: _Draft) -> None:
    """Lines of one outpatient claim share a date, so the random draw can repeat a
    code: such a repeat is a real duplicate, and the truth says so."""
    key = np.array(
        [
            f"{n}|{f}|{c}|{day}"
            for n, f, c, day in zip(d.nid, d.facility, d.code, d.service_date, strict=True)
        ],
        dtype=object,
    )
    _, first = np.unique(key, return_index=True)
    repeat = np.ones(len(key), dtype=bool)
    repeat[first] = False
    # A repeated line is rejected whole, so a deduction injected into it cannot show.
    d.injected[repeat & _clean_or_deducted(d.injected)] = "R08"


def _mark_frequency_clashes(d: _Draft) -> None:
    """Two injections can land on the same person by chance and put a limited service
    inside another's window: that line is then a real frequency violation."""
    limited = np.flatnonzero(
        np.isin(d.code, np.array(list(catalogue.FREQUENCY_DAYS), dtype=object)) & ~d.is_drug
    )
    order = limited[
        np.lexsort(
            (limited, d.service_date[limited], d.code[limited].astype(str),
             d.nid[limited].astype(str))
        )
    ]  # fmt: skip
    for a, b in itertools.pairwise(order):
        if (
            d.nid[a] == d.nid[b]
            and d.code[a] == d.code[b]
            and d.service_date[b] - d.service_date[a] < catalogue.FREQUENCY_DAYS[d.code[b]]
        ) and (d.injected[b] is None or d.injected[b] in ("D01", "D02")):
            d.injected[b] = "R07"


def _mark_dispensing_shortfalls(d: _Draft) -> None:
    """Lines of one drug on a prescription use the dispensed quantity up in line order;
    the truth for R11 is whatever that leaves uncovered."""
    dispensed_qty: dict[tuple[int, str, str], int] = {}
    for i in np.flatnonzero(d.is_drug & ~d.undispensed).tolist():
        key = (int(d.claim[i]), str(d.nid[i]), str(d.code[i]))
        dispensed_qty[key] = dispensed_qty.get(key, 0) + int(d.quantity[i])
    used_qty: dict[tuple[int, str, str], int] = {}
    for i in np.flatnonzero(d.is_drug).tolist():
        key = (int(d.claim[i]), str(d.nid[i]), str(d.code[i]))
        used_qty[key] = used_qty.get(key, 0) + int(d.quantity[i])
        short = used_qty[key] > dispensed_qty.get(key, 0)
        if short and (d.injected[i] is None or d.injected[i] in ("D01", "D02", "R11")):
            d.injected[i] = "R11"
        elif not short and d.injected[i] == "R11":
            d.injected[i] = None  # a later line of the same drug carries the shortfall


def _mark_missing_referrals(d: _Draft) -> None:
    """Every specialist visit of a claim that names no referral is a real R10."""
    needs = (~d.is_drug) & np.isin(d.code, np.array(REFERRAL_CODES, dtype=object))
    needs &= np.isin(d.province, REFERRAL_PROVINCES) & ~d.claims.referred[d.claim]
    d.injected[needs & _clean_or_deducted(d.injected)] = "R10"


def _clean_or_deducted(injected: np.ndarray) -> np.ndarray:
    """Lines a rejection found by chance takes over: clean, or only deducted."""
    return (injected == None) | (injected == "D01") | (injected == "D02")  # noqa: E711


# ---------------------------------------------------------------- tables


_EPOCH = dt.date(1970, 1, 1).toordinal()


def _dates(ordinals: np.ndarray, present: np.ndarray | None = None) -> pa.Array:
    days = (ordinals - _EPOCH).astype(np.int32)
    mask = None if present is None else ~present
    return pa.array(days, pa.int32(), mask=mask).cast(pa.date32())


def _lines_table(d: _Draft, fac: _Facilities) -> pa.Table:
    """The kernel's ``lines``: a claim's submission, admission and discharge dates are
    one each, taken from its lines (a late line keeps its own submission)."""
    n_claims = len(d.claims.start)
    late = d.injected == "R09"
    sub_by_claim = np.zeros(n_claims, dtype=np.int64)
    np.maximum.at(sub_by_claim, d.claim, np.where(late, 0, d.submitted))
    submitted = np.where(late, d.submitted, sub_by_claim[d.claim])
    adm_by_claim = np.full(n_claims, 1 << 40, dtype=np.int64)
    dis_by_claim = np.full(n_claims, -1, dtype=np.int64)
    np.minimum.at(adm_by_claim, d.claim, np.where(d.admission >= 0, d.admission, 1 << 40))
    np.maximum.at(dis_by_claim, d.claim, d.discharge)
    has_stay = d.admission >= 0
    referred = d.claims.referred
    return pa.table(
        {
            "line_id": pa.array(np.arange(1, len(d.code) + 1), pa.int64()),
            "claim_id": pa.array(d.claim + 1, pa.int64()),
            "facility_id": pa.array(fac.id[d.facility], pa.int64()),
            "national_id": pa.array(d.nid.tolist(), pa.string()),
            "nid_valid": pa.array(d.nid_valid),
            "visit_type": pa.array(d.claims.visit[d.claim].tolist(), pa.string()),
            "admission_date": _dates(np.where(has_stay, adm_by_claim[d.claim], 0), has_stay),
            "discharge_date": _dates(np.where(has_stay, dis_by_claim[d.claim], 0), has_stay),
            "submitted_date": _dates(submitted),
            "item_type": pa.array(np.where(d.is_drug, "drug", "service").tolist(), pa.string()),
            "code": pa.array(d.code.tolist(), pa.string()),
            "service_date": _dates(d.service_date),
            "quantity": pa.array(d.quantity, pa.int64()),
            "unit_price": pa.array(d.price, pa.int64()),
            "province_id": pa.array(d.province, pa.int64()),
            "referral_ref": pa.array(
                [f"RF{c + 1:09d}" if referred[c] else None for c in d.claim.tolist()],
                pa.string(),
            ),
            "prescription_ref": pa.array([f"RX{c + 1:09d}" for c in d.claim.tolist()], pa.string()),
        }
    )


def _referrals_table(made: _Claims, people: _People) -> pa.Table:
    """The referral each claim that names one cites: issued three days before the
    claim, valid 30 days past its end."""
    referred = np.flatnonzero(made.referred)
    return pa.table(
        {
            "ref_number": pa.array([f"RF{c + 1:09d}" for c in referred.tolist()], pa.string()),
            "national_id": pa.array(people.nid[made.person[referred]].tolist(), pa.string()),
            "issued_on": _dates(made.start[referred] - 3),
            "valid_until": _dates(made.end[referred] + 30),
        }
    )


def _dispensings_table(d: _Draft) -> pa.Table:
    """What was dispensed: every drug line but the undispensed, on its own day."""
    dispensed = np.flatnonzero(d.is_drug & ~d.undispensed)
    return pa.table(
        {
            "prescription_ref": pa.array(
                [f"RX{c + 1:09d}" for c in d.claim[dispensed].tolist()], pa.string()
            ),
            "national_id": pa.array(d.nid[dispensed].tolist(), pa.string()),
            "code": pa.array(d.code[dispensed].tolist(), pa.string()),
            "quantity": pa.array(d.quantity[dispensed], pa.int64()),
            "dispensed_on": _dates(d.service_date[dispensed]),
        }
    )


def kernel_tables(
    ref: Reference, made: SyntheticClaims, history: pa.Table | None = None
) -> dict[str, pa.Table]:
    """Everything the adjudication kernel reads, for these synthetic claims."""
    from darman.claims import engine

    tables = {name: getattr(ref, name) for name in engine.TABLES if hasattr(ref, name)}
    tables.update(
        lines=made.lines,
        referrals=made.referrals,
        dispensings=made.dispensings,
        history=history if history is not None else engine.empty_history(),
    )
    return tables
