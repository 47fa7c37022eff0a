"""The demo's epidemic: about 16,000 COVID-19 inpatients over the synthetic year (1404), the
seeds' figure for the insurer's hospitals, loaded as adjudicated inpatient claims, then the
monthly statements to the government issued for every month but the last.

Shape (believable, not measured): two waves (spring and autumn); a stay's length is
log-normal with a median of 6 days (1 to 30); about 15 % of the patients need intensive care
(ICU bed-days at a level-3 hospital, for part of a longer stay); 85 % are treated in the
insurer's own (owned) hospitals, the rest in contracted ones. Each stay is one claim: ward
and ICU bed-days, a blood count, a chest X-ray (a CT for some), ceftriaxone and
paracetamol, priced at the 1404 tariff of the facility's level and ownership, with the
inpatient copayment of the default policy (none at owned centres, 10 % at contracted).

The claims are loaded as already adjudicated (status approved, every line accepted): they
are the synthetic history of the year, not run through the adjudicator. The registry's
insured are at the demo's scale while the epidemic is not, and the dashboard says so."""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from darman.claims.models import Claim, ClaimLine
from darman.claims.rules import DEFAULT_COPAY
from darman.claims.rules import copay as copay_of
from darman.common.jalali import jalali_month
from darman.db import bulk
from darman.population import epidemic_statements
from darman.registry.models import Facility, Insured
from darman.security.principal import SYSTEM
from darman.synth import catalogue
from darman.synth.claims_reference import YEAR, YEAR_END, YEAR_START

ADMISSIONS = 16_000
ICU_SHARE = 0.15
OWNED_SHARE = 0.85
DOCUMENT_PREFIX = "CV"
WARD, ICU, CBC, XRAY, CT = "500101", "500102", "200101", "300101", "300105"
CEFTRIAXONE, PARACETAMOL = "10004", "10005"
Progress = Callable[[str], None]


@dataclass(frozen=True)
class Loaded:
    admissions: int
    statements: int


def _tariff(code: str, level: int, ownership: str) -> int:
    base, min_level = next((s[7], s[3]) for s in catalogue.SERVICES if s[0] == code)
    return catalogue.tariff_amount(base, YEAR, level, min_level, ownership)


def _copay_percent(ownership: str) -> int:
    return next(r.percent for r in DEFAULT_COPAY if r.visit_type == "inpatient"
                and r.ownership == ownership)  # fmt: skip


def _hospitals(session: Session) -> dict[tuple[str, bool], list[tuple[int, int, int]]]:
    """(ownership, intensive care) -> hospitals (id, province, level) that may take such a
    patient: level 2 or 3 for a ward, level 3 for ICU bed-days."""
    rows = session.execute(
        select(Facility.id, Facility.province_id, Facility.level, Facility.ownership)
        .where(Facility.kind == "hospital", Facility.level >= 2)
        .order_by(Facility.id)
    ).all()
    pools: dict[tuple[str, bool], list[tuple[int, int, int]]] = {}
    for own in ("owned", "contracted"):
        pools[(own, False)] = [(r[0], r[1], r[2]) for r in rows if r[3] == own]
        pools[(own, True)] = [(r[0], r[1], r[2]) for r in rows if r[3] == own and r[2] == 3]
    return pools


def _stays(rng: np.random.Generator, n: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Admission day (days from the year's start), length of stay and ICU days."""
    first_wave = rng.random(n) < 0.55
    day = np.where(first_wave, rng.normal(75, 25, n), rng.normal(215, 30, n))
    last = (YEAR_END - YEAR_START).days - 31
    admitted = np.clip(np.round(day), 0, last).astype(int)
    icu = rng.random(n) < ICU_SHARE
    los = np.where(
        icu,
        np.clip(np.round(rng.lognormal(np.log(9), 0.45, n)), 3, 30),
        np.clip(np.round(rng.lognormal(np.log(6), 0.5, n)), 1, 30),
    ).astype(int)
    icu_days = np.where(icu, np.clip(np.round(los * rng.uniform(0.3, 0.7, n)), 1, los), 0)
    return admitted, los, icu_days.astype(int)


def _items(
    level: int, ownership: str, los: int, icu_days: int, has_ct: bool
) -> list[tuple[str, str, int, int]]:
    """A stay's (item type, code, quantity, unit price): bed-days, tests and drugs."""
    scan = CT if has_ct else XRAY
    return [
        ("service", WARD, los - icu_days, _tariff(WARD, level, ownership)),
        ("service", ICU, icu_days, _tariff(ICU, level, ownership)),
        ("service", CBC, 1 + los // 4, _tariff(CBC, level, ownership)),
        ("service", scan, 1, _tariff(scan, level, ownership)),
        ("drug", CEFTRIAXONE, min(10, los), catalogue.DRUG_PRICES[CEFTRIAXONE]),
        ("drug", PARACETAMOL, 20, catalogue.DRUG_PRICES[PARACETAMOL]),
    ]


def _lines(
    items: list[tuple[str, str, int, int]], first_id: int, claim_id: int, nid: str, fac: int,
    day: dt.date, ownership: str,
) -> list[tuple[object, ...]]:  # fmt: skip
    """The claim's lines, every one accepted at its price with the inpatient copayment."""
    percent = _copay_percent(ownership)
    out: list[tuple[object, ...]] = []
    for kind, code, qty, price in items:
        if qty <= 0:
            continue
        allowed = qty * price
        copay = copay_of(allowed, percent)
        out.append((
            first_id + len(out), claim_id, len(out) + 1, nid, fac, kind, code, day, qty, price,
            "accepted", allowed, allowed, copay, allowed - copay, 0, "",
        ))  # fmt: skip
    return out


def _issue_statements(session: Session, months: list[int]) -> int:
    """The monthly statements to the government, every month's but the last (left for a
    person to issue in the demo)."""
    for month in months[:-1]:
        epidemic_statements.issue(session, SYSTEM, month=f"{month // 100}/{month % 100:02d}")
    return max(0, len(months) - 1)


def load(
    session: Session, *, seed: int, admissions: int = ADMISSIONS, progress: Progress | None = None
) -> Loaded:
    """Load the epidemic's admissions as adjudicated inpatient claims and issue its monthly
    statements (all but the last month's); nothing when they are there already."""
    say = progress or (lambda _m: None)
    done = session.scalar(
        select(func.count())
        .select_from(Claim)
        .where(Claim.document_number.like(f"{DOCUMENT_PREFIX}%"))
    )
    if done:
        return Loaded(0, 0)
    pools = _hospitals(session)
    if not pools[("owned", False)] or not pools[("owned", True)]:
        return Loaded(0, 0)
    people = np.array(session.scalars(select(Insured.national_id).order_by(Insured.id)).all())
    rng = np.random.default_rng([seed, 19])
    admitted, los, icu_days = _stays(rng, admissions)
    owned = rng.random(admissions) < OWNED_SHARE
    who = people[rng.integers(0, len(people), admissions)]
    dx = np.where(rng.random(admissions) < 0.85, "U07.1", "U07.2")
    pneumonia = rng.random(admissions) < 0.4
    has_ct = rng.random(admissions) < 0.5
    first_id = int(session.scalar(select(func.coalesce(func.max(Claim.id), 0))) or 0) + 1
    first_line = int(session.scalar(select(func.coalesce(func.max(ClaimLine.id), 0))) or 0) + 1
    claims: list[tuple[object, ...]] = []
    lines: list[tuple[object, ...]] = []
    line_id = first_line
    for i in range(admissions):
        ownership = "owned" if owned[i] else "contracted"
        pool = pools[(ownership, bool(icu_days[i]))] or pools[("owned", bool(icu_days[i]))]
        if not pools[(ownership, bool(icu_days[i]))]:
            ownership = "owned"
        fac, province, level = pool[int(rng.integers(0, len(pool)))]
        start = YEAR_START + dt.timedelta(days=int(admitted[i]))
        end = start + dt.timedelta(days=int(los[i]))
        claim_id = first_id + i
        items = _items(level, ownership, int(los[i]), int(icu_days[i]), bool(has_ct[i]))
        made = _lines(items, line_id, claim_id, str(who[i]), fac, start, ownership)
        lines.extend(made)
        line_id += len(made)
        asked = allowed_sum = sum(int(x[12]) for x in made)  # type: ignore[call-overload]
        copay_sum = sum(int(x[13]) for x in made)  # type: ignore[call-overload]
        submitted_on = end + dt.timedelta(days=int(rng.integers(1, 20)))
        at = dt.datetime.combine(submitted_on, dt.time(7, 0), tzinfo=dt.UTC)
        digest = hashlib.sha256(f"epidemic:{seed}:{i}".encode()).hexdigest()
        claims.append((
            claim_id, fac, province, f"{DOCUMENT_PREFIX}{i + 1:07d}", str(who[i]), True, None,
            "inpatient", start, end, f"{dx[i]};J12.8" if pneumonia[i] else str(dx[i]), None,
            None, "approved", digest, at, submitted_on, at + dt.timedelta(days=10), asked,
            allowed_sum, copay_sum, allowed_sum - copay_sum, 0, "", 0, 0, None,
        ))  # fmt: skip
    conn = session.connection()
    bulk.load(conn, "claims", CLAIM_COLUMNS, claims)
    bulk.load(conn, "claim_lines", LINE_COLUMNS, lines)
    bulk.reset_sequences(conn, ["claims", "claim_lines"])
    say(f"{len(claims):,} COVID-19 admissions, {len(lines):,} claim lines")
    issued = _issue_statements(session, sorted({jalali_month(c[9]) for c in claims}))  # type: ignore[arg-type]
    return Loaded(len(claims), issued)


CLAIM_COLUMNS = (
    "id", "facility_id", "province_id", "document_number", "national_id", "nid_valid",
    "practitioner_council_number", "visit_type", "admission_date", "discharge_date",
    "diagnoses", "referral_ref", "prescription_ref", "status", "content_hash", "submitted_at",
    "submitted_on", "adjudicated_at", "asked_rials", "allowed_rials", "copay_rials",
    "insurer_rials", "deducted_rials", "review_reason", "advance_rials", "paid_rials", "paid_at",
)  # fmt: skip
LINE_COLUMNS = (
    "id", "claim_id", "line_no", "national_id", "facility_id", "item_type", "code",
    "service_date", "quantity", "unit_price_rials", "outcome", "asked_rials", "allowed_rials",
    "copay_rials", "insurer_rials", "deducted_rials", "reasons",
)  # fmt: skip
