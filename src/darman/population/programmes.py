"""Prevention programmes as data (``data/programmes.toml``): pure, no database.

A programme names its target population (age band, sex, provinces, a register), the
service and LOINC codes that count as done, the period (Jalali months up to the reference
month) and the coverage it aims at."""

from __future__ import annotations

import datetime as dt
import tomllib
from dataclasses import dataclass
from importlib import resources

from darman.common.jalali import jalali_month, jalali_month_bounds
from darman.population.screenings import check_codes, check_people


@dataclass(frozen=True)
class Programme:
    code: str
    name_fa: str
    min_age: int
    max_age: int | None
    sex: str
    provinces: tuple[str, ...]  # province codes; empty: every province
    register: str | None
    service_codes: tuple[str, ...]
    loinc: tuple[str, ...]
    period_months: int
    target_percent: float

    def window(self, on: dt.date) -> tuple[dt.date, dt.date]:
        """The days a service counts in for the reference day ``on``: from the first day
        of the Jalali month ``period_months - 1`` months before ``on``'s, to ``on``."""
        month = jalali_month(on)
        index = (month // 100) * 12 + month % 100 - 1 - (self.period_months - 1)
        first = (index // 12) * 100 + index % 12 + 1
        return jalali_month_bounds(first)[0], on


def parse(text: str, *, registers: tuple[str, ...]) -> tuple[Programme, ...]:
    """Programmes from TOML text; ValueError naming the programme and field on bad data.
    ``registers``: the register codes a programme may target."""
    data = tomllib.loads(text)
    out: list[Programme] = []
    for i, raw in enumerate(data.get("programme", []), start=1):
        code = str(raw.get("code", "")).strip()
        if not code or not code.replace("_", "").isalnum() or not code.isascii():
            raise ValueError(f"programme {i}: code must be letters, digits and _")
        where = f"programme {code}"
        min_age, max_age, sex = check_people(raw, where)
        services, loinc = check_codes(raw, where)
        register = raw.get("register")
        if register is not None and register not in registers:
            raise ValueError(f"{where}: unknown register {register!r}")
        months = raw.get("period_months")
        if not isinstance(months, int) or not 1 <= months <= 60:
            raise ValueError(f"{where}: period_months must be 1 to 60")
        target = raw.get("target_percent")
        if not isinstance(target, int | float) or not 0 < target <= 100:
            raise ValueError(f"{where}: target_percent must be above 0 and at most 100")
        out.append(
            Programme(
                code=code,
                name_fa=str(raw.get("name_fa", code)),
                min_age=min_age,
                max_age=max_age,
                sex=sex,
                provinces=tuple(str(p) for p in raw.get("provinces", [])),
                register=register,
                service_codes=services,
                loinc=loinc,
                period_months=months,
                target_percent=float(target),
            )
        )
    if len({p.code for p in out}) != len(out):
        raise ValueError("a programme code is given twice")
    return tuple(out)


def shipped(*, registers: tuple[str, ...]) -> tuple[Programme, ...]:
    """The programmes shipped with the package."""
    text = resources.files("darman.population").joinpath("data/programmes.toml")
    return parse(text.read_text("utf-8"), registers=registers)
