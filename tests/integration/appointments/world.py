"""A small call worked by hand: one post in Qom (19) with two openings, five candidates
imported from CSV, their exam scores, three raters' scorecards and record points.

Totals under the rule 50/30/20 (interview (mean - 1) / 4 x 100):
  A  exam 90, marks 4 -> interview 75, record 50 -> 45 + 22.5 + 10 = 77.5  rank 1
  B  exam 80, marks 4 -> 75,          record 50 -> 40 + 22.5 + 10 = 72.5  rank 2
  C  exam 70, marks 5 -> 100,         record 0  -> 35 + 30   + 0  = 65.0  rank 3 (woman)
  D  exam 60, marks 3 -> 50,          record 50 -> 30 + 15   + 10 = 55.0  rank 4 (woman)
  E  exam 50: fifth of five, outside the shortlist of 2 x 2 = 4
With the women's quota of one seat, C takes B's seat: A and C are selected.
R1-R3 sit on the post's interview panel P1, so a signed-in one sees A-D to score."""

from __future__ import annotations

import datetime as dt

from sqlalchemy.orm import Session

from darman.appointments import rules, service
from darman.common.national_id import make
from darman.security.principal import SYSTEM

CALL, POST = "C-1", "P-QOM"
RATERS = ("R1", "R2", "R3")  # all three sit on the post's panel P1
IDS = {k: make(100 + i) for i, k in enumerate("ABCDE")}
SEX = {"A": "مرد", "B": "مرد", "C": "زن", "D": "زن", "E": "مرد"}
EXAM = {"A": 90, "B": 80, "C": 70, "D": 60, "E": 50}
MARK = {"A": 4, "B": 4, "C": 5, "D": 3}
RECORD = {"A": 50, "B": 50, "C": 0, "D": 50, "E": 50}
RULE = rules.Rule(
    weight_exam=50, weight_interview=30, weight_record=20, shortlist_per_opening=2,
    quotas=(rules.Quota("female", 1),),
)  # fmt: skip
HEADER = (
    "national_id,full_name,sex,birth_date,home_province,education,experience_years,"
    "prior_posts,unit_code,post_code"
)


def candidates_csv() -> bytes:
    lines = [HEADER]
    for k, nid in IDS.items():
        lines.append(f"{nid},داوطلب {k},{SEX[k]},1360/01/01,19,3,10,,U-{k},{POST}")
    return "\n".join(lines).encode()


def exam_csv() -> bytes:
    return ("call_code,national_id,score\n" + "\n".join(
        f"{CALL},{IDS[k]},{s}" for k, s in EXAM.items()
    )).encode()  # fmt: skip


def build(session: Session, *, scores: bool = True) -> None:
    service.create_call(
        session, SYSTEM, code=CALL, title_fa="فراخوان آزمایشی", opens_on=dt.date(2026, 1, 1),
        closes_on=dt.date(2026, 2, 1),
    )  # fmt: skip
    service.create_post(
        session, SYSTEM, call_code=CALL, code=POST, title_fa="رئیس بیمارستان",
        kind="hospital_director", province_code="19", openings=2, min_education=2,
        min_experience_years=5,
    )  # fmt: skip
    service.publish_rule(session, SYSTEM, post_code=POST, rule=RULE)
    report = service.import_candidates(
        session, SYSTEM, content=candidates_csv(), name="candidates.csv"
    )
    assert report.problems == [], report.problems
    for r in range(1, 4):
        service.add_rater(session, SYSTEM, code=f"R{r}", full_name=f"ارزیاب {r}", unit_code="HQ")
    service.seat_raters(session, SYSTEM, post_code=POST, panel="P1", rater_codes=RATERS)
    if not scores:
        return
    service.import_exam(session, SYSTEM, content=exam_csv(), name="exam.csv")
    for k, mark in MARK.items():
        for r in range(1, 4):
            service.score(
                session, SYSTEM, rater_code=f"R{r}", post_code=POST, national_id_=IDS[k],
                panel="P1", marks=dict.fromkeys(rules.COMPETENCIES, mark),
            )  # fmt: skip
    for k, pts in RECORD.items():
        service.set_record_points(session, SYSTEM, national_id_=IDS[k], points=pts, basis="سابقه")
