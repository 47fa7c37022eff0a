"""Pydantic's English errors become Persian reasons naming the value, with field and row."""

from __future__ import annotations

from typing import Annotated, Literal

import pytest
from pydantic import BaseModel, Field, ValidationError, field_validator

from darman.common.validation_fa import problems_fa


class Row(BaseModel):
    relation: Literal["main", "dependant"]
    quantity: int = Field(ge=1, le=90)
    name: str = Field(min_length=2)
    code: str

    @field_validator("code")
    @classmethod
    def _code(cls, value: str) -> str:
        if not value.startswith("F"):
            raise ValueError("کد مرکز با F آغاز می‌شود")
        return value


Found = dict[str | None, tuple[str, int | None]]


def _problems(values: dict[str, object], **where: object) -> Found:
    with pytest.raises(ValidationError) as caught:
        Row.model_validate(values)
    return {p.field: (p.reason, p.row) for p in problems_fa(caught.value, **where)}  # type: ignore[arg-type]


def test_each_error_type_is_said_in_persian_with_the_value_and_the_row() -> None:
    found = _problems({"relation": "parent", "quantity": "0", "name": "a", "code": "X1"}, row=7)
    assert found == {
        "relation": ("«parent» پذیرفته نیست: باید یکی از «main» یا «dependant» باشد", 7),
        "quantity": ("«0» پذیرفته نیست: باید دست‌کم ۱ باشد", 7),
        "name": ("«a» پذیرفته نیست: باید دست‌کم ۲ نویسه باشد", 7),
        "code": ("کد مرکز با F آغاز می‌شود", 7),  # our own validator's words, kept
    }


def test_a_missing_field_and_a_word_for_a_number_are_named() -> None:
    found = _problems({"relation": "main", "quantity": "ten", "name": "ab"}, row=3)
    assert found == {
        "quantity": ("«ten» پذیرفته نیست: باید عدد صحیح باشد", 3),
        "code": ("لازم است و خالی مانده", 3),
    }


def test_the_row_may_depend_on_where_the_error_is() -> None:
    found = _problems(
        {"relation": "main", "quantity": 100, "name": "ab", "code": "F1"},
        row_of=lambda loc: 40 if loc[0] == "quantity" else None,
    )
    assert found == {"quantity": ("«100» پذیرفته نیست: باید حداکثر ۹۰ باشد", 40)}
    assert not any("Input should" in reason for reason, _ in found.values())


class OptionalText(BaseModel):
    name: Annotated[str, Field(min_length=2, max_length=4)] | None = None
    codes: Annotated[list[str], Field(min_length=2)] | None = None


def test_a_length_bound_on_optional_text_is_said_in_characters_and_on_a_list_in_items() -> None:
    """Pydantic reports a bound inside ``Annotated[...] | None`` as a sequence's
    (``too_short``) even on text; the reader of a form field counts characters."""
    with pytest.raises(ValidationError) as caught:
        OptionalText.model_validate({"name": "a", "codes": ["x"]})
    found = {p.field: p.reason for p in problems_fa(caught.value)}
    assert found["name"] == "«a» پذیرفته نیست: باید دست‌کم ۲ نویسه باشد"
    assert found["codes"] == "باید دست‌کم ۲ مورد داشته باشد"
    with pytest.raises(ValidationError) as caught:
        OptionalText.model_validate({"name": "abcde"})
    [long] = problems_fa(caught.value)
    assert long.reason == "«abcde» پذیرفته نیست: باید حداکثر ۴ نویسه باشد"
