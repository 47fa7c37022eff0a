"""REST endpoints of strategic purchasing: quantification, stock-outs, suppliers, tenders
with bids and the award, call-off orders and deliveries, the action plan. Quantification
and awards also download as Excel (``format=xlsx``) or CSV."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Path, Query, Response
from pydantic import BaseModel, ConfigDict, Field

from darman.common.tabular import DOWNLOAD_CONTENT, MEDIA_TYPES, TableFormat, write_table
from darman.common.validators import AnyDate
from darman.procurement import award, service, tables
from darman.procurement.quantify import Policy
from darman.security.deps import PrincipalDep, ReadUowDep, UowDep

router = APIRouter(prefix="/api/v1/procurement", tags=["procurement"])
Format = Literal["json", "xlsx", "csv"]
Month = Annotated[int | None, Query(ge=139001, le=150012, description="Jalali yyyymm")]
ProvinceCode = Annotated[str | None, Query(min_length=2, max_length=2)]
Code = Annotated[str, Path(min_length=1, max_length=32)]
# the JSON answer, or with ``format`` the same table as CSV or Excel
TABLES: dict[int | str, dict[str, Any]] = {200: {"content": DOWNLOAD_CONTENT}}


def _download(table: tables.Table, fmt: str, name: str) -> Response:
    content = write_table(table[0], table[1], TableFormat(fmt), sheet=name)
    return Response(
        content,
        media_type=MEDIA_TYPES[TableFormat(fmt)],
        headers={"Content-Disposition": f'attachment; filename="{name}.{fmt}"'},
    )


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class TenderIn(Strict):
    code: Annotated[str, Field(min_length=3, max_length=32, pattern=r"^[A-Z0-9-]+$")]
    title_fa: Annotated[str, Field(min_length=3, max_length=200)]
    province_code: Annotated[str, Field(pattern=r"^\d{2}$")] | None = None
    period_start: AnyDate
    period_end: AnyDate
    need_by: AnyDate
    items: dict[str, Annotated[int, Field(gt=0, le=10**12, strict=True)]] = Field(
        description="item code -> quantity; see GET /quantification for the quantities needed"
    )
    weight_price: Annotated[int, Field(ge=0, le=100, strict=True)] = 60
    weight_quality: Annotated[int, Field(ge=0, le=100, strict=True)] = 25
    weight_delivery: Annotated[int, Field(ge=0, le=100, strict=True)] = 15
    max_share_percent: Annotated[int, Field(ge=1, le=100, strict=True)] = 70
    intermediary_penalty_percent: Annotated[int, Field(ge=0, le=100, strict=True)] = 15


class BidIn(Strict):
    supplier_code: Annotated[str, Field(min_length=1, max_length=16)]
    item_code: Annotated[str, Field(min_length=1, max_length=16)]
    unit_price_rials: Annotated[int, Field(gt=0, le=10**15, strict=True)]
    lead_time_days: Annotated[int, Field(ge=0, le=3650, strict=True)]
    capacity: Annotated[int, Field(gt=0, le=10**12, strict=True)]
    quality: Annotated[int, Field(ge=0, le=100, strict=True)]
    evidence: Annotated[str, Field(max_length=300)] = ""


class OrderIn(Strict):
    award_id: Annotated[int, Field(ge=1, le=2**31 - 1, strict=True)]
    facility_code: Annotated[str, Field(min_length=1, max_length=16)]
    quantity: Annotated[int, Field(gt=0, le=10**12, strict=True)]
    due_on: AnyDate


class DeliveryIn(Strict):
    quantity: Annotated[int, Field(gt=0, le=10**12, strict=True)]
    defective: Annotated[int, Field(ge=0, le=10**12, strict=True)] = 0


class TaskIn(Strict):
    status: Literal["planned", "in_progress", "done"]
    progress_percent: Annotated[float, Field(ge=0, le=100)] | None = None


@router.get("/quantification", responses=TABLES)
def quantification(
    who: PrincipalDep,
    uow: ReadUowDep,
    province_code: ProvinceCode = None,
    last_month: Month = None,
    lookback_months: Annotated[int, Query(ge=1, le=60)] = 12,
    level: Literal["facility", "province", "nation"] = "province",
    format: Format = "json",
) -> object:
    """Adjusted average monthly consumption, stock on hand, months of stock, reorder level
    and quantity to order per item, for the facilities in scope, by facility, province or
    nation (the method: ``procurement.quantify``)."""
    q = service.quantification(
        uow.session,
        who,
        province_code=province_code,
        last_month=last_month,
        policy=Policy(lookback_months=lookback_months),
    )
    table = tables.quantification_table(uow.session, q, level)
    if format != "json":
        return _download(table, format, f"quantification-{level}-{q.last_month}")
    return {"last_month": q.last_month, "level": level, "header": table[0], "rows": table[1]}


@router.get("/stockouts")
def stockouts(who: PrincipalDep, uow: ReadUowDep, province_code: ProvinceCode = None) -> object:
    """Facility items out of stock or below minimum in the latest month; per province the
    median months of stock and the share of vital items in stock."""
    found = service.stockouts(uow.session, who, province_code=province_code)
    return {"last_month": found.last_month, "rows": found.rows, "provinces": found.provinces}


@router.get("/suppliers")
def suppliers(who: PrincipalDep, uow: ReadUowDep) -> object:
    """The supplier register with each supplier's performance score from its deliveries."""
    return [
        {
            "code": s.code,
            "name_fa": s.name_fa,
            "kind": s.kind,
            "affiliated": s.affiliated,
            "lead_time_days": s.lead_time_days,
            "score": round(score, 2),
        }
        for s, score in service.suppliers(uow.session, who)
    ]


@router.get("/suppliers/{code}")
def supplier(code: Code, who: PrincipalDep, uow: ReadUowDep) -> object:
    """One supplier with its items, yearly capacities and price history."""
    return service.supplier_detail(uow.session, who, code=code)


@router.get("/tenders")
def list_tenders(who: PrincipalDep, uow: ReadUowDep) -> object:
    """National tenders and, for provincial staff, their own province's."""
    return [tables.tender_dict(uow.session, t) for t in service.list_tenders(uow.session, who)]


@router.post("/tenders", status_code=201)
def create_tender(body: TenderIn, who: PrincipalDep, uow: UowDep) -> object:
    """Open a national (headquarters) or provincial (that province's manager) tender."""
    tender = service.create_tender(
        uow.session,
        who,
        code=body.code,
        title_fa=body.title_fa,
        province_code=body.province_code,
        period_start=body.period_start,
        period_end=body.period_end,
        need_by=body.need_by,
        items=body.items,
        rules=award.Rules(
            weight_price=body.weight_price,
            weight_quality=body.weight_quality,
            weight_delivery=body.weight_delivery,
            max_share=body.max_share_percent / 100,
            intermediary_penalty=body.intermediary_penalty_percent / 100,
        ),
    )
    read = tables.tender_dict(uow.session, tender)
    uow.commit()
    return read


@router.post("/tenders/{code}/bids", status_code=201)
def add_bid(code: Code, body: BidIn, who: PrincipalDep, uow: UowDep) -> object:
    bid = service.add_bid(uow.session, who, tender_code=code, **body.model_dump())
    uow.commit()
    return {"id": bid.id}


@router.get("/tenders/{code}/evaluation", responses=TABLES)
def evaluation(code: Code, who: PrincipalDep, uow: ReadUowDep, format: Format = "json") -> object:
    """The bids scored and the award the programme proposes, with its savings against
    lowest-price single sourcing and against intermediaries only; nothing is stored."""
    ev = service.evaluate(uow.session, who, code=code)
    if format != "json":
        return _download(tables.award_table(ev), format, f"award-{code}")
    return tables.evaluation_dict(ev)


@router.post("/tenders/{code}/award")
def award_tender(code: Code, who: PrincipalDep, uow: UowDep) -> object:
    """Store the award and close the tender (once; a second time is 409)."""
    ev = service.award_tender(uow.session, who, code=code)
    read = tables.evaluation_dict(ev)
    uow.commit()
    return read


@router.post("/orders", status_code=201)
def order(body: OrderIn, who: PrincipalDep, uow: UowDep) -> object:
    """Call off an award for one facility."""
    po = service.order(uow.session, who, **body.model_dump())
    uow.commit()
    return {"id": po.id, "quantity": po.quantity, "due_on": po.due_on.isoformat()}


@router.post("/orders/{order_id}/deliveries", status_code=201)
def deliver(
    order_id: Annotated[int, Path(ge=1, le=2**31 - 1)],
    body: DeliveryIn,
    who: PrincipalDep,
    uow: UowDep,
) -> object:
    row = service.deliver(uow.session, who, order_id=order_id, **body.model_dump())
    uow.commit()
    return {"id": row.id}


@router.get("/plans/{plan_code}")
def plan(plan_code: Code, who: PrincipalDep, uow: ReadUowDep) -> object:
    """The action plan's tasks with their Jalali dates, dependencies and overdue flags."""
    return [tables.task_dict(v) for v in service.plan(uow.session, who, plan_code=plan_code)]


@router.put("/plans/{plan_code}/tasks/{task_code}")
def update_task(
    plan_code: Code,
    task_code: Annotated[str, Path(max_length=16)],
    body: TaskIn,
    who: PrincipalDep,
    uow: UowDep,
) -> object:
    task = service.update_task(
        uow.session,
        who,
        plan_code=plan_code,
        task_code=task_code,
        status=body.status,
        progress_percent=body.progress_percent,
    )
    uow.commit()
    return {"task_code": task.task_code, "status": task.status}


@router.get("/plans/overdue/mine")
def my_overdue(who: PrincipalDep, uow: ReadUowDep) -> object:
    """Overdue tasks owned by the caller's role."""
    return [
        {
            "plan_code": t.plan_code,
            "task_code": t.task_code,
            "title_fa": t.title_fa,
            "due_on": t.due_on.isoformat(),
        }
        for t in service.my_overdue(uow.session, who)
    ]
