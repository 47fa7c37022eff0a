"""The registers as data (``data/registers.toml``): pure, no database.

A register names the ICD-10 prefixes and the drug codes that put a person on it and the
targets (LOINC code, upper bound) that a last measurement must be under to count as
controlled."""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from importlib import resources

from darman.population.enums import LOINC


@dataclass(frozen=True)
class Target:
    loinc: str
    below: float


@dataclass(frozen=True)
class Register:
    code: str
    name_fa: str
    icd10_prefixes: tuple[str, ...]
    atc_prefixes: tuple[str, ...]
    drug_codes: tuple[str, ...]
    targets: tuple[Target, ...]

    def matches_diagnosis(self, icd10: str) -> bool:
        code = icd10.strip().upper().replace(".", "")
        return any(code.startswith(p) for p in self.icd10_prefixes)


def parse(text: str) -> tuple[Register, ...]:
    """Registers from TOML text; ValueError naming the register and field on bad data."""
    data = tomllib.loads(text)
    out: list[Register] = []
    for i, raw in enumerate(data.get("register", []), start=1):
        code = str(raw.get("code", "")).strip()
        if not code:
            raise ValueError(f"register {i}: code is missing")
        targets = []
        for t in raw.get("target", []):
            if t.get("loinc") not in LOINC:
                raise ValueError(f"register {code}: unknown LOINC code {t.get('loinc')!r}")
            targets.append(Target(loinc=str(t["loinc"]), below=float(t["below"])))
        out.append(
            Register(
                code=code,
                name_fa=str(raw.get("name_fa", code)),
                icd10_prefixes=tuple(str(p).upper() for p in raw.get("icd10_prefixes", [])),
                atc_prefixes=tuple(str(p) for p in raw.get("atc_prefixes", [])),
                drug_codes=tuple(str(c) for c in raw.get("drug_codes", [])),
                targets=tuple(targets),
            )
        )
    if len({r.code for r in out}) != len(out):
        raise ValueError("a register code is given twice")
    return tuple(out)


def registers() -> tuple[Register, ...]:
    """The registers shipped with the package."""
    text = resources.files("darman.population").joinpath("data/registers.toml").read_text("utf-8")
    return parse(text)


def by_code() -> dict[str, Register]:
    return {r.code: r for r in registers()}
