"""An epidemic's cost: every admission of an episode gathered set-based from adjudicated
inpatient claims (one query for the claims, one for their lines, then the DuckDB kernel),
and its distribution per province and ownership.

Services never commit; the caller owns the transaction."""

from __future__ import annotations

import re

import pyarrow as pa
from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from darman.claims.enums import VisitType
from darman.claims.models import Claim, ClaimLine
from darman.common.errors import FieldProblem, InvalidInput
from darman.common.jalali import jalali_month, jalali_month_bounds
from darman.common.persian import to_ascii_digits
from darman.db import bulk
from darman.population import epidemic_kernel as kernel
from darman.population.epidemic_definitions import Episode, by_code
from darman.population.epidemic_schemas import (
    AdmissionRead,
    CostRow,
    CostSummary,
    EpisodeRead,
    MonthRow,
)
from darman.population.service import ADJUDICATED
from darman.registry import scope
from darman.registry.models import Facility
from darman.security.enums import Role
from darman.security.principal import Principal

DEFAULT_EPISODE = "covid19"
# the cost per province: national staff, auditors and a province's manager (their province)
COST_READERS = (Role.ADMIN, Role.HQ_ANALYST, Role.AUDITOR, Role.PROVINCE_MANAGER)
_MONTH = re.compile(r"^(\d{4})/?(\d{2})$")

_CLAIMS = pa.schema([
    ("claim_id", pa.int64()), ("national_id", pa.string()), ("province_id", pa.int64()),
    ("facility_id", pa.int64()), ("ownership", pa.string()), ("admission_date", pa.date32()),
    ("discharge_date", pa.date32()), ("diagnoses", pa.string()),
])  # fmt: skip
_LINES = pa.schema([
    ("claim_id", pa.int64()), ("item_type", pa.string()), ("code", pa.string()),
    ("quantity", pa.int64()), ("outcome", pa.string()), ("allowed_rials", pa.int64()),
    ("insurer_rials", pa.int64()),
])  # fmt: skip


def episode(code: str = DEFAULT_EPISODE, *, field: str = "episode_code") -> Episode:
    """The episode named ``code``; InvalidInput naming ``field`` when there is none."""
    episodes = by_code()
    if code not in episodes:
        raise InvalidInput(
            f"همه‌گیری «{code}» تعریف نشده است؛ یکی از {', '.join(sorted(episodes))}",
            [FieldProblem(field, f"unknown episode; one of {', '.join(sorted(episodes))}")],
        )
    return episodes[code]


def episode_read(ep: Episode) -> EpisodeRead:
    return EpisodeRead(
        code=ep.code, name_fa=ep.name_fa, icd10_prefixes=list(ep.icd10_prefixes),
        start=ep.start, end=ep.end, icu_service_codes=list(ep.icu_service_codes),
    )  # fmt: skip


def parse_month(text: str, *, field: str = "month") -> int:
    """``1405/03``, ``140503`` (any digits) as 140503; InvalidInput naming ``field``."""
    match = _MONTH.match(to_ascii_digits(text.strip()))
    if not match or not 1300 <= int(match.group(1)) <= 1499 or not 1 <= int(match.group(2)) <= 12:
        raise InvalidInput(
            f"ماه «{text}» معتبر نیست؛ به شکل ۱۴۰۵/۰۳ بنویسید",
            [FieldProblem(field, "month must look like 1405/03")],
        )
    return int(match.group(1)) * 100 + int(match.group(2))


def _read(session: Session, query: object, schema: pa.Schema) -> pa.Table:
    session.flush()
    return bulk.read_arrow(session.connection(), query, schema)  # type: ignore[arg-type]


def _inpatient_claims(ep: Episode, province_id: int | None, who: Principal) -> object:
    """Adjudicated inpatient claims admitted in the episode's period whose diagnoses name the
    episode's ICD-10 category (its first three characters, which survive a dot either way);
    the kernel then matches the exact prefixes."""
    categories = sorted({p[:3] for p in ep.icd10_prefixes})
    query = (
        select(
            Claim.id,
            Claim.national_id,
            Claim.province_id,
            Claim.facility_id,
            Facility.ownership,
            Claim.admission_date,
            Claim.discharge_date,
            Claim.diagnoses,
        )
        .join(Facility, Facility.id == Claim.facility_id)
        .where(
            Claim.visit_type == VisitType.INPATIENT.value,
            Claim.status.in_([s.value for s in ADJUDICATED]),
            Claim.admission_date.between(ep.start, ep.end),
            or_(*(Claim.diagnoses.ilike(f"%{c}%") for c in categories)),
        )
    )
    query = scope.restrict(
        query, who, province=Claim.province_id, facility=Claim.facility_id,
        facility_refused="هزینه‌ی همه‌گیری را تنها ستاد و استان می‌بینند",
    )  # fmt: skip
    if province_id is not None:
        query = query.where(Claim.province_id == province_id)
    return query


def admissions_table(
    session: Session,
    who: Principal,
    *,
    episode_code: str = DEFAULT_EPISODE,
    province_id: int | None = None,
) -> pa.Table:
    """Every admission of the episode as an Arrow table (the kernel's columns), within the
    caller's scope: a provincial user's province only. PermissionDenied for a facility user."""
    ep = episode(episode_code)
    claims_query = _inpatient_claims(ep, province_id, who)
    claims = _read(session, claims_query, _CLAIMS)
    ids = claims_query.with_only_columns(Claim.id)  # type: ignore[attr-defined]
    lines = _read(
        session,
        select(
            ClaimLine.claim_id, ClaimLine.item_type, ClaimLine.code, ClaimLine.quantity,
            ClaimLine.outcome, ClaimLine.allowed_rials, ClaimLine.insurer_rials,
        ).where(ClaimLine.claim_id.in_(ids.scalar_subquery())),
        _LINES,
    )  # fmt: skip
    return kernel.admissions(
        claims=claims, lines=lines, icd10_prefixes=ep.icd10_prefixes,
        icu_service_codes=ep.icu_service_codes, start=ep.start, end=ep.end,
    )  # fmt: skip


def admissions(
    session: Session,
    who: Principal,
    *,
    episode_code: str = DEFAULT_EPISODE,
    province_id: int | None = None,
    month: int | None = None,
) -> list[AdmissionRead]:
    """The episode's admissions (discharged in ``month`` when given, a Jalali yyyymm)."""
    who.require_role(*COST_READERS)
    table = admissions_table(session, who, episode_code=episode_code, province_id=province_id)
    rows = [AdmissionRead(**r) for r in table.to_pylist()]
    if month is not None:
        first, last = jalali_month_bounds(month)
        rows = [r for r in rows if first <= r.discharge_date <= last]
    return rows


def months_of(ep: Episode) -> pa.Table:
    """The Jalali months of the episode's period, with their first and last day."""
    months: list[int] = []
    month = jalali_month(ep.start)
    while jalali_month_bounds(month)[0] <= ep.end:
        months.append(month)
        year, m = divmod(month, 100)
        month = year * 100 + m + 1 if m < 12 else (year + 1) * 100 + 1
    bounds = [jalali_month_bounds(m) for m in months]
    return pa.table({
        "month": pa.array(months, pa.int64()),
        "first_day": pa.array([b[0] for b in bounds], pa.date32()),
        "last_day": pa.array([b[1] for b in bounds], pa.date32()),
    })  # fmt: skip


def cost_summary(
    session: Session,
    who: Principal,
    *,
    episode_code: str = DEFAULT_EPISODE,
    province_id: int | None = None,
) -> CostSummary:
    """Cost per admission and per day per province and ownership (owned / contracted) with
    the median and 90th percentile, the subtotals, and the months of discharge. A province's
    manager gets their province only; InvalidInput on an unknown episode; PermissionDenied
    for roles outside COST_READERS."""
    who.require_role(*COST_READERS)
    ep = episode(episode_code)
    table = admissions_table(session, who, episode_code=ep.code, province_id=province_id)
    rows = [CostRow(**r) for r in kernel.summary(table).to_pylist()]
    months = [MonthRow(**r) for r in kernel.monthly(table, months_of(ep)).to_pylist()]
    return CostSummary(episode=episode_read(ep), rows=rows, months=months)
