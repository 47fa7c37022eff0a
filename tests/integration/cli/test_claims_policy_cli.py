"""`darman claims policy`: set a dated parameter from the shell and read it back as a table."""

from __future__ import annotations

from sqlalchemy import select
from typer.testing import CliRunner

from darman.claims import policy
from darman.claims.models import PolicyParameter
from darman.cli.main import app
from darman.common.errors import InvalidInput
from darman.db.uow import UnitOfWork


def test_a_province_copay_and_deadline_set_from_the_shell_show_in_jalali(
    cli: CliRunner, session_factory
) -> None:
    wide = {"COLUMNS": "200"}
    copay = cli.invoke(
        app,
        [
            "claims",
            "policy",
            "copay",
            "--visit-type",
            "outpatient",
            "--ownership",
            "contracted",
            "--percent",
            "25",
            "--from",
            "۱۴۰۵/۰۱/۰۱",
            "--province",
            "19",
            "--note",
            "circular 12",
        ],
        env=wide,
    )
    assert copay.exit_code == 0, copay.output
    deadline = cli.invoke(
        app, ["claims", "policy", "deadline", "--days", "90", "--from", "1405/07/01"], env=wide
    )
    assert deadline.exit_code == 0, deadline.output
    rollout = cli.invoke(
        app,
        [
            "claims",
            "policy",
            "rollout",
            "--programme",
            "referral",
            "--province",
            "19",
            "--from",
            "1405/01/01",
        ],
        env=wide,
    )
    assert rollout.exit_code == 0, rollout.output
    bypass = cli.invoke(
        app, ["claims", "policy", "bypass", "--province", "19", "--percent", "60"], env=wide
    )
    assert bypass.exit_code == 0 and "۶۰٪" in bypass.output, bypass.output
    shown = cli.invoke(app, ["claims", "policy", "show"], env=wide)
    assert shown.exit_code == 0, shown.output
    rows = [line for line in shown.output.splitlines() if " ۲۵ " in line]
    assert len(rows) == 1 and "۱۴۰۵/۰۱/۰۱" in rows[0] and "سرپایی" in rows[0]
    # a period without an end says so, not the far date it is stored with
    assert "بدون پایان" in rows[0]
    assert any(" ۹۰ " in line and "۱۴۰۵/۰۷/۰۱" in line for line in shown.output.splitlines())
    # the national periods in force before any change run from the beginning
    assert "از ابتدا" in shown.output and "۱۲۷۸" not in shown.output and "۱۴۷۹" not in shown.output
    assert "نظام ارجاع" in shown.output
    with UnitOfWork(session_factory) as uow:
        rollouts = policy.list_rollouts(uow.session)
        assert [(r.programme, r.bypass_copay_percent) for r in rollouts] == [("referral", 60)]
    with UnitOfWork(session_factory) as uow:
        stored = uow.session.scalars(select(PolicyParameter).order_by(PolicyParameter.id)).all()
        assert [(p.parameter, p.value, p.note) for p in stored] == [
            ("copay_percent", 25, "circular 12"),
            ("filing_deadline_days", 90, ""),
        ]


def test_a_bad_date_on_the_command_line_names_the_option(cli: CliRunner) -> None:
    result = cli.invoke(
        app, ["claims", "policy", "deadline", "--days", "90", "--from", "1405/14/01"]
    )
    assert result.exit_code != 0
    assert isinstance(result.exception, InvalidInput)
    assert result.exception.problems[0].field == "--from"
