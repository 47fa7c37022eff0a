"""The tables the checks read that ship with Darman as data (``prescriptions/data``):
drug-drug interactions among the formulary's generics, and which specialties may
prescribe each specialist-only drug (the Persian specialty names of the registry).

The setting ``prescription_tables`` (``DARMAN_PRESCRIPTION_TABLES``) may name a
directory holding the insurer's own ``interactions.csv`` and ``specialist_drugs.csv``
(same columns) that replace the shipped ones, e.g. a national formulary's full
interaction table. Both are read once per process; the app reads them as it starts,
so a missing file or a bad row stops it with the file and line at fault."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from functools import lru_cache
from importlib import resources
from pathlib import Path

from darman.common.errors import ConfigurationError
from darman.prescriptions.enums import Severity
from darman.prescriptions.rules import Interaction, InteractionTable
from darman.settings import get_settings

_UNSET = object()
_directory: object = _UNSET  # what ``use`` chose; until then, the process's settings


def use(directory: Path | str | None) -> None:
    """Read the tables from ``directory`` (None: the shipped ones) from now on, and read
    them now, so that a bad table stops the caller (the app, as it starts) with the
    file and line at fault rather than failing the first prescription checked."""
    global _directory
    directory = Path(directory) if directory is not None else None
    if directory != _directory:
        _directory = directory
        interactions.cache_clear()
        permitted_specialties.cache_clear()
    interactions()
    permitted_specialties()


def _own_directory() -> Path | None:
    if _directory is _UNSET:
        return get_settings().prescription_tables
    return _directory if isinstance(_directory, Path) else None  # use(None): the shipped


COLUMNS = {
    "interactions.csv": ("code_a", "code_b", "severity", "effect_fa", "effect_en"),
    "specialist_drugs.csv": ("generic_code", "specialty"),
}


def _text(name: str) -> tuple[str, str]:
    """The table's text and where it came from."""
    own = _own_directory()
    if own is None:
        where = f"prescriptions/data/{name}"
        return resources.files("darman.prescriptions").joinpath(f"data/{name}").read_text(
            "utf-8"
        ), where
    path = own / name
    try:
        return path.read_text("utf-8"), str(path)
    except OSError as exc:
        raise ConfigurationError(
            f"DARMAN_PRESCRIPTION_TABLES: cannot read {path}: {exc.strerror or exc}"
        ) from exc


def _rows(name: str) -> Iterator[tuple[str, int, dict[str, str]]]:
    """(where, line number, row) of each data row; ConfigurationError on missing columns
    or empty cells."""
    text, where = _text(name)
    reader = csv.DictReader(io.StringIO(text, newline=""))
    missing = [c for c in COLUMNS[name] if c not in (reader.fieldnames or [])]
    if missing:
        raise ConfigurationError(f"{where}, line 1: missing column(s) {', '.join(missing)}")
    for r in reader:
        empty = [c for c in COLUMNS[name] if not (r.get(c) or "").strip()]
        if empty:
            raise ConfigurationError(f"{where}, line {reader.line_num}: empty {', '.join(empty)}")
        yield where, reader.line_num, {c: r[c].strip() for c in COLUMNS[name]}


@lru_cache(maxsize=1)
def interactions() -> InteractionTable:
    """Pairs of generic codes (either order) -> the interaction and its severity."""
    table: dict[frozenset[str], Interaction] = {}
    for where, line, r in _rows("interactions.csv"):
        pair = frozenset({r["code_a"], r["code_b"]})
        if len(pair) != 2 or pair in table:
            raise ConfigurationError(f"{where}, line {line}: bad or repeated pair {sorted(pair)}")
        try:
            severity = Severity(r["severity"])
        except ValueError:
            known = ", ".join(s.value for s in Severity)
            raise ConfigurationError(
                f"{where}, line {line}: severity {r['severity']!r} is not one of {known}"
            ) from None
        table[pair] = Interaction(
            r["code_a"], r["code_b"], severity, r["effect_fa"], r["effect_en"]
        )
    return table


@lru_cache(maxsize=1)
def permitted_specialties() -> dict[str, frozenset[str]]:
    """Specialist-only generic code -> the specialties that may prescribe it."""
    out: dict[str, set[str]] = {}
    for _, _, r in _rows("specialist_drugs.csv"):
        out.setdefault(r["generic_code"], set()).add(r["specialty"])
    return {code: frozenset(names) for code, names in out.items()}
