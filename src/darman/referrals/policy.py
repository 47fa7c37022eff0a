"""The referral programme's dated periods: how many days a referral stays valid and when
the receiving centre's feedback is due.

Headquarters sets them from a date on, nationally or for one province, as entries of the
insurer's policy table (``claims.policy``), so they are audited and resolved the same way
as copayment and filing deadlines: a province's entry beats the national one and the latest
start wins. Where nothing is set, ``rules.DEFAULT_VALID_DAYS`` and
``rules.DEFAULT_FEEDBACK_DAYS`` apply. A referral takes the periods in force in the
referring centre's province on its issue day and keeps them; a later change does not move
the dates of referrals already written.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from enum import StrEnum

from sqlalchemy.orm import Session

from darman.claims import policy
from darman.common.jalali import format_jalali
from darman.referrals import rules
from darman.referrals.schemas import DayPeriodRead, ReferralPolicyRead
from darman.registry import service_support as registry_service_support
from darman.security.principal import Principal


class DayKind(StrEnum):
    VALID = "valid_days"
    FEEDBACK = "feedback_days"


PARAMETER = {
    DayKind.VALID: policy.Parameter.REFERRAL_VALID_DAYS,
    DayKind.FEEDBACK: policy.Parameter.REFERRAL_FEEDBACK_DAYS,
}
DEFAULT = {DayKind.VALID: rules.DEFAULT_VALID_DAYS, DayKind.FEEDBACK: rules.DEFAULT_FEEDBACK_DAYS}
LABELS_FA = {DayKind.VALID: "مدت اعتبار ارجاع", DayKind.FEEDBACK: "مهلت پس‌خوراند"}


@dataclass(frozen=True)
class Periods:
    valid_days: int
    feedback_days: int


def periods_on(session: Session, province_id: int, on: dt.date) -> Periods:
    """The validity and feedback periods for a referral written in the province on ``on``."""

    def value(kind: DayKind) -> int:
        found = policy.days_on(session, PARAMETER[kind], province_id=province_id, on=on)
        return DEFAULT[kind] if found is None else found

    return Periods(valid_days=value(DayKind.VALID), feedback_days=value(DayKind.FEEDBACK))


def referral_policy(session: Session) -> ReferralPolicyRead:
    """Both periods in force, national (built-in default under it) and per province."""
    codes: dict[int, str] = {}

    def code(pid: int | None) -> str | None:
        if pid is None:
            return None
        if pid not in codes:
            codes[pid] = registry_service_support.province_code_of(session, pid)
        return codes[pid]

    def periods(kind: DayKind) -> list[DayPeriodRead]:
        return [
            DayPeriodRead(
                province_code=code(p.province_id),
                days=p.days,
                valid_from=p.valid_from,
                valid_to=p.valid_to,
                valid_from_jalali=format_jalali(p.valid_from),
                valid_to_jalali=format_jalali(p.valid_to),
            )
            for p in policy.effective_days(session, PARAMETER[kind], DEFAULT[kind])
        ]

    return ReferralPolicyRead(
        valid_days=periods(DayKind.VALID),
        feedback_days=periods(DayKind.FEEDBACK),
        default_valid_days=rules.DEFAULT_VALID_DAYS,
        default_feedback_days=rules.DEFAULT_FEEDBACK_DAYS,
    )


def set_days(
    session: Session,
    who: Principal,
    *,
    kind: DayKind,
    days: int,
    valid_from: dt.date,
    valid_to: dt.date | None = None,
    province_code: str | None = None,
    note: str = "",
) -> ReferralPolicyRead:
    """Set how long referrals written from ``valid_from`` on stay valid, or after how many
    days their feedback is due (1-365 days), nationally or for one province. National
    admins only; audited; the caller commits. Raises InvalidInput naming ``days``,
    ``valid_from``/``valid_to`` or ``province_code``; PermissionDenied for other roles."""
    province_id = (
        None
        if province_code is None
        else registry_service_support.province_id_for(session, province_code)
    )
    policy.set_days(
        session,
        who,
        parameter=PARAMETER[kind],
        days=days,
        valid_from=valid_from,
        valid_to=valid_to,
        province_id=province_id,
        note=note,
    )
    return referral_policy(session)
