"""The dispensing desk (pharmacy, laboratory, imaging centre): look a prescription up by
tracking code plus national ID, dispense in parts; a request key per form makes a double
submit dispense once. Errors show in Persian beside their field."""

from __future__ import annotations

import uuid
from typing import Annotated, Any

from fastapi import APIRouter, Form, Request, Response
from pydantic import ValidationError
from sqlalchemy.exc import IntegrityError, OperationalError

from darman.common.errors import Conflict, DarmanError, InvalidInput, NotFound, PermissionDenied
from darman.common.national_id import problem as national_id_problem
from darman.common.persian import to_ascii_digits
from darman.db.uow import UnitOfWork
from darman.prescriptions import dispensing
from darman.prescriptions.exceptions import PrescriptionExpired
from darman.prescriptions.schemas import (
    DispenseIn,
    DispenseLineIn,
    DispenseResult,
)
from darman.registry import scope
from darman.security.deps import ReadUowDep, UowDep
from darman.security.principal import Principal
from darman.web.prescription_views import NATIONAL_ID_FA, LineForm
from darman.web.rendering import PagePrincipal, is_htmx, page_context, render

router = APIRouter(include_in_schema=False)

DISPENSE_QTY_FA = "تعداد تحویل را عددی صحیح و مثبت وارد کنید."
NOTHING_TO_DISPENSE_FA = "برای دست‌کم یک ردیف تعداد تحویل وارد کنید."
STALE_FORM_FA = "فرم منقضی شده است؛ نسخه را دوباره جست‌وجو کنید."


def _require_desk(who: Principal) -> None:
    who.require_role(*dispensing.DISPENSERS)
    if not scope.at_facility(who):
        raise PermissionDenied("prescriptions are dispensed by a facility's user")


def _lookup_error_fa(exc: DarmanError) -> str:
    if exc.problems and exc.problems[0].reason and not exc.problems[0].reason.isascii():
        text = exc.problems[0].reason
        return text if text.endswith(".") else text + "."
    if isinstance(exc, PrescriptionExpired):
        return "مهلت پیچیدن این نسخه به پایان رسیده است."
    if isinstance(exc, NotFound):
        return "نسخه‌ای با این کد رهگیری برای این کد ملی نیست."
    return "کد رهگیری یا کد ملی نادرست است."


def _dispense_response(
    request: Request,
    who: Principal,
    uow: UowDep,
    *,
    tracking_code: str = "",
    national_id: str = "",
    status: int = 200,
    **extra: Any,
) -> Response:
    context: dict[str, Any] = {
        "tracking_code": tracking_code,
        "national_id": national_id,
        "rx": None,
        "errors": {},
        "result": None,
        "message": None,
        "kept": {},
        # new per render: a repeated post of one form dispenses once
        "request_key": uuid.uuid4().hex,
        **extra,
    }
    if context["rx"] is None and tracking_code and not context["errors"]:
        try:
            context["rx"] = dispensing.lookup(
                uow.session, who, tracking_code=tracking_code, national_id=national_id
            )
        except (InvalidInput, NotFound, PrescriptionExpired) as exc:
            field_name = exc.problems[0].field if exc.problems else "tracking_code"
            context["errors"] = {field_name or "tracking_code": _lookup_error_fa(exc)}
            status = exc.status if status == 200 else status
    if is_htmx(request):
        # htmx swaps only 2xx answers; the error is in the panel it swaps in
        return render(request, "prescriptions/_dispense_panel.html", context)
    context.update(page_context(uow.session, who, active="rx-dispense"))
    return render(request, "prescriptions/dispense.html", context, status_code=status)


@router.get("/prescriptions/dispense")
def dispense_page(request: Request, who: PagePrincipal, uow: ReadUowDep) -> Response:
    """The desk's look-up form: tracking code plus the patient's national ID."""
    _require_desk(who)
    return _dispense_response(request, who, uow)


@router.post("/prescriptions/dispense/lookup")
def dispense_lookup(
    request: Request,
    who: PagePrincipal,
    uow: ReadUowDep,
    tracking_code: Annotated[str, Form()] = "",
    national_id: Annotated[str, Form()] = "",
) -> Response:
    """The prescription's lines with prescribed, already dispensed and remaining quantities."""
    _require_desk(who)
    tracking_code, national_id = tracking_code.strip(), national_id.strip()
    errors: dict[str, str] = {}
    if not tracking_code:
        errors["tracking_code"] = "کد رهگیری نسخه را وارد کنید."
    if national_id_problem(national_id) is not None:
        errors["national_id"] = NATIONAL_ID_FA
    status = 422 if errors else 200
    return _dispense_response(
        request,
        who,
        uow,
        tracking_code=tracking_code,
        national_id=to_ascii_digits(national_id),
        errors=errors,
        status=status,
    )


@router.post("/prescriptions/dispense")
def dispense_submit(
    request: Request,
    who: PagePrincipal,
    uow: UowDep,
    tracking_code: Annotated[str, Form()] = "",
    national_id: Annotated[str, Form()] = "",
    request_key: Annotated[str, Form()] = "",
    line_no: LineForm = [],  # noqa: B006
    quantity: LineForm = [],  # noqa: B006
) -> Response:
    """Dispense the quantities typed per line (blank or zero: not this time); the form's
    request key makes a double submit dispense once."""
    _require_desk(who)
    kept = dict(zip(line_no, quantity, strict=False))
    wanted, line_errors = _typed_lines(line_no, quantity)
    common: dict[str, Any] = {
        "tracking_code": tracking_code,
        "national_id": national_id,
        "kept": kept,
    }
    if not line_errors and not wanted:
        return _dispense_response(
            request, who, uow, status=422, message=NOTHING_TO_DISPENSE_FA, **common
        )
    if line_errors:
        return _dispense_response(request, who, uow, status=422, line_errors=line_errors, **common)
    try:
        data = DispenseIn(
            tracking_code=tracking_code,
            national_id=national_id,
            request_key=request_key,
            lines=wanted,
        )
    except ValidationError:
        return _dispense_response(request, who, uow, status=422, message=STALE_FORM_FA, **common)
    try:
        result = _dispense_once(uow, who, data)
    except (InvalidInput, Conflict) as exc:
        uow.rollback()
        line_errors, errors = _refusal_errors(exc, wanted)
        message = None if line_errors or errors else STALE_FORM_FA
        return _dispense_response(
            request,
            who,
            uow,
            status=exc.status,
            line_errors=line_errors,
            errors=errors,
            message=message,
            **common,
        )
    except (NotFound, PrescriptionExpired) as exc:
        uow.rollback()
        return _dispense_response(
            request,
            who,
            uow,
            status=exc.status,
            errors={"tracking_code": _lookup_error_fa(exc)},
            tracking_code=tracking_code,
            national_id=national_id,
        )
    return _dispense_response(
        request, who, uow, tracking_code=tracking_code, national_id=national_id, result=result
    )


def _typed_lines(
    line_no: list[str], quantity: list[str]
) -> tuple[list[DispenseLineIn], dict[str, str]]:
    """The lines to dispense and, by line number, the quantities that are not whole
    numbers; a blank or zero quantity is not this time."""
    line_errors: dict[str, str] = {}
    wanted: list[DispenseLineIn] = []
    for number, text in zip(line_no, quantity, strict=False):
        text = to_ascii_digits(text.strip())
        if text in ("", "0"):
            continue
        if not (text.isascii() and text.isdigit() and number.isascii() and number.isdigit()):
            line_errors[number] = DISPENSE_QTY_FA
            continue
        try:
            wanted.append(DispenseLineIn(line_no=int(number), quantity=int(text)))
        except ValidationError:
            line_errors[number] = DISPENSE_QTY_FA
    return wanted, line_errors


def _dispense_once(uow: UnitOfWork, who: Principal, data: DispenseIn) -> DispenseResult:
    try:
        result = dispensing.dispense(uow.session, who, data=data)
    except (IntegrityError, OperationalError):
        # the same form posted twice at once: the other request took the key first
        uow.rollback()
        result = dispensing.dispense(uow.session, who, data=data)
    uow.commit()
    return result


def _refusal_errors(
    exc: InvalidInput | Conflict, wanted: list[DispenseLineIn]
) -> tuple[dict[str, str], dict[str, str]]:
    """The service's problems as the form's: a line's by its line number (the service's
    ``lines.<n>`` is the n-th line sent), then the tracking code's."""
    line_errors: dict[str, str] = {}
    errors: dict[str, str] = {}
    for p in exc.problems:
        parts = (p.field or "").split(".")
        if parts[0] == "lines" and len(parts) == 3 and int(parts[1]) < len(wanted):
            number = str(wanted[int(parts[1])].line_no)
            if parts[2] == "quantity":
                line_errors[number] = _beyond_fa(p.reason)
            else:
                line_errors[number] = "این ردیف در این مرکز تحویل داده نمی‌شود."
        elif p.field == "tracking_code":
            errors["tracking_code"] = _lookup_error_fa(exc)
    return line_errors, errors


def _beyond_fa(reason: str) -> str:
    """The service's ``بیش از باقی‌مانده‌ی نسخه (۴); only 4 left`` -> its Persian part."""
    text = reason.split(";")[0].strip()
    return f"{text}؛ بیش از این تحویل داده نمی‌شود." if text else "بیش از باقی‌مانده‌ی نسخه است."
