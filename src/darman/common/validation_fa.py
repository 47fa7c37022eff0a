"""Pydantic's validation errors as Persian problems, naming the field and the file's row.

Every import (registry tables, claims files, allocation scenarios) validates its rows with
Pydantic, whose messages are English ("Input should be 'main' or 'dependant'"). People
who send those files read Persian: each error type is said here once, in Persian, with the
value that was refused; a message our own validators wrote (a value error) is kept as it
is, since it already says what is wrong."""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from pydantic import ValidationError
from pydantic_core import ErrorDetails

from darman.common.errors import FieldProblem
from darman.common.persian import to_persian_digits

_QUOTED = re.compile(r"'([^']*)'")


def _choices(expected: object) -> str:
    """Pydantic's ``'a', 'b' or 'c'`` as ``«a»، «b» یا «c»``."""
    text = str(expected)
    names = _QUOTED.findall(text)
    if not names:
        return text
    quoted = [f"«{n}»" for n in names]
    return quoted[0] if len(quoted) == 1 else "، ".join(quoted[:-1]) + " یا " + quoted[-1]


def _n(ctx: Mapping[str, Any], key: str) -> str:
    return to_persian_digits(ctx.get(key, "?"))


_Say = Callable[[Mapping[str, Any]], str]
# Pydantic's error type -> the Persian reason (from the error's context)
_REASONS: dict[str, _Say] = {
    "missing": lambda c: "لازم است و خالی مانده",
    "extra_forbidden": lambda c: "شناخته نیست و نباید باشد",
    "string_type": lambda c: "باید متن باشد",
    "int_type": lambda c: "باید عدد صحیح باشد",
    "int_parsing": lambda c: "باید عدد صحیح باشد",
    "int_from_float": lambda c: "باید عدد صحیح باشد، بی‌اعشار",
    "float_type": lambda c: "باید عدد باشد",
    "float_parsing": lambda c: "باید عدد باشد",
    "bool_type": lambda c: "باید درست یا نادرست باشد (true/false یا 1/0)",
    "bool_parsing": lambda c: "باید درست یا نادرست باشد (true/false یا 1/0)",
    "literal_error": lambda c: f"باید یکی از {_choices(c.get('expected', ''))} باشد",
    "enum": lambda c: f"باید یکی از {_choices(c.get('expected', ''))} باشد",
    "greater_than": lambda c: f"باید بیشتر از {_n(c, 'gt')} باشد",
    "greater_than_equal": lambda c: f"باید دست‌کم {_n(c, 'ge')} باشد",
    "less_than": lambda c: f"باید کمتر از {_n(c, 'lt')} باشد",
    "less_than_equal": lambda c: f"باید حداکثر {_n(c, 'le')} باشد",
    "string_too_short": lambda c: f"باید دست‌کم {_n(c, 'min_length')} نویسه باشد",
    "string_too_long": lambda c: f"باید حداکثر {_n(c, 'max_length')} نویسه باشد",
    "too_short": lambda c: f"باید دست‌کم {_n(c, 'min_length')} مورد داشته باشد",
    "too_long": lambda c: f"باید حداکثر {_n(c, 'max_length')} مورد داشته باشد",
    "string_pattern_mismatch": lambda c: "شکل درستی ندارد",
    "date_type": lambda c: "باید تاریخ باشد (۱۴۰۵/۰۱/۰۱ یا 2026-03-21)",
    "date_parsing": lambda c: "باید تاریخ باشد (۱۴۰۵/۰۱/۰۱ یا 2026-03-21)",
    "date_from_datetime_parsing": lambda c: "باید تاریخ باشد (۱۴۰۵/۰۱/۰۱ یا 2026-03-21)",
    "date_from_datetime_inexact": lambda c: "باید تاریخ بی‌ساعت باشد",
    "datetime_type": lambda c: "باید تاریخ و ساعت باشد",
    "datetime_parsing": lambda c: "باید تاریخ و ساعت باشد",
    "dict_type": lambda c: "باید یک شیء با نام و مقدار باشد",
    "model_type": lambda c: "باید یک شیء با نام و مقدار باشد",
    "model_attributes_type": lambda c: "باید یک شیء با نام و مقدار باشد",
    "list_type": lambda c: "باید فهرست باشد",
    "json_invalid": lambda c: "JSON درست نیست",
}


def reason_fa(error: ErrorDetails) -> str:
    """One Pydantic error as a Persian reason, with the value refused where it helps."""
    kind = error["type"]
    ctx: Mapping[str, Any] = error.get("ctx") or {}
    if kind in ("too_short", "too_long") and isinstance(error.get("input"), str):
        # a length bound on text inside an optional type (``Annotated[str, Field(...)] |
        # None``) is reported as a sequence's: the reader is told of characters, not items
        kind = f"string_{kind}"
    if kind in ("value_error", "assertion_error"):
        said = ctx.get("error")
        return str(said) if said is not None else error["msg"].removeprefix("Value error, ")
    say = _REASONS.get(kind)
    if say is None:
        return f"پذیرفته نشد ({error['msg']})"
    reason = say(ctx)
    given = error.get("input")
    if kind != "missing" and isinstance(given, str | int | float) and not isinstance(given, bool):
        shown = str(given)
        if len(shown) <= 40:
            reason = f"«{shown}» پذیرفته نیست: {reason}"
    return reason


def field_of(loc: Sequence[int | str]) -> str | None:
    """Where the error is: ``lines.0.code`` for the first line's code."""
    return ".".join(str(p) for p in loc) or None


def problems_fa(
    exc: ValidationError,
    *,
    row: int | None = None,
    row_of: Callable[[Sequence[int | str]], int | None] | None = None,
) -> list[FieldProblem]:
    """Each of ``exc``'s errors as a FieldProblem naming its field and row (``row``, or the
    row ``row_of`` finds for the error's location) with a Persian reason."""
    return [
        FieldProblem(
            field_of(err["loc"]),
            reason_fa(err),
            row=row_of(err["loc"]) if row_of is not None else row,
        )
        for err in exc.errors()
    ]
