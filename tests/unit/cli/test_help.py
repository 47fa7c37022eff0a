"""`darman --help` and every subcommand's help answer without loading the heavy libraries:
each command imports what it uses when it runs, so asking for help stays instant."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import typer.main

import darman
from darman.cli.main import app
from darman.registry import transfer
from darman.registry.enums import TransferTable

# Top-level packages that help must not load. pydantic is not among them: Typer itself
# imports it to describe a command's parameters.
HEAVY = (
    "alembic",
    "argon2",
    "duckdb",
    "fastapi",
    "fhir",
    "httpx",
    "ibis",
    "jdatetime",
    "jinja2",
    "jwt",
    "numpy",
    "openpyxl",
    "pandas",
    "psycopg",
    "pyarrow",
    "pydantic_settings",
    "scipy",
    "sqlalchemy",
    "sqlglot",
    "starlette",
    "uvicorn",
)

# Runs `darman ARGS` for every argument list given on its command line, in the order
# given, in one process, and answers, per list, the exit code, what was printed and which
# heavy packages that run newly loaded.
DRIVER = """
import contextlib, io, json, sys
heavy = set(json.loads(sys.argv[1]))
runs = json.loads(sys.argv[2])
sys.argv = ["darman"]
from darman.cli.main import app
answers = []
for args in runs:
    before = {m.split(".")[0] for m in sys.modules}
    shown = io.StringIO()
    code = None
    with contextlib.redirect_stdout(shown):
        try:
            app(args, prog_name="darman")
        except SystemExit as done:
            code = done.code
    loaded = {m.split(".")[0] for m in sys.modules} - before
    answers.append(
        {"args": args, "code": code, "shown": shown.getvalue(),
         "heavy": sorted(loaded & heavy), "already": sorted(before & heavy)}
    )
print(json.dumps(answers))
"""


def _command_paths() -> list[list[str]]:
    paths: list[list[str]] = []

    def walk(command: object, path: list[str]) -> None:
        paths.append(path)
        for name, sub in getattr(command, "commands", {}).items():
            walk(sub, [*path, name])

    walk(typer.main.get_command(app), [])
    return paths


def _run(runs: list[list[str]], **env: str) -> list[dict[str, Any]]:
    """Runs the CLI in a fresh interpreter importing this checkout's darman."""
    src = str(Path(darman.__file__).resolve().parents[1])
    environ = {**os.environ, "COLUMNS": "200", "PYTHONPATH": src, **env}
    done = subprocess.run(
        [sys.executable, "-c", DRIVER, json.dumps(HEAVY), json.dumps(runs)],
        capture_output=True,
        text=True,
        env=environ,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    answers: list[dict[str, Any]] = json.loads(done.stdout)
    return answers


@pytest.fixture(scope="module")
def helps() -> dict[str, dict[str, Any]]:
    answers = _run([[*path, "--help"] for path in _command_paths()])
    return {" ".join(a["args"][:-1]): a for a in answers}


def test_every_command_and_group_is_asked_for_help(helps: dict[str, dict[str, Any]]) -> None:
    expected = {
        "",
        "serve",
        "demo",
        "seed",
        "worker",
        "db upgrade",
        "claims policy bypass",
        "plan allocate",
        "procure award",
        "registry import",
        "users api-key",
        "users enable",
        "audit checkpoint",
        "claims export",
        "claims import-decisions",
        "appointments rank",
        "appointments fairness",
        "appointments panel",
        "performance targets import",
        "circulars check-synthetic",
        "circulars attach",
        "population cascade",
        "population due",
        "population epidemic statement",
    }
    assert expected <= set(helps)
    # darman itself, 16 top-level entries, 74 commands beneath them (the claims policy
    # group's 5, the audit group's 3, the appointments group's 6, the performance group's
    # 10, the circulars group's 10 and the population group's 7 (its epidemic group and the
    # group's 3, and due) included)
    assert len(helps) == 1 + 16 + 74
    for answer in helps.values():
        assert answer["code"] == 0, answer
        assert "Usage: darman" in answer["shown"], answer


def test_no_help_loads_a_heavy_library(helps: dict[str, dict[str, Any]]) -> None:
    assert helps[""]["already"] == [], "importing the CLI loaded a heavy library"
    assert {args: a["heavy"] for args, a in helps.items() if a["heavy"]} == {}


def test_running_a_command_does_load_them(tmp_path: Path) -> None:
    # the same watch, on a command that reads the database, sees SQLAlchemy and Alembic
    # arrive: an empty finding above means help loaded nothing, not that nothing is seen
    url = f"sqlite:///{tmp_path / 'darman.db'}"
    [answer] = _run([["db", "current"]], DARMAN_DATABASE_URL=url)
    assert answer["code"] == 0, answer
    assert answer["shown"].startswith("empty (head ")
    assert {"alembic", "sqlalchemy"} <= set(answer["heavy"])


def test_the_registry_help_names_every_table_a_file_imports_into(
    helps: dict[str, dict[str, Any]],
) -> None:
    assert list(TransferTable) == list(transfer.TABLES)
    names = "facilities, insured, coverage, practitioners, services, drugs, tariffs"
    assert ", ".join(TransferTable) == names
    assert names in helps["registry import"]["shown"]
    assert names in helps["registry export"]["shown"]
