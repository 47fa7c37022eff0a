"""`darman procure quantify|award|stockouts|suppliers|plan` print tables and write files."""

from __future__ import annotations

import pytest
from openpyxl import load_workbook
from typer.testing import CliRunner

from darman.cli.main import app
from darman.db.uow import UnitOfWork
from tests.integration.procurement.world import build

WIDE = {"COLUMNS": "220"}


@pytest.fixture
def cli(session_factory, cli: CliRunner) -> CliRunner:
    """The CLI on a database holding the built data."""
    with UnitOfWork(session_factory) as uow:
        build(uow.session)
        uow.commit()
    return cli


def test_quantify_prints_and_writes_excel(cli, tmp_path) -> None:
    out = tmp_path / "q.xlsx"
    done = cli.invoke(
        app, ["procure", "quantify", "--level", "facility", "--out", str(out)], env=WIDE
    )
    assert done.exit_code == 0, done.output
    assert "کالای X۰۰۱" in done.output and "ناموجود" in done.output
    rows = list(load_workbook(out).active.iter_rows(values_only=True))
    assert rows[0][0] == "کد مرکز" and len(rows) == 1 + 8
    sheet = load_workbook(out).active
    assert sheet.title == "برآورد نیاز" and sheet.sheet_view.rightToLeft is True
    assert sheet.freeze_panes == "A2"
    numbers = [c for row in sheet.iter_rows(min_row=2) for c in row if isinstance(c.value, int)]
    assert numbers and all(c.number_format in ("#,##0", "#,##0.00") for c in numbers)


def test_award_evaluates_then_stores_once(cli) -> None:
    shown = cli.invoke(app, ["procure", "award", "NT-T1"], env=WIDE)
    assert shown.exit_code == 0, shown.output
    assert "بهینه" in shown.output and "صرفه" in shown.output
    stored = cli.invoke(app, ["procure", "award", "NT-T1", "--store"], env=WIDE)
    assert stored.exit_code == 0 and "تخصیص ثبت شد" in stored.output
    again = cli.invoke(app, ["procure", "award", "NT-T1", "--store"], env=WIDE)
    assert again.exit_code == 1


def test_stockouts_suppliers_and_plan(cli) -> None:
    out = cli.invoke(app, ["procure", "stockouts"], env=WIDE)
    assert out.exit_code == 0 and "قم" in out.output
    sup = cli.invoke(app, ["procure", "suppliers"], env=WIDE)
    assert sup.exit_code == 0 and "واسطه" in sup.output
    plan = cli.invoke(app, ["procure", "plan"], env=WIDE)
    assert plan.exit_code == 0 and "T۱۱" in plan.output and "SP-T" in plan.output
