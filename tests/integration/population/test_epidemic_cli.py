"""`darman population epidemic statement | correct | cost` on the hand-worked cohort."""

from __future__ import annotations

import pytest
from openpyxl import load_workbook
from sqlalchemy import update
from typer.testing import CliRunner

from darman.claims.models import ClaimLine
from darman.cli.main import app
from darman.db.uow import UnitOfWork
from tests.integration.population.epidemic_world import build

WIDE = {"COLUMNS": "250"}


@pytest.fixture
def world(session_factory, cli: CliRunner):
    with UnitOfWork(session_factory) as uow:
        w = build(uow.session)
        uow.commit()
    return w


def test_a_statement_is_issued_saved_reissued_and_corrected(
    cli, world, session_factory, tmp_path
) -> None:
    out = tmp_path / "s.xlsx"
    args = ["population", "epidemic", "statement", "--month", "1404/02", "--out", str(out)]
    done = cli.invoke(app, args, env=WIDE)
    assert done.exit_code == 0, done.output
    assert "COVID۱۹-۰۰۰۰۱" in done.output and "۲۱٬۳۳۰ ریال" in done.output
    assert load_workbook(out).sheetnames == ["صورت‌حساب همه‌گیری"]
    again = cli.invoke(app, args[:-2], env=WIDE)
    assert again.exit_code == 0 and "پیش‌تر با همین ارقام" in again.output
    with UnitOfWork(session_factory) as uow:
        uow.session.execute(
            update(ClaimLine).where(ClaimLine.claim_id == world.claims["a3"])
            .values(allowed_rials=1_000, insurer_rials=900)
        )  # fmt: skip
        uow.commit()
    fixed = cli.invoke(app, ["population", "epidemic", "correct", "1", "--reason", "بازبینی"],
                       env=WIDE)  # fmt: skip
    assert fixed.exit_code == 0, fixed.output
    assert "COVID۱۹-۰۰۰۰۲" in fixed.output and "۲۰٬۴۳۰ ریال" in fixed.output


def test_the_cost_table_and_a_malformed_month(cli, world) -> None:
    shown = cli.invoke(app, ["population", "epidemic", "cost"], env=WIDE)
    assert shown.exit_code == 0, shown.output
    # all provinces, both ownerships: 4 admissions, median 8,850, p90 12,800
    assert "همه‌ی استان‌ها" in shown.output and "۸٬۸۵۰" in shown.output and "۱۲٬۸۰۰" in shown.output
    bad = cli.invoke(app, ["population", "epidemic", "statement", "--month", "1404/13"], env=WIDE)
    assert bad.exit_code == 1 and "Traceback" not in bad.output
    assert bad.exception.problems[0].field == "month"
