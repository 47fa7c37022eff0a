"""Hand-built lines and adjudication runs for the rules that look at other lines (R07,
R08): every run is decided by the kernel and by the line-by-line reference, which must
agree on every line before a test compares either with its hand-worked answer."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from functools import lru_cache

import pyarrow as pa
import pyarrow.compute as pc

from darman.claims import engine
from darman.claims.reference import ReferenceAdjudicator
from darman.synth import catalogue
from darman.synth import claims as synthetic
from darman.synth import claims_reference as synthetic_reference

HBA1C = "200103"  # 90 days, any level
BRAIN_MRI = "300106"  # 180 days, level 3 only


@lru_cache(maxsize=1)
def _reference() -> synthetic_reference.Reference:
    return synthetic_reference.reference(scale=0.001, seed=11)


@lru_cache(maxsize=1)
def _sample() -> synthetic.SyntheticClaims:
    return synthetic.claims(_reference(), n_lines=10, seed=1)


@lru_cache(maxsize=1)
def _person() -> str:
    """Someone covered from before 2026 with no end, so every date below is covered."""
    cov = _reference().coverage
    open_ended = cov.filter(
        pc.and_(pc.is_null(cov["end_date"]), pc.less(cov["start_date"], dt.date(2026, 1, 1)))
    )
    return str(open_ended["national_id"][0].as_py())


@lru_cache(maxsize=4)
def _facility(level: int) -> tuple[int, int]:
    """A contracted facility of this level: (facility_id, province_id)."""
    fac = _reference().facilities
    rows = fac.filter(
        pc.and_(pc.equal(fac["ownership"], "contracted"), pc.equal(fac["level"], level))
    )
    return rows["facility_id"][0].as_py(), rows["province_id"][0].as_py()


def tariff(code: str, level: int, year: int = 1405) -> int:
    base, min_level = next((s[7], s[3]) for s in catalogue.SERVICES if s[0] == code)
    return catalogue.tariff_amount(base, year, level, min_level, "contracted")


def service_line(
    line_id: int, code: str, day: dt.date, *, level: int = 3, **overrides: object
) -> dict:
    facility, province = _facility(level)
    # a level-3 tariff is priced for every line: where the line's level has no tariff, the
    # line is rejected (R02) whatever it asks
    row: dict[str, object] = {
        "line_id": line_id,
        "claim_id": line_id,
        "facility_id": facility,
        "national_id": _person(),
        "nid_valid": True,
        "visit_type": "outpatient",
        "admission_date": None,
        "discharge_date": None,
        "submitted_date": day + dt.timedelta(days=5),
        "item_type": "service",
        "code": code,
        "service_date": day,
        "quantity": 1,
        "unit_price": tariff(code, 3),
        "province_id": province,
        "referral_ref": None,
        "prescription_ref": None,
    }
    row.update(overrides)
    return row


def _tables(lines: Sequence[dict], history: pa.Table | None = None) -> dict[str, pa.Table]:
    tables = synthetic.kernel_tables(_reference(), _sample(), history)
    tables["lines"] = pa.Table.from_pylist(list(lines), schema=_sample().lines.schema)
    tables["referrals"] = _sample().referrals.slice(0, 0)
    tables["dispensings"] = _sample().dispensings.slice(0, 0)
    return tables


def one_run(lines: Sequence[dict], history: pa.Table | None = None) -> dict[int, str]:
    """One adjudication run: each line's reasons, after checking that the kernel and the
    reference decide every line alike (amounts and outcome too)."""
    tables = _tables(lines, history)
    kernel = engine.run(tables).to_pylist()
    reference = ReferenceAdjudicator(tables).decide_all(tables["lines"].to_pylist())
    assert [
        (k["line_id"], k["allowed"], k["copay"], k["reasons"], k["outcome"]) for k in kernel
    ] == [(r.line_id, r.allowed, r.copay, r.reasons, r.outcome) for r in reference]
    return {k["line_id"]: k["reasons"] for k in kernel}


def accepted_lines(lines: Sequence[dict], reasons: dict[int, str]) -> pa.Table:
    """What a run leaves for later runs: its accepted and partially accepted lines, those
    with no rejection among their reasons."""
    kept = [r for r in lines if "R" not in reasons[r["line_id"]]]
    return pa.table(
        {
            "national_id": pa.array([r["national_id"] for r in kept], pa.string()),
            "facility_id": pa.array([r["facility_id"] for r in kept], pa.int64()),
            "code": pa.array([r["code"] for r in kept], pa.string()),
            "service_date": pa.array([r["service_date"] for r in kept], pa.date32()),
        }
    )


def runs_in_turn(*batches: Sequence[dict]) -> dict[int, str]:
    """Adjudicate the batches one run after another, each run seeing the lines the
    runs before it accepted."""
    history = engine.empty_history()
    decided: dict[int, str] = {}
    for batch in batches:
        reasons = one_run(batch, history)
        history = pa.concat_tables([history, accepted_lines(batch, reasons)])
        decided.update(reasons)
    return decided
