"""The elderly's screenings as data (``data/screenings.toml``), and the age arithmetic the
due lists and the programmes share: pure, no database.

A screening applies to a person by age (whole years on the reference day) and sex, and is
done when one of its service codes was claimed or one of its LOINC codes measured within
``every_months`` months up to the reference day."""

from __future__ import annotations

import calendar
import datetime as dt
import tomllib
from dataclasses import dataclass
from importlib import resources
from typing import Any

from darman.population.enums import LOINC

SEXES = ("any", "male", "female")


@dataclass(frozen=True)
class Screening:
    code: str
    name_fa: str
    min_age: int
    max_age: int | None
    sex: str
    every_months: int
    service_codes: tuple[str, ...]
    loinc: tuple[str, ...]

    def applies(self, *, age: int, sex: str) -> bool:
        """Whether the screening is due to a person of this age and sex at all."""
        old_enough = age >= self.min_age and (self.max_age is None or age <= self.max_age)
        return old_enough and self.sex in ("any", sex)


@dataclass(frozen=True)
class Screenings:
    version: str
    elderly_from_age: int
    items: tuple[Screening, ...]


def born_by(on: dt.date, age: int) -> dt.date:
    """The last birth day of a person who is at least ``age`` whole years old on ``on``
    (someone born on 29 Esfand's Gregorian twin, 29 February, turns a year older on
    28 February in a common year)."""
    try:
        return on.replace(year=on.year - age)
    except ValueError:  # 29 February in a year that has none
        return on.replace(year=on.year - age, day=28)


def age_on(birth: dt.date, on: dt.date) -> int:
    """Whole years from ``birth`` to ``on``."""
    return on.year - birth.year - ((on.month, on.day) < (birth.month, birth.day))


def months_before(on: dt.date, months: int) -> dt.date:
    """The day ``months`` calendar months before ``on`` (that month's last day when ``on``'s
    day does not exist in it): a screening done on or after it is within the interval."""
    year, month = divmod(on.year * 12 + on.month - 1 - months, 12)
    month += 1
    return dt.date(year, month, min(on.day, calendar.monthrange(year, month)[1]))


def check_people(raw: dict[str, Any], where: str) -> tuple[int, int | None, str]:
    """The age band and sex of a screening or programme; ValueError naming ``where``."""
    min_age = raw.get("min_age")
    max_age = raw.get("max_age")
    if not isinstance(min_age, int) or not 0 <= min_age <= 120:
        raise ValueError(f"{where}: min_age must be a whole number of years, 0 to 120")
    if max_age is not None and (not isinstance(max_age, int) or max_age < min_age):
        raise ValueError(f"{where}: max_age must be a whole number not below min_age")
    sex = str(raw.get("sex", "any"))
    if sex not in SEXES:
        raise ValueError(f"{where}: sex must be one of {', '.join(SEXES)}")
    return min_age, max_age, sex


def check_codes(raw: dict[str, Any], where: str) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """The service and LOINC codes that count as done; at least one, LOINC codes known."""
    services = tuple(str(c) for c in raw.get("service_codes", []))
    loinc = tuple(str(c) for c in raw.get("loinc", []))
    unknown = [c for c in loinc if c not in LOINC]
    if unknown:
        raise ValueError(f"{where}: unknown LOINC code {unknown[0]!r}")
    if not services and not loinc:
        raise ValueError(f"{where}: name at least one service code or LOINC code that counts")
    return services, loinc


def parse(text: str) -> Screenings:
    """Screenings from TOML text; ValueError naming the screening and field on bad data."""
    data = tomllib.loads(text)
    items: list[Screening] = []
    for i, raw in enumerate(data.get("screening", []), start=1):
        code = str(raw.get("code", "")).strip()
        if not code:
            raise ValueError(f"screening {i}: code is missing")
        min_age, max_age, sex = check_people(raw, f"screening {code}")
        every = raw.get("every_months")
        if not isinstance(every, int) or not 1 <= every <= 120:
            raise ValueError(f"screening {code}: every_months must be 1 to 120")
        services, loinc = check_codes(raw, f"screening {code}")
        items.append(
            Screening(
                code=code,
                name_fa=str(raw.get("name_fa", code)),
                min_age=min_age,
                max_age=max_age,
                sex=sex,
                every_months=every,
                service_codes=services,
                loinc=loinc,
            )
        )
    if len({s.code for s in items}) != len(items):
        raise ValueError("a screening code is given twice")
    return Screenings(
        version=str(data.get("version", "")),
        elderly_from_age=int(data.get("elderly_from_age", 60)),
        items=tuple(items),
    )


def shipped() -> Screenings:
    """The screenings shipped with the package."""
    text = resources.files("darman.population").joinpath("data/screenings.toml")
    return parse(text.read_text("utf-8"))
