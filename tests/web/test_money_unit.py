"""One unit of money on every page: amounts are stored in rials and shown in rials
(«ریال»); no template, script or page view converts them to toman behind the reader's back."""

from __future__ import annotations

import re
from pathlib import Path

import darman.web
from darman.common.money import format_rials
from darman.web.rendering import templates

WEB = Path(darman.web.__file__).parent
# the toman word, a toman filter or macro, or a division by ten of an amount
TOMAN = re.compile(r"تومان|\btoman\b|_rials[^\n]{0,12}//\s*10\b")


def test_no_template_script_or_view_shows_money_in_toman() -> None:
    files = [*WEB.rglob("*.html"), *WEB.glob("static/js/*.js"), *WEB.glob("*.py")]
    assert len(files) > 50
    found = [
        f"{path.relative_to(WEB)}:{n}: {line.strip()[:80]}"
        for path in files
        for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1)
        if TOMAN.search(line) and "vendor" not in path.parts
    ]
    assert found == []


def test_the_pages_money_filter_writes_rials_with_the_unit() -> None:
    import darman.web.claims_views  # noqa: F401  (registers the filter)

    assert templates.env.filters["rials"](1_250_000) == "۱٬۲۵۰٬۰۰۰ ریال"
    assert format_rials(-15) == "-۱۵ ریال"
    assert "toman" not in templates.env.filters
