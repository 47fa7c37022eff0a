"""Epidemic episodes as data (``data/epidemics.toml``): pure, no database.

An episode names the ICD-10 prefixes that make an inpatient admission part of it, the
period its admissions fall in, and the service codes whose bed-days are intensive care
(the catalogue carries no intensive-care flag, so the episode's data says which)."""

from __future__ import annotations

import datetime as dt
import tomllib
from dataclasses import dataclass
from importlib import resources

from darman.common.errors import InvalidInput
from darman.common.jalali import parse_jalali


@dataclass(frozen=True)
class Episode:
    code: str
    name_fa: str
    icd10_prefixes: tuple[str, ...]  # normalised: upper case, no dots
    start: dt.date
    end: dt.date
    icu_service_codes: tuple[str, ...]

    def matches_diagnosis(self, icd10: str) -> bool:
        code = normalise_icd10(icd10)
        return any(code.startswith(p) for p in self.icd10_prefixes)


def normalise_icd10(code: str) -> str:
    """``u07.1 `` -> ``U071``: how claims and definitions are compared."""
    return code.strip().upper().replace(".", "")


def parse(text: str) -> tuple[Episode, ...]:
    """Episodes from TOML text; ValueError naming the episode and field on bad data."""
    data = tomllib.loads(text)
    out: list[Episode] = []
    for i, raw in enumerate(data.get("episode", []), start=1):
        code = str(raw.get("code", "")).strip()
        if not code:
            raise ValueError(f"episode {i}: code is missing")
        prefixes = tuple(normalise_icd10(str(p)) for p in raw.get("icd10_prefixes", []))
        if not prefixes or not all(prefixes):
            raise ValueError(f"episode {code}: icd10_prefixes must name at least one code")
        try:
            start = parse_jalali(str(raw["start"]))
            end = parse_jalali(str(raw["end"]))
        except (KeyError, InvalidInput) as exc:
            raise ValueError(f"episode {code}: start and end must be Jalali dates") from exc
        if end < start:
            raise ValueError(f"episode {code}: end is before start")
        out.append(
            Episode(
                code=code,
                name_fa=str(raw.get("name_fa", code)),
                icd10_prefixes=prefixes,
                start=start,
                end=end,
                icu_service_codes=tuple(str(c) for c in raw.get("icu_service_codes", [])),
            )
        )
    if len({e.code for e in out}) != len(out):
        raise ValueError("an episode code is given twice")
    return tuple(out)


def episodes() -> tuple[Episode, ...]:
    """The episodes shipped with the package."""
    text = resources.files("darman.population").joinpath("data/epidemics.toml").read_text("utf-8")
    return parse(text)


def by_code() -> dict[str, Episode]:
    return {e.code: e for e in episodes()}
