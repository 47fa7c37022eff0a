"""Pages of the centre that receives referrals: reception checks the referral a patient
brings (by its number and the patient's national ID), and the centre's specialist refers a
patient on to level 3 from a referral addressed to the centre.

Both call the referrals service with the page principal, so a page sees exactly what the
API would: a desk reads a referral only when it is addressed to its own centre.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Form, Request, Response
from pydantic import ValidationError

from darman.common import national_id as nid_check
from darman.common.errors import Conflict, InvalidInput, NotFound, PermissionDenied
from darman.common.persian import to_ascii_digits, to_persian_digits
from darman.referrals import reading, service
from darman.referrals.schemas import ReferralOnIn
from darman.security.deps import ReadUowDep, UowDep
from darman.security.enums import Role
from darman.security.rules import Act, roles_that
from darman.web.referral_views import (
    destination_fields,
    problems_fa,
    referral_id_of,
    referrals_response,
    validation_fa,
)
from darman.web.rendering import PagePrincipal, page_context, render

router = APIRouter(include_in_schema=False)

DESK_ROLES = roles_that(Act.RECEIVE_REFERRALS)
NOT_FOUND_FA = "ارجاعی با این شماره برای این کد ملی نیست؛ شماره و کد ملی را بررسی کنید."
ELSEWHERE_FA = "این ارجاع به مرکز دیگری نوشته شده است؛ بیمار را به همان مرکز راهنمایی کنید."


@router.get("/referrals/desk")
def desk_page(
    request: Request,
    who: PagePrincipal,
    uow: ReadUowDep,
    ref_number: str = "",
    national_id: str = "",
) -> Response:
    """Reception's check of a referral: valid today or not, from whom, for what."""
    who.require_role(*DESK_ROLES)
    number = to_ascii_digits(ref_number.strip()).upper()
    nid = to_ascii_digits(national_id.strip())
    errors: dict[str, str] = {}
    found = None
    status = 200
    if number or nid:
        if not 6 <= len(number) <= 24 or not number.isascii():
            errors["ref_number"] = "شماره‌ی ارجاع را به شکل RF1405-XXXXXXXX وارد کنید."
        if nid_check.problem(nid) is not None:
            errors["national_id"] = "کد ملی باید ده رقم با رقم کنترل درست باشد."
        if errors:
            status = 422
        else:
            try:
                found = reading.lookup(uow.session, who, ref_number=number, national_id=nid)
            except NotFound:
                errors["form"], status = NOT_FOUND_FA, 404
            except PermissionDenied:
                errors["form"], status = ELSEWHERE_FA, 403
    context = page_context(uow.session, who, active="ref-desk")
    context.update(
        {"found": found, "errors": errors, "kept": {"ref_number": number, "national_id": nid}}
    )
    return render(request, "referrals/desk.html", context, status_code=status)


@router.post("/referrals/{referral_id}/refer-on")
def refer_on(
    request: Request,
    who: PagePrincipal,
    uow: UowDep,
    referral_id: str,
    specialty: Annotated[str, Form()] = "",
    reason: Annotated[str, Form()] = "",
    diagnosis: Annotated[str, Form()] = "",
    destination: Annotated[str, Form()] = "",
    other_code: Annotated[str, Form()] = "",
    outside_facility: Annotated[str, Form()] = "",
    choice_reason: Annotated[str, Form()] = "",
) -> Response:
    """A physician of the level-2 centre a referral is addressed to refers the patient on to
    level 3; the new referral is a child of the first and shows in both physicians' lists."""
    who.require_role(Role.PHYSICIAN)
    rid = referral_id_of(referral_id)
    kept = {
        "specialty": specialty,
        "reason": reason,
        "diagnosis": diagnosis,
        "destination": destination,
        "other_code": other_code,
        "outside_facility": outside_facility,
        "choice_reason": choice_reason,
    }
    body: dict[str, Any] = {
        "specialty": specialty,
        "reason": reason,
        "diagnosis": diagnosis,
        "choice_reason": choice_reason,
    }
    body.update(destination_fields(destination, other_code, outside_facility))
    onward = {"focus_on": rid, "kept_on": kept}
    try:
        data = ReferralOnIn.model_validate(body)
    except ValidationError as exc:
        return referrals_response(request, who, uow, 422, errors_on=validation_fa(exc), **onward)
    try:
        read = service.refer_on(uow.session, who, referral_id=rid, data=data)
        uow.commit()
    except (InvalidInput, Conflict) as exc:
        uow.rollback()
        return referrals_response(
            request, who, uow, exc.status, errors_on=problems_fa(exc), **onward
        )
    message = (
        f"ارجاع {to_persian_digits(read.ref_number)} به سطح {to_persian_digits(read.to_level)} "
        f"({read.to_facility_name}) صادر شد؛ اعتبار تا {read.valid_until_jalali}."
    )
    return referrals_response(request, who, uow, message=message)
