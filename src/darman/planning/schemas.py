"""Output shapes of the planning API that are not the computing modules' own dataclasses."""

from __future__ import annotations

from pydantic import BaseModel, Field

from darman.planning.allocation import LineResult
from darman.planning.facts import ProvinceFacts
from darman.planning.sensitivity import Stability


class ProvinceFactsRead(BaseModel):
    code: str
    name_fa: str
    name_en: str
    population: int = Field(description="2016 census")
    beds_1396: int = Field(description="active beds of the whole province, 1396")
    icu_beds_1396: int
    insured: int = Field(description="covered on the day")
    share_over_60: float | None
    owned: dict[str, int]
    contracted: dict[str, int]
    owned_centres: int
    contracted_centres: int
    spending_rials: int = Field(description="insurer's share of claims, last fiscal year")
    spending_per_insured_rials: int | None

    @classmethod
    def of(cls, f: ProvinceFacts) -> ProvinceFactsRead:
        per = f.spending_per_insured
        return cls(
            code=f.code,
            name_fa=f.name_fa,
            name_en=f.name_en,
            population=f.population,
            beds_1396=f.beds_1396,
            icu_beds_1396=f.icu_beds_1396,
            insured=f.insured,
            share_over_60=f.share_over_60,
            owned=f.owned,
            contracted=f.contracted,
            owned_centres=f.owned_centres,
            contracted_centres=f.contracted_centres,
            spending_rials=f.spending_rials,
            spending_per_insured_rials=None if per is None else round(per),
        )


class AllocationRead(BaseModel):
    scenario: str
    year: int
    status: str
    solve_seconds: float
    mip_gap: float = Field(description="relative optimality gap HiGHS reports (0: optimal)")
    objective: float
    greedy_objective: float = Field(description="the same objective for a greedy allocation")
    lines: list[LineResult]
    stability: list[Stability] | None = None
