"""The adjudication policy page: copayment, filing deadlines, referral periods and programme
rollouts in force, in Persian with Jalali dates, for the staff who adjudicate, review, pay
or audit claims; below each table, for headquarters, the form that sets a new dated version
(``claims_policy_forms``), and at the end the dated history of every version set."""

from __future__ import annotations

import datetime as dt
from typing import Any

from fastapi import APIRouter, Request, Response
from sqlalchemy.orm import Session

from darman.audit import service as audit
from darman.claims import policy
from darman.referrals import policy as referral_periods
from darman.registry import service as registry
from darman.security.deps import ReadUowDep
from darman.security.enums import Role
from darman.security.principal import Principal
from darman.web.claims_views import POLICY_READERS
from darman.web.rendering import PagePrincipal, page_context, render

router = APIRouter(include_in_schema=False)

VISIT_FA = {"outpatient": "سرپایی", "inpatient": "بستری", "emergency": "اورژانس"}
OWNERSHIP_FA = {"owned": "ملکی", "contracted": "طرف قرارداد"}
NATIONAL_FA = "همه‌ی استان‌ها"
# The policy service lets national admins alone set policy (claims.policy); the page offers
# its forms to no one else.
POLICY_SETTERS = (Role.ADMIN,)
PARAMETER_FA = {
    policy.Parameter.COPAY_PERCENT: "سهم بیمار",
    policy.Parameter.FILING_DEADLINE_DAYS: "مهلت ارسال اسناد",
    **{referral_periods.PARAMETER[k]: label for k, label in referral_periods.LABELS_FA.items()},
}
SAVED_FA = {
    "copay": "سهم بیمار ثبت شد.",
    "deadline": "مهلت ارسال اسناد ثبت شد.",
    "referral": "مدت نظام ارجاع ثبت شد.",
    "rollout": "استقرار برنامه ثبت شد.",
}
HISTORY_ROWS = 200


def may_edit(who: Principal) -> bool:
    return who.role in POLICY_SETTERS and who.is_national


def _history(session: Session, where: Any) -> list[dict[str, Any]]:
    """Every version headquarters set, newest first: superseded ones stay listed."""
    rows = []
    for p in reversed(policy.list_parameters(session)[-HISTORY_ROWS:]):
        parameter = policy.Parameter(p.parameter)
        detail = ""
        if parameter is policy.Parameter.COPAY_PERCENT:
            visit = VISIT_FA.get(p.visit_type or "", p.visit_type)
            detail = f"{visit} · {OWNERSHIP_FA.get(p.ownership or '', p.ownership)}"
        rows.append(
            {
                "id": p.id,
                "kind": PARAMETER_FA[parameter],
                "parameter": p.parameter,
                "province": where(p.province_id),
                "detail": detail,
                "value": p.value,
                "is_percent": parameter is policy.Parameter.COPAY_PERCENT,
                "from": p.valid_from,
                "to": p.valid_to,
                "note": p.note,
                "by": p.created_by,
                "at": p.created_at,
            }
        )
    return rows


def _rollout_history(session: Session, where: Any) -> list[dict[str, Any]]:
    """Each start date a programme was given in a province, newest first, from the audit log
    (a rollout row keeps only its latest date)."""
    entries, _ = audit.list_entries(session, entity="programme_rollout", limit=HISTORY_ROWS)
    out = []
    for e in entries:
        after, before = e.after or {}, e.before or {}
        if e.action != "set_rollout" or "active_from" not in after:
            continue
        programme = str(after.get("programme", ""))
        label = policy.PROGRAMME_LABELS_FA.get(policy.Programme(programme), programme)
        out.append(
            {
                "programme": label,
                "province": where(after.get("province_id")),
                "from": dt.date.fromisoformat(str(after["active_from"])),
                "before": (
                    dt.date.fromisoformat(str(before["active_from"]))
                    if before.get("active_from")
                    else None
                ),
                "by": e.actor,
                "at": e.at,
            }
        )
    return out


def respond(
    request: Request,
    who: Principal,
    session: Session,
    *,
    errors: dict[str, str] | None = None,
    entered: dict[str, str] | None = None,
    message: str = "",
    status: int = 200,
) -> Response:
    """The page, with a form's Persian errors beside its fields and what was typed kept."""
    provinces = registry.list_provinces(session)
    names = {p.id: p.name_fa for p in provinces}

    def where(province_id: int | None) -> str:
        return NATIONAL_FA if province_id is None else names.get(province_id, str(province_id))

    s = session
    context = page_context(s, who, active="policy")
    context.update(
        {
            "may_edit": may_edit(who),
            "errors": errors or {},
            "entered": entered or {},
            "message": message,
            "province_choices": [(p.code, p.name_fa) for p in provinces],
            "visits": VISIT_FA,
            "ownerships": OWNERSHIP_FA,
            "programmes": {p.value: label for p, label in policy.PROGRAMME_LABELS_FA.items()},
            "day_kinds": {k.value: referral_periods.LABELS_FA[k] for k in referral_periods.DayKind},
            "history": _history(s, where),
            "rollout_history": _rollout_history(s, where),
            "copay": [
                {
                    "province": where(c.province_id),
                    "visit": VISIT_FA.get(c.visit_type, c.visit_type),
                    "ownership": OWNERSHIP_FA.get(c.ownership, c.ownership),
                    "percent": c.percent,
                    "from": c.valid_from,
                    "to": c.valid_to,
                }
                for c in policy.effective_copay(s)
            ],
            "deadlines": [
                {
                    "province": where(d.province_id),
                    "days": d.days,
                    "from": d.valid_from,
                    "to": d.valid_to,
                }
                for d in policy.effective_deadlines(s)
            ],
            "rollouts": [
                {
                    "programme": policy.PROGRAMME_LABELS_FA.get(
                        policy.Programme(r.programme), r.programme
                    ),
                    "province": where(r.province_id),
                    "from": r.active_from,
                    "phase": r.phase,
                    "bypass": r.bypass_copay_percent if r.programme == "referral" else None,
                    "is_referral": r.programme == "referral",
                }
                for r in policy.list_rollouts(s)
            ],
            "referral_periods": [
                {
                    "label": referral_periods.LABELS_FA[kind],
                    "province": where(p.province_id),
                    "days": p.days,
                    "from": p.valid_from,
                    "to": p.valid_to,
                }
                for kind in referral_periods.DayKind
                for p in policy.effective_days(
                    s,
                    referral_periods.PARAMETER[kind],
                    referral_periods.DEFAULT[kind],
                )
            ],
        }
    )
    return render(request, "claims/policy.html", context, status_code=status)


@router.get("/claims/policy")
def policy_page(request: Request, who: PagePrincipal, uow: ReadUowDep, saved: str = "") -> Response:
    """What the adjudication rules apply today and from when, nationally and per province,
    with every version set; headquarters also gets the forms that set new versions."""
    who.require_role(*POLICY_READERS)
    return respond(request, who, uow.session, message=SAVED_FA.get(saved, ""))
