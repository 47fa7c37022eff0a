"""The adjudication kernel: a pure function from input tables to one decision per line.

Written as an Ibis expression, so it runs on DuckDB in process and, unchanged,
on Spark when one machine is not enough. Every window is partitioned by the
insured person and every reference table is small enough to broadcast, so
partitioning the lines by national ID partitions the work.

Inputs (column: type):
  lines        line_id, claim_id, facility_id, province_id, national_id, nid_valid,
               visit_type, admission_date, discharge_date, submitted_date, item_type, code,
               service_date, quantity (never negative), unit_price, referral_ref,
               prescription_ref
  facilities   facility_id, level, ownership
  insured      national_id, sex, birth_date
  coverage     national_id, start_date, end_date (null = open)
  services     code, min_level, sex_limit, min_age, max_age, frequency_days, max_per_claim,
               requires_referral
  drugs        code, covered, max_quantity, price
  tariffs      code, year, level, ownership, amount
  calendar     province_id, day, fiscal_year, filing_deadline_days   (policy by date:
               one national row, province_id null, per day; plus one row per province and
               day on which that province's own deadline is in force, which wins)
  history      national_id, facility_id, code, service_date   (lines accepted earlier)
  copay_rates  province_id, visit_type, ownership, percent, valid_from, valid_to
               (province_id null: national; a province's rate in force wins; periods of
               one (province_id, visit_type, ownership) never overlap: rules.policy_tables)
  referrals    ref_number, national_id, issued_on, valid_until
  dispensings  prescription_ref, national_id, code, quantity
  rollouts     province_id, programme (referral | eprescription), active_from,
               bypass_copay_percent (referral rows: null rejects a missing referral (R10);
               a percent pays the visit with the patient's share raised to it (D03))
Output: line_id, asked, allowed, copay, insurer, deducted, reasons, outcome.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import ibis
import ibis.expr.types as ir

from darman.claims.kernel_checks import (
    duplicate_lines,
    marked_lines,
    programme_starts,
    repeated_keys,
    repeating_lines,
    short_drug_lines,
)
from darman.claims.kernel_frequency import limited_code_lines, subject_lines, too_soon_lines

REJECT_CODES = (
    "R01",
    "R02",
    "R03",
    "R04",
    "R05",
    "R06",
    "R07",
    "R08",
    "R09",
    "R10",
    "R11",
    "R12",
)
DEDUCT_CODES = ("D01", "D02", "D03")


@dataclass(frozen=True)
class KernelInputs:
    lines: ir.Table
    facilities: ir.Table
    insured: ir.Table
    coverage: ir.Table
    services: ir.Table
    drugs: ir.Table
    tariffs: ir.Table
    calendar: ir.Table
    history: ir.Table
    copay_rates: ir.Table
    referrals: ir.Table
    dispensings: ir.Table
    rollouts: ir.Table


def _items(services: ir.Table, drugs: ir.Table) -> ir.Table:
    """Services and drugs as one catalogue keyed by (item_type, code): one join per line."""
    null_int = ibis.null("int64")
    svc = services.select(
        s_type=ibis.literal("service"),
        s_code="code",
        s_service=ibis.literal(True),
        min_level="min_level",
        sex_limit="sex_limit",
        min_age="min_age",
        max_age="max_age",
        frequency_days="frequency_days",
        max_qty="max_per_claim",
        requires_referral="requires_referral",
        uncovered=ibis.literal(False),
        d_price=null_int,
    )
    drg = drugs.select(
        s_type=ibis.literal("drug"),
        s_code="code",
        s_service=ibis.literal(False),
        min_level=null_int,
        sex_limit=ibis.null("string"),
        min_age=null_int,
        max_age=null_int,
        frequency_days=null_int,
        max_qty="max_quantity",
        requires_referral=ibis.literal(False),
        uncovered=ibis.coalesce(~drugs.covered, False),
        d_price="price",
    )
    return svc.union(drg)


# an open coverage period is given a far end, so "covered on the date" is two comparisons
OPEN_END = ibis.date(2999, 12, 31)


def _periods(coverage: ir.Table) -> ir.Table:
    """Coverage periods that can cover a date: one without a start never does."""
    return coverage.filter(coverage.start_date.notnull()).select(
        "national_id", "start_date", end_date=coverage.end_date.fill_null(OPEN_END)
    )


def _coverage_summary(coverage: ir.Table) -> ir.Table:
    """Per person: how many periods, and the first and last of them. Periods of one person
    never overlap (the registry refuses it), so the earliest start and the earliest end
    belong to the same period, and so do the latest start and the latest end."""
    periods = _periods(coverage)
    return periods.group_by(c_nid=periods.national_id).aggregate(
        i_periods=periods.count(),
        i_from1=periods.start_date.min(),
        i_to1=periods.end_date.min(),
        i_from2=periods.start_date.max(),
        i_to2=periods.end_date.max(),
    )


def _people(insured: ir.Table, summary: ir.Table) -> ir.Table:
    """One row per insured person with their first and last coverage period and how many
    they have. Nearly everyone has one or two, so a line finds its person and its
    coverage in one lookup instead of two joins on the national ID; at most one period
    covers a date."""
    ins = insured.select(i_nid="national_id", i_sex="sex", i_birth="birth_date")
    joined = ins.left_join(summary, ins.i_nid == summary.c_nid)
    return joined.select(
        "i_nid",
        "i_sex",
        "i_birth",
        "i_from1",
        "i_to1",
        "i_from2",
        "i_to2",
        i_periods=ibis.coalesce(joined.i_periods, 0),
    )


def _middle_periods(coverage: ir.Table, summary: ir.Table) -> ir.Table:
    """Every period of the people with more than two, whose middle periods the person
    row does not hold."""
    periods = _periods(coverage)
    many = summary.filter(summary.i_periods > 2).select(m_nid="c_nid")
    rows = periods.join(many, periods.national_id == many.m_nid)
    return rows.select(e_nid="national_id", e_from="start_date", e_to="end_date")


def adjudicate(t: KernelInputs) -> ir.Table:
    """Decide every line: amounts in integer rials and every reason code that applies."""
    # The chain works in stages, each ending in a projection that turns the columns just
    # joined into the flags they decide and drops them: every later join then carries a
    # few booleans instead of the columns behind them. (`.view()` closes a stage; Ibis
    # would otherwise fold the next join into the previous chain and refuse the
    # projection's columns in its predicates.)
    return decide(t, first_pass(t))


@dataclass(frozen=True)
class FirstPass:
    """What the first pass decides for the full one: ``too_soon`` (q_line) the lines R07
    rejects, ``duplicates`` (d_line) those R08 rejects, and ``short`` R11's drug lines
    short of their dispensing, which both passes read."""

    short: ir.Table
    too_soon: ir.Table
    duplicates: ir.Table


def first_pass(t: KernelInputs) -> FirstPass:
    """R07 and R08 count only the lines the insurer pays for, so they need the other
    rules' decisions first. A first pass decides the few lines they look at alone: the
    lines of frequency-limited codes and those of repeated keys. Every other rule decides
    a line from the line itself and its person, or, R11, from what all the lines ask of a
    prescription, which both passes share; so the first pass decides its lines as the full
    pass does. Feeding the full pass's own decisions back into it would compile as a
    second copy of the whole chain, every aggregate over all the lines run twice.
    ``adjudicate`` is ``decide(t, first_pass(t))``; a backend that does not share a
    relation read several times (Spark inlines it at every reader) can materialise these
    small tables in between."""
    repeated = repeated_keys(t.lines, t.history)
    short = short_drug_lines(t.lines, t.dispensings)
    first = _first_pass_inputs(t, repeated)
    first_facts = _facts(_chain(first, short, too_soon=None, duplicates=None))
    others = _rejected_by_other_rules(first_facts)
    # R07 first: a line R08 rejects repeats a paid line of its day, so it lies within
    # that line's limit and R07 counts it no more than R08 does (limits are a day or
    # more); R08 then needs R07's decisions, which can reject the first line of a key
    too_soon = too_soon_lines(subject_lines(first.lines, t.services), others, t.services, t.history)
    rejected = others.left_join(too_soon, others.r_line == too_soon.q_line).select(
        "r_line", r_rejected=others.r_other | too_soon.q_line.notnull()
    )
    duplicates = duplicate_lines(first.lines, t.history, rejected)
    return FirstPass(short=short, too_soon=too_soon, duplicates=duplicates)


def decide(t: KernelInputs, first: FirstPass) -> ir.Table:
    """Every line decided, given what the first pass decided (``first_pass``)."""
    chain = _chain(t, first.short, too_soon=first.too_soon, duplicates=first.duplicates)
    return _decide(_facts(chain))


def _first_pass_inputs(t: KernelInputs, repeated: ir.Table) -> KernelInputs:
    """The inputs cut down to the lines R07 and R08 look at (``repeated`` are the
    repeated keys) and their people's rows and coverage. (The first pass reads no
    dispensings: R11's short lines come from all the lines, ``short_drug_lines``.)"""
    # a line can be both; `distinct` also has DuckDB compute these lines once for their
    # several readers
    lines = limited_code_lines(t.lines, t.services).union(
        repeating_lines(t.lines, repeated), distinct=True
    )
    people = lines.select(p_nid="national_id").distinct()
    return replace(
        t,
        lines=lines,
        insured=t.insured.semi_join(people, t.insured.national_id == people.p_nid),
        coverage=t.coverage.semi_join(people, t.coverage.national_id == people.p_nid),
    )


def _chain(
    t: KernelInputs,
    short: ir.Table,
    *,
    too_soon: ir.Table | None,
    duplicates: ir.Table | None,
) -> ir.Table:
    """The three stages; ``short`` the drug lines short of their dispensing (R11),
    ``too_soon`` and ``duplicates`` the lines R07 and R08 reject, where they are known."""
    x = _person_stage(t, _line_stage(t))
    return _cross_line_stage(t, x, short, too_soon, duplicates)


def _rejected_by_other_rules(facts: ir.Table) -> ir.Table:
    """r_line, r_other: whether a rule other than R07 and R08, the rules that rest on
    other lines' decisions, rejects the line."""
    other = ibis.literal(False)
    for code in REJECT_CODES:
        if code not in ("R07", "R08"):
            other = other | facts[code]
    return facts.select(r_line=facts.line_id, r_other=other)


def _line_stage(t: KernelInputs) -> ir.Table:
    """Stage 1: the line itself, its facility, catalogue entry and calendar days; decides
    R01, R05, R09 and R12."""
    lines = t.lines
    fac = t.facilities.select(f_id="facility_id", f_level="level", f_ownership="ownership")
    items = _items(t.services, t.drugs)
    # Date-dependent policy comes from a per-day calendar: equi-joins, not range joins.
    national_days = t.calendar.filter(t.calendar.province_id.isnull())
    on_service = national_days.select(fy_day="day", fy_year="fiscal_year")
    on_submit = national_days.select(dl_day="day", dl_days="filing_deadline_days")
    province_days = t.calendar.filter(t.calendar.province_id.notnull()).select(
        pd_province="province_id", pd_day="day", pd_days="filing_deadline_days"
    )
    x = lines.select(
        "line_id",
        "facility_id",
        "national_id",
        "nid_valid",
        "item_type",
        "code",
        "service_date",
        "submitted_date",
        "province_id",
        "visit_type",
        "quantity",
        "unit_price",
        r09_own=(lines.service_date > lines.submitted_date)
        | (
            (lines.visit_type == "inpatient")
            & (
                (lines.service_date < lines.admission_date)
                | (lines.service_date > lines.discharge_date)
            )
        ),
    )
    x = x.left_join(fac, x.facility_id == fac.f_id)
    x = x.left_join(items, [x.item_type == items.s_type, x.code == items.s_code])
    x = x.left_join(on_service, x.service_date == on_service.fy_day)
    x = x.left_join(on_submit, x.submitted_date == on_submit.dl_day)
    x = x.left_join(
        province_days,
        [x.province_id == province_days.pd_province, x.submitted_date == province_days.pd_day],
    )
    # s_service is null for a code the catalogue does not know, so it answers "a known
    # service" without comparing the item type's text again on every line; a line of an
    # unknown code is rejected (R01), so what its tariff would have been never counts.
    known_service = ibis.coalesce(x.s_service, False)
    days_late = x.submitted_date.delta(x.service_date, unit="day")
    return x.select(
        "line_id",
        "national_id",
        "nid_valid",
        "service_date",
        "province_id",
        "visit_type",
        "quantity",
        "unit_price",
        "f_level",
        "f_ownership",
        "fy_year",
        "max_qty",
        "d_price",
        "sex_limit",
        "min_age",
        "max_age",
        known_service=known_service,
        svc_key=ibis.ifelse(known_service, x.code, ibis.null(x.code.type())),
        # every catalogue row has s_service, so it is null only for an unknown code
        R01=x.s_service.isnull(),
        # only services have a minimum level, an age or sex limit, and an uncovered flag
        # only drugs
        R05=ibis.coalesce(x.min_level > x.f_level, False),
        R09=ibis.coalesce(x.r09_own | (days_late > ibis.coalesce(x.pd_days, x.dl_days)), False),
        R12=ibis.coalesce(x.uncovered, False),
    ).view()


def _person_stage(t: KernelInputs, x: ir.Table) -> ir.Table:
    """Stage 2: tariff, person and coverage; decides R02, R03, R04 and R06. Lookup keys
    are null where they do not apply, so every join is a plain equi-join (a condition on
    one side only would turn a hash join into a nested loop)."""
    tar = t.tariffs.select(
        t_code="code", t_year="year", t_level="level", t_ownership="ownership", t_amount="amount"
    )
    x = x.left_join(
        tar,
        [
            x.svc_key == tar.t_code,
            x.fy_year == tar.t_year,
            x.f_level == tar.t_level,
            x.f_ownership == tar.t_ownership,
        ],
    )
    summary = _coverage_summary(t.coverage)
    people = _people(t.insured, summary)
    x = x.left_join(people, x.national_id == people.i_nid)
    # only people with more than two periods look further; everyone else's key is null
    extra = _middle_periods(t.coverage, summary)
    no_key = ibis.null(x.national_id.type())
    x = x.mutate(many_key=ibis.ifelse(x.i_periods > 2, x.national_id, no_key)).view()
    x = x.left_join(
        extra,
        [
            x.many_key == extra.e_nid,
            extra.e_from <= x.service_date,
            extra.e_to >= x.service_date,
        ],
    )
    # i_periods is never null on a person's row, so it says whether the line found one
    # without carrying the ID itself out of the join
    found = x.i_periods.notnull()
    covered = (
        ((x.i_from1 <= x.service_date) & (x.i_to1 >= x.service_date))
        | ((x.i_from2 <= x.service_date) & (x.i_to2 >= x.service_date))
        | x.e_nid.notnull()
    )
    age = (
        x.service_date.year()
        - x.i_birth.year()
        - ibis.ifelse(
            (x.service_date.month() < x.i_birth.month())
            | (
                (x.service_date.month() == x.i_birth.month())
                & (x.service_date.day() < x.i_birth.day())
            ),
            1,
            0,
        )
    )
    return x.select(
        "line_id",
        "service_date",
        "province_id",
        "visit_type",
        "quantity",
        "unit_price",
        "f_ownership",
        "max_qty",
        "known_service",
        "R01",
        "R05",
        "R09",
        "R12",
        # a tariff is found for services only, a drug price only on drugs
        ref_price=ibis.coalesce(x.t_amount, x.d_price),
        R02=x.known_service & x.t_amount.isnull(),
        R03=ibis.coalesce(~x.nid_valid | ~found, False),
        R04=found & ~ibis.coalesce(covered, False),
        R06=ibis.coalesce(
            found
            & (
                (x.sex_limit.notnull() & (x.sex_limit != x.i_sex))
                | ibis.ifelse(
                    x.min_age.notnull() | x.max_age.notnull(),
                    (x.min_age.notnull() & (age < x.min_age))
                    | (x.max_age.notnull() & (age > x.max_age)),
                    False,
                )
            ),
            False,
        ),
    ).view()


def _cross_line_stage(
    t: KernelInputs,
    x: ir.Table,
    short: ir.Table,
    too_soon: ir.Table | None,
    duplicates: ir.Table | None,
) -> ir.Table:
    """Stage 3: the cross-line marks (R07 and R08 where ``too_soon`` and ``duplicates``
    are given, R10, R11), the programme starts in the line's province and the copayment
    rate."""
    lines = t.lines
    starts = programme_starts(t.rollouts)
    marked = marked_lines(
        lines,
        services=t.services,
        referrals=t.referrals,
        short=short,
        starts=starts,
        too_soon=too_soon,
        duplicates=duplicates,
    )
    x = x.left_join(marked, x.line_id == marked.m_line)
    # R11 applies where the e-prescription programme is in force in the line's province
    # on its service date: judged here, where every line has both
    e_starts = starts.select("r_province", "eprescription_from")
    x = x.left_join(e_starts, x.province_id == e_starts.r_province)
    # Copayment: a rate for the line's province in force on the service date wins over
    # the national one. policy_tables leaves no overlapping periods for one key, so each
    # join matches at most one rate.
    national_cp = t.copay_rates.filter(t.copay_rates.province_id.isnull()).select(
        p_visit="visit_type",
        p_ownership="ownership",
        p_percent="percent",
        p_from="valid_from",
        p_to="valid_to",
    )
    x = x.left_join(
        national_cp,
        [
            x.visit_type == national_cp.p_visit,
            x.f_ownership == national_cp.p_ownership,
            national_cp.p_from <= x.service_date,
            national_cp.p_to >= x.service_date,
        ],
    )
    province_cp = t.copay_rates.filter(t.copay_rates.province_id.notnull()).select(
        pp_province="province_id",
        pp_visit="visit_type",
        pp_ownership="ownership",
        pp_percent="percent",
        pp_from="valid_from",
        pp_to="valid_to",
    )
    x = x.left_join(
        province_cp,
        [
            x.province_id == province_cp.pp_province,
            x.visit_type == province_cp.pp_visit,
            x.f_ownership == province_cp.pp_ownership,
            province_cp.pp_from <= x.service_date,
            province_cp.pp_to >= x.service_date,
        ],
    )
    return x


def _facts(x: ir.Table) -> ir.Table:
    """Every reject flag and every fact the amounts need, one column each."""
    flags = {
        "R01": x.R01,
        "R02": x.R02,
        "R03": x.R03,
        "R04": x.R04,
        "R05": x.R05,
        "R06": x.R06,
        # a line without a mark found no row in the marks' join; only known services'
        # lines are ever too soon (``kernel_frequency.subject_lines``)
        "R07": ibis.coalesce(x.m07, False),
        "R08": ibis.coalesce(x.m08, False),
        "R09": x.R09,
        "R10": ibis.coalesce(x.m10 & x.m_bypass.isnull(), False),
        "R11": ibis.coalesce(x.m11 & (x.eprescription_from <= x.service_date), False),
        "R12": x.R12,
    }
    # Every fact the amounts need, as plain columns. Each later step reads
    # columns, so the compiled SQL computes a flag once instead of inlining it into
    # every amount that depends on it.
    return x.select(
        line_id=x.line_id,
        quantity=x.quantity,
        unit_price=x.unit_price,
        ref_price=x.ref_price,
        max_qty=x.max_qty,
        percent=ibis.coalesce(x.pp_percent, x.p_percent, 0),
        bypass=ibis.ifelse(ibis.coalesce(x.m10, False), x.m_bypass, ibis.null("int64")),
        **flags,
    )


def _decide(facts: ir.Table) -> ir.Table:
    """The decision, the allowed amount, the patient's share and the reasons."""
    rejected = ibis.literal(False)
    for code in REJECT_CODES:
        rejected = rejected | facts[code]
    over_price = facts.ref_price.notnull() & (facts.unit_price > facts.ref_price)
    over_qty = facts.max_qty.notnull() & (facts.quantity > facts.max_qty)
    # The decision and the allowed amount.
    decided = facts.mutate(
        rejected=rejected,
        D01=~rejected & over_price,
        D02=~rejected & over_qty,
        D03=~rejected & facts.bypass.notnull(),
        asked=facts.quantity * facts.unit_price,
        allowed=ibis.ifelse(
            rejected,
            0,
            ibis.ifelse(over_price, facts.ref_price, facts.unit_price)
            * ibis.ifelse(over_qty, facts.max_qty, facts.quantity),
        ),
    )
    # The patient's share, rounded half up in whole rials. Ibis compiles `//` as
    # FLOOR over a floating-point division, which can be one off for very large amounts;
    # the remainder, exact in integers, puts the quotient back where it belongs.
    share = ibis.ifelse(
        decided.D03 & (decided.bypass > decided.percent), decided.bypass, decided.percent
    )
    scaled = decided.mutate(x=decided.allowed * share + 50)
    y = scaled.mutate(q=(scaled.x // 100).cast("int64"))
    # the copayment is read twice below (copay and insurer); DuckDB computes a repeated
    # expression of one projection once, so it needs no projection of its own
    rest = y.x - y.q * 100
    copay = ibis.cases((rest < 0, y.q - 1), (rest >= 100, y.q + 1), else_=y.q)
    codes = (*REJECT_CODES, *DEDUCT_CODES)
    # the reject codes are already folded into `rejected`: four terms instead of fifteen
    touched = y.rejected | y.D01 | y.D02 | y.D03
    # Most lines pass clean: build the reasons text only for the others
    # (concat_ws skips nulls: one call instead of a dozen concatenations).
    reasons = ibis.ifelse(
        touched,
        ibis.literal(";").join([ibis.ifelse(y[c], c, ibis.null("string")) for c in codes]),
        "",
    )
    outcome = ibis.cases(
        (y.rejected, "rejected"),
        (y.D01 | y.D02 | y.D03, "partial"),
        else_="accepted",
    )
    return y.select(
        line_id=y.line_id,
        asked=y.asked.cast("int64"),
        allowed=y.allowed.cast("int64"),
        copay=copay.cast("int64"),
        insurer=(y.allowed - copay).cast("int64"),
        deducted=(y.asked - y.allowed).cast("int64"),
        reasons=reasons,
        outcome=outcome,
    )
