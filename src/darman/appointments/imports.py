"""Candidates (with their application to a post) and written-exam scores from a CSV or
Excel file, each bad row reported in Persian with its row number and column.

The good rows of a file are written and the bad ones reported (as the registry's imports
do); ``all_or_nothing`` keeps the whole file out when any row is bad. Importing the same
file twice changes nothing the second time: a candidate already held is matched by
national ID, an application already made is reported, an exam score already recorded
with the same value is left alone, and one with another value is changed and audited."""

from __future__ import annotations

import contextlib
import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import insert, select, update
from sqlalchemy.orm import Session

from darman.appointments.models import Application, Call, Candidate, ExamScore, Post
from darman.appointments.rules import EDUCATION
from darman.appointments.setup import require_runner
from darman.audit import service as audit
from darman.common import national_id
from darman.common.errors import FieldProblem, InvalidInput
from darman.common.tabular import TableFormat, read_table
from darman.common.validators import parse_any_date
from darman.db.base import utcnow
from darman.registry.service_support import province_maps
from darman.security.principal import Principal

CANDIDATE_COLUMNS = (
    "national_id", "full_name", "sex", "birth_date", "home_province", "education",
    "experience_years", "prior_posts", "unit_code", "post_code",
)  # fmt: skip
EXAM_COLUMNS = ("call_code", "national_id", "score")
SEXES = {"f": "f", "m": "m", "زن": "f", "مرد": "m"}


def nid_problem(raw: str) -> str | None:
    """Why ``raw`` is not a national ID, in Persian (None when it is one)."""
    if not raw.strip():
        return "خالی است"
    why = national_id.problem(raw)
    if why is None:
        return None
    if "only digits" in why:
        return "فقط رقم می‌پذیرد"
    if "10 digits" in why:
        return f"باید ۱۰ رقم باشد ({why.rsplit(' ', 1)[-1]} رقم دارد)"
    if "repeated" in why:
        return "یک رقم تکرارشده نیست"
    return "رقم کنترل (رقم آخر) با نه رقم دیگر نمی‌خواند"


@dataclass
class ImportReport:
    rows: int = 0
    written: int = 0
    unchanged: int = 0
    changed: int = 0
    problems: list[FieldProblem] = field(default_factory=list)


def _header(header: list[str], needed: tuple[str, ...], name: str) -> None:
    missing = [c for c in needed if c not in header]
    if missing:
        raise InvalidInput(
            f"ستون‌های {'، '.join(missing)} در فایل «{name}» نیست",
            [FieldProblem(c, "ستون لازم است", row=1) for c in missing],
        )


def _int(values: dict[str, str], col: str, row: int, lo: int, hi: int) -> tuple[int | None, Any]:
    text = values.get(col, "")
    try:
        value = int(text)
    except ValueError:
        return None, FieldProblem(col, f"«{text}» عدد درست نیست", row=row)
    if not lo <= value <= hi:
        return None, FieldProblem(col, f"{value} باید میان {lo} و {hi} باشد", row=row)
    return value, None


def _candidate_row(
    values: dict[str, str], row: int, provinces: dict[str, int], posts: dict[str, int]
) -> tuple[dict[str, Any] | None, list[FieldProblem]]:
    problems: list[FieldProblem] = []
    nid = values.get("national_id", "")
    why = nid_problem(nid)
    if why is not None:
        problems.append(FieldProblem("national_id", f"کد ملی «{nid}» درست نیست: {why}", row=row))
    name = values.get("full_name", "").strip()
    if not name:
        problems.append(FieldProblem("full_name", "نام خالی است", row=row))
    sex = SEXES.get(values.get("sex", "").strip().lower())
    if sex is None:
        problems.append(FieldProblem("sex", "جنس باید «زن» یا «مرد» باشد", row=row))
    born: dt.date | None = None
    try:
        born = parse_any_date(values.get("birth_date", "")) or None
        if born is None:
            problems.append(FieldProblem("birth_date", "تاریخ تولد خالی است", row=row))
    except ValueError as exc:
        problems.append(FieldProblem("birth_date", f"تاریخ تولد نادرست: {exc}", row=row))
    province = provinces.get(values.get("home_province", "").zfill(2))
    if province is None:
        problems.append(
            FieldProblem(
                "home_province", f"استانی با کد «{values.get('home_province')}» نیست", row=row
            )
        )
    education, p = _int(values, "education", row, min(EDUCATION), max(EDUCATION))
    problems += [p] if p else []
    years, p = _int(values, "experience_years", row, 0, 60)
    problems += [p] if p else []
    post = posts.get(values.get("post_code", ""))
    if post is None:
        problems.append(
            FieldProblem("post_code", f"پستی با کد «{values.get('post_code')}» نیست", row=row)
        )
    if problems:
        return None, problems
    return {
        "national_id": national_id.normalize(nid),
        "full_name": name,
        "sex": sex,
        "birth_date": born,
        "home_province_id": province,
        "education": education,
        "experience_years": years,
        "prior_posts": values.get("prior_posts", "").replace("،", ",").replace(" ", ""),
        "unit_code": values.get("unit_code", ""),
        "post_id": post,
    }, []


def import_candidates(
    session: Session, who: Principal, *, content: bytes, name: str, all_or_nothing: bool = False
) -> ImportReport:
    """Candidates and their applications from the file (columns ``CANDIDATE_COLUMNS``).
    A person applies to a post once: a second application, in the file or already held,
    is reported against its row. Audited as one entry per import."""
    require_runner(who)
    header, rows = read_table(content, TableFormat.from_filename(name), name=name)
    _header(header, CANDIDATE_COLUMNS, name)
    provinces = province_maps(session)[0]
    posts = dict(session.execute(select(Post.code, Post.id)).all())
    known = dict(session.execute(select(Candidate.national_id, Candidate.id)).all())
    applied = set(session.execute(select(Application.candidate_id, Application.post_id)))
    report = ImportReport(rows=len(rows))
    fresh: dict[str, dict[str, Any]] = {}
    wanted: list[tuple[str, int]] = []
    seen: set[tuple[str, int]] = set()
    for r in rows:
        parsed, problems = _candidate_row(r.values, r.number, provinces, posts)
        if parsed is None:
            report.problems += problems
            continue
        nid, post_id = parsed.pop("national_id"), parsed.pop("post_id")
        key = (nid, post_id)
        if key in seen or (nid in known and (known[nid], post_id) in applied):
            report.problems.append(
                FieldProblem(
                    "post_code", "این داوطلب پیش‌تر برای همین پست ثبت‌نام کرده است", row=r.number
                )
            )
            continue
        seen.add(key)
        if nid not in known and nid not in fresh:
            fresh[nid] = {"national_id": nid, **parsed}
        wanted.append(key)
    if all_or_nothing and report.problems:
        return report
    if fresh:
        session.execute(insert(Candidate), list(fresh.values()))
        known.update(
            session.execute(
                select(Candidate.national_id, Candidate.id).where(
                    Candidate.national_id.in_(list(fresh))
                )
            ).all()
        )
    now = utcnow()
    if wanted:
        session.execute(
            insert(Application),
            [{"candidate_id": known[n], "post_id": p, "applied_at": now} for n, p in wanted],
        )
    report.written = len(wanted)
    audit.record(
        session, actor=who.username, action="import", entity="appt_candidates", entity_id=name,
        after={"applications": len(wanted), "new_candidates": len(fresh),
               "bad_rows": len({p.row for p in report.problems})},
    )  # fmt: skip
    return report


def _exam_row(
    v: dict[str, str], row: int, calls: dict[str, int], known: dict[str, int]
) -> tuple[tuple[int, int, float] | None, list[FieldProblem]]:
    call = calls.get(v.get("call_code", ""))
    problems = []
    if call is None:
        problems.append(
            FieldProblem("call_code", f"فراخوانی با کد «{v.get('call_code')}» نیست", row=row)
        )
    nid = v.get("national_id", "")
    why = nid_problem(nid)
    cand = known.get(nid.strip()) if why is None else None
    if why is not None:
        problems.append(FieldProblem("national_id", f"کد ملی «{nid}» درست نیست: {why}", row=row))
    elif cand is None:
        problems.append(
            FieldProblem("national_id", f"داوطلبی با کد ملی {nid} ثبت نشده است", row=row)
        )
    score = -1.0
    with contextlib.suppress(ValueError):
        score = float(v.get("score", ""))
    if not 0 <= score <= 100:
        problems.append(
            FieldProblem("score", f"نمره‌ی «{v.get('score')}» باید عددی میان ۰ و ۱۰۰ باشد", row=row)
        )
    if problems or call is None or cand is None:
        return None, problems
    return (call, cand, score), []


def import_exam(
    session: Session, who: Principal, *, content: bytes, name: str, all_or_nothing: bool = False
) -> ImportReport:
    """Written-exam scores (0-100, columns ``EXAM_COLUMNS``) of candidates held. A score
    recorded again with the same value is unchanged; with another value it is changed,
    and each change is audited with the old and new score."""
    require_runner(who)
    header, rows = read_table(content, TableFormat.from_filename(name), name=name)
    _header(header, EXAM_COLUMNS, name)
    calls = dict(session.execute(select(Call.code, Call.id)).all())
    known = dict(session.execute(select(Candidate.national_id, Candidate.id)).all())
    applied = set(
        session.execute(
            select(Post.call_id, Application.candidate_id).join(
                Post, Post.id == Application.post_id
            )
        ).all()
    )
    report = ImportReport(rows=len(rows))
    parsed: dict[tuple[int, int], tuple[float, int]] = {}
    for r in rows:
        got, problems = _exam_row(r.values, r.number, calls, known)
        if got is None:
            report.problems += problems
            continue
        call, cand, score = got
        if (call, cand) not in applied:
            report.problems.append(
                FieldProblem(
                    "national_id", "این داوطلب در این فراخوان ثبت‌نام نکرده است", row=r.number
                )
            )
            continue
        if (call, cand) in parsed:
            report.problems.append(
                FieldProblem("national_id", "نمره‌ی این داوطلب در فایل تکرار شده است", row=r.number)
            )
            continue
        parsed[(call, cand)] = (score, r.number)
    if all_or_nothing and report.problems:
        return report
    held = {
        (c, k): (i, s)
        for i, c, k, s in session.execute(
            select(ExamScore.id, ExamScore.call_id, ExamScore.candidate_id, ExamScore.score).where(
                ExamScore.call_id.in_({c for c, _ in parsed} or {-1})
            )
        )
    }
    now = utcnow()
    new = []
    for (call, cand), (score, _) in parsed.items():
        old = held.get((call, cand))
        if old is None:
            new.append({"call_id": call, "candidate_id": cand, "score": score, "recorded_at": now})
        elif old[1] == score:
            report.unchanged += 1
        else:
            session.execute(
                update(ExamScore).where(ExamScore.id == old[0]).values(score=score, recorded_at=now)
            )
            audit.record(
                session, actor=who.username, action="change_score", entity="appt_exam_score",
                entity_id=old[0], before={"score": old[1]}, after={"score": score, "file": name},
            )  # fmt: skip
            report.changed += 1
    if new:
        session.execute(insert(ExamScore), new)
    report.written = len(new)
    if new:
        audit.record(
            session, actor=who.username, action="import", entity="appt_exam_scores",
            entity_id=name, after={"scores": len(new), "bad_rows": len(report.problems)},
        )  # fmt: skip
    return report
