"""Registry overview page: insured, facilities and beds per province, within the caller's scope.

The full page embeds the chart data as JSON; the table is an htmx fragment
(``/registry/table``) so that sorting and the province filter reload only it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

from fastapi import APIRouter, Request, Response
from sqlalchemy.orm import Session

from darman.common.persian import normalize_text, to_ascii_digits, to_persian_digits
from darman.registry import service as registry
from darman.security.deps import ReadUowDep
from darman.synth import service as synth
from darman.web.rendering import PagePrincipal, page_context, render

router = APIRouter(include_in_schema=False)

# Persian alphabetical order; Unicode puts پ چ ژ گ after the Arabic letters.
_ALPHABET = "آاأإبپتثجچحخدذرزژسشصضطظعغفقکكگلمنوؤهةیيئ"
_RANK = {ch: i for i, ch in enumerate(_ALPHABET)}


def persian_sort_key(text: str) -> tuple[int, ...]:
    """Collation key that orders Persian names as a Persian dictionary does."""
    return tuple(_RANK.get(ch, 100 + ord(ch)) for ch in normalize_text(text) if ch != "\u200c")


@dataclass(frozen=True)
class Column:
    key: str
    label: str
    numeric: bool = True
    hint: str = ""


COLUMNS = (
    Column("name", "استان", numeric=False),
    Column("population_2016", "جمعیت", hint="سرشماری ۱۳۹۵"),
    Column("insured", "بیمه‌شدگان"),
    Column("insured_share", "سهم از جمعیت", hint="درصد"),
    Column("owned_facilities", "مراکز ملکی"),
    Column("contracted_facilities", "مراکز طرف قرارداد"),
    Column("beds", "تخت"),
    Column("icu_beds", "تخت ویژه", hint="ICU"),
    Column("beds_per_10k", "تخت به ازای ۱۰٬۰۰۰ بیمه‌شده"),
)
_SORTABLE = {c.key for c in COLUMNS} | {"code"}
_SUMMED = (
    "population_2016",
    "insured",
    "owned_facilities",
    "contracted_facilities",
    "beds",
    "icu_beds",
)


def beds_ratio_withheld(session: Session) -> str | None:
    """Why beds per 10,000 insured is not shown, or None when it is.

    The synthetic dataset at a fraction of the nation draws the insured and the contracted
    centres at that fraction but the insurer's own centres (and their beds) at full size:
    beds over insured would mix the two (682 beds per 10,000 at the demo's 1 %), so the
    ratio is withheld and the page says why."""
    run = synth.existing_seed(session)
    if run is None or run.scale >= 1:
        return None
    share = to_persian_digits(f"{run.scale * 100:g}".replace(".", "٫"))
    return (
        f"نسبت تخت به بیمه‌شده نشان داده نمی‌شود: در این داده‌ی نمایشی بیمه‌شدگان و مراکز "
        f"طرف قرارداد ٪{share} کشورند ولی مراکز ملکی و تخت‌هایشان "
        "به اندازه‌ی همه‌ی کشور، و نسبت این دو معنایی ندارد."
    )


def _ratios(row: dict[str, Any], *, beds: bool = True) -> dict[str, Any]:
    """Insured share of the 2016 population (%) and beds per 10,000 insured (None if no
    insured, or when ``beds`` is False: see ``beds_ratio_withheld``)."""
    population, insured = row["population_2016"], row["insured"]
    return {
        **row,
        "insured_share": insured * 100 / population if population else None,
        "beds_per_10k": row["beds"] * 10_000 / insured if insured and beds else None,
    }


def totals(rows: list[dict[str, Any]], *, beds: bool = True) -> dict[str, Any]:
    """Column sums over the provinces in scope, with the ratios recomputed on the sums."""
    summed: dict[str, Any] = {key: sum(int(r[key]) for r in rows) for key in _SUMMED}
    return _ratios(summed, beds=beds)


def filter_rows(rows: list[dict[str, Any]], q: str) -> list[dict[str, Any]]:
    """Provinces whose Persian or English name or two-digit code contains ``q``."""
    needle = normalize_text(to_ascii_digits(q)).casefold()
    if not needle:
        return rows
    return [
        r
        for r in rows
        if needle in normalize_text(r["name_fa"]).casefold()
        or needle in r["name_en"].casefold()
        or needle == r["code"]
    ]


def sort_rows(rows: list[dict[str, Any]], key: str, descending: bool) -> list[dict[str, Any]]:
    """Sort by a column; rows without a value (no insured for a ratio) always go last."""
    if key == "name":
        return sorted(rows, key=lambda r: persian_sort_key(r["name_fa"]), reverse=descending)
    present = [r for r in rows if r.get(key) is not None]
    missing = [r for r in rows if r.get(key) is None]
    return sorted(present, key=lambda r: r[key], reverse=descending) + missing


def _clean_params(sort: str, dir: str) -> tuple[str, str]:
    sort = sort if sort in _SORTABLE else "code"
    dir = dir if dir in ("asc", "desc") else "asc"
    return sort, dir


def _page_url(sort: str, dir: str, q: str) -> str:
    params = {"sort": sort, "dir": dir}
    if q:
        params["q"] = q
    return "/registry?" + urlencode(params)


def table_context(
    raw: list[dict[str, Any]], *, sort: str, dir: str, q: str, beds: bool = True
) -> dict[str, Any]:
    """What ``_registry_table.html`` needs: the rows shown, the headers' next sort, the totals."""
    sort, dir = _clean_params(sort, dir)
    rows = [_ratios(r, beds=beds) for r in raw]
    shown = sort_rows(filter_rows(rows, q), sort, dir == "desc")
    headers = []
    for col in COLUMNS:
        # The first click sorts numbers largest first and names alphabetically.
        first = "desc" if col.numeric else "asc"
        next_dir = ("asc" if dir == "desc" else "desc") if col.key == sort else first
        headers.append(
            {
                "col": col,
                "aria_sort": ("descending" if dir == "desc" else "ascending")
                if col.key == sort
                else "none",
                "href": _page_url(col.key, next_dir, q),
                "hx": f"/registry/table?{urlencode({'sort': col.key, 'dir': next_dir})}",
            }
        )
    return {
        "rows": shown,
        "headers": headers,
        "sort": sort,
        "dir": dir,
        "q": q,
        "total_rows": len(rows),
        "table_totals": totals(shown, beds=beds),
        "filtered": len(shown) != len(rows),
    }


def chart_data(raw: list[dict[str, Any]], *, beds: bool = True) -> dict[str, Any]:
    """Per-province series for the Chart.js bar chart, embedded in the page as JSON."""
    rows = [_ratios(r, beds=beds) for r in raw]
    return {
        "labels": [r["name_fa"] for r in rows],
        "series": {
            "insured": [r["insured"] for r in rows],
            "beds": [r["beds"] for r in rows],
            "beds_per_10k": [
                round(r["beds_per_10k"], 2) if r["beds_per_10k"] is not None else None for r in rows
            ],
        },
        "titles": {
            "insured": "بیمه‌شدگان",
            "beds": "تخت فعال",
            "beds_per_10k": "تخت به ازای ۱۰٬۰۰۰ بیمه‌شده",
        },
    }


@router.get("/registry")
def registry_page(
    request: Request,
    who: PagePrincipal,
    uow: ReadUowDep,
    sort: str = "code",
    dir: str = "asc",
    q: str = "",
) -> Response:
    """Coverage and capacity per province: national users see 31 rows, others their own."""
    raw = registry.province_overview(uow.session, who)
    withheld = beds_ratio_withheld(uow.session)
    beds = withheld is None
    context = page_context(uow.session, who, active="registry")
    context.update(table_context(raw, sort=sort, dir=dir, q=q, beds=beds))
    context["overall"] = totals(raw, beds=beds)
    context["chart"] = chart_data(raw, beds=beds)
    context["beds_withheld"] = withheld
    return render(request, "registry.html", context)


@router.get("/registry/table")
def registry_table(
    request: Request,
    who: PagePrincipal,
    uow: ReadUowDep,
    sort: str = "code",
    dir: str = "asc",
    q: str = "",
) -> Response:
    """htmx fragment: the table alone, sorted and filtered; the address bar follows."""
    raw = registry.province_overview(uow.session, who)
    withheld = beds_ratio_withheld(uow.session)
    context = table_context(raw, sort=sort, dir=dir, q=q, beds=withheld is None)
    context["beds_withheld"] = withheld
    response = render(request, "_registry_table.html", context)
    response.headers["HX-Replace-Url"] = _page_url(context["sort"], context["dir"], q)
    return response
