"""The tables the checks read that ship with Darman as data (``prescriptions/data``):
drug-drug interactions among the formulary's generics, and which specialties may
prescribe each specialist-only drug (the Persian specialty names of the registry).

``DARMAN_PRESCRIPTION_TABLES`` may name a directory holding the insurer's own
``interactions.csv`` and ``specialist_drugs.csv`` (same columns) that replace the
shipped ones, e.g. a national formulary's full interaction table. Both are read
once per process."""

from __future__ import annotations

import csv
import io
import os
from functools import lru_cache
from importlib import resources

from darman.prescriptions.enums import Severity
from darman.prescriptions.rules import Interaction, InteractionTable

TABLES_DIR_VARIABLE = "DARMAN_PRESCRIPTION_TABLES"


def _rows(name: str) -> list[dict[str, str]]:
    own = os.environ.get(TABLES_DIR_VARIABLE)
    if own:
        with open(os.path.join(own, name), encoding="utf-8", newline="") as fh:
            return list(csv.DictReader(fh))
    text = resources.files("darman.prescriptions").joinpath(f"data/{name}").read_text("utf-8")
    return list(csv.DictReader(io.StringIO(text)))


@lru_cache(maxsize=1)
def interactions() -> InteractionTable:
    """Pairs of generic codes (either order) -> the interaction and its severity."""
    table: dict[frozenset[str], Interaction] = {}
    for r in _rows("interactions.csv"):
        pair = frozenset({r["code_a"], r["code_b"]})
        if len(pair) != 2 or pair in table:
            raise ValueError(f"interactions.csv: bad or repeated pair {sorted(pair)}")
        table[pair] = Interaction(
            r["code_a"], r["code_b"], Severity(r["severity"]), r["effect_fa"], r["effect_en"]
        )
    return table


@lru_cache(maxsize=1)
def permitted_specialties() -> dict[str, frozenset[str]]:
    """Specialist-only generic code -> the specialties that may prescribe it."""
    out: dict[str, set[str]] = {}
    for r in _rows("specialist_drugs.csv"):
        out.setdefault(r["generic_code"], set()).add(r["specialty"])
    return {code: frozenset(names) for code, names in out.items()}
