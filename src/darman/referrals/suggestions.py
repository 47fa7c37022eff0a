"""Internal referral first: the insurer's own facilities to suggest for a specialty."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from darman.common.errors import FieldProblem, InvalidInput
from darman.common.jalali import (
    tehran_today,
)
from darman.referrals import rules
from darman.referrals.callers import (
    _linked_physician,
    _require_staff,
    _staff_province,
)
from darman.referrals.enums import ReferralStatus
from darman.referrals.models import ReferralOrder
from darman.referrals.schemas import (
    SuggestionRead,
)
from darman.registry.enums import Ownership
from darman.registry.models import (
    Facility,
    Practitioner,
    PractitionerFacility,
)
from darman.security.enums import Role
from darman.security.principal import Principal


# ------------------------------------------------------------------ suggestions
def _candidates(
    session: Session, *, province_id: int, specialty: str, level: int, on: dt.date
) -> list[rules.Candidate]:
    offered = session.execute(
        select(
            Facility.id,
            Facility.code,
            Facility.name,
            Facility.city,
            Facility.level,
            func.count(func.distinct(Practitioner.id)),
        )
        .join(PractitionerFacility, PractitionerFacility.facility_id == Facility.id)
        .join(Practitioner, Practitioner.id == PractitionerFacility.practitioner_id)
        .where(
            Facility.province_id == province_id,
            Facility.ownership == Ownership.OWNED.value,
            Facility.is_active.is_(True),
            Facility.level == level,
            Practitioner.specialty == specialty,
        )
        .group_by(Facility.id, Facility.code, Facility.name, Facility.city, Facility.level)
    ).all()
    if not offered:
        return []
    load = dict(
        session.execute(
            select(ReferralOrder.to_facility_id, func.count())
            .where(
                ReferralOrder.to_facility_id.in_([r[0] for r in offered]),
                ReferralOrder.specialty == specialty,
                ReferralOrder.status == ReferralStatus.ISSUED.value,
                ReferralOrder.valid_until >= on,
            )
            .group_by(ReferralOrder.to_facility_id)
        ).all()
    )
    return [
        rules.Candidate(
            facility_id=r[0],
            code=r[1],
            name=r[2],
            city=r[3],
            level=r[4],
            practitioners=int(r[5]),
            open_referrals=int(load.get(r[0], 0)),
        )
        for r in offered
    ]


def suggest(
    session: Session,
    who: Principal,
    *,
    specialty: str,
    level: int = 2,
    province_code: str | None = None,
    city: str | None = None,
    on: dt.date | None = None,
) -> list[SuggestionRead]:
    """The insurer's own facilities in the province that offer the specialty (a
    practitioner of it works there) at the level asked for: same city first, then the
    lightest load (open referrals of the specialty per practitioner of it there).

    A physician gets those of their facility's province and city; staff name the province
    (and optionally a city). Empty when no own facility offers it: the physician may then
    choose another centre with a written reason.
    """
    on = on or tehran_today()
    if not rules.FIRST_LEVEL < level <= rules.TOP_LEVEL:
        raise InvalidInput("invalid level", [FieldProblem("level", "2 or 3")])
    if who.role is Role.PHYSICIAN:
        _, facility = _linked_physician(session, who)
        pid: int | None = facility.province_id
        city = city or facility.city
    else:
        _require_staff(who, "suggesting facilities")
        pid = _staff_province(session, who, province_code, required=True)
    assert pid is not None
    ranked = rules.rank(
        _candidates(session, province_id=pid, specialty=specialty, level=level, on=on), city
    )
    return [
        SuggestionRead(
            facility_code=c.code,
            name=c.name,
            city=c.city,
            level=c.level,
            same_city=rules.same_city(c.city, city),
            practitioners=c.practitioners,
            open_referrals=c.open_referrals,
            load=float(round(c.load, 3)),
        )
        for c in ranked
    ]
