"""Claims from the system of record, on SQLite and PostgreSQL:

1. bulk submission of an NDJSON file of synthetic claims through the same path as
   the API and CLI (validate, store in batches of 1,000, commit each), in claims/s;
   baseline: the same claims sent one at a time, one transaction each (a sample);
2. end to end adjudication of the pending lines as `darman claims adjudicate` runs it
   (bounded partitions, each read, decided and written back in its own transaction), in
   a process of its own whose peak RSS is printed; baselines: the kernel alone on the
   same lines in memory, and the least work of the path (a bare read of the pending
   lines' kernel columns and a bare bulk write of the decisions);
3. a payment run over every approved claim (ledger included); baseline: a bare
   UPDATE marking the same claims paid, with no ledger;
4. with --pay-claims N, the same payment run over N approved claims of contracted
   centres loaded straight into the claims table (1,000,000 is the issue's size).

    .venv/bin/python bench/claims_pipeline.py [--submit 100000] [--lines 1000000]
        [--submit-only | --skip-submit]
"""

from __future__ import annotations

import argparse
import io
import json
import subprocess
import sys
import time
import uuid

import numpy as np
import pyarrow as pa
import pyarrow.compute
from sqlalchemy import create_engine, func, select, text, update
from sqlalchemy.orm import Session

from darman.claims import engine, payment, review
from darman.claims import service as claims_service
from darman.claims.models import Claim
from darman.claims.submission import submit_stream
from darman.db import bulk as db_bulk
from darman.db import migrate
from darman.db.engine import make_engine, make_session_factory
from darman.db.uow import UnitOfWork
from darman.registry.models import Facility, Insured
from darman.security.principal import SYSTEM
from darman.synth import claims as synthetic
from darman.synth import claims_reference as synthetic_reference
from darman.synth import claims_seed
from darman.synth import service as synth

PG_ADMIN = "postgresql+psycopg://127.0.0.1:5432/test"
# seals the audit entries the benchmark writes; it never verifies them
BENCH_AUDIT_KEY = "bench-audit-key-" + uuid.uuid4().hex
SCALE, SEED = 0.01, 1405


def fresh(backend: str, tag: str) -> tuple[str, object]:
    if backend == "sqlite":
        return f"sqlite:////tmp/darman-bench-{tag}-{uuid.uuid4().hex[:6]}.db", None
    name = f"darman_bench_{tag}_{uuid.uuid4().hex[:6]}"
    admin = create_engine(PG_ADMIN, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    return PG_ADMIN.rsplit("/", 1)[0] + f"/{name}", (admin, name)


def drop(handle: object) -> None:
    if handle is None:
        return
    admin, name = handle  # type: ignore[misc]
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


def seeded(backend: str, tag: str):  # type: ignore[no-untyped-def]
    url, handle = fresh(backend, tag)
    eng = make_engine(url)
    migrate.upgrade(eng)
    factory = make_session_factory(eng, audit_key=BENCH_AUDIT_KEY)
    with UnitOfWork(factory) as uow:
        synth.seed(uow.session, scale=SCALE, seed=SEED)
        uow.commit()
    return eng, factory, handle


def synthetic_claims(n_claims: int) -> list[dict[str, object]]:
    """The first ``n_claims`` synthetic claims as ClaimIn-shaped dicts (facility by id)."""
    ref = synthetic_reference.reference(scale=SCALE, seed=SEED)
    lines = synthetic.claims(ref, n_lines=int(n_claims * 2.6), seed=7).lines
    cols = {c: lines[c].to_pylist() for c in lines.column_names}
    by_claim: dict[int, dict[str, object]] = {}
    for i in range(lines.num_rows):
        cid = cols["claim_id"][i]
        if cid not in by_claim:
            if len(by_claim) == n_claims:
                break
            adm, dis = cols["admission_date"][i], cols["discharge_date"][i]
            by_claim[cid] = {
                "facility_id": cols["facility_id"][i],
                "document_number": str(cid),
                "national_id": cols["national_id"][i],
                "visit_type": cols["visit_type"][i],
                "admission_date": str(adm) if adm else None,
                "discharge_date": str(dis) if dis else None,
                "lines": [],
            }
        by_claim[cid]["lines"].append(
            {  # type: ignore[attr-defined]
                "item_type": cols["item_type"][i],
                "code": cols["code"][i],
                "service_date": str(cols["service_date"][i]),
                "quantity": cols["quantity"][i],
                "unit_price_rials": cols["unit_price"][i],
            }
        )
    return list(by_claim.values())


def submission(backend: str, n_claims: int, sample: int) -> str:
    eng, factory, handle = seeded(backend, "submit")
    try:
        from darman.registry.models import Facility

        with factory() as s:
            code_of = dict(s.execute(select(Facility.id, Facility.code)).all())
        records = []
        for c in synthetic_claims(n_claims):
            c["facility_code"] = code_of[c.pop("facility_id")]
            records.append(json.dumps(c, ensure_ascii=False))
        data = ("\n".join(records) + "\n").encode()
        t0 = time.perf_counter()
        accepted = 0
        for ack in submit_stream(factory, SYSTEM, io.BytesIO(data), "ndjson"):
            accepted += ack.accepted
        bulk_rate = accepted / (time.perf_counter() - t0)
        one = [json.loads(r) for r in records[:sample]]
        for c in one:
            c["document_number"] = "x" + c["document_number"]
        t0 = time.perf_counter()
        from darman.claims.schemas import ClaimIn

        for c in one:
            with UnitOfWork(factory) as uow:
                claims_service.submit(uow.session, SYSTEM, claim=ClaimIn.model_validate(c))
                uow.commit()
        single_rate = len(one) / (time.perf_counter() - t0)
        return (
            f"{backend:<11} submit   {accepted:>9,} claims {bulk_rate:>10,.0f} claims/s   "
            f"one-by-one {single_rate:>8,.0f} claims/s   ratio {bulk_rate / single_rate:5.1f}x"
        )
    finally:
        eng.dispose()
        drop(handle)


def least_work(factory, decided: pa.Table) -> tuple[float, float]:  # type: ignore[no-untyped-def]
    """The least the path must do, timed on the same database: a bare read of the pending
    lines' kernel columns into Arrow (the same query and reader the path uses, no reference
    tables) and a bare bulk write of the kernel's decisions into a new table; both rolled
    back."""
    with UnitOfWork(factory) as uow:
        conn = uow.session.connection()
        t0 = time.perf_counter()
        db_bulk.read_arrow(conn, claims_service.pending_lines_query(), claims_service.LINE_SCHEMA)
        read_s = time.perf_counter() - t0
        conn.execute(
            text(
                "CREATE TABLE bench_decisions (line_id BIGINT, allowed BIGINT, copay BIGINT,"
                " insurer BIGINT, deducted BIGINT, reasons VARCHAR(64), outcome VARCHAR(16))"
            )
        )
        t0 = time.perf_counter()
        db_bulk.load_arrow(
            conn,
            "bench_decisions",
            decided.select(["line_id", "allowed", "copay", "insurer", "deducted", "reasons",
                            "outcome"]),
        )  # fmt: skip
        write_s = time.perf_counter() - t0
    return read_s, write_s


_CHILD = """
import json, sys, time
from darman.claims import backlog
from darman.db.engine import make_engine, make_session_factory
from darman.referrals.reading import claims_register
url, key = sys.argv[1], sys.argv[2]
factory = make_session_factory(make_engine(url), audit_key=key)
parts = []
t0 = time.perf_counter()
def progress(message):
    parts.append(message)
    print(f"  {time.perf_counter() - t0:8.1f} s  {message}", file=sys.stderr, flush=True)
run = backlog.adjudicate_backlog(factory, actor="bench", referrals=claims_register,
                                 progress=progress)
seconds = time.perf_counter() - t0
hwm_kb = next(int(line.split()[1]) for line in open("/proc/self/status")
              if line.startswith("VmHWM:"))
print(json.dumps({"seconds": seconds, "partitions": len(parts), "hwm_kb": hwm_kb, **vars(run)}))
"""


def adjudicate_in_child(url: str) -> tuple[float, dict[str, int], float]:
    """``darman claims adjudicate``'s loop (backlog.adjudicate_backlog) in a process of its own:
    seconds, the run's counts, and its peak RSS in MB, read by the process itself from
    /proc/self/status (VmHWM). The rusage of the child is not used: Linux carries into it the
    resident size of the forked copy of this process from before the exec, which at 10 M
    lines was 14 GB of the benchmark's own data."""
    proc = subprocess.run(
        [sys.executable, "-c", _CHILD, url, BENCH_AUDIT_KEY], stdout=subprocess.PIPE, check=False
    )
    if proc.returncode != 0:
        raise SystemExit(f"the adjudication process failed ({proc.returncode})")
    result = json.loads(proc.stdout.decode().strip().splitlines()[-1])
    return result["seconds"], result, result["hwm_kb"] / 1024


def adjudicate_and_pay(backend: str, lines: int, *, pay: bool = True) -> list[str]:
    eng, factory, handle = seeded(backend, "adj")
    try:
        t0 = time.perf_counter()
        with UnitOfWork(factory) as uow:
            claims_seed.load(uow.session, scale=SCALE, seed=SEED, lines=lines)
            uow.commit()
        print(
            f"{backend:<11} loaded {lines:,} pending lines in {time.perf_counter() - t0:.0f} s",
            flush=True,
        )
        ref = synthetic_reference.reference(scale=SCALE, seed=SEED)
        made = synthetic.claims(ref, n_lines=lines, seed=SEED)
        tables = synthetic.kernel_tables(ref, made)
        t0 = time.perf_counter()
        decided = engine.run(tables)
        kernel_s = time.perf_counter() - t0
        read_s, write_s = least_work(factory, decided)
        e2e_s, run, rss_mb = adjudicate_in_child(eng.url.render_as_string(hide_password=False))
        least_s = read_s + write_s
        adjudicated = (
            f"{backend:<11} adjudicate {run['lines']:>9,} lines "
            f"{run['lines'] / e2e_s:>10,.0f} lines/s end to end ({e2e_s:.1f} s, "
            f"{run['partitions']} partitions, peak RSS {rss_mb:,.0f} MB)   "
            f"kernel alone {lines / kernel_s:>10,.0f} lines/s   least work "
            f"{lines / least_s:>10,.0f} lines/s (bare read {read_s:.1f} s + bare bulk write "
            f"{write_s:.1f} s)"
        )
        if not pay:
            return [adjudicated]
        with UnitOfWork(factory) as uow:
            review.select_for_review(
                uow.session, actor="bench", policy=review.ReviewPolicy(sample_percent=0)
            )
            uow.commit()
        with factory() as s:
            approved = s.scalar(select(func.count()).where(Claim.status == "approved")) or 0
        t0 = time.perf_counter()
        with UnitOfWork(factory) as uow:
            paid = payment.pay(uow.session, SYSTEM, run_key="bench", budget_rials=10**17)
            uow.commit()
        pay_s = time.perf_counter() - t0
        with factory() as s:
            debit, credit = payment.ledger_balance(s)
        with UnitOfWork(factory) as uow:  # baseline: the bare status flip on the same claims
            uow.session.execute(
                update(Claim).where(Claim.status == "paid").values(status="approved")
            )
            t0 = time.perf_counter()
            uow.session.execute(
                update(Claim).where(Claim.status == "approved").values(status="paid")
            )
            bare_s = time.perf_counter() - t0
        return [
            adjudicated,
            f"{backend:<11} pay      {paid.claims_paid:>9,} claims of contracted centres "
            f"({approved:,} approved in all) in {pay_s:6.1f} s "
            f"({paid.claims_paid / pay_s:,.0f} claims/s)   bare UPDATE {bare_s:5.1f} s   "
            f"ledger {debit:,} = {credit:,}",
        ]
    finally:
        eng.dispose()
        drop(handle)


def approved_claims(session: Session, n_claims: int) -> int:
    """Load ``n_claims`` approved claims of contracted centres straight into the claims table
    (no lines): a year of submissions, 4 % with an advance already paid (some larger than
    the final amount, so the run posts receivables too)."""
    rng = np.random.default_rng(SEED)
    facilities = session.execute(
        select(Facility.id, Facility.province_id).where(Facility.ownership == "contracted")
    ).all()
    people = session.scalars(select(Insured.national_id).limit(200_000)).all()
    fac = rng.integers(0, len(facilities), n_claims)
    province = np.array([p for _, p in facilities])[fac]
    asked = rng.lognormal(16.5, 1.2, n_claims).astype(np.int64) + 100_000
    allowed = asked - asked * rng.integers(0, 30, n_claims) // 100
    copay = (allowed * 30 + 50) // 100
    insurer = allowed - copay
    advance = np.where(rng.random(n_claims) < 0.04, asked * 40 // 100, 0)
    day = np.datetime64("2025-03-21") + rng.integers(0, 365, n_claims).astype("timedelta64[D]")
    order = np.argsort(day, kind="stable")
    day, fac, province = day[order], fac[order], province[order]
    on = pa.array(day.astype("datetime64[D]").astype(str))
    zone = "+00:00" if session.get_bind().dialect.name == "postgresql" else ""
    at = pa.compute.binary_join_element_wise(on, pa.scalar(f" 06:30:00.000000{zone}"), "")
    ids = np.arange(1, n_claims + 1)
    zeros = np.zeros(n_claims, np.int64)
    table = pa.table(
        {
            "id": ids,
            "facility_id": np.array([f for f, _ in facilities])[fac],
            "province_id": province,
            "document_number": pa.array(ids.astype(str)),
            "national_id": pa.array(people).take(rng.integers(0, len(people), n_claims)),
            "nid_valid": np.ones(n_claims, bool),
            "visit_type": pa.array(["outpatient"] * n_claims),
            "diagnoses": pa.array([""] * n_claims),
            "status": pa.array(["approved"] * n_claims),
            "content_hash": pa.array(ids.astype(str)),
            "submitted_at": at,
            "submitted_on": on.cast(pa.date32()) if zone else on,
            "adjudicated_at": at,
            "asked_rials": asked,
            "allowed_rials": allowed,
            "copay_rials": copay,
            "insurer_rials": insurer,
            "deducted_rials": asked - allowed,
            "review_reason": pa.array([""] * n_claims),
            "sample_cut_rials": zeros,
            "advance_rials": advance,
            "paid_rials": zeros,
        }
    )
    conn = session.connection()
    db_bulk.load_arrow(conn, "claims", table)
    db_bulk.reset_sequences(conn, ["claims"])
    return n_claims


def pay_at_scale(backend: str, n_claims: int) -> str:
    """A payment run over ``n_claims`` approved claims of contracted centres loaded in bulk;
    baseline: a bare UPDATE marking the same claims paid, in the same run."""
    eng, factory, handle = seeded(backend, "pay")
    try:
        with UnitOfWork(factory) as uow:
            approved_claims(uow.session, n_claims)
            uow.commit()
        t0 = time.perf_counter()
        with UnitOfWork(factory) as uow:
            paid = payment.pay(uow.session, SYSTEM, run_key="bench", budget_rials=10**17)
            uow.commit()
        pay_s = time.perf_counter() - t0
        with factory() as s:
            debit, credit = payment.ledger_balance(s, run_id=paid.run_id)
            still = s.scalar(select(func.count()).where(Claim.status == "approved")) or 0
        with UnitOfWork(factory) as uow:  # baseline: the bare status flip on the same claims
            uow.session.execute(
                update(Claim).where(Claim.status == "paid").values(status="approved")
            )
            uow.commit()
        with UnitOfWork(factory) as uow:
            t0 = time.perf_counter()
            uow.session.execute(
                update(Claim).where(Claim.status == "approved").values(status="paid")
            )
            uow.commit()
            bare_s = time.perf_counter() - t0
        balanced = "balances" if debit == credit else "DOES NOT BALANCE"
        return (
            f"{backend:<11} pay      {paid.claims_paid:>9,} of {n_claims:,} approved claims of "
            f"contracted centres in {pay_s:6.1f} s ({paid.claims_paid / pay_s:,.0f} claims/s, "
            f"{still:,} left unpaid)   bare UPDATE {bare_s:5.1f} s ({n_claims / bare_s:,.0f}/s)"
            f"   ledger {debit:,} = {credit:,} rials: {balanced}"
        )
    finally:
        eng.dispose()
        drop(handle)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--submit", type=int, default=100_000, help="claims in the NDJSON file")
    parser.add_argument("--sample", type=int, default=2_000, help="claims sent one at a time")
    parser.add_argument("--lines", type=int, default=1_000_000, help="pending lines to adjudicate")
    parser.add_argument("--backends", nargs="+", default=["sqlite", "postgresql"])
    parser.add_argument("--skip-submit", action="store_true", help="only adjudication and payment")
    parser.add_argument(
        "--pay-claims", type=int, default=0, help="also pay N approved claims loaded in bulk"
    )
    parser.add_argument("--pay-only", action="store_true", help="only the --pay-claims run")
    parser.add_argument("--submit-only", action="store_true", help="only the submission step")
    parser.add_argument(
        "--adjudicate-only", action="store_true", help="no review or payment after adjudicating"
    )
    args = parser.parse_args()
    for backend in args.backends:
        if args.pay_only:
            print(pay_at_scale(backend, args.pay_claims), flush=True)
            continue
        if not args.skip_submit:
            print(submission(backend, args.submit, args.sample), flush=True)
        if args.submit_only:
            continue
        for line in adjudicate_and_pay(backend, args.lines, pay=not args.adjudicate_only):
            print(line, flush=True)
        if args.pay_claims:
            print(pay_at_scale(backend, args.pay_claims), flush=True)


if __name__ == "__main__":
    main()
