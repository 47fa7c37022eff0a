"""The published scoring rule of a post and what it decides, as pure functions: who is
eligible (with the reason of each refusal), who the written exam shortlists, the interview
score from the raters' scorecards, the final ranking with its tie-break and the quotas
applied after ranking, who is next in line when an offer is refused, and which rater may
not score which candidate. No I/O."""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from enum import StrEnum
from typing import Any, TypeVar

from darman.common.errors import FieldProblem, InvalidInput
from darman.common.persian import to_persian_digits

# education levels, in order; a requirement is the lowest level that qualifies
EDUCATION: dict[int, str] = {
    1: "کاردانی",
    2: "کارشناسی",
    3: "کارشناسی ارشد",
    4: "دکترای حرفه‌ای",
    5: "دکترای تخصصی",
}
# the interview's competencies and the anchored scale every rater marks them on
COMPETENCIES: dict[str, str] = {
    "leadership": "رهبری و هدایت تیم",
    "planning": "برنامه‌ریزی و تصمیم‌گیری",
    "health_system": "شناخت نظام سلامت و بیمه",
    "integrity": "سلامت اداری و پاسخ‌گویی",
}
SCALE: dict[int, str] = {
    1: "ضعیف: شواهدی از این توانایی نشان نداد",
    2: "کمتر از انتظار: شواهد اندک و ناپایدار",
    3: "در حد انتظار: شواهد روشن در موقعیت‌های معمول",
    4: "بیش از انتظار: شواهد روشن در موقعیت‌های دشوار",
    5: "برجسته: الگوی دیگران در این توانایی",
}
MIN_RATERS = 3
K = TypeVar("K")
# what a tie may be broken by, each higher first, in the order the rule lists them
TIE_BREAKS: dict[str, str] = {
    "interview": "امتیاز مصاحبه",
    "exam": "امتیاز آزمون کتبی",
    "record": "امتیاز سوابق",
    "experience": "سال‌های سابقه",
}
# quota categories: who belongs is decided by ``in_quota``
QUOTAS: dict[str, str] = {"native": "بومی استان", "female": "زنان"}
RELATIONS: dict[str, str] = {
    "spouse": "همسر",
    "first_degree": "خویشاوند درجه یک",
    "second_degree": "خویشاوند درجه دو",
    "in_law": "خویشاوند سببی",
    "business": "شریک کاری",
}


class Outcome(StrEnum):
    INELIGIBLE = "ineligible"
    ABSENT = "absent"  # did not sit the exam
    NOT_SHORTLISTED = "not_shortlisted"
    NOT_INTERVIEWED = "not_interviewed"  # fewer than three raters scored them
    BELOW_INTERVIEW_CUT = "below_interview_cut"
    BELOW_FINAL_CUT = "below_final_cut"
    RESERVE = "reserve"
    SELECTED = "selected"


OUTCOME_FA: dict[Outcome, str] = {
    Outcome.INELIGIBLE: "فاقد شرایط",
    Outcome.ABSENT: "غایب در آزمون",
    Outcome.NOT_SHORTLISTED: "پذیرفته‌نشده در آزمون کتبی",
    Outcome.NOT_INTERVIEWED: "مصاحبه‌ی ناقص",
    Outcome.BELOW_INTERVIEW_CUT: "کمتر از حد نصاب مصاحبه",
    Outcome.BELOW_FINAL_CUT: "کمتر از حد نصاب نهایی",
    Outcome.RESERVE: "ذخیره",
    Outcome.SELECTED: "برگزیده",
}


@dataclass(frozen=True)
class Quota:
    category: str
    seats: int


@dataclass(frozen=True)
class Rule:
    """A post's published scoring rule: stage weights in whole percents (summing to 100),
    the exam shortlist (top ``shortlist_per_opening`` per opening and/or a cut score), the
    interview and final cut-offs (0-100), the tie-break order and the quotas applied after
    ranking, in the order they are applied."""

    weight_exam: int = 50
    weight_interview: int = 30
    weight_record: int = 20
    shortlist_per_opening: int | None = 3
    exam_cut: float | None = None
    interview_cut: float | None = None
    final_cut: float | None = None
    tie_break: tuple[str, ...] = ("interview", "exam", "record")
    quotas: tuple[Quota, ...] = ()

    def as_dict(self) -> dict[str, Any]:
        return {
            "weight_exam": self.weight_exam,
            "weight_interview": self.weight_interview,
            "weight_record": self.weight_record,
            "shortlist_per_opening": self.shortlist_per_opening,
            "exam_cut": self.exam_cut,
            "interview_cut": self.interview_cut,
            "final_cut": self.final_cut,
            "tie_break": list(self.tie_break),
            "quotas": [{"category": q.category, "seats": q.seats} for q in self.quotas],
        }

    @classmethod
    def from_dict(cls, body: Mapping[str, Any]) -> Rule:
        quotas = tuple(Quota(str(q["category"]), int(q["seats"])) for q in body.get("quotas", []))
        return cls(
            weight_exam=int(body["weight_exam"]),
            weight_interview=int(body["weight_interview"]),
            weight_record=int(body["weight_record"]),
            shortlist_per_opening=body.get("shortlist_per_opening"),
            exam_cut=body.get("exam_cut"),
            interview_cut=body.get("interview_cut"),
            final_cut=body.get("final_cut"),
            tie_break=tuple(body.get("tie_break", ())),
            quotas=quotas,
        )


def rule_problems(rule: Rule, *, openings: int) -> list[FieldProblem]:
    """What is wrong with a rule before it may be published (empty when nothing)."""
    out: list[FieldProblem] = []
    weights = (rule.weight_exam, rule.weight_interview, rule.weight_record)
    if any(w < 0 for w in weights) or sum(weights) != 100:
        out.append(FieldProblem("weights", "وزن مراحل باید نامنفی و جمع آن‌ها ۱۰۰ باشد"))
    if rule.shortlist_per_opening is None and rule.exam_cut is None:
        out.append(
            FieldProblem("shortlist_per_opening", "آزمون کتبی باید با سهمیه یا حد نصاب غربال کند")
        )
    if rule.shortlist_per_opening is not None and rule.shortlist_per_opening < 1:
        out.append(FieldProblem("shortlist_per_opening", "باید دست‌کم ۱ باشد"))
    for name in ("exam_cut", "interview_cut", "final_cut"):
        value = getattr(rule, name)
        if value is not None and not 0 <= value <= 100:
            out.append(FieldProblem(name, "حد نصاب باید میان ۰ و ۱۰۰ باشد"))
    for key in rule.tie_break:
        if key not in TIE_BREAKS:
            out.append(FieldProblem("tie_break", f"«{key}» معیار شناخته‌شده‌ی رفع تساوی نیست"))
    if len(set(rule.tie_break)) != len(rule.tie_break):
        out.append(FieldProblem("tie_break", "معیاری دو بار آمده است"))
    return out + _quota_problems(rule, openings=openings)


def _quota_problems(rule: Rule, *, openings: int) -> list[FieldProblem]:
    out: list[FieldProblem] = []
    seats = 0
    for q in rule.quotas:
        if q.category not in QUOTAS:
            out.append(FieldProblem("quotas", f"«{q.category}» سهمیه‌ی شناخته‌شده نیست"))
        if q.seats < 1:
            out.append(FieldProblem("quotas", f"سهمیه‌ی «{q.category}» دست‌کم یک جایگاه دارد"))
        seats += q.seats
    if seats > openings:
        out.append(FieldProblem("quotas", f"جمع سهمیه‌ها ({seats}) از شمار جایگاه‌ها بیشتر است"))
    return out


def check_rule(rule: Rule, *, openings: int) -> Rule:
    problems = rule_problems(rule, openings=openings)
    if problems:
        raise InvalidInput("قاعده‌ی امتیازدهی پذیرفتنی نیست", problems)
    return rule


@dataclass(frozen=True)
class Requirements:
    min_education: int
    min_experience_years: int
    prior_posts: frozenset[str] = frozenset()
    max_age: int | None = None


@dataclass(frozen=True)
class Entry:
    """What the rule reads of one application."""

    application_id: int
    national_id: str
    sex: str
    home_province_id: int
    birth_date: dt.date
    education: int
    experience_years: int
    prior_posts: frozenset[str] = frozenset()
    exam: float | None = None
    interview: float | None = None  # 0-100, None when fewer than three raters scored
    record: float = 0.0


def age_on(birth: dt.date, day: dt.date) -> int:
    return day.year - birth.year - ((day.month, day.day) < (birth.month, birth.day))


def eligibility_refusals(entry: Entry, req: Requirements, *, on: dt.date) -> list[str]:
    """Every requirement the applicant does not meet, each in Persian (empty: eligible)."""
    out: list[str] = []
    if entry.education < req.min_education:
        out.append(
            f"مدرک {EDUCATION.get(entry.education, '؟')} کمتر از "
            f"{EDUCATION[req.min_education]} خواسته‌شده است"
        )
    if entry.experience_years < req.min_experience_years:
        out.append(
            f"{entry.experience_years} سال سابقه، کمتر از {req.min_experience_years} سال خواسته‌شده"
        )
    if req.prior_posts and not (entry.prior_posts & req.prior_posts):
        out.append("هیچ‌یک از پست‌های پیشین خواسته‌شده (" + "، ".join(sorted(req.prior_posts)) + ")")
    if req.max_age is not None and age_on(entry.birth_date, on) > req.max_age:
        out.append(f"سن {age_on(entry.birth_date, on)} سال، بیش از {req.max_age} سال")
    return out


def shortlist(scores: Mapping[K, float], *, openings: int, rule: Rule) -> set[K]:
    """Applications the written exam passes: those at or above the cut score, and of those
    the best ``shortlist_per_opening`` x openings, with everyone tied with the last one
    taken too (a tie at the boundary never turns on the order of the file)."""
    passing = {a: s for a, s in scores.items() if rule.exam_cut is None or s >= rule.exam_cut}
    if rule.shortlist_per_opening is None:
        return set(passing)
    k = rule.shortlist_per_opening * openings
    if len(passing) <= k:
        return set(passing)
    boundary = sorted(passing.values(), reverse=True)[k - 1]
    return {a for a, s in passing.items() if s >= boundary}


def interview_shortlist(
    entries: Iterable[Entry],
    rule: Rule,
    *,
    openings: int,
    requirements: Requirements,
    on: dt.date,
) -> set[int]:
    """Application ids called to interview: eligible, sat the exam, and on the exam's
    shortlist, exactly the stages ``rank_post`` applies before the interview."""
    scores = {
        e.application_id: e.exam
        for e in entries
        if e.exam is not None and not eligibility_refusals(e, requirements, on=on)
    }
    return shortlist(scores, openings=openings, rule=rule)


def interview_score(marks: Mapping[K, Mapping[str, int]]) -> float | None:
    """The interview score on 0-100 from ``{rater: {competency: mark 1-5}}``: each rater's
    mean mark, the mean of the raters, mapped from 1-5 onto 0-100. None with fewer than
    three raters (the rule needs a panel, not one person's view)."""
    if len(marks) < MIN_RATERS:
        return None
    per_rater = [sum(m.values()) / len(m) for m in marks.values() if m]
    if len(per_rater) < MIN_RATERS:
        return None
    mean = sum(per_rater) / len(per_rater)
    return (mean - 1.0) / 4.0 * 100.0


def total(entry: Entry, rule: Rule) -> float:
    exam = entry.exam or 0.0
    interview = entry.interview or 0.0
    weighted = rule.weight_exam * exam + rule.weight_interview * interview
    return (weighted + rule.weight_record * entry.record) / 100.0


def in_quota(category: str, entry: Entry, *, post_province_id: int) -> bool:
    if category == "native":
        return entry.home_province_id == post_province_id
    if category == "female":
        return entry.sex == "f"
    return False


@dataclass(frozen=True)
class Placed:
    entry: Entry
    outcome: Outcome
    total: float | None = None
    rank: int | None = None
    quota: str = ""
    reasons: tuple[str, ...] = field(default=())

    @property
    def application_id(self) -> int:
        return self.entry.application_id


def _order_key(rule: Rule, p: Placed) -> tuple[float, ...]:
    values: dict[str, float] = {
        "interview": p.entry.interview or 0.0,
        "exam": p.entry.exam or 0.0,
        "record": p.entry.record,
        "experience": float(p.entry.experience_years),
    }
    # higher first on every criterion; the application's id (who applied first) last, so
    # the order never depends on how the rows happened to be read
    key = [-(round(p.total or 0.0, 9))] + [-values[k] for k in rule.tie_break]
    return (*key, float(p.entry.application_id))


def rank_post(
    entries: Iterable[Entry],
    rule: Rule,
    *,
    openings: int,
    requirements: Requirements,
    post_province_id: int,
    on: dt.date,
) -> list[Placed]:
    """Every application of a post with its outcome: the ranked ones first in rank order
    (selected or reserve), then those out at a stage, each with its reason.

    Stages in order: eligibility, exam (absent, or not shortlisted), interview (fewer than
    three raters, or below the interview cut), the final cut on the weighted total. Those
    left are ranked by total, ties broken by the rule's order then by application id; the
    first ``openings`` are selected; then each quota in turn: while fewer of its members
    are selected than its seats, the best-ranked reserve member takes the seat of the
    lowest-ranked selected person who is neither a member nor seated by an earlier quota."""
    out: list[Placed] = []
    eligible: list[Entry] = []
    for e in entries:
        reasons = eligibility_refusals(e, requirements, on=on)
        if reasons:
            out.append(Placed(e, Outcome.INELIGIBLE, reasons=tuple(reasons)))
        elif e.exam is None:
            out.append(Placed(e, Outcome.ABSENT, reasons=("در آزمون کتبی حاضر نشد",)))
        else:
            eligible.append(e)
    passed = shortlist(
        {e.application_id: e.exam for e in eligible if e.exam is not None},
        openings=openings,
        rule=rule,
    )
    ranked: list[Placed] = []
    for e in eligible:
        if e.application_id not in passed:
            out.append(Placed(e, Outcome.NOT_SHORTLISTED, reasons=(f"نمره‌ی آزمون {e.exam:.2f}",)))
        elif e.interview is None:
            out.append(Placed(e, Outcome.NOT_INTERVIEWED, reasons=("کمتر از سه ارزیاب",)))
        elif rule.interview_cut is not None and e.interview < rule.interview_cut:
            out.append(
                Placed(e, Outcome.BELOW_INTERVIEW_CUT, reasons=(f"مصاحبه {e.interview:.2f}",))
            )
        else:
            t = total(e, rule)
            if rule.final_cut is not None and t < rule.final_cut:
                out.append(Placed(e, Outcome.BELOW_FINAL_CUT, total=t, reasons=(f"{t:.2f}",)))
            else:
                ranked.append(Placed(e, Outcome.RESERVE, total=t))
    ranked.sort(key=lambda p: _order_key(rule, p))
    seated = _apply_quotas(ranked, rule, openings=openings, post_province_id=post_province_id)
    final = [
        replace(
            p,
            rank=i,
            outcome=Outcome.SELECTED if p.application_id in seated else Outcome.RESERVE,
            quota=seated.get(p.application_id, ""),
        )
        for i, p in enumerate(ranked, start=1)
    ]
    return final + out


def _apply_quotas(
    ranked: Sequence[Placed], rule: Rule, *, openings: int, post_province_id: int
) -> dict[int, str]:
    """Application id -> the quota that seated it ("" for a seat won by rank)."""
    seated: dict[int, str] = {p.application_id: "" for p in ranked[:openings]}
    position = {p.application_id: i for i, p in enumerate(ranked)}
    for q in rule.quotas:

        def member(p: Placed, category: str = q.category) -> bool:
            return in_quota(category, p.entry, post_province_id=post_province_id)

        have = sum(1 for p in ranked if p.application_id in seated and member(p))
        while have < q.seats:
            newcomer = next(
                (p for p in ranked if p.application_id not in seated and member(p)), None
            )
            leaving = next(
                (
                    p
                    for p in reversed(ranked)
                    if p.application_id in seated
                    and seated[p.application_id] == ""
                    and not member(p)
                ),
                None,
            )
            if newcomer is None or leaving is None:
                break
            del seated[leaving.application_id]
            seated[newcomer.application_id] = q.category
            have += 1
    return dict(sorted(seated.items(), key=lambda kv: position[kv[0]]))


def next_in_line(
    placed: Sequence[Placed],
    *,
    refused: Placed,
    offered: Iterable[int],
    rule: Rule,
    post_province_id: int,
    holding: Iterable[int],
) -> Placed | None:
    """Who the seat of ``refused`` passes to: the best-ranked person not yet offered; but
    when ``refused`` held a quota's seat and the people still holding or accepting offers
    (``holding``) leave that quota short, the best-ranked member of that quota not yet
    offered (the quota holds after refusals as it did at ranking). None when nobody is left."""
    seen = set(offered)
    candidates = [p for p in placed if p.rank is not None and p.application_id not in seen]
    quota = next((q for q in rule.quotas if q.category == refused.quota), None)
    if quota is not None:
        keep = set(holding)
        members = sum(
            1
            for p in placed
            if p.application_id in keep
            and in_quota(quota.category, p.entry, post_province_id=post_province_id)
        )
        if members < quota.seats:
            for p in candidates:
                if in_quota(quota.category, p.entry, post_province_id=post_province_id):
                    return replace(p, quota=quota.category)
    return candidates[0] if candidates else None


def conflict(
    *,
    rater_unit: str,
    candidate_unit: str,
    candidate_national_id: str,
    declared: Mapping[str, str],
) -> str | None:
    """Why a rater may not score a candidate, or None: a relationship the rater declared
    with them (``declared``: national ID -> relation), or the candidate works in the
    rater's own unit."""
    relation = declared.get(candidate_national_id)
    if relation is not None:
        return f"ارزیاب رابطه‌ی «{RELATIONS.get(relation, relation)}» با این داوطلب اعلام کرده است"
    if rater_unit and rater_unit == candidate_unit:
        return f"داوطلب در واحد خود ارزیاب ({rater_unit}) کار می‌کند"
    return None


# record points from service history: years served (2 a year, at most 40), the degree,
# and managerial posts held before (15 each, at most 30); 100 at most
EDUCATION_POINTS: dict[int, int] = {1: 0, 2: 10, 3: 20, 4: 25, 5: 30}
MANAGERIAL_POSTS = frozenset(
    {"province_director", "deputy_director", "hospital_director", "unit_head"}
)


def record_points(*, experience_years: int, education: int, prior_posts: frozenset[str]) -> float:
    """Points of a candidate's record (0-100): 2 per year served up to 40, 0-30 for the
    degree, 15 per managerial post held before up to 30."""
    years = min(40, 2 * max(0, experience_years))
    posts = min(30, 15 * len(prior_posts & MANAGERIAL_POSTS))
    return float(min(100, years + EDUCATION_POINTS.get(education, 0) + posts))


# a serving province director's record also counts their province's standing in the
# managers' ranking (performance domain): up to 20 points, linear in rank
RANK_POINTS_MAX = 20


def is_serving_director(prior_posts: frozenset[str]) -> bool:
    """Whether the candidate is taken to direct their home province's health now.

    The candidate's record has no field for the post held today: ``prior_posts`` lists
    the managerial posts held, and ``home_province_id`` is their province. So a candidate
    listing ``province_director`` is taken as the serving director of their home province;
    a former director of that province is counted the same way."""
    return "province_director" in prior_posts


def rank_points(*, rank: int, ranked: int) -> float:
    """Points for a province's rank among the ``ranked`` provinces: ``RANK_POINTS_MAX`` for
    the first, 0 for the last, linear in between (with all 31 ranked: 20 x (31 - rank) / 30);
    a province ranked alone gets the whole. A rank outside 1..ranked is refused."""
    if not 1 <= rank <= ranked:
        raise InvalidInput(
            "rank out of range",
            [FieldProblem("rank", "میان ۱ و " + to_persian_digits(ranked) + " نیست")],
        )
    if ranked == 1:
        return float(RANK_POINTS_MAX)
    return RANK_POINTS_MAX * (ranked - rank) / (ranked - 1)


def record_points_with_rank(base: float, *, rank: int, ranked: int) -> float:
    """The record points from service history plus the province-rank part, at most 100."""
    return min(100.0, base + rank_points(rank=rank, ranked=ranked))


def age_band(birth: dt.date, on: dt.date) -> str:
    age = age_on(birth, on)
    if age < 35:
        return "زیر ۳۵"
    if age < 45:
        return "۳۵ تا ۴۴"
    if age < 55:
        return "۴۵ تا ۵۴"
    return "۵۵ و بیشتر"


def ceil_int(value: float) -> int:
    return math.ceil(value - 1e-9)
