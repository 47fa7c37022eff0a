"""Claims pages: a provider's claims, the reviewer's queue, payment runs and the aging dashboard.

Actions call the claims services with the page principal in the request's unit of work and
commit on success. htmx swaps the queue or the payment panel; without script the full page
comes back. Service errors show in Persian on the page; a missing role gets the 403 page.
"""

from __future__ import annotations

import datetime as dt
import re
import uuid
from dataclasses import dataclass
from functools import partial
from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import APIRouter, Form, Request, Response
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError, OperationalError
from sqlalchemy.orm import Session

from darman.audit.models import AuditEntry
from darman.claims import aging, payment, remittances, review, rules, service
from darman.claims.enums import ClaimStatus
from darman.claims.models import ClaimLine
from darman.claims.schemas import ClaimRead
from darman.claims.search import ClaimSearch
from darman.common.errors import Conflict, DarmanError, FieldProblem, InvalidInput, NotFound
from darman.common.jalali import MONTHS_FA, tehran_today
from darman.common.money import format_rials
from darman.common.paging import MAX_ID, Page, PageParams
from darman.common.persian import to_ascii_digits, to_persian_digits
from darman.common.validators import parse_any_date
from darman.registry import catalogues, scope
from darman.registry import service as registry
from darman.registry.models import Facility
from darman.security.deps import ReadUowDep, UowDep
from darman.security.enums import Role
from darman.security.principal import Principal
from darman.security.rules import Act, roles_that
from darman.web import province_map
from darman.web.paging import PageNumber
from darman.web.rendering import PagePrincipal, is_htmx, page_context, render, templates

router = APIRouter(include_in_schema=False)

PAGE_SIZE = 25
QUEUE_LIMIT = 50
# Status, outcome, visit and item labels live with the badges in claims/_macros.html.
STATUSES = {s.value for s in ClaimStatus}
REVIEW_WHY_FA = {
    "value": "مبلغ بالا",
    "price": "قیمت بالاتر از مراکز هم‌سطح",
    "quantity": "تعداد بیشتر از مراکز هم‌سطح",
    "outlier": "تعداد غیرعادی",  # label of claims routed before peer comparison
    "random": "نمونه‌ی تصادفی",
}
ACTION_FA = {"approve": "تأیید شد", "cut": "کسر شد", "reject": "رد شد"}
BUDGET_FA = "بودجه را به ریال و به صورت عدد صحیح مثبت وارد کنید؛ مثلاً ۵۰۰٬۰۰۰٬۰۰۰."
PAYMENT_ERRORS_FA = {
    "province_id": "استان انتخاب‌شده معتبر نیست.",
    "run_key": "فرم منقضی شده است؛ صفحه را دوباره باز کنید.",
}
# Fallback label of the reviewer's code for a rules.REASONS that does not list it.
EXTRA_REASONS_FA = {"V01": "کسر یا رد در بررسی کارشناس رسیدگی"}
_ANALYSTS = roles_that(Act.ANALYSE_CLAIMS)
POLICY_READERS = roles_that(Act.READ_CLAIMS_POLICY)
# Who works with the claims list and its search: analysts, the claims staff who review and
# pay, and the provider's own desk (each within its scope).
CLAIM_SEARCHERS = tuple(
    dict.fromkeys((*_ANALYSTS, *review.REVIEWERS, *payment.PAYERS, Role.PROVIDER_USER))
)
# The provider's own screens: sending claim files and reading what was paid.
PROVIDER_DESK = (Role.PROVIDER_USER,)
# A screen is linked for a role only where its service lets that role act.
_NAV = (
    ("", "اسناد درمانی", "جستجوی اسناد، وضعیت و کسورات هر ردیف با دلیل", CLAIM_SEARCHERS),
    ("/upload", "ارسال پرونده‌ی اسناد", "بارگذاری پرونده و خطاهای هر ردیف", PROVIDER_DESK),
    ("/remittances", "حواله‌های پرداخت", "پرداخت‌های انجام‌شده به مرکز و دریافت Excel", PROVIDER_DESK),
    ("/review", "صف رسیدگی", "تأیید، کسر یا رد ردیف‌های اسناد و پایان بررسی", review.REVIEWERS),
    ("/payments", "پرداخت اسناد", "اجرای پرداخت در سقف بودجه و دریافت صورت‌حساب", payment.PAYERS),
    ("/aging", "مطالبات معوق", "مانده‌ی پرداخت‌نشده بر حسب مدت انتظار", _ANALYSTS),
    ("/policy", "سیاست رسیدگی", "سهم بیمار، مهلت ارسال و استقرار برنامه‌ها", POLICY_READERS),
)
_NAV_ALSO = {"/aging": Role.FINANCE_OFFICER}


def claims_nav(who: Principal) -> list[dict[str, str]]:
    """The claims screens this role works with, for the top bar and the home page."""
    return [
        {"key": path.strip("/") or "claims", "href": f"/claims{path}", "label": label, "hint": hint}
        for path, label, hint, roles in _NAV
        if who.role in roles or who.role is _NAV_ALSO.get(path)
    ]


templates.env.filters["rials"] = format_rials
templates.env.globals["claims_nav"] = claims_nav


# ----------------------------------------------------------------- helpers
_SEPARATORS = str.maketrans("", "", "٬,،_' \u00a0\u202f")


def parse_rials(text: str, *, field: str) -> int:
    """``۵۰۰٬۰۰۰٬۰۰۰`` or ``500,000,000`` -> 500000000; InvalidInput naming ``field`` if not."""
    cleaned = to_ascii_digits(text.strip()).translate(_SEPARATORS)
    if not re.fullmatch(r"[0-9]{1,19}", cleaned) or int(cleaned) > 2**63 - 1:
        raise InvalidInput(f"{field} is not a whole number of rials", [FieldProblem(field, text)])
    return int(cleaned)


def _page_id(text: str) -> int:
    """A path id; anything that cannot be a row id is simply not found."""
    if not re.fullmatch(r"[0-9]{1,10}", text) or not 1 <= int(text) <= MAX_ID:
        raise NotFound(f"'{text}' is not an id")
    return int(text)


def _facility_names(session: Session, ids: set[int]) -> dict[int, str]:
    rows = session.execute(select(Facility.id, Facility.name).where(Facility.id.in_(ids)))
    return {int(i): to_persian_digits(name) for i, name in rows}


def reason_labels(codes: list[str]) -> list[dict[str, str]]:
    labels = []
    for code in codes:
        known = rules.REASON_BY_CODE.get(code)
        label = known.label_fa if known else EXTRA_REASONS_FA.get(code, "دلیل ثبت‌نشده")
        labels.append({"code": code, "label": label})
    return labels


def _review_notes(session: Session, claim_id: int) -> dict[int, list[dict[str, Any]]]:
    """The reviewer's own words for each decided line, from the audit trail."""
    lines = select(ClaimLine.id, ClaimLine.line_no).where(ClaimLine.claim_id == claim_id)
    ids = {str(i): n for i, n in session.execute(lines)}
    query = select(AuditEntry).where(AuditEntry.entity == "claim_line")
    notes: dict[int, list[dict[str, Any]]] = {}
    for e in session.scalars(query.where(AuditEntry.entity_id.in_(ids)).order_by(AuditEntry.seq)):
        if action := ACTION_FA.get(e.action.removeprefix("review_")):
            note = {"action": action, "reason": (e.after or {}).get("reason", ""), "at": e.at}
            notes.setdefault(ids[e.entity_id], []).append(note)
    return notes


def _claim_view(session: Session, who: Principal, claim_id: int) -> dict[str, Any]:
    """The claim and each line with its Persian reasons and the catalogue's name of its
    service or drug (beside the code, which is what the provider sent)."""
    claim = service.get_claim(session, who, claim_id=claim_id)
    lines = claim.lines or []
    names = catalogues.names_of(
        session,
        services={ln.code for ln in lines if ln.item_type == "service"},
        drugs={ln.code for ln in lines if ln.item_type == "drug"},
    )
    return {
        "claim": claim,
        "lines": [
            {
                "line": ln,
                "reasons": reason_labels(ln.reasons),
                "name": names.get((ln.item_type, ln.code), ""),
            }
            for ln in lines
        ],
    }


# --------------------------------------------------------- claims and one claim
SEARCH_FIELDS = ("document_number", "national_id", "facility", "from", "to", "status")
SEARCH_ERRORS_FA = {
    "document_number": "شماره‌ی سند فقط رقم است (تا ۳۲ رقم).",
    "national_id": "کد ملی ده رقم است؛ مثلاً ۰۰۱۲۳۴۵۶۷۸.",
    "facility": "کد یا نام مرکز بیش از اندازه بلند است.",
    "order": "تاریخ «از» پس از تاریخ «تا» است.",
}


@dataclass
class SearchForm:
    """The claims search as typed (kept on the page) and as understood."""

    typed: dict[str, str]
    search: ClaimSearch
    errors: dict[str, str]

    @property
    def query(self) -> str:
        """The filters as a query string for the pager's links (empty ones left out)."""
        return urlencode({k: v for k, v in self.typed.items() if v})


def _search_date(text: str, name: str, errors: dict[str, str]) -> dt.date | None:
    try:
        day = parse_any_date(text)
    except ValueError as exc:
        errors[name] = f"{exc!s}؛ تاریخ را به شکل ۱۴۰۵/۰۷/۰۱ بنویسید."
        return None
    return day if isinstance(day, dt.date) else None


def read_search(who: Principal, typed: dict[str, str]) -> SearchForm:
    """The search a person typed: Persian or ASCII digits, Jalali dates as ``۱۴۰۵/۷/۱`` or
    ``1405/07/01``; each field that cannot be read gets its Persian error. A facility user
    searches only their own facility, so the facility field is dropped for them."""
    typed = {k: typed.get(k, "").strip()[:64] for k in SEARCH_FIELDS}
    if scope.at_facility(who):
        typed["facility"] = ""
    if typed["status"] not in STATUSES:
        typed["status"] = ""
    errors: dict[str, str] = {}
    doc = to_ascii_digits(typed["document_number"])
    if doc and not re.fullmatch(r"[0-9]{1,32}", doc):
        errors["document_number"] = SEARCH_ERRORS_FA["document_number"]
    nid = to_ascii_digits(typed["national_id"])
    if nid and not re.fullmatch(r"[0-9]{10}", nid):
        errors["national_id"] = SEARCH_ERRORS_FA["national_id"]
    start = _search_date(typed["from"], "from", errors) if typed["from"] else None
    end = _search_date(typed["to"], "to", errors) if typed["to"] else None
    if start and end and start > end:
        errors["to"] = SEARCH_ERRORS_FA["order"]
    search = ClaimSearch(
        document_number=doc or None,
        national_id=nid or None,
        facility=typed["facility"] or None,
        submitted_from=start,
        submitted_to=end,
        status=typed["status"] or None,
    )
    return SearchForm(typed, search, errors)


@router.get("/claims")
def claims_page(
    request: Request,
    who: PagePrincipal,
    uow: ReadUowDep,
    page: PageNumber,
    document_number: str = "",
    national_id: str = "",
    facility: str = "",
    status: str = "",
) -> Response:
    """The claims in the caller's scope, newest first, narrowed by document number, national
    ID, facility, submission dates (``from``/``to``, Jalali) and status."""
    form = read_search(
        who,
        {
            "document_number": document_number,
            "national_id": national_id,
            "facility": facility,
            "from": request.query_params.get("from", ""),
            "to": request.query_params.get("to", ""),
            "status": status,
        },
    )
    paging = PageParams(page=page, size=PAGE_SIZE)
    if form.errors:  # nothing is searched on a half-understood request
        found = Page[ClaimRead](items=[], total=0, page=1, size=PAGE_SIZE)
    else:
        found = service.list_claims(uow.session, who, page=paging, search=form.search)
    context: dict[str, Any] = {
        "who": who,
        "found": found,
        "form": form,
        "filtered": any(form.typed.values()),
        "status": form.typed["status"],
        "names": _facility_names(uow.session, {c.facility_id for c in found.items}),
        "pages": found.pages,
    }
    if is_htmx(request) and request.headers.get("HX-Target") == "claims-table":
        # htmx swaps only a 2xx answer: the errors are in the fragment it swaps in
        response = render(request, "claims/_table.html", context)
        # the address bar keeps only the filters given (htmx would push every empty field)
        query = "&".join(q for q in (form.query, f"page={found.page}" * (found.page > 1)) if q)
        response.headers["HX-Push-Url"] = "/claims" + (f"?{query}" if query else "")
        return response
    context.update(page_context(uow.session, who, active="claims"))
    return render(request, "claims/list.html", context, status_code=422 if form.errors else 200)


# The fixed paths below are declared before /claims/{claim_id}.
# ------------------------------------------------------------------- review
def _queue_response(
    request: Request, who: Principal, uow: UowDep, status: int = 200, **extra: Any
) -> Response:
    session = uow.session
    rows = review.queue(session, who, limit=QUEUE_LIMIT)
    context: dict[str, Any] = {
        "queue": [
            {
                **_claim_view(session, who, c.id),
                "why": [REVIEW_WHY_FA.get(w, w) for w in c.review_reason.split(",") if w],
            }
            for c in rows
        ],
        "limit": QUEUE_LIMIT,
        "names": _facility_names(session, {c.facility_id for c in rows}),
        **dict.fromkeys(("message", "error", "focus", "finished")),
        "kept": {},
        **extra,
    }
    shown = {(q["claim"].id, v["line"].line_no) for q in context["queue"] for v in q["lines"]}
    context["focus"] = context["focus"] if context["focus"] in shown else None  # else at the top
    if is_htmx(request):
        return render(request, "claims/_queue.html", context)
    context.update(page_context(session, who, active="review"))
    return render(request, "claims/review.html", context, status_code=status)


def review_error_fa(exc: DarmanError) -> str:
    fields = {p.field for p in exc.problems}
    if isinstance(exc, Conflict):
        return "این سند دیگر در صف بررسی نیست؛ فهرست به‌روز شد."
    if isinstance(exc, NotFound):
        return "این سند یا ردیف در محدوده‌ی رسیدگی شما نیست."
    if "reason" in fields:
        return "دلیل تصمیم را بنویسید؛ کسر و رد بدون دلیل پذیرفته نمی‌شود."
    if "allowed_rials" in fields:
        return "مبلغ مجاز جدید را به ریال، از صفر تا مبلغ مجاز فعلی ردیف، وارد کنید."
    if "action" in fields:
        return "نوع تصمیم نامعتبر است: تأیید، کسر یا رد."
    return "تصمیم ثبت نشد؛ ورودی را بررسی کنید."


@router.get("/claims/review")
def review_page(request: Request, who: PagePrincipal, uow: ReadUowDep) -> Response:
    """Claims waiting for medical review in the reviewer's province (admins: nationally)."""
    return _queue_response(request, who, uow)


@router.post("/claims/review/{claim_id}/lines/{line_no}")
def review_line(
    request: Request,
    who: PagePrincipal,
    uow: UowDep,
    claim_id: str,
    line_no: str,
    action: Annotated[str, Form()] = "",
    reason: Annotated[str, Form()] = "",
    allowed_rials: Annotated[str, Form()] = "",
) -> Response:
    """Approve, cut (to a new allowed amount in rials) or reject one line, with a reason."""
    who.require_role(*review.REVIEWERS)
    cid, number = _page_id(claim_id), _page_id(line_no)
    reason = reason.strip()[:200]
    if action == "approve" and not reason:
        reason = "تأیید کارشناس رسیدگی"
    try:
        amount = parse_rials(allowed_rials, field="allowed_rials") if action == "cut" else None
        review.decide_line(
            uow.session,
            who,
            claim_id=cid,
            line_no=number,
            action=action,
            allowed_rials=amount,
            reason=reason,
        )
        uow.commit()
    except (InvalidInput, Conflict, NotFound) as exc:
        uow.rollback()
        kept = {"reason": reason, "allowed_rials": allowed_rials}
        return _queue_response(
            request, who, uow, 422, error=review_error_fa(exc), focus=(cid, number), kept=kept
        )
    message = f"ردیف {to_persian_digits(number)} {ACTION_FA[action]}."
    return _queue_response(request, who, uow, message=message, focus=(cid, number))


@router.post("/claims/review/{claim_id}/finish")
def review_finish(request: Request, who: PagePrincipal, uow: UowDep, claim_id: str) -> Response:
    """Close the review: the claim's totals follow its lines; approved if anything is payable."""
    who.require_role(*review.REVIEWERS)
    cid = _page_id(claim_id)
    try:
        claim = review.finish(uow.session, who, claim_id=cid)
        uow.commit()
    except (Conflict, NotFound) as exc:
        uow.rollback()
        return _queue_response(request, who, uow, 409, error=review_error_fa(exc))
    return _queue_response(request, who, uow, finished=claim)


# ------------------------------------------------------------------ payments
def _payment_response(
    request: Request, who: Principal, uow: UowDep, status: int = 200, **extra: Any
) -> Response:
    session = uow.session
    provinces = registry.list_provinces(session)
    context: dict[str, Any] = {
        "run_key": uuid.uuid4().hex,  # new per render: a repeated post of one form pays once
        "provinces": provinces if who.is_national else [],
        "own_province": next((p.name_fa for p in provinces if p.id == who.province_id), ""),
        "budget": "",
        "province_id": "",
        "result": None,
        "error": None,
        "recent_runs": remittances.list_runs(session, who),
        **extra,
    }
    if is_htmx(request):
        return render(request, "claims/_payment_panel.html", context)
    context.update(page_context(session, who, active="payments"))
    return render(request, "claims/payments.html", context, status_code=status)


@router.get("/claims/payments")
def payments_page(request: Request, who: PagePrincipal, uow: ReadUowDep) -> Response:
    who.require_role(*payment.PAYERS)
    return _payment_response(request, who, uow)


@router.post("/claims/payments")
def payments_run(
    request: Request,
    who: PagePrincipal,
    uow: UowDep,
    budget: Annotated[str, Form()] = "",
    province_id: Annotated[str, Form()] = "",
    run_key: Annotated[str, Form()] = "",
) -> Response:
    """Pay approved claims of contracted centres oldest first within the budget (rials)."""
    who.require_role(*payment.PAYERS)
    kept = {"budget": budget, "province_id": province_id}
    try:
        rials = parse_rials(budget, field="budget")
        province = _payment_province(uow.session, who, province_id)
        run = partial(payment.pay, uow.session, who, run_key=run_key, budget_rials=rials)
        try:
            result = run(province_id=province)
        except (IntegrityError, OperationalError):
            # the same form posted twice at once: the other request took the key first
            uow.rollback()
            result = run(province_id=province)
        debit, credit = payment.ledger_balance(uow.session, run_id=result.run_id)
        uow.commit()
    except InvalidInput as exc:
        uow.rollback()
        field = exc.problems[0].field if exc.problems else None
        error = PAYMENT_ERRORS_FA.get(field or "", BUDGET_FA)
        return _payment_response(request, who, uow, 422, error=error, **kept)
    base = f"/api/v1/claims/payment-runs/{result.run_id}/remittance?format="
    view = {**vars(result), "debit": debit, "credit": credit, "csv": base + "csv"}
    view["xlsx"] = base + "xlsx"
    return _payment_response(request, who, uow, result=view)


def _payment_province(session: Session, who: Principal, text: str) -> int | None:
    """A provincial officer pays in their province; a national one anywhere or in one."""
    if not who.is_national:
        return who.province_id
    if not text:
        return None
    ids = {p.id for p in registry.list_provinces(session)}
    if not (text.isascii() and text.isdigit()) or int(text) not in ids:
        raise InvalidInput("unknown province", [FieldProblem("province_id", text)])
    return int(text)


# --------------------------------------------------------------------- aging
def bucket_fa(key: str) -> str:
    """``<1`` -> ``کمتر از ۱ ماه``, ``3-6`` -> ``۳ تا ۶ ماه``, ``>18`` -> ``بیش از ۱۸ ماه``."""
    text = key.replace("<", "کمتر از ").replace(">", "بیش از ").replace("-", " تا ")
    return to_persian_digits(f"{text} ماه")


def month_fa(month: str) -> str:
    """``1404/07`` -> ``مهر ۱۴۰۴``."""
    year, number = month.split("/")
    return f"{MONTHS_FA[int(number) - 1]} {to_persian_digits(year)}"


@router.get("/claims/aging")
def aging_page(request: Request, who: PagePrincipal, uow: ReadUowDep) -> Response:
    """Unpaid amounts by months waited: per province nationally, per facility otherwise."""
    by = "province" if who.is_national else "facility"
    rows = aging.aging(uow.session, who, as_of=tehran_today(), by=by)
    delay = aging.payment_delay(uow.session, who)
    keys = [b for b, _ in aging.BUCKETS]
    labels = [r.label if by == "province" else to_persian_digits(r.label) for r in rows]
    totals = {b: sum(r.buckets[b] for r in rows) for b in keys}
    chart = {
        "labels": labels,
        "buckets": [{"label": bucket_fa(b), "values": [r.buckets[b] for r in rows]} for b in keys],
        "months": [month_fa(d.month) for d in delay],
        "mean": [d.mean_days for d in delay],
        "p90": [d.p90_days for d in delay],
    }
    context = page_context(uow.session, who, active="aging")
    context.update(
        {
            "rows": list(zip(labels, rows, strict=True)),
            "keys": keys,
            "bucket_fa": {b: bucket_fa(b) for b in keys},
            "totals": totals,
            "total": sum(totals.values()),
            "claims": sum(r.claims for r in rows),
            "over_3": sum(v for b, v in totals.items() if b not in ("<1", "1-3")),
            "delay": [(month_fa(d.month), d) for d in delay],
            "chart": chart,
            "map": _aging_map(uow.session, rows) if by == "province" else None,
        }
    )
    return render(request, "claims/aging.html", context)


def _aging_map(session: Session, rows: list[aging.AgingRow]) -> province_map.ProvinceMap:
    """The unpaid rials of each province (rows keyed by province code) on the map."""
    return province_map.build(
        "aging",
        "کل مانده‌ی پرداخت‌نشده (ریال)",
        [(p.code, p.name_fa) for p in registry.list_provinces(session)],
        {r.key: r.total_rials for r in rows},
        decimals=0,
    )


# ---------------------------------------------------------------- one claim
@router.get("/claims/{claim_id}")
def claim_page(request: Request, who: PagePrincipal, uow: ReadUowDep, claim_id: str) -> Response:
    """One claim: each line's outcome and every deduction with its Persian reason."""
    cid = _page_id(claim_id)
    context = page_context(uow.session, who, active="claims")
    context.update(_claim_view(uow.session, who, cid))
    context["names"] = _facility_names(uow.session, {context["claim"].facility_id})
    context["notes"] = _review_notes(uow.session, cid)
    return render(request, "claims/detail.html", context)
