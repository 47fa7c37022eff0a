"""Patient-experience responses: import from CSV or Excel (per-row Persian errors, all or
nothing, idempotent by respondent), and the scores per facility and province with the
count beside each and "too few" below the instrument's minimum."""

from __future__ import annotations

import hashlib
from collections import defaultdict

from sqlalchemy import insert, select
from sqlalchemy.orm import Session

from darman.audit import service as audit
from darman.common.errors import FieldProblem, InvalidInput
from darman.common.jalali import parse_jalali
from darman.common.persian import to_persian_digits
from darman.common.tabular import SheetRow
from darman.db.base import utcnow
from darman.performance import periods, statistics, surveys
from darman.performance.models import SurveyResponse
from darman.performance.schemas import SurveyScores, SurveyUnit
from darman.registry.models import Facility, Province
from darman.security.principal import Principal
from darman.security.rules import Act, roles_that

READERS = roles_that(Act.READ_PERFORMANCE)
IMPORTERS = roles_that(Act.SET_PERFORMANCE)
FIXED = ("respondent", "instrument", "facility_code", "answered_on")


def _answers(
    inst: surveys.Instrument, values: dict[str, str], row: int
) -> tuple[dict[str, int], list[FieldProblem]]:
    answers: dict[str, int] = {}
    problems = []
    for q in inst.question:
        text = values.get(q.code, "")
        if text == "":
            continue  # a question left blank is not scored
        try:
            answer = int(text)
        except ValueError:
            answer = q.low - 1
        if not q.low <= answer <= q.high:
            problems.append(
                FieldProblem(
                    q.code, to_persian_digits(f"پاسخ باید عددی از {q.low} تا {q.high} باشد"), row
                )
            )
            continue
        answers[q.code] = answer
    if not answers and not problems:
        problems.append(FieldProblem(None, "هیچ پرسشی پاسخ داده نشده است", row))
    return answers, problems


def _validate(
    session: Session, who: Principal, rows: list[SheetRow]
) -> tuple[list[dict[str, object]], list[FieldProblem]]:
    """The rows as responses to store, and a Persian problem for every bad one."""
    catalogue = surveys.shipped()
    facilities = {
        code: (fid, pid)
        for code, fid, pid in session.execute(
            select(Facility.code, Facility.id, Facility.province_id)
        )
    }
    good: list[dict[str, object]] = []
    problems: list[FieldProblem] = []
    for row in rows:
        # a form that leaves a field out reads as the field left empty
        v = {**dict.fromkeys(("instrument", "facility_code", "respondent", "answered_on"), ""),
             **row.values}  # fmt: skip
        inst = catalogue.get(v["instrument"])
        if inst is None:
            problems.append(
                FieldProblem(
                    "instrument", f"پرسش‌نامه‌ی «{v['instrument']}» تعریف نشده است", row.number
                )
            )
            continue
        place = facilities.get(v["facility_code"])
        if place is None or not who.may_see_province(place[1]):
            problems.append(
                FieldProblem("facility_code", f"مرکز «{v['facility_code']}» پیدا نشد", row.number)
            )
            continue
        if not v["respondent"] or len(v["respondent"]) > 64:
            problems.append(
                FieldProblem("respondent", "شناسه‌ی پاسخ‌دهنده خالی یا بلند است", row.number)
            )
            continue
        try:
            day = parse_jalali(v["answered_on"], field="answered_on")
        except InvalidInput:
            problems.append(
                FieldProblem("answered_on", "تاریخ باید به شکل ۱۴۰۵/۰۷/۱۵ باشد", row.number)
            )
            continue
        answers, wrong = _answers(inst, v, row.number)
        if wrong:
            problems.extend(wrong)
            continue
        good.append({
            "instrument": inst.code, "respondent": v["respondent"], "facility_id": place[0],
            "province_id": place[1], "answered_on": day, "answers": answers,
            "score": inst.overall(answers),
        })  # fmt: skip
    return good, problems


def import_responses(
    session: Session, who: Principal, *, content: bytes, filename: str
) -> tuple[int, int]:
    """Responses from a file with the columns respondent, instrument, facility_code,
    answered_on (Jalali) and one column per question code. Any bad row refuses the whole
    file, each row and column named; a respondent already stored is skipped. Answers
    (rows read, rows added); audited once per import."""
    from darman.common.tabular import TableFormat, read_table

    who.require_role(*IMPORTERS)
    header, rows = read_table(content, TableFormat.from_filename(filename), name=filename)
    missing = [c for c in FIXED if c not in header]
    if missing:
        raise InvalidInput(
            f"'{filename}': missing columns",
            [FieldProblem(c, f"ستون «{c}» در فایل نیست", row=1) for c in missing],
        )
    good, problems = _validate(session, who, rows)
    if problems:
        raise InvalidInput(f"'{filename}': {len(problems)} bad rows; nothing imported", problems)
    added = store(session, who, good)
    audit.record(
        session, actor=who.username, action="performance.surveys.import", entity="survey_import",
        entity_id=hashlib.sha256(content).hexdigest()[:32],
        after={"file": filename, "rows": len(good), "added": added},
    )  # fmt: skip
    return len(good), added


def enter_response(session: Session, who: Principal, *, values: dict[str, str]) -> bool:
    """One response entered on the page (the same fields as a file's row; an empty
    respondent gets a fresh key). Bad fields are refused with a Persian reason each.
    Answers whether it was stored (false: that respondent was already there); audited."""
    import uuid

    who.require_role(*IMPORTERS)
    values = {**values, "respondent": values.get("respondent") or f"web-{uuid.uuid4().hex[:16]}"}
    good, problems = _validate(session, who, [SheetRow(number=1, values=values)])
    if problems:
        fields = [FieldProblem(p.field, p.reason) for p in problems]  # one form, no rows
        raise InvalidInput("the response has bad fields", fields)
    added = store(session, who, good)
    audit.record(
        session, actor=who.username, action="performance.surveys.enter", entity="survey_response",
        entity_id=f"{good[0]['instrument']}/{good[0]['respondent']}",
        after={"facility_id": good[0]["facility_id"], "score": good[0]["score"]},
    )  # fmt: skip
    return added == 1


def store(session: Session, who: Principal, rows: list[dict[str, object]]) -> int:
    """Insert the responses whose respondent is not stored yet; answers how many."""
    seen = {
        (i, r)
        for i, r in session.execute(select(SurveyResponse.instrument, SurveyResponse.respondent))
    }
    now = utcnow()
    fresh = []
    for r in rows:
        key = (str(r["instrument"]), str(r["respondent"]))
        if key in seen:
            continue
        seen.add(key)
        fresh.append({**r, "imported_by": who.username, "imported_at": now})
    if fresh:
        session.execute(insert(SurveyResponse), fresh)
    statistics.refresh(session, SurveyResponse.__tablename__, rows=len(fresh))
    return len(fresh)


def scores(session: Session, who: Principal, *, instrument: str, period: str) -> SurveyScores:
    """Each facility's and province's composite and overall scores for the period, within
    the caller's scope, with the number of responses beside each; a unit with fewer than
    the instrument's minimum is "too few" (no scores)."""
    who.require_role(*READERS)
    inst = surveys.shipped().get(instrument)
    if inst is None:
        raise InvalidInput(
            "unknown instrument",
            [FieldProblem("instrument", f"پرسش‌نامه‌ی «{instrument}» تعریف نشده است")],
        )
    start, end = periods.parse(period).bounds()
    query = (
        select(
            SurveyResponse.answers, Facility.code, Facility.name, Province.code, Province.name_fa
        )
        .join(Facility, Facility.id == SurveyResponse.facility_id)
        .join(Province, Province.id == SurveyResponse.province_id)
        .where(
            SurveyResponse.instrument == inst.code,
            SurveyResponse.answered_on >= start,
            SurveyResponse.answered_on <= end,
        )
    )
    if not who.is_national:
        query = query.where(SurveyResponse.province_id == who.province_id)
    groups: dict[tuple[str, str, str], list[dict[str, int]]] = defaultdict(list)
    for answers, fcode, fname, pcode, pname in session.execute(query):
        groups[("facility", fcode, fname)].append(answers)
        groups[("province", pcode, pname)].append(answers)
    units = [_unit(inst, kind, code, name, found) for (kind, code, name), found in groups.items()]
    units.sort(key=lambda u: (u.level, u.code))
    return SurveyScores(
        instrument=inst.code, name_fa=inst.name_fa, period=periods.parse(period).code,
        min_responses=inst.min_responses,
        composites={c.code: c.name_fa for c in inst.composite}, units=units,
    )  # fmt: skip


def _unit(
    inst: surveys.Instrument, level: str, code: str, name: str, found: list[dict[str, int]]
) -> SurveyUnit:
    per = [inst.composites(a) for a in found]
    composites = {
        c.code: surveys.unit_score(
            [v for p in per if (v := p[c.code]) is not None], inst.min_responses
        )
        for c in inst.composite
    }
    overall = surveys.unit_score(
        [s for a in found if (s := inst.overall(a)) is not None], inst.min_responses
    )
    return SurveyUnit(
        level=level, code=code, name=name, responses=len(found),
        too_few=len(found) < inst.min_responses, overall=overall, composites=composites,
    )  # fmt: skip
