"""From submission to decision: claims posted over the API at a fixed rate are adjudicated
by a ``darman worker`` beside ``darman serve``, with nobody running a command.

The database (a throwaway PostgreSQL database on 127.0.0.1:5432, dropped afterwards, or a
SQLite file) holds the demo's registry (a hundredth of the nation: 420,000 insured) and
its year of claim history (150,000 lines, adjudicated before the clock starts, so the
kernel's frequency and duplicate rules read a real history). ``darman serve --workers 2``
and one ``darman worker`` (its defaults: a look every 2 s, at most 5,000 claims a batch).

Open loop (``loadgen.open_loop``): ``POST /api/v1/claims`` offered at ``--rate`` claims a
second (Poisson arrivals, fixed seed) for ``--seconds``, each a new document (one
specialist visit at the tariff price, a covered person, a contracted facility), by a
national admin's API key. Afterwards the script waits until no claim is pending and
reads each claim's decision time (``adjudicated_at``, stamped by the worker as it writes
the batch back, which commits a few milliseconds later).

Printed, as distributions (p50/p95/p99/max): submission to decision, from the moment the
request was scheduled to be sent (so any queueing in the generator, the server or the
worker counts); the same from the server's own submission stamp (``submitted_at``); and,
the same run's baseline, the submission's HTTP answer alone. Then the worker's batches
(how many, claims per batch, seconds per batch) and the cores each part used.

    .venv/bin/python bench/claims_latency.py [--rate 100] [--seconds 60] [--database postgresql]
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import time
import uuid
from pathlib import Path

import numpy as np
from sqlalchemy import select

import darman
import loadgen
from darman.claims import service as claims_service
from darman.claims.models import Claim
from darman.db import migrate
from darman.db.engine import make_engine, make_session_factory
from darman.db.uow import UnitOfWork
from darman.referrals.reading import claims_register
from darman.registry import service as registry
from darman.registry.models import CoveragePeriod, Facility, Insured
from darman.security import api_keys
from darman.security import service as security
from darman.security.enums import Role, ScopeLevel
from darman.synth import catalogue, claims_seed
from darman.synth import service as synth
from serving import AUDIT_KEY, Server, database_pids, throwaway_database

OUT = Path(__file__).parent / "out"
SCALE, SEED, HISTORY_LINES = 0.01, 1405, 150_000
DOC_PREFIX = "LAT"
DRAIN_TIMEOUT_S = 300


def build(url: str, history: int) -> tuple[str, list[str], list[str]]:
    """Seed; the admin's API key, contracted facilities' codes and covered people's IDs."""
    engine = make_engine(url)
    migrate.upgrade(engine)
    with UnitOfWork(make_session_factory(engine, audit_key=AUDIT_KEY)) as uow:
        s = uow.session
        synth.seed(s, scale=SCALE, seed=SEED)
        if history:
            claims_seed.load(s, scale=SCALE, seed=SEED, lines=history)
            claims_service.adjudicate_pending(s, referrals=claims_register(), actor="bench")
        security.create_user(
            s, places=registry.UserPlaces(s), actor="bench", username="bench.admin",
            password="bench-password-1405", role=Role.ADMIN, scope_level=ScopeLevel.NATIONAL,
        )  # fmt: skip
        key = api_keys.create_api_key(s, actor="bench", username="bench.admin", name="b").key
        facilities = s.scalars(
            select(Facility.code)
            .where(Facility.ownership == "contracted", Facility.level == 2)
            .order_by(Facility.id)
            .limit(200)
        ).all()
        people = s.scalars(
            select(Insured.national_id)
            .join(CoveragePeriod, CoveragePeriod.insured_id == Insured.id)
            .where(CoveragePeriod.end_date.is_(None))
            .order_by(Insured.id)
            .limit(20_000)
        ).all()
        uow.commit()
    engine.dispose()
    return key, list(facilities), list(people)


def claim_requests(
    base: str, key: str, n: int, facilities: list[str], people: list[str], run: str
) -> list[bytes]:
    host, port = base.removeprefix("http://").rsplit(":", 1)
    price = catalogue.tariff_amount(3_300_000, 1405, 2, 2, "contracted")
    rng = np.random.default_rng(SEED)
    headers = {"X-API-Key": key, "Accept": "application/json"}
    out = []
    for i in range(n):
        day = 1 + int(rng.integers(0, 28))
        body = {
            "facility_code": facilities[int(rng.integers(len(facilities)))],
            "document_number": f"{DOC_PREFIX}{run}-{i}",
            "national_id": people[int(rng.integers(len(people)))],
            "visit_type": "outpatient",
            "diagnoses": ["J06.9"],
            "lines": [{"item_type": "service", "code": "100102",
                       "service_date": f"1405/07/{day:02d}", "quantity": 1,
                       "unit_price_rials": price}],
        }  # fmt: skip
        out.append(loadgen.post_json(host, int(port), "/api/v1/claims", json.dumps(body).encode(),
                                     headers))  # fmt: skip
    return out


class Worker:
    """``darman worker`` in a process group of its own, logging to ``worker.log``."""

    def __init__(self, url: str, work: Path, env: dict[str, str]) -> None:
        self.log_path = work / "worker.log"
        src = str(Path(darman.__file__).parents[1])
        full = {**os.environ, "PYTHONPATH": src, "DARMAN_DATABASE_URL": url,
                "DARMAN_AUDIT_KEY": AUDIT_KEY, "DARMAN_DEMO_MODE": "0", **env}  # fmt: skip
        with self.log_path.open("wb") as log:
            self.proc = subprocess.Popen(
                [sys.executable, "-m", "darman.cli.main", "worker"],
                env=full, stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
            )  # fmt: skip

    def batches(self) -> list[tuple[int, float]]:
        """(claims, seconds) of every batch the log reports."""
        found = re.findall(r"decided ([\d,]+) claims .*? in ([\d.]+) s", self.log_path.read_text())
        return [(int(c.replace(",", "")), float(s)) for c, s in found]

    def stop(self) -> int:
        self.proc.send_signal(signal.SIGTERM)
        try:
            return self.proc.wait(60)
        except subprocess.TimeoutExpired:
            os.killpg(self.proc.pid, signal.SIGKILL)
            return self.proc.wait(10)


def distribution(label: str, seconds: np.ndarray) -> str:
    if not seconds.size:
        return f"{label:<46} (none)"
    q = np.percentile(seconds, [50, 95, 99])
    return (
        f"{label:<46} {seconds.size:>7,} {q[0]:>8.2f} {q[1]:>8.2f} {q[2]:>8.2f} "
        f"{seconds.max():>8.2f}"
    )


def decisions(url: str, run: str, n: int) -> tuple[dict[int, float], dict[int, float], int]:
    """Wait until no claim of the run is pending; per request index, decision and
    submission wall times (UTC epoch seconds), and how many were still pending."""
    engine = make_engine(url, pool_size=1)
    prefix = f"{DOC_PREFIX}{run}-"
    query = select(Claim.document_number, Claim.submitted_at, Claim.adjudicated_at).where(
        Claim.document_number.startswith(prefix)
    )
    deadline = time.monotonic() + DRAIN_TIMEOUT_S
    with make_session_factory(engine, audit_key=None, reads_only=True)() as s:
        while True:
            rows = s.execute(query).all()
            s.rollback()
            pending = sum(1 for r in rows if r.adjudicated_at is None)
            if not pending or time.monotonic() > deadline:
                break
            time.sleep(0.5)
    engine.dispose()
    decided = {int(r[0][len(prefix) :]): r[2].timestamp() for r in rows if r[2] is not None}
    submitted = {int(r[0][len(prefix) :]): r[1].timestamp() for r in rows}
    return decided, submitted, pending


def run_one(kind: str, rate: float, seconds: float, workers: int, history: int) -> None:
    work = OUT / f"latency-{uuid.uuid4().hex[:8]}"
    work.mkdir(parents=True)
    run = uuid.uuid4().hex[:6]
    try:
        with throwaway_database(kind, work) as url:
            t0 = time.perf_counter()
            key, facilities, people = build(url, history)
            print(f"{kind}: seeded in {time.perf_counter() - t0:.1f} s", flush=True)
            with Server(url, work, workers) as server:
                secret = {"DARMAN_SECRET_KEY": uuid.uuid4().hex * 2}
                worker = Worker(url, work, secret)
                times = loadgen.arrival_times(rate, seconds, "poisson", SEED)
                reqs = claim_requests(server.base, key, len(times), facilities, people, run)
                meter = loadgen.CpuMeter(server.pid, database_pids(url))
                worker_meter = loadgen.CpuMeter(worker.proc.pid)
                worker_meter.start()
                opened: list[float] = []
                print(
                    f"darman serve --workers {workers} and darman worker; {rate:g} claims/s "
                    f"for {seconds:g} s; load average {os.getloadavg()[0]:.1f}",
                    flush=True,
                )
                phase = loadgen.open_loop(
                    server.base, "POST /api/v1/claims", reqs, rate=rate, seconds=seconds,
                    seed=SEED, meter=meter, on_open=lambda: opened.append(time.time()),
                )  # fmt: skip
                decided, submitted, pending = decisions(url, run, len(times))
                worker_cpu = worker_meter.stop()["server"]  # the worker's own process
                batches = worker.batches()
                code = worker.stop()
                # the generator's clock starts 50 ms after the pool is open (loadgen)
                start = opened[0] + 0.05
                idx = np.array(sorted(decided))
                from_send = np.array([decided[i] - (start + times[i]) for i in idx])
                from_stamp = np.array([decided[i] - submitted[i] for i in idx])
                answer = np.asarray(phase.latencies)
            print(f"\n{kind}: {phase.summary()}")
            print(f"{'seconds':<46} {'claims':>7} {'p50':>8} {'p95':>8} {'p99':>8} {'max':>8}")
            print(distribution("submission to decision (from the send)", from_send))
            print(distribution("submission to decision (from submitted_at)", from_stamp))
            print(distribution("baseline: the submission's answer alone", answer))
            sizes = np.array([c for c, _ in batches]) if batches else np.zeros(0)
            spans = np.array([s for _, s in batches]) if batches else np.zeros(0)
            if batches:
                print(
                    f"worker: {len(batches)} batches, claims per batch p50 "
                    f"{np.percentile(sizes, 50):.0f} max {sizes.max():.0f}, seconds per batch "
                    f"p50 {np.percentile(spans, 50):.2f} max {spans.max():.2f}; "
                    f"stopped with exit code {code}"
                )
            print(
                f"{loadgen.cpu_text(phase.cpu)}; the worker (among everything else) used "
                f"{worker_cpu:.2f} cores from the first send until every claim was decided"
            )
            print(f"claims stored {len(submitted):,}, decided {len(decided):,}, pending {pending}")
            for e in phase.examples[:3]:
                print(f"  e.g. {e}")
            for e in server.errors_in_log():
                print("  server log: " + e)
    finally:
        shutil.rmtree(work, ignore_errors=True)
        if OUT.exists() and not any(OUT.iterdir()):
            OUT.rmdir()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database", choices=("sqlite", "postgresql"), default="postgresql")
    parser.add_argument("--rate", type=float, default=100)
    parser.add_argument("--seconds", type=float, default=60)
    parser.add_argument("--workers", type=int, default=2, help="darman serve --workers")
    parser.add_argument("--history", type=int, default=HISTORY_LINES,
                        help="claim lines of history adjudicated before the run")  # fmt: skip
    args = parser.parse_args()
    run_one(args.database, args.rate, args.seconds, args.workers, args.history)


if __name__ == "__main__":
    main()
