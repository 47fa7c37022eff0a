"""The adjudication policy page: copayment, filing deadlines and programme rollouts in force,
in Persian with Jalali dates, for the staff who adjudicate, review, pay or audit claims."""

from __future__ import annotations

from fastapi import APIRouter, Request, Response

from darman.claims import policy
from darman.referrals import policy as referral_periods
from darman.registry import service as registry
from darman.security.deps import ReadUowDep
from darman.web.claims_views import POLICY_READERS
from darman.web.rendering import PagePrincipal, page_context, render

router = APIRouter(include_in_schema=False)

VISIT_FA = {"outpatient": "سرپایی", "inpatient": "بستری", "emergency": "اورژانس"}
OWNERSHIP_FA = {"owned": "ملکی", "contracted": "طرف قرارداد"}
NATIONAL_FA = "همه‌ی استان‌ها"


@router.get("/claims/policy")
def policy_page(request: Request, who: PagePrincipal, uow: ReadUowDep) -> Response:
    """What the adjudication rules apply today and from when, nationally and per province."""
    who.require_role(*POLICY_READERS)
    s = uow.session
    names = {p.id: p.name_fa for p in registry.list_provinces(s)}

    def where(province_id: int | None) -> str:
        return NATIONAL_FA if province_id is None else names.get(province_id, str(province_id))

    context = page_context(s, who, active="policy")
    context.update(
        {
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
    return render(request, "claims/policy.html", context)
