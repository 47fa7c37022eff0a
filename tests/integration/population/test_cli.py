"""`darman population registers | cascade` on the hand-worked world, in Persian."""

from __future__ import annotations

import pytest
from typer.testing import CliRunner

from darman.cli.main import app
from darman.common.persian import to_persian_digits
from darman.db.uow import UnitOfWork
from tests.integration.population.elderly_world import ElderlyWorld
from tests.integration.population.elderly_world import build as build_elderly
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


@pytest.fixture
def elderly_cli(session_factory, cli: CliRunner) -> tuple[CliRunner, ElderlyWorld]:
    with UnitOfWork(session_factory) as uow:
        world = build_elderly(uow.session)
        uow.commit()
    return cli, world


def test_due_prints_the_physician_s_elderly_with_screenings_due_in_persian(
    elderly_cli: tuple[CliRunner, ElderlyWorld],
) -> None:
    cli, world = elderly_cli
    done = cli.invoke(
        app, ["population", "due", "--physician", "PC700", "--on", "1405/06/31"], env=WIDE
    )
    assert done.exit_code == 0, done.output
    assert "۴ نفر ۶۰ ساله و بیشتر" in done.output and "۳ نفر با مراقبت" in done.output
    shown = [to_persian_digits(world.people[k]) for k in ("e70", "e64", "e60")]
    # oldest first, with Persian digits; e65 (nothing due) and e59 (59) are not listed
    assert [done.output.index(n) for n in shown] == sorted(done.output.index(n) for n in shown)
    for key in ("e65", "e59"):
        assert to_persian_digits(world.people[key]) not in done.output
    assert "ماموگرافی" in done.output and "ارزیابی خطر سقوط" in done.output
    assert "│ ۷۰ " in done.output and "هرگز" in done.output


def test_due_for_an_unknown_physician_or_day_fails_in_persian(
    elderly_cli: tuple[CliRunner, ElderlyWorld],
) -> None:
    cli, _ = elderly_cli
    bad_day = cli.invoke(app, ["population", "due", "--physician", "PC700", "--on", "1405/13/01"])
    assert bad_day.exit_code == 1 and "Traceback" not in bad_day.output
    assert bad_day.exception.problems[0].field == "on"
    unknown = cli.invoke(app, ["population", "due", "--physician", "PC999"])
    assert unknown.exit_code == 1 and "Traceback" not in unknown.output
    assert "شماره‌ی نظام «PC999»" in str(unknown.exception)
