"""The adjudication rules that look past the line itself: at the person's other lines
(duplicates R08), at referrals (R10) and at dispensed e-prescriptions (R11). Each returns
the few lines that fail it (R11: the drug lines short of their dispensing, whether the
programme was in force being judged on the main chain), so what the kernel joins back to
every line is one small table (``marked_lines``). The duplicate rule and the frequency
rule (R07, ``kernel_frequency``) count only lines no rule rejects, so the kernel decides
the lines they look at first.

Pure Ibis over the kernel's input tables (column lists in ``kernel``).
"""

from __future__ import annotations

import ibis
import ibis.expr.types as ir
from ibis import _


def referral_lines(lines: ir.Table, services: ir.Table) -> ir.Table:
    """The service lines of services that need a referral."""
    special = services.filter(ibis.coalesce(services.requires_referral, False)).select(
        s_code="code"
    )
    served = lines.filter(lines.item_type == "service")
    return served.join(special, served.code == special.s_code).select(
        "line_id", "national_id", "service_date", "province_id", "referral_ref"
    )


def programme_starts(rollouts: ir.Table) -> ir.Table:
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


def short_drug_lines(lines: ir.Table, dispensings: ir.Table) -> ir.Table:
    """line_id of drug lines not covered by what was dispensed on the claim's prescription
    to the same person: lines of one drug use the dispensed quantity up in line order.
    Whether the e-prescription programme was in force for the line is the kernel's to
    judge, where it has the line's province and date.

    One aggregate over the drug lines and the dispensings together gives, per
    (prescription, person, drug), what the lines ask and what was given. Nearly every
    such group has one line, which is short exactly when its group is; only the few short
    groups of several lines are joined back to their lines to use the quantity up in
    order. A group that is not short has no short line because quantities are never
    negative (submission refuses a quantity below 1), so every running sum is at most the
    group's total.
    """
    key = ["prescription_ref", "national_id", "code"]
    none = ibis.null("int64")
    drug = lines.filter(lines.item_type == "drug")
    asked = drug.select(*key, "line_id", q_line=drug.quantity, q_given=none)
    # a dispensing with a missing key matches no line, as in an equi-join
    given = dispensings.filter(
        dispensings.prescription_ref.notnull()
        & dispensings.national_id.notnull()
        & dispensings.code.notnull()
    ).select(*key, line_id=none, q_line=none, q_given="quantity")
    both = asked.union(given)
    per = both.group_by(key).aggregate(
        first=both.line_id.min(),
        last=both.line_id.max(),
        used=both.q_line.sum(),
        # null where nothing was dispensed: then every line of the group is short
        g_qty=both.q_given.sum(),
    )
    short = per.filter(per.g_qty.isnull() | (per.g_qty < per.used))
    single = short.filter(short.first == short.last).select(u_line="last")
    many = short.filter(short.first < short.last).select(
        m_ref="prescription_ref", m_nid="national_id", m_code="code", m_qty="g_qty"
    )
    # the lines are read afresh, not through `drug`: a relation read twice is materialised
    again = lines.filter(lines.item_type == "drug").select("line_id", "quantity", *key)
    hit = again.join(
        many,
        [
            again.prescription_ref.identical_to(many.m_ref),
            again.national_id.identical_to(many.m_nid),
            again.code.identical_to(many.m_code),
        ],
    )
    so_far = ibis.cumulative_window(
        group_by=[hit.m_ref, hit.m_nid, hit.m_code], order_by=hit.line_id
    )
    hit = hit.select("line_id", "m_qty", used=hit.quantity.sum().over(so_far))
    in_order = hit.filter(hit.m_qty.isnull() | (hit.m_qty < hit.used)).select(u_line="line_id")
    return single.union(in_order)


def unreferred_lines(need: ir.Table, referrals: ir.Table, starts: ir.Table) -> ir.Table:
    """line_id of service lines (``referral_lines``) that need a referral, where the
    referral programme is in force in the line's province on its service date, and name no
    referral issued to the same person and valid on that date."""
    need = need.join(starts, need.province_id == starts.r_province)
    need = need.filter(need.referral_from <= need.service_date)
    # referral numbers are unique: a plain lookup, checked against person and dates
    refs = referrals.select(
        f_ref="ref_number", f_nid="national_id", f_from="issued_on", f_to="valid_until"
    )
    need = need.left_join(refs, need.referral_ref == refs.f_ref)
    valid = (
        (need.f_nid == need.national_id)
        & (need.f_from <= need.service_date)
        & (need.f_to >= need.service_date)
    )
    return need.filter(~ibis.coalesce(valid, False)).select("line_id", "referral_bypass")


KEY = ("national_id", "facility_id", "code", "service_date")


def _keyed(lines: ir.Table, history: ir.Table, paid: ir.Value) -> ir.Table:
    """The (person, facility, code, date) key of every line and of every earlier accepted
    line that can share one, with ``past`` (an earlier run's line) and ``paid_line``
    (``paid``, the line id where the line is paid for; null for earlier runs' lines)."""
    # a null facility, code or date never makes a duplicate
    present = (_.facility_id.notnull()) & (_.code.notnull()) & (_.service_date.notnull())
    batch = lines.filter(present).select(*KEY, past=ibis.literal(False), paid_line=paid)
    # an earlier line can only repeat a key on a date the batch has
    on_batch_dates = history.service_date.between(
        lines.service_date.min(), lines.service_date.max()
    )
    past = history.filter(on_batch_dates).select(
        *KEY, past=ibis.literal(True), paid_line=ibis.null("int64")
    )
    return past.filter(present).union(batch)


def repeated_keys(lines: ir.Table, history: ir.Table) -> ir.Table:
    """The (person, facility, code, date) keys that appear more than once among the
    earlier accepted lines and this batch: k_nid, k_fac, k_code, k_date. Only the few
    repeated keys are carried out of the aggregate over every line."""
    both = _keyed(lines, history, ibis.null("int64"))
    counted = both.group_by(KEY).aggregate(n=both.count())
    return counted.filter(counted.n > 1).select(
        k_nid="national_id", k_fac="facility_id", k_code="code", k_date="service_date"
    )


def repeating_lines(lines: ir.Table, repeated: ir.Table) -> ir.Table:
    """The lines of the repeated keys (``repeated_keys``)."""
    return lines.semi_join(
        repeated,
        [
            lines.national_id == repeated.k_nid,
            lines.facility_id == repeated.k_fac,
            lines.code == repeated.k_code,
            lines.service_date == repeated.k_date,
        ],
    )


def duplicate_lines(lines: ir.Table, history: ir.Table, rejected: ir.Table) -> ir.Table:
    """d_line: the lines that repeat a line the insurer pays for (R08). ``lines`` holds
    every line of the repeated keys (``repeating_lines``), so their keys are found again
    among them, a small aggregate; ``rejected`` (r_line, r_rejected) says for each line
    whether a rule other than R08 rejects it.

    Only accepted and partially accepted lines are repeated: every line of a key an earlier
    run accepted, and, within the run, the lines after the first of their key that no
    other rule rejects. Lines of one key share their date, so they are taken in line
    order; one rejected for another reason repeats nothing and is repeated by nothing.
    (A line without a national ID is always rejected, R03, so it is neither.)
    """
    x = lines.join(rejected, lines.line_id == rejected.r_line)
    x = x.select(*KEY, "line_id", "r_rejected")
    both = _keyed(x, history, ibis.ifelse(x.r_rejected, ibis.null("int64"), x.line_id))
    # per key: whether an earlier run accepted a line of it, and the first line of the
    # run that is paid for
    keys = both.group_by(KEY).aggregate(
        k_past=both.past.any(), k_paid=both.paid_line.min(), n=both.count()
    )
    keys = keys.filter(keys.n > 1).select(
        "k_past",
        "k_paid",
        k_nid="national_id",
        k_fac="facility_id",
        k_code="code",
        k_date="service_date",
    )
    hit = x.join(
        keys,
        [
            x.national_id == keys.k_nid,
            x.facility_id == keys.k_fac,
            x.code == keys.k_code,
            x.service_date == keys.k_date,
        ],
    )
    repeats = hit.k_past | ibis.coalesce(hit.line_id > hit.k_paid, False)
    return hit.filter(repeats).select(d_line="line_id")


MARKED = ("R07", "R08", "R10", "R11")


def marked_lines(
    lines: ir.Table,
    *,
    services: ir.Table,
    referrals: ir.Table,
    short: ir.Table,
    starts: ir.Table,
    too_soon: ir.Table | None,
    duplicates: ir.Table | None,
) -> ir.Table:
    """The few lines that break a rule needing other lines or programme data: too soon
    after the same service (R07: ``too_soon``, found by ``kernel_frequency``), a repeat
    of a line the insurer pays for (R08: ``duplicates``, ``duplicate_lines``), a missing
    referral (R10), or short of what was dispensed (R11: ``short``, ``short_drug_lines``
    of all the lines; it counts only where the kernel finds the programme in force). R07
    and R08 rest on other lines' decisions: None where those are not known yet. One
    small table, so the main chain needs one join for all four. ``starts`` is
    ``programme_starts`` of the rollouts, which the kernel also reads for R11."""
    found = {
        "R10": unreferred_lines(referral_lines(lines, services), referrals, starts),
        "R11": short.select(m_line="u_line"),
    }
    if too_soon is not None:
        found["R07"] = too_soon.select(m_line="q_line")
    if duplicates is not None:
        found["R08"] = duplicates.select(m_line="d_line")
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
