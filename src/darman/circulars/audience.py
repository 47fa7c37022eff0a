"""Whom a circular is addressed to: provinces and facility kinds, as rows of
``CircularAudience``. No row of a kind means every one of that kind, so a circular with no
province rows binds the whole country and one with no facility-kind rows binds every kind
of centre.

People name provinces and kinds as they write them: a province by its code (``07``, ``۷``)
or its Persian name (with Arabic or Persian yeh and kaf, with or without the word
«استان»), a kind by its code (``hospital``) or its Persian label (بیمارستان)."""

from __future__ import annotations

import functools
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from sqlalchemy import ColumnElement, and_, exists, not_, or_, select

from darman.circulars import text
from darman.circulars.models import Circular, CircularAudience
from darman.common.errors import FieldProblem, InvalidInput
from darman.common.persian import to_ascii_digits
from darman.registry.enums import LABELS_FA, FacilityKind
from darman.registry.provinces import read_facts

PROVINCE = "province"
FACILITY_KIND = "facility_kind"
KIND_FIELD = {PROVINCE: "provinces", FACILITY_KIND: "facility_kinds"}
EVERY_PROVINCE = "همه‌ی استان‌ها"
EVERY_KIND = "همه‌ی مراکز"


@functools.cache
def province_names() -> dict[str, str]:
    """Province code -> Persian name, from the registry's shipped data."""
    return {f.code: f.name_fa for f in read_facts()}


def _key(name: str) -> str:
    return text.normalize(name).removeprefix("استان ").replace(" ", "")


@functools.cache
def _province_by_name() -> dict[str, str]:
    return {_key(name): code for code, name in province_names().items()}


@functools.cache
def _kind_by_name() -> dict[str, str]:
    found = {k.value: k.value for k in FacilityKind}
    found.update({_key(LABELS_FA[k]): k.value for k in FacilityKind})
    return found


def _province(token: str) -> str | None:
    digits = to_ascii_digits(token.strip())
    if digits.isdigit():
        code = digits.zfill(2)
        return code if code in province_names() else None
    return _province_by_name().get(_key(token))


def _kind(token: str) -> str | None:
    return _kind_by_name().get(token.strip().lower()) or _kind_by_name().get(_key(token))


def split(raw: str) -> list[str]:
    """The names in one cell of a sheet, separated by Persian or Latin commas or ';'."""
    for sep in ("،", ";", "؛"):
        raw = raw.replace(sep, ",")
    return [part.strip() for part in raw.split(",") if part.strip()]


def resolve(
    provinces: Sequence[str], facility_kinds: Sequence[str], row: int | None = None
) -> tuple[list[tuple[str, str]], list[FieldProblem]]:
    """(kind, code) pairs for the names given, without repeats, in the order given; a
    name that is no province or kind is a problem naming the field (and ``row``)."""
    pairs: list[tuple[str, str]] = []
    problems: list[FieldProblem] = []
    for kind, names, lookup, what in (
        (PROVINCE, provinces, _province, "استانی"),
        (FACILITY_KIND, facility_kinds, _kind, "نوع مرکزی"),
    ):
        for name in names:
            code = lookup(name)
            if code is None:
                problems.append(FieldProblem(KIND_FIELD[kind], f"«{name}» {what} شناخته نیست", row))
            elif (kind, code) not in pairs:
                pairs.append((kind, code))
    return pairs, problems


@dataclass(frozen=True)
class Audience:
    provinces: list[str]
    facility_kinds: list[str]

    @property
    def provinces_fa(self) -> list[str]:
        return [province_names().get(code, code) for code in self.provinces]

    @property
    def facility_kinds_fa(self) -> list[str]:
        return [LABELS_FA.get(FacilityKind(code), code) for code in self.facility_kinds]

    def describe(self) -> str:
        """One Persian line: «استان‌ها: تهران، فارس · مراکز: بیمارستان»."""
        where = "، ".join(self.provinces_fa) if self.provinces else EVERY_PROVINCE
        kinds = "، ".join(self.facility_kinds_fa) if self.facility_kinds else EVERY_KIND
        return f"استان‌ها: {where} · مراکز: {kinds}"


def of(rows: Iterable[CircularAudience]) -> Audience:
    rows = sorted(rows, key=lambda r: (r.kind, r.code))
    return Audience(
        provinces=[r.code for r in rows if r.kind == PROVINCE],
        facility_kinds=[r.code for r in rows if r.kind == FACILITY_KIND],
    )


def binds(kind: str, code: str) -> ColumnElement[bool]:
    """Whether a circular (of the enclosing select) binds the province or facility kind
    ``code``: it names it, or names none of that kind."""
    of_kind = and_(CircularAudience.circular_id == Circular.id, CircularAudience.kind == kind)
    named = select(CircularAudience.id).where(of_kind, CircularAudience.code == code)
    any_named = select(CircularAudience.id).where(of_kind)
    return or_(exists(named), not_(exists(any_named)))


def code_of(kind: str, name: str | None) -> str | None:
    """The code of one province or facility kind as a person names it (a filter), None
    for none given; InvalidInput naming the field for a name that is neither."""
    if name is None or not name.strip():
        return None
    code = _province(name) if kind == PROVINCE else _kind(name)
    if code is None:
        what = "استانی" if kind == PROVINCE else "نوع مرکزی"
        raise InvalidInput(
            f"«{name}» {what} شناخته نیست",
            [FieldProblem(KIND_FIELD[kind], f"«{name}» {what} شناخته نیست")],
        )
    return code
