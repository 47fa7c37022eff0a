"""The adjudication rules that look past the line itself: at the person's other lines
(frequency R07, duplicates R08), at referrals (R10) and at dispensed e-prescriptions
(R11). Each check returns only the line ids that fail it, so what the kernel joins back
to every line is one small table (``marked_lines``).

Pure Ibis over the kernel's input tables (column lists in ``kernel``).
"""

from __future__ import annotations

import ibis
import ibis.expr.types as ir
from ibis import _


def special_lines(lines: ir.Table, services: ir.Table) -> ir.Table:
    """The lines of services with a frequency limit or a referral requirement, with both
    facts: one pass over all the lines serves the frequency and the referral checks."""
    special = services.filter(
        services.frequency_days.notnull() | services.requires_referral
    ).select(
        s_code="code",
        l_days="frequency_days",
        needs_referral=ibis.coalesce(services.requires_referral, False),
    )
    return lines.join(special, lines.code == special.s_code).select(
        "line_id",
        "national_id",
        "code",
        "item_type",
        "service_date",
        "province_id",
        "referral_ref",
        "l_days",
        "needs_referral",
    )


def too_soon_lines(special: ir.Table, services: ir.Table, history: ir.Table) -> ir.Table:
    """line_id of lines of frequency-limited services (among ``special_lines``) that come
    sooner than the service's limit after the same person's previous line of it (earlier
    accepted lines first, then this batch in date and line order)."""
    limited = services.filter(services.frequency_days.notnull()).select(
        l_code="code", l_days="frequency_days"
    )
    batch = special.filter(special.l_days.notnull()).select(
        "national_id", "code", "service_date", "l_days", line_id=_.line_id, src=ibis.literal(1)
    )
    # Only history that can come right before a batch line and be close enough to it
    # counts: none after the batch's last date (it sorts after every batch line) and none
    # more than the longest limit before its first (too far to be too soon; it can only
    # precede the first row kept). Earlier accepted lines pile up run after run, so the
    # window sorts what this batch can reach, not all of them.
    past = history.join(limited, history.code == limited.l_code)
    longest = ibis.greatest(limited.l_days.max(), 0)
    past = past.filter(
        (past.service_date <= batch.service_date.max())
        & (batch.service_date.min().delta(past.service_date, unit="day") <= longest)
    ).select(
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


def undispensed_lines(lines: ir.Table, dispensings: ir.Table, starts: ir.Table) -> ir.Table:
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


def unreferred_lines(special: ir.Table, referrals: ir.Table, starts: ir.Table) -> ir.Table:
    """line_id of service lines (among ``special_lines``) that need a referral, where the
    referral programme is in force in the line's province on its service date, and name no
    referral issued to the same person and valid on that date."""
    need = special.filter(special.needs_referral & (special.item_type == "service"))
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


def duplicate_lines(lines: ir.Table, history: ir.Table) -> ir.Table:
    """line_id of every line whose (person, facility, code, date) was accepted before or
    appears on a line with a smaller id in this batch.

    Most repeated keys appear twice, and then the line that repeats is the key's largest
    line id, known from the aggregate itself; only keys seen three times or more are
    joined back to the lines to find the rest.
    """
    keys = ["national_id", "facility_id", "code", "service_date"]
    # a null facility, code or date never makes a duplicate; a null person is one person
    present = (_.facility_id.notnull()) & (_.code.notnull()) & (_.service_date.notnull())
    batch = lines.select(*keys, "line_id").filter(present)
    # an earlier line can only repeat a key on a date the batch has
    on_batch_dates = history.service_date.between(
        lines.service_date.min(), lines.service_date.max()
    )
    past = history.filter(on_batch_dates).select(*keys, line_id=ibis.literal(-1, type="int64"))
    past = past.filter(present)
    counted = (
        past.union(batch)
        .group_by(keys)
        .aggregate(first_line=_.line_id.min(), last_line=_.line_id.max(), n=_.count())
    )
    pairs = counted.filter(counted.n == 2).select(line_id="last_line")
    crowded = counted.filter(counted.n > 2).rename(
        k_nid="national_id", k_fac="facility_id", k_code="code", k_date="service_date"
    )
    hit = batch.join(
        crowded,
        [
            batch.national_id.identical_to(crowded.k_nid),
            batch.facility_id == crowded.k_fac,
            batch.code == crowded.k_code,
            batch.service_date == crowded.k_date,
        ],
    )
    return pairs.union(hit.filter(hit.line_id != hit.first_line).select("line_id"))


MARKED = ("R07", "R08", "R10", "R11")


def marked_lines(
    lines: ir.Table,
    *,
    services: ir.Table,
    history: ir.Table,
    referrals: ir.Table,
    dispensings: ir.Table,
    rollouts: ir.Table,
) -> ir.Table:
    """The few lines that break a rule needing other lines or programme data: too soon
    after the same service (R07), a duplicate (R08), a missing referral (R10), or no
    dispensing (R11). One small table, so the main chain needs one join for all four."""
    starts = programme_starts(rollouts)
    special = special_lines(lines, services)
    found = {
        "R07": too_soon_lines(special, services, history).select(m_line="q_line"),
        "R08": duplicate_lines(lines, history).select(m_line="line_id"),
        "R10": unreferred_lines(special, referrals, starts),
        "R11": undispensed_lines(lines, dispensings, starts).select(m_line="u_line"),
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
