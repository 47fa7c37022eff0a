"""Headquarters' forms on the policy page: a new dated copayment, filing deadline or
referral period, and a programme's start in a province. Each goes through the same
``claims.policy`` functions as the CLI and the API, so it is checked and audited the same
way; what those refuse is said in Persian beside the field. Saving the same version twice
(a resubmitted form) writes nothing the second time."""

from __future__ import annotations

import datetime as dt
import re
from typing import Annotated

from fastapi import APIRouter, Form, Request, Response
from fastapi.responses import RedirectResponse
from sqlalchemy.orm import Session

from darman.claims import policy, rules
from darman.common.errors import InvalidInput
from darman.common.jalali import parse_jalali
from darman.common.persian import to_ascii_digits, to_persian_digits
from darman.referrals import policy as referral_periods
from darman.registry import service as registry
from darman.security.deps import UowDep
from darman.security.principal import Principal
from darman.web.claims_policy_views import POLICY_SETTERS, respond
from darman.web.rendering import PagePrincipal

router = APIRouter(include_in_schema=False)

Text = Annotated[str, Form(max_length=32)]
Note = Annotated[str, Form(max_length=200)]
_DATE_FA = "به شکل ۱۴۰۵/۰۱/۰۱ بنویسید"
# What the policy service's problems (named by field) mean, in Persian, per form field.
_SERVICE_FA = {
    "valid_from": "تاریخ شروع: باید میان ۱۲۷۹/۰۱/۰۱ و ۱۴۷۸/۱۲/۲۹ باشد.",
    "valid_to": "تاریخ پایان: نباید پیش از تاریخ شروع یا پس از ۱۴۷۸/۱۲/۲۹ باشد.",
    "province_code": "استان: یکی از استان‌های فهرست را انتخاب کنید.",
    "visit_type": "نوع مراجعه: سرپایی، بستری یا اورژانس را انتخاب کنید.",
    "ownership": "نوع مرکز: ملکی یا طرف قرارداد را انتخاب کنید.",
    "percent": "درصد سهم بیمار: عدد صحیحی از ۰ تا ۱۰۰ بنویسید.",
    "programme": "برنامه: نظام ارجاع یا نسخه الکترونیک را انتخاب کنید.",
    "phase": "مرحله: ۱ یا ۲ را انتخاب کنید.",
    "parameter": "مدت: یکی از مدت‌های فهرست را انتخاب کنید.",
}


def _days_fa(top: int) -> str:
    most = to_persian_digits(f"{top:,}").replace(",", "٬")
    return f"تعداد روز: عدد صحیحی از ۱ تا {most} بنویسید."


def _whole(text: str) -> int | None:
    cleaned = to_ascii_digits(text.strip()).replace("٬", "").replace(",", "")
    # only ASCII digits: str.isdigit also accepts superscripts, which int() cannot read
    return int(cleaned) if re.fullmatch(r"[0-9]{1,9}", cleaned) else None


class _Reader:
    """Reads one form's fields, gathering a Persian reason per bad field (``form.field``)."""

    def __init__(self, session: Session, form: str) -> None:
        self.form = form
        self.errors: dict[str, str] = {}
        self.provinces = {p.code: p.id for p in registry.list_provinces(session)}

    def bad(self, field: str, reason: str) -> None:
        self.errors.setdefault(f"{self.form}.{field}", reason)

    def province(self, code: str, *, national: bool = True) -> int | None:
        if code == "" and national:
            return None
        if code not in self.provinces:
            self.bad("province_code", _SERVICE_FA["province_code"])
            return None
        return self.provinces[code]

    def date(self, field: str, text: str, label: str, *, optional: bool = False) -> dt.date | None:
        if not text.strip():
            if not optional:
                self.bad(field, f"{label}: لازم است؛ {_DATE_FA}.")
            return None
        try:
            return parse_jalali(text)
        except InvalidInput:
            self.bad(field, f"{label}: تاریخ شمسی درستی نیست؛ {_DATE_FA}.")
            return None

    def whole(self, field: str, text: str, reason: str) -> int:
        value = _whole(text)
        if value is None:
            self.bad(field, reason)
            return -1
        return value

    def service_problems(self, exc: InvalidInput, days_reason: str = "") -> None:
        for p in exc.problems:
            field = p.field or "form"
            said = days_reason if field == "days" and days_reason else _SERVICE_FA.get(field)
            self.bad(field, said or "پذیرفته نشد؛ مقدار را بررسی کنید.")


def _answer(
    request: Request, who: Principal, uow: UowDep, r: _Reader, entered: dict[str, str], saved: str
) -> Response:
    if r.errors:
        uow.rollback()
        kept = {f"{r.form}.{k}": v for k, v in entered.items()}
        return respond(request, who, uow.session, errors=r.errors, entered=kept, status=422)
    uow.commit()
    return RedirectResponse(f"/claims/policy?saved={saved}#{saved}-title", status_code=303)


def _already_set(session: Session, parameter: policy.Parameter, **same: object) -> bool:
    """The newest entry for the same thing is this very version (a resubmitted form)."""
    key = ("province_id", "visit_type", "ownership")
    latest = [
        p
        for p in policy.list_parameters(session)
        if p.parameter == parameter.value and all(getattr(p, k) == same[k] for k in key)
    ]
    if not latest:
        return False
    last = latest[-1]
    return all(getattr(last, k) == v for k, v in same.items())


@router.post("/claims/policy/copay")
def set_copay(
    request: Request,
    who: PagePrincipal,
    uow: UowDep,
    province_code: Text = "",
    visit_type: Text = "",
    ownership: Text = "",
    percent: Text = "",
    valid_from: Text = "",
    valid_to: Text = "",
    note: Note = "",
) -> Response:
    """A copayment percent from a Jalali date on (open-ended if no end is given)."""
    who.require_role(*POLICY_SETTERS)
    s = uow.session
    r = _Reader(s, "copay")
    province_id = r.province(province_code)
    value = r.whole("percent", percent, _SERVICE_FA["percent"])
    start = r.date("valid_from", valid_from, "تاریخ شروع")
    end = r.date("valid_to", valid_to, "تاریخ پایان", optional=True)
    if not r.errors and start is not None:
        try:
            if not _already_set(
                s, policy.Parameter.COPAY_PERCENT, province_id=province_id,
                visit_type=visit_type, ownership=ownership, value=value,
                valid_from=start, valid_to=end or rules.FOREVER_TO,
            ):  # fmt: skip
                policy.set_copay(
                    s, who, province_id=province_id, visit_type=visit_type, ownership=ownership,
                    percent=value, valid_from=start, valid_to=end, note=note.strip(),
                )  # fmt: skip
        except InvalidInput as exc:
            r.service_problems(exc)
    entered = {"province_code": province_code, "visit_type": visit_type,
               "ownership": ownership, "percent": percent, "valid_from": valid_from,
               "valid_to": valid_to, "note": note}  # fmt: skip
    return _answer(request, who, uow, r, entered, "copay")


@router.post("/claims/policy/deadline")
def set_deadline(
    request: Request,
    who: PagePrincipal,
    uow: UowDep,
    province_code: Text = "",
    days: Text = "",
    valid_from: Text = "",
    valid_to: Text = "",
    note: Note = "",
) -> Response:
    """How many days after the service a document may be filed, from a Jalali date on."""
    who.require_role(*POLICY_SETTERS)
    s = uow.session
    r = _Reader(s, "deadline")
    reason = _days_fa(policy.MAX_DEADLINE_DAYS)
    province_id = r.province(province_code)
    value = r.whole("days", days, reason)
    start = r.date("valid_from", valid_from, "تاریخ شروع")
    end = r.date("valid_to", valid_to, "تاریخ پایان", optional=True)
    if not r.errors and start is not None:
        try:
            if not _already_set(
                s, policy.Parameter.FILING_DEADLINE_DAYS, province_id=province_id,
                visit_type=None, ownership=None, value=value, valid_from=start,
                valid_to=end or rules.FOREVER_TO,
            ):  # fmt: skip
                policy.set_filing_deadline(
                    s, who, province_id=province_id, days=value, valid_from=start,
                    valid_to=end, note=note.strip(),
                )  # fmt: skip
        except InvalidInput as exc:
            r.service_problems(exc, reason)
    entered = {"province_code": province_code, "days": days, "valid_from": valid_from,
               "valid_to": valid_to, "note": note}  # fmt: skip
    return _answer(request, who, uow, r, entered, "deadline")


@router.post("/claims/policy/referral")
def set_referral_days(
    request: Request,
    who: PagePrincipal,
    uow: UowDep,
    kind: Text = "",
    province_code: Text = "",
    days: Text = "",
    valid_from: Text = "",
    valid_to: Text = "",
    note: Note = "",
) -> Response:
    """How long a referral stays valid, or when its feedback is due, from a Jalali date on."""
    who.require_role(*POLICY_SETTERS)
    s = uow.session
    r = _Reader(s, "referral")
    try:
        parameter = referral_periods.PARAMETER[referral_periods.DayKind(kind)]
    except ValueError:
        r.bad("kind", _SERVICE_FA["parameter"])
        parameter = policy.Parameter.REFERRAL_VALID_DAYS
    reason = _days_fa(policy.DAY_PARAMETERS[parameter])
    province_id = r.province(province_code)
    value = r.whole("days", days, reason)
    start = r.date("valid_from", valid_from, "تاریخ شروع")
    end = r.date("valid_to", valid_to, "تاریخ پایان", optional=True)
    if not r.errors and start is not None:
        try:
            if not _already_set(
                s, parameter, province_id=province_id, visit_type=None, ownership=None,
                value=value, valid_from=start, valid_to=end or rules.FOREVER_TO,
            ):  # fmt: skip
                policy.set_days(
                    s, who, parameter=parameter, province_id=province_id, days=value,
                    valid_from=start, valid_to=end, note=note.strip(),
                )  # fmt: skip
        except InvalidInput as exc:
            r.service_problems(exc, reason)
    entered = {"kind": kind, "province_code": province_code, "days": days,
               "valid_from": valid_from, "valid_to": valid_to, "note": note}  # fmt: skip
    return _answer(request, who, uow, r, entered, "referral")


@router.post("/claims/policy/rollout")
def set_rollout(
    request: Request,
    who: PagePrincipal,
    uow: UowDep,
    programme: Text = "",
    province_code: Text = "",
    active_from: Text = "",
    phase: Text = "",
) -> Response:
    """Start (or move the start of) a programme in a province from a Jalali date on."""
    who.require_role(*POLICY_SETTERS)
    s = uow.session
    r = _Reader(s, "rollout")
    province_id = r.province(province_code, national=False)
    start = r.date("active_from", active_from, "تاریخ شروع")
    stage = None if not phase.strip() else r.whole("phase", phase, _SERVICE_FA["phase"])
    if not r.errors and start is not None and province_id is not None:
        current = {(x.province_id, x.programme): x for x in policy.list_rollouts(s)}
        row = current.get((province_id, programme))
        unchanged = row is not None and row.active_from == start and stage in (None, row.phase)
        try:
            if not unchanged:
                policy.set_rollout(
                    s, who, province_id=province_id, programme=programme,
                    active_from=start, phase=stage,
                )  # fmt: skip
        except InvalidInput as exc:
            for p in exc.problems:
                field = "active_from" if p.field == "valid_from" else (p.field or "form")
                r.bad(field, _SERVICE_FA.get(p.field or "", "پذیرفته نشد؛ مقدار را بررسی کنید."))
    entered = {"programme": programme, "province_code": province_code,
               "active_from": active_from, "phase": phase}  # fmt: skip
    return _answer(request, who, uow, r, entered, "rollout")
