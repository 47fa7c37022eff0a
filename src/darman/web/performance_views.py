"""Performance pages for national and provincial staff: the scorecard (provinces by
indicators, each cell coloured by its legend, with target and trend) and the managers'
ranking (each rank explained, its interval under the weight draws drawn as a bar). A
provincial manager sees their own province in full and the others' ranks only, as the
service decides. Pages call the performance service with the page principal."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request, Response
from fastapi.responses import RedirectResponse
from sqlalchemy.orm import Session

from darman.common.errors import FieldProblem, InvalidInput, NotFound
from darman.common.jalali import tehran_today
from darman.performance import periods, responses, service, surveys, tables
from darman.performance.enums import COLOUR_LABELS_FA, DIRECTION_LABELS_FA
from darman.performance.schemas import Scorecard
from darman.registry import service as registry
from darman.security.deps import ReadUowDep, UowDep
from darman.security.principal import Principal
from darman.web import downloads, province_map, registry_views
from darman.web.rendering import PagePrincipal, page_context, render, templates

router = APIRouter(include_in_schema=False)
DRAWS = 200  # weight draws behind the page's rank intervals
BAR_WIDTH = 240  # px of the interval drawing


def _period(session: Any, asked: str) -> str:
    """The asked period when it reads, else the latest computed month, else last month."""
    if asked:
        try:
            return periods.parse(asked).code
        except InvalidInput:
            pass
    return service.latest_month(session) or periods.last_complete_month(tehran_today()).code


# Resources per 10,000 insured: on the demo's scaled registry they mix full-size owned
# centres with a sample of insured (3,134 beds per 10,000), so the pages leave them out.
RESOURCE_RATIOS = frozenset({"beds_per_10k", "icu_beds_per_10k", "physicians_per_10k"})


def _withheld(s: Session, card: Scorecard) -> tuple[Scorecard, str | None]:
    """``card`` with its resource ratios blanked, and why, when the registry is a scaled
    synthetic dataset (see ``registry_views.beds_ratio_withheld``)."""
    why = registry_views.beds_ratio_withheld(s)
    if why is None:
        return card, None
    blank = {"value": None, "colour": None, "colour_fa": None, "gap_to_target": None,
             "trend_3": None, "trend_6": None, "trend_12": None}  # fmt: skip
    rows = [
        r.model_copy(
            update={
                "cells": [
                    c.model_copy(update=blank) if c.indicator in RESOURCE_RATIOS else c
                    for c in r.cells
                ]
            }
        )
        for r in card.rows
    ]
    note = (
        "تخت، تخت ویژه و پزشک به ازای ده هزار بیمه‌شده نشان داده نمی‌شوند: " + why.split(": ", 1)[-1]
    )
    return card.model_copy(update={"rows": rows}), note


def _scorecard_map(card: Scorecard, indicator: str) -> province_map.ProvinceMap | None:
    """The chosen indicator (else the first) of each province the caller sees in full."""
    chosen = next((i for i in card.indicators if i.code == indicator), None) or next(
        iter(card.indicators), None
    )
    if chosen is None:
        return None
    at = [i.code for i in card.indicators].index(chosen.code)
    return province_map.build(
        "scorecard",
        f"{chosen.name_fa} ({chosen.unit_fa}) · {DIRECTION_LABELS_FA[chosen.direction]}",
        [(r.province_code, r.province_name_fa) for r in sorted(card.rows,
                                                               key=lambda r: r.province_code)],
        {r.province_code: r.cells[at].value for r in card.rows if r.full},
    )  # fmt: skip


@router.get("/performance")
def scorecard_page(
    request: Request,
    who: PagePrincipal,
    uow: ReadUowDep,
    period: str = "",
    download: str = "",
    indicator: str = "",
) -> Response:
    """The scorecard of a month, and one indicator of it on the province map."""
    who.require_role(*service.READERS)
    s = uow.session
    code = _period(s, period)
    card, withheld = _withheld(s, service.scorecard(s, who, period=code))
    if download == "xlsx":
        return downloads.xlsx(tables.scorecard_table(card), f"scorecard-{code.replace('/', '-')}")
    shown = _scorecard_map(card, indicator)
    context = page_context(s, who, active="performance")
    context.update(
        {
            "map": shown,
            "map_indicator": indicator if indicator in {i.code for i in card.indicators} else "",
            "card": card,
            "withheld": withheld,
            "period": code,
            "colours": COLOUR_LABELS_FA,
            "directions": DIRECTION_LABELS_FA,
            "has_values": any(c.value is not None for r in card.rows for c in r.cells),
            "tab": "scorecard",
        }
    )
    return render(request, "performance/scorecard.html", context)


@router.get("/performance/mine")
def own_page(
    request: Request, who: PagePrincipal, uow: ReadUowDep, period: str = "", province: str = ""
) -> Response:
    """A province's own page: each indicator with its colour, target, gap and trend, and
    the province's rank. A provincial manager sees their own; national staff choose one."""
    who.require_role(*service.READERS)
    s = uow.session
    code = _period(s, period)
    card, withheld = _withheld(s, service.scorecard(s, who, period=code))
    full = [r for r in card.rows if r.full]
    if not full:
        raise NotFound(
            "این دوره برای استان شما شاخصی ندارد", [FieldProblem("period", "شاخصی محاسبه نشده")]
        )
    row = next((r for r in full if r.province_code == province), None) or (
        full[0] if not who.is_national else None
    )
    if row is None:
        row = next((r for r in full if r.province_code == "08"), full[0])
    context = page_context(s, who, active="performance")
    context.update(
        {
            "card": card,
            "row": row,
            "withheld": withheld,
            "cells": list(zip(card.indicators, row.cells, strict=True)),
            "period": code,
            "directions": DIRECTION_LABELS_FA,
            "tab": "mine",
        }
    )
    return render(request, "performance/mine.html", context)


@router.get("/performance/province/{province_code}")
def facilities_page(
    request: Request, province_code: str, who: PagePrincipal, uow: ReadUowDep, period: str = ""
) -> Response:
    """A province's facilities by the indicators counted per facility."""
    who.require_role(*service.READERS)
    s = uow.session
    code = _period(s, period)
    card = service.facility_scorecard(s, who, period=code, province_code=province_code)
    context = page_context(s, who, active="performance")
    context.update({"card": card, "period": code, "colours": COLOUR_LABELS_FA, "tab": ""})
    return render(request, "performance/facilities.html", context)


@router.get("/performance/ranking")
def ranking_page(
    request: Request, who: PagePrincipal, uow: ReadUowDep, period: str = ""
) -> Response:
    """The managers' ranking of a month with every rank explained and its interval drawn."""
    who.require_role(*service.READERS)
    s = uow.session
    code = _period(s, period)
    context = page_context(s, who, active="performance")
    try:
        ranked = service.rank(s, who, period=code, draws=DRAWS)
    except InvalidInput as exc:
        context.update({"ranked": None, "period": code, "why": exc.problems, "tab": "ranking"})
        return render(request, "performance/ranking.html", context)
    n = max(len(ranked.provinces), 2)

    def x(rank: int) -> float:
        # right to left, as the page reads: the first rank at the right end
        return round(BAR_WIDTH - 8 - (rank - 1) * (BAR_WIDTH - 16) / (n - 1), 1)

    bars = {
        p.province_code: {
            "x": x(p.interval[1]),
            "width": max(x(p.interval[0]) - x(p.interval[1]), 2),
            "dot": x(p.rank),
        }
        for p in ranked.provinces
        if p.interval is not None
    }
    context.update(
        {
            "ranked": ranked,
            "period": code,
            "bars": bars,
            "bar_width": BAR_WIDTH,
            "names": {p.province_code: p.name_fa for p in ranked.provinces},
            "map": province_map.build(
                "ranking",
                "رتبه‌ی هر استان (۱ بهترین؛ پررنگ‌تر یعنی رتبه‌ی پایین‌تر)",
                [(p.code, p.name_fa) for p in registry.list_provinces(s)],
                {p.province_code: p.rank for p in ranked.provinces},
                decimals=0,
            ),
            "tab": "ranking",
        }
    )
    return render(request, "performance/ranking.html", context)


def _surveys_response(
    request: Request,
    who: Principal,
    session: Any,
    *,
    period: str,
    errors: list[Any] | None = None,
    entered: dict[str, str] | None = None,
    message: str = "",
    status: int = 200,
) -> Response:
    inst = surveys.shipped().get("inpatient")
    assert inst is not None
    code = _period(session, period)
    got = responses.scores(session, who, instrument=inst.code, period=code)
    context = page_context(session, who, active="performance")
    context.update(
        {
            "scores": got,
            "instrument": inst,
            "period": code,
            "may_enter": who.role in responses.IMPORTERS,
            "errors": {e.field: e.reason for e in errors or []},
            "entered": entered or {},
            "message": message,
            "tab": "surveys",
        }
    )
    return render(request, "performance/surveys.html", context, status_code=status)


@router.get("/performance/surveys")
def surveys_page(
    request: Request, who: PagePrincipal, uow: ReadUowDep, period: str = "", saved: str = ""
) -> Response:
    """Patient-experience scores per province and facility with the count beside each,
    and the form to enter one response."""
    who.require_role(*service.READERS)
    message = "پاسخ ثبت شد." if saved else ""
    return _surveys_response(request, who, uow.session, period=period, message=message)


async def _form_values(request: Request) -> dict[str, str]:
    """The posted fields as text (the questions are data, so they are not declared one by
    one); read on the event loop, which touches no database."""
    form = await request.form()
    return {k: v[:64] for k, v in form.items() if isinstance(v, str)}


@router.post("/performance/surveys")
def enter_survey(
    request: Request,
    who: PagePrincipal,
    uow: UowDep,
    values: Annotated[dict[str, str], Depends(_form_values)],
) -> Response:
    """Store one response entered on the form; bad fields are named beside each."""
    who.require_role(*responses.IMPORTERS)
    values = {**values, "instrument": "inpatient"}
    try:
        responses.enter_response(uow.session, who, values=values)
        uow.commit()
    except InvalidInput as exc:
        uow.rollback()
        return _surveys_response(
            request, who, uow.session, period="", errors=exc.problems, entered=values,
            status=422,
        )  # fmt: skip
    return RedirectResponse("/performance/surveys?saved=1", 303)


def performance_nav(who: Principal) -> list[dict[str, str]]:
    if who.role not in service.READERS:
        return []
    return [
        {
            "key": "performance",
            "href": "/performance",
            "label": "شاخص‌ها و رتبه‌بندی",
            "hint": "کارنامه‌ی استان‌ها با هدف و روند، رتبه‌بندی مدیران درمان با توضیح و پایداری",
        }
    ]


templates.env.globals["performance_nav"] = performance_nav
