"""`darman population registers | cascade` on the hand-worked world, in Persian."""

from __future__ import annotations

import pytest
from typer.testing import CliRunner

from darman.cli.main import app
from darman.db.uow import UnitOfWork
from tests.integration.population.world import build

WIDE = {"COLUMNS": "250"}


@pytest.fixture
def cli(session_factory, cli: CliRunner) -> CliRunner:
    with UnitOfWork(session_factory) as uow:
        build(uow.session)
        uow.commit()
    return cli


def test_registers_then_cascade_print_persian_tables(cli) -> None:
    built = cli.invoke(app, ["population", "registers"], env=WIDE)
    assert built.exit_code == 0, built.output
    assert "۹ ورود تازه" in built.output  # htn 5 + 1, t2dm 1 + 2
    assert "فشار خون بالا" in built.output and "قم" in built.output
    shown = cli.invoke(app, ["population", "cascade", "--quarter", "1405Q2"], env=WIDE)
    assert shown.exit_code == 0, shown.output
    assert "آبشار مراقبت" in shown.output and "دیابت نوع ۲" in shown.output
    # Tehran's hypertension row: 4 registered, 3 under care, 3 in the cohort, 1 controlled,
    # 1 uncontrolled, 2 without a visit in 3 months, 1 lost to follow-up
    assert "│ ۴ " in shown.output and "│ ۲ " in shown.output


def test_a_malformed_quarter_fails_in_persian_without_a_traceback(cli) -> None:
    done = cli.invoke(app, ["population", "cascade", "--quarter", "1405/2"], env=WIDE)
    assert done.exit_code == 1
    assert "Traceback" not in done.output
    # the entry point (cli.main.run) prints the error's Persian detail naming the field
    assert "فصل" in str(done.exception) and done.exception.problems[0].field == "quarter"
