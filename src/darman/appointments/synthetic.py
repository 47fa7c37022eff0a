"""A synthetic call of the seeds' size, reproducible from a seed: 7,000 candidates for 150
openings over the 31 provinces (a provincial health director and a hospital-director post
in every province), written-exam scores, interview marks by panels of three raters, record
points, and one group deliberately disadvantaged at the interview: women's marks are
lowered by ``INTERVIEW_PENALTY`` points of the 1-5 scale, so the adverse-impact report
has something to find. The exam does not depend on sex. Pure: no I/O."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from darman.appointments import rules
from darman.common.national_id import make

INTERVIEW_PENALTY = 0.9
CALL_CODE = "MGR-1405"
OPENS, CLOSES = dt.date(2026, 4, 21), dt.date(2026, 5, 21)


@dataclass
class World:
    call: dict[str, Any]
    posts: list[dict[str, Any]] = field(default_factory=list)
    rules: dict[str, rules.Rule] = field(default_factory=dict)
    candidates: list[dict[str, Any]] = field(default_factory=list)
    applications: list[tuple[str, str]] = field(default_factory=list)  # (national id, post)
    exam: dict[str, float] = field(default_factory=dict)
    raters: list[dict[str, str]] = field(default_factory=list)
    # (national id, post, rater, panel, competency, mark)
    marks: list[tuple[str, str, str, str, str, int]] = field(default_factory=list)
    record: dict[str, float] = field(default_factory=dict)


def _posts(province_codes: list[str], openings: int) -> list[dict[str, Any]]:
    """A director (1 opening) and a hospital-director post per province, the openings left
    spread over the hospital posts, the first provinces taking one more."""
    n = len(province_codes)
    left = openings - n
    base, extra = divmod(left, n)
    out = []
    for i, code in enumerate(province_codes):
        out.append(
            {"code": f"DIR-{code}", "title_fa": "مدیر درمان استان", "kind": "province_director",
             "province_code": code, "openings": 1, "min_education": 3,
             "min_experience_years": 10, "prior_posts": "", "max_age": 60}
        )  # fmt: skip
        out.append(
            {"code": f"HOSP-{code}", "title_fa": "رئیس بیمارستان", "kind": "hospital_director",
             "province_code": code, "openings": base + (1 if i < extra else 0),
             "min_education": 2, "min_experience_years": 5, "prior_posts": "", "max_age": None}
        )  # fmt: skip
    return out


def _rule(post: dict[str, Any]) -> rules.Rule:
    quotas: tuple[rules.Quota, ...] = ()
    if post["kind"] == "hospital_director":
        quotas = (rules.Quota("native", 1),)
        if post["openings"] >= 4:
            quotas += (rules.Quota("female", 1),)
    return rules.Rule(
        weight_exam=50, weight_interview=30, weight_record=20, shortlist_per_opening=4,
        interview_cut=60.0, tie_break=("interview", "exam", "record"), quotas=quotas,
    )  # fmt: skip


def generate(
    province_codes: list[str], *, candidates: int = 7000, openings: int = 150, seed: int = 1405
) -> World:
    rng = np.random.default_rng(seed)
    world = World(
        call={"code": CALL_CODE, "title_fa": "فراخوان انتخاب مدیران ۱۴۰۵",
              "opens_on": OPENS, "closes_on": CLOSES}
    )  # fmt: skip
    world.posts = _posts(province_codes, openings)
    world.rules = {p["code"]: _rule(p) for p in world.posts}
    by_code = {p["code"]: p for p in world.posts}
    for p in world.posts:
        for n in range(3):
            world.raters.append(
                {"code": f"R-{p['code']}-{n + 1}", "full_name": f"ارزیاب {n + 1} {p['code']}",
                 "unit_code": f"HQ-{p['province_code']}"}
            )  # fmt: skip
    ability: dict[str, float] = {}
    sex_of: dict[str, str] = {}
    applicants: dict[str, list[str]] = {p["code"]: [] for p in world.posts}
    for i in range(candidates):
        nid = make(10_000_000 + i * 7)
        home = province_codes[int(rng.integers(len(province_codes)))]
        sex = "f" if rng.random() < 0.35 else "m"
        born = dt.date(1966, 1, 1) + dt.timedelta(days=int(rng.integers(0, 365 * 28)))
        education = int(rng.choice([1, 2, 3, 4, 5], p=[0.05, 0.35, 0.35, 0.2, 0.05]))
        years = int(rng.integers(2, 31))
        world.candidates.append(
            {"national_id": nid, "full_name": f"داوطلب {i + 1}", "sex": sex, "birth_date": born,
             "home_province_code": home, "education": education, "experience_years": years,
             "prior_posts": "", "unit_code": f"U-{home}-{int(rng.integers(1, 40))}"}
        )  # fmt: skip
        where = (
            home if rng.random() < 0.7 else province_codes[int(rng.integers(len(province_codes)))]
        )
        chosen = f"DIR-{where}" if rng.random() < 0.25 else f"HOSP-{where}"
        world.applications.append((nid, chosen))
        applicants[chosen].append(nid)
        ability[nid] = float(rng.normal(0.0, 1.0))
        sex_of[nid] = sex
        if rng.random() > 0.03:  # 3% do not sit the exam
            score = 55 + 12 * ability[nid] + float(rng.normal(0, 8))
            world.exam[nid] = round(min(100.0, max(0.0, score)), 2)
        world.record[nid] = float(min(100, years * 3 + 10))
    facts = {c["national_id"]: c for c in world.candidates}
    for code, nids in applicants.items():
        post = by_code[code]
        req = rules.Requirements(
            post["min_education"], post["min_experience_years"], frozenset(), post["max_age"]
        )
        eligible = {}
        for nid in nids:
            c = facts[nid]
            entry = rules.Entry(
                application_id=0, national_id=nid, sex=c["sex"], home_province_id=0,
                birth_date=c["birth_date"], education=c["education"],
                experience_years=c["experience_years"],
            )  # fmt: skip
            if nid in world.exam and not rules.eligibility_refusals(entry, req, on=CLOSES):
                eligible[nid] = world.exam[nid]
        passed = rules.shortlist(eligible, openings=post["openings"], rule=world.rules[code])
        raters = [r["code"] for r in world.raters if r["code"].startswith(f"R-{code}-")]
        leniency = {r: float(rng.normal(0, 0.2)) for r in raters}
        for nid in sorted(passed):
            penalty = INTERVIEW_PENALTY if sex_of[nid] == "f" else 0.0
            for r in raters:
                for comp in rules.COMPETENCIES:
                    raw = 3.4 + 0.6 * ability[nid] + leniency[r] - penalty + rng.normal(0, 0.5)
                    mark = int(min(5, max(1, round(raw))))
                    world.marks.append((nid, code, r, f"P-{code}", comp, mark))
    return world
