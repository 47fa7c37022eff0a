"""Search-parameter tables of the domain resources (prescriptions, referrals).

The same FHIR search semantics as ``fhir.params`` (repeat ANDs, comma ORs, empty
ignored, unknown refused with 400); each parameter maps a raw value to a SQL
condition on the domain's rows. A table is one dict per resource type.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from typing import Any

from sqlalchemy import ColumnElement, false, or_, true

from darman.common.errors import FieldProblem
from darman.common.persian import to_ascii_digits
from darman.fhir import params
from darman.fhir.errors import SearchParameterInvalid

Condition = Callable[[str], ColumnElement[bool]]


def bad(name: str, reason: str) -> SearchParameterInvalid:
    return SearchParameterInvalid(f"{name}: {reason}", [FieldProblem(name, reason)])


def int_id(raw: str, prefix: str = "") -> int | None:
    """The integer of a logical id (``<prefix><digits>``), None when it is not one of ours."""
    value = raw.strip()
    if prefix:
        if not value.startswith(prefix):
            return None
        value = value[len(prefix) :]
    if not (value.isascii() and value.isdigit()) or len(value) > 18:
        return None
    return int(value)


def id_of(column: Any, prefix: str = "") -> Condition:
    def cond(raw: str) -> ColumnElement[bool]:
        value = int_id(raw, prefix)
        return column == value if value is not None else false()

    return cond


def reference(name: str, target: str, column: Any, prefix: str = "") -> Condition:
    """``<id>``, ``<Type>/<id>`` or an absolute URL ending so, to one resource type."""

    def cond(raw: str) -> ColumnElement[bool]:
        parts = raw.rstrip("/").split("/")
        if len(parts) >= 2 and parts[-2] != target:
            raise bad(name, f"expected a reference to {target}, got '{raw}'")
        value = int_id(parts[-1], prefix)
        return column == value if value is not None else false()

    return cond


def token(system: str, column: Any, normalize: Callable[[str], str] | None = None) -> Condition:
    """``code``, ``system|code`` or ``system|`` of one identifier system."""

    def cond(raw: str) -> ColumnElement[bool]:
        wanted, value = params.split_token(raw)
        if wanted is not None and wanted != system:
            return false()
        if not value:
            return true()
        text = to_ascii_digits(value.strip())
        return column == (normalize(text) if normalize else text)

    return cond


def date(name: str, column: Any) -> Condition:
    return params._date(name, column)


def conditions(
    resource_type: str, table: dict[str, params.Param], items: Sequence[tuple[str, str]]
) -> list[ColumnElement[bool]]:
    """One condition per search parameter of ``items`` (result parameters skipped)."""
    out: list[ColumnElement[bool]] = []
    for key, raw in items:
        if key in params.RESULT_PARAMS or not raw:
            continue
        spec = table.get(key)
        if spec is None:
            known = ", ".join(sorted(table))
            raise bad(key, f"not a search parameter of {resource_type} here; known: {known}")
        values = [v.replace("\\,", ",") for v in re.split(r"(?<!\\),", raw) if v]
        if values:
            out.append(or_(*[spec.condition(v) for v in values]))
    return out


def documented(table: dict[str, params.Param]) -> list[params.Param]:
    return [p for p in table.values() if ":" not in p.name]
