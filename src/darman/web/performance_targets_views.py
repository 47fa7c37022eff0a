"""The national office's targets and ranking weights as a Persian form, with the dated
history of every change (read from the audit log). The performance service sets them,
audited, and only for national staff who set performance; everyone who reads performance
sees the values and the history in their scope. Bad input is answered on the page with a
Persian reason naming the field."""

from __future__ import annotations

import math
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Form, Request, Response
from fastapi.responses import RedirectResponse

from darman.common.errors import InvalidInput
from darman.common.jalali import tehran_today
from darman.common.persian import to_ascii_digits, to_persian_digits
from darman.performance import history, periods, service
from darman.performance.enums import DIRECTION_LABELS_FA
from darman.registry import service as registry
from darman.security.deps import ReadUowDep, UowDep
from darman.security.principal import Principal
from darman.web.rendering import PagePrincipal, page_context, render

router = APIRouter(include_in_schema=False)
HISTORY_ROWS = 100
SAVED_FA = {"target": "هدف ثبت شد.", "weights": "وزن‌ها ثبت شد."}
_SEPARATORS = str.maketrans({"٫": ".", "٬": "", ",": "", " ": "", "\u00a0": ""})


def may_set(who: Principal) -> bool:
    return who.role in service.SETTERS and who.is_national


def number(text: str) -> float | None:
    """``۱۲٫۵`` or ``12.5`` -> 12.5; None when it is not a finite number."""
    cleaned = to_ascii_digits(text.strip()).translate(_SEPARATORS)
    try:
        value = float(cleaned)
    except ValueError:
        return None
    return value if math.isfinite(value) else None


def weight_text(weight: float) -> str:
    """A weight as typed back into the form, every digit kept, so that saving the form
    unchanged changes nothing: ``0.125`` -> ``۰٫۱۲۵``."""
    return to_persian_digits(f"{weight:.6g}".replace(".", "٫"))


def _period_or_latest(session: Any, asked: str) -> str:
    if asked:
        try:
            return periods.parse(to_ascii_digits(asked.strip())).code
        except InvalidInput:
            pass
    return service.latest_month(session) or periods.last_complete_month(tehran_today()).code


def _respond(
    request: Request,
    who: Principal,
    session: Any,
    *,
    period: str,
    errors: dict[str, str] | None = None,
    entered: dict[str, str] | None = None,
    message: str = "",
    status: int = 200,
) -> Response:
    indicators = service.list_indicators(session, who)
    names = {i.code: i.name_fa for i in indicators}
    provinces = [(p.code, p.name_fa) for p in registry.list_provinces(session)]
    context = page_context(session, who, active="performance-targets")
    context.update(
        {
            "period": period,
            "indicators": indicators,
            "names": names,
            "provinces": provinces,
            "province_names": dict(provinces),
            "targets": service.list_targets(session, who, period=period),
            "changes": history.changes(session, who, limit=HISTORY_ROWS),
            "directions": DIRECTION_LABELS_FA,
            "weight_text": weight_text,
            "may_set": may_set(who),
            "errors": errors or {},
            "entered": entered or {},
            "message": message,
            "tab": "targets",
        }
    )
    return render(request, "performance/targets.html", context, status_code=status)


@router.get("/performance/targets")
def targets_page(
    request: Request, who: PagePrincipal, uow: ReadUowDep, period: str = "", saved: str = ""
) -> Response:
    """A period's targets, every indicator's ranking weight, and the dated history of both;
    the forms to change them for national staff."""
    who.require_role(*service.READERS)
    code = _period_or_latest(uow.session, period)
    return _respond(request, who, uow.session, period=code, message=SAVED_FA.get(saved, ""))


def _target_problems(
    session: Any, who: Principal, indicator: str, province: str, period: str, value: str
) -> tuple[dict[str, str], str, float | None]:
    """Each bad field of the target form with its Persian reason; the period's code and the
    value when they read."""
    errors: dict[str, str] = {}
    if indicator not in {i.code for i in service.list_indicators(session, who)}:
        errors["indicator"] = "شاخص: یکی از شاخص‌های فهرست را انتخاب کنید."
    if province not in {p.code for p in registry.list_provinces(session)}:
        errors["province_code"] = "استان: یکی از استان‌های فهرست را انتخاب کنید."
    code = ""
    try:
        code = periods.parse(to_ascii_digits(period.strip())).code
    except InvalidInput:
        errors["period"] = "دوره: به شکل ۱۴۰۵/۰۷ (ماه)، ۱۴۰۵/Q3 (فصل) یا ۱۴۰۵ (سال) بنویسید."
    amount = number(value)
    if amount is None:
        errors["value"] = "مقدار هدف: یک عدد بنویسید، مثلاً ۹۰ یا ۱۲٫۵."
    elif not -1e12 <= amount <= 1e12:
        errors["value"] = "مقدار هدف: عدد بیش از اندازه بزرگ است."
    return errors, code, amount


@router.post("/performance/targets")
def set_target(
    request: Request,
    who: PagePrincipal,
    uow: UowDep,
    indicator: Annotated[str, Form(max_length=48)] = "",
    province_code: Annotated[str, Form(max_length=4)] = "",
    period: Annotated[str, Form(max_length=16)] = "",
    value: Annotated[str, Form(max_length=32)] = "",
) -> Response:
    """Set one province's target for an indicator and period (audited; the same value again
    changes nothing)."""
    who.require_role(*service.SETTERS)
    s = uow.session
    entered = {"indicator": indicator, "province_code": province_code, "period": period,
               "value": value}  # fmt: skip
    errors, code, amount = _target_problems(s, who, indicator, province_code, period, value)
    if not errors and amount is not None:
        try:
            service.set_target(s, who, indicator=indicator, province_code=province_code,
                               period=code, value=amount)  # fmt: skip
            uow.commit()
            return RedirectResponse(f"/performance/targets?period={code}&saved=target", 303)
        except InvalidInput as exc:
            uow.rollback()
            errors = {p.field or "value": p.reason for p in exc.problems}
    shown = code or _period_or_latest(s, "")
    return _respond(request, who, s, period=shown, errors=errors, entered=entered, status=422)


async def _weight_fields(request: Request) -> dict[str, str]:
    """The posted weights by indicator code (the indicators are data, so their fields are
    not declared one by one); read on the event loop, which touches no database."""
    form = await request.form()
    return {
        k.removeprefix("weight-"): v[:32]
        for k, v in form.items()
        if k.startswith("weight-") and isinstance(v, str)
    }


@router.post("/performance/weights")
def set_weights(
    request: Request,
    who: PagePrincipal,
    uow: UowDep,
    fields: Annotated[dict[str, str], Depends(_weight_fields)],
    period: Annotated[str, Form(max_length=16)] = "",
) -> Response:
    """Set every indicator's ranking weight at once: all are checked first and a bad one
    changes none; each changed weight is audited, an unchanged one writes nothing."""
    who.require_role(*service.SETTERS)
    s = uow.session
    indicators = service.list_indicators(s, who)
    errors: dict[str, str] = {}
    wanted: dict[str, float] = {}
    for ind in indicators:
        text = fields.get(ind.code, "")
        amount = number(text)
        if amount is None or not 0 <= amount <= 100:
            errors[f"weight-{ind.code}"] = f"وزن «{ind.name_fa}»: عددی از ۰ تا ۱۰۰ بنویسید."
        else:
            wanted[ind.code] = amount
    if not errors and sum(wanted.values()) <= 0:
        errors["weights"] = "دست‌کم یک شاخص باید وزنی بیش از صفر داشته باشد."
    code = _period_or_latest(s, period)
    if errors:
        entered = {f"weight-{k}": v for k, v in fields.items()}
        return _respond(request, who, s, period=code, errors=errors, entered=entered, status=422)
    current = {i.code: i.weight for i in indicators}
    try:
        # the form posts every weight; only those that differ are set (and audited)
        for ind_code, amount in wanted.items():
            if amount != current[ind_code]:
                service.set_weight(s, who, indicator=ind_code, weight=amount)
        uow.commit()
    except InvalidInput as exc:
        uow.rollback()
        problems = {p.field or "weights": p.reason for p in exc.problems}
        return _respond(request, who, s, period=code, errors=problems, status=422)
    return RedirectResponse(f"/performance/targets?period={code}&saved=weights", 303)


def targets_nav(who: Principal) -> list[dict[str, str]]:
    """National staff who set performance change targets and weights here."""
    if not may_set(who):
        return []
    return [
        {
            "key": "performance-targets",
            "href": "/performance/targets",
            "label": "اهداف و وزن شاخص‌ها",
            "hint": "هدف هر استان در هر دوره و وزن شاخص‌ها در رتبه‌بندی، با تاریخچه‌ی تغییرات",
        }
    ]
