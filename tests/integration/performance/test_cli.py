"""`darman performance compute | targets import | scorecard | rank | weight` on the
hand-worked world."""

from __future__ import annotations

import pytest
from openpyxl import load_workbook
from typer.testing import CliRunner

from darman.cli.main import app
from darman.db.uow import UnitOfWork
from tests.integration.performance.world import build

WIDE = {"COLUMNS": "250"}


@pytest.fixture
def cli(session_factory, cli: CliRunner) -> CliRunner:
    with UnitOfWork(session_factory) as uow:
        build(uow.session)
        uow.commit()
    return cli


def test_compute_then_scorecard_and_rank_print_persian_tables(cli, tmp_path) -> None:
    done = cli.invoke(
        app, ["performance", "compute", "--period", "1405/07", "--months", "3"], env=WIDE
    )
    assert done.exit_code == 0, done.output
    assert "۱۴۰۵/۰۵" in done.output and "۱۴۰۵/۰۷" in done.output
    out = tmp_path / "card.xlsx"
    card = cli.invoke(
        app, ["performance", "scorecard", "--period", "1405/07", "--out", str(out)], env=WIDE
    )
    assert card.exit_code == 0, card.output
    assert "تهران" in card.output and "سبز" in card.output
    rows = list(load_workbook(out).active.iter_rows(values_only=True))
    assert rows[0][:3] == ("رتبه", "کد استان", "استان")
    tehran_delay = next(r for r in rows if r[1] == "08" and r[3].startswith("میانگین تأخیر"))
    assert tehran_delay[4] == 27.5
    ranked = cli.invoke(
        app, ["performance", "rank", "--period", "1405/07", "--sensitivity", "50"], env=WIDE
    )
    assert ranked.exit_code == 0, ranked.output
    assert "قم" in ranked.output and "رتبه‌بندی‌نشده" in ranked.output


def test_targets_import_names_the_bad_row_and_imports_a_good_file(cli, tmp_path) -> None:
    bad = tmp_path / "bad.csv"
    bad.write_text("indicator,province_code,period,value\nstockout_rate,19,1405/07,x\n")
    refused = cli.invoke(app, ["performance", "targets", "import", str(bad)], env=WIDE)
    assert refused.exit_code == 1
    good = tmp_path / "good.csv"
    good.write_text("indicator,province_code,period,value\nstockout_rate,19,1405/07,2\n")
    done = cli.invoke(app, ["performance", "targets", "import", str(good)], env=WIDE)
    assert done.exit_code == 0, done.output
    assert "۱ هدف تغییر کرد" in done.output


def test_ranking_before_computing_fails_without_a_traceback(cli) -> None:
    done = cli.invoke(app, ["performance", "rank", "--period", "1405/07"], env=WIDE)
    assert done.exit_code == 1
    assert "Traceback" not in done.output


def test_surveys_import_and_scores_print_the_count_and_too_few(
    cli, session_factory, tmp_path
) -> None:
    from sqlalchemy import select

    from darman.registry.models import Facility

    with UnitOfWork(session_factory) as uow:
        code = uow.session.scalar(select(Facility.code).order_by(Facility.id).limit(1))
    file = tmp_path / "s.csv"
    file.write_text(
        "respondent,instrument,facility_code,answered_on,overall\n"
        f"B1,inpatient,{code},1405/07/03,9\n"
    )
    done = cli.invoke(app, ["performance", "surveys", "import", str(file)], env=WIDE)
    assert done.exit_code == 0, done.output
    assert "۱ پاسخ تازه" in done.output
    shown = cli.invoke(app, ["performance", "surveys", "scores", "--period", "1405/07"], env=WIDE)
    assert shown.exit_code == 0, shown.output
    assert "پاسخ کم" in shown.output
