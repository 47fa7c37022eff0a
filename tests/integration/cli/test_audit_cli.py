"""``darman audit checkpoint`` and ``darman audit verify --checkpoint``: the head of the
log signed into a file kept outside the database, and the log checked against it."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from sqlalchemy import text
from typer.testing import CliRunner

from darman.cli.main import app, run
from darman.settings import get_settings
from tests.integration.audit.tampering import as_owner


def _three_users(cli: CliRunner) -> None:
    for name in ("c1", "c2", "c3"):
        made = cli.invoke(
            app, ["users", "create", name, "--role", "auditor"], input="pass-word-1\npass-word-1\n"
        )
        assert made.exit_code == 0, made.output


def test_a_checkpoint_file_names_the_first_entry_cut_from_the_end(
    cli: CliRunner, engine, tmp_path: Path
) -> None:
    _three_users(cli)
    kept = tmp_path / "audit.checkpoints"
    taken = cli.invoke(app, ["audit", "checkpoint", "--out", str(kept)], env={"COLUMNS": "200"})
    assert taken.exit_code == 0, taken.output
    assert "نقطه‌ی وارسی ۳ ورودی" in taken.output and "ورودی‌ها" in taken.output
    assert json.loads(kept.read_text(encoding="utf-8"))["entries"] == 3
    intact = cli.invoke(app, ["audit", "verify", "--checkpoint", str(kept)])
    assert intact.exit_code == 0 and "۳ ورودی وارسی شد" in intact.output

    with as_owner(engine) as conn:
        conn.execute(text("DELETE FROM audit_log WHERE seq = 3"))
    alone = cli.invoke(app, ["audit", "verify"])
    assert alone.exit_code == 0  # two whole entries: the cut shows only against the file
    cut = cli.invoke(app, ["audit", "verify", "--checkpoint", str(kept)], env={"COLUMNS": "200"})
    assert cut.exit_code == 1
    assert "دفتر ممیزی در ورودی ۳ شکسته است" in cut.output and "(بریده از پایان؛" in cut.output
    assert "نخستین ورودی آسیب‌دیده" in cut.output

    # a new checkpoint is not signed over the cut, and the file keeps the old one alone
    again = cli.invoke(app, ["audit", "checkpoint", "--out", str(kept)])
    assert again.exit_code != 0 and "entry 3" in str(again.exception)
    assert len(kept.read_text(encoding="utf-8").splitlines()) == 1


def test_a_checkpoint_is_printed_alone_for_an_external_log(cli: CliRunner) -> None:
    _three_users(cli)
    printed = cli.invoke(app, ["audit", "checkpoint"])
    assert printed.exit_code == 0, printed.output
    (line,) = printed.stdout.splitlines()
    point = json.loads(line)
    assert point["entries"] == 3 and point["format"] == "darman-audit-checkpoint/1"
    assert set(point) == {
        "format", "entries", "head_hash", "unkeyed_entries", "taken_at", "signature"
    }  # fmt: skip


def test_an_edited_checkpoint_is_refused_in_one_line_naming_its_line_and_field(
    cli: CliRunner, tmp_path: Path, monkeypatch, capsys
) -> None:
    _three_users(cli)
    kept = tmp_path / "audit.checkpoints"
    assert cli.invoke(app, ["audit", "checkpoint", "--out", str(kept)]).exit_code == 0
    point = json.loads(kept.read_text(encoding="utf-8"))
    point["entries"] = 2
    kept.write_text(json.dumps(point) + "\n", encoding="utf-8")
    monkeypatch.setattr("sys.argv", ["darman", "audit", "verify", "--checkpoint", str(kept)])
    with pytest.raises(SystemExit) as stop:
        run()
    assert stop.value.code == 1
    err = capsys.readouterr().err
    assert "ردیف ۱، «signature»" in err and "Traceback" not in err


def test_without_the_audit_key_the_command_stops_in_one_clear_line(
    cli: CliRunner, monkeypatch, capsys
) -> None:
    monkeypatch.delenv("DARMAN_AUDIT_KEY")
    # demo mode has a public key of its own, and `darman demo` run in this process by
    # another test leaves DARMAN_DEMO_MODE=1 behind
    monkeypatch.setenv("DARMAN_DEMO_MODE", "0")
    get_settings.cache_clear()
    monkeypatch.setattr("sys.argv", ["darman", "audit", "verify"])
    with pytest.raises(SystemExit) as stop:
        run()
    assert stop.value.code == 1
    err = capsys.readouterr().err
    assert "DARMAN_AUDIT_KEY is not set" in err and "Traceback" not in err
