"""Open-loop benchmark of the e-prescription check over loopback, with ``GET /health``
at the same offered rate as the floor of the server stack.

A real ``darman serve --workers N`` (uvicorn's own worker mode, on 127.0.0.1) serves a
seeded database: a throwaway PostgreSQL database on 127.0.0.1:5432 (dropped afterwards)
by default, or a SQLite file. The world: a national-size formulary (the shipped
catalogue plus 4,000 synthetic generics with quantity and days limits, some
specialist-only) and a proportionate interaction table handed to the server through
``DARMAN_PRESCRIPTION_TABLES``; a year of prescription history for 2,000 patients, so the
duplicate-therapy and interaction checks read real history; 32 physician users, each
linked to a practitioner, with an API key.

The load is OFFERED at ``--rate`` checks a second (``POST /api/v1/prescriptions/check``,
the dry run the prescribing screen calls as lines change) at arrival times fixed before
the clock starts (``--arrivals poisson``, the default, for many independent physicians;
or ``uniform``), over a pool of keep-alive connections large enough for half a second of
sends. A send never waits for an answer, and latency runs from each request's scheduled
time, so queueing counts (``loadgen.py``). Errors: any non-2xx answer, a broken
connection, no answer within 5 s, and a send that found no free connection. Then the same
rate, the same way, on ``GET /health`` (one read, no validation).

``--rates 100,200,...`` runs several rates; ``--sweep`` runs a ladder of rates for 20 s
each (stopping once the server falls behind) and prints the highest rate at which p99
stays under 50 ms with no error. ``--closed-loop --clients 32`` runs the former measure:
32 clients each sending its next check as soon as it has the answer, then ``GET /health``
the same way.

    .venv/bin/python bench/eprescription.py --rate 300 --seconds 60
    .venv/bin/python bench/eprescription.py --sweep [--database sqlite] [--workers 2]
    .venv/bin/python bench/eprescription.py --closed-loop --clients 32 --seconds 20
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import json
import os
import shutil
import time
import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
from sqlalchemy import Connection, Row, select
from sqlalchemy.orm import Session

import loadgen
from darman.common.jalali import tehran_today
from darman.db import bulk, migrate
from darman.db.engine import make_engine, make_session_factory
from darman.db.uow import UnitOfWork
from darman.prescriptions import rules
from darman.registry import service as registry
from darman.registry.models import CoveragePeriod, Insured, Practitioner, PractitionerFacility
from darman.security import api_keys
from darman.security import service as security
from darman.security.enums import Role, ScopeLevel
from darman.synth import service as synth
from loadgen import CpuMeter, Phase
from serving import AUDIT_KEY, Server, database_pids, throwaway_database

OUT = Path(__file__).parent / "out"
SHIPPED = Path(__file__).parents[1] / "src" / "darman" / "prescriptions" / "data"
N_DRUGS = 4_000
INTERACTIONS_PER_DRUG = 3  # about 12,000 pairs: the order of a national interaction table
N_PATIENTS = 2_000
HISTORY_PER_PATIENT = 12  # about one prescription a month for a year
N_PHYSICIANS = 32
N_BODIES = 4_000  # distinct check requests, sent in turn
SEED = 1405
AIM_P99_MS = 50.0
SWEEP = (100, 200, 300, 400, 600, 800, 1000, 1200, 1500, 1800, 2200, 2600, 3000, 3500, 4000)
CHECK = "/api/v1/prescriptions/check"


@dataclass
class World:
    url: str
    tables_dir: Path
    drugs: list[tuple[str, int, int]]  # code, max quantity, max days
    patients: list[str]
    keys: list[str] = field(default_factory=list)


# ------------------------------------------------------------------ the database
def _tracking_code(n: int) -> str:
    body = "".join(rules.ALPHABET[(n // 31**i) % 31] for i in range(rules.BODY_LENGTH))
    return body + rules.check_character(body)


def build(url: str, work: Path) -> World:
    # One generator feeds the formulary, the interaction table and the history in this
    # order: the same seed gives the same database.
    rng = np.random.default_rng(SEED)
    engine = make_engine(url)
    migrate.upgrade(engine)
    factory = make_session_factory(engine, audit_key=AUDIT_KEY)
    today = tehran_today()
    tables_dir = work / "tables"
    tables_dir.mkdir()
    with UnitOfWork(factory) as uow:
        s = uow.session
        synth.seed(s, scale=0.001, seed=SEED)
        drugs = _formulary(s.connection(), rng, tables_dir)
        covered, doctors = _patients_and_doctors(s, N_PHYSICIANS, today)
        history = _history(s, rng, today, drugs, covered, doctors)
        world = World(url, tables_dir, drugs, [nid for _, nid in covered])
        _physician_users(s, doctors, world)
        uow.commit()
    engine.dispose()
    print(
        f"database: {N_DRUGS + 30:,} drugs, {history[0]:,} prescriptions of history "
        f"({history[1]:,} lines, {history[2]:,} prescriptions still active today) for "
        f"{len(covered):,} patients, {N_PHYSICIANS} physicians",
        flush=True,
    )
    return world


def _formulary(
    conn: Connection, rng: np.random.Generator, tables_dir: Path
) -> list[tuple[str, int, int]]:
    """A national-size formulary: synthetic generics after the shipped ones, and the
    tables that go with them. Answers the generics anyone may prescribe."""
    drug_rows: list[tuple[object, ...]] = []
    drugs: list[tuple[str, int, int]] = []
    specialist: list[str] = []
    first_id = 1000
    for k in range(N_DRUGS):
        code = str(600_000 + k)
        max_q = int(rng.choice([10, 20, 30, 60, 90, 120, 180]))
        max_days = int(rng.choice([10, 30, 60, 90]))
        special = bool(rng.random() < 0.05)
        drug_rows.append(
            (first_id + k, code, f"داروی آزمایشی {k}", "tablet", "10 mg", True, max_q,
             special, int(rng.integers(5, 500)) * 1_000, max_days)
        )  # fmt: skip
        if special:
            specialist.append(code)
        else:
            drugs.append((code, max_q, max_days))
    bulk.load(
        conn,
        "drugs",
        ("id", "generic_code", "name_fa", "form", "strength", "covered", "max_quantity",
         "specialist_only", "price_rials", "max_days_supply"),
        drug_rows,
    )  # fmt: skip
    bulk.reset_sequences(conn, ["drugs"])
    _write_tables(tables_dir, rng, [str(r[1]) for r in drug_rows], specialist)
    return drugs


Patient = Row[tuple[int, str]]  # insured id, national ID
Doctor = Row[tuple[int, str, int]]  # practitioner id, council number, facility id


def _patients_and_doctors(
    s: Session, physicians: int, today: dt.date
) -> tuple[Sequence[Patient], Sequence[Doctor]]:
    """Patients covered for over a year and still today, and ``physicians`` physicians."""
    covered = s.execute(
        select(Insured.id, Insured.national_id)
        .join(CoveragePeriod, CoveragePeriod.insured_id == Insured.id)
        .where(CoveragePeriod.start_date <= today - dt.timedelta(days=400))
        .where(CoveragePeriod.end_date.is_(None))
        .order_by(Insured.id)
        .limit(N_PATIENTS)
    ).all()
    doctors = s.execute(
        select(Practitioner.id, Practitioner.council_number, PractitionerFacility.facility_id)
        .join(PractitionerFacility, PractitionerFacility.practitioner_id == Practitioner.id)
        .where(Practitioner.specialty.in_(("پزشک عمومی", "پزشک خانواده", "داخلی")))
        .order_by(Practitioner.id)
        .limit(physicians)
    ).all()
    if len(doctors) < physicians:
        raise SystemExit(f"only {len(doctors)} physicians in the seed, {physicians} wanted")
    return covered, doctors


def _history(
    s: Session,
    rng: np.random.Generator,
    today: dt.date,
    drugs: list[tuple[str, int, int]],
    covered: Sequence[Patient],
    doctors: Sequence[Doctor],
) -> tuple[int, int, int]:
    """A year of prescriptions for every patient, from the benchmark's physicians. Answers
    how many prescriptions, lines, and prescriptions still active today."""
    conn = s.connection()
    province_of = dict(s.execute(select(Practitioner.id, Practitioner.province_id)).all())
    rx_rows: list[tuple[object, ...]] = []
    line_rows: list[tuple[object, ...]] = []
    now = dt.datetime.now(dt.UTC)
    active = 0  # history prescriptions the checks' person read will find today
    for insured_id, nid in covered:
        for _ in range(HISTORY_PER_PATIENT):
            pid = len(rx_rows) + 1
            doc, _, facility_id = doctors[int(rng.integers(0, len(doctors)))]
            issued = today - dt.timedelta(days=int(rng.integers(1, 366)))
            days: list[int | None] = []
            for n in range(int(rng.integers(1, 4))):
                code, max_q, max_days = drugs[int(rng.integers(0, len(drugs)))]
                q = int(rng.integers(1, max_q + 1))
                days.append(int(rng.integers(1, max_days + 1)))
                line_rows.append(
                    (len(line_rows) + 1, pid, n + 1, "drug", code, "", q, days[-1], "",
                     10_000, q)
                )  # fmt: skip
            until = rules.prescription_active_until(issued, days)
            if until is not None and until >= today:
                active += 1
            rx_rows.append(
                (pid, _tracking_code(10_000_000 + pid), "issued", insured_id, nid, doc,
                 facility_id, province_of[doc], issued, rules.expiry(issued), until,
                 "history", now)
            )  # fmt: skip
    bulk.load(
        conn,
        "prescriptions",
        ("id", "tracking_code", "status", "insured_id", "national_id", "practitioner_id",
         "facility_id", "province_id", "issued_on", "expires_on", "active_until",
         "issued_by", "created_at"),
        rx_rows,
    )  # fmt: skip
    bulk.load(
        conn,
        "prescription_lines",
        ("id", "prescription_id", "line_no", "kind", "code", "dose", "quantity",
         "days_supply", "instructions", "unit_price_rials", "dispensed"),
        line_rows,
    )  # fmt: skip
    bulk.reset_sequences(conn, ["prescriptions", "prescription_lines"])
    return len(rx_rows), len(line_rows), active


def _physician_users(s: Session, doctors: Sequence[Doctor], world: World) -> None:
    """A physician user with an API key for each physician, linked to its practitioner."""
    for i, (_, council, facility_id) in enumerate(doctors):
        name = f"bench.doctor{i:02d}"
        security.create_user(
            s, places=registry.UserPlaces(s), actor="bench", username=name,
            password="bench-password-1405",
            role=Role.PHYSICIAN, scope_level=ScopeLevel.FACILITY, facility_id=facility_id,
            practitioner_council_number=council,
        )  # fmt: skip
        world.keys.append(api_keys.create_api_key(s, actor="bench", username=name, name="b").key)


def _write_tables(
    where: Path, rng: np.random.Generator, codes: list[str], specialist: list[str]
) -> None:
    """The shipped tables plus synthetic pairs among the new generics."""
    severities = np.array(["severe", "moderate", "minor"])
    with (SHIPPED / "interactions.csv").open(encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    seen = {frozenset((r["code_a"], r["code_b"])) for r in rows}
    wanted = len(rows) + INTERACTIONS_PER_DRUG * len(codes)
    while len(rows) < wanted:
        a, b = rng.integers(0, len(codes), 2)
        pair = frozenset((codes[a], codes[b]))
        if len(pair) != 2 or pair in seen:
            continue
        seen.add(pair)
        sev = str(severities[int(rng.choice(3, p=[0.1, 0.4, 0.5]))])
        rows.append(
            {"code_a": codes[a], "code_b": codes[b], "severity": sev,
             "effect_fa": "تداخل آزمایشی", "effect_en": "synthetic interaction"}
        )  # fmt: skip
    with (where / "interactions.csv").open("w", encoding="utf-8", newline="") as fh:
        w = csv.DictWriter(
            fh, fieldnames=["code_a", "code_b", "severity", "effect_fa", "effect_en"]
        )
        w.writeheader()
        w.writerows(rows)
    shutil.copy(SHIPPED / "specialist_drugs.csv", where / "specialist_drugs.csv")
    with (where / "specialist_drugs.csv").open("a", encoding="utf-8", newline="") as fh:
        for code in specialist:
            fh.write(f"{code},داخلی\n")


# ------------------------------------------------------------------ requests
def payloads(world: World, n: int, seed: int) -> list[dict[str, object]]:
    rng = np.random.default_rng([SEED, seed])
    out: list[dict[str, object]] = []
    for _ in range(n):
        picks = rng.choice(len(world.drugs), size=int(rng.integers(1, 5)), replace=False)
        lines = []
        for p in picks.tolist():
            code, max_q, max_days = world.drugs[p]
            lines.append(
                {"kind": "drug", "code": code, "quantity": int(rng.integers(1, max_q + 1)),
                 "days_supply": int(rng.integers(1, max_days + 1)), "dose": "روزی یک عدد"}
            )  # fmt: skip
        out.append(
            {
                "national_id": world.patients[int(rng.integers(0, len(world.patients)))],
                "lines": lines,
            }
        )
    return out


def check_requests(world: World, base: str, n: int, seed: int) -> list[bytes]:
    """``n`` check requests encoded once, physicians' keys in turn."""
    host, port = base.removeprefix("http://").rsplit(":", 1)
    return [
        loadgen.post_json(
            host,
            int(port),
            CHECK,
            json.dumps(body, ensure_ascii=False).encode(),
            {"X-API-Key": world.keys[i % len(world.keys)], "Accept": "application/json"},
        )
        for i, body in enumerate(payloads(world, n, seed))
    ]


def health_requests(world: World, base: str) -> list[bytes]:
    host, port = base.removeprefix("http://").rsplit(":", 1)
    return [loadgen.get(host, int(port), "/health", {"X-API-Key": k}) for k in world.keys]


# ------------------------------------------------------------------ report
def passes(p: Phase) -> bool:
    return p.errors == 0 and p.ms(99) < AIM_P99_MS


def cells(p: Phase) -> str:
    return f"{p.rate:>9,.1f} {p.ms(50):>7.1f} {p.ms(99):>7.1f} {p.max_ms():>8.1f} {p.errors:>6}"


def table(pairs: list[tuple[Phase, Phase]], closed: bool) -> None:
    what = "clients" if closed else "offered/s"
    print(
        f"\n{what:>9} | {'check: answers/s':>16} {'p50 ms':>7} {'p99 ms':>7} {'max ms':>8} "
        f"{'errors':>6} | {'GET /health: /s':>15} {'p50 ms':>7} {'p99 ms':>7} {'max ms':>8} "
        f"{'errors':>6} | {'aim' if not closed else ''}"
    )
    for check, health in pairs:
        first = f"{check.clients:>9}" if closed else f"{check.offered:>9,.0f}"
        verdict = "" if closed else ("met" if passes(check) else "not met")
        print(f"{first} | {' ' * 7}{cells(check)} | {' ' * 6}{cells(health)} | {verdict}")


def describe(p: Phase) -> None:
    print(p.summary())
    if p.cpu:
        print("  " + loadgen.cpu_text(p.cpu))
    for e in p.examples[:3]:
        print(f"  e.g. {e}")


# ------------------------------------------------------------------ main
def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rate", type=float, help="checks offered a second")
    parser.add_argument("--rates", help="several rates, e.g. 100,200,400")
    parser.add_argument("--sweep", action="store_true", help=f"rates {SWEEP[0]} to {SWEEP[-1]}")
    parser.add_argument("--seconds", type=float, help="per phase (60; 20 with several rates)")
    parser.add_argument("--database", choices=("postgresql", "sqlite"), default="postgresql")
    parser.add_argument("--workers", type=int, default=2, help="darman serve --workers")
    parser.add_argument("--arrivals", choices=("poisson", "uniform"), default="poisson")
    parser.add_argument("--connections", type=int, help="open-loop pool (half a second's sends)")
    parser.add_argument("--closed-loop", action="store_true", help="the former closed loop")
    parser.add_argument("--clients", type=int, default=32, help="closed loop: clients")
    args = parser.parse_args()
    rates: list[float] = []
    if args.rate:
        rates.append(args.rate)
    if args.rates:
        rates += [float(r) for r in args.rates.split(",")]
    if args.sweep:
        rates += [float(r) for r in SWEEP]
    if not rates and not args.closed_loop:
        parser.error("give --rate, --rates, --sweep or --closed-loop")
    seconds = args.seconds or (60.0 if len(rates) <= 1 else 20.0)

    OUT.mkdir(exist_ok=True)
    work = OUT / f"eprx-{uuid.uuid4().hex[:8]}"
    work.mkdir()
    try:
        with throwaway_database(args.database, work) as url:
            t0 = time.perf_counter()
            world = build(url, work)
            print(f"built on {args.database} in {time.perf_counter() - t0:.1f} s", flush=True)
            with Server(
                url, work, args.workers, DARMAN_PRESCRIPTION_TABLES=str(world.tables_dir)
            ) as server:
                run(world, server, url, args, rates, seconds)
    finally:
        shutil.rmtree(work, ignore_errors=True)
        if OUT.exists() and not any(OUT.iterdir()):
            OUT.rmdir()


def run(
    world: World, server: Server, url: str, args: argparse.Namespace, rates: list[float],
    seconds: float,
) -> None:  # fmt: skip
    base = server.base
    checks = check_requests(world, base, N_BODIES, 1)
    health = health_requests(world, base)
    meter = CpuMeter(server.pid, database_pids(url))
    print(
        f"darman serve --workers {args.workers} on {args.database} at {base}; "
        f"load average {os.getloadavg()[0]:.1f}",
        flush=True,
    )

    def spread() -> None:
        by_pid = loadgen.connections_per_process(server.port)
        print(f"  connections per server process: {sorted(by_pid.values(), reverse=True)}")

    # every worker answers some of each before the clock runs (route state, caches)
    for reqs in (checks, health):
        loadgen.open_loop(base, "warm-up", reqs, rate=100, seconds=3, say=None)

    if args.closed_loop:
        n = args.clients
        print(f"\nclosed loop, {n} clients, {seconds:.0f} s each", flush=True)
        per = [[(0, checks[(c + k * n) % len(checks)]) for k in range(200)] for c in range(n)]
        closed_check = loadgen.closed_loop(base, "check", per, seconds=seconds, meter=meter)
        describe(closed_check)
        closed_health = loadgen.closed_loop(
            base, "GET /health", [[(0, health[c % len(health)])] for c in range(n)],
            seconds=seconds, meter=meter,
        )  # fmt: skip
        describe(closed_health)
        table([(closed_check, closed_health)], closed=True)

    pairs: list[tuple[Phase, Phase]] = []
    for rate in rates:
        pool = args.connections or loadgen.pool_size(rate)
        print(
            f"\noffered {rate:,.0f}/s for {seconds:.0f} s ({args.arrivals} arrivals, "
            f"{pool} connections)",
            flush=True,
        )
        check = loadgen.open_loop(
            base, f"check at {rate:,.0f}/s", checks, rate=rate, seconds=seconds,
            arrivals=args.arrivals, seed=int(rate), connections=pool, meter=meter,
            on_open=spread,
        )  # fmt: skip
        describe(check)
        time.sleep(1)
        floor = loadgen.open_loop(
            base, f"GET /health at {rate:,.0f}/s", health, rate=rate, seconds=seconds,
            arrivals=args.arrivals, seed=int(rate), connections=pool, meter=meter,
        )  # fmt: skip
        describe(floor)
        pairs.append((check, floor))
        time.sleep(1)
        if args.sweep and check.rate < 0.9 * rate:
            print(f"the server answered {check.rate:,.0f} of {rate:,.0f} offered: stopping")
            break
    if pairs:
        table(pairs, closed=False)
        good = [c.offered for c, _ in pairs if passes(c) and c.offered]
        if len(pairs) > 1:
            best = max(good) if good else None
            print(
                f"highest offered rate with check p99 < {AIM_P99_MS:.0f} ms and 0 errors: "
                + (f"{best:,.0f}/s" if best else "none of those run")
            )
    failed = server.errors_in_log()
    if failed:
        print("server log, errors by kind:")
        for line in failed:
            print("  " + line)


if __name__ == "__main__":
    main()
