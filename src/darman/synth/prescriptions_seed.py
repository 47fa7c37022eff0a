"""The e-prescriptions, dispensings, family-physician panels and referrals behind the demo's
synthetic claims, so the claims rules R10 and R11 read real links.

Every claim with drug lines cites a prescription its person was issued by a practitioner
of the claim's province, on the claim's first day, with one line per drug. Each
prescription passes ``prescriptions.rules.check`` against the person's earlier demo
prescriptions (lines a blocking check would refuse are left off, so the claim line then
has no dispensing, as in real life); moderate and minor interaction warnings are kept
as findings. What the claim says was dispensed is dispensed at the claim's facility
(or a pharmacy of its province), never beyond the prescribed quantity, as
``prescriptions.service.dispense`` records it.

Family physicians of every province get a panel of insured people of their province;
claims of the referral provinces that name a referral cite one issued by the person's
own family physician to the claim's facility, as ``referrals.service.issue`` writes it;
an answered one is answered after the claim's last day, since the feedback closes the
referral for later claims. Referrals issued in the last weeks before the seeding day are
often still waiting for their feedback; older ones nearly all have it. Rows are
bulk-built and deterministic for a seed and day; the caller commits.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pyarrow as pa
from sqlalchemy import Connection, select
from sqlalchemy.orm import Session

from darman.common.jalali import to_jalali
from darman.db import bulk
from darman.db.base import utcnow
from darman.prescriptions import rules, tables
from darman.prescriptions.enums import LineKind
from darman.referrals import rules as referral_rules
from darman.referrals.enums import ReferralStatus
from darman.registry.models import Drug, Facility, Insured, Practitioner, PractitionerFacility

FAMILY = ("پزشک خانواده", "پزشک عمومی")
ACTOR = "demo"
# share of each province's insured people on a family physician's panel
ENROLLED_SHARE = {"referral": 0.6, "other": 0.2}
ANSWERED_SHARE = 0.7
# Referrals issued this many days or more before the seeding day: nearly all answered.
RECENT_DAYS = 45
ANSWERED_SHARE_OLDER = 0.96


@dataclass
class Links:
    """Per claim id: the tracking code and the referral number the claim cites (or none)."""

    prescription_ref: dict[int, str] = field(default_factory=dict)
    referral_ref: dict[int, str] = field(default_factory=dict)
    counts: dict[str, int] = field(default_factory=dict)


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
    world = _read_world(session)
    rx = _issue_prescriptions(rng, world, _claimed_drugs(lines), _given(dispensed), now, links)
    _load_prescriptions(conn, rx)
    panel_of, panel_rows, enrol_rows = _enrol(
        rng, world, referred, referral_provinces, now, enrolled_from
    )
    _load_panels(conn, panel_rows, enrol_rows)
    claim_facility = dict(
        zip(lines["claim_id"].to_pylist(), lines["facility_id"].to_pylist(), strict=True)
    )
    ref_rows = _refer(
        rng, world, panel_of, claim_facility, _last_days(lines), referred, now, today, links
    )
    _load_referrals(conn, ref_rows)
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


# ---------------------------------------------------------------- the registry


@dataclass(frozen=True)
class _World:
    """The registry the synthetic seed loaded, as the prescribing and referring read it."""

    fac: dict[int, Any]  # facility id -> (id, kind, level, ownership, province_id)
    by_province: dict[int, list[tuple[int, str, int]]]  # practitioner, specialty, facility
    family: dict[int, list[tuple[int, int]]]  # family physicians: practitioner, facility
    doc_province: dict[int, int]
    pharmacies: dict[int, list[int]]
    people: dict[str, tuple[int, int]]  # national ID -> insured id, province
    facts: dict[str, rules.DrugFacts]
    permitted: dict[str, frozenset[str]]
    interactions: rules.InteractionTable


def _read_world(session: Session) -> _World:
    fac = {
        r.id: r
        for r in session.execute(
            select(Facility.id, Facility.kind, Facility.level, Facility.ownership,
                   Facility.province_id)
        )
    }  # fmt: skip
    staff = session.execute(
        select(Practitioner.id, Practitioner.specialty, PractitionerFacility.facility_id)
        .join(PractitionerFacility, PractitionerFacility.practitioner_id == Practitioner.id)
        .order_by(Practitioner.id)
    ).all()
    by_province, family = _practitioners(staff, fac)
    pharmacies: dict[int, list[int]] = defaultdict(list)
    for row in fac.values():
        if row.kind == "pharmacy":
            pharmacies[row.province_id].append(row.id)
    people = {
        r.national_id: (r.id, r.province_id)
        for r in session.execute(select(Insured.national_id, Insured.id, Insured.province_id))
    }
    facts = {
        d.generic_code: rules.DrugFacts(
            d.generic_code, d.name_fa, d.covered, d.max_quantity, d.max_days_supply,
            d.specialist_only, d.price_rials,
        )
        for d in session.scalars(select(Drug))
    }  # fmt: skip
    return _World(
        fac=fac,
        by_province=by_province,
        family=family,
        doc_province={p: fac[f].province_id for p, _, f in staff},
        pharmacies=pharmacies,
        people=people,
        facts=facts,
        permitted=tables.permitted_specialties(),
        interactions=tables.interactions(),
    )


def _practitioners(
    staff: Sequence[Any], fac: dict[int, Any]
) -> tuple[dict[int, list[tuple[int, str, int]]], dict[int, list[tuple[int, int]]]]:
    """Practitioners by province, each at their first facility, and the family
    physicians among them."""
    by_province: dict[int, list[tuple[int, str, int]]] = defaultdict(list)
    family: dict[int, list[tuple[int, int]]] = defaultdict(list)
    seen_doc: set[int] = set()
    for pid, specialty, facility_id in staff:
        if pid in seen_doc:
            continue
        seen_doc.add(pid)
        province = fac[facility_id].province_id
        by_province[province].append((pid, specialty, facility_id))
        if specialty == FAMILY[0]:
            family[province].append((pid, facility_id))
    for province, docs in by_province.items():
        if not family.get(province):  # no family-physician centre: general practitioners
            family[province] = [(p, f) for p, s, f in docs if s == FAMILY[1]]
    return by_province, family


# ---------------------------------------------------------------- prescriptions


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
class _PrescriptionRows:
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


def _issue_prescriptions(
    rng: np.random.Generator,
    world: _World,
    claimed: _ClaimDrugs,
    given: dict[tuple[int, str], int],
    now: dt.datetime,
    links: Links,
) -> _PrescriptionRows:
    """One prescription per claim with drugs, in the order they were issued, so each
    is checked against its person's earlier ones."""
    order = sorted(
        (c for c in claimed.drugs if claimed.nid[c] in world.people),
        key=lambda c: (min(e.first for e in claimed.drugs[c].values()), c),
    )
    tracking = _codes(rng, len(order), set())
    active: dict[str, list[rules.ActiveDrug]] = defaultdict(list)
    rows = _PrescriptionRows()
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
        links.prescription_ref[cid] = tracking[n]
        issued = _Issued(cid, nid, on, per, doc, tracking[n], drafts, findings)
        _write_prescription(rows, world, issued, mine, given, now)
        active[nid] = mine
    return rows


def _prescriber(world: _World, per: dict[str, _Claimed], pick: int) -> tuple[int, str, int]:
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
    world: _World,
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
    rows: _PrescriptionRows,
    world: _World,
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


def _dispenser(world: _World, claim_facility: int, pid: int) -> int:
    """The claim's facility if it may dispense drugs, else a pharmacy of its province."""
    if rules.may_dispense(world.fac[claim_facility].kind, "drug"):
        return claim_facility
    here = world.pharmacies.get(world.fac[claim_facility].province_id) or [claim_facility]
    return here[pid % len(here)]


def _load_prescriptions(conn: Connection, rx: _PrescriptionRows) -> None:
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


# ---------------------------------------------------------------- panels


def _enrol(
    rng: np.random.Generator,
    world: _World,
    referred: pa.Table,
    referral_provinces: tuple[int, ...],
    now: dt.datetime,
    enrolled_from: dt.date,
) -> tuple[dict[str, tuple[int, int]], list[tuple[object, ...]], list[tuple[object, ...]]]:
    """Panels filled in turn by the province's family physicians up to capacity: a share
    of each province's people, and everyone a claim cites a referral for.

    Answers each enrolled person's (family physician, facility) and the panel and
    enrolment rows.
    """
    ref_nids = set(referred["national_id"].to_pylist())
    members: dict[int, list[tuple[int, str]]] = defaultdict(list)
    panel_of: dict[str, tuple[int, int]] = {}
    draw = rng.random(len(world.people))
    counter: dict[int, int] = defaultdict(int)
    for k, (nid, (insured_id, province)) in enumerate(sorted(world.people.items())):
        docs = world.family.get(province)
        if not docs:
            continue
        share = ENROLLED_SHARE["referral" if province in referral_provinces else "other"]
        if draw[k] >= share and nid not in ref_nids:
            continue
        for _ in range(len(docs)):
            doc, facility_id = docs[counter[province] % len(docs)]
            counter[province] += 1
            if len(members[doc]) < referral_rules.MAX_PANEL_CAPACITY:
                members[doc].append((insured_id, nid))
                panel_of[nid] = (doc, facility_id)
                break
    panel_rows, enrol_rows = _panel_rows(world, members, now, enrolled_from)
    return panel_of, panel_rows, enrol_rows


def _panel_rows(
    world: _World, members: dict[int, list[tuple[int, str]]], now: dt.datetime, before: dt.date
) -> tuple[list[tuple[object, ...]], list[tuple[object, ...]]]:
    """A panel per family physician, and enrolments spread over the year before
    ``before`` (the first day the claims are drawn in)."""
    start = before - dt.timedelta(days=366)
    panel_rows: list[tuple[object, ...]] = [
        (i, doc, max(referral_rules.DEFAULT_PANEL_CAPACITY, len(m)), ACTOR, now)
        for i, (doc, m) in enumerate(sorted(members.items()), start=1)
    ]
    enrol_rows: list[tuple[object, ...]] = []
    for doc, m in sorted(members.items()):
        for insured_id, nid in m:
            enrol_rows.append(
                (len(enrol_rows) + 1, insured_id, nid, doc, world.doc_province[doc],
                 start + dt.timedelta(days=int(insured_id) % 365), None, "", None, insured_id,
                 "", ACTOR, now)
            )  # fmt: skip
    return panel_rows, enrol_rows


def _load_panels(
    conn: Connection, panel_rows: list[tuple[object, ...]], enrol_rows: list[tuple[object, ...]]
) -> None:
    bulk.load(conn, "panels", ("id", "practitioner_id", "capacity", "updated_by", "updated_at"),
              panel_rows)  # fmt: skip
    bulk.load(conn, "panel_enrolments",
              ("id", "insured_id", "national_id", "practitioner_id", "province_id",
               "enrolled_on", "ended_on", "end_reason", "transferred_from_id",
               "open_insured_id", "note", "created_by", "created_at"), enrol_rows)  # fmt: skip


# ---------------------------------------------------------------- referrals


def _last_days(lines: pa.Table) -> dict[int, dt.date]:
    """Each claim's last service day."""
    last: dict[int, dt.date] = {}
    for cid, day in zip(
        lines["claim_id"].to_pylist(), lines["service_date"].to_pylist(), strict=True
    ):
        last[cid] = max(day, last.get(cid, day))
    return last


def _refer(
    rng: np.random.Generator,
    world: _World,
    panel_of: dict[str, tuple[int, int]],
    claim_facility: dict[int, int],
    last_day: dict[int, dt.date],
    referred: pa.Table,
    now: dt.datetime,
    today: dt.date,
    links: Links,
) -> list[tuple[object, ...]]:
    """For each claim that names a referral, one from the person's family physician to
    the claim's facility, if the person is on a panel; most are answered, after the
    claim's last day: of those issued ``RECENT_DAYS`` or more before ``today``, nearly
    all, since feedback that never comes is the exception the overdue list is for.

    Answers the referral orders.
    """
    taken: set[str] = set()
    ref_rows: list[tuple[object, ...]] = []
    tokens = rng.integers(0, len(rules.ALPHABET), (referred.num_rows, 8))
    draw = rng.random(referred.num_rows)
    recent_from = today - dt.timedelta(days=RECENT_DAYS)
    issued_on = referred["issued_on"].to_pylist()
    answered = [
        d < (ANSWERED_SHARE if day >= recent_from else ANSWERED_SHARE_OLDER)
        for d, day in zip(draw.tolist(), issued_on, strict=True)
    ]
    for k, (rf, nid, issued, until) in enumerate(
        zip(referred["ref_number"].to_pylist(), referred["national_id"].to_pylist(),
            referred["issued_on"].to_pylist(), referred["valid_until"].to_pylist(), strict=True)
    ):  # fmt: skip
        cid = int(rf[2:])
        if nid not in panel_of or nid not in world.people:
            continue
        body = "".join(rules.ALPHABET[int(i)] for i in tokens[k])
        number = f"RF{to_jalali(issued).year:04d}-{body}"
        if number in taken:
            continue
        taken.add(number)
        ref_rows.append(
            _referral_row(world, len(ref_rows) + 1, number, nid, panel_of[nid],
                          world.fac[claim_facility[cid]], issued, until, last_day[cid],
                          bool(answered[k]), now, today)
        )  # fmt: skip
        links.referral_ref[cid] = number
    return ref_rows


def _referral_row(
    world: _World,
    row_id: int,
    number: str,
    nid: str,
    panel: tuple[int, int],
    to: Any,
    issued: dt.date,
    until: dt.date,
    last_visit: dt.date,
    answered: bool,
    now: dt.datetime,
    today: dt.date,
) -> tuple[object, ...]:
    """A level-1 referral for a specialist visit; an answered one has the specialist's
    feedback two days after the claim's last day (within the validity), since feedback
    closes a referral for the claims that cite it later; feedback that would come after
    ``today`` has not come yet."""
    doc, from_facility = panel
    answered_on = min(until, last_visit + dt.timedelta(days=2))
    answered = answered and answered_on <= today
    internal = to.ownership == "owned"
    return (
        row_id, number, None,
        (ReferralStatus.ANSWERED if answered else ReferralStatus.ISSUED).value,
        world.people[nid][0], nid, world.fac[from_facility].province_id, doc, from_facility, 1,
        max(2, int(to.level)), to.id, "", internal, "داخلی",
        "ارجاع برای ویزیت پزشک متخصص", "R69",
        "" if internal else "نوبت نزدیک‌تر در مرکز طرف قرارداد", issued, until,
        referral_rules.feedback_due(issued), answered_on if answered
        else None, "ویزیت انجام شد؛ ادامه‌ی درمان نزد پزشک خانواده" if answered else "",
        "R69" if answered else "", None, ACTOR, now,
    )  # fmt: skip


def _load_referrals(conn: Connection, ref_rows: list[tuple[object, ...]]) -> None:
    bulk.load(conn, "referral_orders",
              ("id", "ref_number", "parent_id", "status", "insured_id", "national_id",
               "province_id", "from_practitioner_id", "from_facility_id", "from_level",
               "to_level", "to_facility_id", "outside_facility", "internal", "specialty",
               "reason", "diagnosis", "choice_reason", "issued_on", "valid_until",
               "feedback_due_on", "feedback_on", "feedback_text", "feedback_diagnosis",
               "feedback_practitioner_id", "issued_by", "created_at"), ref_rows)  # fmt: skip
