"""An allocation scenario: the year's budget lines and the policy weights, read from a TOML
file (``planning/data/scenario_1404.toml`` is the seeds' year) or given through the API.

A budget line buys one resource at a unit cost in rials, within a total budget, a number
of units, or both; each province gets between ``min_per_province`` and
``max_per_province`` units. The need of a province is what it lacks against the line's
norm per 10,000 people (the national ratio when no norm is given), on the chosen stock
and population. A line with ``staff_per_unit`` adds beds that need staff: see
``allocation`` for the absorption limit.

Errors name the field (``lines.2.unit_cost_rials``) and, for a file that is not TOML, the
line and column.
"""

from __future__ import annotations

import tomllib
from importlib import resources
from pathlib import Path
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from darman.common.errors import FieldProblem, InvalidInput
from darman.common.validation_fa import problems_fa
from darman.planning.enums import Population, Resource

SHIPPED = "scenario_1404.toml"
Rials = Annotated[int, Field(ge=0, le=10**18, strict=True)]
Units = Annotated[int, Field(ge=0, le=10**9, strict=True)]


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class StaffPerUnit(Strict):
    nurses: Annotated[float, Field(ge=0, le=20)] = 0.0
    physicians: Annotated[float, Field(ge=0, le=20)] = 0.0


class BudgetLine(Strict):
    key: Annotated[str, Field(min_length=1, max_length=32, pattern=r"^[a-z0-9_]+$")]
    label_fa: Annotated[str, Field(min_length=1, max_length=100)]
    resource: Resource
    population: Population = Population.TOTAL
    need_weighted: bool = False
    unit_cost_rials: Annotated[int, Field(gt=0, le=10**15, strict=True)]
    budget_rials: Rials | None = None
    units: Units | None = None
    min_per_province: Units = 0
    max_per_province: Units | None = None
    norm_per_10k: Annotated[float, Field(ge=0, le=100_000, allow_inf_nan=False)] | None = None
    staff_per_unit: StaffPerUnit | None = None

    @model_validator(mode="after")
    def _amount(self) -> BudgetLine:
        if self.budget_rials is None and self.units is None:
            raise ValueError("بودجه (budget_rials)، تعداد واحد (units) یا هر دو را بدهید")
        if self.max_per_province is not None and self.max_per_province < self.min_per_province:
            raise ValueError("سقف هر استان (max_per_province) کمتر از کف آن (min_per_province) است")
        return self

    @property
    def unit_cap(self) -> int:
        """The most units the line may buy: its units, or what its budget pays for."""
        by_budget = None if self.budget_rials is None else self.budget_rials // self.unit_cost_rials
        caps = [c for c in (self.units, by_budget) if c is not None]
        return min(caps)


class Weights(Strict):
    """``priority``: how much more a fully deprived province's shortfall counts than that of
    a province nowhere below the mean (its weight is 1 + priority x deprivation score)."""

    priority: Annotated[float, Field(ge=0, le=100)] = 2.0
    icu_beds: Annotated[float, Field(ge=0, le=100)] = 0.30
    beds: Annotated[float, Field(ge=0, le=100)] = 0.20
    spending: Annotated[float, Field(ge=0, le=100)] = 0.20
    physicians: Annotated[float, Field(ge=0, le=100)] = 0.15
    nurses: Annotated[float, Field(ge=0, le=100)] = 0.15

    @model_validator(mode="after")
    def _some_weight(self) -> Weights:
        if self.icu_beds + self.beds + self.spending + self.physicians + self.nurses <= 0:
            raise ValueError("دست‌کم یکی از وزن‌های محرومیت باید بیش از صفر باشد")
        return self


class PlannedStaff(Strict):
    province_code: Annotated[str, Field(pattern=r"^\d{2}$")]
    nurses: Annotated[int, Field(ge=0, le=10**7, strict=True)] = 0
    physicians: Annotated[int, Field(ge=0, le=10**7, strict=True)] = 0


class LevellingCosts(Strict):
    """What adding a level-2 or level-3 service costs: by expanding an owned centre, or by
    building a new one (rials)."""

    expand_level_2_rials: Rials = 50_000_000_000
    expand_level_3_rials: Rials = 250_000_000_000
    build_level_2_rials: Rials = 1_500_000_000_000
    build_level_3_rials: Rials = 6_000_000_000_000


class Scenario(Strict):
    name: Annotated[str, Field(min_length=1, max_length=200)]
    year: Annotated[int, Field(ge=1390, le=1500)]
    weights: Weights = Weights()
    # staff expected to join in the year, as a share of today's staff of each province
    staff_growth: Annotated[float, Field(ge=0, le=1)] = 0.05
    planned_staff: list[PlannedStaff] = []
    levelling: LevellingCosts = LevellingCosts()
    lines: Annotated[list[BudgetLine], Field(min_length=1, max_length=100)]

    @model_validator(mode="after")
    def _unique_keys(self) -> Scenario:
        keys = [line.key for line in self.lines]
        if len(set(keys)) != len(keys):
            raise ValueError("شناسه‌ی ردیف‌های بودجه (key) باید یکتا باشد")
        return self


def parse(data: object) -> Scenario:
    """A scenario from decoded data; InvalidInput names every wrong field."""
    try:
        return Scenario.model_validate(data)
    except ValidationError as exc:
        problems = [FieldProblem(p.field or "scenario", p.reason) for p in problems_fa(exc)]
        raise InvalidInput("سناریو پذیرفته نیست", problems) from exc


def loads(text: str) -> Scenario:
    """A scenario from TOML text; a syntax error names its line and column."""
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        # the message ends with "(at line L, column C)"
        raise InvalidInput(
            "the scenario file is not TOML", [FieldProblem("file", str(exc))]
        ) from exc
    return parse(data)


def load(path: Path) -> Scenario:
    try:
        text = path.read_text("utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise InvalidInput("cannot read the scenario", [FieldProblem("file", str(exc))]) from exc
    return loads(text)


def shipped_text() -> str:
    return resources.files("darman.planning").joinpath(f"data/{SHIPPED}").read_text("utf-8")


def shipped() -> Scenario:
    """The seeds' year: 550 inpatient beds for 280 billion toman, capital equipment 274
    billion, advanced medical equipment 290 billion, and ambulances."""
    return loads(shipped_text())
