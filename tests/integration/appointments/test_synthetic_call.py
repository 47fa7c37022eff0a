"""The synthetic call of the seeds' size, on both databases: 7,000 candidates for 150
openings over 31 provinces, women's interview marks lowered on purpose; the fairness
report must find that, and only at the interview."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from darman.appointments import demo, panels, service, synthetic
from darman.appointments.models import (
    Application,
    PanelSeat,
    Post,
    RankingRow,
    Rater,
    Scorecard,
)
from darman.registry import provinces
from darman.security.principal import SYSTEM


@pytest.fixture
def loaded(session):
    codes = [p.code for p in provinces.read_facts()]
    world = synthetic.generate(codes)
    counts = demo.load(session, SYSTEM, world)
    assert counts["candidates"] == 7000 and len(codes) == 31
    return session


def _line(report, stage: str, dim: str, group: str):
    return next(g for g in report.lines[(stage, dim)] if g.group == group)


def test_the_fairness_report_finds_women_disadvantaged_at_the_interview_only(loaded) -> None:
    report = service.fairness_report(loaded, SYSTEM, call_code=synthetic.CALL_CODE)
    assert report.applicants == 7000
    women = _line(report, "interview", "sex", "زن")
    men = _line(report, "interview", "sex", "مرد")
    assert men.impact_ratio == 1.0
    assert women.four_fifths is False and women.fisher_p < 0.001 and women.adverse
    assert women.shortfall > 0 and not women.small
    # the exam does not depend on sex: no adverse impact there
    assert not _line(report, "exam", "sex", "زن").adverse
    assert not _line(report, "eligibility", "sex", "زن").adverse
    # 31 provinces of origin at every stage, and small groups said to be small
    assert len(report.lines[("overall", "province")]) == 31
    # about 226 applicants a province at 150 / 7,000 expect fewer than five selections
    small = [g for g in report.lines[("overall", "province")] if g.applicants * 150 / 7000 < 5]
    assert small and all(g.small and g.four_fifths is None for g in small)


def test_the_whole_call_ranks_into_its_150_openings_with_quotas(loaded) -> None:
    stored = service.store_ranking(loaded, SYSTEM, call_code=synthetic.CALL_CODE)
    assert len(stored) == 62 and sum(stored.values()) == 7000
    selected = loaded.scalar(select(func.count()).where(RankingRow.outcome == "selected"))
    ranked = dict(
        loaded.execute(
            select(RankingRow.post_id, func.count())
            .where(RankingRow.rank.is_not(None))
            .group_by(RankingRow.post_id)
        ).all()
    )
    posts = service.list_posts(loaded, SYSTEM)
    assert sum(p.openings for p in posts) == 150
    # every opening is filled unless its post ranked fewer people than it has openings
    assert selected == sum(min(p.openings, ranked.get(p.id, 0)) for p in posts) >= 145
    by_quota = loaded.execute(
        select(RankingRow.quota, func.count())
        .where(RankingRow.quota != "")
        .group_by(RankingRow.quota)
    ).all()
    assert dict(by_quota).keys() <= {"native", "female"}
    panels = service.panels(
        loaded, SYSTEM, call_id=service.get_call(loaded, synthetic.CALL_CODE).id
    )
    assert len(panels) == 62 and all(p.agreement.raters == 3 for p in panels)


def test_the_demo_seats_each_rater_on_the_panel_its_scorecards_name(loaded) -> None:
    seats = set(loaded.execute(
        select(Post.code, PanelSeat.panel, Rater.code)
        .join(Post, Post.id == PanelSeat.post_id)
        .join(Rater, Rater.id == PanelSeat.rater_id)
    ).all())  # fmt: skip
    used = set(loaded.execute(
        select(Post.code, Scorecard.panel, Rater.code)
        .join(Application, Application.id == Scorecard.application_id)
        .join(Post, Post.id == Application.post_id)
        .join(Rater, Rater.id == Scorecard.rater_id)
        .distinct()
    ).all())  # fmt: skip
    # the three raters of each post with interviews, on that post's panel P-<post>
    assert seats == used and len(seats) == 3 * len({p for p, _, _ in used})
    assert ("DIR-08", "P-DIR-08", "R-DIR-08-1") in seats
    # the demo's rater signed in sees exactly the shortlist their panel scored
    rater = loaded.scalar(select(Rater).where(Rater.code == "R-DIR-08-1"))
    todo = panels.rater_shortlist(loaded, rater)
    scored = set(loaded.scalars(
        select(Scorecard.application_id).where(Scorecard.rater_id == rater.id)
    ))  # fmt: skip
    assert todo and {t.application_id for t in todo} == scored
