"""Persian text and digit handling: normalise what users type, render what they read."""

from __future__ import annotations

PERSIAN_DIGITS = "۰۱۲۳۴۵۶۷۸۹"
ARABIC_INDIC_DIGITS = "٠١٢٣٤٥٦٧٨٩"

_TO_ASCII = str.maketrans(PERSIAN_DIGITS + ARABIC_INDIC_DIGITS, "0123456789" * 2)
_TO_PERSIAN = str.maketrans("0123456789", PERSIAN_DIGITS)
# Arabic letters that keyboards and old systems send in place of the Persian ones,
# plus the zero-width and bidi marks that break equality of otherwise equal names.
_LETTERS = str.maketrans(
    {
        "ي": "ی",
        "ى": "ی",
        "ك": "ک",
        "ة": "ه",
        "ۀ": "ه",
        "\u200e": None,
        "\u200f": None,
        "\ufeff": None,
        "\u064b": None,
        "\u064c": None,
        "\u064d": None,
        "\u064e": None,
        "\u064f": None,
        "\u0650": None,
        "\u0651": None,
        "\u0652": None,
    }
)


def to_ascii_digits(text: str) -> str:
    """Persian and Arabic-Indic digits to ASCII, everything else untouched."""
    return text.translate(_TO_ASCII)


def to_persian_digits(value: object) -> str:
    """ASCII digits of ``str(value)`` to Persian digits (for display only)."""
    return str(value).translate(_TO_PERSIAN)


def normalize_text(text: str) -> str:
    """Canonical form of Persian text for storage and comparison.

    Arabic yeh/kaf become Persian, diacritics and invisible marks go, runs of
    whitespace collapse to one space; the zero-width non-joiner is kept because
    it is part of correct Persian spelling.
    """
    cleaned = text.translate(_LETTERS)
    return " ".join(cleaned.split())


def format_number(value: int) -> str:
    """Thousands-grouped number in Persian digits with the Persian separator."""
    grouped = f"{value:,}".replace(",", "٬")
    return to_persian_digits(grouped)


def format_decimal(value: float, digits: int = 1) -> str:
    """``1234.5`` -> ``۱٬۲۳۴٫۵``: Persian thousands and decimal separators."""
    text = f"{value:,.{digits}f}".replace(",", "٬").replace(".", "٫")
    return to_persian_digits(text)
