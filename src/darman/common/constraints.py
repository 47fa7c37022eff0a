"""Which fields a constraint the database enforced was about, read from the error the
driver raised: PostgreSQL's diagnostics (psycopg's public ``diag``: the key of a unique
violation, or the column of a NOT NULL one) and SQLite's message ("UNIQUE constraint
failed: table.column, ..."). The services check before they write; this names the field
when two requests pass that check at once and the database decides."""

from __future__ import annotations

import re

from sqlalchemy.exc import IntegrityError

_PG_KEY = re.compile(r"Key \(([^)]*)\)=")
_SQLITE = re.compile(r"(?:UNIQUE|NOT NULL|CHECK) constraint failed: (.+)")


def fields_of(exc: IntegrityError) -> list[str]:
    """The columns the refused constraint names, in its order; none when it names none
    (a foreign key, for instance)."""
    diag = getattr(exc.orig, "diag", None)
    if diag is not None:
        key = _PG_KEY.search(diag.message_detail or "")
        if key:
            return [c.strip().strip('"') for c in key.group(1).split(",")]
        return [diag.column_name] if diag.column_name else []
    found = _SQLITE.search(str(exc.orig))
    if not found:
        return []
    return [part.strip().rsplit(".", 1)[-1] for part in found.group(1).split(",")]
