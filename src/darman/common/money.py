"""Money is integer rials everywhere and shown in rials on pages; toman only beside a
stated conversion (the command line's payment table)."""

from __future__ import annotations

from darman.common.persian import format_number

RIALS_PER_TOMAN = 10


def rials(value: int) -> int:
    """Guard that an amount is an int (bool and float are refused: no fractional rials)."""
    if isinstance(value, bool) or not isinstance(value, int):
        raise TypeError(f"money is integer rials, got {type(value).__name__}")
    return value


def format_toman(amount_rials: int) -> str:
    """Persian display in toman, e.g. ``۱۲٬۵۰۰ تومان``; rounds half away from zero."""
    rials(amount_rials)
    sign = -1 if amount_rials < 0 else 1
    toman = sign * ((abs(amount_rials) + RIALS_PER_TOMAN // 2) // RIALS_PER_TOMAN)
    return f"{format_number(toman)} تومان"


def format_rials(amount_rials: int) -> str:
    """Persian display in rials, e.g. ``۱۲۵٬۰۰۰ ریال``: the unit claims are asked, cut and
    paid in, for screens where an amount is typed back in rials."""
    return f"{format_number(rials(amount_rials))} ریال"
