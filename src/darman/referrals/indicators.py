"""Referral indicators by province and Jalali month."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from typing import Any

import jdatetime
from sqlalchemy import case, func, select
from sqlalchemy.orm import Session

from darman.claims.models import ClaimLine, ProgrammeRollout
from darman.common.jalali import (
    fiscal_year_bounds,
    tehran_today,
    to_jalali,
)
from darman.common.persian import to_persian_digits
from darman.referrals import rules
from darman.referrals.callers import (
    PROGRAMME,
    _require_staff,
    _staff_province,
)
from darman.referrals.enums import ReferralStatus
from darman.referrals.models import PanelEnrolment, ReferralOrder
from darman.referrals.schemas import (
    IndicatorReport,
    IndicatorRow,
)
from darman.registry.models import (
    Facility,
    Province,
    Service,
)
from darman.security.principal import Principal

# ------------------------------------------------------------------ indicators
Key = tuple[dt.date, int]
PAYABLE = ("accepted", "partial")


def _month_ends(year: int, today: dt.date) -> list[tuple[int, dt.date]]:
    """(month, last day or today if sooner) of each month of Jalali ``year`` begun by today."""
    out = []
    for month in range(1, 13):
        start = jdatetime.date(year, month, 1).togregorian()
        if start > today:
            break
        nxt = (
            jdatetime.date(year + 1, 1, 1) if month == 12 else jdatetime.date(year, month + 1, 1)
        ).togregorian()
        out.append((month, min(nxt - dt.timedelta(days=1), today)))
    return out


def indicators(
    session: Session,
    who: Principal,
    *,
    year: int,
    province_code: str | None = None,
    today: dt.date | None = None,
) -> IndicatorReport:
    """The programme's indicators by province and Jalali month of ``year``.

    * referral rate: referrals by family physicians per 1,000 level-1 visits (accepted or
      partly accepted claim lines of visit services at level-1 facilities, by service
      date and the facility's province);
    * internal share: referrals to the insurer's own facilities / all referrals issued;
    * feedback rate: referrals answered (so far) / referrals issued that month;
    * bypass rate: specialist-visit claim lines (visit services of level 2 and above)
      rejected with R10 / all adjudicated specialist-visit lines, counting only lines in a
      province where the referral programme was active on the service date;
    * average panel size: people on a panel at the month's end (today for the running
      month) / family physicians with at least one.

    National and provincial staff only; provincial staff see their province.
    """
    _require_staff(who, "the referral indicators")
    pid = _staff_province(session, who, province_code, required=False)
    today = today or tehran_today()
    start, end = fiscal_year_bounds(year)
    n: dict[Key, dict[str, int]] = defaultdict(lambda: defaultdict(int))

    def narrow(query: Any, column: Any) -> Any:
        return query.where(column == pid) if pid is not None else query

    R = ReferralOrder
    for day, prov, level, count, internal, answered in session.execute(
        narrow(
            select(
                R.issued_on,
                R.province_id,
                R.from_level,
                func.count(),
                func.sum(case((R.internal.is_(True), 1), else_=0)),
                func.sum(case((R.status == ReferralStatus.ANSWERED.value, 1), else_=0)),
            )
            .where(R.issued_on >= start, R.issued_on <= end)
            .group_by(R.issued_on, R.province_id, R.from_level),
            R.province_id,
        )
    ):
        acc = n[(day, prov)]
        acc["referrals"] += int(count)
        acc["from_level1"] += int(count) if level == rules.FIRST_LEVEL else 0
        acc["internal"] += int(internal or 0)
        acc["answered"] += int(answered or 0)

    visit_codes = select(Service.code).where(Service.category == "visit")
    for day, prov, count in session.execute(
        narrow(
            select(ClaimLine.service_date, Facility.province_id, func.count())
            .join(Facility, Facility.id == ClaimLine.facility_id)
            .where(
                ClaimLine.service_date >= start,
                ClaimLine.service_date <= end,
                ClaimLine.item_type == "service",
                ClaimLine.code.in_(visit_codes),
                ClaimLine.outcome.in_(PAYABLE),
                Facility.level == rules.FIRST_LEVEL,
            )
            .group_by(ClaimLine.service_date, Facility.province_id),
            Facility.province_id,
        )
    ):
        n[(day, prov)]["visits"] += int(count)

    for day, prov, count, bypass in session.execute(
        narrow(
            select(
                ClaimLine.service_date,
                Facility.province_id,
                func.count(),
                func.sum(case((ClaimLine.reasons.like("%R10%"), 1), else_=0)),
            )
            .join(Facility, Facility.id == ClaimLine.facility_id)
            .join(
                ProgrammeRollout,
                (ProgrammeRollout.province_id == Facility.province_id)
                & (ProgrammeRollout.programme == PROGRAMME),
            )
            .where(
                ClaimLine.service_date >= start,
                ClaimLine.service_date <= end,
                ClaimLine.service_date >= ProgrammeRollout.active_from,
                ClaimLine.item_type == "service",
                ClaimLine.code.in_(visit_codes.where(Service.min_level >= 2)),
                ClaimLine.outcome != "pending",
            )
            .group_by(ClaimLine.service_date, Facility.province_id),
            Facility.province_id,
        )
    ):
        acc = n[(day, prov)]
        acc["specialist"] += int(count)
        acc["bypass"] += int(bypass or 0)

    E = PanelEnrolment
    panels: dict[tuple[int, int], tuple[int, int]] = {}
    for month, last in _month_ends(year, today):
        for prov, members, physicians in session.execute(
            narrow(
                select(E.province_id, func.count(), func.count(func.distinct(E.practitioner_id)))
                .where(E.enrolled_on <= last, (E.ended_on.is_(None)) | (E.ended_on > last))
                .group_by(E.province_id),
                E.province_id,
            )
        ):
            panels[(month, prov)] = (int(members), int(physicians))
    return _indicator_rows(session, year, n, panels)


def _indicator_rows(
    session: Session,
    year: int,
    per_day: dict[Key, dict[str, int]],
    panels: dict[tuple[int, int], tuple[int, int]],
) -> IndicatorReport:
    months: dict[tuple[int, int], dict[str, int]] = defaultdict(lambda: defaultdict(int))
    for (day, prov), acc in per_day.items():
        m = months[(int(to_jalali(day).month), prov)]
        for k, v in acc.items():
            m[k] += v
    for key in panels:
        months.setdefault(key, defaultdict(int))
    names = {p.id: (p.code, p.name_fa) for p in session.scalars(select(Province))}
    rows = []
    for (month, prov), m in sorted(months.items(), key=lambda kv: (kv[0][0], names[kv[0][1]])):
        members, physicians = panels.get((month, prov), (0, 0))
        code, name = names[prov]
        rows.append(
            IndicatorRow(
                year=year,
                month=month,
                month_label=to_persian_digits(f"{year:04d}/{month:02d}"),
                province_code=code,
                province_name_fa=name,
                referrals=m["referrals"],
                from_level1=m["from_level1"],
                level1_visits=m["visits"],
                referral_rate_per_1000_visits=rules.rate(m["from_level1"], m["visits"], 1000),
                internal_referrals=m["internal"],
                internal_share_percent=rules.rate(m["internal"], m["referrals"]),
                answered=m["answered"],
                feedback_rate_percent=rules.rate(m["answered"], m["referrals"]),
                specialist_lines=m["specialist"],
                bypass_lines=m["bypass"],
                bypass_rate_percent=rules.rate(m["bypass"], m["specialist"]),
                panel_members=members,
                panels=physicians,
                average_panel_size=round(members / physicians, 1) if physicians else None,
            )
        )
    return IndicatorReport(rows=rows)
