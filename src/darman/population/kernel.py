"""Set-based kernels of population health, pure DuckDB SQL over Arrow tables (no database
of record, no HTTP): who enters which register from claims and prescriptions, and the care
cascade as WHO HEARTS reports it.

The cascade, for a reference window (``start_12`` .. ``end``: the twelve Jalali months
ending with the reference month; ``start_3`` .. ``end``: the last three):

- registered: on the register by ``end`` (the earliest entry of any source counts, and
  the person is counted at that entry's province and facility);
- under care: a visit (a claim or a measurement) in the last 12 months; lost to
  follow-up: registered with none;
- the cohort: registered before ``start_3`` (more than three months ago), split into
  controlled (for every target of the register, the last measurement in the last 3 months
  is below the target), uncontrolled (a visit in the last 3 months, not controlled) and no
  visit in 3 months. The three add up to the cohort.
"""

from __future__ import annotations

import datetime as dt

import duckdb
import pyarrow as pa

CANDIDATES_SQL = """
WITH dx AS (
    SELECT c.national_id, c.province_id, c.facility_id, c.claim_id, c.seen_on,
           upper(replace(trim(d.code), '.', '')) AS code
    FROM claims c, unnest(string_split(c.diagnoses, ';')) AS d(code)
),
found AS (
    SELECT r.register_code, dx.national_id, dx.province_id, dx.facility_id,
           'claim' AS source, CAST(dx.claim_id AS VARCHAR) AS source_ref, dx.seen_on
    FROM dx JOIN register_dx r ON starts_with(dx.code, r.prefix)
    UNION ALL
    SELECT r.register_code, p.national_id, p.province_id, p.facility_id,
           'prescription', CAST(p.prescription_id AS VARCHAR), p.issued_on
    FROM prescriptions p JOIN register_drugs r ON p.drug_code = r.drug_code
),
first_found AS (
    SELECT register_code, national_id, source,
           arg_min(province_id, (seen_on, source_ref)) AS province_id,
           arg_min(facility_id, (seen_on, source_ref)) AS facility_id,
           arg_min(source_ref, (seen_on, source_ref)) AS source_ref,
           min(seen_on) AS entered_on
    FROM found GROUP BY register_code, national_id, source
)
SELECT f.register_code, f.national_id, f.province_id, f.facility_id, f.source,
       f.source_ref, f.entered_on
FROM first_found f
ANTI JOIN existing e
  ON e.register_code = f.register_code AND e.national_id = f.national_id
 AND e.source = f.source
ORDER BY f.register_code, f.national_id, f.source
"""

PERSON_SQL = """
WITH entry AS (
    SELECT register_code, national_id,
           arg_min(province_id, (entered_on, facility_id)) AS province_id,
           arg_min(facility_id, (entered_on, facility_id)) AS facility_id,
           min(entered_on) AS entered_on
    FROM entries WHERE entered_on <= $end
    GROUP BY register_code, national_id
),
seen AS (
    SELECT national_id,
           max(visit_on) FILTER (WHERE visit_on >= $start_12) IS NOT NULL AS seen_12,
           max(visit_on) FILTER (WHERE visit_on >= $start_3) IS NOT NULL AS seen_3
    FROM (SELECT national_id, visit_on FROM visits
          UNION ALL SELECT national_id, measured_on FROM measurements)
    WHERE visit_on <= $end
    GROUP BY national_id
),
last_value AS (
    SELECT national_id, loinc, arg_max(value, measured_on) AS value
    FROM measurements WHERE measured_on BETWEEN $start_3 AND $end
    GROUP BY national_id, loinc
),
control AS (
    SELECT e.register_code, e.national_id,
           bool_and(COALESCE(v.value < t.below, FALSE)) AS controlled
    FROM entry e
    JOIN targets t ON t.register_code = e.register_code
    LEFT JOIN last_value v ON v.national_id = e.national_id AND v.loinc = t.loinc
    GROUP BY e.register_code, e.national_id
),
person AS (
    SELECT e.register_code, e.national_id, e.province_id, e.facility_id, e.entered_on,
           e.entered_on < $start_3 AS in_cohort,
           COALESCE(s.seen_12, FALSE) AS seen_12,
           COALESCE(s.seen_3, FALSE) AS seen_3,
           COALESCE(c.controlled, FALSE) AS controlled
    FROM entry e
    LEFT JOIN seen s ON s.national_id = e.national_id
    LEFT JOIN control c ON c.register_code = e.register_code AND c.national_id = e.national_id
)
"""

CASCADE_SQL = (
    PERSON_SQL
    + """
SELECT register_code, province_id, facility_id,
       count(*) AS registered,
       count(*) FILTER (WHERE seen_12) AS under_care,
       count(*) FILTER (WHERE in_cohort) AS cohort,
       count(*) FILTER (WHERE in_cohort AND controlled) AS controlled,
       count(*) FILTER (WHERE in_cohort AND seen_3 AND NOT controlled) AS uncontrolled,
       count(*) FILTER (WHERE in_cohort AND NOT seen_3) AS no_visit_3m,
       count(*) FILTER (WHERE NOT seen_12) AS lost_to_follow_up
FROM person
GROUP BY register_code, province_id, facility_id
ORDER BY register_code, province_id, facility_id
"""
)

# one family physician's panel: the people of ``panel`` (national_id) whatever facility
# registered them, one row per register
PANEL_CASCADE_SQL = (
    PERSON_SQL
    + """
SELECT register_code,
       count(*) AS registered,
       count(*) FILTER (WHERE seen_12) AS under_care,
       count(*) FILTER (WHERE in_cohort) AS cohort,
       count(*) FILTER (WHERE in_cohort AND controlled) AS controlled,
       count(*) FILTER (WHERE in_cohort AND seen_3 AND NOT controlled) AS uncontrolled,
       count(*) FILTER (WHERE in_cohort AND NOT seen_3) AS no_visit_3m,
       count(*) FILTER (WHERE NOT seen_12) AS lost_to_follow_up
FROM person
SEMI JOIN panel ON panel.national_id = person.national_id
GROUP BY register_code
ORDER BY register_code
"""
)

ACTION_SQL = (
    PERSON_SQL
    + """
SELECT register_code, national_id, province_id, facility_id, entered_on,
       CASE WHEN NOT seen_12 THEN 'lost_to_follow_up' ELSE 'uncontrolled' END AS status
FROM person
WHERE NOT seen_12 OR (in_cohort AND seen_3 AND NOT controlled)
ORDER BY facility_id, status, register_code, national_id
"""
)

CASCADE_COLUMNS = (
    "registered", "under_care", "cohort", "controlled", "uncontrolled", "no_visit_3m",
    "lost_to_follow_up",
)  # fmt: skip


def candidates(
    *,
    claims: pa.Table,
    prescriptions: pa.Table,
    register_dx: pa.Table,
    register_drugs: pa.Table,
    existing: pa.Table,
) -> pa.Table:
    """New register entries, one per register, person and source not already in
    ``existing``, dated by the earliest claim or prescription that found them.

    ``claims``: national_id, province_id, facility_id, claim_id, seen_on, diagnoses
    (ICD-10 codes joined by ';'). ``prescriptions``: national_id, province_id, facility_id,
    prescription_id, issued_on, drug_code. ``register_dx``: register_code, prefix.
    ``register_drugs``: register_code, drug_code. ``existing``: register_code,
    national_id, source."""
    db = duckdb.connect()
    try:
        for name, table in (
            ("claims", claims), ("prescriptions", prescriptions), ("register_dx", register_dx),
            ("register_drugs", register_drugs), ("existing", existing),
        ):  # fmt: skip
            db.register(name, table)
        return db.sql(CANDIDATES_SQL).to_arrow_table()
    finally:
        db.close()


def _run(sql: str, tables: dict[str, pa.Table], params: dict[str, dt.date]) -> pa.Table:
    db = duckdb.connect()
    try:
        for name, table in tables.items():
            db.register(name, table)
        return db.sql(sql, params=params).to_arrow_table()
    finally:
        db.close()


def cascade(
    *,
    entries: pa.Table,
    visits: pa.Table,
    measurements: pa.Table,
    targets: pa.Table,
    start_12: dt.date,
    start_3: dt.date,
    end: dt.date,
) -> pa.Table:
    """The care cascade per register, province and facility (see the module docstring).

    ``entries``: register_code, national_id, province_id, facility_id, entered_on.
    ``visits``: national_id, visit_on. ``measurements``: national_id, loinc, value,
    measured_on. ``targets``: register_code, loinc, below."""
    tables = {
        "entries": entries,
        "visits": visits,
        "measurements": measurements,
        "targets": targets,
    }
    return _run(CASCADE_SQL, tables, {"start_12": start_12, "start_3": start_3, "end": end})


def panel_cascade(
    *,
    entries: pa.Table,
    visits: pa.Table,
    measurements: pa.Table,
    targets: pa.Table,
    panel: pa.Table,
    start_12: dt.date,
    start_3: dt.date,
    end: dt.date,
) -> pa.Table:
    """The care cascade of one family physician's panel per register: the same stages as
    ``cascade``, over the people of ``panel`` (national_id) only, wherever they were
    registered."""
    tables = {
        "entries": entries,
        "visits": visits,
        "measurements": measurements,
        "targets": targets,
        "panel": panel,
    }
    return _run(PANEL_CASCADE_SQL, tables, {"start_12": start_12, "start_3": start_3, "end": end})


def to_call_back(
    *,
    entries: pa.Table,
    visits: pa.Table,
    measurements: pa.Table,
    targets: pa.Table,
    start_12: dt.date,
    start_3: dt.date,
    end: dt.date,
) -> pa.Table:
    """The people to call back, from the same tables as ``cascade``: those lost to follow-up
    and those in the cohort seen in the last 3 months but not controlled, with ``status``
    saying which (register_code, national_id, province_id, facility_id, entered_on)."""
    tables = {
        "entries": entries,
        "visits": visits,
        "measurements": measurements,
        "targets": targets,
    }
    return _run(ACTION_SQL, tables, {"start_12": start_12, "start_3": start_3, "end": end})
