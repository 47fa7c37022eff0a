"""The adjudication kernel: a pure function from input tables to one decision per line.

Written as an Ibis expression, so it runs on DuckDB in process and, unchanged,
on Spark when one machine is not enough. Every window is partitioned by the
insured person and every reference table is small enough to broadcast, so
partitioning the lines by national ID partitions the work.

Inputs (column: type):
  lines        line_id, claim_id, facility_id, province_id, national_id, nid_valid,
               visit_type, admission_date, discharge_date, submitted_date, item_type, code,
               service_date, quantity, unit_price, referral_ref, prescription_ref
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

from dataclasses import dataclass

import ibis
import ibis.expr.types as ir
from ibis import _

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


def _too_soon_lines(lines: ir.Table, services: ir.Table, history: ir.Table) -> ir.Table:
    """line_id of lines of frequency-limited services that come sooner than the service's
    limit after the same person's previous line of it (earlier accepted lines first, then
    this batch in date and line order). Only those lines are returned, so the join back
    builds a small table."""
    limited = services.filter(services.frequency_days.notnull()).select(
        l_code="code", l_days="frequency_days"
    )
    batch = lines.join(limited, lines.code == limited.l_code).select(
        "national_id", "code", "service_date", "l_days", line_id=_.line_id, src=ibis.literal(1)
    )
    past = history.join(limited, history.code == limited.l_code).select(
        "national_id",
        "code",
        "service_date",
        "l_days",
        line_id=ibis.literal(-1, type="int64"),
        src=ibis.literal(0),
    )
    both = past.union(batch)
    by_code = ibis.window(
        group_by=["national_id", "code"], order_by=["service_date", "src", "line_id"]
    )
    marked = both.mutate(prev_date=both.service_date.lag().over(by_code))
    return marked.filter(
        (marked.src == 1)
        & marked.prev_date.notnull()
        & (marked.service_date.delta(marked.prev_date, unit="day") < marked.l_days)
    ).select(q_line="line_id")


def _programme_starts(rollouts: ir.Table) -> ir.Table:
    """One row per province: since when each programme's rule is in force there."""

    def since(programme: str) -> ir.Value:
        return ibis.ifelse(
            rollouts.programme == programme, rollouts.active_from, ibis.null("date")
        ).min()

    bypass = ibis.ifelse(
        rollouts.programme == "referral", rollouts.bypass_copay_percent, ibis.null("int64")
    ).max()
    return (
        rollouts.group_by("province_id")
        .aggregate(
            referral_from=since("referral"),
            eprescription_from=since("eprescription"),
            referral_bypass=bypass,
        )
        .rename(r_province="province_id")
    )


def _undispensed_lines(lines: ir.Table, dispensings: ir.Table, starts: ir.Table) -> ir.Table:
    """line_id of drug lines, where the e-prescription programme is in force in the line's
    province on its service date, not covered by what was dispensed on the claim's
    prescription to the same person: lines of one drug use the dispensed quantity up in
    line order. Only those lines are returned, so the join back builds a small table."""
    disp = (
        dispensings.group_by(["prescription_ref", "national_id", "code"])
        .aggregate(g_qty=_.quantity.sum())
        .rename(g_ref="prescription_ref", g_nid="national_id", g_code="code")
    )
    drug = lines.filter(lines.item_type == "drug")
    so_far = ibis.cumulative_window(
        group_by=[drug.prescription_ref, drug.national_id, drug.code], order_by=drug.line_id
    )
    drug = drug.select(
        "line_id",
        "prescription_ref",
        "national_id",
        "code",
        "province_id",
        "service_date",
        used=drug.quantity.sum().over(so_far),
    )
    looked_up = drug.left_join(
        disp,
        [
            drug.prescription_ref == disp.g_ref,
            drug.national_id == disp.g_nid,
            drug.code == disp.g_code,
        ],
    )
    short = looked_up.filter(looked_up.g_qty.isnull() | (looked_up.g_qty < looked_up.used))
    gated = short.join(starts, short.province_id == starts.r_province)
    return gated.filter(gated.eprescription_from <= gated.service_date).select(u_line="line_id")


def _unreferred_lines(lines: ir.Table, services: ir.Table, t: KernelInputs) -> ir.Table:
    """line_id of service lines that need a referral, where the referral programme is in
    force in the line's province on its service date, and name no referral issued to the
    same person and valid on that date. Lines of other services drop out at the first
    join, so the rest of the work is on a few lines."""
    gated = services.filter(services.requires_referral).select(n_code="code")
    need = lines.filter(lines.item_type == "service").select(
        "line_id", "code", "national_id", "service_date", "province_id", "referral_ref"
    )
    need = need.join(gated, need.code == gated.n_code)
    starts = _programme_starts(t.rollouts)
    need = need.join(starts, need.province_id == starts.r_province)
    need = need.filter(need.referral_from <= need.service_date)
    # referral numbers are unique: a plain lookup, checked against person and dates
    refs = t.referrals.select(
        f_ref="ref_number", f_nid="national_id", f_from="issued_on", f_to="valid_until"
    )
    need = need.left_join(refs, need.referral_ref == refs.f_ref)
    valid = (
        (need.f_nid == need.national_id)
        & (need.f_from <= need.service_date)
        & (need.f_to >= need.service_date)
    )
    return need.filter(~ibis.coalesce(valid, False)).select("line_id", "referral_bypass")


def _person_number(table: ir.Table) -> ir.Table:
    """The national ID as two key columns: a 10-digit ID as a number (``nid_num``), any
    other text as itself (``nid_text``, otherwise null). Grouping ten million lines by a
    number is much cheaper than by text, and no two different IDs share a key."""
    canonical = table.national_id.re_search(r"^[0-9]{10}$")
    return table.mutate(
        nid_num=ibis.ifelse(canonical, table.national_id.cast("int64"), ibis.null("int64")),
        nid_text=ibis.ifelse(canonical, ibis.null("string"), table.national_id),
    ).drop("national_id")


def _duplicate_lines(lines: ir.Table, history: ir.Table) -> ir.Table:
    """line_id of every line whose (person, facility, code, date) was accepted before or
    appears on a line with a smaller id in this batch.

    Keys are counted first and only repeated ones are joined back, so the join builds a
    small table and carries only the key columns.
    """
    keys = ["nid_num", "nid_text", "facility_id", "code", "service_date"]
    batch = _person_number(
        lines.select("national_id", "facility_id", "code", "service_date", "line_id")
    )
    past = _person_number(
        history.select(
            "national_id",
            "facility_id",
            "code",
            "service_date",
            line_id=ibis.literal(-1, type="int64"),
        )
    )
    counted = past.union(batch).group_by(keys).aggregate(first_line=_.line_id.min(), n=_.count())
    repeated = counted.filter(counted.n > 1).rename(
        k_num="nid_num",
        k_text="nid_text",
        k_fac="facility_id",
        k_code="code",
        k_date="service_date",
    )
    hit = batch.join(
        repeated,
        [
            batch.nid_num.identical_to(repeated.k_num),
            batch.nid_text.identical_to(repeated.k_text),
            batch.facility_id == repeated.k_fac,
            batch.code == repeated.k_code,
            batch.service_date == repeated.k_date,
        ],
    )
    return hit.filter(hit.line_id != hit.first_line).select("line_id")


MARKED = ("R07", "R08", "R10", "R11")


def _marked_lines(lines: ir.Table, t: KernelInputs) -> ir.Table:
    """The few lines that break a rule needing other lines or programme data: too soon
    after the same service (R07), a duplicate (R08), a missing referral (R10), or no
    dispensing (R11). One small table, so the main chain needs one join for all four."""
    starts = _programme_starts(t.rollouts)
    found = {
        "R07": _too_soon_lines(lines, t.services, t.history).select(m_line="q_line"),
        "R08": _duplicate_lines(lines, t.history).select(m_line="line_id"),
        "R10": _unreferred_lines(lines, t.services, t),
        "R11": _undispensed_lines(lines, t.dispensings, starts).select(m_line="u_line"),
    }
    parts = [
        table.select(
            m_line=table.columns[0],
            **{f"m{c[1:]}": ibis.literal(1 if c == code else 0) for c in MARKED},
            # the province's referral-bypass copayment, carried with the R10 mark
            m_bypass=table.referral_bypass if code == "R10" else ibis.null("int64"),
        )
        for code, table in found.items()
    ]
    both = parts[0]
    for part in parts[1:]:
        both = both.union(part)
    return both.group_by("m_line").aggregate(
        **{f"m{c[1:]}": both[f"m{c[1:]}"].max() == 1 for c in MARKED},
        m_bypass=both.m_bypass.max(),
    )


def _items(services: ir.Table, drugs: ir.Table) -> ir.Table:
    """Services and drugs as one catalogue keyed by (item_type, code): one join per line."""
    null_int = ibis.null("int64")
    svc = services.select(
        s_type=ibis.literal("service"),
        s_code="code",
        min_level="min_level",
        sex_limit="sex_limit",
        min_age="min_age",
        max_age="max_age",
        frequency_days="frequency_days",
        max_qty="max_per_claim",
        requires_referral="requires_referral",
        d_covered=ibis.literal(True),
        d_price=null_int,
    )
    drg = drugs.select(
        s_type=ibis.literal("drug"),
        s_code="code",
        min_level=null_int,
        sex_limit=ibis.null("string"),
        min_age=null_int,
        max_age=null_int,
        frequency_days=null_int,
        max_qty="max_quantity",
        requires_referral=ibis.literal(False),
        d_covered="covered",
        d_price="price",
    )
    return svc.union(drg)


def adjudicate(t: KernelInputs) -> ir.Table:
    """Decide every line: amounts in integer rials and every reason code that applies."""
    lines = t.lines
    fac = t.facilities.select(f_id="facility_id", f_level="level", f_ownership="ownership")
    ins = t.insured.select(i_nid="national_id", i_sex="sex", i_birth="birth_date")
    items = _items(t.services, t.drugs)
    # Date-dependent policy comes from a per-day calendar: equi-joins, not range joins.
    national_days = t.calendar.filter(t.calendar.province_id.isnull())
    on_service = national_days.select(fy_day="day", fy_year="fiscal_year")
    on_submit = national_days.select(dl_day="day", dl_days="filing_deadline_days")
    province_days = t.calendar.filter(t.calendar.province_id.notnull()).select(
        pd_province="province_id", pd_day="day", pd_days="filing_deadline_days"
    )
    # An open coverage period is given a far end, so the join is an equi-join plus a
    # filter; periods of one person never overlap (the registry refuses it), so a line
    # matches at most one period.
    periods = t.coverage.select(
        c_nid="national_id",
        c_from="start_date",
        c_to=t.coverage.end_date.fill_null(ibis.date(2999, 12, 31)),
    )

    x = lines.left_join(fac, lines.facility_id == fac.f_id)
    x = x.left_join(ins, x.national_id == ins.i_nid)
    x = x.left_join(items, [x.item_type == items.s_type, x.code == items.s_code])
    x = x.left_join(on_service, x.service_date == on_service.fy_day)
    x = x.left_join(on_submit, x.submitted_date == on_submit.dl_day)
    x = x.left_join(
        province_days,
        [x.province_id == province_days.pd_province, x.submitted_date == province_days.pd_day],
    )
    tar = t.tariffs.select(
        t_code="code", t_year="year", t_level="level", t_ownership="ownership", t_amount="amount"
    )
    # Lookup keys are null where they do not apply, so every join is a plain equi-join
    # (a condition on one side only would turn a hash join into a nested loop).
    x = x.mutate(svc_key=ibis.ifelse(x.item_type == "service", x.code, ibis.null("string")))
    x = x.left_join(
        tar,
        [
            x.svc_key == tar.t_code,
            x.fy_year == tar.t_year,
            x.f_level == tar.t_level,
            x.f_ownership == tar.t_ownership,
        ],
    )
    x = x.left_join(
        periods,
        [
            x.national_id == periods.c_nid,
            periods.c_from <= x.service_date,
            periods.c_to >= x.service_date,
        ],
    )
    marked = _marked_lines(lines, t)
    x = x.left_join(marked, x.line_id == marked.m_line)
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

    is_service = x.item_type == "service"
    is_drug = x.item_type == "drug"
    known_code = x.s_code.notnull()
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
    days_late = x.submitted_date.delta(x.service_date, unit="day")
    flags = {
        "R01": ~known_code,
        "R02": is_service & known_code & x.t_amount.isnull(),
        "R03": ~x.nid_valid | x.i_nid.isnull(),
        "R04": x.i_nid.notnull() & x.c_nid.isnull(),
        "R05": is_service & (x.min_level > x.f_level),
        "R06": is_service
        & x.i_nid.notnull()
        & (
            (x.sex_limit.notnull() & (x.sex_limit != x.i_sex))
            # the age is worked out only for the few services with an age limit
            | ibis.ifelse(
                x.min_age.notnull() | x.max_age.notnull(),
                (x.min_age.notnull() & (age < x.min_age))
                | (x.max_age.notnull() & (age > x.max_age)),
                False,
            )
        ),
        "R07": is_service & x.m07,
        "R08": x.m08,
        "R09": (x.service_date > x.submitted_date)
        | (
            (x.visit_type == "inpatient")
            & ((x.service_date < x.admission_date) | (x.service_date > x.discharge_date))
        )
        | (days_late > ibis.coalesce(x.pd_days, x.dl_days)),
        # where the province pays a bypass at a higher copayment, not a rejection
        "R10": x.m10 & x.m_bypass.isnull(),
        "R11": x.m11,
        "R12": is_drug & known_code & ~x.d_covered,
    }
    # Stage 1: every fact the amounts need, as plain columns. Each later stage reads
    # columns, so the compiled SQL computes a flag once instead of inlining it into
    # every amount that depends on it.
    facts = x.select(
        line_id=x.line_id,
        quantity=x.quantity,
        unit_price=x.unit_price,
        ref_price=ibis.ifelse(is_service, x.t_amount, x.d_price),
        max_qty=x.max_qty,
        percent=ibis.coalesce(x.pp_percent, x.p_percent, 0),
        bypass=ibis.ifelse(ibis.coalesce(x.m10, False), x.m_bypass, ibis.null("int64")),
        **{code: ibis.coalesce(expr, False) for code, expr in flags.items()},
    )
    rejected = ibis.literal(False)
    for code in REJECT_CODES:
        rejected = rejected | facts[code]
    over_price = facts.ref_price.notnull() & (facts.unit_price > facts.ref_price)
    over_qty = facts.max_qty.notnull() & (facts.quantity > facts.max_qty)
    # Stage 2: the decision and the allowed amount.
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
    # Stage 3: the patient's share, rounded half up in whole rials. Ibis compiles `//` as
    # FLOOR over a floating-point division, which can be one off for very large amounts;
    # the remainder, exact in integers, puts the quotient back where it belongs.
    share = ibis.ifelse(
        decided.D03 & (decided.bypass > decided.percent), decided.bypass, decided.percent
    )
    scaled = decided.mutate(x=decided.allowed * share + 50)
    scaled = scaled.mutate(q=(scaled.x // 100).cast("int64"))
    shared = scaled.mutate(
        copay=ibis.cases(
            (scaled.x - scaled.q * 100 < 0, scaled.q - 1),
            (scaled.x - scaled.q * 100 >= 100, scaled.q + 1),
            else_=scaled.q,
        )
    ).drop("x", "q")
    y = shared
    codes = (*REJECT_CODES, *DEDUCT_CODES)
    touched = ibis.literal(False)
    for code in codes:
        touched = touched | y[code]
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
        copay=y.copay.cast("int64"),
        insurer=(y.allowed - y.copay).cast("int64"),
        deducted=(y.asked - y.allowed).cast("int64"),
        reasons=reasons,
        outcome=outcome,
    )
