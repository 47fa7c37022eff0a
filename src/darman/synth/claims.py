"""Synthetic claims with known violations injected, for tests, benchmarks and the demo.

Clean lines obey every adjudication rule by construction; a chosen share of
lines gets exactly one violation each, and the code injected is recorded as
ground truth. Everything is vectorised with NumPy and comes out as Arrow
tables in the kernel's own column layout.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import numpy as np
import pyarrow as pa

from darman.synth.claims_draft import (
    Claims,
    Draft,
    Facilities,
    People,
    claim_of_each_line,
    clean_lines,
    draw_claims,
    facilities_of,
    people_of,
)
from darman.synth.claims_reference import Reference
from darman.synth.claims_violations import (
    inject_violations,
    mark_dispensing_shortfalls,
    mark_frequency_clashes,
    mark_missing_referrals,
    mark_repeats,
    pools_for,
)


@dataclass(frozen=True)
class SyntheticClaims:
    lines: pa.Table  # the kernel's `lines` layout
    truth: pa.Table  # line_id, injected (code or null)
    referrals: pa.Table  # ref_number, national_id, issued_on, valid_until
    dispensings: pa.Table  # prescription_ref, national_id, code, quantity


def claims(
    ref: Reference, *, n_lines: int, seed: int, violation_share: float = 0.1
) -> SyntheticClaims:
    """``n_lines`` lines in claims of 1-4 lines over the reference's window of days
    (fiscal year 1404 unless the reference was built for another).

    A share ``violation_share`` of lines carries one injected violation each,
    spread evenly over the codes in INJECTED.
    """
    # The steps draw from one generator in a fixed order: reordering them changes
    # every seed's dataset.
    rng = np.random.default_rng([seed, 77])
    people = people_of(ref)
    fac = facilities_of(ref)
    claim_of_line = claim_of_each_line(rng, n_lines)
    made = draw_claims(rng, int(claim_of_line[-1]) + 1, people, fac, ref.window)
    draft = clean_lines(rng, made, claim_of_line, people, fac)
    inject_violations(rng, draft, pools_for(people, ref.window), violation_share)
    # Injections and chance meet in ways no single injection foresees; the truth
    # follows what the kernel will rightly see.
    mark_frequency_clashes(draft)
    mark_dispensing_shortfalls(draft)
    mark_missing_referrals(draft)
    mark_repeats(draft)
    lines = _lines_table(draft, fac)
    truth = pa.table(
        {"line_id": lines["line_id"], "injected": pa.array(draft.injected.tolist(), pa.string())}
    )
    return SyntheticClaims(lines, truth, _referrals_table(made, people), _dispensings_table(draft))


# ---------------------------------------------------------------- tables


_EPOCH = dt.date(1970, 1, 1).toordinal()


def _dates(ordinals: np.ndarray, present: np.ndarray | None = None) -> pa.Array:
    days = (ordinals - _EPOCH).astype(np.int32)
    mask = None if present is None else ~present
    return pa.array(days, pa.int32(), mask=mask).cast(pa.date32())


def _lines_table(d: Draft, fac: Facilities) -> pa.Table:
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


def _referrals_table(made: Claims, people: People) -> pa.Table:
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


def _dispensings_table(d: Draft) -> pa.Table:
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
