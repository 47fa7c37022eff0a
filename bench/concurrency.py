"""Many clients at once on three everyday reads, against a real ``darman serve``, on
SQLite and on PostgreSQL, with ``GET /health`` under the same clients as the floor.

The reads: ``GET /api/v1/facilities?size=50`` (a page of the registry), ``GET
/api/v1/eligibility/{national_id}`` (is this person covered today) and ``GET
/api/v1/claims`` (the first page of claims), by a national admin with an API key. The
database (a SQLite file, and a throwaway PostgreSQL database on 127.0.0.1:5432 dropped
afterwards) holds the synthetic registry at a thousandth of the nation (648 facilities,
42,000 insured) and 10,000 claim lines. ``darman serve --workers 2``.

Closed loop (``loadgen.closed_loop``): 64 clients, each on its own keep-alive connection,
sending its next request as soon as it has the answer, for 20 s; each client walks the
three reads in turn. Then ``GET /health`` the same way. ``--alone`` adds a phase for each
read by itself, ``--wrk`` ``wrk -t2 -c48 -d10s`` on the facilities list (if
installed). Any non-2xx answer, broken connection or answer slower than 5 s is an
error. (The reliability test ``tests/reliability/test_serving_under_load.py`` holds the
same load and asserts only 200s and no stall.)

    .venv/bin/python bench/concurrency.py [--database sqlite|postgresql|both] [--alone]
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import time
import uuid
from pathlib import Path

from sqlalchemy import select

import loadgen
from darman.db import migrate
from darman.db.engine import make_engine, make_session_factory
from darman.db.uow import UnitOfWork
from darman.registry import service as registry
from darman.registry.models import CoveragePeriod, Insured
from darman.security import api_keys
from darman.security import service as security
from darman.security.enums import Role, ScopeLevel
from darman.synth import claims_seed
from darman.synth import service as synth
from loadgen import CpuMeter, Phase
from serving import AUDIT_KEY, Server, database_pids, throwaway_database

OUT = Path(__file__).parent / "out"
SCALE, SEED = 0.001, 1405
CLAIM_LINES = 10_000
KINDS = ("facilities", "eligibility", "claims")


def build(url: str) -> tuple[str, list[str]]:
    """Seed the database; the national admin's API key and some covered people's IDs."""
    engine = make_engine(url)
    migrate.upgrade(engine)
    with UnitOfWork(make_session_factory(engine, audit_key=AUDIT_KEY)) as uow:
        s = uow.session
        synth.seed(s, scale=SCALE, seed=SEED)
        claims_seed.load(s, scale=SCALE, seed=SEED, lines=CLAIM_LINES)
        security.create_user(
            s, places=registry.UserPlaces(s), actor="bench", username="bench.admin",
            password="bench-password-1405", role=Role.ADMIN, scope_level=ScopeLevel.NATIONAL,
        )  # fmt: skip
        key = api_keys.create_api_key(s, actor="bench", username="bench.admin", name="b").key
        nids = s.scalars(
            select(Insured.national_id)
            .join(CoveragePeriod, CoveragePeriod.insured_id == Insured.id)
            .where(CoveragePeriod.end_date.is_(None))
            .order_by(Insured.id)
            .limit(1_000)
        ).all()
        uow.commit()
    engine.dispose()
    return key, list(nids)


def requests(base: str, key: str, nids: list[str]) -> dict[str, list[bytes]]:
    host, port = base.removeprefix("http://").rsplit(":", 1)
    headers = {"X-API-Key": key, "Accept": "application/json"}

    def get(path: str) -> bytes:
        return loadgen.get(host, int(port), path, headers)

    return {
        "facilities": [get("/api/v1/facilities?size=50")],
        "eligibility": [get(f"/api/v1/eligibility/{n}") for n in nids],
        "claims": [get("/api/v1/claims")],
        "health": [get("/health")],
    }


def mixed(reqs: dict[str, list[bytes]], clients: int) -> list[list[tuple[int, bytes]]]:
    """Client ``c`` starts at read ``c % 3`` and walks the three in turn."""
    out = []
    for c in range(clients):
        mine = []
        for k in range(300):
            kind = (c + k) % len(KINDS)
            pool = reqs[KINDS[kind]]
            mine.append((kind, pool[(c * 300 + k) % len(pool)]))
        out.append(mine)
    return out


def line(name: str, p: Phase, kind: int | None = None) -> str:
    n = p.ok if kind is None else sum(1 for k in p.kinds if k == kind)
    return (
        f"{name:<34} {n / p.seconds:>9,.1f} {p.ms(50, kind):>8.1f} {p.ms(99, kind):>8.1f} "
        f"{p.errors if kind is None else '':>7}"
    )


def run_one(kind: str, clients: int, seconds: float, workers: int, alone: bool, wrk: bool) -> None:
    work = OUT / f"conc-{uuid.uuid4().hex[:8]}"
    work.mkdir(parents=True)
    try:
        with throwaway_database(kind, work) as url:
            t0 = time.perf_counter()
            key, nids = build(url)
            print(f"\n{kind}: seeded in {time.perf_counter() - t0:.1f} s", flush=True)
            with Server(url, work, workers) as server:
                reqs = requests(server.base, key, nids)
                meter = CpuMeter(server.pid, database_pids(url))
                # each worker answers each read before the clock runs
                loadgen.closed_loop(server.base, "warm-up", mixed(reqs, 8), seconds=2, say=None)
                print(
                    f"darman serve --workers {workers}, {clients} clients, {seconds:.0f} s a "
                    f"phase; load average {os.getloadavg()[0]:.1f}",
                    flush=True,
                )
                phases: list[tuple[str, Phase, int | None]] = []
                mix = loadgen.closed_loop(
                    server.base, "three reads in turn", mixed(reqs, clients),
                    seconds=seconds, meter=meter,
                )  # fmt: skip
                phases.append(("three reads in turn, all", mix, None))
                phases += [(f"  of which {k}", mix, i) for i, k in enumerate(KINDS)]
                if alone:
                    for k in KINDS:
                        pool = reqs[k]
                        per = [
                            [(0, pool[(c * 50 + j) % len(pool)]) for j in range(50)]
                            for c in range(clients)
                        ]
                        p = loadgen.closed_loop(server.base, k, per, seconds=seconds, meter=meter)
                        phases.append((f"{k} alone", p, None))
                if wrk and not shutil.which("wrk"):
                    print("wrk is not installed: skipped")
                elif wrk:
                    # the figure the former stall was reported with, by the same tool
                    cmd = ["wrk", "-t2", "-c48", "-d10s", "-H", f"X-API-Key: {key}",
                           f"{server.base}/api/v1/facilities?size=50"]  # fmt: skip
                    print("$ " + " ".join(c if not c.startswith("X-API") else "'X-API-Key: …'"
                                          for c in cmd))  # fmt: skip
                    print(subprocess.run(cmd, capture_output=True, text=True, check=True).stdout)
                health = loadgen.closed_loop(
                    server.base, "GET /health", [[(0, reqs["health"][0])]] * clients,
                    seconds=seconds, meter=meter,
                )  # fmt: skip
                phases.append(("GET /health (floor)", health, None))
                print(f"\n{kind}, {clients} clients")
                print(f"{'phase':<34} {'answers/s':>9} {'p50 ms':>8} {'p99 ms':>8} {'errors':>7}")
                for name, p, k in phases:
                    print(line(name, p, k))
                for name, p, k in phases:
                    if k is None:
                        print(f"{name}: {loadgen.cpu_text(p.cpu)}; max {p.max_ms():.1f} ms")
                        for e in p.examples[:3]:
                            print(f"  e.g. {e}")
                for e in server.errors_in_log():
                    print("  server log: " + e)
    finally:
        shutil.rmtree(work, ignore_errors=True)
        if OUT.exists() and not any(OUT.iterdir()):
            OUT.rmdir()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database", choices=("sqlite", "postgresql", "both"), default="both")
    parser.add_argument("--clients", type=int, default=64)
    parser.add_argument("--seconds", type=float, default=20)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--alone", action="store_true", help="each read by itself as well")
    parser.add_argument(
        "--wrk", action="store_true", help="also wrk -t2 -c48 -d10s on the facilities list"
    )
    args = parser.parse_args()
    kinds = ("sqlite", "postgresql") if args.database == "both" else (args.database,)
    for kind in kinds:
        run_one(kind, args.clients, args.seconds, args.workers, args.alone, args.wrk)


if __name__ == "__main__":
    main()
