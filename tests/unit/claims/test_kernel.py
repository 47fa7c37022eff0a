"""The adjudication kernel against synthetic ground truth, the line-by-line reference,
and hand-built cases whose amounts are worked out here."""

from __future__ import annotations

import datetime as dt
from functools import lru_cache

import pyarrow as pa
import pytest

from darman.claims import engine
from darman.claims.reference import ReferenceAdjudicator
from darman.claims.synthetic_check import check, matrix_rows
from darman.synth import catalogue
from darman.synth import claims as synthetic

REF_TABLES = (
    "facilities",
    "insured",
    "coverage",
    "services",
    "drugs",
    "tariffs",
    "calendar",
    "copay_rates",
)


@lru_cache(maxsize=1)
def _reference() -> synthetic.Reference:
    return synthetic.reference(scale=0.001, seed=11)


def _tables(lines: pa.Table, history: pa.Table | None = None) -> dict[str, pa.Table]:
    ref = _reference()
    return {
        **{k: getattr(ref, k) for k in REF_TABLES},
        "lines": lines,
        "history": history if history is not None else engine.empty_history(),
    }


def test_every_injected_violation_is_caught_with_its_code_and_clean_lines_pass_untouched() -> None:
    made = synthetic.claims(_reference(), n_lines=24_000, seed=21, violation_share=0.12)
    report = check(made.truth, engine.run(_tables(made.lines)))
    assert report.missed == [] and report.false_alarms == []
    header, rows = matrix_rows(report)
    injected = {row[0] for row in rows}
    assert injected == {*synthetic.INJECTED, "clean"}
    for row in rows:  # each injected code is found on its own column
        if row[0] != "clean":
            assert row[header.index(row[0])] != ""


def test_the_kernel_and_the_line_by_line_reference_agree_on_every_line() -> None:
    made = synthetic.claims(_reference(), n_lines=8_000, seed=22)
    first = made.lines.slice(0, 3000)
    history = pa.table(
        {
            "national_id": first["national_id"],
            "facility_id": first["facility_id"],
            "code": first["code"],
            "service_date": first["service_date"],
        }
    )
    rest = made.lines.slice(3000)
    tables = _tables(rest, history)
    kernel = engine.run(tables).to_pylist()
    reference = ReferenceAdjudicator(tables).decide_all(rest.to_pylist())
    assert len(kernel) == len(reference) == rest.num_rows
    for k, r in zip(kernel, reference, strict=True):
        assert (
            k["line_id"],
            k["allowed"],
            k["copay"],
            k["insurer"],
            k["deducted"],
            k["reasons"],
            k["outcome"],
        ) == (r.line_id, r.allowed, r.copay, r.insurer, r.deducted, r.reasons, r.outcome)


def test_rerunning_the_kernel_on_the_same_input_gives_the_same_result() -> None:
    made = synthetic.claims(_reference(), n_lines=5_000, seed=23)
    assert engine.run(_tables(made.lines)).equals(engine.run(_tables(made.lines)))


def _one_line(**overrides: object) -> pa.Table:
    ref = _reference()
    covered = ref.coverage.filter(pa.compute.is_null(ref.coverage["end_date"]))
    person = covered["national_id"][0].as_py()
    contracted = ref.facilities.filter(pa.compute.equal(ref.facilities["ownership"], "contracted"))
    level1 = contracted.filter(pa.compute.equal(contracted["level"], 1))
    row: dict[str, object] = {
        "line_id": 1,
        "claim_id": 1,
        "facility_id": level1["facility_id"][0].as_py(),
        "national_id": person,
        "nid_valid": True,
        "visit_type": "outpatient",
        "admission_date": None,
        "discharge_date": None,
        "submitted_date": dt.date(2025, 6, 1),
        "item_type": "service",
        "code": "100101",
        "service_date": dt.date(2025, 5, 20),
        "quantity": 1,
        "unit_price": 2_000_000,
    }
    row.update(overrides)
    return pa.Table.from_pylist([row], schema=_schema())


@lru_cache(maxsize=1)
def _schema() -> pa.Schema:
    return synthetic.claims(_reference(), n_lines=10, seed=1).lines.schema


def _tariff(code: str, level: int, ownership: str) -> int:
    base, min_level = next((s[7], s[3]) for s in catalogue.SERVICES if s[0] == code)
    return catalogue.tariff_amount(base, 1404, level, min_level, ownership)


def test_a_price_above_tariff_pays_the_tariff_and_the_patient_pays_30_percent_outpatient() -> None:
    tariff = _tariff("100101", 1, "contracted")
    out = engine.run(_tables(_one_line(unit_price=tariff + 100_000, quantity=2))).to_pylist()[0]
    assert out["reasons"] == "D01" and out["outcome"] == "partial"
    assert out["allowed"] == 2 * tariff
    assert out["deducted"] == 200_000
    assert out["copay"] == (2 * tariff * 30 + 50) // 100
    assert out["insurer"] + out["copay"] == out["allowed"]


def test_a_line_with_no_tariff_is_rejected_whole_never_paid_at_the_asked_price() -> None:
    out = engine.run(_tables(_one_line(code=synthetic.UNPRICED_CODE))).to_pylist()[0]
    assert out["reasons"] == "R02" and out["allowed"] == 0 and out["deducted"] == out["asked"]


def test_a_frequency_limit_counts_claims_accepted_earlier() -> None:
    line = _one_line(code="200103", unit_price=_tariff("200103", 1, "contracted"))
    person = line["national_id"][0].as_py()
    history = pa.table(
        {
            "national_id": [person],
            "facility_id": pa.array([999], pa.int64()),
            "code": ["200103"],
            "service_date": pa.array([dt.date(2025, 4, 1)], pa.date32()),
        }
    )
    assert engine.run(_tables(line, history)).to_pylist()[0]["reasons"] == "R07"
    far = history.set_column(3, "service_date", pa.array([dt.date(2024, 12, 1)], pa.date32()))
    assert engine.run(_tables(line, far)).to_pylist()[0]["reasons"] == ""


@pytest.mark.parametrize(
    ("submitted", "code"),
    [(dt.date(2025, 5, 1), "R09"), (dt.date(2025, 12, 31), "R09"), (dt.date(2025, 6, 1), "")],
)
def test_service_dates_after_submission_or_past_the_deadline_are_rejected(
    submitted: dt.date, code: str
) -> None:
    out = engine.run(_tables(_one_line(submitted_date=submitted))).to_pylist()[0]
    assert out["reasons"] == code
