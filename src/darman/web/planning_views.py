"""Planning pages for national and provincial staff: equity of a resource with the Lorenz
curve and a province table sortable by any index (and the deprivation ranking), and the
service-levelling gap list (the budget allocation is ``allocation_views``). Each result
downloads as Excel. Pages call the planning service with the page principal."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request, Response

from darman.common.errors import InvalidInput
from darman.common.persian import to_ascii_digits
from darman.planning import service, tables
from darman.planning.enums import POPULATION_LABELS_FA, RESOURCE_LABELS_FA, Population, Resource
from darman.registry import service as registry
from darman.security.deps import ReadUowDep
from darman.security.principal import Principal
from darman.web import downloads, province_map
from darman.web.rendering import PagePrincipal, page_context, render, templates

router = APIRouter(include_in_schema=False)
OWNERSHIP_FA = {"all": "همه‌ی مراکز", "owned": "ملکی", "contracted": "طرف قرارداد"}


def _choice(value: str, allowed: type[Resource] | type[Population], default: Any) -> Any:
    try:
        return allowed(value)
    except ValueError:
        return default


def _norm(text: str) -> float | None:
    cleaned = to_ascii_digits(text.strip()).replace("٫", ".")
    try:
        value = float(cleaned) if cleaned else None
    except ValueError:
        return None
    return value if value is not None and 0 <= value <= 100_000 else None


# ------------------------------------------------------------------ equity
@router.get("/planning")
@router.get("/planning/equity")
def equity_page(
    request: Request,
    who: PagePrincipal,
    uow: ReadUowDep,
    resource: str = Resource.ICU_BEDS_1396.value,
    population: str = Population.TOTAL.value,
    ownership: str = "all",
    need: str = "",
    norm: str = "",
    download: str = "",
) -> Response:
    """A resource per head across provinces: indices with and without Tehran, the Lorenz
    curve, the province table, and the deprivation ranking."""
    who.require_role(*service.READERS)
    chosen = _choice(resource, Resource, Resource.ICU_BEDS_1396)
    people = _choice(population, Population, Population.TOTAL)
    ownership = ownership if ownership in OWNERSHIP_FA else "all"
    norm_value = _norm(norm)
    s = uow.session
    gathered = service.province_facts(s, who)
    withheld = None
    try:
        report = service.equity_report(
            s, who, resource=chosen, population=people, ownership=ownership,
            need_weighted=need == "1", norm_per_10k=norm_value, rows=gathered,
        )  # fmt: skip
    except InvalidInput as exc:
        # a ratio that would mix a sample with whole-country figures: say why, and show
        # the resource over the whole population instead
        if people is Population.TOTAL or not exc.problems:
            raise
        withheld, people = exc.problems[0].reason, Population.TOTAL
        report = service.equity_report(
            s, who, resource=chosen, population=people, ownership=ownership,
            need_weighted=need == "1", norm_per_10k=norm_value, rows=gathered,
        )  # fmt: skip
    if download == "xlsx":
        return downloads.xlsx(tables.equity_table(report), f"equity-{chosen.value}")
    ranking = service.deprivation_ranking(s, who, rows=gathered)
    names = {r.code: r.name_fa for r in report.rows}
    curve = report.all_provinces.lorenz
    chart = {
        "all": {"x": curve.population_share, "y": curve.resource_share},
        "without": {
            "x": report.without_tehran.lorenz.population_share,
            "y": report.without_tehran.lorenz.resource_share,
        },
        "labels": ["", *(report.rows[i].name_fa for i in curve.order)],
    }
    context = page_context(s, who, active="planning")
    context.update(
        {
            "map": province_map.build(
                "equity",
                f"{RESOURCE_LABELS_FA[chosen]} در ۱۰٬۰۰۰ نفر",
                [(p.code, p.name_fa) for p in registry.list_provinces(s)],
                {r.code: r.per_10k for r in report.rows},
                decimals=2,
            ),
            "report": report,
            "withheld": withheld,
            "rows": sorted(report.rows, key=lambda r: r.rank),
            "ranking": ranking,
            "names": names,
            "chart": chart,
            "resources": RESOURCE_LABELS_FA,
            "populations": POPULATION_LABELS_FA,
            "ownerships": OWNERSHIP_FA,
            "chosen": {
                "resource": chosen.value,
                "population": people.value,
                "ownership": ownership,
                "need": need == "1",
                "norm": norm if norm_value is not None else "",
            },
            "tab": "equity",
        }
    )
    return render(request, "planning/equity.html", context)


# ------------------------------------------------------------------ levelling
@router.get("/planning/levelling")
def levelling_page(
    request: Request, who: PagePrincipal, uow: ReadUowDep, province: str = "", download: str = ""
) -> Response:
    """Available and missing level-2 and level-3 services per province, with proposals."""
    who.require_role(*service.READERS)
    s = uow.session
    rows = service.service_levelling(s, who)
    if download == "xlsx":
        return downloads.xlsx(tables.levelling_table(rows), "levelling")
    chosen = province if province in {r.province_code for r in rows} else ""
    context = page_context(s, who, active="planning")
    context.update(
        {
            "rows": rows,
            "chosen": chosen,
            "gaps": [
                (r, g) for r in rows for g in r.gaps if not chosen or r.province_code == chosen
            ],
            "actions": tables.ACTION_FA,
            "tab": "levelling",
        }
    )
    return render(request, "planning/levelling.html", context)


def planning_nav(who: Principal) -> list[dict[str, str]]:
    if who.role not in service.READERS:
        return []
    return [
        {
            "key": "planning",
            "href": "/planning/equity",
            "label": "توزیع عادلانه‌ی امکانات",
            "hint": "ضریب جینی و منحنی لورنز، تخصیص بودجه‌ی تخت و تجهیزات، سطح‌بندی خدمات",
        }
    ]


templates.env.globals["planning_nav"] = planning_nav
