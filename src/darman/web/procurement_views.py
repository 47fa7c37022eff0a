"""Strategic purchasing pages: the quantification of needs and orders per province or
facility, tenders with their evaluation and award, the action plan as a Gantt chart, and
the stock-out dashboard. National and provincial staff see all four; a facility desk sees
the quantification and stock-outs of its own facility. Every figure comes from the
procurement service with the page principal, which applies the scope."""

from __future__ import annotations

import dataclasses
import datetime as dt
from typing import Annotated, Any
from urllib.parse import quote

from fastapi import APIRouter, Form, Request, Response
from fastapi.responses import RedirectResponse
from sqlalchemy import select
from sqlalchemy.orm import Session

from darman.common.errors import Conflict, InvalidInput
from darman.common.jalali import MONTHS_FA, tehran_today, to_jalali
from darman.common.persian import normalize_text, to_ascii_digits, to_persian_digits
from darman.procurement import service, tables
from darman.procurement.award import AwardLine
from darman.procurement.models import Award
from darman.procurement.plans import STATUS_FA as TASK_STATUS_FA
from darman.procurement.plans import STATUSES as TASK_STATUSES
from darman.procurement.tenders import Evaluation
from darman.registry import service as registry
from darman.security.deps import ReadUowDep, UowDep
from darman.security.enums import ROLE_LABELS_FA, Role
from darman.security.principal import Principal
from darman.web import downloads, province_map
from darman.web.paging import PageNumber
from darman.web.rendering import PagePrincipal, page_context, render, templates

router = APIRouter(include_in_schema=False)
CRITICALITY_ORDER = {"vital": 0, "essential": 1, "non_essential": 2}
TENDER_STATUS_FA = {"open": "باز", "awarded": "واگذارشده", "cancelled": "لغوشده"}
SCOPE_FA = {"national": "سراسری (قرارداد چارچوبی)", "provincial": "استانی"}
# a stock-out list of a whole country runs to thousands of lines; the page shows the worst
# (vital first) and says how many more there are
LIST_LIMIT = 200
QUANTIFICATION_PAGE = 50
CONFLICT_FA = "این مناقصه پیش‌تر واگذار شده است؛ تخصیص هر مناقصه فقط یک بار ثبت می‌شود."


def _item_matches(wanted: str, code: str, name: str) -> bool:
    """An item asked for by its code or by part of its name, as people type either."""
    return to_ascii_digits(wanted) == code or wanted in normalize_text(name)


def month_fa(month: int) -> str:
    """``140503`` -> ``خرداد ۱۴۰۵``."""
    year, m = divmod(month, 100)
    return f"{MONTHS_FA[m - 1]} {to_persian_digits(year)}"


def screens(who: Principal) -> list[dict[str, str]]:
    """The purchasing screens the caller may open (tabs and the home card)."""
    if who.role not in service.READERS:
        return []
    found = [
        {
            "key": "stockouts",
            "href": "/procurement/stockouts",
            "label": "کمبود و موجودی",
            "hint": "اقلام ناموجود و کمتر از حداقل، ماه‌های موجودی و اقلام حیاتی هر استان",
        },
        {
            "key": "quantification",
            "href": "/procurement/quantification",
            "label": "برآورد نیاز و سفارش",
            "hint": "مصرف ماهانه‌ی تعدیل‌شده، موجودی و مقدار سفارش به روش مصرف",
        },
    ]
    if who.role in service.STAFF:
        found += [
            {
                "key": "tenders",
                "href": "/procurement/tenders",
                "label": "مناقصه‌ها و ارزیابی",
                "hint": "امتیاز پیشنهادها، تخصیص بهینه میان تأمین‌کنندگان و صرفه‌جویی",
            },
            {
                "key": "plan",
                "href": "/procurement/plan",
                "label": "برنامه‌ی اجرایی",
                "hint": "گانت کارهای خرید راهبردی، مسئول هر کار و کارهای عقب‌افتاده",
            },
        ]
    return found


def _context(session: Session, who: Principal, tab: str) -> dict[str, Any]:
    context = page_context(session, who, active="procurement")
    context.update({"tab": tab, "screens": screens(who)})
    return context


def _province_choice(session: Session, who: Principal, province: str) -> tuple[list[Any], str]:
    """National staff pick a province (or the nation); everyone else stays in their scope."""
    if not who.is_national:
        return [], ""
    provinces = registry.list_provinces(session)
    chosen = province if province in {p.code for p in provinces} else ""
    return provinces, chosen


# ------------------------------------------------------------------ quantification
@router.get("/procurement/quantification")
def quantification_page(
    request: Request,
    who: PagePrincipal,
    uow: ReadUowDep,
    page: PageNumber,
    province: str = "",
    only: str = "",
    item: str = "",
    download: str = "",
) -> Response:
    """Needs and orders per province and item (national staff, no province chosen) or per
    facility and item (a chosen province, provincial staff, a facility desk), narrowed by
    item (code or part of its name), ``QUANTIFICATION_PAGE`` rows a page; the Excel file
    holds every row of the scope."""
    who.require_role(*service.READERS)
    s = uow.session
    provinces, chosen = _province_choice(s, who, province)
    level = "province" if who.is_national and not chosen else "facility"
    context = _context(s, who, "quantification")
    item = normalize_text(item)[:64]
    context.update(
        {
            "provinces": provinces,
            "chosen": chosen,
            "level": level,
            "only": only == "1",
            "item": item,
        }
    )
    try:
        q = service.quantification(s, who, province_code=chosen or None)
    except InvalidInput:  # nothing recorded yet: an empty page, not an error
        context["q"] = None
        return render(request, "procurement/quantification.html", context)
    header, body = tables.quantification_table(s, q, level)
    if download == "xlsx":
        return downloads.xlsx((header, body), f"quantification-{level}-{q.last_month}")
    raw = (q.provinces if level == "province" else q.facilities).to_pylist()
    rows = []
    # the table's rows come from the same list in the same order: zip keeps the page's
    # names and the Excel file's in step, with the raw keys beside them for styling
    for cells, r in zip(body, raw, strict=True):
        if only == "1" and not r["order_qty"] and r.get("status") not in ("out", "below_min"):
            continue
        if item and not _item_matches(item, str(cells[2]), str(cells[3])):
            continue
        rows.append(
            {
                "where_code": cells[0],
                "where_name": cells[1],
                "item_code": cells[2],
                "item_name": cells[3],
                "unit": cells[4],
                **r,
            }
        )
    lines = q.facilities.to_pylist()
    # a whole country is 1,000-2,000 lines (a megabyte of page): one page of them at a time
    pages = max(1, -(-len(rows) // QUANTIFICATION_PAGE))
    page = min(page, pages)
    first = (page - 1) * QUANTIFICATION_PAGE
    context.update(
        {
            "q": q,
            "month_fa": month_fa(q.last_month),
            "rows": rows[first : first + QUANTIFICATION_PAGE],
            "matched": len(rows),
            "first_row": first + 1,
            "page": page,
            "pages": pages,
            "criticality_fa": tables.CRITICALITY_FA,
            "criticality_order": CRITICALITY_ORDER,
            "status_fa": tables.STATUS_FA_STOCK,
            "facilities": len({r["facility_id"] for r in lines}),
            "to_order": sum(1 for r in lines if r["order_qty"]),
            "out": sum(1 for r in lines if r["status"] == "out"),
        }
    )
    return render(request, "procurement/quantification.html", context)


# ------------------------------------------------------------------ tenders
@router.get("/procurement/tenders")
def tenders_page(request: Request, who: PagePrincipal, uow: ReadUowDep) -> Response:
    """National tenders and, for provincial staff, their own province's."""
    who.require_role(*service.STAFF)
    s = uow.session
    names = {p.code: p.name_fa for p in registry.list_provinces(s)}
    context = _context(s, who, "tenders")
    context.update(
        {
            "tenders": [
                {**tables.tender_dict(s, t), "tender": t} for t in service.list_tenders(s, who)
            ],
            "names": names,
            "status_fa": TENDER_STATUS_FA,
            "scope_fa": SCOPE_FA,
        }
    )
    return render(request, "procurement/tenders.html", context)


def may_run(who: Principal, scope: str, province_id: int | None) -> bool:
    """Headquarters run national tenders; a provincial one also its province's manager
    (the service's rule, asked here only to decide whether to show the button)."""
    if who.role in service.HEADQUARTERS:
        return True
    return (
        scope == "provincial"
        and who.role is Role.PROVINCE_MANAGER
        and who.province_id == province_id
    )


def _stored_award(session: Session, ev: Evaluation) -> list[AwardLine]:
    """The award as stored when the tender was awarded (the evaluation is recomputed with
    today's supplier scores and need date, so it may differ from what was signed)."""
    found = session.scalars(
        select(Award).where(Award.tender_id == ev.tender.id).order_by(Award.item_id, Award.id)
    )
    return [AwardLine(a.item_id, a.supplier_id, 0, a.quantity, a.unit_price_rials) for a in found]


def _bid_rows(ev: Evaluation, days_to_need: int) -> list[dict[str, Any]]:
    """Per tender item: its demand and the bids scored, best first, with the award."""
    awarded = {(a.item_id, a.supplier_id): a for a in ev.result.lines}
    out = []
    for item_id in sorted(ev.demand, key=lambda i: ev.items[i].code):
        bids = sorted(
            (sc for sc in ev.result.scored if sc.bid.item_id == item_id),
            key=lambda sc: (not sc.eligible, -sc.score, sc.bid.unit_price_rials),
        )
        out.append(
            {
                "item": ev.items[item_id],
                "demand": ev.demand[item_id],
                "short": ev.result.short.get(item_id, 0),
                "bids": [
                    {
                        "scored": sc,
                        "supplier": ev.suppliers[sc.bid.supplier_id],
                        "award": awarded.get((item_id, sc.bid.supplier_id)),
                        "too_slow": sc.bid.lead_time_days > days_to_need,
                    }
                    for sc in bids
                ],
            }
        )
    return out


def _tender_response(
    request: Request,
    who: Principal,
    uow: UowDep,
    *,
    code: str,
    download: str = "",
    message: str = "",
    error: str = "",
    status: int = 200,
) -> Response:
    s = uow.session
    ev = service.evaluate(s, who, code=code)
    stored = _stored_award(s, ev) if ev.tender.status == "awarded" else None
    if download == "xlsx":
        shown = ev
        if stored is not None:  # what was signed, without today's baselines
            result = dataclasses.replace(
                ev.result,
                lines=stored,
                cost_rials=sum(a.cost_rials for a in stored),
                single_source_rials=None,
                intermediaries_only_rials=None,
            )
            shown = dataclasses.replace(ev, result=result)
        return downloads.xlsx(tables.award_table(shown), f"award-{ev.tender.code}")
    days_to_need = max(0, (ev.tender.need_by - tehran_today()).days)
    context = _context(s, who, "tenders")
    info = tables.tender_dict(s, ev.tender)
    context.update(
        {
            "ev": ev,
            "info": info,
            "d": tables.evaluation_dict(ev),
            "items": _bid_rows(ev, days_to_need),
            "days_to_need": days_to_need,
            "stored": stored,
            "stored_cost": sum(a.cost_rials for a in stored) if stored else 0,
            "province_name": next(
                (p.name_fa for p in registry.list_provinces(s) if p.code == info["province_code"]),
                "",
            ),
            "may_award": ev.tender.status == "open"
            and may_run(who, ev.tender.scope, ev.tender.province_id),
            "kind_fa": tables.KIND_FA,
            "criticality_fa": tables.CRITICALITY_FA,
            "status_fa": TENDER_STATUS_FA,
            "scope_fa": SCOPE_FA,
            "message": message,
            "error": error,
            "quoted_code": quote(ev.tender.code, safe=""),
        }
    )
    return render(request, "procurement/tender.html", context, status_code=status)


@router.get("/procurement/tenders/{code}")
def tender_page(
    request: Request,
    who: PagePrincipal,
    uow: ReadUowDep,
    code: str,
    download: str = "",
    awarded: str = "",
) -> Response:
    """The tender's rules, its bids scored, the proposed (or stored) award and the savings
    against the baselines; Excel of the award."""
    who.require_role(*service.STAFF)
    message = "تخصیص ثبت شد و مناقصه بسته شد." if awarded == "1" else ""
    return _tender_response(request, who, uow, code=code[:32], download=download, message=message)


@router.post("/procurement/tenders/{code}/award")
def tender_award(request: Request, who: PagePrincipal, uow: UowDep, code: str) -> Response:
    """Store the award and close the tender (its runner only); a second award is refused
    with 409 and the page says so."""
    who.require_role(*service.STAFF)
    code = code[:32]
    try:
        service.award_tender(uow.session, who, code=code)
        uow.commit()
    except Conflict:
        uow.rollback()
        return _tender_response(request, who, uow, code=code, error=CONFLICT_FA, status=409)
    # post-redirect-get: reloading the result page does not post the award again
    return RedirectResponse(f"/procurement/tenders/{quote(code, safe='')}?awarded=1", 303)


# ------------------------------------------------------------------ action plan
def gantt(views: list[Any], today: dt.date) -> dict[str, Any]:
    """The day grid of a plan: its days (Jalali), month headers, and per task the day cells
    before its bar, the bar's length in days and the cells after it."""
    first = min(v.task.start_on for v in views)
    last = max(v.task.due_on for v in views)
    days = [first + dt.timedelta(days=n) for n in range((last - first).days + 1)]
    months: list[dict[str, Any]] = []
    cells = []
    for day in days:
        j = to_jalali(day)
        if not months or months[-1]["month"] != j.month:
            months.append(
                {"month": j.month, "label": f"{MONTHS_FA[j.month - 1]} {to_persian_digits(j.year)}"}
            )
            months[-1]["span"] = 0
        months[-1]["span"] += 1
        cells.append(
            {
                "day": day,
                "label": to_persian_digits(j.day),
                "today": day == today,
                "friday": day.weekday() == 4,  # the Iranian weekend
            }
        )
    rows = []
    for v in views:
        t = v.task
        start = (t.start_on - first).days
        span = (t.due_on - t.start_on).days + 1
        rows.append(
            {
                "view": v,
                "d": tables.task_dict(v),
                "offset": start,
                "span": span,
                "before": cells[:start],
                "after": cells[start + span :],
            }
        )
    return {"days": cells, "months": months, "rows": rows}


def _plan_response(
    request: Request,
    who: Principal,
    uow: UowDep,
    *,
    plan: str,
    message: str = "",
    error: str = "",
    status: int = 200,
) -> Response:
    s = uow.session
    codes = service.plan_codes(s)
    chosen = plan or (codes[0] if codes else "")
    context = _context(s, who, "plan")
    today = tehran_today()
    views = service.plan(s, who, plan_code=chosen) if chosen else []
    context.update(
        {
            "codes": codes,
            "chosen": chosen,
            "chart": gantt(views, today) if views else None,
            "overdue_count": sum(1 for v in views if v.overdue),
            "mine": [
                {"task": t, "days_late": (today - t.due_on).days}
                for t in service.my_overdue(s, who, on=today)
            ],
            "role_fa": {r.value: label for r, label in ROLE_LABELS_FA.items()},
            "task_statuses": [(k, TASK_STATUS_FA[k]) for k in TASK_STATUSES],
            "may_report": lambda owner_role: who.role is Role.ADMIN or who.role.value == owner_role,
            "message": message,
            "error": error,
        }
    )
    return render(request, "procurement/plan.html", context, status_code=status)


@router.get("/procurement/plan")
def plan_page(
    request: Request, who: PagePrincipal, uow: ReadUowDep, plan: str = "", done: str = ""
) -> Response:
    """The action plan as a Gantt chart (the first plan unless ``plan`` names one), with
    the overdue tasks of the caller's role."""
    who.require_role(*service.STAFF)
    message = f"وضعیت کار {done[:16]} ثبت شد." if done else ""
    return _plan_response(request, who, uow, plan=plan[:32], message=message)


@router.post("/procurement/plan/{plan_code}/tasks/{task_code}")
def task_update(
    request: Request,
    who: PagePrincipal,
    uow: UowDep,
    plan_code: str,
    task_code: str,
    status: Annotated[str, Form()] = "",
) -> Response:
    """Report a task's status (its owning role or an admin); done waits for the tasks it
    depends on."""
    who.require_role(*service.STAFF)
    plan_code, task_code = plan_code[:32], task_code[:16]
    try:
        service.update_task(
            uow.session, who, plan_code=plan_code, task_code=task_code, status=status
        )
        uow.commit()
    except Conflict:
        uow.rollback()
        waiting = next(
            (
                v.blocked_by
                for v in service.plan(uow.session, who, plan_code=plan_code)
                if v.task.task_code == task_code
            ),
            [],
        )
        error = "کار {} هنوز انجام‌شده نیست؛ نخست این پیش‌نیازها باید انجام شوند: {}".format(
            task_code, "، ".join(waiting)
        )
        return _plan_response(request, who, uow, plan=plan_code, error=error, status=409)
    except InvalidInput:
        uow.rollback()
        error = "وضعیت نامعتبر است: برنامه‌ریزی‌شده، در حال انجام یا انجام‌شده."
        return _plan_response(request, who, uow, plan=plan_code, error=error, status=422)
    target = f"/procurement/plan?plan={quote(plan_code, safe='')}&done={quote(task_code, safe='')}"
    return RedirectResponse(target, 303)


# ------------------------------------------------------------------ stock-outs
@router.get("/procurement/stockouts")
def stockouts_page(
    request: Request, who: PagePrincipal, uow: ReadUowDep, province: str = ""
) -> Response:
    """Facility items out of stock or below minimum (vital first), per province the median
    months of stock and the share of vital items in stock, with a bar chart."""
    who.require_role(*service.READERS)
    s = uow.session
    provinces, chosen = _province_choice(s, who, province)
    context = _context(s, who, "stockouts")
    context.update({"provinces": provinces, "chosen": chosen})
    try:
        found = service.stockouts(s, who, province_code=chosen or None)
    except InvalidInput:
        context["found"] = None
        return render(request, "procurement/stockouts.html", context)
    out = [r for r in found.rows if r["status"] == "out"]
    below = [r for r in found.rows if r["status"] == "below_min"]
    lines = sum(p["vital_lines"] for p in found.provinces)
    in_stock = sum(
        p["vital_in_stock_share"] * p["vital_lines"]
        for p in found.provinces
        if p["vital_in_stock_share"] is not None
    )
    shown = found.provinces
    chart = {
        "labels": [p["province_name_fa"] for p in shown],
        "mos": [
            None if p["median_months_of_stock"] is None else round(p["median_months_of_stock"], 2)
            for p in shown
        ],
        "vital": [
            None if p["vital_in_stock_share"] is None else round(100 * p["vital_in_stock_share"], 1)
            for p in shown
        ],
    }
    context.update(
        {
            "found": found,
            "month_fa": month_fa(found.last_month),
            "out": out[:LIST_LIMIT],
            "below": below[:LIST_LIMIT],
            "out_total": len(out),
            "below_total": len(below),
            "vital_share": in_stock / lines if lines else None,
            "vital_out": sum(1 for r in out if r["criticality"] == "vital"),
            "chart": chart,
            "map": province_map.build(
                "stockouts",
                "اقلام حیاتیِ ناموجود (درصد ردیف‌های مرکز و کالا)",
                [(p.code, p.name_fa) for p in registry.list_provinces(s)],
                {
                    p["province_code"]: None
                    if p["vital_in_stock_share"] is None
                    else 100 * (1 - p["vital_in_stock_share"])
                    for p in shown
                },
                unit_fa="٪",
            ),
            "limit": LIST_LIMIT,
            "criticality_fa": tables.CRITICALITY_FA,
            "status_fa": tables.STATUS_FA_STOCK,
        }
    )
    return render(request, "procurement/stockouts.html", context)


def procurement_nav(who: Principal) -> list[dict[str, str]]:
    found = screens(who)
    if not found:
        return []
    return [
        {
            "key": "procurement",
            "href": found[0]["href"],
            "label": "خرید راهبردی",
            "hint": "برآورد نیاز، مناقصه و تخصیص، برنامه‌ی اجرایی و کمبود اقلام",
        }
    ]


templates.env.globals["procurement_nav"] = procurement_nav
templates.env.globals["procurement_screens"] = screens
