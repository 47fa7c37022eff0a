"""A year of synthetic patient-experience responses for the demo: every active hospital
gets responses each month whose answers lean on a quality of its own (drawn once per
hospital), so scores differ believably between facilities; small hospitals get fewer
responses, some months below the instrument's minimum."""

from __future__ import annotations

import datetime as dt

import numpy as np
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from darman.common.jalali import tehran_today
from darman.performance import responses, surveys
from darman.performance.models import SurveyResponse
from darman.registry.models import Facility
from darman.security.principal import SYSTEM

INSTRUMENT = "inpatient"


def load(session: Session, *, seed: int, today: dt.date | None = None, months: int = 12) -> int:
    """Insert the responses once (nothing when some are already there); answers how many."""
    if session.scalar(select(func.count()).select_from(SurveyResponse)):
        return 0
    inst = surveys.shipped().get(INSTRUMENT)
    assert inst is not None
    rng = np.random.default_rng(seed)
    today = today or tehran_today()
    hospitals = session.execute(
        select(Facility.id, Facility.province_id, Facility.beds_general)
        .where(Facility.kind == "hospital", Facility.is_active.is_(True))
        .order_by(Facility.id)
    ).all()
    rows: list[dict[str, object]] = []
    for fid, pid, beds in hospitals:
        quality = float(np.clip(rng.normal(0.72, 0.12), 0.3, 0.97))
        per_month = max(5, int(beds or 0) // 4)
        for back in range(months):
            day0 = today - dt.timedelta(days=30 * (back + 1))
            n = int(rng.poisson(per_month))
            for k in range(n):
                answers = {}
                for q in inst.question:
                    lean = rng.normal(quality, 0.15)
                    span = q.high - q.low
                    answers[q.code] = int(np.clip(round(q.low + lean * span), q.low, q.high))
                rows.append({
                    "instrument": inst.code, "respondent": f"S{fid}-{back}-{k}",
                    "facility_id": fid, "province_id": pid,
                    "answered_on": day0 + dt.timedelta(days=int(rng.integers(0, 30))),
                    "answers": answers, "score": inst.overall(answers),
                })  # fmt: skip
    return responses.store(session, SYSTEM, rows)
