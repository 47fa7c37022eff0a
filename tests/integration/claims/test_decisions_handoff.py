"""Exporting the pending lines as Parquet and importing decisions made over them (on Spark
in production; on DuckDB over the same files here, the Spark run itself being held by
tests/unit/claims/test_spark_kernel.py): on both databases, exactly once, audited."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pyarrow as pa
import pytest
from sqlalchemy import func, select

from darman.audit.models import AuditEntry
from darman.claims import decisions, engine, handoff, service
from darman.claims.models import Claim, ClaimLine
from darman.claims.schemas import ClaimIn
from darman.common.errors import InvalidInput
from darman.db.uow import UnitOfWork
from darman.referrals.reading import claims_register
from darman.security.principal import SYSTEM
from tests.integration.claims.conftest import claim, tariff


def _three_lines(world: dict[str, Any], doc: str) -> dict[str, Any]:
    """A claim of three lines: over the tariff by 70,000 (D01), clean, unknown code (R01)."""
    price = tariff("100102")
    body = claim(world, doc, referral_ref=None)
    line = {"item_type": "service", "code": "100102", "quantity": 1}
    body["lines"] = [
        {**line, "service_date": "1405/07/01", "unit_price_rials": price + 70_000},
        {**line, "service_date": "1405/07/02", "unit_price_rials": price},
        {**line, "code": "999999", "service_date": "1405/07/02", "unit_price_rials": 10**6},
    ]
    return body


def _submit(session_factory, *bodies: dict[str, Any]) -> list[int]:
    with UnitOfWork(session_factory) as uow:
        ids = [
            service.submit(uow.session, SYSTEM, claim=ClaimIn.model_validate(b)).claim_id
            for b in bodies
        ]
        uow.commit()
    return [i for i in ids if i is not None]


def _export_and_decide(session_factory, tmp_path: Path) -> Path:
    """Export what is pending, decide the files on DuckDB, return the decisions' folder."""
    with UnitOfWork(session_factory) as uow:
        counts = handoff.export_pending(
            uow.session, actor="tester", referrals=claims_register(), directory=tmp_path / "in"
        )
        uow.commit()
    assert counts is not None
    handoff.write_decisions(engine.run(handoff.read_inputs(tmp_path / "in")), tmp_path / "out")
    return tmp_path / "out"


def _import(session_factory, directory: Path) -> decisions.RecordedDecisions:
    with UnitOfWork(session_factory) as uow:
        recorded = handoff.import_decisions(uow.session, actor="tester", directory=directory)
        uow.commit()
    return recorded


def _lines(session_factory) -> list[tuple[Any, ...]]:
    with session_factory() as s:
        rows = s.execute(
            select(
                ClaimLine.claim_id,
                ClaimLine.outcome,
                ClaimLine.reasons,
                ClaimLine.allowed_rials,
                ClaimLine.deducted_rials,
            ).order_by(ClaimLine.id)
        )
        return [tuple(r) for r in rows]


def test_decisions_made_over_an_export_are_written_back_once_and_audited(
    world: dict[str, Any], session_factory, tmp_path: Path
) -> None:
    price = tariff("100102")
    (claim_id,) = _submit(session_factory, _three_lines(world, "h-1"))
    out = _export_and_decide(session_factory, tmp_path)
    # the export changes nothing: the claim is still pending until the decisions come back
    with session_factory() as s:
        assert s.scalar(select(Claim.status)) == "submitted"

    first = _import(session_factory, out)
    assert (first.run.claims, first.run.lines, first.skipped) == (1, 3, 0)
    assert (first.run.accepted, first.run.partial, first.run.rejected) == (1, 1, 1)
    assert _lines(session_factory) == [
        (claim_id, "partial", "D01", price, 70_000),
        (claim_id, "accepted", "", price, 0),
        (claim_id, "rejected", "R01", 0, 10**6),
    ]
    with session_factory() as s:
        status, allowed, deducted = s.execute(
            select(Claim.status, Claim.allowed_rials, Claim.deducted_rials)
        ).one()
        assert (status, allowed, deducted) == ("adjudicated", 2 * price, 70_000 + 10**6)

    again = _import(session_factory, out)
    assert (again.run.lines, again.skipped) == (0, 3)
    with session_factory() as s:
        actions = s.scalars(select(AuditEntry.action).order_by(AuditEntry.seq)).all()
        entry = s.scalar(select(AuditEntry).where(AuditEntry.action == "adjudicate"))
    assert actions.count("export") == 1 and actions.count("adjudicate") == 1
    assert entry is not None and entry.after is not None and entry.after["imported"] is True


def test_an_import_writes_what_adjudicating_in_the_database_would(
    world: dict[str, Any], session_factory, tmp_path: Path
) -> None:
    second = _three_lines(world, "h-3")
    for line in second["lines"]:
        line["service_date"] = "1405/07/20"
    _submit(session_factory, _three_lines(world, "h-2"), second)
    out = _export_and_decide(session_factory, tmp_path)
    with UnitOfWork(session_factory) as uow:
        service.adjudicate_pending(uow.session, referrals=claims_register(), actor="tester")
        here = _lines_in(uow)
        # left without commit: the claims are pending again for the import
    _import(session_factory, out)
    assert _lines(session_factory) == here


def _lines_in(uow: UnitOfWork) -> list[tuple[Any, ...]]:
    rows = uow.session.execute(
        select(
            ClaimLine.claim_id,
            ClaimLine.outcome,
            ClaimLine.reasons,
            ClaimLine.allowed_rials,
            ClaimLine.deducted_rials,
        ).order_by(ClaimLine.id)
    )
    return [tuple(r) for r in rows]


def test_lines_decided_since_the_export_are_skipped_and_keep_their_decision(
    world: dict[str, Any], session_factory, tmp_path: Path
) -> None:
    _submit(session_factory, _three_lines(world, "h-4"))
    out = _export_and_decide(session_factory, tmp_path)
    with UnitOfWork(session_factory) as uow:
        service.adjudicate_pending(uow.session, referrals=claims_register(), actor="tester")
        uow.commit()
    before = _lines(session_factory)
    recorded = _import(session_factory, out)
    assert (recorded.run.lines, recorded.skipped) == (0, 3)
    assert _lines(session_factory) == before
    with session_factory() as s:
        assert s.scalar(select(func.count()).where(AuditEntry.action == "adjudicate")) == 1


def test_decisions_covering_part_of_a_claim_are_refused_naming_the_claim_and_line(
    world: dict[str, Any], session_factory, tmp_path: Path
) -> None:
    (claim_id,) = _submit(session_factory, _three_lines(world, "h-5"))
    out = _export_and_decide(session_factory, tmp_path)
    decided = handoff.read_decisions(out)
    handoff.write_decisions(decided.slice(0, 2), tmp_path / "part")
    last_line = decided["line_id"][2].as_py()
    with pytest.raises(InvalidInput) as refused:
        _import(session_factory, tmp_path / "part")
    assert f"claim {claim_id}: line {last_line}" in str(refused.value)
    with session_factory() as s:
        assert s.scalar(select(Claim.status)) == "submitted"


def test_a_decisions_table_without_the_kernels_columns_is_refused_naming_them(
    world: dict[str, Any], session_factory, tmp_path: Path
) -> None:
    handoff.write_decisions(pa.table({"line_id": [1], "outcome": ["accepted"]}), tmp_path / "d")
    with pytest.raises(InvalidInput) as refused:
        _import(session_factory, tmp_path / "d")
    assert "allowed" in str(refused.value) and "reasons" in str(refused.value)


def test_an_export_refuses_a_folder_that_is_not_empty(
    world: dict[str, Any], session_factory, tmp_path: Path
) -> None:
    _submit(session_factory, _three_lines(world, "h-6"))
    (tmp_path / "in").mkdir()
    (tmp_path / "in" / "old.parquet").write_bytes(b"")
    with UnitOfWork(session_factory) as uow, pytest.raises(InvalidInput):
        handoff.export_pending(
            uow.session, actor="tester", referrals=claims_register(), directory=tmp_path / "in"
        )
