"""`darman referrals rollout|indicators|unenrolled|overdue` print Rich tables."""

from __future__ import annotations

import datetime as dt

import pytest
from typer.testing import CliRunner

from darman.cli.main import app
from darman.common.jalali import fiscal_year
from darman.common.persian import to_persian_digits as fa
from darman.db.uow import UnitOfWork
from darman.referrals import panels, service
from tests.integration.referrals.world import TODAY, referral


@pytest.fixture
def cli(world, cli: CliRunner) -> CliRunner:
    """The CLI on a database holding ``world``."""
    return cli


def test_the_rollout_is_seeded_set_and_shown_with_jalali_dates(cli, world) -> None:
    seeded = cli.invoke(app, ["referrals", "rollout", "--seed"], env={"COLUMNS": "200"})
    assert seeded.exit_code == 0, seeded.output
    assert "البرز" in seeded.output and "تهران" in seeded.output and "۱۴۰۵/۰۱/۰۱" in seeded.output
    moved = cli.invoke(
        app, ["referrals", "rollout", "--province", "01", "--phase", "2", "--from", "1406/01/01"],
        env={"COLUMNS": "200"},
    )  # fmt: skip
    assert moved.exit_code == 0, moved.output
    assert "۱۴۰۶/۰۱/۰۱" in moved.output
    bad = cli.invoke(
        app, ["referrals", "rollout", "--province", "01", "--phase", "3", "--from", "1406/01/01"]
    )
    assert bad.exit_code == 1  # run() prints the problem; the runner keeps the exception
    assert [p.field for p in bad.exception.problems] == ["phase"]


def test_unenrolled_overdue_and_indicators_print_tables(cli, world, session_factory) -> None:
    with UnitOfWork(session_factory) as uow:
        panels.enrol(uow.session, world.who["doc"], national_id=world.nids[0])
        service.issue(
            uow.session, world.who["doc"], data=referral(world.nids[0], world.hospital),
            on=TODAY - dt.timedelta(days=30),
        )  # fmt: skip
        uow.commit()
    wide = {"COLUMNS": "200"}
    listed = cli.invoke(app, ["referrals", "unenrolled", "--province", "08"], env=wide)
    assert listed.exit_code == 0, listed.output
    assert fa(world.nids[1]) in listed.output and fa(world.nids[0]) not in listed.output
    late = cli.invoke(app, ["referrals", "overdue"], env=wide)
    assert late.exit_code == 0, late.output
    assert "RF" in late.output and "۱۶" in late.output
    year = str(fiscal_year(TODAY))
    shown = cli.invoke(
        app, ["referrals", "indicators", "--year", year, "--province", "08"], env=wide
    )
    assert shown.exit_code == 0, shown.output
    assert "تهران" in shown.output


def test_the_referral_periods_are_set_and_shown(cli, world) -> None:
    wide = {"COLUMNS": "200"}
    args = ["referrals", "periods", "--kind", "valid_days", "--days", "45", "--from", "1405/01/01"]
    done = cli.invoke(app, args, env=wide)
    assert done.exit_code == 0, done.output
    assert "۴۵" in done.output and "۱۴۰۵/۰۱/۰۱" in done.output and "۱۴" in done.output
    shown = cli.invoke(app, ["referrals", "periods"], env=wide)
    assert "۴۵" in shown.output
    bad = cli.invoke(app, ["referrals", "periods", "--kind", "weeks", "--days", "3"])
    assert bad.exit_code == 1
    assert [p.field for p in bad.exception.problems] == ["--kind"]
