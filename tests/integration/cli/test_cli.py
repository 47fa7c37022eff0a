from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import func, select, text
from typer.testing import CliRunner

from darman.cli import context
from darman.cli.main import app, run
from darman.registry.models import Facility
from darman.settings import get_settings
from tests.factories.workbooks import facilities_cut_in_half
from tests.integration.audit.tampering import as_owner


def test_users_are_created_listed_and_disabled_from_the_command_line(cli: CliRunner) -> None:
    made = cli.invoke(
        app, ["users", "create", "reza", "--role", "hq_analyst"], input="s3cret-pass\ns3cret-pass\n"
    )
    assert made.exit_code == 0, made.output
    assert "کارشناس ستاد" in made.output
    listed = cli.invoke(app, ["users", "list"], env={"COLUMNS": "200"})
    row = next(line for line in listed.output.splitlines() if "reza" in line)
    assert "بله" in row and "کارشناس ستاد" in row
    assert cli.invoke(app, ["users", "disable", "reza"]).exit_code == 0
    listed = cli.invoke(app, ["users", "list"], env={"COLUMNS": "200"})
    assert "خیر" in next(line for line in listed.output.splitlines() if "reza" in line)


def test_a_bad_scope_is_refused_with_the_field_named(cli: CliRunner, monkeypatch, capsys) -> None:
    result = cli.invoke(
        app,
        ["users", "create", "x", "--role", "province_manager", "--scope", "province"],
        input="s3cret-pass\ns3cret-pass\n",
    )
    assert result.exit_code != 0
    assert "province_id" in str(result.exception.problems[0].field)  # type: ignore[union-attr]
    # the installed entry point prints one clear line and the field, and exits 1
    from darman.cli.main import run

    monkeypatch.setattr("sys.argv", ["darman", "users", "disable", "nobody"])
    with pytest.raises(SystemExit) as stop:
        run()
    assert stop.value.code == 1
    assert "کاربری با نام «nobody» نیست" in capsys.readouterr().err


def test_audit_verify_names_the_first_tampered_entry(cli: CliRunner, engine) -> None:
    for name in ("a1", "a2", "a3"):
        assert (
            cli.invoke(
                app,
                ["users", "create", name, "--role", "auditor"],
                input="pass-word-1\npass-word-1\n",
            ).exit_code
            == 0
        )
    ok = cli.invoke(app, ["audit", "verify"])
    assert ok.exit_code == 0 and "۳ ورودی" in ok.output
    with as_owner(engine) as conn:
        conn.execute(text("UPDATE audit_log SET entity_id = '999' WHERE seq = 2"))
    broken = cli.invoke(app, ["audit", "verify"])
    assert broken.exit_code == 1
    assert "ورودی ۲ شکسته" in broken.output


def test_registry_import_lists_rejected_rows_and_exits_non_zero(cli: CliRunner, tmp_path) -> None:
    path = tmp_path / "drugs.csv"
    path.write_text(
        "generic_code,name_fa,form,strength,covered,max_quantity,specialist_only\n"
        "90001,آموکسی‌سیلین,capsule,500 mg,true,30,false\n"
        "90002,دارو,gel,1 g,true,30,false\n"
        "90003,دارو ۲,tablet,5 mg,true,-3,false\n",
        encoding="utf-8",
    )
    result = cli.invoke(app, ["registry", "import", "drugs", str(path)], env={"COLUMNS": "200"})
    assert result.exit_code == 2
    assert "۳ ردیف خوانده شد، ۱ وارد شد، ۲ رد شد" in result.output
    assert "form" in result.output and "max_quantity" in result.output
    out = tmp_path / "drugs_out.csv"
    assert cli.invoke(app, ["registry", "export", "drugs", str(out)]).exit_code == 0
    assert "90001" in out.read_text(encoding="utf-8-sig")


def test_seed_prints_a_table_of_what_it_loaded(cli: CliRunner) -> None:
    result = cli.invoke(app, ["seed", "--scale", "0.0002", "--seed", "3"], env={"COLUMNS": "200"})
    assert result.exit_code == 0, result.output
    assert "insured" in result.output and "جمع" in result.output
    again = cli.invoke(app, ["seed", "--scale", "0.0002", "--seed", "3"])
    assert again.exit_code != 0


def test_check_synthetic_prints_the_confusion_matrix_and_passes(cli: CliRunner) -> None:
    result = cli.invoke(app, ["claims", "check-synthetic", "--lines", "12000", "--scale", "0.0005"])
    assert result.exit_code == 0, result.output
    assert "تخلف‌های نایافته: ۰؛ خطوط سالمِ پرچم‌خورده یا کسرشده: ۰" in result.output
    for code in ("R01", "R07", "R08", "D01", "D02", "clean"):
        assert code in result.output


def _run(monkeypatch, capsys, *argv: str) -> tuple[int, str]:
    """The installed entry point (``run``), as a person at the terminal meets it."""
    monkeypatch.setattr("sys.argv", ["darman", *argv])
    with pytest.raises(SystemExit) as stop:
        run()
    return int(stop.value.code or 0), capsys.readouterr().err


def test_a_damaged_excel_import_is_one_clear_line_naming_the_file_and_stores_nothing(
    cli: CliRunner, monkeypatch, capsys, tmp_path, session_factory
) -> None:
    path = tmp_path / "مراکز [final].xlsx"  # brackets are printed, not read as markup
    path.write_bytes(facilities_cut_in_half())
    code, err = _run(monkeypatch, capsys, "registry", "import", "facilities", str(path))
    assert code == 1
    assert "Traceback" not in err and "ParseError" in err
    (line,) = err.splitlines()
    assert f"در فایل «{path}» پس از ردیف" in line
    with session_factory() as s:
        assert s.scalar(select(func.count()).select_from(Facility)) == 0


def test_an_unexpected_error_is_one_persian_line_with_its_class_and_its_logged_traceback(
    cli: CliRunner, monkeypatch, capsys, tmp_path
) -> None:
    # a database file that is something else is nothing Darman raises on purpose
    (tmp_path / "d.db").write_text("a letter, not a database " * 100)
    monkeypatch.setenv("DARMAN_DATABASE_URL", f"sqlite:///{tmp_path}/d.db")
    get_settings.cache_clear()
    context.engine.cache_clear()
    code, err = _run(monkeypatch, capsys, "users", "list")
    assert code == 1
    (line,) = err.splitlines()
    found = re.fullmatch(
        r"خطا: خطای پیش‌بینی‌نشده \(DatabaseError\): .*file is not a database.*؛ "
        r"شرح کامل خطا در (\S+\.log) نوشته شد\.",
        line,
    )
    assert found, line
    log = Path(found[1])
    try:
        assert log.read_text(encoding="utf-8").startswith("Traceback (most recent call last):")
    finally:
        log.unlink()


def test_the_darman_command_prints_no_traceback_for_a_damaged_file_or_an_unexpected_error(
    tmp_path,
) -> None:
    damaged = tmp_path / "tariffs.xlsx"
    damaged.write_bytes(b"")  # empty, as a failed download leaves it
    env = {
        **os.environ,
        "DARMAN_DATABASE_URL": f"sqlite:///{tmp_path}/d.db",
        "TMPDIR": str(tmp_path),
    }
    command = [sys.executable, "-m", "darman.cli.main"]
    read = subprocess.run(
        [*command, "registry", "import", "tariffs", str(damaged)],
        env=env, capture_output=True, text=True, timeout=120, check=False,
    )  # fmt: skip
    assert read.returncode == 1, read.stderr
    assert read.stderr.splitlines() == [
        f"خطا: فایل «{damaged}» خالی است: ردیف اول آن باید نام ستون‌ها باشد"
    ]
    (tmp_path / "letter.db").write_text("a letter, not a database " * 100)
    env["DARMAN_DATABASE_URL"] = f"sqlite:///{tmp_path}/letter.db"
    broken = subprocess.run(
        [*command, "users", "list"], env=env, capture_output=True, text=True, timeout=120,
        check=False,
    )  # fmt: skip
    assert broken.returncode == 1
    (line,) = broken.stderr.splitlines()
    assert "(DatabaseError)" in line and "Traceback" not in line
    (log,) = tmp_path.glob("darman-error-*.log")
    assert f"شرح کامل خطا در {log} نوشته شد" in line
    assert "sqlite3.DatabaseError: file is not a database" in log.read_text(encoding="utf-8")
