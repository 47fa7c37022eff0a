"""What the issue-time checks prevented, in rials at reference price, and the dispensing
rate, by Jalali month and province."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from typing import Any

from sqlalchemy import case, func, select
from sqlalchemy.orm import Session

from darman.common.errors import FieldProblem, InvalidInput
from darman.common.jalali import fiscal_year_bounds, to_jalali
from darman.common.persian import to_persian_digits
from darman.prescriptions import rules
from darman.prescriptions.enums import PrescriptionStatus
from darman.prescriptions.models import (
    Prescription,
    PrescriptionFinding,
    PrescriptionLine,
)
from darman.prescriptions.schemas import (
    ReasonTotal,
    SavingsReport,
    SavingsRow,
)
from darman.registry import scope
from darman.registry.models import (
    Province,
)
from darman.security.principal import Principal


# ------------------------------------------------------------------ savings
def _report_scope(session: Session, who: Principal, province_code: str | None) -> int | None:
    province_id = None
    if province_code:
        province_id = session.scalar(select(Province.id).where(Province.code == province_code))
        if province_id is None:
            raise InvalidInput(
                "unknown province", [FieldProblem("province_code", f"no province {province_code}")]
            )
    return scope.report_province(
        who, province_id, refused="the savings report is for national and provincial staff"
    )


def savings_report(
    session: Session, who: Principal, *, year: int | None = None, province_code: str | None = None
) -> SavingsReport:
    """What the checks prevented and how much of what was prescribed was dispensed, by
    Jalali month of issue and province of the issuing facility.

    Prevented value is the refused quantity at the drug's reference price recorded at
    issue time (above-limit quantities count only their excess); a refused line counts
    once even when several checks refused it, and an uninsured person's prescription
    once in full. Warnings are counted per reason but prevent nothing. The dispensing
    rate is dispensed / prescribed drug quantity of issued prescriptions. Provincial
    staff see their province; facility users are refused.
    """
    province_id = _report_scope(session, who, province_code)
    P = Prescription

    def scoped(query: Any) -> Any:
        if province_id is not None:
            query = query.where(P.province_id == province_id)
        if year is not None:
            start, end = fiscal_year_bounds(year)
            query = query.where(P.issued_on >= start, P.issued_on <= end)
        return query

    Key = tuple[dt.date, int]
    by_reason: dict[Key, dict[str, list[int]]] = defaultdict(dict)
    for r in session.execute(
        scoped(
            select(
                P.issued_on,
                P.province_id,
                PrescriptionFinding.code,
                func.count(),
                func.sum(PrescriptionFinding.quantity),
                func.sum(PrescriptionFinding.value_rials),
            )
            .join(PrescriptionFinding, PrescriptionFinding.prescription_id == P.id)
            .group_by(P.issued_on, P.province_id, PrescriptionFinding.code)
        )
    ):
        by_reason[(r[0], r[1])][r[2]] = [int(r[3]), int(r[4] or 0), int(r[5] or 0)]

    per_line = (
        select(
            PrescriptionFinding.prescription_id.label("pid"),
            PrescriptionFinding.line_no.label("line_no"),
            func.max(PrescriptionFinding.value_rials).label("v"),
        )
        .where(PrescriptionFinding.blocking.is_(True))
        .group_by(PrescriptionFinding.prescription_id, PrescriptionFinding.line_no)
        .subquery()
    )
    per_rx = (
        select(
            per_line.c.pid,
            func.sum(case((per_line.c.line_no.is_(None), 0), else_=per_line.c.v)).label("lines_v"),
            func.max(case((per_line.c.line_no.is_(None), per_line.c.v), else_=0)).label("whole_v"),
        )
        .group_by(per_line.c.pid)
        .subquery()
    )
    prevented: dict[Key, int] = defaultdict(int)
    for r in session.execute(
        scoped(
            select(
                P.issued_on,
                P.province_id,
                func.sum(
                    case(
                        (per_rx.c.whole_v > per_rx.c.lines_v, per_rx.c.whole_v),
                        else_=per_rx.c.lines_v,
                    )
                ),
            )
            .join(per_rx, per_rx.c.pid == P.id)
            .group_by(P.issued_on, P.province_id)
        )
    ):
        prevented[(r[0], r[1])] += int(r[2] or 0)

    counts: dict[Key, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    for r in session.execute(
        scoped(select(P.issued_on, P.province_id, P.status, func.count())).group_by(
            P.issued_on, P.province_id, P.status
        )
    ):
        counts[(r[0], r[1])][r[2]] += int(r[3])
    for r in session.execute(
        scoped(
            select(
                P.issued_on,
                P.province_id,
                PrescriptionLine.kind,
                func.sum(PrescriptionLine.quantity),
                func.sum(PrescriptionLine.dispensed),
            )
            .join(PrescriptionLine, PrescriptionLine.prescription_id == P.id)
            .where(P.status == PrescriptionStatus.ISSUED.value)
            .group_by(P.issued_on, P.province_id, PrescriptionLine.kind)
        )
    ):
        counts[(r[0], r[1])][f"{r[2]}_prescribed"] += int(r[3] or 0)
        counts[(r[0], r[1])][f"{r[2]}_dispensed"] += int(r[4] or 0)

    return _savings_rows(session, by_reason, prevented, counts)


def _savings_rows(
    session: Session,
    by_reason: dict[tuple[dt.date, int], dict[str, list[int]]],
    prevented: dict[tuple[dt.date, int], int],
    counts: dict[tuple[dt.date, int], dict[str, int]],
) -> SavingsReport:
    """Fold the per-day figures into Jalali months."""
    provinces = {r.id: (r.code, r.name_fa) for r in session.execute(select(Province)).scalars()}
    MonthKey = tuple[int, int, int]
    months: dict[MonthKey, dict[str, Any]] = {}
    for day, pid in set(by_reason) | set(prevented) | set(counts):
        j = to_jalali(day)
        m = months.setdefault(
            (j.year, j.month, pid),
            {"reasons": defaultdict(lambda: [0, 0, 0]), "n": defaultdict(int)},
        )
        for code, (n, q, v) in by_reason.get((day, pid), {}).items():
            acc = m["reasons"][code]
            acc[0] += n
            acc[1] += q
            acc[2] += v
        m["n"]["prevented"] += prevented.get((day, pid), 0)
        for k, v in counts.get((day, pid), {}).items():
            m["n"][k] += v
    rows = []
    for (jy, jm, pid), m in sorted(months.items()):
        n = m["n"]
        code, name = provinces.get(pid, ("", ""))
        drug_p, drug_d = n["drug_prescribed"], n["drug_dispensed"]
        rows.append(
            SavingsRow(
                year=jy,
                month=jm,
                month_label=to_persian_digits(f"{jy:04d}/{jm:02d}"),
                province_code=code,
                province_name_fa=name,
                issued=n[PrescriptionStatus.ISSUED.value],
                refused=n[PrescriptionStatus.REFUSED.value],
                prevented_rials=n["prevented"],
                by_reason=[
                    ReasonTotal(
                        code=c,
                        label_fa=rules.REASON_BY_CODE[c].label_fa,
                        label_en=rules.REASON_BY_CODE[c].label_en,
                        blocking=rules.REASON_BY_CODE[c].blocking,
                        findings=acc[0],
                        quantity=acc[1],
                        value_rials=acc[2],
                    )
                    for c, acc in sorted(m["reasons"].items())
                ],
                drug_prescribed=drug_p,
                drug_dispensed=drug_d,
                order_prescribed=n["service_prescribed"],
                order_dispensed=n["service_dispensed"],
                dispensing_rate_percent=round(100 * drug_d / drug_p, 1) if drug_p else None,
            )
        )
    return SavingsReport(rows=rows, prevented_rials=sum(r.prevented_rials for r in rows))
