"""Set-based kernels of an epidemic's cost, pure DuckDB SQL over Arrow tables (no database
of record, no HTTP).

An admission is one stay: the adjudicated inpatient claims of one person at one facility
with the same admission day (a stay billed on several claims is one admission). It belongs
to the episode when a diagnosis of one of its claims starts with one of the episode's
ICD-10 prefixes (upper case, dots removed on both sides) and it was admitted inside the
episode's period.

- length of stay: discharge day minus admission day, and a stay that ends the day it began
  counts one day (a bed was used);
- intensive-care days: the quantity on the stay's intensive-care bed-day lines the insurer
  did not reject, never more than the stay;
- cost: the allowed amount (insurer's share plus the patient's) and the insurer's share of
  the lines the insurer did not reject, split into drugs and services.
"""

from __future__ import annotations

import datetime as dt

import duckdb
import pyarrow as pa

ADMISSIONS_SQL = """
WITH dx AS (
    SELECT DISTINCT c.claim_id
    FROM claims c, unnest(string_split(c.diagnoses, ';')) AS d(code)
    JOIN episode_dx e ON starts_with(upper(replace(trim(d.code), '.', '')), e.prefix)
),
matched AS (
    SELECT c.* FROM claims c SEMI JOIN dx ON dx.claim_id = c.claim_id
    WHERE c.admission_date BETWEEN $start AND $end
),
cost AS (
    SELECT l.claim_id,
        COALESCE(sum(l.allowed_rials) FILTER (WHERE l.item_type = 'drug'), 0) AS drugs_total,
        COALESCE(sum(l.allowed_rials) FILTER (WHERE l.item_type <> 'drug'), 0) AS services_total,
        COALESCE(sum(l.insurer_rials) FILTER (WHERE l.item_type = 'drug'), 0) AS drugs_insurer,
        COALESCE(sum(l.insurer_rials) FILTER (WHERE l.item_type <> 'drug'), 0) AS services_insurer,
        COALESCE(sum(l.quantity) FILTER (
            WHERE l.item_type <> 'drug' AND l.code IN (SELECT code FROM icu_codes)), 0) AS icu_days
    FROM lines l SEMI JOIN matched m ON m.claim_id = l.claim_id
    WHERE l.outcome <> 'rejected'
    GROUP BY l.claim_id
),
stay AS (
    SELECT m.facility_id, m.national_id, m.admission_date,
        min(m.claim_id) AS admission_id,
        string_agg(CAST(m.claim_id AS VARCHAR), ';' ORDER BY m.claim_id) AS claim_ids,
        arg_min(m.province_id, m.claim_id) AS province_id,
        arg_min(m.ownership, m.claim_id) AS ownership,
        max(COALESCE(m.discharge_date, m.admission_date)) AS discharge_date,
        CAST(COALESCE(sum(c.icu_days), 0) AS BIGINT) AS icu_days,
        CAST(COALESCE(sum(c.drugs_total), 0) AS BIGINT) AS drugs_total_rials,
        CAST(COALESCE(sum(c.services_total), 0) AS BIGINT) AS services_total_rials,
        CAST(COALESCE(sum(c.drugs_insurer), 0) AS BIGINT) AS drugs_insurer_rials,
        CAST(COALESCE(sum(c.services_insurer), 0) AS BIGINT) AS services_insurer_rials
    FROM matched m LEFT JOIN cost c ON c.claim_id = m.claim_id
    GROUP BY m.facility_id, m.national_id, m.admission_date
),
measured AS (
    SELECT *, CASE WHEN discharge_date > admission_date
                   THEN CAST(date_diff('day', admission_date, discharge_date) AS BIGINT)
                   ELSE CAST(1 AS BIGINT) END AS los_days
    FROM stay
)
SELECT admission_id, claim_ids, national_id, province_id, facility_id, ownership,
    admission_date, discharge_date, los_days,
    CASE WHEN icu_days > los_days THEN los_days ELSE icu_days END AS icu_days,
    drugs_total_rials, services_total_rials,
    drugs_total_rials + services_total_rials AS total_rials,
    drugs_insurer_rials, services_insurer_rials,
    drugs_insurer_rials + services_insurer_rials AS insurer_rials
FROM measured
ORDER BY discharge_date, admission_id
"""

# The distribution per province and ownership, per province, per ownership and for the whole
# (a NULL key is "all"); quantiles interpolate between the two middle values.
SUMMARY_SQL = """
SELECT province_id, ownership,
    CAST(count(*) AS BIGINT) AS admissions,
    CAST(count(DISTINCT national_id) AS BIGINT) AS people,
    CAST(sum(los_days) AS BIGINT) AS patient_days,
    CAST(count(*) FILTER (WHERE icu_days > 0) AS BIGINT) AS icu_admissions,
    CAST(sum(icu_days) AS BIGINT) AS icu_days,
    CAST(sum(total_rials) AS BIGINT) AS total_rials,
    CAST(sum(insurer_rials) AS BIGINT) AS insurer_rials,
    CAST(round(sum(total_rials) / count(*)) AS BIGINT) AS cost_per_admission,
    CAST(round(sum(total_rials) / sum(los_days)) AS BIGINT) AS cost_per_day,
    CAST(round(quantile_cont(total_rials, 0.5)) AS BIGINT) AS median_cost,
    CAST(round(quantile_cont(total_rials, 0.9)) AS BIGINT) AS p90_cost,
    CAST(round(quantile_cont(total_rials / los_days, 0.5)) AS BIGINT) AS median_cost_per_day,
    CAST(round(quantile_cont(total_rials / los_days, 0.9)) AS BIGINT) AS p90_cost_per_day,
    CAST(quantile_cont(los_days, 0.5) AS DOUBLE) AS median_los,
    CAST(quantile_cont(los_days, 0.9) AS DOUBLE) AS p90_los
FROM admissions
GROUP BY GROUPING SETS ((province_id, ownership), (province_id), (ownership), ())
ORDER BY province_id NULLS LAST, ownership NULLS LAST
"""

# Admissions are counted in the Jalali month they were discharged in (the stay's cost is
# known then); ``months``: month (yyyymm), first_day, last_day.
MONTHLY_SQL = """
SELECT m.month,
    CAST(count(a.admission_id) AS BIGINT) AS admissions,
    CAST(COALESCE(sum(a.los_days), 0) AS BIGINT) AS patient_days,
    CAST(count(a.admission_id) FILTER (WHERE a.icu_days > 0) AS BIGINT) AS icu_admissions,
    CAST(COALESCE(sum(a.insurer_rials), 0) AS BIGINT) AS insurer_rials,
    CAST(COALESCE(sum(a.total_rials), 0) AS BIGINT) AS total_rials
FROM months m LEFT JOIN admissions a ON a.discharge_date BETWEEN m.first_day AND m.last_day
GROUP BY m.month
ORDER BY m.month
"""


def _run(
    sql: str, tables: dict[str, pa.Table], params: dict[str, object] | None = None
) -> pa.Table:
    db = duckdb.connect()
    try:
        for name, table in tables.items():
            db.register(name, table)
        return db.sql(sql, params=params).to_arrow_table()
    finally:
        db.close()


def admissions(
    *,
    claims: pa.Table,
    lines: pa.Table,
    icd10_prefixes: tuple[str, ...],
    icu_service_codes: tuple[str, ...],
    start: dt.date,
    end: dt.date,
) -> pa.Table:
    """The episode's admissions (see the module docstring), one row per stay.

    ``claims``: claim_id, national_id, province_id, facility_id, ownership, admission_date,
    discharge_date, diagnoses (ICD-10 codes joined by ';'), adjudicated inpatient claims
    only. ``lines``: claim_id, item_type, code, quantity, outcome, allowed_rials,
    insurer_rials. ``icd10_prefixes`` normalised (upper case, no dots)."""
    tables = {
        "claims": claims,
        "lines": lines,
        "episode_dx": pa.table({"prefix": pa.array(icd10_prefixes, pa.string())}),
        "icu_codes": pa.table({"code": pa.array(icu_service_codes, pa.string())}),
    }
    return _run(ADMISSIONS_SQL, tables, {"start": start, "end": end})


def summary(admissions: pa.Table) -> pa.Table:
    """Admissions, people, patient and intensive-care days, cost, cost per admission and per
    day, and the median and 90th percentile of an admission's cost, of its cost per day and
    of its length of stay, per province and ownership with the subtotals (NULL keys)."""
    if admissions.num_rows == 0:
        return _run(SUMMARY_SQL + " LIMIT 0", {"admissions": admissions})
    return _run(SUMMARY_SQL, {"admissions": admissions})


def monthly(admissions: pa.Table, months: pa.Table) -> pa.Table:
    """Admissions, patient days, intensive-care admissions and cost per Jalali month of
    discharge, every month of ``months`` listed (zero when none)."""
    return _run(MONTHLY_SQL, {"admissions": admissions, "months": months})
