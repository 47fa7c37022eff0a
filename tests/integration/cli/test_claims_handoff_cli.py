"""darman claims export / adjudicate --input --output / import-decisions from the command line."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import select
from typer.testing import CliRunner

from darman.claims import service
from darman.claims.models import Claim, ClaimLine
from darman.claims.schemas import ClaimIn
from darman.cli.main import app
from darman.common.errors import InvalidInput
from darman.db.uow import UnitOfWork
from darman.security.principal import SYSTEM
from darman.synth import service as synth
from tests import factories as f
from tests.integration.claims.conftest import claim, tariff


def _pending_claim(session_factory) -> None:
    with UnitOfWork(session_factory) as uow:
        s = uow.session
        synth.seed(s, scale=0.0002, seed=9)
        f.lasting_filing_deadline(s)
        from darman.registry.models import Facility, Insured

        hospital = s.scalar(
            select(Facility)
            .where(Facility.ownership == "contracted", Facility.level == 2)
            .order_by(Facility.id)
        )
        person = s.scalar(select(Insured).order_by(Insured.id))
        world = {"hospital": hospital.code, "nid": person.national_id}
        body = claim(world, "cli-1", referral_ref=None)
        body["lines"][0]["unit_price_rials"] = tariff("100102") + 5_000  # D01 cuts 5,000
        service.submit(s, SYSTEM, claim=ClaimIn.model_validate(body))
        uow.commit()


def test_an_export_decided_from_files_is_imported_once(
    cli: CliRunner, session_factory, tmp_path: Path
) -> None:
    _pending_claim(session_factory)
    wide = {"COLUMNS": "200"}
    exported = cli.invoke(app, ["claims", "export", "--parquet", str(tmp_path / "in")], env=wide)
    assert exported.exit_code == 0, exported.output
    assert "lines" in exported.output and "جدول" in exported.output
    files = ["--input", str(tmp_path / "in"), "--output", str(tmp_path / "out")]
    decided = cli.invoke(app, ["claims", "adjudicate", "--engine", "duckdb", *files], env=wide)
    assert decided.exit_code == 0, decided.output
    assert "import-decisions" in decided.output
    with session_factory() as s:  # deciding the files leaves the database alone
        assert s.scalar(select(Claim.status)) == "submitted"

    imported = cli.invoke(app, ["claims", "import-decisions", str(tmp_path / "out")], env=wide)
    assert imported.exit_code == 0, imported.output
    with session_factory() as s:
        assert s.scalar(select(Claim.status)) == "adjudicated"
        assert s.execute(select(ClaimLine.outcome, ClaimLine.deducted_rials)).one() == (
            "partial",
            5_000,
        )
    again = cli.invoke(app, ["claims", "import-decisions", str(tmp_path / "out")], env=wide)
    assert again.exit_code == 0 and "۱ تصمیم" in again.output  # one skipped


def test_spark_without_an_export_is_refused_saying_what_to_give(cli: CliRunner) -> None:
    result = cli.invoke(app, ["claims", "adjudicate", "--engine", "spark"])
    assert result.exit_code != 0
    assert isinstance(result.exception, InvalidInput)
    assert "--input" in str(result.exception) and "--output" in str(result.exception)
