"""Performance indicators at scale: every indicator for 31 provinces x 24 months, and the
managers' ranking with 1,000 weight draws.

The dataset: the synthetic registry at ``--scale`` with a year of demo claims
(``--lines`` claim lines, adjudicated and partly paid, with their e-prescriptions,
referrals and panels), two years of stock records and a year of patient-experience
responses, as ``darman demo`` loads them, on
SQLite (or ``--backend postgresql``).

- compute: ``performance.compute_months`` over the 24 months ending with the last complete
  one (each named query once over the span, grouped by month), and, for comparison,
  ``performance.compute`` month by month.
- baseline, in the same run: the numerators and denominators of five indicators (payment
  delay, deducted share, e-prescriptions dispensed, referral feedback, stock-outs)
  computed one province-month at a time through the ORM (rows loaded as objects and
  counted in Python), over ``--baseline-months`` months; its time is scaled to 24 months
  and compared with the set-based compute of the same five indicators, whose results it
  must equal.
- ranking: ``ranking.rank`` on the last month's facts with 1,000 draws.

    .venv/bin/python bench/performance.py [--scale 0.01] [--lines 200000] [--backend sqlite]
        [--baseline-months 2] [--skip-by-month] [--database URL]
"""

from __future__ import annotations

import argparse
import time
import uuid
from pathlib import Path

from sqlalchemy import create_engine, select, text
from sqlalchemy.orm import Session

from darman.claims.models import Claim
from darman.common.jalali import tehran_today
from darman.db import migrate
from darman.db.engine import make_engine, make_session_factory
from darman.db.uow import UnitOfWork
from darman.performance import compute, periods, service
from darman.performance.definitions import Definitions, shipped
from darman.performance.models import IndicatorFact
from darman.prescriptions.models import Prescription, PrescriptionDispensing
from darman.procurement.models import Consumable, StockMonth
from darman.referrals.models import ReferralOrder
from darman.registry.models import Facility, Province
from darman.security.principal import SYSTEM
from darman.synth import claims_seed, procurement_seed, surveys_seed
from darman.synth import service as synth

PG_ADMIN = "postgresql+psycopg://127.0.0.1:5432/test"
BENCH_AUDIT_KEY = "bench-audit-key-" + uuid.uuid4().hex
OUT = Path(__file__).parent / "out"
MONTHS = 24
DRAWS = 1000
AIM_S = 10.0
AIM_RATIO = 50.0
BASELINE = (
    "payment_delay_days",
    "deducted_share",
    "eprescriptions_dispensed_share",
    "referral_feedback_rate",
    "stockout_rate",
)


def fresh(backend: str) -> str:
    if backend == "sqlite":
        OUT.mkdir(exist_ok=True)
        return f"sqlite:///{OUT / f'performance-{uuid.uuid4().hex[:8]}.db'}"
    name = f"darman_bench_perf_{uuid.uuid4().hex[:8]}"
    with create_engine(PG_ADMIN, isolation_level="AUTOCOMMIT").connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    return PG_ADMIN.rsplit("/", 1)[0] + f"/{name}"


def discard(url: str) -> None:
    """Remove the benchmark's database."""
    if url.startswith("sqlite:///"):
        for suffix in ("", "-wal", "-shm"):
            Path(url.removeprefix("sqlite:///") + suffix).unlink(missing_ok=True)
        return
    name = url.rsplit("/", 1)[1]
    with create_engine(PG_ADMIN, isolation_level="AUTOCOMMIT").connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


def load(factory, scale: float, lines: int) -> None:
    with factory() as session:
        if session.scalar(select(Claim.id).limit(1)) is not None:
            print("dataset already loaded: reused")
            return
    started = time.perf_counter()
    with UnitOfWork(factory) as uow:
        synth.seed(uow.session, scale=scale, seed=1405)
        uow.commit()
    with UnitOfWork(factory) as uow:
        claims_seed.load(uow.session, scale=scale, seed=1405, lines=lines)
        claims_seed.process(uow.session)
        uow.commit()
    with UnitOfWork(factory) as uow:
        procurement_seed.load(uow.session, seed=1405)
        surveys_seed.load(uow.session, seed=1405)
        uow.commit()
    # fresh statistics after the bulk load, as an operator runs after one: without them
    # PostgreSQL plans the coverage semi-join as a nested loop (2.3 s a month, not 0.3 s)
    with UnitOfWork(factory) as uow:
        uow.session.execute(text("ANALYZE"))
        uow.commit()
    print(f"dataset loaded in {time.perf_counter() - started:.0f} s")


def only(defs: Definitions, codes: tuple[str, ...]) -> Definitions:
    return Definitions(
        version=defs.version, indicator=[i for i in defs.indicators if i.code in codes]
    )


Pair = tuple[float, float]


class Clock:
    """Wall seconds and this process's CPU seconds of a step. On SQLite the database works
    in this process, so its CPU seconds are the step's work whatever else loads the
    machine; on PostgreSQL the server's share is not in them."""

    def __enter__(self) -> Clock:
        self.wall, self.cpu = time.perf_counter(), time.process_time()
        return self

    def __exit__(self, *exc: object) -> None:
        self.wall = time.perf_counter() - self.wall
        self.cpu = time.process_time() - self.cpu


def _claims(session: Session, province: int, facilities: dict, start, end) -> tuple[Pair, Pair]:
    days = paid = deducted = asked = 0.0
    for c in session.scalars(select(Claim).where(Claim.province_id == province)):
        fac = facilities.get(c.facility_id)
        if fac is None:
            continue
        day = c.paid_at.date() if c.paid_at is not None else None
        if day is not None and fac.ownership == "contracted" and start <= day <= end:
            days += (day - c.submitted_on).days
            paid += 1
        if start <= c.submitted_on <= end and c.status not in ("submitted", "draft"):
            deducted += c.deducted_rials
            asked += c.asked_rials
    return (days, paid), (deducted, asked)


def _prescriptions(session: Session, facilities: dict, start, end) -> Pair:
    issued = dispensed = 0.0
    for p in session.scalars(select(Prescription).where(Prescription.facility_id.in_(facilities))):
        if p.status == "issued" and start <= p.issued_on <= end:
            issued += 1
            first = select(PrescriptionDispensing.id).where(
                PrescriptionDispensing.prescription_id == p.id
            )
            dispensed += session.scalar(first.limit(1)) is not None
    return dispensed, issued


def _referrals(session: Session, facilities: dict, start, end) -> Pair:
    sent = answered = 0.0
    query = select(ReferralOrder).where(ReferralOrder.from_facility_id.in_(facilities))
    for r in session.scalars(query):
        if start <= r.issued_on <= end:
            sent += 1
            answered += r.feedback_on is not None and r.feedback_on <= r.feedback_due_on
    return answered, sent


def _stock(session: Session, facilities: dict, kinds: dict, yyyymm: int) -> Pair:
    vital = out = 0.0
    query = select(StockMonth).where(
        StockMonth.facility_id.in_(facilities), StockMonth.month == yyyymm
    )
    for s in session.scalars(query):
        if kinds[s.item_id] == "vital":
            vital += 1
            out += s.stockout_days > 0
    return out, vital


def orm_baseline(session: Session, month: periods.Period) -> dict[tuple[str, int], Pair]:
    """The five indicators' (numerator, denominator) per province for one month, one
    province at a time, rows loaded as ORM objects and counted in Python."""
    start, end = month.bounds()
    out: dict[tuple[str, int], Pair] = {}
    kinds = dict(session.execute(select(Consumable.id, Consumable.criticality)).all())
    for province in session.scalars(select(Province).order_by(Province.id)):
        pid = province.id
        facilities = {
            f.id: f for f in session.scalars(select(Facility).where(Facility.province_id == pid))
        }
        delay, deducted = _claims(session, pid, facilities, start, end)
        out[("payment_delay_days", pid)] = delay
        out[("deducted_share", pid)] = deducted
        out[("eprescriptions_dispensed_share", pid)] = _prescriptions(
            session, facilities, start, end
        )
        out[("referral_feedback_rate", pid)] = _referrals(session, facilities, start, end)
        out[("stockout_rate", pid)] = _stock(
            session, facilities, kinds, month.year * 100 + month.number
        )
    return out


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--scale", type=float, default=0.01)
    parser.add_argument("--lines", type=int, default=200_000)
    parser.add_argument("--backend", choices=["sqlite", "postgresql"], default="sqlite")
    parser.add_argument("--baseline-months", type=int, default=2)
    parser.add_argument(
        "--skip-by-month",
        action="store_true",
        help="leave out the month-by-month compute (long at scale 0.1; it only compares)",
    )
    parser.add_argument(
        "--database",
        help="an existing database URL to use and keep (loaded on first use, then reused)",
    )
    args = parser.parse_args()
    if args.database:
        run(args, args.database)
        return
    url = fresh(args.backend)
    try:
        run(args, url)
    finally:
        discard(url)


def run(args: argparse.Namespace, url: str) -> None:
    engine = make_engine(url)
    migrate.upgrade(engine)
    factory = make_session_factory(engine, audit_key=BENCH_AUDIT_KEY)
    load(factory, args.scale, args.lines)
    last = periods.last_complete_month(tehran_today())
    months = [last.shift(-k) for k in range(MONTHS - 1, -1, -1)]
    defs = shipped()
    with UnitOfWork(factory) as uow:
        by_month = None
        if not args.skip_by_month:
            with Clock() as by_month:
                for m in months:
                    compute.compute(uow.session, m, defs)
        with Clock() as full:
            results = compute.compute_months(uow.session, months, defs)
        facts = sum(r.province_facts + r.facility_facts for r in results)
        uow.commit()
    five = only(defs, BASELINE)
    with UnitOfWork(factory) as uow:
        with Clock() as subset:
            compute.compute_months(uow.session, months, five)
        uow.commit()
    # like for like with the baseline, which counts and stores nothing: the five
    # indicators' named queries alone
    names = sorted({q for i in five.indicators for q in (i.numerator, i.denominator)})
    with UnitOfWork(factory) as uow, Clock() as counted:
        for name in names:
            compute.run_span(uow.session, name, months)
    sample = months[-args.baseline_months :]
    with UnitOfWork(factory) as uow:
        with Clock() as base:
            found = {m.code: orm_baseline(uow.session, m) for m in sample}
        base.wall *= MONTHS / len(sample)
        base.cpu *= MONTHS / len(sample)
        stored = {
            (f.period, f.indicator_code, f.province_id): (f.numerator, f.denominator)
            for f in uow.session.scalars(
                select(IndicatorFact).where(
                    IndicatorFact.facility_id.is_(None), IndicatorFact.indicator_code.in_(BASELINE)
                )
            )
        }
    differ = sum(
        1
        for code, rows in found.items()
        for (ind, pid), pair in rows.items()
        if stored.get((code, ind, pid), (0.0, 0.0)) != pair
    )
    with UnitOfWork(factory) as uow, Clock() as ranking:
        ranked = service.rank(uow.session, SYSTEM, period=last.code, draws=DRAWS)
    span = f"{months[0].code}..{last.code}"
    print(f"{engine.dialect.name}, scale {args.scale}, {args.lines:,} claim lines; months {span}")
    rows = [
        (f"compute, all {len(defs.indicators)} indicators x {MONTHS} months at once", full,
         f"{facts:,} facts"),
        (f"compute, the 5 baseline indicators x {MONTHS} months", subset,
         "set-based, facts stored"),
        (f"their {len(names)} named queries alone x {MONTHS} months", counted,
         "set-based, nothing stored"),
        (f"ORM, one province-month at a time, 5 indicators, scaled to {MONTHS} months", base,
         f"measured on {len(sample)} months"),
        (f"ranking, {DRAWS:,} weight draws", ranking,
         f"{len(ranked.provinces)} provinces, {len(ranked.criteria)} indicators"),
    ]  # fmt: skip
    if by_month is not None:
        rows.insert(0, (f"compute, all {len(defs.indicators)} indicators, month by month",
                        by_month, "the same facts"))  # fmt: skip
    print("| step | seconds | CPU s of this process | note |")
    print("| --- | --- | --- | --- |")
    for step, clock, note in rows:
        print(f"| {step} | {clock.wall:.2f} | {clock.cpu:.2f} | {note} |")
    ratio = base.wall / subset.wall
    print(f"baseline / set-based compute (5 indicators): {ratio:.1f}x wall, "
          f"{base.cpu / subset.cpu:.1f}x CPU of this process")  # fmt: skip
    print(f"baseline / their named queries alone: {base.wall / counted.wall:.1f}x wall, "
          f"{base.cpu / counted.cpu:.1f}x CPU of this process")  # fmt: skip
    print(f"numerator/denominator pairs differing from the baseline: {differ}")
    # the baseline computes the numerators and stores nothing: the aim compares like
    # with like, the stored compute's ratio is printed above beside it
    like = base.wall / counted.wall
    print(
        f"aims: compute under {AIM_S:.0f} s {'met' if full.wall < AIM_S else 'NOT met'}; "
        f"{AIM_RATIO:.0f}x the baseline (the same numerators) "
        f"{'met' if like >= AIM_RATIO else 'NOT met'}"
    )
    engine.dispose()


if __name__ == "__main__":
    main()
