"""The demo's programmes beside its claims: the seeds' call for managers (7,000 candidates
for 150 openings), the synthetic repository of about 2,000 circulars, and the indicators
computed over the two years up to last month, so that the appointment, circular and
performance pages open on something. The call and the circulars are loaded once: a demo
started again on the same database finds them there and leaves them. The indicators are
computed again at every start (replacing the same months' facts), since a month may have
ended since the last."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy.orm import Session

from darman.appointments import demo as appointments_demo
from darman.appointments import setup as appointments_setup
from darman.appointments import synthetic as appointments_synthetic
from darman.circulars import service as circulars_service
from darman.circulars import workbench as circulars_workbench
from darman.common.jalali import tehran_today
from darman.performance import service as performance_service
from darman.performance.periods import last_complete_month
from darman.registry import provinces
from darman.security.principal import SYSTEM

# two years of monthly indicators: the demo's year of claims and the months since
INDICATOR_MONTHS = 24
# the seeds' call (7,000 sat the exam, about 150 were appointed), and rules to write
# circulars about, about four circulars each
CANDIDATES, OPENINGS = 7_000, 150
CIRCULAR_TOPICS = 460


@dataclass(frozen=True)
class Loaded:
    candidates: int
    circulars: int
    indicator_months: int


def load(session: Session, *, seed: int, today: dt.date | None = None) -> Loaded:
    """Load what is not there yet; answers what this call loaded (zeros when nothing)."""
    candidates = 0
    if appointments_setup.count_posts(session) == 0:
        provinces.ensure_loaded(session)
        world = appointments_synthetic.generate(
            [p.code for p in provinces.read_facts()],
            candidates=CANDIDATES,
            openings=OPENINGS,
            seed=seed,
        )
        appointments_demo.load(session, SYSTEM, world)
        candidates = len(world.candidates)
    circulars = 0
    if not any(circulars_service.counts_by_status(session, SYSTEM).values()):
        circulars = circulars_workbench.load_synthetic(
            session, SYSTEM, topics=CIRCULAR_TOPICS, seed=seed
        )
    computed = performance_service.compute(
        session,
        SYSTEM,
        period=last_complete_month(today or tehran_today()).code,
        months=INDICATOR_MONTHS,
    )
    return Loaded(candidates, circulars, len(computed))
