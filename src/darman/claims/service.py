"""Claims use cases: submit, read within scope, adjudicate what is pending."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc
from sqlalchemy import ColumnElement, Select, and_, column, func, select, text, tuple_
from sqlalchemy import table as sql_table
from sqlalchemy.orm import Session

from darman.claims import decisions, engine, policy, rules, turn
from darman.claims import search as claim_search
from darman.claims.enums import ClaimStatus
from darman.claims.models import Claim, ClaimLine, ProgrammeRollout
from darman.claims.schemas import ClaimIn, ClaimRead, LineRead
from darman.claims.search import ClaimSearch
from darman.claims.submission import Stored, store_batch
from darman.common.errors import Conflict, InvalidInput, NotFound
from darman.common.paging import Page, PageParams, page_of
from darman.common.persian import format_number
from darman.db import bulk
from darman.prescriptions import dispensing as prescription_dispensing
from darman.registry import scope
from darman.registry.models import CoveragePeriod, Drug, Facility, Insured, Service, Tariff
from darman.security.principal import Principal


def submit(session: Session, who: Principal, *, claim: ClaimIn) -> Stored:
    """Store one claim idempotently; raises InvalidInput or Conflict naming the field."""
    stored = store_batch(session, who, [(1, claim)])[0]
    if stored.problem is not None:
        error = Conflict if stored.claim_id is not None else InvalidInput
        raise error(stored.problem.reason, [stored.problem])
    return stored


def in_scope(query: Any, who: Principal) -> Any:
    """Restrict a claims query to the caller: its facility, its province, or everything."""
    return scope.restrict(query, who, province=Claim.province_id, facility=Claim.facility_id)


def _line_read(line: ClaimLine) -> LineRead:
    codes = [c for c in line.reasons.split(";") if c]
    return LineRead(
        line_no=line.line_no,
        item_type=line.item_type,
        code=line.code,
        service_date=line.service_date,
        quantity=line.quantity,
        unit_price_rials=line.unit_price_rials,
        outcome=line.outcome,
        asked_rials=line.asked_rials,
        allowed_rials=line.allowed_rials,
        copay_rials=line.copay_rials,
        insurer_rials=line.insurer_rials,
        deducted_rials=line.deducted_rials,
        reasons=codes,
        reasons_fa=[rules.REASON_BY_CODE[c].label_fa for c in codes if c in rules.REASON_BY_CODE],
    )


def _claim_read(session: Session, claim: Claim, *, with_lines: bool) -> ClaimRead:
    lines = None
    if with_lines:
        rows = session.scalars(
            select(ClaimLine).where(ClaimLine.claim_id == claim.id).order_by(ClaimLine.line_no)
        ).all()
        lines = [_line_read(r) for r in rows]
    return ClaimRead(
        id=claim.id,
        facility_id=claim.facility_id,
        document_number=claim.document_number,
        national_id=claim.national_id,
        visit_type=claim.visit_type,
        status=claim.status,
        submitted_at=claim.submitted_at,
        asked_rials=claim.asked_rials,
        allowed_rials=claim.allowed_rials,
        copay_rials=claim.copay_rials,
        insurer_rials=claim.insurer_rials,
        deducted_rials=claim.deducted_rials,
        lines=lines,
    )


def get_claim(session: Session, who: Principal, *, claim_id: int) -> ClaimRead:
    """A claim with its lines and the Persian reason of each deduction; NotFound outside scope."""
    claim = session.scalar(in_scope(select(Claim).where(Claim.id == claim_id), who))
    if claim is None:
        raise NotFound(f"no claim {claim_id} in your scope")
    return _claim_read(session, claim, with_lines=True)


def claims_by_id(session: Session, who: Principal, *, claim_ids: list[int]) -> list[ClaimRead]:
    """These claims (without lines) in the order asked, leaving out any outside the scope."""
    if not claim_ids:
        return []
    rows = session.scalars(in_scope(select(Claim).where(Claim.id.in_(claim_ids)), who)).all()
    found = {c.id: _claim_read(session, c, with_lines=False) for c in rows}
    return [found[i] for i in claim_ids if i in found]


def list_claims(
    session: Session,
    who: Principal,
    *,
    page: PageParams,
    status: str | None = None,
    facility_id: int | None = None,
    search: ClaimSearch | None = None,
) -> Page[ClaimRead]:
    """The claims in the caller's scope, newest first, narrowed by ``search`` (which the
    scope filter precedes, so a search never reaches outside the scope)."""
    query = in_scope(select(Claim), who)
    if search is not None:
        query = claim_search.narrow(query, search)
    if status:
        query = query.where(Claim.status == status)
    if facility_id:
        query = query.where(Claim.facility_id == facility_id)
    return page_of(
        session, query, page, Claim.id.desc(), lambda c: _claim_read(session, c, with_lines=False)
    )


# ----------------------------------------------------------- adjudication
def _table(session: Session, query: Any, schema: pa.Schema) -> pa.Table:
    # straight into Arrow columns on the session's own transaction (COPY on PostgreSQL)
    return bulk.read_arrow(session.connection(), query, schema)


def _people_of(session: Session, lines: pa.Table) -> Select[str]:
    """The distinct national IDs of ``lines``, loaded into a temporary table (bulk, on the
    caller's transaction) and returned as a select of it. The registers are then read
    for these people by one semi-join each, instead of re-deriving the people from the
    pending lines in every query (a join of the whole backlog, four times over)."""
    conn = session.connection()
    pg = conn.dialect.name == "postgresql"
    conn.execute(
        text(
            "CREATE TEMPORARY TABLE IF NOT EXISTS adj_people (national_id VARCHAR(10) PRIMARY KEY)"
        )
    )
    conn.execute(text("TRUNCATE adj_people" if pg else "DELETE FROM adj_people"))
    bulk.load_arrow(conn, "adj_people", pa.table({"national_id": pc.unique(lines["national_id"])}))
    if pg:
        conn.execute(text("ANALYZE adj_people"))
    return select(column("national_id")).select_from(sql_table("adj_people"))


def _theirs(register: Select[Any, Any, Any, Any], people: Select[str]) -> Select[Any]:
    """A register's rows of ``people`` only (by its national_id column)."""
    rows = register.subquery()
    return select(rows).where(rows.c.national_id.in_(people))


def _reference_tables(
    session: Session,
    reach: tuple[dt.date, dt.date],
    referrals: Select[str, str, dt.date, dt.date],
    people: Select[str],
) -> dict[str, pa.Table]:
    """The kernel's tables besides the lines; ``reach`` the first and last service day of
    an accepted line that can count for them (the frequency rule looks both ways). What
    is kept per person (insured, coverage, history, referrals, dispensings) is read for
    ``people`` only, the people of the lines being decided: every rule joins those tables
    on the line's national ID, so another person's rows never change a decision, and a
    batch of a few hundred claims reads a few hundred people instead of the whole register
    (seconds at the demo's 420,000 insured)."""
    s, i64, d = pa.string(), pa.int64(), pa.date32()
    copay, calendar = policy.kernel_tables(session)
    return {
        "facilities": _table(
            session,
            select(Facility.id, Facility.level, Facility.ownership),
            pa.schema([("facility_id", i64), ("level", i64), ("ownership", s)]),
        ),
        "insured": _table(
            session,
            select(Insured.national_id, Insured.sex, Insured.birth_date).where(
                Insured.national_id.in_(people)
            ),
            pa.schema([("national_id", s), ("sex", s), ("birth_date", d)]),
        ),
        "coverage": _table(
            session,
            select(Insured.national_id, CoveragePeriod.start_date, CoveragePeriod.end_date)
            .join(Insured, Insured.id == CoveragePeriod.insured_id)
            .where(Insured.national_id.in_(people)),
            pa.schema([("national_id", s), ("start_date", d), ("end_date", d)]),
        ),
        "services": _table(
            session,
            select(
                Service.code,
                Service.min_level,
                Service.sex_limit,
                Service.min_age,
                Service.max_age,
                Service.frequency_days,
                Service.max_per_claim,
                # specialist visits are the services the referral programme gates
                (Service.category == "visit") & (Service.min_level >= 2),
            ),
            pa.schema(
                [
                    ("code", s),
                    ("min_level", i64),
                    ("sex_limit", s),
                    ("min_age", i64),
                    ("max_age", i64),
                    ("frequency_days", i64),
                    ("max_per_claim", i64),
                    ("requires_referral", pa.bool_()),
                ]
            ),
        ),
        "drugs": _table(
            session,
            select(Drug.generic_code, Drug.covered, Drug.max_quantity, Drug.price_rials),
            pa.schema(
                [("code", s), ("covered", pa.bool_()), ("max_quantity", i64), ("price", i64)]
            ),
        ),
        "tariffs": _table(
            session,
            select(
                Service.code, Tariff.year, Tariff.level, Tariff.ownership, Tariff.amount_rials
            ).join(Service, Service.id == Tariff.service_id),
            pa.schema(
                [
                    ("code", s),
                    ("year", pa.int32()),
                    ("level", i64),
                    ("ownership", s),
                    ("amount", i64),
                ]
            ),
        ),
        "history": _table(
            session,
            select(
                ClaimLine.national_id, ClaimLine.facility_id, ClaimLine.code, ClaimLine.service_date
            ).where(
                ClaimLine.outcome.in_(("accepted", "partial")),
                ClaimLine.service_date.between(*reach),
                ClaimLine.national_id.in_(people),
            ),
            engine.HISTORY_SCHEMA,
        ),
        "calendar": calendar,
        "copay_rates": copay,
        # the referral and e-prescription registers themselves, read through their domains
        "referrals": _table(
            session,
            _theirs(referrals, people),
            pa.schema(
                [("ref_number", s), ("national_id", s), ("issued_on", d), ("valid_until", d)]
            ),
        ),
        "dispensings": _table(
            session,
            _theirs(prescription_dispensing.dispensed_for_claims(), people),
            pa.schema(
                [("prescription_ref", s), ("national_id", s), ("code", s), ("quantity", i64)]
            ),
        ),
        "rollouts": _table(
            session,
            select(
                ProgrammeRollout.province_id,
                ProgrammeRollout.programme,
                ProgrammeRollout.active_from,
                ProgrammeRollout.bypass_copay_percent,
            ),
            pa.schema(
                [
                    ("province_id", i64),
                    ("programme", s),
                    ("active_from", d),
                    ("bypass_copay_percent", i64),
                ]
            ),
        ),
    }


LINE_SCHEMA = pa.schema(
    [
        ("line_id", pa.int64()),
        ("claim_id", pa.int64()),
        ("facility_id", pa.int64()),
        ("national_id", pa.string()),
        ("nid_valid", pa.bool_()),
        ("visit_type", pa.string()),
        ("admission_date", pa.date32()),
        ("discharge_date", pa.date32()),
        ("submitted_date", pa.date32()),
        ("item_type", pa.string()),
        ("code", pa.string()),
        ("service_date", pa.date32()),
        ("quantity", pa.int64()),
        ("unit_price", pa.int64()),
        ("province_id", pa.int64()),
        ("referral_ref", pa.string()),
        ("prescription_ref", pa.string()),
    ]
)
# the longest frequency limit the registry accepts (ServiceCreate.frequency_days)
LONGEST_FREQUENCY_DAYS = 3650


@dataclass(frozen=True)
class Partition:
    """A bounded slice of the backlog, decided in one transaction: the submitted claims from
    (day of submission, province) ``first`` to ``last``, both included, in that order;
    ``lines`` pending lines in all. Two comparisons per claim select it."""

    first: tuple[dt.date, int]
    last: tuple[dt.date, int]
    lines: int

    def predicate(self) -> ColumnElement[bool]:
        key = tuple_(Claim.submitted_on, Claim.province_id)
        return and_(key >= tuple_(*self.first), key <= tuple_(*self.last))


def pending_lines_query(
    claims: ColumnElement[bool] = Claim.status == ClaimStatus.SUBMITTED.value,
) -> Select[*tuple[Any, ...]]:
    """The lines of the claims ``claims`` selects (by default every submitted claim) with the
    columns the kernel reads, LINE_SCHEMA's, in its order."""
    return (
        select(
            ClaimLine.id,
            ClaimLine.claim_id,
            ClaimLine.facility_id,
            ClaimLine.national_id,
            Claim.nid_valid,
            Claim.visit_type,
            Claim.admission_date,
            Claim.discharge_date,
            Claim.submitted_on,
            ClaimLine.item_type,
            ClaimLine.code,
            ClaimLine.service_date,
            ClaimLine.quantity,
            ClaimLine.unit_price_rials,
            Claim.province_id,
            Claim.referral_ref,
            Claim.prescription_ref,
        )
        .join(Claim, Claim.id == ClaimLine.claim_id)
        .where(claims)
    )


def plan_partitions(session: Session, *, max_lines: int) -> list[Partition]:
    """The submitted claims cut into partitions of at most ``max_lines`` pending lines, in the
    order they are to be decided: by day of submission, then province. A partition holds
    whole claims and whole (day, province) groups: one group above ``max_lines`` is a
    partition of its own. One query counts the backlog's lines per day and province;
    nothing else of the backlog is read."""
    groups = session.execute(
        select(Claim.submitted_on, Claim.province_id, func.count())
        .join(ClaimLine, ClaimLine.claim_id == Claim.id)
        .where(Claim.status == ClaimStatus.SUBMITTED.value)
        .group_by(Claim.submitted_on, Claim.province_id)
        .order_by(Claim.submitted_on, Claim.province_id)
    ).all()
    partitions: list[Partition] = []
    first: tuple[dt.date, int] | None = None
    last: tuple[dt.date, int] | None = None
    size = 0
    for day, province_id, count in groups:
        if first is not None and last is not None and size + count > max_lines:
            partitions.append(Partition(first, last, size))
            first, size = None, 0
        if first is None:
            first = (day, province_id)
        last = (day, province_id)
        size += count
    if first is not None and last is not None:
        partitions.append(Partition(first, last, size))
    return partitions


def pending_tables(
    session: Session,
    *,
    referrals: Select[str, str, dt.date, dt.date],
    limit: int | None = None,
    partition: Partition | None = None,
) -> dict[str, pa.Table] | None:
    """Every table the kernel reads to decide the pending lines (``engine.TABLES``): the
    lines of every submitted claim, or with ``limit`` of the oldest ``limit`` submitted
    claims, or with ``partition`` of that partition's (``plan_partitions``), and the
    reference tables for them (``_reference_tables``); None when nothing is pending.
    ``referrals`` as for ``adjudicate_pending``, which decides what this gives; an export
    for another engine (``handoff``) writes the same tables."""
    session.flush()  # the reads below go past the ORM and must see its pending writes
    pending = Claim.status == ClaimStatus.SUBMITTED.value
    if partition is not None:
        pending = and_(pending, partition.predicate())
    if limit is not None:
        oldest = select(Claim.id).where(pending).order_by(Claim.id).limit(limit)
        pending = Claim.id.in_(oldest.scalar_subquery())
    lines = _table(session, pending_lines_query(pending), LINE_SCHEMA)
    if lines.num_rows == 0:
        return None
    days = pc.min_max(lines["service_date"]).as_py()
    longest = dt.timedelta(days=LONGEST_FREQUENCY_DAYS)
    # the lines' own national IDs, which the kernel reads (each line carries one)
    people = _people_of(session, lines)
    reach = (days["min"] - longest, days["max"] + longest)
    tables = _reference_tables(session, reach, referrals, people)
    tables["lines"] = lines
    return tables


def adjudicate_pending(
    session: Session,
    *,
    actor: str,
    referrals: Select[str, str, dt.date, dt.date],
    progress: Callable[[str], None] | None = None,
    limit: int | None = None,
    partition: Partition | None = None,
) -> decisions.AdjudicationRun:
    """Decide every line of every submitted claim with the kernel and write the results back;
    with ``limit``, of the oldest ``limit`` submitted claims only (a batch); with
    ``partition``, of that partition's submitted claims only (``plan_partitions``).

    ``referrals`` is the referral register as rule R10 reads it (number, national ID,
    issue day, last valid day): ``darman.referrals.reading.claims_register()``. The
    caller passes it in because the referral domain sits above claims (it reads claims'
    policy, rollouts and lines).

    Lines accepted or partially accepted earlier count for the duplicate check (R08)
    and, on either side of a line's date, for the frequency check (R07); within the run
    the lines are decided by service date, then line id, and only those no rule rejects
    count for either. Claims move from submitted to adjudicated with their totals.
    Deterministic: the same pending input gives the same decisions. The caller commits.

    Runs one at a time: the adjudication turn (``turn.take``) is taken first and held
    until the caller's transaction ends, so the claims read as pending below are the
    ones no other run has decided, and a run after it finds them decided: adjudicating
    twice changes nothing and writes no second audit entry.
    """
    say = progress or (lambda _msg: None)
    turn.take(session)
    tables = pending_tables(session, referrals=referrals, limit=limit, partition=partition)
    if tables is None:
        return decisions.AdjudicationRun(0, 0, 0, 0, 0)
    lines = tables["lines"]
    say(f"{format_number(lines.num_rows)} خط در انتظار رسیدگی خوانده شد")
    decided = engine.run(tables, ordered=False)
    say(f"برای {format_number(decided.num_rows)} خط تصمیم گرفته شد")
    return decisions.write_and_record(session, actor, lines, decided)
