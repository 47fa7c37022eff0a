"""What a circular looks like coming in (a form, the API, a row of the metadata CSV) and
going out."""

from __future__ import annotations

import datetime as dt
from typing import Annotated

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field

from darman.circulars.enums import EffectKind
from darman.common.validators import AnyDate, Digits, OptionalAnyDate, PersianText


def _text(value: object) -> object:
    """A circular's text keeps its lines; a control character other than a line break or
    tab is a fault of the file, and PostgreSQL refuses NUL outright."""
    if isinstance(value, str):
        for ch in value:
            if ch < " " and ch not in "\n\r\t":
                raise ValueError(f"control character U+{ord(ch):04X} is not allowed")
    return value


Body = Annotated[str, BeforeValidator(_text), Field(min_length=1, max_length=500_000)]
Number = Annotated[Digits, Field(min_length=1, max_length=32, pattern=r"^[0-9A-Za-z/\-.]+$")]


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class EffectIn(Strict):
    kind: EffectKind
    target: Number = Field(description="the number of the circular this one acts on")
    provisions: Annotated[PersianText, Field(max_length=300)] = ""
    effective_on: OptionalAnyDate = Field(
        default=None, description="from when; the circular's own effective day if omitted"
    )


class CircularCreate(Strict):
    number: Number
    issued_on: AnyDate = Field(description="Jalali 1403/01/15 or Gregorian 2024-04-03")
    effective_from: OptionalAnyDate = Field(default=None, description="the issue day if omitted")
    issuer: Annotated[PersianText, Field(min_length=2, max_length=200)]
    subject: Annotated[PersianText, Field(min_length=2, max_length=300)]
    audience: Annotated[PersianText, Field(max_length=300)] = ""
    # codes or Persian names; none means every province / every kind of centre
    provinces: list[Annotated[str, Field(min_length=1, max_length=64)]] = Field(
        default_factory=list, max_length=31
    )
    facility_kinds: list[Annotated[str, Field(min_length=1, max_length=64)]] = Field(
        default_factory=list, max_length=16
    )
    body: Body
    effects: list[EffectIn] = Field(default_factory=list, max_length=200)


class EffectRead(BaseModel):
    source: str
    target: str
    kind: EffectKind
    provisions: str
    effective_on: dt.date
    effective_on_fa: str


class AttachmentRead(BaseModel):
    id: int
    filename: str
    media_type: str
    size_bytes: int
    sha256: str
    added_by: str
    added_at: dt.datetime


class CircularRead(BaseModel):
    number: str
    issued_on: dt.date
    issued_on_fa: str
    effective_from: dt.date
    issuer: str
    subject: str
    audience: str
    provinces: list[str]
    provinces_fa: list[str]
    facility_kinds: list[str]
    facility_kinds_fa: list[str]
    audience_fa: str
    status: str
    status_fa: str
    body: str


class EventRead(BaseModel):
    on: dt.date
    on_fa: str
    kind: str
    label_fa: str
    other: str | None
    direction: str
    provisions: str


class SearchHit(BaseModel):
    number: str
    subject: str
    issuer: str
    issued_on: dt.date
    issued_on_fa: str
    status: str
    rank: float
    passage: str
    # the matched words inside ``passage``, as [start, end) character offsets
    marks: list[tuple[int, int]]
