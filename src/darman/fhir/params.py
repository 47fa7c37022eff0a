"""FHIR search parameters of the facade, each turned into a SQL condition on registry rows.

Rules (FHIR R4 search semantics, restricted to what the facade serves):
- a repeated parameter ANDs, comma-separated values OR (``\\,`` is a literal comma);
- a parameter with an empty value is ignored, as the specification says;
- an unknown parameter or modifier is refused with 400 rather than ignored, so
  a typo can never silently widen a search;
- tokens take ``code``, ``system|code``, ``|code`` (no system: never ours) and
  ``system|`` (any code of that system); a known system with an unknown code
  simply matches nothing;
- strings match case-insensitively from the start (``:contains``, ``:exact``
  change that), after the same Persian normalisation the registry stores.

Scope is not applied here: the FHIR service starts every query from the
registry's scope filter and only adds these conditions to it.
"""

from __future__ import annotations

import datetime as dt
import math
import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

from sqlalchemy import ColumnElement, and_, false, func, not_, or_, select, true

from darman.common.errors import FieldProblem
from darman.common.paging import MAX_ID, MAX_PAGE_SIZE
from darman.common.persian import normalize_text, to_ascii_digits
from darman.fhir import mapping as m
from darman.fhir.errors import FormatNotSupported, SearchParameterInvalid
from darman.registry.enums import FacilityKind, Ownership
from darman.registry.models import CoveragePeriod, Facility, Insured, Practitioner, Province

Condition = Callable[[str], ColumnElement[bool]]
DEFAULT_COUNT = 50
MAX_COUNT = MAX_PAGE_SIZE
MAX_PAGE = 2**31 - 1
JSON_FORMATS = frozenset({"json", "application/json", "application/fhir+json"})
# Result parameters handled by the endpoint, not turned into conditions.
RESULT_PARAMS = frozenset({"_count", "_page", "_format", "_pretty"})


@dataclass(frozen=True)
class Param:
    name: str  # as written in the URL, modifier included ("name:contains")
    type: str  # FHIR SearchParamType, for the CapabilityStatement
    doc: str
    condition: Condition


@dataclass(frozen=True)
class Paging:
    count: int
    page: int

    @property
    def offset(self) -> int:
        return (self.page - 1) * self.count


def _bad(param: str, reason: str) -> SearchParameterInvalid:
    return SearchParameterInvalid(f"{param}: {reason}", [FieldProblem(param, reason)])


# ------------------------------------------------------------ value parsers
def split_token(raw: str) -> tuple[str | None, str]:
    """``(system, code)``; system None means any system, "" means no system."""
    if "|" in raw:
        system, value = raw.split("|", 1)
        return system, value
    return None, raw


def _split_or(raw: str) -> list[str]:
    return [v.replace("\\,", ",") for v in re.split(r"(?<!\\),", raw) if v]


def _int_id(raw: str) -> int | None:
    value = raw.strip()
    if not (value.isascii() and value.isdigit()) or int(value) > MAX_ID:
        return None
    return int(value)


def _date_bounds(param: str, text: str) -> tuple[dt.date, dt.date]:
    """First and last day a FHIR date of year, month or day precision stands for."""
    try:
        if re.fullmatch(r"\d{4}", text):
            year = int(text)
            return dt.date(year, 1, 1), dt.date(year, 12, 31)
        if re.fullmatch(r"\d{4}-\d{2}", text):
            first = dt.date(int(text[:4]), int(text[5:]), 1)
            after = (first + dt.timedelta(days=32)).replace(day=1)
            return first, after - dt.timedelta(days=1)
        if re.fullmatch(r"\d{4}-\d{2}-\d{2}", text):
            day = dt.date.fromisoformat(text)
            return day, day
    except (ValueError, OverflowError):
        pass
    raise _bad(param, f"'{text}' is not a FHIR date (YYYY, YYYY-MM or YYYY-MM-DD)")


# ---------------------------------------------------------- condition kinds
def _id(column: Any) -> Condition:
    def cond(raw: str) -> ColumnElement[bool]:
        value = _int_id(raw)
        # A non-numeric id is a legal FHIR id that no registry row has.
        return column == value if value is not None else false()

    return cond


def _identifier(system: str, column: Any) -> Condition:
    def cond(raw: str) -> ColumnElement[bool]:
        wanted, value = split_token(raw)
        if wanted is not None and wanted != system:
            return false()
        if not value:
            return true()
        return column == to_ascii_digits(value.strip())

    return cond


def _string(how: str, *columns: Any) -> Condition:
    def cond(raw: str) -> ColumnElement[bool]:
        value = normalize_text(raw).lower()
        if how == "exact":
            return or_(*[c == normalize_text(raw) for c in columns])
        if how == "contains":
            return or_(*[func.lower(c).contains(value, autoescape=True) for c in columns])
        return or_(*[func.lower(c).startswith(value, autoescape=True) for c in columns])

    return cond


def _strings(name: str, doc: str, *columns: Any) -> list[Param]:
    return [
        Param(name, "string", doc, _string("starts", *columns)),
        Param(f"{name}:contains", "string", doc, _string("contains", *columns)),
        Param(f"{name}:exact", "string", doc, _string("exact", *columns)),
    ]


def _gender(column: Any) -> Condition:
    def cond(raw: str) -> ColumnElement[bool]:
        system, value = split_token(raw)
        if system not in (None, m.GENDER_SYSTEM) or value not in m.ADMINISTRATIVE_GENDER:
            raise _bad("gender", f"'{raw}' is not an AdministrativeGender code")
        # The registry records only male and female; other and unknown match nothing.
        return column == value if value in ("male", "female") else false()

    return cond


def _boolean(name: str, column: Any) -> Condition:
    def cond(raw: str) -> ColumnElement[bool]:
        if raw not in ("true", "false"):
            raise _bad(name, "expected true or false")
        return column.is_(raw == "true")

    return cond


def _date(name: str, column: Any) -> Condition:
    def cond(raw: str) -> ColumnElement[bool]:
        prefix, text = (raw[:2], raw[2:]) if raw[:2].isalpha() else ("eq", raw)
        low, high = _date_bounds(name, text)
        ranges: dict[str, ColumnElement[bool]] = {
            "eq": and_(column >= low, column <= high),
            "ne": not_(and_(column >= low, column <= high)),
            "lt": column < low,
            "le": column <= high,
            "gt": column > high,
            "ge": column >= low,
        }
        if prefix not in ranges:
            raise _bad(name, f"prefix '{prefix}' is not supported (eq, ne, lt, le, gt, ge)")
        return ranges[prefix]

    return cond


def _reference(name: str, target: str, column: Any) -> Condition:
    def cond(raw: str) -> ColumnElement[bool]:
        parts = raw.rstrip("/").split("/")
        if len(parts) >= 2 and parts[-2] != target:
            raise _bad(name, f"expected a reference to {target}, got '{raw}'")
        value = _int_id(parts[-1])
        return column == value if value is not None else false()

    return cond


def _province_name(column: Any) -> Condition:
    starts = _string("starts", Province.name_fa)

    def cond(raw: str) -> ColumnElement[bool]:
        return column.in_(select(Province.id).where(starts(raw)))

    return cond


def _facility_type(raw: str) -> ColumnElement[bool]:
    system, value = split_token(raw)
    kinds = {k.value for k in FacilityKind}
    owners = {o.value for o in Ownership}
    checks: list[ColumnElement[bool]] = []
    if system in (None, m.FACILITY_KIND_SYSTEM) and value in kinds:
        checks.append(Facility.kind == value)
    if system in (None, m.OWNERSHIP_SYSTEM) and value in owners:
        checks.append(Facility.ownership == value)
    if system in (None, m.ORGANIZATION_TYPE_SYSTEM) and value == "prov":
        checks.append(true())  # every facility is a healthcare provider
    return or_(*checks) if checks else false()


def _coverage_status(raw: str) -> ColumnElement[bool]:
    if raw not in m.COVERAGE_STATUS:
        raise _bad("status", f"'{raw}' is not a FinancialResourceStatusCodes code")
    return true() if raw == "active" else false()  # every period is an active record


# ------------------------------------------------------------------- tables
def _table(*params: Param | list[Param]) -> dict[str, Param]:
    flat: list[Param] = []
    for p in params:
        flat.extend(p if isinstance(p, list) else [p])
    return {p.name: p for p in flat}


_facility_id = Param("_id", "token", "logical id", _id(Facility.id))
_facility_code = Param(
    "identifier", "token", f"facility code ({m.FACILITY_CODE_SYSTEM}|code)",
    _identifier(m.FACILITY_CODE_SYSTEM, Facility.code),
)  # fmt: skip
_facility_name = _strings("name", "facility name", Facility.name)

PARAMS: dict[str, dict[str, Param]] = {
    "Organization": _table(
        _facility_id,
        _facility_code,
        _facility_name,
        Param("type", "token", "kind (hospital, clinic, ...), owned or contracted, or prov",
              _facility_type),
        Param("active", "token", "true or false", _boolean("active", Facility.is_active)),
    ),
    "Location": _table(
        _facility_id,
        _facility_code,
        _facility_name,
        Param("organization", "reference", "Organization/<id>",
              _reference("organization", "Organization", Facility.id)),
        Param("address-state", "string", "province name (Persian)",
              _province_name(Facility.province_id)),
    ),
    "Patient": _table(
        Param("_id", "token", "logical id", _id(Insured.id)),
        Param("identifier", "token", f"national id ({m.NATIONAL_ID_SYSTEM}|nnnnnnnnnn)",
              _identifier(m.NATIONAL_ID_SYSTEM, Insured.national_id)),
        _strings("family", "last name", Insured.last_name),
        _strings("given", "first name", Insured.first_name),
        _strings("name", "first or last name", Insured.first_name, Insured.last_name),
        Param("gender", "token", "male, female, other, unknown", _gender(Insured.sex)),
        Param("birthdate", "date", "eq, ne, lt, le, gt, ge with YYYY[-MM[-DD]]",
              _date("birthdate", Insured.birth_date)),
        Param("address-state", "string", "province name (Persian)",
              _province_name(Insured.province_id)),
    ),
    "Coverage": _table(
        Param("_id", "token", "logical id", _id(CoveragePeriod.id)),
        Param("beneficiary", "reference", "Patient/<id>",
              _reference("beneficiary", "Patient", CoveragePeriod.insured_id)),
        Param("patient", "reference", "Patient/<id>",
              _reference("patient", "Patient", CoveragePeriod.insured_id)),
        Param("status", "token", "active (every period is an active record)", _coverage_status),
        Param("class-value", "string", "plan", _string("exact", CoveragePeriod.plan)),
    ),
    "Practitioner": _table(
        Param("_id", "token", "logical id", _id(Practitioner.id)),
        Param("identifier", "token", f"medical council number ({m.MEDICAL_COUNCIL_SYSTEM}|n)",
              _identifier(m.MEDICAL_COUNCIL_SYSTEM, Practitioner.council_number)),
        _strings("family", "last name", Practitioner.last_name),
        _strings("given", "first name", Practitioner.first_name),
        _strings("name", "first or last name", Practitioner.first_name, Practitioner.last_name),
        Param("gender", "token", "male, female, other, unknown", _gender(Practitioner.sex)),
    ),
}  # fmt: skip


# ------------------------------------------------------------- entry points
def check_format(items: Iterable[tuple[str, str]]) -> None:
    """The facade speaks JSON only; any other ``_format`` is refused with 406."""
    for key, value in items:
        if key == "_format" and value and value.split(";")[0].strip() not in JSON_FORMATS:
            raise FormatNotSupported(
                f"_format '{value}' is not served; use json",
                [FieldProblem("_format", "only json is served")],
            )


def paging(items: Sequence[tuple[str, str]]) -> Paging:
    """``_count`` (default 50, over 500 trimmed to 500, 0 asks for the total only), ``_page``."""
    values = dict(items)
    count = _non_negative("_count", values.get("_count") or str(DEFAULT_COUNT))
    page = _non_negative("_page", values.get("_page") or "1")
    if page < 1 or page > MAX_PAGE:
        raise _bad("_page", f"must be between 1 and {MAX_PAGE}")
    return Paging(count=min(count, MAX_COUNT), page=page)


def _non_negative(name: str, raw: str) -> int:
    if not (raw.isascii() and raw.isdigit()) or len(raw) > 12:
        raise _bad(name, "expected a non-negative whole number")
    return int(raw)


def conditions(resource_type: str, items: Sequence[tuple[str, str]]) -> list[ColumnElement[bool]]:
    """One condition per search parameter of ``items`` (result parameters skipped)."""
    table = PARAMS[resource_type]
    out: list[ColumnElement[bool]] = []
    for key, raw in items:
        if key in RESULT_PARAMS or not raw:
            continue
        spec = table.get(key)
        if spec is None:
            known = ", ".join(sorted(table))
            raise _bad(key, f"not a search parameter of {resource_type} here; known: {known}")
        alternatives = [spec.condition(v) for v in _split_or(raw)]
        if alternatives:
            out.append(or_(*alternatives))
    return out


def documented(resource_type: str) -> list[Param]:
    """The parameters of a type without modifier variants, for the CapabilityStatement."""
    return [p for p in PARAMS[resource_type].values() if ":" not in p.name]


def bundle_links(
    url: str, items: list[tuple[str, str]], paging: Paging, total: int
) -> list[tuple[str, str]]:
    """self, first, previous, next and last, each repeating the search's own parameters."""
    kept = [(k, v) for k, v in items if k not in ("_count", "_page")]

    def page(n: int) -> str:
        return f"{url}?{urlencode([*kept, ('_count', str(paging.count)), ('_page', str(n))])}"

    links = [("self", page(paging.page))]
    if paging.count == 0:  # a count-only search has no pages to walk
        return links
    last = max(1, math.ceil(total / paging.count))
    links.append(("first", page(1)))
    if 1 < paging.page <= last + 1:
        links.append(("previous", page(paging.page - 1)))
    if paging.page < last:
        links.append(("next", page(paging.page + 1)))
    links.append(("last", page(last)))
    return links
