"""The adjudication kernel on Spark local[N] against DuckDB, over the same export.

Synthetic lines are written once in the export layout (``claims.handoff``: one Parquet
dataset per kernel table, lines by month of service); then each engine decides them from
those files: DuckDB through ``engine.run`` (Parquet read into Arrow, the kernel, sorted
out), Spark through ``spark_engine.run`` (Parquet in, Parquet out; its session's start
timed apart). Both runs' decisions must be identical line by line; the script says so.

    .venv/bin/python bench/spark.py [--lines 10000000] [--cores 2] [--runs 2]
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

from darman.claims import engine, handoff, spark_engine
from darman.synth import claims as synthetic
from darman.synth import claims_reference as synthetic_reference


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--lines", type=int, default=10_000_000)
    parser.add_argument("--scale", type=float, default=0.01, help="registry scale (insured)")
    parser.add_argument("--cores", type=int, default=2, help="Spark local[N]")
    parser.add_argument("--runs", type=int, default=2, help="runs of each engine; best kept")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory(prefix="darman-spark-") as tmp:
        work = Path(tmp)
        started = time.perf_counter()
        ref = synthetic_reference.reference(scale=args.scale, seed=1405)
        made = synthetic.claims(ref, n_lines=args.lines, seed=1405)
        handoff.write_inputs(synthetic.kernel_tables(ref, made), work / "export")
        del made
        print(f"wrote {args.lines:,} lines in {time.perf_counter() - started:.0f} s", flush=True)

        duck = float("inf")
        for _ in range(args.runs):
            t0 = time.perf_counter()
            on_duckdb = engine.run(handoff.read_inputs(work / "export"))
            duck = min(duck, time.perf_counter() - t0)

        t0 = time.perf_counter()
        spark = spark_engine.local_session(cores=args.cores)
        start = time.perf_counter() - t0
        runs = []
        try:
            for _ in range(args.runs):
                t0 = time.perf_counter()
                spark_engine.run(spark, work / "export", work / "decisions")
                runs.append(time.perf_counter() - t0)
        finally:
            spark.stop()
        on_spark = handoff.read_decisions(work / "decisions")
        same = on_spark.select(on_duckdb.column_names).cast(on_duckdb.schema).equals(on_duckdb)

    print(f"{'engine':<32} {'seconds':>8} {'lines/s':>12}")
    print(f"{'DuckDB (engine.run, Parquet in)':<32} {duck:>8.1f} {args.lines / duck:>12,.0f}")
    label = f"Spark local[{args.cores}] (Parquet out)"
    for i, seconds in enumerate(runs, 1):
        print(f"{label + f' run {i}':<32} {seconds:>8.1f} {args.lines / seconds:>12,.0f}")
    print(f"Spark session start {start:.1f} s; Spark best / DuckDB: {min(runs) / duck:.1f}x")
    print(f"decisions identical line by line: {same} ({on_duckdb.num_rows:,} lines)")
    if not same:
        raise SystemExit(1)


if __name__ == "__main__":
    main()
