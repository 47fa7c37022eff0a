"""The synthetic schedule must price the session's day: without it every claim dated today
is rejected for want of a tariff (R02), in the demo and across the suite."""

from __future__ import annotations

import datetime as dt

from darman.common.jalali import fiscal_year, tehran_today
from darman.synth import catalogue


def test_the_synthetic_tariffs_cover_this_fiscal_year_and_the_next() -> None:
    this_year = fiscal_year(tehran_today())
    next_year = fiscal_year(tehran_today() + dt.timedelta(days=366))
    assert {this_year, next_year} <= set(catalogue.TARIFF_YEARS), (
        f"synth/catalogue.py TARIFF_YEARS ends at {max(catalogue.TARIFF_YEARS)}: "
        f"publish {this_year} and {next_year}"
    )
