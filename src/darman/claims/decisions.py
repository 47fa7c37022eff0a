"""Decisions written back to the system of record: the kernel's own (``write_decisions``,
the one write-back, and ``write_and_record``, which audits the run) and decisions made
elsewhere, over an export (``record_decisions``)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import duckdb
import pyarrow as pa
import pyarrow.compute as pc
from sqlalchemy import select, text
from sqlalchemy.orm import Session

from darman.audit import service as audit
from darman.claims import turn
from darman.claims.enums import ClaimStatus
from darman.claims.models import Claim, ClaimLine
from darman.common.errors import FieldProblem, InvalidInput
from darman.db import bulk
from darman.db.base import utcnow


@dataclass(frozen=True)
class AdjudicationRun:
    claims: int
    lines: int
    accepted: int
    partial: int
    rejected: int


def write_and_record(
    session: Session, actor: str, lines: pa.Table, decided: pa.Table, **noted: object
) -> AdjudicationRun:
    """Write ``decided`` back (``lines``: line_id and claim_id of every line in it) and
    record the run in the audit log, with ``noted`` beside its counts."""
    write_decisions(session, _with_claims(lines, decided))
    result = _run_counts(lines, decided)
    claim_ids = pc.min_max(lines["claim_id"]).as_py()
    audit.record(
        session,
        actor=actor,
        action="adjudicate",
        entity="claims",
        entity_id=f"{claim_ids['min']}..{claim_ids['max']}",
        after={**vars(result), **noted},
    )
    return result


_AMOUNTS = ("allowed", "copay", "insurer", "deducted")
DECISION_SCHEMA = pa.schema(
    [
        ("line_id", pa.int64()),
        ("claim_id", pa.int64()),
        *((amount, pa.int64()) for amount in _AMOUNTS),
        ("reasons", pa.string()),
        ("outcome", pa.string()),
    ]
)


def _with_claims(lines: pa.Table, decided: pa.Table) -> pa.Table:
    """The kernel's decisions with each line's claim, as DECISION_SCHEMA, in line_id order."""
    con = duckdb.connect()
    try:
        con.register("decided", decided)
        con.register("owners", lines.select(["line_id", "claim_id"]))
        cols = ", ".join(f"d.{name}" for name in DECISION_SCHEMA.names if name != "claim_id")
        table = con.sql(
            f"SELECT o.claim_id, {cols} FROM decided d JOIN owners o USING (line_id)"
            " ORDER BY d.line_id"
        ).to_arrow_table()
    finally:
        con.close()
    return table.select(DECISION_SCHEMA.names).cast(DECISION_SCHEMA)


@dataclass(frozen=True)
class RecordedDecisions:
    run: AdjudicationRun
    # decisions of lines no longer pending (decided since the export), left as they are
    skipped: int


def record_decisions(session: Session, *, actor: str, decided: pa.Table) -> RecordedDecisions:
    """Write back decisions the kernel made elsewhere (on Spark, over an export of
    ``pending_tables``), as ``adjudicate_pending`` writes its own, with the same audit entry.

    Exactly once: under the adjudication turn, only lines still pending are written; a
    decision of a line decided since (by a run here or an earlier import) is skipped and
    counted, so importing the same decisions twice changes nothing the second time and
    writes no second audit entry. A claim is written whole or not at all: InvalidInput,
    naming the claim and a line, when the decisions cover some of its lines only. Raises
    InvalidInput as well for a decisions table without the kernel's columns, a line
    decided twice, or an outcome the kernel does not give. The caller commits."""
    decided = _checked_decisions(decided)
    turn.take(session)
    session.flush()
    pending: Any = (
        select(ClaimLine.id, ClaimLine.claim_id)
        .join(Claim, Claim.id == ClaimLine.claim_id)
        .where(Claim.status == ClaimStatus.SUBMITTED.value)
    )
    owners = bulk.read_arrow(
        session.connection(),
        pending,
        pa.schema([("line_id", pa.int64()), ("claim_id", pa.int64())]),
    )
    decided_ids = decided["line_id"]
    # the pending claims the decisions touch, with every one of their lines
    touched = owners.filter(pc.is_in(owners["line_id"], value_set=decided_ids))["claim_id"]
    owners = owners.filter(pc.is_in(owners["claim_id"], value_set=touched))
    missing = owners.filter(pc.invert(pc.is_in(owners["line_id"], value_set=decided_ids)))
    if missing.num_rows:
        claim_id, line_id = missing["claim_id"][0].as_py(), missing["line_id"][0].as_py()
        raise InvalidInput(
            f"تصمیم‌ها بخشی از خطوط پرونده {claim_id} را دارند: خط {line_id} بی‌تصمیم است؛"
            " همه خطوط یک پرونده با هم ثبت می‌شوند",
            [FieldProblem("line_id", f"claim {claim_id}: line {line_id} has no decision")],
        )
    kept = decided.filter(pc.is_in(decided_ids, value_set=owners["line_id"]))
    skipped = decided.num_rows - kept.num_rows
    if kept.num_rows == 0:
        return RecordedDecisions(AdjudicationRun(0, 0, 0, 0, 0), skipped)
    result = write_and_record(session, actor, owners, kept, imported=True, skipped=skipped)
    return RecordedDecisions(result, skipped)


OUTCOMES = ("accepted", "partial", "rejected")


# what the kernel gives of each line, as an engine elsewhere writes it (``handoff``)
KERNEL_DECISIONS = pa.schema(
    [
        ("line_id", pa.int64()),
        ("asked", pa.int64()),
        *((amount, pa.int64()) for amount in _AMOUNTS),
        ("reasons", pa.string()),
        ("outcome", pa.string()),
    ]
)


def _checked_decisions(decided: pa.Table) -> pa.Table:
    """The decisions in KERNEL_DECISIONS, or InvalidInput naming the column or line at fault."""
    absent = [name for name in KERNEL_DECISIONS.names if name not in decided.column_names]
    if absent:
        raise InvalidInput(
            f"جدول تصمیم‌ها ستون {', '.join(absent)} را ندارد",
            [FieldProblem(name, "missing column") for name in absent],
        )
    try:
        decided = decided.select(KERNEL_DECISIONS.names).cast(KERNEL_DECISIONS)
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError) as exc:
        raise InvalidInput(
            "ستون‌های جدول تصمیم‌ها نوع درست ندارند", [FieldProblem(None, str(exc))]
        ) from None
    if decided["line_id"].null_count or pc.count_distinct(decided["line_id"]).as_py() != (
        decided.num_rows
    ):
        raise InvalidInput(
            "هر خط باید یک و فقط یک تصمیم داشته باشد",
            [FieldProblem("line_id", "a line id is empty or decided twice")],
        )
    odd = decided.filter(
        pc.invert(pc.fill_null(pc.is_in(decided["outcome"], value_set=pa.array(OUTCOMES)), False))
    )
    if odd.num_rows:
        line_id = odd["line_id"][0].as_py()
        raise InvalidInput(
            f"نتیجه خط {line_id} نامعتبر است",
            [FieldProblem("outcome", f"line {line_id}: {odd['outcome'][0].as_py()!r}")],
        )
    return decided


def _run_counts(lines: pa.Table, decided: pa.Table) -> AdjudicationRun:
    counts = {v["values"]: v["counts"] for v in pc.value_counts(decided["outcome"]).to_pylist()}
    return AdjudicationRun(
        claims=pc.count_distinct(lines["claim_id"]).as_py(),
        lines=decided.num_rows,
        accepted=counts.get("accepted", 0),
        partial=counts.get("partial", 0),
        rejected=counts.get("rejected", 0),
    )


def write_decisions(session: Session, decisions: pa.Table) -> int:
    """Write decided lines back to the system of record, set-based, in the caller's
    transaction; returns the number of lines written.

    ``decisions`` has DECISION_SCHEMA's columns (line_id, claim_id, the four amounts in
    rials, reasons as ';'-joined codes, outcome) and covers every line of each claim in it:
    each claim's totals are summed from its lines here. Only lines still pending and claims
    still submitted are written, so writing the same decisions twice changes nothing.
    Whoever decided the lines holds the adjudication turn (``turn.take``) and records the
    audit entry. Results go to temporary tables in bulk (COPY on PostgreSQL), then one
    UPDATE ... FROM of the lines and one of their claims."""
    if decisions.num_rows == 0:
        return 0
    decisions = decisions.select(DECISION_SCHEMA.names)
    totals = _claim_totals(decisions)
    conn = session.connection()
    pg = conn.dialect.name == "postgresql"
    # on SQLite an INTEGER PRIMARY KEY is the rowid: rows arrive in line_id order and the
    # UPDATE looks them up without a second index; PostgreSQL hash-joins an analysed heap
    key = "BIGINT" if pg else "INTEGER PRIMARY KEY"
    conn.execute(
        text(
            f"CREATE TEMPORARY TABLE IF NOT EXISTS adj_result (line_id {key},"
            " allowed BIGINT, copay BIGINT, insurer BIGINT, deducted BIGINT,"
            " reasons VARCHAR(64), outcome VARCHAR(16))"
        )
    )
    conn.execute(
        text(
            f"CREATE TEMPORARY TABLE IF NOT EXISTS adj_claims (claim_id {key},"
            " allowed BIGINT, copay BIGINT, insurer BIGINT, deducted BIGINT)"
        )
    )
    clear = (
        ["TRUNCATE adj_result, adj_claims"]
        if pg
        else ["DELETE FROM adj_result", "DELETE FROM adj_claims"]
    )
    for statement in clear:
        conn.execute(text(statement))
    bulk.load_arrow(conn, "adj_result", decisions.drop_columns(["claim_id"]))
    bulk.load_arrow(conn, "adj_claims", totals)
    if pg:
        conn.execute(text("ANALYZE adj_result"))
        conn.execute(text("ANALYZE adj_claims"))
    submitted = ClaimStatus.SUBMITTED.value
    written = conn.execute(
        text(
            "UPDATE claim_lines SET allowed_rials = r.allowed, copay_rials = r.copay,"
            " insurer_rials = r.insurer, deducted_rials = r.deducted, reasons = r.reasons,"
            " outcome = r.outcome FROM adj_result r"
            " WHERE claim_lines.id = r.line_id AND claim_lines.outcome = 'pending'"
        )
    ).rowcount
    conn.execute(
        text(
            "UPDATE claims SET allowed_rials = t.allowed, copay_rials = t.copay,"
            " insurer_rials = t.insurer, deducted_rials = t.deducted, status = :adjudicated,"
            " adjudicated_at = :now FROM adj_claims t"
            " WHERE claims.id = t.claim_id AND claims.status = :submitted"
        ),
        {"adjudicated": ClaimStatus.ADJUDICATED.value, "now": utcnow(), "submitted": submitted},
    )
    for statement in clear:
        conn.execute(text(statement))
    return int(written)


def _claim_totals(decisions: pa.Table) -> pa.Table:
    """Each claim's totals summed from its decided lines in DuckDB (the claim_lines rows the
    database would re-aggregate hold exactly these values); a total beyond BIGINT is an error,
    as it would be in the database."""
    con = duckdb.connect()
    try:
        con.register("decided", decisions.select(["claim_id", *_AMOUNTS]))
        sums = ", ".join(f"CAST(SUM({a}) AS BIGINT) AS {a}" for a in _AMOUNTS)
        return con.sql(
            f"SELECT claim_id, {sums} FROM decided GROUP BY claim_id ORDER BY claim_id"
        ).to_arrow_table()
    finally:
        con.close()
