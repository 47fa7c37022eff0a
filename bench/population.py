"""The care cascade at scale: every register per province and facility for 8 quarters.

The dataset: the synthetic registry at ``--scale`` (0.1: 4.2 million insured), of whom
about 15 % are put on the hypertension register and 8 % on the type 2 diabetes register
(entered on a day of 1401-1404 at a facility of their province), each with 0-4
adjudicated visits (a tenth rejected) and 0-4 measurement days (blood pressure, HbA1c)
from their entry to 1405/06/31, generated with a fixed seed and bulk-loaded.

- set-based: ``population.cascade_span.cascade_quarters`` for the 8 quarters
  1403Q3..1405Q2: the tables read into Arrow once for the span, the DuckDB kernel once per
  quarter; and, for comparison, ``population.service.cascade`` called once per quarter (a
  read per quarter) as the page and the CLI make it.
- baseline, in the same run: person by person through the ORM: each registered person's
  entries, claims and measurements loaded as objects (three queries), the 8 quarters'
  states worked out in Python and summed per register, province and facility. It is timed
  on ``--sample`` people and scaled to everyone; on those people it must give the kernel's
  counts exactly.

    PYTHONPATH=src .venv/bin/python bench/population.py [--scale 0.1] [--sample 3000]
        [--database FILE|URL]   # keep the dataset there and reuse it on the next run
"""

from __future__ import annotations

import argparse
import datetime as dt
import time
import uuid
from collections import defaultdict
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
from sqlalchemy import select, text
from sqlalchemy.orm import Session

from darman.claims.models import Claim
from darman.db import bulk, migrate
from darman.db.engine import make_engine, make_session_factory
from darman.db.uow import UnitOfWork
from darman.population import cascade_span, definitions, kernel, service
from darman.population.models import Measurement, RegisterEntry
from darman.population.periods import Window, parse_quarter
from darman.registry.models import Facility, Insured
from darman.security.principal import SYSTEM
from darman.synth import service as synth

OUT = Path(__file__).parent / "out"
KEY = "bench-audit-key-" + uuid.uuid4().hex
QUARTERS = ("1403Q3", "1403Q4", "1404Q1", "1404Q2", "1404Q3", "1404Q4", "1405Q1", "1405Q2")
FIRST_DAY = dt.date(2022, 3, 21)  # 1401/01/01
LAST_DAY = dt.date(2026, 9, 22)  # 1405/06/31
AIM_S = 10.0
AIM_RATIO = 50.0
CLAIM_COLUMNS = (
    "facility_id", "province_id", "document_number", "national_id", "nid_valid", "visit_type",
    "diagnoses", "status", "content_hash", "submitted_at", "submitted_on", "asked_rials",
    "allowed_rials", "copay_rials", "insurer_rials", "deducted_rials", "review_reason",
    "sample_cut_rials", "advance_rials", "paid_rials",
)  # fmt: skip


def _facilities(session: Session) -> dict[int, np.ndarray]:
    by_province: dict[int, list[int]] = defaultdict(list)
    for fid, pid in session.execute(select(Facility.id, Facility.province_id)):
        by_province[pid].append(fid)
    return {pid: np.array(ids) for pid, ids in by_province.items()}


def generate(session: Session, seed: int = 1405) -> dict[str, int]:
    """Register entries, visits and measurements for a share of the insured (see above)."""
    rng = np.random.default_rng(seed)
    people = session.execute(select(Insured.national_id, Insured.province_id)).all()
    places = _facilities(session)
    stamp = dt.datetime(2026, 9, 22, 8, tzinfo=dt.UTC)
    span = (LAST_DAY - FIRST_DAY).days
    entries: list[tuple[Any, ...]] = []
    claims: list[tuple[Any, ...]] = []
    measures: list[tuple[Any, ...]] = []
    on_htn = rng.random(len(people)) < 0.15
    on_dm = rng.random(len(people)) < 0.08
    n_doc = 0
    for i in np.flatnonzero(on_htn | on_dm):
        nid, pid = people[i]
        fids = places[pid]
        entered = FIRST_DAY + dt.timedelta(days=int(rng.integers(0, span - 180)))
        left = (LAST_DAY - entered).days
        for code, on in (("htn", on_htn[i]), ("t2dm", on_dm[i])):
            if on:
                fid = int(fids[rng.integers(0, len(fids))])
                entries.append((code, nid, pid, fid, "claim", f"b{i}", entered, stamp))
        for _ in range(int(rng.integers(0, 5))):
            n_doc += 1
            fid = int(fids[rng.integers(0, len(fids))])
            day = entered + dt.timedelta(days=int(rng.integers(0, left + 1)))
            status = "rejected" if rng.random() < 0.1 else "approved"
            claims.append((
                fid, pid, f"P{n_doc}", nid, True, "outpatient", "", status, f"h{n_doc}", stamp,
                day, 0, 0, 0, 0, 0, "", 0, 0, 0,
            ))  # fmt: skip
        days = {
            entered + dt.timedelta(days=int(d))
            for d in rng.integers(0, left + 1, rng.integers(0, 5))
        }
        for day in sorted(days):
            fid = int(fids[rng.integers(0, len(fids))])
            if on_htn[i]:
                sys_bp = float(np.clip(rng.normal(138, 16), 90, 220).round())
                dia_bp = float(np.clip(rng.normal(86, 10), 50, 130).round())
                measures.append((nid, pid, fid, "8480-6", sys_bp, day, "bench", stamp))
                measures.append((nid, pid, fid, "8462-4", dia_bp, day, "bench", stamp))
            if on_dm[i]:
                a1c = float(np.clip(rng.normal(7.2, 1.2), 4.5, 14).round(1))
                measures.append((nid, pid, fid, "4548-4", a1c, day, "bench", stamp))
    conn = session.connection()
    bulk.load(conn, "population_register_entries", (
        "register_code", "national_id", "province_id", "facility_id", "source", "source_ref",
        "entered_on", "created_at"), entries)  # fmt: skip
    bulk.load(conn, "claims", CLAIM_COLUMNS, claims)
    bulk.load(conn, "population_measurements", (
        "national_id", "province_id", "facility_id", "loinc", "value", "measured_on",
        "recorded_by", "created_at"), measures)  # fmt: skip
    return {"insured": len(people), "entries": len(entries), "claims": len(claims),
            "measurements": len(measures)}  # fmt: skip


# ------------------------------------------------------------------ the ORM baseline
Counts = dict[tuple[str, str, int, int], dict[str, int]]


def _person(session: Session, nid: str, windows: list[Window], targets: dict, out: Counts) -> None:
    """One person's states in every quarter, from their rows loaded as ORM objects."""
    # the registers named, so that the unique (register, person, source) index serves the
    # lookup on PostgreSQL too (SQLite skips through its first column by itself)
    entries = session.scalars(
        select(RegisterEntry).where(
            RegisterEntry.register_code.in_(list(targets)), RegisterEntry.national_id == nid
        )
    ).all()
    visits = [
        c.admission_date or c.submitted_on
        for c in session.scalars(
            select(Claim).where(
                Claim.national_id == nid,
                Claim.status.in_([s.value for s in service.ADJUDICATED]),
            )
        )
    ]
    measured = session.scalars(select(Measurement).where(Measurement.national_id == nid)).all()
    for w in windows:
        days = [d for d in visits if d <= w.end] + [
            m.measured_on for m in measured if m.measured_on <= w.end
        ]
        seen_12 = any(d >= w.start_12 for d in days)
        seen_3 = any(d >= w.start_3 for d in days)
        by_register: dict[str, list[RegisterEntry]] = defaultdict(list)
        for e in entries:
            if e.entered_on <= w.end:
                by_register[e.register_code].append(e)
        for code, found in by_register.items():
            first = min(found, key=lambda e: (e.entered_on, e.facility_id))
            controlled = True
            for loinc, below in targets[code]:
                last = [
                    m for m in measured if m.loinc == loinc and w.start_3 <= m.measured_on <= w.end
                ]
                if not last or not max(last, key=lambda m: m.measured_on).value < below:
                    controlled = False
            cohort = first.entered_on < w.start_3
            acc = out[(w.quarter, code, first.province_id, first.facility_id)]
            acc["registered"] += 1
            acc["under_care"] += seen_12
            acc["cohort"] += cohort
            acc["controlled"] += cohort and controlled
            acc["uncontrolled"] += cohort and seen_3 and not controlled
            acc["no_visit_3m"] += cohort and not seen_3
            acc["lost_to_follow_up"] += not seen_12


def baseline(session: Session, people: list[str], windows: list[Window]) -> Counts:
    targets = {r.code: [(t.loinc, t.below) for t in r.targets] for r in definitions.registers()}
    out: Counts = defaultdict(lambda: dict.fromkeys(kernel.CASCADE_COLUMNS, 0))
    for nid in people:
        _person(session, nid, windows, targets, out)
    return out


def kernel_on(session: Session, people: list[str], windows: list[Window]) -> Counts:
    """The kernel's counts for the sampled people only (the same inputs, entries filtered)."""
    out: Counts = {}
    chosen = pa.array(people, pa.string())
    for w in windows:
        inputs = service._cascade_inputs(session, w)
        inputs["entries"] = inputs["entries"].filter(
            pc.is_in(inputs["entries"]["national_id"], chosen)
        )
        for r in kernel.cascade(**inputs).to_pylist():
            key = (w.quarter, r["register_code"], r["province_id"], r["facility_id"])
            out[key] = {c: r[c] for c in kernel.CASCADE_COLUMNS}
    return out


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--scale", type=float, default=0.1)
    parser.add_argument("--sample", type=int, default=3000)
    parser.add_argument(
        "--database",
        help="a SQLite file, or a database URL (postgresql+psycopg://...), to use and keep "
        "(loaded on first use, then reused)",
    )
    args = parser.parse_args()
    if args.database:
        given = args.database
        run(args, given if "://" in given else f"sqlite:///{given}")
        return
    OUT.mkdir(exist_ok=True)
    path = OUT / f"population-{uuid.uuid4().hex[:8]}.db"
    try:
        run(args, f"sqlite:///{path}")
    finally:
        for suffix in ("", "-wal", "-shm"):
            Path(f"{path}{suffix}").unlink(missing_ok=True)


def load(args: argparse.Namespace, engine: Any, factory: Any) -> None:
    """The dataset, unless the database already holds it."""
    started = time.perf_counter()
    with UnitOfWork(factory) as uow:
        loaded = uow.session.scalar(select(RegisterEntry.id).limit(1)) is not None
    if loaded:
        print("dataset reused from the database given")
    else:
        with UnitOfWork(factory) as uow:
            synth.seed(uow.session, scale=args.scale, seed=1405)
            uow.commit()
        with UnitOfWork(factory) as uow:
            sizes = generate(uow.session)
            uow.commit()
        # statistics, as a database in use has them (and on PostgreSQL the visibility map
        # that lets a read come from an index alone, as autovacuum would leave it)
        if engine.dialect.name == "postgresql":
            with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
                conn.execute(text("VACUUM ANALYZE"))
        else:
            with UnitOfWork(factory) as uow:
                uow.session.execute(text("ANALYZE"))
                uow.commit()
        print(f"dataset loaded in {time.perf_counter() - started:.0f} s: " +
              ", ".join(f"{v:,} {k}" for k, v in sizes.items()))  # fmt: skip


def run(args: argparse.Namespace, url: str) -> None:
    engine = make_engine(url)
    migrate.upgrade(engine)
    factory = make_session_factory(engine, audit_key=KEY)
    load(args, engine, factory)
    windows = [parse_quarter(q) for q in QUARTERS]
    with UnitOfWork(factory) as uow:
        started = time.perf_counter()
        per_quarter = [service.cascade(uow.session, SYSTEM, quarter=q) for q in QUARTERS]
        one_by_one = time.perf_counter() - started
        started, cpu = time.perf_counter(), time.process_time()
        spanned = cascade_span.cascade_quarters(uow.session, SYSTEM, quarters=list(QUARTERS))
        fast = time.perf_counter() - started
        fast_cpu = time.process_time() - cpu  # the machine is shared: CPU seconds beside wall
        rows = sum(len(r.rows) for r in spanned)
        assert [r.rows for r in spanned] == [r.rows for r in per_quarter]
    with UnitOfWork(factory) as uow:
        everyone = list(uow.session.scalars(select(RegisterEntry.national_id).distinct()))
        rng = np.random.default_rng(7)
        sample = sorted(rng.choice(everyone, size=min(args.sample, len(everyone)), replace=False))
        started = time.perf_counter()
        slow = baseline(uow.session, sample, windows)
        measured = time.perf_counter() - started
        expected = kernel_on(uow.session, sample, windows)
    base = measured * len(everyone) / len(sample)
    differ = sum(1 for k in set(slow) | set(expected) if slow.get(k) != expected.get(k))
    print(f"{engine.dialect.name}, scale {args.scale}, {len(everyone):,} registered people, "
          f"quarters {QUARTERS[0]}..{QUARTERS[-1]}")  # fmt: skip
    print("| step | seconds | note |")
    print("| --- | --- | --- |")
    print(f"| set-based cascade, 8 quarters, one read | {fast:.2f} | {rows:,} register x "
          f"facility rows; {fast_cpu:.2f} CPU s (every thread) |")  # fmt: skip
    print(f"| set-based cascade, 8 quarters, a read per quarter | {one_by_one:.2f} | "
          "the same rows |")  # fmt: skip
    print(f"| ORM person by person, 8 quarters, scaled to everyone | {base:.1f} | "
          f"measured {measured:.1f} s on {len(sample):,} people |")  # fmt: skip
    print(f"baseline / set-based: {base / fast:.1f}x")
    print(f"register x facility x quarter rows differing on the sample: {differ}")
    print(
        f"aims: under {AIM_S:.0f} s {'met' if fast < AIM_S else 'NOT met'}; "
        f"{AIM_RATIO:.0f}x the baseline {'met' if base / fast >= AIM_RATIO else 'NOT met'}"
    )
    engine.dispose()


if __name__ == "__main__":
    main()
