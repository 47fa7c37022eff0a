"""The frequency rule (R07): a line of a frequency-limited service is too soon when a line
of the same person and service that counts lies less than the service's limit (in days)
from it.

Only lines the insurer pays for count, accepted or partially accepted:
  - lines accepted by earlier runs (``history``) count whether they lie before or after
    the line, so filing the later-dated claim first dodges nothing;
  - within a run the lines are decided by service date, earliest first (line id among
    lines of one day): a line counts when no other rule rejects it, no earlier run's line
    is near it and no line of the run that counts lies within the limit before it. A
    line rejected for any reason, R07 itself included, counts for nothing, so a chain
    restarts: A counts, B within the limit of A does not, and C within the limit of B
    but not of A counts.
Which lines count in a run is a scan in date order, each decision resting on the one
before: no window or join can say it. Most people have one line of a service in a run,
and that line counts unless an earlier run's line is near; only people with several such
lines are scanned, one Python call per person and service over their lines in order.

Pure Ibis over the kernel's input tables (column lists in ``kernel``); the scan is an
Ibis Python function, which Ibis registers with the backend when it runs the kernel
(DuckDB, or Spark, whose executors then need Darman installed).
"""

from __future__ import annotations

import ibis
import ibis.expr.types as ir

EPOCH = ibis.date(1970, 1, 1)


def limited_code_lines(lines: ir.Table, services: ir.Table) -> ir.Table:
    """The lines, of any item type, whose code is a frequency-limited service's.
    (``distinct`` drops nothing, line ids being unique: it has DuckDB compute these lines
    once for their several readers instead of scanning every line again for each.)"""
    limited = services.filter(services.frequency_days.notnull()).select(s_code="code")
    return lines.semi_join(limited, lines.code == limited.s_code).distinct()


def subject_lines(lines: ir.Table, services: ir.Table) -> ir.Table:
    """The service lines of frequency-limited services, with the limit in days."""
    limited = services.filter(services.frequency_days.notnull()).select(
        s_code="code", l_days="frequency_days"
    )
    served = lines.filter((lines.item_type == "service") & lines.service_date.notnull())
    return served.join(limited, served.code == limited.s_code).select(
        "line_id", "national_id", "code", "service_date", "l_days"
    )


def _near_history(subject: ir.Table, services: ir.Table, history: ir.Table) -> ir.Table:
    """line_id of subject lines with a line accepted by an earlier run of the same person
    and service less than the limit before or after them."""
    limited = services.filter(services.frequency_days.notnull()).select(l_code="code")
    longest = services.frequency_days.max()
    # only earlier lines within the longest limit of the run's dates can be near one of
    # its lines: accepted lines pile up run after run, and the join reads only these
    past = history.join(limited, history.code == limited.l_code)
    past = past.filter(
        (subject.service_date.min().delta(past.service_date, unit="day") < longest)
        & (past.service_date.delta(subject.service_date.max(), unit="day") < longest)
    ).select(p_nid="national_id", p_code="code", p_date="service_date")
    gap = subject.service_date.delta(past.p_date, unit="day")
    near = subject.join(
        past,
        [
            subject.national_id == past.p_nid,
            subject.code == past.p_code,
            gap < subject.l_days,
            -gap < subject.l_days,
        ],
    )
    return near.select(n_line=near.line_id).distinct()


# One candidate of a scan: its day (since 1970) and line id. The scan gets a person's
# candidates as one unordered list of these and puts them in order itself: an ordered
# collect (``collect(order_by=...)``) does not compile on Spark, and two lists collected
# side by side are not promised to keep their rows paired.
CANDIDATE = "struct<day: int64, line_id: int64>"


@ibis.udf.scalar.python(signature=((f"array<{CANDIDATE}>", "int64"), "array<int64>"))
def counted_in_order(candidates: list, limit: int) -> list[int]:
    """Of one person's lines of one service that no other rule rejects (``candidates``,
    each with its ``day`` since 1970 and ``line_id``, in any order), the ids of those that
    count, taken in date and line order: each one at least ``limit`` days after the last
    that counted before it. (A candidate is read by field name, which both a mapping and
    a Spark row answer.)"""
    counted: list[int] = []
    last: int | None = None
    for day, line_id in sorted((c["day"], c["line_id"]) for c in candidates):
        if last is None or day - last >= limit:
            counted.append(line_id)
            last = day
    return counted


def _counted(s: ir.Table) -> ir.Table:
    """c_line: the candidates among the subject lines ``s`` (no other rule rejects them
    and no earlier run's line is near) that count. A person's only candidate of a
    service counts; several are scanned in order. (``s`` is read as it is, not through a
    filter, so that every reader shares one computation of it.)"""
    per = s.group_by(["national_id", "code"]).aggregate(
        n=s.count(where=s.candidate), only=s.line_id.min(where=s.candidate)
    )
    single = per.filter(per.n == 1).select(c_line="only")
    several = per.filter(per.n > 1).select(m_nid="national_id", m_code="code")
    # only the candidates of people with several are scanned
    rows = s.join(several, [s.national_id == several.m_nid, s.code == several.m_code])
    rows = rows.filter(rows.candidate)
    candidate = ibis.struct(
        {"day": rows.service_date.delta(EPOCH, unit="day"), "line_id": rows.line_id}
    )
    scans = rows.group_by(["national_id", "code"]).aggregate(
        candidates=candidate.collect(), l_days=rows.l_days.max()
    )
    counted = counted_in_order(scans.candidates, scans.l_days)
    scanned = scans.select(c_line=counted.unnest())
    return single.union(scanned)


def too_soon_lines(
    subject: ir.Table, rejected: ir.Table, services: ir.Table, history: ir.Table
) -> ir.Table:
    """q_line: the lines of ``subject_lines`` that R07 rejects. ``rejected`` (r_line,
    r_other) says for each line whether a rule other than R07 and R08 rejects it: a line
    R08 rejects repeats one that counts on its own day, so it is too soon anyway.

    A line is too soon when an earlier run's line is within the limit either side of it,
    or a line of this run that counts is within the limit before it (in date and line
    order). A line another rule rejects is reported too soon as well where it is: every
    reason that applies is given."""
    near = _near_history(subject, services, history)
    s = subject.join(rejected, subject.line_id == rejected.r_line)
    s = s.left_join(near, s.line_id == near.n_line)
    s = s.select("line_id", "national_id", "code", "service_date", "l_days", "r_other", "n_line")
    # Its own projection after the join: Ibis compiles a join of a join's result as one
    # longer join, a second copy of the first, but a projection read twice is computed once
    s = s.mutate(near=s.n_line.notnull(), candidate=~s.r_other & s.n_line.isnull())
    counted = _counted(s)
    s = s.left_join(counted, s.line_id == counted.c_line)
    is_counted = s.c_line.notnull()
    so_far = ibis.cumulative_window(
        group_by=[s.national_id, s.code], order_by=[s.service_date, s.line_id]
    )
    # the last counted day up to this line; a line that counts is never too soon itself
    last = ibis.ifelse(is_counted, s.service_date, ibis.null("date")).max().over(so_far)
    s = s.mutate(is_counted=is_counted, last_counted=last)
    soon = ~s.is_counted & (s.near | (s.service_date.delta(s.last_counted, unit="day") < s.l_days))
    return s.filter(ibis.coalesce(soon, False)).select(q_line="line_id")
