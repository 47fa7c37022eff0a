"""Seeding throughput: rows per second at scale 0.01 and 0.1, into SQLite and PostgreSQL.

Baseline, measured in the same run on the same machine: inserting the same
generated insured rows one ORM object at a time (session.add + flush per
1,000), which is how a naive loader would do it. The machine is shared, so
compare the ratio, not the absolute seconds.

    .venv/bin/python bench/seed.py [--scales 0.01 0.1] [--backends sqlite postgresql]
"""

from __future__ import annotations

import argparse
import shutil
import time
import uuid
from pathlib import Path

from sqlalchemy import create_engine, text
from sqlalchemy.orm import Session

from darman.db import migrate
from darman.db.engine import make_engine, make_session_factory
from darman.db.uow import UnitOfWork
from darman.registry import provinces
from darman.registry.models import Insured
from darman.synth import generator
from darman.synth import service as synth

PG_ADMIN = "postgresql+psycopg://127.0.0.1:5432/test"
# seals the audit entries the benchmark writes; it never verifies them
BENCH_AUDIT_KEY = "bench-audit-key-" + uuid.uuid4().hex
OUT = Path(__file__).parent / "out"
BASELINE_ROWS = 20_000


def fresh_url(backend: str) -> tuple[str, object]:
    if backend == "sqlite":
        OUT.mkdir(exist_ok=True)
        path = OUT / f"seed-{uuid.uuid4().hex[:8]}.db"
        return f"sqlite:///{path}", path
    name = f"darman_bench_{uuid.uuid4().hex[:8]}"
    admin = create_engine(PG_ADMIN, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    return PG_ADMIN.rsplit("/", 1)[0] + f"/{name}", (admin, name)


def drop(backend: str, handle: object) -> None:
    if backend == "sqlite":
        for suffix in ("", "-wal", "-shm"):
            Path(str(handle) + suffix).unlink(missing_ok=True)
        return
    admin, name = handle  # type: ignore[misc]
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


def bulk_seed(backend: str, scale: float) -> tuple[int, float]:
    url, handle = fresh_url(backend)
    try:
        engine = make_engine(url)
        migrate.upgrade(engine)
        started = time.perf_counter()
        with UnitOfWork(make_session_factory(engine, audit_key=BENCH_AUDIT_KEY)) as uow:
            result = synth.seed(uow.session, scale=scale, seed=1405)
            uow.commit()
        elapsed = time.perf_counter() - started
        engine.dispose()
        return result.rows, elapsed
    finally:
        drop(backend, handle)


def orm_baseline(backend: str) -> float:
    """Rows/s of the naive path on the first BASELINE_ROWS generated insured rows."""
    url, handle = fresh_url(backend)
    try:
        engine = make_engine(url)
        migrate.upgrade(engine)
        plans = generator.plan(provinces.read_facts(), scale=0.01, seed=1405)
        rows: list[tuple[object, ...]] = []
        for chunk in generator.insured(plans, seed=1405):
            rows.extend(chunk.rows)
            if len(rows) >= BASELINE_ROWS:
                break
        rows = [
            r for r in rows[:BASELINE_ROWS] if r[8] is None
        ]  # main insured: no forward references
        cols = generator.INSURED_COLUMNS
        with Session(engine) as s:
            provinces.ensure_loaded(s)
            s.commit()
            started = time.perf_counter()
            for i, r in enumerate(rows, start=1):
                s.add(Insured(**dict(zip(cols, r, strict=True))))
                if i % 1000 == 0:
                    s.flush()
            s.commit()
            elapsed = time.perf_counter() - started
        engine.dispose()
        return len(rows) / elapsed
    finally:
        drop(backend, handle)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scales", nargs="+", type=float, default=[0.01, 0.1])
    parser.add_argument("--backends", nargs="+", default=["sqlite", "postgresql"])
    args = parser.parse_args()
    print(
        f"{'backend':<11} {'scale':>6} {'rows':>11} {'seconds':>8} {'rows/s':>10} "
        f"{'ORM rows/s':>11} {'ratio':>6}"
    )
    for backend in args.backends:
        baseline = orm_baseline(backend)
        for scale in args.scales:
            rows, seconds = bulk_seed(backend, scale)
            rate = rows / seconds
            print(
                f"{backend:<11} {scale:>6} {rows:>11,} {seconds:>8.1f} {rate:>10,.0f} "
                f"{baseline:>11,.0f} {rate / baseline:>5.1f}x",
                flush=True,
            )
    shutil.rmtree(OUT, ignore_errors=True)


if __name__ == "__main__":
    main()
