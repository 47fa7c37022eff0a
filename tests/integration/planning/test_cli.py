"""`darman plan facts|equity|deprivation|allocate|levelling` print tables and write files."""

from __future__ import annotations

import pytest
from openpyxl import load_workbook
from typer.testing import CliRunner

from darman.cli.main import app
from darman.db.uow import UnitOfWork
from darman.planning import scenario
from tests.integration.planning.world import build

WIDE = {"COLUMNS": "220"}


@pytest.fixture
def cli(session_factory, cli: CliRunner) -> CliRunner:
    """The CLI on a database holding the built data."""
    with UnitOfWork(session_factory) as uow:
        build(uow.session)
        uow.commit()
    return cli


def test_equity_prints_indices_and_writes_excel(cli, tmp_path) -> None:
    out = tmp_path / "icu.xlsx"
    done = cli.invoke(app, ["plan", "equity", "--out", str(out)], env=WIDE)
    assert done.exit_code == 0, done.output
    assert "قم" in done.output and "ضریب جینی" in done.output and "بدون تهران" in done.output
    sheet = load_workbook(out).active
    assert sheet["C2"].value == "قم"  # rank 1: the fewest intensive-care beds per person
    bad = cli.invoke(app, ["plan", "equity", "--out", str(tmp_path / "x.pdf")])
    assert bad.exit_code == 1


def test_allocate_the_shipped_or_a_given_scenario(cli, tmp_path) -> None:
    done = cli.invoke(app, ["plan", "allocate", "--sensitivity", "2"], env=WIDE)
    assert done.exit_code == 0, done.output
    assert "بهینه" in done.output and "تخت مراقبت ویژه" in done.output
    assert "پایداری" in done.output
    mine = tmp_path / "s.toml"
    # five intensive-care beds that need no new staff (say, staffed by a planned transfer)
    text = scenario.shipped_text().replace("units = 50\n", "units = 5\n")
    text = text.replace("staff_per_unit = { nurses = 2.0, physicians = 0.5 }\n", "")
    mine.write_text(text, "utf-8")
    small = cli.invoke(app, ["plan", "allocate", str(mine)], env=WIDE)
    assert small.exit_code == 0, small.output
    assert "۵ از ۵ واحد" in small.output
    broken = tmp_path / "broken.toml"
    broken.write_text('name = "x"\nyear = = 1404\n', "utf-8")
    failed = cli.invoke(app, ["plan", "allocate", str(broken)])
    assert failed.exit_code == 1
    assert "line" in failed.exception.problems[0].reason


def test_levelling_deprivation_and_facts(cli, tmp_path) -> None:
    out = tmp_path / "gaps.csv"
    done = cli.invoke(app, ["plan", "levelling", "--province", "19", "--out", str(out)], env=WIDE)
    assert done.exit_code == 0, done.output
    assert "ام‌آر‌آی" in done.output and "ساخت مرکز تازه" in out.read_text("utf-8-sig")
    ranked = cli.invoke(app, ["plan", "deprivation"], env=WIDE)
    assert ranked.exit_code == 0 and "قم" in ranked.output
    facts = cli.invoke(app, ["plan", "facts"], env=WIDE)
    assert facts.exit_code == 0 and "قم" in facts.output
