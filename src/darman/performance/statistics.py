"""Fresh planner statistics after the performance domain's bulk loads (a span of computed
facts replaced, a file of survey responses imported): the scorecard, the ranking and the
next compute read those tables at once, before the database's own background statistics
would catch up, and a plan made on a table thought empty or a tenth of its size picks
nested loops over what is now hundreds of thousands of rows. ``ANALYZE table`` is the same
statement on SQLite and PostgreSQL; on PostgreSQL it samples, so it costs little, and it
runs inside the caller's transaction on both."""

from __future__ import annotations

from sqlalchemy.orm import Session

# Below this many rows written a load cannot move the statistics enough to change a plan,
# and one survey response entered on a form should not pay for a scan of the table.
ANALYZE_AFTER_ROWS = 1_000


def refresh(session: Session, table: str, *, rows: int) -> bool:
    """ANALYZE the table named ``table`` when ``rows`` rows were just written to it;
    answers whether it ran."""
    if rows < ANALYZE_AFTER_ROWS:
        return False
    conn = session.connection()
    conn.exec_driver_sql(f"ANALYZE {conn.dialect.identifier_preparer.quote(table)}")
    return True
