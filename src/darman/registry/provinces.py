"""The 31 real provinces (census 1395/2016 population, yearbook 1396 beds), shipped as data."""

from __future__ import annotations

import csv
from dataclasses import dataclass
from importlib import resources

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from darman.registry.models import Province


@dataclass(frozen=True)
class ProvinceFacts:
    code: str
    name_en: str
    name_fa: str
    population_2016: int
    active_beds_1396: int
    icu_beds_1396: int


def read_facts() -> list[ProvinceFacts]:
    text = resources.files("darman.registry").joinpath("data/provinces.csv").read_text("utf-8")
    return [
        ProvinceFacts(
            code=r["code"],
            name_en=r["name_en"],
            name_fa=r["name_fa"],
            population_2016=int(r["population_2016"]),
            active_beds_1396=int(r["active_beds_1396"]),
            icu_beds_1396=int(r["icu_beds_1396"]),
        )
        for r in csv.DictReader(text.splitlines())
    ]


def ensure_loaded(session: Session) -> int:
    """Insert the provinces if the table is empty; returns how many exist afterwards.

    Provinces are fixed reference data, so this is idempotent rather than audited.
    """
    count = session.scalar(select(func.count()).select_from(Province)) or 0
    if count:
        return int(count)
    facts = read_facts()
    session.add_all(Province(id=i, **vars(f)) for i, f in enumerate(facts, start=1))
    session.flush()
    return len(facts)
