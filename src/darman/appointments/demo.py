"""Loading the synthetic call (``synthetic.generate``) into the database: the call, posts
and rules through the services (audited one by one), the candidates, applications, exam
scores, raters, their panel seats (the panels their scorecards name), scorecards and
record points by bulk insert, audited as one import."""

from __future__ import annotations

from sqlalchemy import insert, select
from sqlalchemy.orm import Session

from darman.appointments import setup, synthetic
from darman.appointments.models import (
    Application,
    Candidate,
    ExamScore,
    PanelSeat,
    Post,
    Rater,
    RecordPoints,
    Scorecard,
)
from darman.audit import service as audit
from darman.db.base import utcnow
from darman.registry.service_support import province_maps
from darman.security.principal import Principal


def load(session: Session, who: Principal, world: synthetic.World) -> dict[str, int]:
    """Write the synthetic call; returns counts of what was written."""
    setup.require_runner(who)
    call = setup.create_call(session, who, **world.call)
    for p in world.posts:
        setup.create_post(session, who, call_code=call.code, **p)
        setup.publish_rule(session, who, post_code=p["code"], rule=world.rules[p["code"]])
    provinces = province_maps(session)[0]
    now = utcnow()
    session.execute(
        insert(Candidate),
        [
            {**{k: v for k, v in c.items() if k != "home_province_code"},
             "home_province_id": provinces[c["home_province_code"]]}
            for c in world.candidates
        ],
    )  # fmt: skip
    cands = dict(session.execute(select(Candidate.national_id, Candidate.id)).all())
    posts = dict(session.execute(select(Post.code, Post.id)).all())
    session.execute(
        insert(Application),
        [
            {"candidate_id": cands[n], "post_id": posts[p], "applied_at": now}
            for n, p in world.applications
        ],
    )
    apps = {
        (c, p): a
        for a, c, p in session.execute(
            select(Application.id, Application.candidate_id, Application.post_id)
        )
    }
    session.execute(
        insert(ExamScore),
        [{"call_id": call.id, "candidate_id": cands[n], "score": s, "recorded_at": now}
         for n, s in world.exam.items()],
    )  # fmt: skip
    session.execute(insert(Rater), world.raters)
    raters = dict(session.execute(select(Rater.code, Rater.id)).all())
    session.execute(
        insert(Scorecard),
        [
            {"application_id": apps[(cands[n], posts[p])], "rater_id": raters[r], "panel": panel,
             "competency": comp, "mark": mark, "recorded_by": who.username, "recorded_at": now}
            for n, p, r, panel, comp, mark in world.marks
        ],
    )  # fmt: skip
    # each rater sits on the panel their scorecards name: a rater signs in to that post
    seated = sorted({(p, panel, r) for _, p, r, panel, _, _ in world.marks})
    if seated:
        session.execute(
            insert(PanelSeat),
            [
                {"post_id": posts[p], "rater_id": raters[r], "panel": panel,
                 "seated_by": who.username, "seated_at": now}
                for p, panel, r in seated
            ],
        )  # fmt: skip
    session.execute(
        insert(RecordPoints),
        [
            {"candidate_id": cands[n], "points": v, "basis": "سال‌های سابقه"}
            for n, v in world.record.items()
        ],
    )
    counts = {
        "posts": len(world.posts), "candidates": len(world.candidates),
        "applications": len(world.applications), "exam_scores": len(world.exam),
        "scorecards": len(world.marks), "panel_seats": len(seated),
    }  # fmt: skip
    audit.record(
        session, actor=who.username, action="import", entity="appt_call", entity_id=call.id,
        after={"synthetic": True, **counts},
    )  # fmt: skip
    return counts
