"""Record points of serving province directors with their province's rank in the managers'
latest monthly ranking (performance domain), on both databases, on ``world``'s call.

Every candidate of the world: 10 years (20) and a master's (20). Facts for 1405/07 on two
indicators, both lower-is-better, with Tehran best on both, Isfahan next and Qom last:
  delay:      Tehran (08) 30, Isfahan (04) 60, Qom (19) 90
  stock-outs: Tehran (08) 1,  Isfahan (04) 3,  Qom (19) 5
so whatever the weights, the ranking is Tehran 1, Isfahan 2, Qom 3 of three ranked, and the
rank part is 20, 10 and 0 (``rules.rank_points``)."""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from darman.appointments import service
from darman.appointments.models import Candidate, RecordPoints
from darman.appointments.scoring import HISTORY_BASIS
from darman.audit.models import AuditEntry
from darman.db.base import utcnow
from darman.performance.models import IndicatorFact
from darman.registry.models import Province
from darman.security.principal import SYSTEM
from tests.integration.appointments.world import CALL, IDS, build

FACTS = {
    "08": {"payment_delay_days": 30.0, "stockout_rate": 1.0},
    "04": {"payment_delay_days": 60.0, "stockout_rate": 3.0},
    "19": {"payment_delay_days": 90.0, "stockout_rate": 5.0},
}


def _ids(session: Session) -> dict[str, int]:
    return {code: pid for code, pid in session.execute(select(Province.code, Province.id))}


def _write_facts(session: Session) -> None:
    ids = _ids(session)
    for code, values in FACTS.items():
        for indicator, value in values.items():
            session.add(IndicatorFact(
                indicator_code=indicator, period="1405/07", province_id=ids[code],
                facility_id=None, numerator=value, denominator=1, value=value,
                definitions_version="t", computed_at=utcnow(),
            ))  # fmt: skip
    session.flush()


def _serve(session: Session, key: str, *, province: str, posts: str) -> None:
    cand = session.scalar(select(Candidate).where(Candidate.national_id == IDS[key]))
    assert cand is not None
    cand.home_province_id, cand.prior_posts = _ids(session)[province], posts
    session.flush()


def _record(session: Session, key: str) -> tuple[float, str]:
    row = session.execute(
        select(RecordPoints.points, RecordPoints.basis)
        .join(Candidate, Candidate.id == RecordPoints.candidate_id)
        .where(Candidate.national_id == IDS[key])
    ).one()
    return row[0], row[1]


def test_a_serving_directors_record_points_include_their_provinces_rank_and_others_do_not(
    session: Session,
) -> None:
    build(session, scores=False)
    _write_facts(session)
    _serve(session, "A", province="04", posts="province_director")  # Isfahan, rank 2
    _serve(session, "B", province="08", posts="province_director")  # Tehran, rank 1
    _serve(session, "C", province="08", posts="")  # from Tehran, directs nothing
    _serve(session, "D", province="19", posts="province_director")  # Qom, rank 3
    assert service.record_points_from_history(session, SYSTEM, call_code=CALL) == 5
    assert service.record_points_from_history(session, SYSTEM, call_code=CALL) == 0
    assert session.scalar(
        select(func.count()).where(AuditEntry.action == "record_points")
    ) == 5  # fmt: skip

    points, basis = _record(session, "A")
    assert points == 65.0  # 20 + 20 + 15 (province_director) + 10 (rank 2 of 3)
    assert basis.startswith(HISTORY_BASIS)
    assert "رتبه ۲ از ۳" in basis and "۱۴۰۵/۰۷" in basis and "۱۰٫۰ امتیاز" in basis
    assert _record(session, "B")[0] == 75.0  # 55 + 20 (rank 1 of 3)
    assert _record(session, "D")[0] == 55.0  # 55 + 0 (rank 3 of 3)
    assert "رتبه ۳ از ۳" in _record(session, "D")[1]
    assert _record(session, "C") == (40.0, HISTORY_BASIS)  # no rank part for a non-director


def test_with_no_month_ranked_a_directors_record_points_have_no_rank_part(
    session: Session,
) -> None:
    build(session, scores=False)
    _serve(session, "A", province="04", posts="province_director")
    assert service.record_points_from_history(session, SYSTEM, call_code=CALL) == 5
    assert _record(session, "A") == (55.0, HISTORY_BASIS)
