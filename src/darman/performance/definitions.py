"""Indicator definitions, read from a versioned TOML file shipped with the package
(``performance/data/indicators.toml``). Pure: no database, no HTTP.

A definition says what an indicator is (numerator and denominator query names, factor,
direction, period type, legend bands, source domain, default ranking weight); the queries
themselves live in ``queries.py``. Errors name the indicator and the field.
"""

from __future__ import annotations

import math
import tomllib
from functools import lru_cache
from importlib import resources
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from darman.common.errors import FieldProblem, InvalidInput
from darman.performance.enums import Colour, Direction, PeriodType

SHIPPED = "indicators.toml"
Code = Annotated[str, Field(min_length=1, max_length=48, pattern=r"^[a-z0-9_]+$")]


class Band(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    below: float
    colour: Colour


class Indicator(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    code: Code
    name_fa: Annotated[str, Field(min_length=1, max_length=200)]
    name_en: Annotated[str, Field(min_length=1, max_length=200)]
    unit_fa: Annotated[str, Field(min_length=1, max_length=32)]
    numerator: Code
    denominator: Code
    factor: Literal[1, 100, 1000, 10000]
    direction: Direction
    period_type: PeriodType
    source: Annotated[str, Field(min_length=1, max_length=32)]
    weight: Annotated[float, Field(ge=0, le=100, allow_inf_nan=False)] = 1.0
    # below this denominator the value is not shown ("too few"), e.g. survey responses
    min_denominator: Annotated[int, Field(ge=0, le=1_000_000)] = 0
    legend: Annotated[list[Band], Field(min_length=1)]

    @model_validator(mode="after")
    def _bands_rise(self) -> Indicator:
        limits = [b.below for b in self.legend]
        if limits != sorted(limits) or len(set(limits)) != len(limits):
            raise ValueError("legend bands must rise strictly by 'below'")
        if not math.isinf(limits[-1]):
            raise ValueError("the last legend band must be open (below = inf)")
        return self

    def colour(self, value: float | None) -> Colour | None:
        """The legend colour of ``value`` (none for a missing value)."""
        if value is None:
            return None
        for band in self.legend:
            if value < band.below:
                return band.colour
        return self.legend[-1].colour


class Definitions(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    version: Annotated[str, Field(min_length=1, max_length=16)]
    indicator: Annotated[list[Indicator], Field(min_length=1)]

    @model_validator(mode="after")
    def _unique(self) -> Definitions:
        codes = [i.code for i in self.indicator]
        if len(set(codes)) != len(codes):
            raise ValueError("indicator codes must be unique")
        return self

    @property
    def indicators(self) -> list[Indicator]:
        return list(self.indicator)

    def get(self, code: str) -> Indicator:
        for ind in self.indicator:
            if ind.code == code:
                return ind
        raise InvalidInput(
            f"no indicator '{code}'", [FieldProblem("indicator", f"شاخص «{code}» تعریف نشده است")]
        )


def parse(text: str, *, name: str = SHIPPED) -> Definitions:
    """Definitions from TOML text; a bad file names the line or the field at fault."""
    try:
        raw = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise InvalidInput(
            f"'{name}' is not valid TOML", [FieldProblem(None, f"فایل TOML نامعتبر است: {exc}")]
        ) from exc
    try:
        return Definitions.model_validate(raw)
    except ValidationError as exc:
        problems = [
            FieldProblem(".".join(str(p) for p in err["loc"]), err["msg"]) for err in exc.errors()
        ]
        raise InvalidInput(f"'{name}': bad indicator definitions", problems) from exc


@lru_cache(maxsize=1)
def shipped() -> Definitions:
    """The definitions shipped with the package."""
    text = resources.files("darman.performance").joinpath("data", SHIPPED).read_text("utf-8")
    return parse(text)
