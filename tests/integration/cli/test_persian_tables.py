"""Every table the main commands print is in Persian: headers without a Latin letter, and
numbers, months and open-ended periods written the way a Persian reader expects."""

from __future__ import annotations

import re

import pytest
from typer.testing import CliRunner

from darman.cli import demo_cmd
from darman.cli.main import app

WIDE = {"COLUMNS": "240"}
LATIN = re.compile(r"[A-Za-z]")
ASCII_DIGIT = re.compile(r"[0-9]")


@pytest.fixture
def cli(cli: CliRunner, monkeypatch) -> CliRunner:
    """The CLI on the demo's data, cut down to a small scale."""
    monkeypatch.setattr(demo_cmd, "DEMO_SCALE", 0.0002)
    monkeypatch.setattr(demo_cmd, "DEMO_CLAIM_LINES", 2_000)
    return cli


def _headers(output: str) -> list[str]:
    """The header lines of every Rich table printed: those between a table's top border
    (┏) and the rule under its header (┡)."""
    found, inside = [], False
    for line in output.splitlines():
        if line.lstrip().startswith("┏"):
            inside = True
        elif line.lstrip().startswith("┡"):
            inside = False
        elif inside:
            found.append(line)
    return found


def _body(output: str) -> list[str]:
    """The body lines of every table printed."""
    return [line for line in output.splitlines() if line.lstrip().startswith("│")]


def _run(cli: CliRunner, *args: str) -> str:
    done = cli.invoke(app, list(args), env=WIDE)
    assert done.exit_code in (0, 2), (args, done.output, repr(done.exception))
    assert _headers(done.output), (args, "printed no table", done.output)
    return done.output


def test_the_main_commands_print_tables_with_persian_headers(cli, tmp_path) -> None:
    bad = tmp_path / "drugs.csv"
    bad.write_text(
        "generic_code,name_fa,form,strength,covered,max_quantity,specialist_only\n"
        "90002,دارو,gel,1 g,true,30,false\n",
        encoding="utf-8",
    )
    outputs = {
        "demo": _run(cli, "demo", "--no-serve"),
        "users": _run(cli, "users", "list"),
        "audit": _run(cli, "audit", "list"),
        "adjudicate": _run(cli, "claims", "adjudicate"),
        "pay": _run(cli, "claims", "pay", "--budget-rials", "1000000"),
        "aging": _run(cli, "claims", "aging"),
        "policy": _run(cli, "claims", "policy", "show"),
        "rollout": _run(cli, "referrals", "rollout", "--seed"),
        "periods": _run(cli, "referrals", "periods"),
        "indicators": _run(cli, "referrals", "indicators"),
        "overdue": _run(cli, "referrals", "overdue"),
        "unenrolled": _run(cli, "referrals", "unenrolled", "--province", "23"),
        "quantify": _run(cli, "procure", "quantify"),
        "award": _run(cli, "procure", "award", "NT-1405-01"),
        "stockouts": _run(cli, "procure", "stockouts"),
        "suppliers": _run(cli, "procure", "suppliers"),
        "plan": _run(cli, "procure", "plan"),
        "facts": _run(cli, "plan", "facts"),
        "import": _run(cli, "registry", "import", "drugs", str(bad)),
    }
    for name, output in outputs.items():
        for header in _headers(output):
            assert not LATIN.search(header), (name, header)
    # the seed's and the log-ins' tables come with the demo
    assert "جدول" in outputs["demo"] and "گذرواژه" in outputs["demo"]
    # purchasing tables carry no ASCII digit, in codes or in numbers
    for name in ("award", "stockouts", "suppliers", "plan"):
        for line in _body(outputs[name]):
            assert not ASCII_DIGIT.search(line), (name, line)
    # the award is a table, its solver's status in Persian, not a dict or HiGHS's English
    assert "بهینه" in outputs["award"] and "{" not in outputs["award"]
    # a run that spends less than its budget says why
    assert "از بودجه خرج نشد: " in outputs["pay"]
    # a month is written year/month
    assert re.search(r"[۰-۹]{4}/[۰-۹]{2}", outputs["aging"])
    assert not re.search(r"[۰-۹]{6}", outputs["aging"] + outputs["quantify"])
    # periods without an end, or without a start, say so
    for name in ("policy", "periods"):
        assert "بدون پایان" in outputs[name] and "از ابتدا" in outputs[name]
        assert "۱۲۷۸" not in outputs[name] and "۱۴۷۹" not in outputs[name]
