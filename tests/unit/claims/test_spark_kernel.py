"""The kernel on Spark (local[2]) and on DuckDB over the same export gives the same decision
on every line, and both find every injected violation. Never skipped: without PySpark or
Java the test fails saying what to install."""

from __future__ import annotations

from pathlib import Path

import pyarrow.compute as pc
import pytest

from darman.claims import engine, handoff, spark_engine
from darman.claims.synthetic_check import check
from darman.common.errors import ConfigurationError
from darman.synth import claims as synthetic
from darman.synth import claims_reference as synthetic_reference

LINES = 20_000


def test_spark_and_duckdb_decide_every_line_of_an_export_alike(tmp_path: Path) -> None:
    ref = synthetic_reference.reference(scale=0.001, seed=11)
    made = synthetic.claims(ref, n_lines=LINES, seed=21, violation_share=0.12)
    export = tmp_path / "export"
    counts = handoff.write_inputs(synthetic.kernel_tables(ref, made), export)
    assert counts["lines"] == LINES
    # partitioned by month of service, as Spark and DuckDB read it
    assert any(p.name.startswith("service_month=20") for p in (export / "lines").iterdir())

    on_duckdb = engine.run(handoff.read_inputs(export))
    spark = spark_engine.local_session(cores=2)
    try:
        spark_engine.run(spark, export, tmp_path / "decisions")
    finally:
        spark.stop()
    on_spark = handoff.read_decisions(tmp_path / "decisions")

    assert on_spark.num_rows == on_duckdb.num_rows == LINES
    assert on_spark.select(on_duckdb.column_names).cast(on_duckdb.schema).to_pylist() == (
        on_duckdb.to_pylist()
    )
    # both against the injected truth, and the frequency rule's scan ran on Spark
    for decided in (on_spark, on_duckdb):
        report = check(made.truth, decided)
        assert report.missed == [] and report.false_alarms == []
    assert pc.sum(pc.match_substring(on_spark["reasons"], "R07")).as_py() > 0


def test_without_java_spark_is_refused_saying_what_to_install(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PATH", str(tmp_path))  # no java on it
    with pytest.raises(ConfigurationError) as refused:
        spark_engine.local_session()
    assert "Java 17" in str(refused.value)
