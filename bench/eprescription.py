"""E-prescription issue-time checks under concurrent physicians, over loopback.

A real ``darman serve`` (uvicorn subprocess on 127.0.0.1, a free port, ``--workers``
processes) on its own SQLite file, with a national-size formulary: the shipped
catalogue plus a few thousand synthetic generics (codes, quantity and days limits,
some specialist-only) and a proportionate interaction table handed to the server
through ``DARMAN_PRESCRIPTION_TABLES``, and a year of prescription history for every
patient the clients prescribe for, so duplicate-therapy and interaction checks read
real history. Each client is a physician user linked to a practitioner, with its own
API key and keep-alive connection, sending its next request as soon as it has the
answer (a closed loop, no think time).

Phases, each from one client (sequential) and then from all clients at once: the full
issue (``POST /api/v1/prescriptions``: checks, prescription written, audited) and the
dry run (``POST /api/v1/prescriptions/check``: the same checks, nothing stored); then
``GET /health`` under the same concurrency as a floor for the server stack. A 201 or
200 and a 422 (refused by the checks, kept for the savings report) are answers; any
other status or a transport error counts as a failure. The default client is one
asyncio loop speaking raw HTTP/1.1 (``--client threads`` is the first client: a thread
per client with httpx, which took a core from the server on a 2-core machine).

The aim, p99 under 25 ms with 32 clients, is held against the checks themselves (the
dry run the prescribing screen calls as lines change). A full issue adds its own write
transaction, and SQLite takes one writer at a time, so its figures are printed with the
same arithmetic but no verdict. In a closed loop, N clients at X answers/s wait N / X s on
average (Little's law), so a p99 under 25 ms for 32 clients needs at least 1,280
answers/s; the summary prints both. The server runs one worker per core unless told.

    .venv/bin/python bench/eprescription.py [--clients 32] [--requests 1280] [--workers 2]
    .venv/bin/python bench/eprescription.py --profile   # cProfile service.issue in process
"""

from __future__ import annotations

import argparse
import contextlib
import cProfile
import csv
import datetime as dt
import os
import pstats
import shutil
import socket
import subprocess
import sys
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import numpy as np
from sqlalchemy import select

from darman.common.jalali import tehran_today
from darman.db import bulk, migrate
from darman.db.engine import make_engine, make_session_factory
from darman.db.uow import UnitOfWork
from darman.prescriptions import issuing, rules
from darman.registry.models import CoveragePeriod, Insured, Practitioner, PractitionerFacility
from darman.security import service as security
from darman.security.enums import Role, ScopeLevel
from darman.synth import service as synth
from eprescription_load import CLIENTS, Outcome

OUT = Path(__file__).parent / "out"
SHIPPED = Path(__file__).parents[1] / "src" / "darman" / "prescriptions" / "data"
N_DRUGS = 4_000
INTERACTIONS_PER_DRUG = 3  # about 12,000 pairs: the order of a national interaction table
N_PATIENTS = 2_000
HISTORY_PER_PATIENT = 12  # about one prescription a month for a year
SEED = 1405
AIM_P99_MS = 25.0


@dataclass
class World:
    url: str
    tables_dir: Path
    drugs: list[tuple[str, int, int]]  # code, max quantity, max days
    patients: list[str]
    keys: list[str] = field(default_factory=list)
    users: list[str] = field(default_factory=list)


# ------------------------------------------------------------------ the database
def _tracking_code(n: int) -> str:
    body = "".join(rules.ALPHABET[(n // 31**i) % 31] for i in range(rules.BODY_LENGTH))
    return body + rules.check_character(body)


def build(work: Path, clients: int) -> World:
    rng = np.random.default_rng(SEED)
    url = f"sqlite:///{work / 'darman.db'}"
    engine = make_engine(url)
    migrate.upgrade(engine)
    factory = make_session_factory(engine)
    today = tehran_today()
    tables_dir = work / "tables"
    tables_dir.mkdir()
    with UnitOfWork(factory) as uow:
        s = uow.session
        synth.seed(s, scale=0.001, seed=SEED)
        conn = s.connection()
        # a national-size formulary: synthetic generics after the shipped ones
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

        # patients covered today, and a year of their prescriptions
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
            .limit(clients)
        ).all()
        if len(doctors) < clients:
            raise SystemExit(f"only {len(doctors)} physicians in the seed for {clients} clients")
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
        world = World(url, tables_dir, drugs, [nid for _, nid in covered])
        for i, (_, council, facility_id) in enumerate(doctors):
            name = f"bench.doctor{i:02d}"
            security.create_user(
                s, actor="bench", username=name, password="bench-password-1405",
                role=Role.PHYSICIAN, scope_level=ScopeLevel.FACILITY, facility_id=facility_id,
                practitioner_council_number=council,
            )  # fmt: skip
            world.keys.append(
                security.create_api_key(s, actor="bench", username=name, name="b").key
            )
            world.users.append(name)
        uow.commit()
    engine.dispose()
    print(
        f"database: {N_DRUGS + 30:,} drugs, {len(rx_rows):,} prescriptions of history "
        f"({len(line_rows):,} lines, {active:,} prescriptions still active today) for "
        f"{len(covered):,} patients, {clients} physicians",
        flush=True,
    )
    return world


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


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def start_server(world: World, work: Path, workers: int) -> tuple[subprocess.Popen[bytes], str]:
    port = free_port()
    env = {
        **os.environ,
        "DARMAN_DATABASE_URL": world.url,
        "DARMAN_SECRET_KEY": uuid.uuid4().hex + uuid.uuid4().hex,
        "DARMAN_DEMO_MODE": "0",
        "DARMAN_PRESCRIPTION_TABLES": str(world.tables_dir),
    }
    darman = Path(sys.executable).with_name("darman")
    log = (work / "server.log").open("wb")
    proc = subprocess.Popen(
        [str(darman), "serve", "--host", "127.0.0.1", "--port", str(port),
         "--workers", str(workers), "--no-access-log"],
        env=env, stdout=log, stderr=subprocess.STDOUT,
    )  # fmt: skip
    base = f"http://127.0.0.1:{port}"
    for _ in range(300):
        if proc.poll() is not None:
            raise SystemExit((work / "server.log").read_text()[-2000:])
        try:
            if httpx.get(base + "/health", timeout=1).status_code == 200:
                return proc, base
        except httpx.HTTPError:
            pass
        time.sleep(0.1)
    proc.terminate()
    raise SystemExit("the server did not answer /health within 30 s")


def row(o: Outcome) -> str:
    lat = np.array(o.latencies) * 1000 if o.latencies else np.array([float("nan")])
    done = len(o.latencies)
    refused = o.statuses.get(422, 0)
    return (
        f"{o.label:<26} {o.clients:>7} {done:>8} {refused:>8} {o.failed:>6} "
        f"{done / o.seconds if o.seconds else 0:>9.1f} {np.percentile(lat, 50):>8.1f} "
        f"{np.percentile(lat, 99):>8.1f}"
    )


# ------------------------------------------------------------------ profile
def profile(world: World, n: int) -> None:
    """cProfile of issuing.issue in this process over the benchmark's database."""
    from darman.prescriptions import tables
    from darman.prescriptions.exceptions import PrescriptionRefused
    from darman.prescriptions.schemas import PrescriptionIn

    tables.use(world.tables_dir)
    engine = make_engine(world.url)
    factory = make_session_factory(engine)
    with UnitOfWork(factory) as uow:
        who = security.principal_of(security.get_user(uow.session, username=world.users[0]))
    bodies = [PrescriptionIn.model_validate(b) for b in payloads(world, n, 99)]

    def go() -> None:
        for body in bodies:
            with UnitOfWork(factory) as uow:
                with contextlib.suppress(PrescriptionRefused):
                    issuing.issue(uow.session, who, data=body)
                uow.commit()

    prof = cProfile.Profile()
    t0 = time.perf_counter()
    prof.runcall(go)
    took = time.perf_counter() - t0
    print(f"service.issue in process: {n} calls, {1000 * took / n:.2f} ms each")
    pstats.Stats(prof).sort_stats("cumulative").print_stats(30)
    engine.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clients", type=int, default=32)
    parser.add_argument("--requests", type=int, default=1280, help="concurrent phase, in all")
    parser.add_argument("--sequential", type=int, default=200)
    parser.add_argument("--seconds", type=float, default=90, help="time bound per phase")
    parser.add_argument("--profile", action="store_true")
    parser.add_argument(
        "--client", choices=sorted(CLIENTS), default="async",
        help="async: raw HTTP/1.1 on one asyncio loop; threads: a thread per client with httpx",
    )  # fmt: skip
    parser.add_argument(
        "--workers", type=int, default=os.cpu_count() or 1, help="darman serve --workers"
    )
    parser.add_argument(
        "--phases", default="issue,check", help="which of issue,check to run, in this order"
    )
    args = parser.parse_args()
    OUT.mkdir(exist_ok=True)
    work = OUT / f"eprx-{uuid.uuid4().hex[:8]}"
    work.mkdir()
    proc = None
    try:
        t0 = time.perf_counter()
        world = build(work, args.clients)
        print(f"built in {time.perf_counter() - t0:.1f} s", flush=True)
        if args.profile:
            profile(world, 300)
            return
        proc, base = start_server(world, work, args.workers)
        run = CLIENTS[args.client]
        issue, check = "/api/v1/prescriptions", "/api/v1/prescriptions/check"
        n, per = args.clients, args.requests // args.clients
        # every client once, so that each server worker has answered before the clock runs
        warm = run(
            base, "warm-up", world.keys, [payloads(world, 3, 1000 + i) for i in range(n)],
            args.seconds, issue,
        )  # fmt: skip
        phases: list[Outcome] = [warm]
        wanted = args.phases.split(",")
        for label, path in (("issue", issue), ("check", check)):
            if label not in wanted:
                continue
            phases.append(
                run(base, f"{label}, 1 client", world.keys[:1],
                    [payloads(world, args.sequential, 2)], args.seconds, path)
            )  # fmt: skip
            phases.append(
                run(base, f"{label}, {n} clients", world.keys,
                    [payloads(world, per, 100 + i) for i in range(n)], args.seconds, path)
            )  # fmt: skip
        phases.append(
            run(base, f"GET /health, {n} cl.", world.keys, [None] * n, args.seconds, "/health")
        )
        pairs = [(phases[i + 1], phases[i]) for i in range(1, len(phases) - 1, 2)]
        print(
            f"{'phase':<26} {'clients':>7} {'requests':>8} {'refused':>8} {'failed':>6} "
            f"{'req/s':>9} {'p50 ms':>8} {'p99 ms':>8}"
        )
        for o in phases[1:]:
            print(row(o))
        failed = sum(o.failed for o in phases)
        print(f"failed requests: {failed}")
        for o in phases:
            for e in o.errors[:3]:
                print(f"  {o.label}: {e}")
        if failed:
            text = (work / "server.log").read_text(errors="replace").splitlines()
            errors = [ln for ln in text if ln.split(":")[0].endswith(("Error", "Exception"))]
            kinds: dict[str, int] = {}
            for ln in errors:
                kinds[ln[:160]] = kinds.get(ln[:160], 0) + 1
            print("server log, errors by kind:")
            for k, n in sorted(kinds.items(), key=lambda kv: -kv[1])[:6]:
                print(f"  {n:>5} x {k}")
        needed = n / (AIM_P99_MS / 1000)
        for o, base_o in pairs:
            p99 = float(np.percentile(np.array(o.latencies) * 1000, 99)) if o.latencies else 0
            rate = len(o.latencies) / o.seconds if o.seconds else 0
            verdict = (
                f"aim p99 < {AIM_P99_MS:.0f} ms {'met' if p99 < AIM_P99_MS else 'not met'}"
                if o.label.startswith("check")
                else "a write each, one writer at a time, no aim"
            )
            print(
                f"{o.label}: {verdict} ({p99:.1f} ms); "
                f"p50 {np.percentile(o.latencies, 50) / np.percentile(base_o.latencies, 50):.1f}x "
                f"the 1-client p50; a closed loop of {n} needs >= {needed:,.0f} req/s for it, "
                f"measured {rate:,.0f} (mean wait >= {1000 * n / rate if rate else 0:.0f} ms)"
            )
    finally:
        if proc is not None:
            proc.terminate()
            try:
                proc.wait(10)
            except subprocess.TimeoutExpired:
                proc.kill()
        shutil.rmtree(work, ignore_errors=True)
        if OUT.exists() and not any(OUT.iterdir()):
            OUT.rmdir()


if __name__ == "__main__":
    main()
