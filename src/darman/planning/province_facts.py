"""One province's facts as planning reads them: what the equity indices, the deprivation
score, the allocation and its sensitivity work on. Pure, so those stay pure; ``facts.py``
gathers the rows from the database."""

from __future__ import annotations

from dataclasses import dataclass, field

from darman.registry.enums import Ownership


@dataclass
class ProvinceFacts:
    province_id: int
    code: str
    name_fa: str
    name_en: str
    population: int  # 2016 census
    beds_1396: int  # active beds, national statistics
    icu_beds_1396: int
    insured: int = 0  # covered on the day
    insured_over_60: int = 0
    owned: dict[str, int] = field(default_factory=dict)  # resource -> units
    contracted: dict[str, int] = field(default_factory=dict)
    owned_centres: int = 0
    contracted_centres: int = 0
    spending_rials: int = 0  # insurer's share of adjudicated claims, last fiscal year
    claim_patients: int = 0

    @property
    def share_over_60(self) -> float | None:
        return None if self.insured == 0 else self.insured_over_60 / self.insured

    @property
    def spending_per_insured(self) -> float | None:
        return None if self.insured == 0 else self.spending_rials / self.insured

    def units(self, resource: str, ownership: str | None = None) -> int:
        """Units of a facility resource, owned, contracted or (None) both."""
        if ownership == Ownership.OWNED:
            return self.owned.get(resource, 0)
        if ownership == Ownership.CONTRACTED:
            return self.contracted.get(resource, 0)
        return self.owned.get(resource, 0) + self.contracted.get(resource, 0)
