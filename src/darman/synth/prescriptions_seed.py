"""The demo's e-prescriptions and their dispensings, for the synthetic claims with drug
lines (claims rule R11 reads them).

Every claim with drug lines cites a prescription its person was issued by a practitioner
of the claim's province, on the claim's first day, with one line per drug. Each
prescription passes ``prescriptions.rules.check`` against the person's earlier demo
prescriptions (lines a blocking check would refuse are left off, so the claim line then
has no dispensing, as in real life); moderate and minor interaction warnings are kept
as findings. What the claim says was dispensed is dispensed at the claim's facility
(or a pharmacy of its province), never beyond the prescribed quantity, as
``prescriptions.service.dispense`` records it. Rows are bulk-built and deterministic for
the generator they draw from.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field

import numpy as np
import pyarrow as pa
from sqlalchemy import Connection

from darman.db import bulk
from darman.prescriptions import rules
from darman.prescriptions.enums import LineKind
from darman.synth.claim_links_registry import ACTOR, World


@dataclass
class _Claimed:
    """One drug of a claim: the quantity claimed in all, the first day, the facility."""

    quantity: int
    first: dt.date
    facility: int


def _codes(rng: np.random.Generator, n: int, taken: set[str], prefix: str = "") -> list[str]:
    out: list[str] = []
    while len(out) < n:
        for row in rng.integers(0, len(rules.ALPHABET), (n - len(out), rules.BODY_LENGTH)):
            body = "".join(rules.ALPHABET[int(i)] for i in row)
            code = prefix + body + rules.check_character(body)
            if code not in taken:
                taken.add(code)
                out.append(code)
    return out


@dataclass(frozen=True)
class _ClaimDrugs:
    """The drugs of the claims: each claim's person, and per claim and drug code what
    its person's lines claimed."""

    nid: dict[int, str]
    drugs: dict[int, dict[str, _Claimed]]


def _claimed_drugs(lines: pa.Table) -> _ClaimDrugs:
    """A claim's person is its first line's; lines for anyone else are left out."""
    cols = {c: lines[c].to_pylist() for c in
            ("claim_id", "facility_id", "national_id", "item_type", "code", "quantity",
             "service_date")}  # fmt: skip
    claim_nid: dict[int, str] = {}
    drug_lines: dict[int, dict[str, _Claimed]] = {}
    for i, cid in enumerate(cols["claim_id"]):
        claim_nid.setdefault(cid, cols["national_id"][i])
        if cols["item_type"][i] != "drug" or cols["national_id"][i] != claim_nid[cid]:
            continue
        per = drug_lines.setdefault(cid, {})
        day = cols["service_date"][i]
        entry = per.setdefault(cols["code"][i], _Claimed(0, day, cols["facility_id"][i]))
        entry.quantity += cols["quantity"][i]
        entry.first = min(entry.first, day)
    return _ClaimDrugs(claim_nid, drug_lines)


def _given(dispensed: pa.Table) -> dict[tuple[int, str], int]:
    """The quantity dispensed per (claim id, drug code)."""
    given: dict[tuple[int, str], int] = defaultdict(int)
    for ref, code, q in zip(
        dispensed["prescription_ref"].to_pylist(), dispensed["code"].to_pylist(),
        dispensed["quantity"].to_pylist(), strict=True,
    ):  # fmt: skip
        given[(int(ref[2:]), code)] += int(q)
    return given


@dataclass
class PrescriptionRows:
    """The rows of the four prescription tables, in the order they are loaded."""

    prescriptions: list[tuple[object, ...]] = field(default_factory=list)
    lines: list[tuple[object, ...]] = field(default_factory=list)
    findings: list[tuple[object, ...]] = field(default_factory=list)
    dispensings: list[tuple[object, ...]] = field(default_factory=list)


@dataclass(frozen=True)
class _Issued:
    """One claim's prescription, as it passed the checks."""

    cid: int
    nid: str
    on: dt.date
    drugs: dict[str, _Claimed]  # what the claim says of each drug
    doc: tuple[int, str, int]  # practitioner, specialty, facility
    tracking_code: str
    lines: list[rules.LineDraft]
    findings: list[rules.Finding]


def issue(
    rng: np.random.Generator,
    world: World,
    lines: pa.Table,
    dispensed: pa.Table,
    now: dt.datetime,
    prescription_ref: dict[int, str],
) -> PrescriptionRows:
    """One prescription per claim with drugs of the synthetic claim ``lines`` (the
    kernel layout), in the order they were issued, so each is checked against its
    person's earlier ones; what ``dispensed`` (prescription_ref, national_id, code,
    quantity) says was handed out is dispensed of it. Records each claim's tracking
    code in ``prescription_ref``."""
    claimed = _claimed_drugs(lines)
    given = _given(dispensed)
    order = sorted(
        (c for c in claimed.drugs if claimed.nid[c] in world.people),
        key=lambda c: (min(e.first for e in claimed.drugs[c].values()), c),
    )
    tracking = _codes(rng, len(order), set())
    active: dict[str, list[rules.ActiveDrug]] = defaultdict(list)
    rows = PrescriptionRows()
    picks = rng.integers(0, 1 << 30, len(order))
    for n, cid in enumerate(order):
        nid = claimed.nid[cid]
        per = claimed.drugs[cid]
        on = min(e.first for e in per.values())
        doc = _prescriber(world, per, int(picks[n]))
        mine = [a for a in active[nid] if a.until >= on]
        drafts, findings = _checked(world, per, doc[1], mine)
        if not drafts:
            continue
        prescription_ref[cid] = tracking[n]
        issued = _Issued(cid, nid, on, per, doc, tracking[n], drafts, findings)
        _write_prescription(rows, world, issued, mine, given, now)
        active[nid] = mine
    return rows


def _prescriber(world: World, per: dict[str, _Claimed], pick: int) -> tuple[int, str, int]:
    """A practitioner of the claim's province (or of the first province, if it has
    none) whose specialty may prescribe every specialist-only drug, if any may."""
    province = world.fac[per[next(iter(per))].facility].province_id
    special = {c for c in per if c in world.facts and world.facts[c].specialist_only}
    docs = world.by_province.get(province) or world.by_province[next(iter(world.by_province))]
    if special:
        fit = [d for d in docs if all(d[1] in world.permitted.get(c, ()) for c in special)]
        docs = fit or docs
    return docs[pick % len(docs)]


def _checked(
    world: World,
    per: dict[str, _Claimed],
    specialty: str,
    active: list[rules.ActiveDrug],
) -> tuple[list[rules.LineDraft], list[rules.Finding]]:
    """The claim's drugs as prescription lines that pass the issue-time checks, and the
    findings on them; no lines if a blocking finding remains."""
    facts = world.facts
    drafts = [
        rules.LineDraft(
            k, LineKind.DRUG, code, min(e.quantity, facts[code].max_quantity)
            if code in facts else e.quantity,
            min(30, rules.max_days_of(facts[code])) if code in facts else 30,
        )
        for k, (code, e) in enumerate(per.items())
    ]  # fmt: skip
    findings: list[rules.Finding] = []
    for _ in range(4):  # leave off what a blocking check refuses, then check again
        findings = rules.check(
            rules.CheckInput(
                lines=drafts, covered=True, prescriber_specialty=specialty, drugs=facts,
                order_services=frozenset(), permitted_specialties=world.permitted,
                active=active, interactions=world.interactions,
            )
        )  # fmt: skip
        refused = {f.index for f in findings if f.blocking}
        if not refused:
            break
        kept = [d for d in drafts if d.index not in refused]
        drafts = [rules.LineDraft(k, d.kind, d.code, d.quantity, d.days_supply)
                  for k, d in enumerate(kept)]  # fmt: skip
    if any(f.blocking for f in findings):
        return [], findings
    return drafts, findings


def _write_prescription(
    rows: PrescriptionRows,
    world: World,
    rx: _Issued,
    mine: list[rules.ActiveDrug],
    given: dict[tuple[int, str], int],
    now: dt.datetime,
) -> None:
    """The prescription, its lines and findings, and what was dispensed of it (never
    past expiry); its drugs join the person's active ones in ``mine``."""
    fac = world.fac
    doc_id, _, doc_facility = rx.doc
    pid = len(rows.prescriptions) + 1
    rows.prescriptions.append(
        (pid, rx.tracking_code, "issued", world.people[rx.nid][0], rx.nid, doc_id,
         doc_facility, fac[doc_facility].province_id, rx.on, rules.expiry(rx.on),
         rules.prescription_active_until(rx.on, (d.days_supply for d in rx.lines)), ACTOR,
         now)
    )  # fmt: skip
    expires = rules.expiry(rx.on)
    dispenser = _dispenser(world, rx.drugs[next(iter(rx.drugs))].facility, pid)
    for d in rx.lines:
        lid = len(rows.lines) + 1
        q = min(d.quantity, given.get((rx.cid, d.code), 0))
        rows.lines.append(
            (lid, pid, d.index + 1, "drug", d.code, "", d.quantity, d.days_supply, "",
             world.facts[d.code].price_rials, q)
        )  # fmt: skip
        mine.append(rules.ActiveDrug(d.code, rules.active_until(rx.on, d.days_supply or 1),
                                     rx.tracking_code))  # fmt: skip
        if q:
            when = min(rx.drugs[d.code].first, expires)
            rows.dispensings.append(
                (len(rows.dispensings) + 1, lid, pid, dispenser, f"demo-{rx.cid}", q, when,
                 now, ACTOR)
            )  # fmt: skip
    for w in rx.findings:
        rows.findings.append(
            (len(rows.findings) + 1, pid, None if w.index is None else w.index + 1, w.code,
             w.blocking, w.quantity, w.value_rials, w.other_code, w.detail_fa[:300])
        )  # fmt: skip


def _dispenser(world: World, claim_facility: int, pid: int) -> int:
    """The claim's facility if it may dispense drugs, else a pharmacy of its province."""
    if rules.may_dispense(world.fac[claim_facility].kind, "drug"):
        return claim_facility
    here = world.pharmacies.get(world.fac[claim_facility].province_id) or [claim_facility]
    return here[pid % len(here)]


def load(conn: Connection, rx: PrescriptionRows) -> None:
    bulk.load(conn, "prescriptions",
              ("id", "tracking_code", "status", "insured_id", "national_id", "practitioner_id",
               "facility_id", "province_id", "issued_on", "expires_on", "active_until",
               "issued_by", "created_at"), rx.prescriptions)  # fmt: skip
    bulk.load(conn, "prescription_lines",
              ("id", "prescription_id", "line_no", "kind", "code", "dose", "quantity",
               "days_supply", "instructions", "unit_price_rials", "dispensed"),
              rx.lines)  # fmt: skip
    bulk.load(conn, "prescription_findings",
              ("id", "prescription_id", "line_no", "code", "blocking", "quantity",
               "value_rials", "other_code", "detail_fa"), rx.findings)  # fmt: skip
    bulk.load(conn, "prescription_dispensings",
              ("id", "line_id", "prescription_id", "facility_id", "request_key", "quantity",
               "dispensed_on", "dispensed_at", "dispensed_by"), rx.dispensings)  # fmt: skip
