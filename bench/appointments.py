"""Ranking a call of the seeds' size and its fairness report, from the database.

The synthetic call (``appointments.synthetic``: 7,000 candidates, 150 openings over 31
provinces in 62 posts with quotas, 5,000-odd interview marks) is loaded into a fresh
database, then timed:

- ``rank``: every post ranked by its published rule with quotas after ranking, in memory
  (``service.rank_call``: four set-based reads, the rule in Python);
- ``rank + store``: the same, stored per rule version and audited per post;
- ``fairness``: the adverse-impact report (it ranks too) by sex, province and age band;
- baseline in the same run: candidate by candidate through the ORM (each application's
  candidate, exam score, scorecards and record points read one by one), then the same
  rule and the same report. Both must agree on every outcome.

  PYTHONPATH=src .venv/bin/python bench/appointments.py [--url postgresql+psycopg://...]
"""

from __future__ import annotations

import argparse
import tempfile
import time
from collections import defaultdict
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from darman.appointments import demo, fairness, rules, service, synthetic
from darman.appointments.models import (
    Application,
    Call,
    Candidate,
    ExamScore,
    Post,
    RecordPoints,
    Scorecard,
    ScoringRule,
)
from darman.appointments.ranking import stage_outcomes
from darman.appointments.setup import requirements
from darman.db import migrate
from darman.db.engine import make_engine, make_session_factory
from darman.registry import provinces
from darman.security.principal import SYSTEM

AIM_S = 2.0
KEY = "bench-audit-key-" + "b" * 40


def baseline(session: Session, call_code: str) -> dict[int, rules.Outcome]:
    """One candidate at a time through the ORM, then the same rule and report."""
    call = session.scalars(select(Call).where(Call.code == call_code)).one()
    out: dict[int, rules.Outcome] = {}
    groups: dict[str, list[tuple[str, bool]]] = defaultdict(list)
    for post in session.scalars(select(Post).where(Post.call_id == call.id)):
        rule_row = session.scalars(
            select(ScoringRule)
            .where(ScoringRule.post_id == post.id)
            .order_by(ScoringRule.version.desc())
        ).first()
        assert rule_row is not None
        entries = []
        for app in session.scalars(select(Application).where(Application.post_id == post.id)):
            cand = session.get(Candidate, app.candidate_id)
            assert cand is not None
            exam = session.scalars(
                select(ExamScore).where(
                    ExamScore.call_id == call.id, ExamScore.candidate_id == cand.id
                )
            ).first()
            marks: dict[int, dict[str, int]] = defaultdict(dict)
            for card in session.scalars(
                select(Scorecard).where(Scorecard.application_id == app.id)
            ):
                marks[card.rater_id][card.competency] = card.mark
            record = session.scalars(
                select(RecordPoints).where(RecordPoints.candidate_id == cand.id)
            ).first()
            entries.append(
                rules.Entry(
                    application_id=app.id, national_id=cand.national_id, sex=cand.sex,
                    home_province_id=cand.home_province_id, birth_date=cand.birth_date,
                    education=cand.education, experience_years=cand.experience_years,
                    prior_posts=frozenset(k for k in cand.prior_posts.split(",") if k),
                    exam=exam.score if exam else None,
                    interview=rules.interview_score(marks) if marks else None,
                    record=record.points if record else 0.0,
                )
            )  # fmt: skip
        placed = rules.rank_post(
            entries, rules.Rule.from_dict(rule_row.body), openings=post.openings,
            requirements=requirements(post), post_province_id=post.province_id, on=call.closes_on,
        )  # fmt: skip
        for p in placed:
            out[p.application_id] = p.outcome
            for stage, passed in stage_outcomes(p).items():
                groups[f"{stage}/sex"].append((p.entry.sex, passed))
                groups[f"{stage}/province"].append((str(p.entry.home_province_id), passed))
                groups[f"{stage}/age"].append(
                    (rules.age_band(p.entry.birth_date, call.closes_on), passed)
                )
    for lines in groups.values():
        fairness.adverse_impact(lines)
    return out


def timed(
    label: str, factory: sessionmaker[Session], work, rounds: int = 3
) -> tuple[float, object]:
    best, result = float("inf"), None
    for _ in range(rounds):
        with factory() as session:
            started = time.perf_counter()
            result = work(session)
            best = min(best, time.perf_counter() - started)
            session.rollback()
    print(f"| {label} | {best:.3f} |")
    return best, result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--url", help="database URL (default: a fresh SQLite file)")
    args = parser.parse_args()
    url = args.url or f"sqlite:///{Path(tempfile.mkdtemp()) / 'appointments.db'}"
    engine = make_engine(url)
    migrate.upgrade(engine)
    factory = make_session_factory(engine, audit_key=KEY)
    with factory() as session:
        provinces.ensure_loaded(session)
        world = synthetic.generate([p.code for p in provinces.read_facts()])
        started = time.perf_counter()
        counts = demo.load(session, SYSTEM, world)
        session.commit()
    print(f"{engine.dialect.name}: loaded {counts} in {time.perf_counter() - started:.1f} s")
    code = synthetic.CALL_CODE
    print("| step | best of 3, seconds |")
    print("| --- | --- |")
    rank_s, ranked = timed(
        "rank (in memory)", factory, lambda s: service.rank_call(s, SYSTEM, call_code=code)
    )
    store_s, _ = timed(
        "rank + store + audit", factory, lambda s: service.store_ranking(s, SYSTEM, call_code=code)
    )
    fair_s, _ = timed(
        "fairness report (ranks too)",
        factory,
        lambda s: service.fairness_report(s, SYSTEM, call_code=code),
    )
    base_s, base = timed(
        "baseline: candidate by candidate through the ORM + report",
        factory,
        lambda s: baseline(s, code),
        rounds=1,
    )
    fast = {p.application_id: p.outcome for _, _, placed in ranked.values() for p in placed}  # type: ignore[union-attr]
    assert fast == base, "the set-based ranking and the baseline disagree"
    selected = sum(1 for o in fast.values() if o is rules.Outcome.SELECTED)
    verdict = "met" if fair_s < AIM_S else "NOT met"
    print(
        f"{len(fast):,} applications, {selected} selected; identical outcomes. "
        f"ranking with quotas + fairness report {fair_s:.2f} s (aim under {AIM_S:.0f} s: "
        f"{verdict}); baseline / that = {base_s / fair_s:.1f}x; "
        f"storing adds {store_s - rank_s:.2f} s"
    )


if __name__ == "__main__":
    main()
