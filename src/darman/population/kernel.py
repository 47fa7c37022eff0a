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
import pyarrow.compute as pc

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

# Every window at once. ``windows``: w (its number), start_12, start_3, end. A person's
# visit days are folded into one bit mask over the segments between the windows' bounds
# (each window is a run of whole segments), so one pass over the visits serves every
# window; the last value of a measurement is taken per window from its own three months.
PERSON_SQL = """
WITH bounds AS (
    SELECT DISTINCT d FROM (
        SELECT start_12 AS d FROM windows UNION ALL SELECT start_3 FROM windows
        UNION ALL SELECT CAST("end" + INTERVAL 1 DAY AS DATE) FROM windows)
),
segments AS (SELECT d AS first_day, CAST(row_number() OVER (ORDER BY d) - 1 AS BIGINT) AS seg
             FROM bounds),
spans AS (
    SELECT w.w, w.start_3, w."end",
           (SELECT bit_or(CAST(1 AS BIGINT) << s.seg) FROM segments s
            WHERE s.first_day BETWEEN w.start_12 AND w."end") AS mask_12,
           (SELECT bit_or(CAST(1 AS BIGINT) << s.seg) FROM segments s
            WHERE s.first_day BETWEEN w.start_3 AND w."end") AS mask_3
    FROM windows w
),
days AS (SELECT national_id, visit_on AS d FROM visits
         UNION ALL SELECT national_id, measured_on FROM measurements),
seen AS (
    SELECT days.national_id, bit_or(CAST(1 AS BIGINT) << s.seg) AS mask
    FROM days ASOF JOIN segments s ON days.d >= s.first_day
    GROUP BY days.national_id
),
entry AS (
    SELECT register_code, national_id,
           arg_min(province_id, (entered_on, facility_id)) AS province_id,
           arg_min(facility_id, (entered_on, facility_id)) AS facility_id,
           min(entered_on) AS entered_on
    FROM entries
    GROUP BY register_code, national_id
),
last_value AS (
    -- two values on the same last day: the higher counts
    SELECT w.w, m.national_id, m.loinc, arg_max(m.value, (m.measured_on, m.value)) AS value
    FROM measurements m JOIN windows w ON m.measured_on BETWEEN w.start_3 AND w."end"
    GROUP BY w.w, m.national_id, m.loinc
),
target_count AS (SELECT register_code, count(*) AS n FROM targets GROUP BY register_code),
met AS (
    -- the windows in which every target of the register is met by its last value, as a
    -- bit mask by window number
    SELECT m.register_code, m.national_id, bit_or(CAST(1 AS BIGINT) << m.w) AS windows
    FROM (SELECT v.w, t.register_code, v.national_id, count(*) AS n
          FROM last_value v JOIN targets t ON t.loinc = v.loinc
          WHERE v.value < t.below
          GROUP BY v.w, t.register_code, v.national_id) m
    JOIN target_count c ON c.register_code = m.register_code AND c.n = m.n
    GROUP BY m.register_code, m.national_id
),
registered AS (
    -- one row a person and register with everything the windows ask of them
    SELECT e.*, COALESCE(v.mask, 0) AS seen_mask, COALESCE(m.windows, 0) AS met_mask
    FROM entry e
    LEFT JOIN seen v ON v.national_id = e.national_id
    LEFT JOIN met m ON m.register_code = e.register_code AND m.national_id = e.national_id
),
person AS (
    SELECT s.w, r.register_code, r.national_id, r.province_id, r.facility_id, r.entered_on,
           r.entered_on < s.start_3 AS in_cohort,
           (r.seen_mask & s.mask_12) <> 0 AS seen_12,
           (r.seen_mask & s.mask_3) <> 0 AS seen_3,
           (r.met_mask >> s.w) & 1 = 1 AS controlled
    FROM registered r JOIN spans s ON r.entered_on <= s."end"
)
"""

_COUNTS = """
       count(*) AS registered,
       count(*) FILTER (WHERE seen_12) AS under_care,
       count(*) FILTER (WHERE in_cohort) AS cohort,
       count(*) FILTER (WHERE in_cohort AND controlled) AS controlled,
       count(*) FILTER (WHERE in_cohort AND seen_3 AND NOT controlled) AS uncontrolled,
       count(*) FILTER (WHERE in_cohort AND NOT seen_3) AS no_visit_3m,
       count(*) FILTER (WHERE NOT seen_12) AS lost_to_follow_up
"""

CASCADE_SQL = (
    PERSON_SQL
    + "SELECT w, register_code, province_id, facility_id,"
    + _COUNTS
    + """FROM person
GROUP BY w, register_code, province_id, facility_id
ORDER BY w, register_code, province_id, facility_id
"""
)

# one family physician's panel: the people of ``panel`` (national_id) whatever facility
# registered them, one row per register
PANEL_CASCADE_SQL = (
    PERSON_SQL
    + "SELECT register_code,"
    + _COUNTS
    + """FROM person
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

# a bit mask holds 63 segments or windows; windows come in groups that bound fewer
WINDOWS_AT_ONCE = 20

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
    return run(CANDIDATES_SQL, {
        "claims": claims, "prescriptions": prescriptions, "register_dx": register_dx,
        "register_drugs": register_drugs, "existing": existing,
    })  # fmt: skip


def windows_table(windows: list[tuple[dt.date, dt.date, dt.date]]) -> pa.Table:
    """The ``windows`` input of the SQL: (start_12, start_3, end) numbered from 0."""
    return pa.table({
        "w": pa.array(range(len(windows)), pa.int64()),
        "start_12": pa.array([w[0] for w in windows], pa.date32()),
        "start_3": pa.array([w[1] for w in windows], pa.date32()),
        "end": pa.array([w[2] for w in windows], pa.date32()),
    })  # fmt: skip


def run(sql: str, tables: dict[str, pa.Table]) -> pa.Table:
    db = duckdb.connect()
    try:
        for name, table in tables.items():
            db.register(name, table)
        return db.sql(sql).to_arrow_table()
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
    found = cascade_windows(
        entries=entries, visits=visits, measurements=measurements, targets=targets,
        windows=[(start_12, start_3, end)],
    )  # fmt: skip
    return found.drop_columns(["w"])


def cascade_windows(
    *,
    entries: pa.Table,
    visits: pa.Table,
    measurements: pa.Table,
    targets: pa.Table,
    windows: list[tuple[dt.date, dt.date, dt.date]],
) -> pa.Table:
    """``cascade`` for each of ``windows`` (start_12, start_3, end) in one pass over the
    tables, its rows numbered by the window's position (``w``); the tables must cover the
    earliest start and the latest end."""
    parts = []
    for first in range(0, max(1, len(windows)), WINDOWS_AT_ONCE):
        group = windows[first : first + WINDOWS_AT_ONCE]
        found = run(CASCADE_SQL, {
            "entries": entries, "visits": visits, "measurements": measurements,
            "targets": targets, "windows": windows_table(group),
        })  # fmt: skip
        parts.append(found.set_column(0, "w", pc.add(found["w"], first)))
    return pa.concat_tables(parts)


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
        "windows": windows_table([(start_12, start_3, end)]),
    }
    return run(PANEL_CASCADE_SQL, tables)


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
        "windows": windows_table([(start_12, start_3, end)]),
    }
    return run(ACTION_SQL, tables)
