"""Province facts built by hand for the pure planning tests."""

from __future__ import annotations

import csv
from pathlib import Path

import numpy as np

from darman.planning.facts import ProvinceFacts

PROVINCES = Path(__file__).parents[3] / "src" / "darman" / "registry" / "data" / "provinces.csv"


def province(
    code: str,
    *,
    population: int = 1_000_000,
    beds: int = 1_500,
    icu: int = 100,
    insured: int = 500_000,
    over_60: int = 50_000,
    nurses: int = 1_500,
    physicians: int = 300,
    registry_beds: int = 1_500,
    spending: int = 0,
    **owned: int,
) -> ProvinceFacts:
    f = ProvinceFacts(
        int(code), code, f"استان {code}", f"P{code}", population, beds, icu, insured, over_60
    )
    f.owned = {"nurses": nurses, "physicians": physicians, "beds_general": registry_beds, **owned}
    f.spending_rials = spending
    return f


def nation(seed: int = 1) -> list[ProvinceFacts]:
    """The 31 real provinces (census population, 1396 beds) with drawn registry figures."""
    rng = np.random.default_rng(seed)
    out = []
    for r in csv.DictReader(PROVINCES.open(encoding="utf-8")):
        pop = int(r["population_2016"])
        reg_beds = max(10, int(int(r["active_beds_1396"]) * 0.003))
        f = province(
            r["code"],
            population=pop,
            beds=int(r["active_beds_1396"]),
            icu=int(r["icu_beds_1396"]),
            insured=int(pop * 0.0055),
            over_60=int(pop * 0.0055 * rng.uniform(0.05, 0.15)),
            nurses=int(reg_beds * rng.uniform(0.6, 1.6)),
            physicians=int(reg_beds * rng.uniform(0.1, 0.35)),
            registry_beds=reg_beds,
            spending=int(pop * 0.0055 * rng.uniform(5e6, 2e7)),
            dialysis_machines=int(rng.integers(0, 20)),
            ct_scanners=int(rng.integers(0, 3)),
            mri_scanners=int(rng.integers(0, 2)),
            ambulances=int(rng.integers(1, 10)),
        )
        f.name_fa = r["name_fa"]
        out.append(f)
    return out
