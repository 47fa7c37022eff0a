"""Adjudication throughput: the full rule set through the kernel, in lines per second.

Compared in the same run with
  - a bare DuckDB query doing only the core joins (facility, insured, coverage,
    service, tariff) and the price cap, no rules: the floor the kernel is held to;
  - the line-by-line reference adjudicator (one line at a time, every fact looked
    up as it goes), on a sample: the ordinary way of writing it.
Also timed: ``engine.run`` on all the lines, as callers use it (Arrow in, copied into
DuckDB, the kernel, sorted by line_id, Arrow out), against the kernel's materialisation,
and the same with ``ordered=False`` (no sort by line_id).
Kernel and reference must agree on every line of the sample; the script says so.

Also timed, each on its own over the same tables: the least work a kernel of these rules
has to do on DuckDB. It has to make the core joins, though it can find the person and
their coverage in one equality join instead of bare's two (one of them on a date range);
find the keys that repeat among all the lines (R08: an aggregate over every line); match
the drug lines against the dispensings (R11: an aggregate over both); and write eight
columns per line where bare writes two. The sum of those parts, against bare, is how
close to bare such a kernel can come.

    .venv/bin/python bench/adjudicate.py [--lines 10000000] [--sample 20000]
"""

from __future__ import annotations

import argparse
import resource
import time

import ibis
import pyarrow.compute as pc

from darman.claims import engine
from darman.claims.kernel import KernelInputs, adjudicate
from darman.claims.reference import ReferenceAdjudicator
from darman.synth import claims as synthetic
from darman.synth import claims_reference as synthetic_reference

BARE = """
CREATE OR REPLACE TEMP TABLE bare AS
SELECT l.line_id,
       CASE WHEN t.amount IS NULL THEN 0
            WHEN l.unit_price > t.amount THEN t.amount * l.quantity
            ELSE l.unit_price * l.quantity END AS allowed
FROM lines l
LEFT JOIN facilities f ON f.facility_id = l.facility_id
LEFT JOIN insured i ON i.national_id = l.national_id
LEFT JOIN coverage c ON c.national_id = l.national_id AND c.start_date <= l.service_date
     AND coalesce(c.end_date, DATE '2999-12-31') >= l.service_date
LEFT JOIN services s ON s.code = l.code
LEFT JOIN calendar d ON d.day = l.service_date
LEFT JOIN tariffs t ON t.code = l.code AND t.year = d.fiscal_year AND t.level = f.level
     AND t.ownership = f.ownership
"""


# The parts of the least work a kernel of the full rule set does (see the docstring). The
# kernel finds the person and their coverage with one equality join on the national ID,
# as bare's insured join does, so of bare's two person joins the coverage join is left out.
CORE_ONE_PERSON_JOIN = BARE.replace(
    "LEFT JOIN coverage c ON c.national_id = l.national_id AND c.start_date <= l.service_date\n"
    "     AND coalesce(c.end_date, DATE '2999-12-31') >= l.service_date\n",
    "",
).replace("TABLE bare", "TABLE floor_part")
if "coverage" in CORE_ONE_PERSON_JOIN:
    raise SystemExit("the bare query's coverage join changed: update CORE_ONE_PERSON_JOIN")
# the work first, then the two output parts the sum compares
FLOOR = {
    "core joins with one person join": CORE_ONE_PERSON_JOIN,
    "repeated keys (R08)": """
CREATE OR REPLACE TEMP TABLE floor_part AS
SELECT national_id, facility_id, code, service_date FROM lines
GROUP BY ALL HAVING count(*) > 1
""",
    "drug lines against dispensings (R11)": """
CREATE OR REPLACE TEMP TABLE floor_part AS
SELECT prescription_ref, national_id, code, sum(q_line) AS used, sum(q_given) AS given
FROM (SELECT prescription_ref, national_id, code, quantity AS q_line, NULL::BIGINT AS q_given
      FROM lines WHERE item_type = 'drug'
      UNION ALL
      SELECT prescription_ref, national_id, code, NULL, quantity FROM dispensings)
GROUP BY ALL HAVING given IS NULL OR given < used
""",
    "eight output columns": """
CREATE OR REPLACE TEMP TABLE floor_part AS
SELECT line_id, quantity * unit_price AS asked, quantity * unit_price AS allowed,
       unit_price AS copay, quantity AS insurer, 0::BIGINT AS deducted, '' AS reasons,
       'accepted' AS outcome
FROM lines
""",
    "two output columns": """
CREATE OR REPLACE TEMP TABLE floor_part AS
SELECT line_id, quantity * unit_price AS allowed FROM lines
""",
}


def _cpu_seconds() -> float:
    """CPU time of this process, every DuckDB thread included: steadier than wall time
    on a machine shared with other work."""
    used = resource.getrusage(resource.RUSAGE_SELF)
    return used.ru_utime + used.ru_stime


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--lines", type=int, default=10_000_000)
    parser.add_argument("--sample", type=int, default=20_000)
    parser.add_argument("--scale", type=float, default=0.01, help="registry scale (insured)")
    args = parser.parse_args()

    started = time.perf_counter()
    ref = synthetic_reference.reference(scale=args.scale, seed=1405)
    made = synthetic.claims(ref, n_lines=args.lines, seed=1405)
    print(
        f"generated {args.lines:,} lines on {ref.insured.num_rows:,} insured "
        f"in {time.perf_counter() - started:.0f} s",
        flush=True,
    )
    tables = synthetic.kernel_tables(ref, made)

    con = ibis.duckdb.connect()
    inputs = KernelInputs(**{name: con.create_table(name, tables[name]) for name in engine.TABLES})
    kernel = adjudicate(inputs)
    sql = ibis.to_sql(kernel)
    # Run once through Ibis first: that registers the kernel's Python function (the
    # frequency rule's scan) with this connection, so its SQL text runs as it is below.
    con.create_table("decided", kernel, temp=True, overwrite=True)
    timings: dict[str, float] = {}
    cpu: dict[str, float] = {}
    for label, statement in (
        ("bare", BARE),
        ("kernel", f"CREATE OR REPLACE TEMP TABLE decided AS {sql}"),
        *FLOOR.items(),
    ):
        best = best_cpu = float("inf")
        for _ in range(2):  # best of two: the machine is shared
            c0, t0 = _cpu_seconds(), time.perf_counter()
            con.raw_sql(statement)
            best = min(best, time.perf_counter() - t0)
            best_cpu = min(best_cpu, _cpu_seconds() - c0)
        timings[label], cpu[label] = best, best_cpu
    con.disconnect()  # engine.run makes its own database: free this one's memory first
    for key, ordered in (("engine.run", True), ("engine.run unsorted", False)):
        c0, t0 = _cpu_seconds(), time.perf_counter()
        engine.run(tables, ordered=ordered)
        timings[key], cpu[key] = time.perf_counter() - t0, _cpu_seconds() - c0

    sample = made.lines.slice(0, args.sample)
    # the reference gets the referrals and dispensings of its sample, not of all 10 M lines
    refs = pc.is_in(tables["referrals"]["ref_number"], value_set=sample["referral_ref"].drop_null())
    rxs = pc.is_in(tables["dispensings"]["prescription_ref"], value_set=sample["prescription_ref"])
    sample_tables = {
        **tables,
        "lines": sample,
        "referrals": tables["referrals"].filter(refs),
        "dispensings": tables["dispensings"].filter(rxs),
    }
    c0, t0 = _cpu_seconds(), time.perf_counter()
    decisions = ReferenceAdjudicator(sample_tables).decide_all(sample.to_pylist())
    timings["reference"], cpu["reference"] = time.perf_counter() - t0, _cpu_seconds() - c0
    kernel_sample = engine.run(sample_tables).to_pylist()
    disagree = sum(
        1
        for k, r in zip(kernel_sample, decisions, strict=True)
        if (k["allowed"], k["copay"], k["deducted"], k["reasons"])
        != (r.allowed, r.copay, r.deducted, r.reasons)
    )

    rates = {
        "kernel": args.lines / timings["kernel"],
        "bare": args.lines / timings["bare"],
        "reference": args.sample / timings["reference"],
        "engine.run": args.lines / timings["engine.run"],
        "engine.run unsorted": args.lines / timings["engine.run unsorted"],
    }
    labels = {
        "kernel": ("kernel (all rules, Ibis on DuckDB)", args.lines),
        "bare": ("bare DuckDB core joins", args.lines),
        "reference": ("line-by-line reference", args.sample),
        "engine.run": ("engine.run (Arrow in, sorted out)", args.lines),
        "engine.run unsorted": ("engine.run(ordered=False)", args.lines),
    }
    print(f"{'path':<34} {'lines':>12} {'seconds':>8} {'lines/s':>12} {'cpu s':>8}")
    for key, (label, n) in labels.items():
        print(f"{label:<34} {n:>12,} {timings[key]:>8.2f} {rates[key]:>12,.0f} {cpu[key]:>8.2f}")
    print("\nthe least work of the full rule set, each part alone:")
    print(f"{'part':<40} {'seconds':>8} {'cpu s':>8}")
    for label in FLOOR:
        print(f"{label:<40} {timings[label]:>8.2f} {cpu[label]:>8.2f}")
    *work, eight, two = FLOOR  # the output counts only for the columns bare does not write
    least = sum(timings[p] for p in work) + max(0.0, timings[eight] - timings[two])
    print(f"{'sum (output: eight columns less two)':<40} {least:>8.2f}")
    print(
        f"least work / bare time: {least / timings['bare']:.2f}x   "
        f"kernel / least work: {timings['kernel'] / least:.2f}x\n"
    )
    print(
        f"kernel / reference: {rates['kernel'] / rates['reference']:,.0f}x   "
        f"kernel time / bare time: {timings['kernel'] / timings['bare']:.2f}x "
        f"(cpu {cpu['kernel'] / cpu['bare']:.2f}x)   "
        f"engine.run / kernel: {timings['engine.run'] / timings['kernel']:.2f}x   "
        f"sample disagreements: {disagree} of {args.sample:,}"
    )


if __name__ == "__main__":
    main()
