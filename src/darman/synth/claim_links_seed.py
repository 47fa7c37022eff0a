"""The e-prescriptions, dispensings, family-physician panels and referrals behind the demo's
synthetic claims, so the claims rules R10 and R11 read real links.

``prescriptions_seed`` writes the prescriptions and what was dispensed of them,
``referrals_seed`` the panels and the referrals, both from the registry as
``claim_links_registry`` reads it. Rows are bulk-built and deterministic for a seed and
day; the caller commits.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

import numpy as np
import pyarrow as pa
from sqlalchemy.orm import Session

from darman.db import bulk
from darman.db.base import utcnow
from darman.synth import claim_links_registry, prescriptions_seed, referrals_seed


@dataclass
class Links:
    """Per claim id: the tracking code and the referral number the claim cites (or none)."""

    prescription_ref: dict[int, str] = field(default_factory=dict)
    referral_ref: dict[int, str] = field(default_factory=dict)
    counts: dict[str, int] = field(default_factory=dict)


def build(
    session: Session,
    *,
    lines: pa.Table,
    dispensed: pa.Table,
    referred: pa.Table,
    referral_provinces: tuple[int, ...],
    seed: int,
    enrolled_from: dt.date,
    today: dt.date,
) -> Links:
    """Write the rows described in the module docstring for the synthetic claims
    ``lines`` (the kernel layout), whose drugs ``dispensed`` (prescription_ref,
    national_id, code, quantity) were handed out, and whose claims in ``referred``
    (ref_number ``RF<claim id>``, national_id, issued_on, valid_until) name a referral.
    Panel enrolments spread over the year before ``enrolled_from``; ``today`` is the
    seeding day the referrals' feedback is read on."""
    # The steps draw from one generator in a fixed order: reordering them changes
    # every seed's rows.
    rng = np.random.default_rng([seed, 2024])
    conn = session.connection()
    now = utcnow()
    links = Links()
    world = claim_links_registry.read(session)
    rx = prescriptions_seed.issue(rng, world, lines, dispensed, now, links.prescription_ref)
    prescriptions_seed.load(conn, rx)
    panel_of, panel_rows, enrol_rows = referrals_seed.enrol(
        rng, world, referred, referral_provinces, now, enrolled_from
    )
    referrals_seed.load_panels(conn, panel_rows, enrol_rows)
    ref_rows = referrals_seed.refer(
        rng, world, panel_of, lines, referred, now, today, links.referral_ref
    )
    referrals_seed.load_referrals(conn, ref_rows)
    bulk.reset_sequences(
        conn,
        ["prescriptions", "prescription_lines", "prescription_findings",
         "prescription_dispensings", "panels", "panel_enrolments", "referral_orders"],
    )  # fmt: skip
    links.counts = {
        "prescriptions": len(rx.prescriptions), "prescription_lines": len(rx.lines),
        "prescription_dispensings": len(rx.dispensings), "panels": len(panel_rows),
        "panel_enrolments": len(enrol_rows), "referral_orders": len(ref_rows),
    }  # fmt: skip
    return links
