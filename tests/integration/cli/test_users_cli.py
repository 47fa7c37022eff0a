"""`darman users disable` and `enable`: audited, idempotent, and never the last active
administrator."""

from __future__ import annotations

import pytest
from sqlalchemy import select
from typer.testing import CliRunner

from darman.audit.models import AuditEntry
from darman.cli.main import app
from darman.security.exceptions import LastActiveAdmin

WIDE = {"COLUMNS": "200"}


def _create(cli: CliRunner, username: str, role: str = "admin") -> None:
    made = cli.invoke(
        app, ["users", "create", username, "--role", role], input="s3cret-pass\ns3cret-pass\n"
    )
    assert made.exit_code == 0, made.output


def _user_changes(session_factory) -> list[tuple[str, str, str]]:
    with session_factory() as s:
        rows = s.scalars(
            select(AuditEntry)
            .where(AuditEntry.entity == "user", AuditEntry.action.in_(["disable", "enable"]))
            .order_by(AuditEntry.seq)
        ).all()
        return [(e.actor, e.action, e.after["username"]) for e in rows]


def test_the_last_active_admin_is_not_disabled_from_the_command_line(
    cli: CliRunner, session_factory, monkeypatch, capsys
) -> None:
    _create(cli, "chief")
    refused = cli.invoke(app, ["users", "disable", "chief"])
    assert refused.exit_code != 0
    assert isinstance(refused.exception, LastActiveAdmin)
    # the installed entry point prints the Persian reason and exits 1
    from darman.cli.main import run

    monkeypatch.setattr("sys.argv", ["darman", "users", "disable", "chief"])
    with pytest.raises(SystemExit) as stop:
        run()
    assert stop.value.code == 1
    err = capsys.readouterr().err
    assert "«chief» تنها مدیر فعال سامانه است" in err and "username" in err
    assert "بله" in cli.invoke(app, ["users", "list"], env=WIDE).output
    assert _user_changes(session_factory) == []


def test_a_user_is_disabled_and_enabled_again_once_each_from_the_command_line(
    cli: CliRunner, session_factory
) -> None:
    _create(cli, "chief")
    _create(cli, "deputy")
    for _ in range(2):  # a repeat changes nothing and says the same
        done = cli.invoke(app, ["users", "disable", "deputy"])
        assert done.exit_code == 0, done.output
        assert "کاربر deputy غیرفعال شد" in done.output
    # with the deputy disabled, the chief is the last active admin
    assert isinstance(cli.invoke(app, ["users", "disable", "chief"]).exception, LastActiveAdmin)
    for _ in range(2):
        done = cli.invoke(app, ["users", "enable", "deputy"])
        assert done.exit_code == 0, done.output
        assert "کاربر deputy دوباره فعال شد" in done.output
    # two admins again: either may now be disabled
    assert cli.invoke(app, ["users", "disable", "chief"]).exit_code == 0
    assert _user_changes(session_factory) == [
        ("cli", "disable", "deputy"),
        ("cli", "enable", "deputy"),
        ("cli", "disable", "chief"),
    ]


def test_enabling_someone_unknown_names_them(cli: CliRunner) -> None:
    result = cli.invoke(app, ["users", "enable", "nobody"])
    assert result.exit_code != 0
    assert "کاربری با نام «nobody» نیست" in str(result.exception)
