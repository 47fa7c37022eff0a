"""Pydantic I/O of the appointment API."""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field

from darman.appointments import rules
from darman.common.validators import AnyDate

Code = Annotated[str, Field(min_length=1, max_length=32, pattern=r"^[A-Za-z0-9-]+$")]
NationalId = Annotated[str, Field(min_length=10, max_length=10)]


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class CallCreate(Strict):
    code: Code
    title_fa: Annotated[str, Field(min_length=3, max_length=200)]
    opens_on: AnyDate
    closes_on: AnyDate
    exam_on: AnyDate | None = None


class PostCreate(Strict):
    code: Code
    title_fa: Annotated[str, Field(min_length=3, max_length=200)]
    kind: Annotated[str, Field(min_length=2, max_length=32)]
    province_code: Annotated[str, Field(pattern=r"^\d{2}$")]
    openings: Annotated[int, Field(ge=1, le=1000, strict=True)]
    min_education: Annotated[int, Field(ge=1, le=5, strict=True)]
    min_experience_years: Annotated[int, Field(ge=0, le=60, strict=True)]
    prior_posts: Annotated[str, Field(max_length=200)] = ""
    max_age: Annotated[int, Field(ge=18, le=80, strict=True)] | None = None


class QuotaIn(Strict):
    category: Annotated[str, Field(description=", ".join(rules.QUOTAS))]
    seats: Annotated[int, Field(ge=1, le=1000, strict=True)]


class RuleIn(Strict):
    weight_exam: Annotated[int, Field(ge=0, le=100, strict=True)]
    weight_interview: Annotated[int, Field(ge=0, le=100, strict=True)]
    weight_record: Annotated[int, Field(ge=0, le=100, strict=True)]
    shortlist_per_opening: Annotated[int, Field(ge=1, le=100, strict=True)] | None = 3
    exam_cut: Annotated[float, Field(ge=0, le=100)] | None = None
    interview_cut: Annotated[float, Field(ge=0, le=100)] | None = None
    final_cut: Annotated[float, Field(ge=0, le=100)] | None = None
    tie_break: list[str] = Field(default=["interview", "exam", "record"], max_length=4)
    quotas: list[QuotaIn] = Field(default=[], max_length=5)
    reason: Annotated[str, Field(max_length=1000)] = ""

    def rule(self) -> rules.Rule:
        return rules.Rule(
            weight_exam=self.weight_exam, weight_interview=self.weight_interview,
            weight_record=self.weight_record, shortlist_per_opening=self.shortlist_per_opening,
            exam_cut=self.exam_cut, interview_cut=self.interview_cut, final_cut=self.final_cut,
            tie_break=tuple(self.tie_break),
            quotas=tuple(rules.Quota(q.category, q.seats) for q in self.quotas),
        )  # fmt: skip


class RuleRead(BaseModel):
    post_code: str
    version: int
    rule: dict[str, Any]
    reason: str
    published_by: str
    published_at: str


class ScorecardIn(Strict):
    rater_code: Code
    national_id: NationalId
    panel: Code | None = Field(
        default=None, description="the rater's panel on the post; theirs when left out"
    )
    marks: dict[str, Annotated[int, Field(ge=1, le=5, strict=True)]] = Field(
        description="competency -> mark on the anchored 1-5 scale: " + ", ".join(rules.COMPETENCIES)
    )


class OwnScorecardIn(Strict):
    """A signed-in rater's marks for one candidate: the rater is the caller's own."""

    post_code: Code
    national_id: NationalId
    panel: Code | None = Field(
        default=None, description="your panel on the post; yours when left out"
    )
    marks: dict[str, Annotated[int, Field(ge=1, le=5, strict=True)]] = Field(
        description="competency -> mark on the anchored 1-5 scale: " + ", ".join(rules.COMPETENCIES)
    )


class PanelIn(Strict):
    """The raters to seat on one panel of a post (codes of rater records)."""

    raters: list[Code] = Field(min_length=1, max_length=50)


class RaterUserIn(Strict):
    username: Annotated[str, Field(min_length=1, max_length=64)]


class RaterCreate(Strict):
    code: Code
    full_name: Annotated[str, Field(min_length=2, max_length=120)]
    unit_code: Annotated[str, Field(min_length=1, max_length=32)]


class DeclarationIn(Strict):
    national_id: NationalId
    relation: Annotated[str, Field(description=", ".join(rules.RELATIONS))]


class RecordPointsIn(Strict):
    points: Annotated[float, Field(ge=0, le=100)]
    basis: Annotated[str, Field(max_length=1000)] = ""


class AnswerIn(Strict):
    accept: bool


class OwnResultIn(Strict):
    national_id: NationalId
    access_code: Annotated[str, Field(min_length=4, max_length=32)]


class AppointmentImportResult(BaseModel):
    rows: int
    written: int
    unchanged: int
    changed: int
    committed: bool
    problems: list[dict[str, Any]]
