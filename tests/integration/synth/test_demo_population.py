"""The demo's chronic-disease registers: built from its claims (I10-I15, E11), its
prescriptions and historic enrolments, with measurements over the months, so that the care
cascade of the last complete quarter has every stage populated, with plausible shares that
differ between provinces."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from darman.common.jalali import jalali_month
from darman.db.uow import UnitOfWork
from darman.population import service
from darman.population.enums import LOINC
from darman.population.models import Measurement
from darman.security.principal import SYSTEM
from darman.synth import claims_seed, population_seed
from darman.synth import service as synth

SCALE = 0.002
LINES = 6_000
SEED = 11
ANCHOR = dt.date(2026, 12, 7)  # 1405/09/16: the last complete quarter is 1405Q2
STAGES = (
    "registered", "under_care", "cohort", "controlled", "uncontrolled", "no_visit_3m",
    "lost_to_follow_up",
)  # fmt: skip


def _last_complete_quarter(day: dt.date) -> str:
    month = jalali_month(day)
    year, quarter = divmod(month, 100)[0], (month % 100 - 1) // 3  # the one before today's
    return f"{year}Q{quarter}" if quarter else f"{year - 1}Q4"


def _demo(factory: sessionmaker[Session]) -> population_seed.Loaded:
    with UnitOfWork(factory) as uow:
        synth.seed(uow.session, scale=SCALE, seed=SEED)
        claims_seed.load(uow.session, scale=SCALE, seed=SEED, lines=LINES, today=ANCHOR)
        claims_seed.process(uow.session, today=ANCHOR)
        loaded = population_seed.load(uow.session, seed=SEED, today=ANCHOR)
        uow.commit()
    return loaded


def test_the_demo_cascade_has_every_stage_populated_and_differs_between_provinces(
    session_factory,
) -> None:
    loaded = _demo(session_factory)
    assert loaded.entries > 300 and loaded.enrolled > 100 and loaded.measurements > 1000
    quarter = _last_complete_quarter(ANCHOR)
    assert quarter == "1405Q2"
    with session_factory() as s:
        read = service.cascade(s, SYSTEM, quarter=quarter)
        counts = service.register_counts(s, SYSTEM)
        lowest, highest = s.execute(
            select(func.min(Measurement.measured_on), func.max(Measurement.measured_on))
        ).one()
        values = {
            code: s.execute(
                select(func.min(Measurement.value), func.max(Measurement.value)).where(
                    Measurement.loinc == code
                )
            ).one()
            for code in LOINC
        }
    by_province = service.cascade_by_province(read)
    for register in ("htn", "t2dm"):
        rows = [r for r in by_province if r.register_code == register]
        total = {c: sum(getattr(r, c) for r in rows) for c in STAGES}
        assert all(total[c] > 0 for c in STAGES), (register, total)
        # the cohort splits into its three parts; the cascade narrows as it goes
        assert total["controlled"] + total["uncontrolled"] + total["no_visit_3m"] == total["cohort"]
        assert total["under_care"] + total["lost_to_follow_up"] == total["registered"]
        assert 0.45 <= total["under_care"] / total["registered"] <= 0.75, total
        assert total["controlled"] < total["cohort"] / 2  # a minority controlled
        assert 0.1 <= total["lost_to_follow_up"] / total["registered"] <= 0.55, total
        # provinces differ: the share under care is not one figure everywhere
        shares = {round(r.under_care / r.registered, 2) for r in rows if r.registered >= 15}
        assert len(shares) >= 3, shares
    # every source fed the registers
    assert sum(c.from_claims for c in counts) > 0
    assert sum(c.from_prescriptions for c in counts) > 0
    assert sum(c.from_enrolment for c in counts) == loaded.enrolled
    # measurements over the months, none on or after the seeding day, all in range
    assert (ANCHOR - lowest).days > 365 and highest < ANCHOR
    for code, (low, high) in values.items():
        assert LOINC[code][2] <= low <= high <= LOINC[code][3]

    # seeding again adds nothing
    with UnitOfWork(session_factory) as uow:
        again = population_seed.load(uow.session, seed=SEED, today=ANCHOR)
        uow.commit()
    assert again == population_seed.Loaded(0, 0, 0)
