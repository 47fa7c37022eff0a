"""Which provinces are in which phase of the referral programme from which day."""

from __future__ import annotations

import csv
import datetime as dt
import io
from importlib import resources

from sqlalchemy import select
from sqlalchemy.orm import Session

from darman.claims import policy
from darman.claims.models import ProgrammeRollout
from darman.common.jalali import (
    format_jalali,
    parse_jalali,
)
from darman.referrals.callers import (
    PROGRAMME,
)
from darman.referrals.schemas import (
    RolloutRead,
)
from darman.registry import service_support as registry_service_support
from darman.registry.models import (
    Province,
)
from darman.security.principal import Principal


# ------------------------------------------------------------------ rollout
def phase_on(session: Session, province_id: int, on: dt.date) -> int | None:
    """The referral programme's phase in the province on ``on``; None before it starts."""
    row = session.scalar(
        select(ProgrammeRollout).where(
            ProgrammeRollout.province_id == province_id,
            ProgrammeRollout.programme == PROGRAMME,
            ProgrammeRollout.active_from <= on,
        )
    )
    return row.phase if row is not None else None


def rollout(session: Session) -> list[RolloutRead]:
    """Where the referral programme runs: province, phase and first day, by phase."""
    rows = session.execute(
        select(ProgrammeRollout, Province)
        .join(Province, Province.id == ProgrammeRollout.province_id)
        .where(ProgrammeRollout.programme == PROGRAMME)
        .order_by(ProgrammeRollout.phase, Province.code)
    ).all()
    return [
        RolloutRead(
            province_code=p.code,
            province_name_fa=p.name_fa,
            phase=r.phase,
            active_from=r.active_from,
            active_from_jalali=format_jalali(r.active_from),
        )
        for r, p in rows
    ]


def set_phase(
    session: Session, who: Principal, *, province_code: str, phase: int, active_from: dt.date
) -> RolloutRead:
    """Place a province in phase 1 or 2 of the referral programme from ``active_from``:
    from that day specialist visits there need a valid referral (claims rule R10), and in
    phase 1 referrals go to the insurer's own centres unless a reason is written. National
    admins only; audited (through the claims policy)."""
    pid = registry_service_support.province_id_for(session, province_code)
    policy.set_rollout(
        session, who, province_id=pid, programme=PROGRAMME, active_from=active_from, phase=phase
    )
    return next(r for r in rollout(session) if r.province_code == province_code)


def shipped_rollout() -> list[tuple[str, int, dt.date]]:
    """The programme's starting rollout shipped as data (``referrals/data/rollout.csv``):
    province code, phase, first day."""
    text = resources.files("darman.referrals").joinpath("data/rollout.csv").read_text("utf-8")
    return [
        (r["province_code"], int(r["phase"]), parse_jalali(r["active_from"]))
        for r in csv.DictReader(io.StringIO(text))
    ]


def seed_rollout(session: Session, who: Principal) -> list[RolloutRead]:
    """Write the shipped rollout (Tehran and Alborz in phase 1) for provinces where the
    referral programme has no row yet; rows already set are left alone."""
    present = {r.province_code for r in rollout(session)}
    for code, phase, start in shipped_rollout():
        if code not in present:
            set_phase(session, who, province_code=code, phase=phase, active_from=start)
    return rollout(session)
