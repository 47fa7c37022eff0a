"""Patient-experience surveys: instruments as data (``data/surveys.toml``), linear scoring
to 0-100 per item and composite (HCAHPS's linear mean score), and the minimum number of
responses below which a unit is shown as "too few". Pure: no database, no HTTP."""

from __future__ import annotations

import tomllib
from functools import lru_cache
from importlib import resources
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, model_validator

Code = Annotated[str, Field(min_length=1, max_length=48, pattern=r"^[a-z0-9_]+$")]
TOO_FEW_FA = "پاسخ کم"


class Question(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    code: Code
    text_fa: str
    low: int
    high: int
    labels_fa: list[str] = []

    @model_validator(mode="after")
    def _scale(self) -> Question:
        if self.high <= self.low:
            raise ValueError("high must be above low")
        if self.labels_fa and len(self.labels_fa) != self.high - self.low + 1:
            raise ValueError("one label per answer")
        return self

    def score(self, answer: int) -> float:
        """The answer on 0-100: the lowest answer 0, the highest 100, linear between."""
        return (answer - self.low) / (self.high - self.low) * 100


class Composite(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    code: Code
    name_fa: str
    items: Annotated[list[Code], Field(min_length=1)]


class Instrument(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    code: Code
    name_fa: str
    indicator: Code
    min_responses: Annotated[int, Field(ge=1, le=10_000)]
    question: Annotated[list[Question], Field(min_length=1)]
    composite: Annotated[list[Composite], Field(min_length=1)]

    @model_validator(mode="after")
    def _items_known(self) -> Instrument:
        known = {q.code for q in self.question}
        for c in self.composite:
            unknown = set(c.items) - known
            if unknown:
                raise ValueError(f"composite {c.code} names unknown items {sorted(unknown)}")
        return self

    def questions(self) -> dict[str, Question]:
        return {q.code: q for q in self.question}

    def composites(self, answers: dict[str, int]) -> dict[str, float | None]:
        """A respondent's composite scores: the mean of the answered items' scores (none
        when no item of the composite was answered)."""
        qs = self.questions()
        out: dict[str, float | None] = {}
        for c in self.composite:
            scores = [qs[i].score(answers[i]) for i in c.items if i in answers]
            out[c.code] = sum(scores) / len(scores) if scores else None
        return out

    def overall(self, answers: dict[str, int]) -> float | None:
        """A respondent's overall score: the mean of their composite scores."""
        values = [v for v in self.composites(answers).values() if v is not None]
        return sum(values) / len(values) if values else None


class Instruments(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    version: str
    instrument: list[Instrument]

    def get(self, code: str) -> Instrument | None:
        return next((i for i in self.instrument if i.code == code), None)


def unit_score(scores: list[float], minimum: int) -> float | None:
    """A facility's or province's score: the mean over its respondents, none (shown as
    "too few") below the minimum number of responses."""
    if len(scores) < minimum or not scores:
        return None
    return sum(scores) / len(scores)


@lru_cache(maxsize=1)
def shipped() -> Instruments:
    text = resources.files("darman.performance").joinpath("data", "surveys.toml").read_text("utf-8")
    return Instruments.model_validate(tomllib.loads(text))
