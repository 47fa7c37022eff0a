"""Running the adjudication kernel on Apache Spark over an export's Parquet files.

The same Ibis expression as ``engine.run`` on DuckDB (``kernel.adjudicate``), read from
an export directory (``handoff``) and written as a Parquet dataset of decisions. Needs
the optional extra ``darman[spark]`` (PySpark) and Java 17; on a cluster the executors
need Darman installed too, for the frequency rule's Python function.
"""

from __future__ import annotations

import shutil
import sys
from dataclasses import replace
from pathlib import Path
from typing import Any

import ibis

from darman.claims import engine
from darman.claims.kernel import KernelInputs, decide, first_pass
from darman.common.errors import ConfigurationError

# the columns the kernel reads of the lines: an export's lines also carry their month
LINE_COLUMNS = (
    "line_id",
    "claim_id",
    "facility_id",
    "national_id",
    "nid_valid",
    "visit_type",
    "admission_date",
    "discharge_date",
    "submitted_date",
    "item_type",
    "code",
    "service_date",
    "quantity",
    "unit_price",
    "province_id",
    "referral_ref",
    "prescription_ref",
)


def local_session(*, cores: int = 2, partitions: int | None = None) -> Any:
    """A Spark session on this machine (``local[cores]``) that needs no network: the
    driver on the loopback address, no web UI, no packages to fetch. Raises
    ConfigurationError, saying what to install, without PySpark or Java."""
    if shutil.which("java") is None:
        raise ConfigurationError(
            "Spark به جاوا نیاز دارد و java در PATH نیست: Java 17 را نصب کنید"
            " (apt-get install openjdk-17-jre-headless)"
        )
    try:
        from pyspark.sql import SparkSession
    except ImportError:
        raise ConfigurationError(
            "PySpark نصب نیست: بسته darman[spark] را نصب کنید (pip install -e '.[spark]')"
        ) from None
    builder = (
        SparkSession.builder.master(f"local[{cores}]")
        .appName("darman-adjudicate")
        .config("spark.driver.host", "127.0.0.1")
        .config("spark.driver.bindAddress", "127.0.0.1")
        .config("spark.ui.enabled", "false")
        .config("spark.ui.showConsoleProgress", "false")
        # a few shuffle partitions per core: the default 200 is for a cluster
        .config("spark.sql.shuffle.partitions", str(partitions or 2 * cores))
        # the frequency rule's Python function runs in this interpreter, which has Darman
        .config("spark.pyspark.python", sys.executable)
        .config("spark.sql.session.timeZone", "UTC")
    )
    session = builder.getOrCreate()
    session.sparkContext.setLogLevel("ERROR")
    return session


def run(spark: Any, input_dir: str | Path, output_dir: str | Path) -> None:
    """Decide the export in ``input_dir`` on ``spark`` and write the decisions (one row
    per line, ``decisions.KERNEL_DECISIONS``) to ``output_dir``, replacing what is there.
    Either may be a local path or a URI Spark reads (``hdfs://...``, ``s3a://...``)."""
    con = ibis.pyspark.connect(spark)
    root = str(input_dir).rstrip("/")
    tables = {
        name: con.read_parquet(f"{root}/{name}", table_name=f"darman_{name}")
        for name in engine.TABLES
    }
    tables["lines"] = tables["lines"].select(*LINE_COLUMNS)
    inputs = KernelInputs(**tables)
    # Spark inlines a relation at every reader: the first pass's lines, read by many
    # parts of the kernel, would be computed again for each (316 file scans on 20,000
    # lines against 30 without). Cached, they are computed once for the full pass: the
    # same kernel as ``adjudicate``, in two steps. (The duplicates' cache computes the
    # frequency rule's lines once more, inside it.)
    # (Ibis registers the frequency rule's Python function with Spark when it runs an
    # expression, not when it caches one: an empty read of the expression registers it.)
    first = first_pass(inputs)
    con.execute(first.too_soon.limit(0))
    with first.too_soon.cache() as soon, first.duplicates.cache() as duplicates:
        cached = replace(first, too_soon=soon, duplicates=duplicates)
        con.to_parquet(decide(inputs, cached), str(output_dir), mode="overwrite")
