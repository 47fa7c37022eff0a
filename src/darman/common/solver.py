"""What the optimiser said, in Persian: SciPy's HiGHS answers in English
("Optimization terminated successfully. (HiGHS Status 7: Optimal)"), and the tender and
allocation pages and commands show its outcome to people who read Persian."""

from __future__ import annotations

# (a word of the solver's message, what it means), checked in order
_MEANINGS: tuple[tuple[str, str], ...] = (
    ("greedy kept", "جواب روش حریصانه نگه داشته شد (بهتر از جواب برنامه‌ی متوقف‌شده)"),
    ("nothing to award", "چیزی برای تخصیص نیست"),
    ("infeasible", "ناشدنی: هیچ جوابی همه‌ی قیدها را برآورده نمی‌کند"),
    ("unbounded", "بی‌کران: مسئله درست تعریف نشده است"),
    ("time limit", "در سقف زمان متوقف شد؛ بهترین جواب یافته"),
    ("iteration limit", "در سقف تکرار متوقف شد؛ بهترین جواب یافته"),
    ("optimal", "بهینه"),
    ("successfully", "بهینه"),
)


def status_fa(message: str) -> str:
    """The solver's message as one Persian phrase; an unknown one is kept, labelled."""
    lower = message.lower()
    for word, meaning in _MEANINGS:
        if word in lower:
            return meaning
    return f"پاسخ حل‌کننده: {message}"
