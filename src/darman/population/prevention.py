"""Use cases of prevention: the elderly on a family physician's panel with the screenings
due to them, and the coverage of the prevention programmes per province and facility,
which the performance indicators also read (``coverage_query``).

Both are set-based SQL over the claims, the measurements, the panels and the registry, the
same on SQLite and PostgreSQL: a person's age is compared as a birth day against days
worked out from the reference day, so no database date arithmetic is needed.
Services never commit."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

from sqlalchemy import ColumnElement, Select, exists, func, literal, null, or_, select, union_all
from sqlalchemy.orm import Session

from darman.claims.models import Claim, ClaimLine
from darman.common.errors import FieldProblem, InvalidInput, NotFound, PermissionDenied
from darman.common.jalali import jalali_month, jalali_month_bounds, tehran_today
from darman.common.paging import PageParams
from darman.common.persian import to_ascii_digits
from darman.population import definitions, programmes, screenings
from darman.population.models import Measurement, RegisterEntry
from darman.population.prevention_schemas import (
    CoverageRead,
    CoverageRow,
    DueList,
    ElderlyPatient,
    ProgrammeRead,
    ScreeningState,
)
from darman.population.service import ADJUDICATED, READERS
from darman.referrals import panels as referrals_panels
from darman.referrals.models import PanelEnrolment
from darman.registry import scope
from darman.registry.models import (
    CoveragePeriod,
    Insured,
    Practitioner,
    PractitionerFacility,
    Province,
)
from darman.security.principal import Principal

_MONTH = re.compile(r"^(\d{4})/?(\d{1,2})$")
STATUSES_DONE = ADJUDICATED


def all_programmes() -> tuple[programmes.Programme, ...]:
    return programmes.shipped(registers=tuple(definitions.by_code()))


def _programme(code: str, field: str = "programme") -> programmes.Programme:
    found = {p.code: p for p in all_programmes()}
    if code not in found:
        raise InvalidInput(
            f"برنامه‌ی «{code}» وجود ندارد؛ یکی از {', '.join(sorted(found))}",
            [FieldProblem(field, f"unknown programme; one of {', '.join(sorted(found))}")],
        )
    return found[code]


# ------------------------------------------------------------------ shared SQL pieces
def _aged(on: dt.date, min_age: int, max_age: int | None) -> list[ColumnElement[bool]]:
    """Insured aged ``min_age`` to ``max_age`` whole years on ``on``."""
    conds = [Insured.birth_date <= screenings.born_by(on, min_age)]
    if max_age is not None:
        conds.append(Insured.birth_date > screenings.born_by(on, max_age + 1))
    return conds


def _of_sex(sex: str) -> list[ColumnElement[bool]]:
    return [] if sex == "any" else [Insured.sex == sex]


def _claimed(codes: tuple[str, ...], since: dt.date | None, on: dt.date) -> Select[Any]:
    """Adjudicated claims of the correlated insured person carrying one of ``codes``."""
    query = (
        select(ClaimLine.service_date)
        .join(Claim, Claim.id == ClaimLine.claim_id)
        .where(
            # the lines' own (national_id, code, service_date) index finds them
            ClaimLine.national_id == Insured.national_id,
            Claim.status.in_([s.value for s in STATUSES_DONE]),
            ClaimLine.code.in_(codes),
            ClaimLine.service_date <= on,
        )
    )
    return query if since is None else query.where(ClaimLine.service_date >= since)


def _measured(loinc: tuple[str, ...], since: dt.date | None, on: dt.date) -> Select[Any]:
    query = select(Measurement.measured_on).where(
        Measurement.national_id == Insured.national_id,
        Measurement.loinc.in_(loinc),
        Measurement.measured_on <= on,
    )
    return query if since is None else query.where(Measurement.measured_on >= since)


# ------------------------------------------------------------------ the elderly's due list
def _last(codes: tuple[str, ...], loinc: tuple[str, ...], on: dt.date) -> list[Any]:
    """The last day a service in ``codes`` was claimed and one of ``loinc`` measured, up to
    ``on``, for the correlated insured person (null when never)."""
    claimed = (
        _claimed(codes, None, on).with_only_columns(func.max(ClaimLine.service_date))
        .scalar_subquery() if codes else null()
    )  # fmt: skip
    measured = (
        _measured(loinc, None, on).with_only_columns(func.max(Measurement.measured_on))
        .scalar_subquery() if loinc else null()
    )  # fmt: skip
    return [claimed.label("last_claimed"), measured.label("last_measured")]


def _later(*days: dt.date | str | None) -> dt.date | None:
    # SQLite answers a scalar subquery's date as text
    found = [d if isinstance(d, dt.date) else dt.date.fromisoformat(d) for d in days if d]
    return max(found) if found else None


def _readable_panel(session: Session, who: Principal, council_number: str | None) -> Any:
    """The panel through the referrals' own scope rules, its refusals said in Persian."""
    try:
        return referrals_panels.panel(
            session, who, page=PageParams(page=1, size=1), council_number=council_number
        )
    except NotFound:
        raise NotFound(
            f"پزشک خانواده‌ای با شماره‌ی نظام «{council_number}» در حوزه‌ی شما نیست",
            [FieldProblem("physician", "no such family physician in your scope")],
        ) from None
    except PermissionDenied:
        raise PermissionDenied(
            "فهرست سالمندان یک پزشک را خود پزشک و کارکنان ملی و استانی می‌بینند"
        ) from None
    except InvalidInput:
        raise InvalidInput(
            "شماره‌ی نظام پزشک خانواده (physician) را بدهید",
            [FieldProblem("physician", "required for a caller who is not the physician")],
        ) from None


def due_list(
    session: Session, who: Principal, *, council_number: str | None = None,
    on: dt.date | None = None,
) -> DueList:  # fmt: skip
    """A family physician's panel members aged 60 or more on ``on`` (today by default) with
    the screenings that apply to them by age and sex (``data/screenings.toml``), each done
    (claimed on an adjudicated claim or measured within its interval up to ``on``) or due.
    ``patients`` lists those with one due at least, oldest first. A physician reads their
    own panel (another's is NotFound); national and provincial staff any panel in their
    scope, naming it by council number; facility desks are refused (PermissionDenied)."""
    who.require_role(*READERS)
    day = on or tehran_today()
    read = _readable_panel(session, who, council_number)
    practitioner_id = session.scalar(
        select(Practitioner.id).where(Practitioner.council_number == read.council_number)
    )
    if practitioner_id is None:  # pragma: no cover - the panel read found it
        raise NotFound(f"no panel {council_number}")
    shipped = screenings.shipped()
    on_panel = [
        PanelEnrolment.insured_id == Insured.id,
        PanelEnrolment.practitioner_id == practitioner_id,
        PanelEnrolment.enrolled_on <= day,
        or_(PanelEnrolment.ended_on.is_(None), PanelEnrolment.ended_on > day),
    ]
    person = (Insured.national_id, Insured.first_name, Insured.last_name, Insured.sex,
              Insured.birth_date)  # fmt: skip
    parts = [
        select(*person, literal(s.code).label("screening"), *_last(s.service_codes, s.loinc, day))
        .join(PanelEnrolment, on_panel[0])
        .where(
            *on_panel[1:],
            *_aged(day, max(s.min_age, shipped.elderly_from_age), s.max_age),
            *_of_sex(s.sex),
        )
        for s in shipped.items
    ]
    elderly = session.scalar(
        select(func.count(Insured.id)).join(PanelEnrolment, on_panel[0])
        .where(*on_panel[1:], *_aged(day, shipped.elderly_from_age, None))
    )  # fmt: skip
    by_code = {s.code: s for s in shipped.items}
    patients: dict[str, ElderlyPatient] = {}
    for row in session.execute(union_all(*parts)):
        screening = by_code[row.screening]
        last = _later(row.last_claimed, row.last_measured)
        since = screenings.months_before(day, screening.every_months)
        patient = patients.setdefault(
            row.national_id,
            ElderlyPatient(
                national_id=row.national_id, first_name=row.first_name, last_name=row.last_name,
                sex=row.sex, age=screenings.age_on(row.birth_date, day), screenings=[],
            ),
        )  # fmt: skip
        patient.screenings.append(
            ScreeningState(
                code=screening.code,
                name_fa=screening.name_fa,
                status="done" if last is not None and last >= since else "due",
                last_done=last,
            )
        )
    order = [s.code for s in shipped.items]
    for p in patients.values():
        p.screenings.sort(key=lambda s: order.index(s.code))
    listed = sorted((p for p in patients.values() if p.due), key=lambda p: (-p.age, p.national_id))
    facility_id = session.scalar(
        select(func.min(PractitionerFacility.facility_id)).where(
            PractitionerFacility.practitioner_id == practitioner_id
        )
    )
    return DueList(
        facility_id=facility_id,
        council_number=read.council_number, physician_name=read.physician_name, on=day,
        elderly=int(elderly or 0), patients=listed,
    )  # fmt: skip


# ------------------------------------------------------------------ programme coverage
def coverage_query(
    programme: programmes.Programme, on: dt.date, *, done: bool, province_id: int | None = None
) -> Select[Any]:
    """Rows of (province_id, facility_id, amount): the programme's target population on
    ``on`` (``done`` False) or those of it done in the programme's window (``done`` True),
    per province and per family physician's facility (null for people on no panel).

    The target population: insured covered on ``on``, in the age band and of the sex on
    that day, in one of the programme's provinces, on its register by then. A person
    counts at the first facility of the family physician whose panel holds them that day."""
    attached = (
        select(
            PanelEnrolment.insured_id.label("insured_id"),
            func.min(PractitionerFacility.facility_id).label("facility_id"),
        )
        .join(
            PractitionerFacility,
            PractitionerFacility.practitioner_id == PanelEnrolment.practitioner_id,
        )
        .where(
            PanelEnrolment.enrolled_on <= on,
            or_(PanelEnrolment.ended_on.is_(None), PanelEnrolment.ended_on > on),
        )
        .group_by(PanelEnrolment.insured_id)
        .subquery()
    )
    conds = [
        *_aged(on, programme.min_age, programme.max_age),
        *_of_sex(programme.sex),
        exists().where(
            CoveragePeriod.insured_id == Insured.id,
            CoveragePeriod.start_date <= on,
            or_(CoveragePeriod.end_date.is_(None), CoveragePeriod.end_date >= on),
        ),
    ]
    if province_id is not None:
        conds.append(Insured.province_id == province_id)
    if programme.provinces:
        conds.append(
            Insured.province_id.in_(
                select(Province.id).where(Province.code.in_(programme.provinces))
            )
        )
    if programme.register is not None:
        conds.append(
            exists().where(
                RegisterEntry.national_id == Insured.national_id,
                RegisterEntry.register_code == programme.register,
                RegisterEntry.entered_on <= on,
            )
        )
    if done:
        since, _ = programme.window(on)
        # the people done, found once from the lines' and measurements' own indexes rather
        # than looked up per insured person: a small set against the whole target population
        ways: list[Select[Any]] = []
        if programme.service_codes:
            ways.append(
                select(ClaimLine.national_id)
                .join(Claim, Claim.id == ClaimLine.claim_id)
                .where(
                    Claim.status.in_([s.value for s in STATUSES_DONE]),
                    ClaimLine.code.in_(programme.service_codes),
                    ClaimLine.service_date.between(since, on),
                )
            )
        if programme.loinc:
            ways.append(
                select(Measurement.national_id).where(
                    Measurement.loinc.in_(programme.loinc),
                    Measurement.measured_on.between(since, on),
                )
            )
        conds.append(Insured.national_id.in_(union_all(*ways) if len(ways) > 1 else ways[0]))
    return (
        select(
            Insured.province_id.label("province_id"),
            attached.c.facility_id.label("facility_id"),
            func.count(Insured.id).label("amount"),
        )
        .outerjoin(attached, attached.c.insured_id == Insured.id)
        .where(*conds)
        .group_by(Insured.province_id, attached.c.facility_id)
    )


def parse_month(text: str, *, field: str = "month") -> int:
    """A Jalali month ``1405/06`` (or ``140506``) as yyyymm; InvalidInput naming ``field``."""
    match = _MONTH.match(to_ascii_digits(text.strip()))
    if not match or not 1300 <= int(match.group(1)) <= 1499 or not 1 <= int(match.group(2)) <= 12:
        raise InvalidInput(
            f"ماه «{text}» معتبر نیست؛ به شکل ۱۴۰۵/۰۶ بنویسید",
            [FieldProblem(field, "month must look like 1405/06")],
        )
    return int(match.group(1)) * 100 + int(match.group(2))


def _place_order(item: tuple[tuple[int, int | None], list[int]]) -> tuple[int, int]:
    return item[0][0], item[0][1] or 0


def _row(province_id: int, facility_id: int | None, target: int, done: int,
         aim: float) -> CoverageRow:  # fmt: skip
    percent = round(done * 100 / target, 1) if target else None
    return CoverageRow(
        province_id=province_id, facility_id=facility_id, target=target, done=done,
        percent=percent, meets_target=percent is not None and percent >= aim,
    )  # fmt: skip


def programme_read(p: programmes.Programme) -> ProgrammeRead:
    return ProgrammeRead(
        code=p.code, name_fa=p.name_fa, min_age=p.min_age, max_age=p.max_age, sex=p.sex,
        provinces=list(p.provinces), register_code=p.register, service_codes=list(p.service_codes),
        loinc=list(p.loinc), period_months=p.period_months, target_percent=p.target_percent,
    )  # fmt: skip


def list_programmes(who: Principal) -> list[ProgrammeRead]:
    """The prevention programmes (data), for every reader."""
    who.require_role(*READERS)
    return [programme_read(p) for p in all_programmes()]


def coverage(
    session: Session, who: Principal, *, programme: str, month: str | None = None,
    province_id: int | None = None,
) -> CoverageRead:  # fmt: skip
    """A programme's coverage at the end of a Jalali month (the current month up to today
    by default): per province, and per family physician's facility. A provincial user gets
    their province, a facility user their facility's row; ``province_id`` narrows further.
    InvalidInput naming the field on an unknown programme or a malformed month."""
    who.require_role(*READERS)
    chosen = _programme(programme)
    today = tehran_today()
    asked = parse_month(month) if month else jalali_month(today)
    on = min(jalali_month_bounds(asked)[1], max(today, jalali_month_bounds(asked)[0]))
    # the province is narrowed in SQL; a facility user's facility on the rows read
    narrow = who.province_id if scope.provincial(who) else province_id
    amounts: dict[tuple[int, int | None], list[int]] = {}
    for index, done in enumerate((False, True)):
        query = coverage_query(chosen, on, done=done, province_id=narrow)
        for pid, fid, amount in session.execute(query):
            amounts.setdefault((pid, fid), [0, 0])[index] = int(amount)
    if scope.at_facility(who):
        amounts = {k: v for k, v in amounts.items() if k[1] == who.facility_id}
    if province_id is not None:
        amounts = {k: v for k, v in amounts.items() if k[0] == province_id}
    per_province: dict[int, list[int]] = {}
    for (pid, _), (target, done_count) in amounts.items():
        acc = per_province.setdefault(pid, [0, 0])
        acc[0] += target
        acc[1] += done_count
    aim = chosen.target_percent
    start, end = chosen.window(on)
    return CoverageRead(
        programme=programme_read(chosen), month=asked, window_start=start, window_end=end,
        provinces=[_row(pid, None, t, d, aim) for pid, (t, d) in sorted(per_province.items())],
        facilities=[
            _row(pid, fid, t, d, aim)
            for (pid, fid), (t, d) in sorted(amounts.items(), key=_place_order)
            if fid is not None
        ],
    )  # fmt: skip
