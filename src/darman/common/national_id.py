"""Iranian national ID (کد ملی): ten digits, the last one a mod-11 check digit."""

from __future__ import annotations

from darman.common.errors import FieldProblem, InvalidInput
from darman.common.persian import to_ascii_digits, to_persian_digits


def check_digit(body: str) -> int:
    """Check digit of the first nine digits: weights 10..2, r = sum % 11, r if r < 2 else 11 - r."""
    if len(body) != 9 or not (body.isascii() and body.isdigit()):
        raise ValueError("the body of a national ID is exactly nine digits")
    remainder = sum(int(d) * (10 - i) for i, d in enumerate(body)) % 11
    return remainder if remainder < 2 else 11 - remainder


def problem(raw: str) -> str | None:
    """Why ``raw`` is not a valid national ID, or None when it is."""
    value = to_ascii_digits(raw.strip())
    if not (value.isascii() and value.isdigit()):
        return "کد ملی فقط رقم دارد"
    if len(value) != 10:
        return f"کد ملی ۱۰ رقم دارد و این یکی {to_persian_digits(len(value))} رقم"
    if len(set(value)) == 1:
        return "کد ملی نمی‌تواند یک رقمِ تکرارشده باشد"
    if check_digit(value[:9]) != int(value[9]):
        return "رقم کنترل (رقم آخر) با نُه رقم دیگر نمی‌خواند"
    return None


def normalize(raw: str, *, field: str = "national_id") -> str:
    """Return the ASCII ten-digit ID, or raise InvalidInput saying what is wrong."""
    reason = problem(raw)
    if reason is not None:
        raise InvalidInput(
            f"'{raw}' is not a valid national ID", [FieldProblem(field=field, reason=reason)]
        )
    return to_ascii_digits(raw.strip())


def make(body: int) -> str:
    """A valid ID from a number below 10**9 (for synthetic data)."""
    text = f"{body:09d}"
    return text + str(check_digit(text))
