"""The frequency rule (R07), worked out by hand: only accepted and partially accepted lines
count, earlier runs' lines count whether they lie before or after a line, and within a run
the lines are decided by service date, earliest first. Every case is checked on the kernel
and on the line-by-line reference against the same hand-worked answer."""

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


def _tariff(code: str, level: int, year: int = 1405) -> int:
    base, min_level = next((s[7], s[3]) for s in catalogue.SERVICES if s[0] == code)
    return catalogue.tariff_amount(base, year, level, min_level, "contracted")


def _line(line_id: int, code: str, day: dt.date, *, level: int = 3, **overrides: object) -> dict:
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
        "unit_price": _tariff(code, 3),
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


def _run(lines: Sequence[dict], history: pa.Table | None = None) -> dict[int, str]:
    """One adjudication run: each line's reasons, after checking that the kernel and the
    reference decide every line alike (amounts and outcome too)."""
    tables = _tables(lines, history)
    kernel = engine.run(tables).to_pylist()
    reference = ReferenceAdjudicator(tables).decide_all(tables["lines"].to_pylist())
    assert [
        (k["line_id"], k["allowed"], k["copay"], k["reasons"], k["outcome"]) for k in kernel
    ] == [(r.line_id, r.allowed, r.copay, r.reasons, r.outcome) for r in reference]
    return {k["line_id"]: k["reasons"] for k in kernel}


def _accepted(lines: Sequence[dict], reasons: dict[int, str]) -> pa.Table:
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


def _runs(*batches: Sequence[dict]) -> dict[int, str]:
    """Adjudicate the batches one run after another, each run seeing the lines the
    runs before it accepted."""
    history = engine.empty_history()
    decided: dict[int, str] = {}
    for batch in batches:
        reasons = _run(batch, history)
        history = pa.concat_tables([history, _accepted(batch, reasons)])
        decided.update(reasons)
    return decided


# ------------------------------------------------ issue 20, item 1: rejected lines


def test_a_rejected_line_does_not_make_a_later_one_too_soon_in_the_same_run() -> None:
    # A brain MRI at a level-2 centre has no tariff and is above its level; a month later
    # at a level-3 centre it is the person's first MRI the insurer pays for.
    first = _line(1, BRAIN_MRI, dt.date(2026, 9, 1), level=2)
    second = _line(2, BRAIN_MRI, dt.date(2026, 10, 1), level=3)
    assert _run([first, second]) == {1: "R02;R05", 2: ""}


def test_a_rejected_line_does_not_make_a_later_one_too_soon_in_a_later_run() -> None:
    first = _line(1, BRAIN_MRI, dt.date(2026, 9, 1), level=2)
    second = _line(2, BRAIN_MRI, dt.date(2026, 10, 1), level=3)
    assert _runs([first], [second]) == {1: "R02;R05", 2: ""}


def test_a_line_rejected_as_too_soon_does_not_count_either_so_a_chain_restarts() -> None:
    # A counts; B is 61 days after A; C is 45 days after B but 106 after A: B does not
    # count, so C is paid; D is 16 days after C; E is 96 days after C and 80 after D.
    days = {
        1: dt.date(2026, 6, 1),
        2: dt.date(2026, 8, 1),
        3: dt.date(2026, 9, 15),
        4: dt.date(2026, 10, 1),
        5: dt.date(2026, 12, 20),
    }
    chain = [_line(i, HBA1C, day) for i, day in days.items()]
    want = {1: "", 2: "R07", 3: "", 4: "R07", 5: ""}
    assert _run(chain) == want
    # the same lines in five runs, in date order, come out the same
    assert _runs(*[[line] for line in chain]) == want
    # and in one run whatever order the lines were filed in
    refiled = [_line(6 - i, HBA1C, day) for i, day in days.items()]
    assert _run(refiled) == {6 - i: reasons for i, reasons in want.items()}


def test_a_chain_starts_at_the_first_line_that_is_accepted() -> None:
    # A is rejected for an invalid national ID, so B is the first that counts and C,
    # 30 days after B, is too soon; D is 70 days after C and 100 after B.
    lines = [
        _line(1, HBA1C, dt.date(2026, 6, 1), nid_valid=False),
        _line(2, HBA1C, dt.date(2026, 6, 20)),
        _line(3, HBA1C, dt.date(2026, 7, 20)),
        _line(4, HBA1C, dt.date(2026, 9, 28)),
    ]
    assert _run(lines) == {1: "R03", 2: "", 3: "R07", 4: ""}


def test_a_line_rejected_for_another_reason_inside_a_counted_lines_limit_says_so_too() -> None:
    lines = [
        _line(1, HBA1C, dt.date(2026, 6, 1)),
        _line(2, HBA1C, dt.date(2026, 7, 1), nid_valid=False),
        _line(3, HBA1C, dt.date(2026, 8, 1)),
    ]
    assert _run(lines) == {1: "", 2: "R03;R07", 3: "R07"}


def test_a_partially_accepted_line_counts() -> None:
    # asked above the tariff: paid at the tariff (D01), and it starts the limit
    lines = [
        _line(1, HBA1C, dt.date(2026, 6, 1), unit_price=_tariff(HBA1C, 3) + 100_000),
        _line(2, HBA1C, dt.date(2026, 7, 1)),
    ]
    assert _run(lines) == {1: "D01", 2: "R07"}
    assert _runs(lines[:1], lines[1:]) == {1: "D01", 2: "R07"}


# -------------------------------------- issue 20, item 2: the order claims arrive in


def test_a_line_dated_before_one_accepted_in_an_earlier_run_is_too_soon() -> None:
    later = _line(1, HBA1C, dt.date(2026, 11, 20))
    earlier = _line(2, HBA1C, dt.date(2026, 11, 1))
    assert _runs([later], [earlier]) == {1: "", 2: "R07"}
    assert _runs([earlier], [later]) == {1: "R07", 2: ""}


def test_within_one_run_the_earliest_service_date_is_decided_first() -> None:
    # the later-dated line was filed first (smaller line id)
    later = _line(1, HBA1C, dt.date(2026, 11, 20))
    earlier = _line(2, HBA1C, dt.date(2026, 11, 1))
    assert _run([later, earlier]) == {1: "R07", 2: ""}


def test_lines_on_one_day_are_decided_in_line_order() -> None:
    # two centres (so neither line repeats the other), the same day
    first = _line(7, HBA1C, dt.date(2026, 11, 1), level=3)
    second = _line(4, HBA1C, dt.date(2026, 11, 1), level=2, unit_price=_tariff(HBA1C, 2))
    assert _run([first, second]) == {4: "", 7: "R07"}


def test_earlier_runs_count_on_both_sides_up_to_the_limit_and_no_further() -> None:
    line = _line(1, HBA1C, dt.date(2026, 11, 1))
    # 89 days after: inside the 90-day limit; 90 days after: outside it
    inside = _accepted([_line(9, HBA1C, dt.date(2027, 1, 29))], {9: ""})
    outside = _accepted([_line(9, HBA1C, dt.date(2027, 1, 30))], {9: ""})
    assert _run([line], inside) == {1: "R07"}
    assert _run([line], outside) == {1: ""}
    # 89 and 90 days before
    inside = _accepted([_line(9, HBA1C, dt.date(2026, 8, 4))], {9: ""})
    outside = _accepted([_line(9, HBA1C, dt.date(2026, 8, 3))], {9: ""})
    assert _run([line], inside) == {1: "R07"}
    assert _run([line], outside) == {1: ""}


def test_a_line_an_earlier_run_makes_too_soon_does_not_count_in_its_own_run() -> None:
    # history on 1 Oct makes the 1 Nov line too soon; 5 Jan is 96 days after 1 Oct and
    # 65 after 1 Nov: paid, because the 1 Nov line does not count
    past = _accepted([_line(9, HBA1C, dt.date(2026, 10, 1))], {9: ""})
    lines = [_line(1, HBA1C, dt.date(2026, 11, 1)), _line(2, HBA1C, dt.date(2027, 1, 5))]
    assert _run(lines, past) == {1: "R07", 2: ""}
