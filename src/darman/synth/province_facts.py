"""Reproducible province facts for planning benchmarks and tests without a database: the
31 real provinces (2016 census population, 1396 active and intensive-care beds) with
registered centres' beds, equipment, staff, insured people and spending drawn at about
half a percent of the nation."""

from __future__ import annotations

import numpy as np

from darman.planning.facts import ProvinceFacts
from darman.registry.provinces import read_facts


def nation(seed: int = 1) -> list[ProvinceFacts]:
    rng = np.random.default_rng(seed)
    out = []
    for n, r in enumerate(read_facts(), start=1):
        pop = r.population_2016
        reg_beds = max(10, int(r.active_beds_1396 * 0.003))
        insured = int(pop * 0.0055)
        f = ProvinceFacts(
            n,
            r.code,
            r.name_fa,
            r.name_en,
            pop,
            r.active_beds_1396,
            r.icu_beds_1396,
            insured,
            int(insured * rng.uniform(0.05, 0.15)),
        )
        f.owned = {
            "beds_general": reg_beds,
            "nurses": int(reg_beds * rng.uniform(0.6, 1.6)),
            "physicians": int(reg_beds * rng.uniform(0.1, 0.35)),
            "dialysis_machines": int(rng.integers(0, 20)),
            "ct_scanners": int(rng.integers(0, 3)),
            "mri_scanners": int(rng.integers(0, 2)),
            "ambulances": int(rng.integers(1, 10)),
        }
        f.spending_rials = int(insured * rng.uniform(5e6, 2e7))
        out.append(f)
    return out
