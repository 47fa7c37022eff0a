"""Synthetic claims with known violations injected, for tests, benchmarks and the demo.

Clean lines obey every adjudication rule by construction; a chosen share of
lines gets exactly one violation each, and the code injected is recorded as
ground truth. Everything is vectorised with NumPy and comes out as Arrow
tables in the kernel's own column layout.
"""

from __future__ import annotations

import datetime as dt
import itertools
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


def _flip_check_digit(nid: str) -> str:
    return nid[:9] + str((int(nid[9]) + 1) % 10)


def claims(
    ref: Reference, *, n_lines: int, seed: int, violation_share: float = 0.1
) -> SyntheticClaims:
    """``n_lines`` lines in claims of 1-4 lines over fiscal year 1404.

    A share ``violation_share`` of lines carries one injected violation each,
    spread evenly over the codes in INJECTED.
    """
    rng = np.random.default_rng([seed, 77])
    start_ord, end_ord = YEAR_START.toordinal(), YEAR_END.toordinal()

    fac_id = ref.facilities["facility_id"].to_numpy()
    fac_level = ref.facilities["level"].to_numpy()
    fac_owned = np.array([o == "owned" for o in ref.facilities["ownership"].to_pylist()])
    fac_province = ref.facilities["province_id"].to_numpy()
    nid_all = np.array(ref.insured["national_id"].to_pylist(), dtype=object)
    sex_all = np.array(ref.insured["sex"].to_pylist(), dtype=object)
    np.array([d.toordinal() for d in ref.insured["birth_date"].to_pylist()])
    # Covered all year: an open period that began before the year.
    cov = ref.coverage
    open_before = pc.and_(
        pc.is_null(cov["end_date"]), pc.less(cov["start_date"], pa.scalar(YEAR_START, pa.date32()))
    )
    eligible_nids = set(pc.filter(cov["national_id"], open_before).to_pylist())
    eligible = np.flatnonzero(np.array([n in eligible_nids for n in nid_all]))
    # Lapsed: a single period that ended inside the year, long enough before its end.
    counts: dict[str, int] = {}
    for n in cov["national_id"].to_pylist():
        counts[n] = counts.get(n, 0) + 1
    ended = [
        (n, e.toordinal())
        for n, e in zip(cov["national_id"].to_pylist(), cov["end_date"].to_pylist(), strict=True)
        if e is not None and counts[n] == 1 and start_ord <= e.toordinal() <= end_ord - 40
    ]
    nid_index = {n: i for i, n in enumerate(nid_all)}
    lapsed = np.array([nid_index[n] for n, _ in ended], dtype=np.int64)
    lapsed_end = np.array([e for _, e in ended], dtype=np.int64)

    # claims: facility, person, visit type, dates
    sizes = rng.integers(1, 5, size=n_lines)  # more than enough claims
    claim_of_line = np.repeat(np.arange(len(sizes)), sizes)[:n_lines]
    n_claims = int(claim_of_line[-1]) + 1
    c_fac = rng.integers(0, len(fac_id), n_claims)
    c_person = eligible[rng.integers(0, len(eligible), n_claims)]
    c_visit = rng.choice(
        np.array(["outpatient", "inpatient", "emergency"]), n_claims, p=[0.8, 0.12, 0.08]
    )
    c_start = rng.integers(start_ord, end_ord - 10, n_claims)
    c_stay = np.where(c_visit == "inpatient", rng.integers(1, 8, n_claims), 0)
    c_end = c_start + c_stay
    c_submitted = c_end + rng.integers(0, 45, n_claims)

    line_no = np.arange(n_lines) - np.searchsorted(claim_of_line, claim_of_line)
    l_fac = c_fac[claim_of_line]
    l_person = c_person[claim_of_line].copy()
    l_date = c_start[claim_of_line] + (
        rng.integers(0, 1 << 30, n_lines) % (c_stay[claim_of_line] + 1)
    )
    l_submitted = c_submitted[claim_of_line].copy()
    l_adm = np.where(c_visit == "inpatient", c_start, -1)[claim_of_line]
    l_dis = np.where(c_visit == "inpatient", c_end, -1)[claim_of_line]
    level = fac_level[l_fac]
    owned = fac_owned[l_fac]
    l_province = fac_province[l_fac]
    c_referred = np.isin(fac_province[c_fac], REFERRAL_PROVINCES)
    undispensed = np.zeros(n_lines, dtype=bool)

    # clean items: services with no sex/age/frequency limit, priced for 1404, at or below the level
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
    covered_drugs = np.array([d[0] for d in catalogue.DRUGS if d[4]], dtype=object)
    dpick = np.flatnonzero(is_drug)
    code[dpick] = covered_drugs[rng.integers(0, len(covered_drugs), len(dpick))]

    tariff = {
        (c, lvl, own): catalogue.tariff_amount(base, YEAR, lvl, mn, own)
        for c, _, _, mn, _, _, _, base in catalogue.SERVICES
        for lvl in range(mn, 4)
        for own in ("owned", "contracted")
    }
    drug_max = {d[0]: d[5] for d in catalogue.DRUGS}
    quantity = np.where(is_drug, 0, 1)
    price = np.zeros(n_lines, dtype=np.int64)
    for i in np.flatnonzero(~is_drug):
        price[i] = tariff[(code[i], int(level[i]), "owned" if owned[i] else "contracted")]
    for i in dpick:
        quantity[i] = 1 + int(rng.integers(0, drug_max[code[i]]))
        price[i] = catalogue.DRUG_PRICES[code[i]]
    # some services ask less than the tariff (allowed; nothing deducted)
    cheaper = (~is_drug) & (rng.random(n_lines) < 0.1)
    price[cheaper] = price[cheaper] * 9 // 10
    nid = nid_all[l_person].copy()
    nid_valid = np.ones(n_lines, dtype=bool)

    injected = np.full(n_lines, None, dtype=object)
    n_bad = int(n_lines * violation_share)
    # Inject only into odd-numbered lines of a claim: R07 and R08 copy from the line
    # before, which is then never itself injected.
    candidates = np.flatnonzero(line_no % 2 == 1)
    chosen = rng.choice(candidates, size=min(n_bad, len(candidates)), replace=False)
    kinds = np.array(INJECTED, dtype=object)[np.arange(len(chosen)) % len(INJECTED)]
    male = eligible[sex_all[eligible] == "male"]
    lapsed_order = np.argsort(lapsed_end)
    lapsed, lapsed_end = lapsed[lapsed_order], lapsed_end[lapsed_order]
    tariff_level3 = {
        c
        for c, _, _, mn, sx, lo, hi, _ in catalogue.SERVICES
        if mn == 3 and sx is None and lo is None and hi is None
    }
    level3_codes = np.array(sorted(tariff_level3), dtype=object)
    freq_codes = np.array(
        sorted(
            s[0]
            for s in catalogue.SERVICES
            if s[0] in catalogue.FREQUENCY_DAYS
            and s[3] <= 2
            and s[4] is None
            and s[5] is None
            and s[6] is None
        ),
        dtype=object,
    )
    not_covered_drugs = [d[0] for d in catalogue.DRUGS if not d[4]]
    for i, kind in zip(chosen.tolist(), kinds.tolist(), strict=True):
        prev = i - 1  # the claim's previous line (same claim, same person and facility)
        own = "owned" if owned[i] else "contracted"
        if kind == "R01":
            is_drug[i], code[i], quantity[i], price[i] = False, UNKNOWN_CODE, 1, 1_000_000
        elif kind == "R02":
            if level[i] < 1:
                continue
            is_drug[i], code[i], quantity[i], price[i] = False, UNPRICED_CODE, 1, 1_800_000
        elif kind == "R03":
            nid[i] = _flip_check_digit(nid[i])
            nid_valid[i] = False
        elif kind == "R04":
            # someone whose only cover ended before this line's date
            ended_before = int(np.searchsorted(lapsed_end, l_date[i]))
            if ended_before == 0:
                continue
            nid[i] = nid_all[lapsed[int(rng.integers(0, ended_before))]]
        elif kind == "R05":
            if level[i] == 3:
                kind = "D01"
            else:
                is_drug[i], quantity[i] = False, 1
                code[i] = level3_codes[int(rng.integers(0, len(level3_codes)))]
                price[i] = 5_000_000
        elif kind == "R06":
            is_drug[i], quantity[i] = False, 1
            code[i] = "200108"  # pregnancy test: women 10-60 only
            nid[i] = nid_all[male[int(rng.integers(0, len(male)))]]
            price[i] = tariff[("200108", int(level[i]), own)] if level[i] >= 1 else 900_000
        elif kind == "R07":
            # the claim's previous line becomes a frequency-limited service; this line
            # repeats it for the same person a few days later
            c = freq_codes[int(rng.integers(0, len(freq_codes)))]
            if level[i] < 2:
                kind = "D01"
            else:
                is_drug[i] = is_drug[prev] = False
                code[i] = code[prev] = c
                quantity[i] = quantity[prev] = 1
                price[i] = price[prev] = tariff[(c, int(level[i]), own)]
                nid[i] = nid[prev]
                l_date[i] = l_date[prev] + 1 + int(rng.integers(0, 20))
                l_submitted[i] = max(l_submitted[i], l_date[i])
                if l_adm[i] >= 0:
                    l_dis[i] = max(l_dis[i], l_date[i])
        elif kind == "R08":
            is_drug[i], code[i], quantity[i], price[i] = (
                is_drug[prev],
                code[prev],
                quantity[prev],
                price[prev],
            )
            nid[i], l_date[i] = nid[prev], l_date[prev]
        elif kind == "R09":
            l_submitted[i] = l_date[i] + 200
        elif kind == "R10":
            if c_referred[claim_of_line[i]] and level[i] >= 2:
                is_drug[i], code[i], quantity[i] = False, "100102", 1
                price[i] = tariff[("100102", int(level[i]), own)]
                c_referred[claim_of_line[i]] = False  # the claim names no referral
            else:
                kind = "D01"
        elif kind == "R11":
            if not is_drug[i]:
                is_drug[i], quantity[i] = True, 1
                code[i] = covered_drugs[int(rng.integers(0, len(covered_drugs)))]
                price[i] = catalogue.DRUG_PRICES[code[i]]
            undispensed[i] = True
        elif kind == "R12":
            is_drug[i], quantity[i] = True, 1
            code[i] = not_covered_drugs[int(rng.integers(0, len(not_covered_drugs)))]
            price[i] = catalogue.DRUG_PRICES[code[i]]
        if kind == "D01":
            ref_price = (
                catalogue.DRUG_PRICES[code[i]]
                if is_drug[i]
                else tariff[(code[i], int(level[i]), own)]
            )
            price[i] = ref_price + max(10_000, ref_price // 10)
        elif kind == "D02":
            if is_drug[i]:
                quantity[i] = drug_max[code[i]] + 1 + int(rng.integers(0, 5))
            else:
                c = "700101"
                code[i], quantity[i] = c, catalogue.MAX_PER_CLAIM[c] + 2
                price[i] = tariff[(c, int(level[i]), own)]
        injected[i] = kind

    # Lines of one outpatient claim share a date, so the random draw can repeat a
    # code: such a repeat is a real duplicate, and the truth says so.
    key = np.array(
        [f"{n}|{f}|{c}|{d}" for n, f, c, d in zip(nid, l_fac, code, l_date, strict=True)],
        dtype=object,
    )
    _, first = np.unique(key, return_index=True)
    repeat = np.ones(n_lines, dtype=bool)
    repeat[first] = False
    # A repeated line is rejected whole, so a deduction injected into it cannot show.
    injected[repeat & ((injected == None) | (injected == "D01") | (injected == "D02"))] = "R08"  # noqa: E711

    # Two injections can land on the same person by chance and put a limited service
    # inside another's window: that line is then a real frequency violation.
    limited = np.flatnonzero(
        np.isin(code, np.array(list(catalogue.FREQUENCY_DAYS), dtype=object)) & ~is_drug
    )
    order = limited[
        np.lexsort((limited, l_date[limited], code[limited].astype(str), nid[limited].astype(str)))
    ]
    for a_, b_ in itertools.pairwise(order):
        if (
            nid[a_] == nid[b_]
            and code[a_] == code[b_]
            and l_date[b_] - l_date[a_] < catalogue.FREQUENCY_DAYS[code[b_]]
        ) and (injected[b_] is None or injected[b_] in ("D01", "D02")):
            injected[b_] = "R07"

    # Lines of one drug on a prescription use the dispensed quantity up in line order;
    # the truth for R11 is whatever that leaves uncovered.
    dispensed_qty: dict[tuple[int, str, str], int] = {}
    for d in np.flatnonzero(is_drug & ~undispensed).tolist():
        k3 = (int(claim_of_line[d]), str(nid[d]), str(code[d]))
        dispensed_qty[k3] = dispensed_qty.get(k3, 0) + int(quantity[d])
    used_qty: dict[tuple[int, str, str], int] = {}
    for d in np.flatnonzero(is_drug).tolist():
        k3 = (int(claim_of_line[d]), str(nid[d]), str(code[d]))
        used_qty[k3] = used_qty.get(k3, 0) + int(quantity[d])
        short = used_qty[k3] > dispensed_qty.get(k3, 0)
        if short and (injected[d] is None or injected[d] in ("D01", "D02", "R11")):
            injected[d] = "R11"
        elif not short and injected[d] == "R11":
            injected[d] = None  # a later line of the same drug carries the shortfall

    # Every specialist visit of a claim that names no referral is a real R10.
    needs = (~is_drug) & np.isin(code, np.array(REFERRAL_CODES, dtype=object))
    needs &= np.isin(l_province, REFERRAL_PROVINCES) & ~c_referred[claim_of_line]
    injected[needs & ((injected == None) | (injected == "D01") | (injected == "D02"))] = "R10"  # noqa: E711

    # a claim's submission date is one date: the latest any line needed
    sub_by_claim = np.zeros(n_claims, dtype=np.int64)
    np.maximum.at(sub_by_claim, claim_of_line, np.where(injected == "R09", 0, l_submitted))
    l_submitted = np.where(injected == "R09", l_submitted, sub_by_claim[claim_of_line])
    adm_by_claim = np.full(n_claims, 1 << 40, dtype=np.int64)
    dis_by_claim = np.full(n_claims, -1, dtype=np.int64)
    np.minimum.at(adm_by_claim, claim_of_line, np.where(l_adm >= 0, l_adm, 1 << 40))
    np.maximum.at(dis_by_claim, claim_of_line, l_dis)
    has_stay = l_adm >= 0

    epoch = dt.date(1970, 1, 1).toordinal()

    def dates(ordinals: np.ndarray, present: np.ndarray | None = None) -> pa.Array:
        days = (ordinals - epoch).astype(np.int32)
        mask = None if present is None else ~present
        return pa.array(days, pa.int32(), mask=mask).cast(pa.date32())

    lines = pa.table(
        {
            "line_id": pa.array(np.arange(1, n_lines + 1), pa.int64()),
            "claim_id": pa.array(claim_of_line + 1, pa.int64()),
            "facility_id": pa.array(fac_id[l_fac], pa.int64()),
            "national_id": pa.array(nid.tolist(), pa.string()),
            "nid_valid": pa.array(nid_valid),
            "visit_type": pa.array(c_visit[claim_of_line].tolist(), pa.string()),
            "admission_date": dates(np.where(has_stay, adm_by_claim[claim_of_line], 0), has_stay),
            "discharge_date": dates(np.where(has_stay, dis_by_claim[claim_of_line], 0), has_stay),
            "submitted_date": dates(l_submitted),
            "item_type": pa.array(np.where(is_drug, "drug", "service").tolist(), pa.string()),
            "code": pa.array(code.tolist(), pa.string()),
            "service_date": dates(l_date),
            "quantity": pa.array(quantity, pa.int64()),
            "unit_price": pa.array(price, pa.int64()),
            "province_id": pa.array(l_province, pa.int64()),
            "referral_ref": pa.array(
                [f"RF{c + 1:09d}" if c_referred[c] else None for c in claim_of_line.tolist()],
                pa.string(),
            ),
            "prescription_ref": pa.array(
                [f"RX{c + 1:09d}" for c in claim_of_line.tolist()], pa.string()
            ),
        }
    )
    truth = pa.table(
        {"line_id": lines["line_id"], "injected": pa.array(injected.tolist(), pa.string())}
    )
    referred = np.flatnonzero(c_referred)
    referrals = pa.table(
        {
            "ref_number": pa.array([f"RF{c + 1:09d}" for c in referred.tolist()], pa.string()),
            "national_id": pa.array(nid_all[c_person[referred]].tolist(), pa.string()),
            "issued_on": dates(c_start[referred] - 3),
            "valid_until": dates(c_end[referred] + 30),
        }
    )
    dispensed = np.flatnonzero(is_drug & ~undispensed)
    dispensings = pa.table(
        {
            "prescription_ref": pa.array(
                [f"RX{c + 1:09d}" for c in claim_of_line[dispensed].tolist()], pa.string()
            ),
            "national_id": pa.array(nid[dispensed].tolist(), pa.string()),
            "code": pa.array(code[dispensed].tolist(), pa.string()),
            "quantity": pa.array(quantity[dispensed], pa.int64()),
            "dispensed_on": dates(l_date[dispensed]),
        }
    )
    return SyntheticClaims(lines, truth, referrals, dispensings)


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
