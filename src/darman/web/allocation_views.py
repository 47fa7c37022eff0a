"""The budget allocation page: the scenario as a Persian form (``allocation_form``) with
rows of budget lines and planned staff to add and remove, solved on today's facts, with
where the money goes per province drawn as a chart, and each line's explanation. The
shipped scenario fills the form on first visit; the CLI keeps reading the same scenario
from TOML. Errors name the row and the field, in Persian."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request, Response

from darman.common.errors import InvalidInput
from darman.planning import allocation, scenario, service, tables
from darman.planning.enums import POPULATION_LABELS_FA, RESOURCE_LABELS_FA
from darman.security.deps import ReadUowDep
from darman.security.principal import Principal
from darman.web import allocation_form as form
from darman.web import downloads
from darman.web.rendering import PagePrincipal, page_context, render

router = APIRouter(include_in_schema=False)
SENSITIVITY_RUNS = 5
# The solver's refusals are in English for the API; the page says them in Persian.
_SOLVE_FA = {
    "province_code": "استانی با این کد نیست",
    "population": "در هیچ استانی جمعیتی برای سنجش این ردیف نیست",
    "min_per_province": "کف هر استان را نمی‌توان به همه‌ی استان‌ها داد (بودجه یا نیروی کافی نیست)",
}


def money_by_province(sc: scenario.Scenario, lines: list[allocation.LineResult]) -> dict[str, Any]:
    """Rials each province gets (units given x the line's unit cost), per line, provinces
    with the most first; provinces that get nothing are left out."""
    cost = {line.key: line.unit_cost_rials for line in sc.lines}
    names: dict[str, str] = {}
    per: dict[str, dict[str, int]] = {}
    for line in lines:
        for p in line.provinces:
            names[p.code] = p.name_fa
            if p.given:
                per.setdefault(p.code, {})[line.key] = p.given * cost[line.key]
    order = sorted(per, key=lambda code: (-sum(per[code].values()), code))
    return {
        "codes": order,
        "labels": [names[c] for c in order],
        "totals": [sum(per[c].values()) for c in order],
        "datasets": [
            {
                "key": line.key,
                "label": line.label_fa,
                "data": [per[c].get(line.key, 0) for c in order],
            }
            for line in lines
        ],
    }


def _respond(
    request: Request,
    who: Principal,
    uow: ReadUowDep,
    state: form.FormState,
    *,
    runs: int = 0,
    solve: bool = True,
) -> Response:
    s = uow.session
    context = page_context(s, who, active="planning")
    context.update(
        {
            "tab": "allocation",
            "form": state,
            "labels": form.LABELS_FA,
            "weight_labels": form.WEIGHT_LABELS_FA,
            "weights": form.WEIGHTS,
            "levelling": form.LEVELLING,
            "resources": RESOURCE_LABELS_FA,
            "populations": POPULATION_LABELS_FA,
            "runs": runs,
            "result": None,
        }
    )
    if not solve:  # a row added or removed: the form back, checked when it is solved
        return render(request, "planning/allocation.html", context)
    chosen = form.build(state)
    if chosen is None:
        return render(request, "planning/allocation.html", context, status_code=422)
    try:
        problem, solution, lines = service.allocate(s, who, scenario=chosen)
        stable = service.stability(s, who, scenario=chosen, runs=runs) if runs else None
    except InvalidInput as exc:
        for p in exc.problems:
            key, named = form.where(state, p.field or "scenario")
            reason = _SOLVE_FA.get(key.rsplit(".", 1)[-1], "با داده‌های امروز شدنی نیست")
            state.errors.setdefault(key, f"{named}: {reason}")
            state.problems.append(f"{named}: {reason}")
        return render(request, "planning/allocation.html", context, status_code=422)
    money = money_by_province(chosen, lines)
    context["result"] = {
        "scenario": chosen,
        "solution": solution,
        "greedy": allocation.objective_of(problem, allocation.greedy(problem)),
        "lines": lines,
        "money": money,
        "spent": sum(money["totals"]),
        "stability": ({(r.key, r.code): r for r in stable} if stable is not None else None),
        "binding_fa": tables.binding_fa,
    }
    return render(request, "planning/allocation.html", context)


@router.get("/planning/allocation")
def allocation_page(
    request: Request, who: PagePrincipal, uow: ReadUowDep, download: str = ""
) -> Response:
    """The seeds' example scenario in the form, solved."""
    who.require_role(*service.READERS)
    shipped = scenario.shipped()
    if download == "xlsx":
        _, _, lines = service.allocate(uow.session, who, scenario=shipped)
        return downloads.xlsx(tables.allocation_table(lines), "allocation")
    return _respond(request, who, uow, form.state_of(shipped))


async def _posted(request: Request) -> dict[str, str]:
    """The form's fields (its rows are data, so they are not declared one by one); read on
    the event loop, which touches no database."""
    got = await request.form()
    return {k: v for k, v in list(got.items())[:3000] if isinstance(v, str)}


@router.post("/planning/allocation")
def allocation_run(
    request: Request,
    who: PagePrincipal,
    uow: ReadUowDep,
    posted: Annotated[dict[str, str], Depends(_posted)],
) -> Response:
    """Solve the scenario of the form, download its allocation as Excel, or add or remove
    a row (the form comes back with what was typed kept)."""
    who.require_role(*service.READERS)
    action = posted.pop("action", "solve")
    runs = SENSITIVITY_RUNS if posted.pop("sensitivity", "") == "1" else 0
    state = form.state_from(posted)
    group, _, index = action.partition(":")
    if group in ("add-line", "add-staff"):
        state = form.with_row(state, "lines" if group == "add-line" else "planned_staff")
        return _respond(request, who, uow, state, runs=runs, solve=False)
    if group in ("remove-line", "remove-staff") and index.isdigit():
        target = "lines" if group == "remove-line" else "planned_staff"
        state = form.without_row(state, target, int(index))
        return _respond(request, who, uow, state, runs=runs, solve=False)
    if action == "xlsx":
        chosen = form.build(state)
        if chosen is not None:
            try:
                _, _, lines = service.allocate(uow.session, who, scenario=chosen)
                stable = (
                    service.stability(uow.session, who, scenario=chosen, runs=runs)
                    if runs
                    else None
                )
                return downloads.xlsx(tables.allocation_table(lines, stable), "allocation")
            except InvalidInput:
                pass  # the page below says what is wrong
        state = form.state_from(posted)
    return _respond(request, who, uow, state, runs=runs)
