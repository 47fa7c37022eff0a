"""What a person at the terminal reads when a command fails: a few plain lines, never a
traceback. Darman's own errors say what is wrong and where; anything else is named by its
class in one Persian line, and its traceback goes to a log file whose path that line gives,
for whoever looks into it."""

from __future__ import annotations

import tempfile
import traceback
from pathlib import Path

from rich.text import Text

from darman.cli.context import err_console
from darman.common.errors import DarmanError
from darman.common.persian import to_persian_digits

# a message longer than this is cut: the whole of it is in the log
LONGEST = 300


def known(exc: DarmanError) -> None:
    """The error's detail on one line, then each problem with its row and field."""
    _say(Text.assemble(("خطا:", "bold red"), " ", exc.detail))
    for p in exc.problems:
        where = "، ".join(
            part
            for part in (
                f"ردیف {to_persian_digits(p.row)}" if p.row is not None else "",
                f"«{p.field}»" if p.field else "",
            )
            if part
        )
        _say(Text(f"  - {where}: {p.reason}" if where else f"  - {p.reason}"))


def unexpected(exc: Exception) -> None:
    """One line naming the exception's class and its first line of text, and where its
    traceback was written (or that it could not be)."""
    said = str(exc).strip().splitlines()[0] if str(exc).strip() else ""
    if len(said) > LONGEST:
        said = said[:LONGEST] + "…"
    log = _log_traceback(exc)
    where = (
        f"شرح کامل خطا در {log} نوشته شد"
        if log is not None
        else "شرح کامل خطا را نمی‌شد در پوشه‌ی موقت نوشت"
    )
    line = f"خطای پیش‌بینی‌نشده ({type(exc).__name__})" + (f": {said}" if said else "")
    _say(Text.assemble(("خطا:", "bold red"), " ", f"{line}؛ {where}."))


def _log_traceback(exc: Exception) -> Path | None:
    try:
        with tempfile.NamedTemporaryFile(
            "w", encoding="utf-8", prefix="darman-error-", suffix=".log", delete=False
        ) as log:
            log.write("".join(traceback.format_exception(exc)))
    except OSError:
        return None
    return Path(log.name)


def _say(text: Text) -> None:
    # Text, not markup: a file name or a message with brackets is printed as it is;
    # soft_wrap keeps the line one line however narrow the terminal
    err_console.print(text, soft_wrap=True)
