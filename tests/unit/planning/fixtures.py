"""Province facts built by hand for the pure planning tests."""

from __future__ import annotations

from darman.planning.facts import ProvinceFacts
from darman.synth.province_facts import nation

__all__ = ["nation", "province"]


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
