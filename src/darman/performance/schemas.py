"""Pydantic I/O of performance management."""

from __future__ import annotations

from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field

Code = Annotated[str, Field(min_length=1, max_length=48, pattern=r"^[a-z0-9_]+$")]


class IndicatorRead(BaseModel):
    code: str
    name_fa: str
    name_en: str
    unit_fa: str
    numerator: str
    denominator: str
    factor: int
    direction: str
    period_type: str
    source: str
    weight: float
    legend: list[tuple[float | None, str]]  # (below, colour); None for the open band


class ComputeRead(BaseModel):
    period: str
    indicators: list[str]
    province_facts: int
    facility_facts: int


class TargetWrite(BaseModel):
    model_config = ConfigDict(extra="forbid")

    indicator: Code
    province_code: Annotated[str, Field(min_length=2, max_length=2)]
    period: Annotated[str, Field(min_length=4, max_length=8)]
    value: Annotated[float, Field(ge=-1e12, le=1e12, allow_inf_nan=False)]


class TargetRead(BaseModel):
    indicator: str
    province_code: str
    period: str
    value: float
    set_by: str


class TargetsImported(BaseModel):
    rows: int
    changed: int


class WeightWrite(BaseModel):
    model_config = ConfigDict(extra="forbid")

    weight: Annotated[float, Field(ge=0, le=100, allow_inf_nan=False)]


class Cell(BaseModel):
    indicator: str
    value: float | None
    numerator: float
    denominator: float
    colour: str | None
    colour_fa: str | None
    target: float | None
    gap_to_target: float | None  # positive: still short of the target
    # change over the last 3, 6 and 12 months, positive when better
    trend_3: float | None
    trend_6: float | None
    trend_12: float | None


class ScorecardRow(BaseModel):
    province_code: str
    province_name_fa: str
    rank: int | None
    # false for another province seen by a provincial manager: its rank only
    full: bool
    cells: list[Cell]


class Scorecard(BaseModel):
    period: str
    period_label_fa: str
    indicators: list[IndicatorRead]
    rows: list[ScorecardRow]


class ContributionRead(BaseModel):
    code: str
    name_fa: str
    value: float
    normalised: float
    weight: float
    weighted: float
    gap_share: float


class MoveUpRead(BaseModel):
    code: str
    name_fa: str
    from_value: float
    to_value: float


class ProvinceRankRead(BaseModel):
    province_code: str
    name_fa: str
    rank: int
    full: bool
    topsis: float | None = None
    weighted_sum: float | None = None
    weighted_sum_rank: int | None = None
    distance_to_ideal: float | None = None
    distance_to_anti_ideal: float | None = None
    contributions: list[ContributionRead] = []
    move_up: MoveUpRead | None = None
    interval: tuple[int, int] | None = None
    extremes: tuple[int, int] | None = None
    unstable: bool | None = None
    loo_shift: int | None = None


class ReversalRead(BaseModel):
    left_out: str
    pairs: list[tuple[str, str]]


class RankingRead(BaseModel):
    period: str
    period_label_fa: str
    criteria: list[str]
    notes: list[str]
    draws: int
    provinces: list[ProvinceRankRead]
    reversals: list[ReversalRead]


class FacilityRow(BaseModel):
    facility_id: int
    facility_code: str
    facility_name: str
    cells: list[Cell]


class FacilityCard(BaseModel):
    """A province's facilities by the indicators counted per facility."""

    period: str
    period_label_fa: str
    province_code: str
    province_name_fa: str
    indicators: list[IndicatorRead]
    rows: list[FacilityRow]


class SurveyUnit(BaseModel):
    level: str  # facility | province
    code: str
    name: str
    responses: int
    too_few: bool
    overall: float | None
    composites: dict[str, float | None]


class SurveyScores(BaseModel):
    instrument: str
    name_fa: str
    period: str
    min_responses: int
    composites: dict[str, str]
    units: list[SurveyUnit]


class ResponsesImported(BaseModel):
    rows: int
    added: int
