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
from darman.synth import claims_reference as synthetic_reference


@lru_cache(maxsize=1)
def _reference() -> synthetic_reference.Reference:
    return synthetic_reference.reference(scale=0.001, seed=11)


def _tables(
    lines: pa.Table, history: pa.Table | None = None, made: synthetic.SyntheticClaims | None = None
) -> dict[str, pa.Table]:
    """Kernel inputs for ``lines``; referrals and dispensings from ``made`` (none by default)."""
    sample = made or _small()
    tables = synthetic.kernel_tables(_reference(), sample, history)
    tables["lines"] = lines
    if made is None:
        tables["referrals"] = sample.referrals.slice(0, 0)
        tables["dispensings"] = sample.dispensings.slice(0, 0)
    return tables


def test_every_injected_violation_is_caught_with_its_code_and_clean_lines_pass_untouched() -> None:
    made = synthetic.claims(_reference(), n_lines=24_000, seed=21, violation_share=0.12)
    report = check(made.truth, engine.run(_tables(made.lines, made=made)))
    assert report.missed == [] and report.false_alarms == []
    header, rows = matrix_rows(report)
    injected = {row[0] for row in rows}
    assert injected == {*synthetic_reference.INJECTED, "clean"}
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
    tables = _tables(rest, history, made=made)
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


def test_a_later_run_of_the_same_shape_decides_its_own_lines_with_the_kept_sql() -> None:
    # the second run executes the SQL compiled by the first on the kept connection
    earlier = synthetic.claims(_reference(), n_lines=3_000, seed=31)
    engine.run(_tables(earlier.lines, made=earlier))
    made = synthetic.claims(_reference(), n_lines=2_000, seed=32, violation_share=0.12)
    tables = _tables(made.lines, made=made)
    kernel = engine.run(tables).to_pylist()
    reference = ReferenceAdjudicator(tables).decide_all(made.lines.to_pylist())
    assert len(kernel) == len(reference) == 2_000
    assert [(k["line_id"], k["allowed"], k["reasons"], k["outcome"]) for k in kernel] == [
        (r.line_id, r.allowed, r.reasons, r.outcome) for r in reference
    ]


def test_rerunning_the_kernel_on_the_same_input_gives_the_same_result() -> None:
    made = synthetic.claims(_reference(), n_lines=5_000, seed=23)
    assert engine.run(_tables(made.lines, made=made)).equals(
        engine.run(_tables(made.lines, made=made))
    )


def test_unordered_results_hold_the_same_rows_as_the_ordered_ones() -> None:
    made = synthetic.claims(_reference(), n_lines=5_000, seed=24)
    ordered = engine.run(_tables(made.lines, made=made))
    unordered = engine.run(_tables(made.lines, made=made), ordered=False)
    assert ordered["line_id"].to_pylist() == sorted(ordered["line_id"].to_pylist())
    assert unordered.num_rows == ordered.num_rows == made.lines.num_rows
    assert unordered.schema == ordered.schema
    assert unordered.sort_by("line_id").equals(ordered)


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
        "province_id": level1["province_id"][0].as_py(),
        "referral_ref": None,
        "prescription_ref": None,
    }
    row.update(overrides)
    return pa.Table.from_pylist([row], schema=_schema())


@lru_cache(maxsize=1)
def _small() -> synthetic.SyntheticClaims:
    return synthetic.claims(_reference(), n_lines=10, seed=1)


def _schema() -> pa.Schema:
    return _small().lines.schema


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
    out = engine.run(_tables(_one_line(code=synthetic_reference.UNPRICED_CODE))).to_pylist()[0]
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


def test_history_counts_within_the_limit_before_or_after_a_line_and_no_further() -> None:
    # two lines of a 90-day test on 20 May and 10 June, with accepted lines of it long
    # before, on the batch's dates and after it: history within 90 days of a line, on
    # either side, counts for it
    days = (dt.date(2025, 5, 20), dt.date(2025, 6, 10))
    price = _tariff("200103", 1, "contracted")
    rows = [
        _one_line(
            line_id=i,
            claim_id=i,
            code="200103",
            unit_price=price,
            service_date=day,
            submitted_date=day + dt.timedelta(days=5),
        )
        for i, day in enumerate(days, start=1)
    ]
    lines = pa.concat_tables(rows)
    person = rows[0]["national_id"][0].as_py()
    facility = rows[0]["facility_id"][0].as_py()

    def history(*days: dt.date) -> pa.Table:
        return pa.table(
            {
                "national_id": [person] * len(days),
                "facility_id": pa.array([facility] * len(days), pa.int64()),
                "code": ["200103"] * len(days),
                "service_date": pa.array(list(days), pa.date32()),
            }
        )

    def reasons(past: pa.Table) -> list[str]:
        tables = _tables(lines, past)
        kernel = [r["reasons"] for r in engine.run(tables).to_pylist()]
        reference = ReferenceAdjudicator(tables).decide_all(lines.to_pylist())
        assert kernel == [r.reasons for r in reference]
        return kernel

    alone = reasons(engine.empty_history())
    assert alone == ["", "R07"]
    # 2023 and 205 days after the last line: too far from both
    assert reasons(history(dt.date(2023, 1, 1), dt.date(2026, 1, 1))) == alone
    # 1 April is 49 and 70 days before the lines, 11 June 22 days and 1 day after them
    assert reasons(history(dt.date(2025, 4, 1))) == ["R07", "R07"]
    assert reasons(history(dt.date(2025, 6, 11))) == ["R07", "R07"]
    # on the second line's day at its facility: it repeats that line, and is 21 days
    # after the first
    assert reasons(history(dt.date(2025, 6, 10))) == ["R07", "R07;R08"]


@pytest.mark.parametrize(
    ("submitted", "code"),
    [(dt.date(2025, 5, 1), "R09"), (dt.date(2025, 12, 31), "R09"), (dt.date(2025, 6, 1), "")],
)
def test_service_dates_after_submission_or_past_the_deadline_are_rejected(
    submitted: dt.date, code: str
) -> None:
    out = engine.run(_tables(_one_line(submitted_date=submitted))).to_pylist()[0]
    assert out["reasons"] == code


def test_a_specialist_visit_needs_a_valid_referral_where_the_programme_runs() -> None:
    ref = _reference()
    tehran = ref.facilities.filter(
        pa.compute.and_(
            pa.compute.equal(ref.facilities["province_id"], 8),
            pa.compute.equal(ref.facilities["level"], 2),
        )
    )
    fac = tehran["facility_id"][0].as_py()
    own = tehran["ownership"][0].as_py()
    line = _one_line(
        facility_id=fac,
        province_id=8,
        code="100102",
        unit_price=_tariff("100102", 2, own),
        referral_ref="RF1",
    )
    person = line["national_id"][0].as_py()
    assert engine.run(_tables(line)).to_pylist()[0]["reasons"] == "R10"
    tables = _tables(line)
    tables["referrals"] = pa.table(
        {
            "ref_number": ["RF1"],
            "national_id": [person],
            "issued_on": pa.array([dt.date(2025, 5, 1)], pa.date32()),
            "valid_until": pa.array([dt.date(2025, 6, 1)], pa.date32()),
        }
    )
    assert engine.run(tables).to_pylist()[0]["reasons"] == ""
    expired = tables["referrals"].set_column(
        3, "valid_until", pa.array([dt.date(2025, 5, 10)], pa.date32())
    )
    tables["referrals"] = expired
    assert engine.run(tables).to_pylist()[0]["reasons"] == "R10"


def test_a_drug_line_needs_a_dispensing_of_at_least_its_quantity() -> None:
    line = _one_line(
        item_type="drug", code="10005", quantity=3, unit_price=50_000, prescription_ref="RX1"
    )
    person = line["national_id"][0].as_py()
    assert engine.run(_tables(line)).to_pylist()[0]["reasons"] == "R11"
    tables = _tables(line)
    tables["dispensings"] = pa.table(
        {
            "prescription_ref": ["RX1", "RX1"],
            "national_id": [person] * 2,
            "code": ["10005", "10005"],
            "quantity": pa.array([2, 1], pa.int64()),
        }
    )
    assert engine.run(tables).to_pylist()[0]["reasons"] == ""
    tables["dispensings"] = tables["dispensings"].slice(0, 1)
    assert engine.run(tables).to_pylist()[0]["reasons"] == "R11"


def test_lines_of_one_drug_use_the_dispensed_quantity_up_in_line_order() -> None:
    drug = {"item_type": "drug", "code": "10005", "unit_price": 50_000}
    # one person and drug, days apart so that none repeats another
    rows = [
        _one_line(line_id=i, claim_id=c, quantity=q, prescription_ref=rx, service_date=day, **drug)
        for i, c, q, rx, day in (
            (7, 1, 2, "RX1", dt.date(2025, 5, 17)),
            (3, 1, 2, "RX1", dt.date(2025, 5, 18)),
            (9, 1, 1, "RX1", dt.date(2025, 5, 19)),
            # one line of its prescription, asking more than was dispensed
            (5, 2, 2, "RX2", dt.date(2025, 5, 20)),
            # another prescription of the same drug: its lines use only its own dispensing
            (11, 3, 1, "RX3", dt.date(2025, 5, 15)),
            (12, 3, 1, "RX3", dt.date(2025, 5, 16)),
            # no prescription at all: nothing can have been dispensed on it
            (13, 4, 1, None, dt.date(2025, 5, 13)),
            (14, 4, 1, None, dt.date(2025, 5, 14)),
        )
    ]
    tables = _tables(pa.concat_tables(rows))
    person = rows[0]["national_id"][0].as_py()
    given = {"RX1": [1, 2], "RX2": [1], "RX3": [1]}
    refs = [rx for rx, quantities in given.items() for _ in quantities]
    tables["dispensings"] = pa.table(
        {
            "prescription_ref": refs,
            "national_id": [person] * len(refs),
            "code": ["10005"] * len(refs),
            "quantity": pa.array([q for qs in given.values() for q in qs], pa.int64()),
        }
    )

    def decided() -> dict[int, str]:
        out = {r["line_id"]: r["reasons"] for r in engine.run(tables).to_pylist()}
        reference = ReferenceAdjudicator(tables).decide_all(tables["lines"].to_pylist())
        assert {r.line_id: r.reasons for r in reference} == out
        return out

    # RX1: line 3 uses 2 of the 3 dispensed, line 7 would need 4 and line 9 5
    assert decided() == {
        3: "",
        7: "R11",
        9: "R11",
        5: "R11",
        11: "",
        12: "R11",
        13: "R11",
        14: "R11",
    }
    # with nothing dispensed every line is short, however many its prescription has
    tables["dispensings"] = tables["dispensings"].slice(0, 0)
    assert set(decided().values()) == {"R11"}
    # before the programme starts in the line's province, no dispensing is asked for
    rollouts = tables["rollouts"]
    later = pa.array([dt.date(2025, 5, 21)] * rollouts.num_rows, pa.date32())
    tables["rollouts"] = rollouts.set_column(
        rollouts.schema.get_field_index("active_from"), "active_from", later
    )
    assert set(decided().values()) == {""}


def test_a_negative_quantity_is_refused_naming_its_line_before_anything_is_decided() -> None:
    rows = [
        _one_line(line_id=4),
        _one_line(line_id=6, quantity=-2, service_date=dt.date(2025, 5, 2)),
    ]
    with pytest.raises(ValueError, match="line 6: quantity is negative"):
        engine.run(_tables(pa.concat_tables(rows)))


def test_duplicates_compare_national_ids_as_text_and_a_line_of_an_unknown_id_repeats_nothing() -> (
    None
):
    ref = _reference()
    covered = ref.coverage.filter(pa.compute.is_null(ref.coverage["end_date"]))
    person = next(n for n in covered["national_id"].to_pylist() if n.startswith("0"))
    rows = [
        _one_line(line_id=1, claim_id=1, national_id=person),
        # the same number without its leading zero is another ID, which nobody holds
        _one_line(line_id=2, claim_id=2, national_id=person.lstrip("0"), nid_valid=False),
        # a line of an unknown ID is rejected (R03), so it is the original of nothing
        _one_line(line_id=3, claim_id=3, national_id="12345", nid_valid=False),
        _one_line(line_id=4, claim_id=4, national_id="12345", nid_valid=False),
    ]
    first = rows[0]
    accepted = pa.table(
        {
            "national_id": [person],
            "facility_id": pa.array([first["facility_id"][0].as_py()], pa.int64()),
            "code": [first["code"][0].as_py()],
            "service_date": pa.array([first["service_date"][0].as_py()], pa.date32()),
        }
    )
    tables = _tables(pa.concat_tables(rows), accepted)
    out = engine.run(tables).to_pylist()
    assert [r["reasons"] for r in out] == ["R08", "R03", "R03", "R03"]
    reference = ReferenceAdjudicator(tables).decide_all(tables["lines"].to_pylist())
    assert [r.reasons for r in reference] == ["R08", "R03", "R03", "R03"]


def test_the_copayment_of_an_amount_beyond_float_precision_is_exact_to_the_rial() -> None:
    # A drug without a reference price or quantity limit pays what is asked, so the allowed
    # amount can exceed 2**53 rials, where a floating-point division would drift.
    line = _one_line(
        item_type="drug",
        code="10005",
        quantity=9_999,
        unit_price=999_999_999_000,  # FLOOR over a double gives one rial more here
        prescription_ref="RX9",
    )
    tables = _tables(line)
    drugs = tables["drugs"].to_pylist()
    for d in drugs:
        if d["code"] == "10005":
            d["price"], d["max_quantity"] = None, None
    tables["drugs"] = pa.Table.from_pylist(drugs, schema=tables["drugs"].schema)
    tables["dispensings"] = pa.table(
        {
            "prescription_ref": ["RX9"],
            "national_id": [line["national_id"][0].as_py()],
            "code": ["10005"],
            "quantity": pa.array([9_999], pa.int64()),
        }
    )
    out = engine.run(tables).to_pylist()[0]
    allowed = 9_999 * 999_999_999_000
    assert out["reasons"] == "" and out["allowed"] == allowed
    assert out["copay"] == (allowed * 30 + 50) // 100
    assert out["insurer"] == allowed - out["copay"]


def test_where_a_province_charges_a_bypass_copayment_an_unreferred_visit_is_paid_at_it() -> None:
    ref = _reference()
    tehran = ref.facilities.filter(
        pa.compute.and_(
            pa.compute.equal(ref.facilities["province_id"], 8),
            pa.compute.equal(ref.facilities["level"], 2),
        )
    )
    own = tehran["ownership"][0].as_py()
    price = _tariff("100102", 2, own)
    line = _one_line(
        facility_id=tehran["facility_id"][0].as_py(),
        province_id=8,
        code="100102",
        unit_price=price,
        referral_ref=None,
    )
    tables = _tables(line)
    rollouts = tables["rollouts"].to_pylist()
    for r in rollouts:
        if r["province_id"] == 8 and r["programme"] == "referral":
            r["bypass_copay_percent"] = 70
    tables["rollouts"] = pa.Table.from_pylist(rollouts, schema=tables["rollouts"].schema)
    out = engine.run(tables).to_pylist()[0]
    assert (out["reasons"], out["outcome"]) == ("D03", "partial")
    assert out["allowed"] == price and out["deducted"] == 0
    assert out["copay"] == (price * 70 + 50) // 100
    reference = ReferenceAdjudicator(tables).decide_all(tables["lines"].to_pylist())[0]
    assert (reference.reasons, reference.copay) == ("D03", out["copay"])
    # a bypass rate below the ordinary share never lowers it
    for r in rollouts:
        if r["province_id"] == 8 and r["programme"] == "referral":
            r["bypass_copay_percent"] = 0
    tables["rollouts"] = pa.Table.from_pylist(rollouts, schema=tables["rollouts"].schema)
    low = engine.run(tables).to_pylist()[0]
    ordinary = 0 if own == "owned" else (price * 30 + 50) // 100
    assert (low["reasons"], low["copay"]) == ("D03", ordinary)


def _with_coverage(tables: dict[str, pa.Table], person: str, periods: list[tuple]) -> None:
    """Replace ``person``'s coverage periods by ``periods`` (start, end or None)."""
    keep = pa.compute.not_equal(tables["coverage"]["national_id"], person)
    others = tables["coverage"].filter(keep)
    mine = pa.table(
        {
            "national_id": [person] * len(periods),
            "start_date": pa.array([p[0] for p in periods], pa.date32()),
            "end_date": pa.array([p[1] for p in periods], pa.date32()),
        }
    )
    tables["coverage"] = pa.concat_tables([others, mine.cast(others.schema)])


def test_a_person_with_three_coverage_periods_is_covered_inside_any_and_not_between() -> None:
    days = {
        dt.date(2025, 4, 15): "",  # first period
        dt.date(2025, 5, 5): "R04",  # between the first and the second
        dt.date(2025, 5, 20): "",  # the middle period
        dt.date(2025, 6, 1): "R04",  # between the second and the open one
        dt.date(2025, 6, 15): "",  # the open last period
    }
    rows = [
        _one_line(line_id=i, claim_id=i, service_date=d, submitted_date=d + dt.timedelta(days=5))
        for i, d in enumerate(days, start=1)
    ]
    tables = _tables(pa.concat_tables(rows))
    person = rows[0]["national_id"][0].as_py()
    periods = [
        (dt.date(2025, 6, 10), None),
        (dt.date(2025, 3, 21), dt.date(2025, 4, 30)),
        (dt.date(2025, 5, 10), dt.date(2025, 5, 25)),
    ]
    _with_coverage(tables, person, periods)
    out = engine.run(tables).to_pylist()
    assert [r["reasons"] for r in out] == list(days.values())
    reference = ReferenceAdjudicator(tables).decide_all(tables["lines"].to_pylist())
    assert [r.reasons for r in reference] == list(days.values())
    # with two periods the person row alone decides: the same answers
    _with_coverage(tables, person, periods[1:])
    two = [r["reasons"] for r in engine.run(tables).to_pylist()]
    assert two == ["", "R04", "", "R04", "R04"]


def test_every_repeat_of_a_line_after_the_first_is_a_duplicate_and_all_repeat_history() -> None:
    rows = [_one_line(line_id=i, claim_id=i) for i in (4, 2, 7, 9)]
    tables = _tables(pa.concat_tables(rows))
    out = {r["line_id"]: r["reasons"] for r in engine.run(tables).to_pylist()}
    assert out == {2: "", 4: "R08", 7: "R08", 9: "R08"}
    line = rows[0]
    history = pa.table(
        {
            "national_id": [line["national_id"][0].as_py()],
            "facility_id": pa.array([line["facility_id"][0].as_py()], pa.int64()),
            "code": [line["code"][0].as_py()],
            "service_date": pa.array([line["service_date"][0].as_py()], pa.date32()),
        }
    )
    two = _tables(pa.concat_tables(rows[:2]), history)
    assert [r["reasons"] for r in engine.run(two).to_pylist()] == ["R08", "R08"]
    reference = ReferenceAdjudicator(two).decide_all(two["lines"].to_pylist())
    assert [r.reasons for r in reference] == ["R08", "R08"]
