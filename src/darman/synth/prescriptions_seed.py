"""The e-prescriptions, dispensings, family-physician panels and referrals behind the demo's
synthetic claims, so the claims rules R10 and R11 read real links.

Every claim with drug lines cites a prescription its person was issued by a practitioner
of the claim's province, on the claim's first day, with one line per drug. Each
prescription passes ``prescriptions.rules.check`` against the person's earlier demo
prescriptions (lines a blocking check would refuse are left off, so the claim line then
has no dispensing, as in real life); moderate and minor interaction warnings are kept
as findings. What the claim says was dispensed is dispensed at the claim's facility
(or a pharmacy of its province), never beyond the prescribed quantity, and written to
the claims register ``dispensings`` as ``prescriptions.dispensing.dispense`` does.

Family physicians of every province get a panel of insured people of their province;
claims of the referral provinces that name a referral cite one issued by the person's
own family physician to the claim's facility, registered in the claims ``referrals``
table as ``referrals.service.issue`` does. Rows are bulk-built and deterministic for a
seed; the caller commits.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field

import numpy as np
import pyarrow as pa
from sqlalchemy import select
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
) -> Links:
    """Write the rows described in the module docstring for the synthetic claims
    ``lines`` (the kernel layout), whose drugs ``dispensed`` (prescription_ref,
    national_id, code, quantity) were handed out, and whose claims in ``referred``
    (ref_number ``RF<claim id>``, national_id, issued_on, valid_until) name a referral."""
    rng = np.random.default_rng([seed, 2024])
    conn = session.connection()
    now = utcnow()
    links = Links()
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
    permitted = tables.permitted_specialties()
    interactions = tables.interactions()

    # ---------------------------------------------------------------- prescriptions
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
    given: dict[tuple[int, str], int] = defaultdict(int)
    for ref, code, q in zip(
        dispensed["prescription_ref"].to_pylist(), dispensed["code"].to_pylist(),
        dispensed["quantity"].to_pylist(), strict=True,
    ):  # fmt: skip
        given[(int(ref[2:]), code)] += int(q)

    order = sorted(
        (c for c in drug_lines if claim_nid[c] in people),
        key=lambda c: (min(e.first for e in drug_lines[c].values()), c),
    )
    tracking = _codes(rng, len(order), set())
    active: dict[str, list[rules.ActiveDrug]] = defaultdict(list)
    rx_rows: list[tuple[object, ...]] = []
    line_rows: list[tuple[object, ...]] = []
    finding_rows: list[tuple[object, ...]] = []
    pd_rows: list[tuple[object, ...]] = []
    disp_rows: list[tuple[object, ...]] = []
    picks = rng.integers(0, 1 << 30, len(order))
    for n, cid in enumerate(order):
        nid = claim_nid[cid]
        per = drug_lines[cid]
        on = min(e.first for e in per.values())
        claim_facility = per[next(iter(per))].facility
        province = fac[claim_facility].province_id
        special = {c for c in per if c in facts and facts[c].specialist_only}
        docs = by_province.get(province) or by_province[next(iter(by_province))]
        if special:
            fit = [d for d in docs if all(d[1] in permitted.get(c, ()) for c in special)]
            docs = fit or docs
        doc_id, specialty, doc_facility = docs[int(picks[n]) % len(docs)]
        mine = [a for a in active[nid] if a.until >= on]
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
                    order_services=frozenset(), permitted_specialties=permitted,
                    active=mine, interactions=interactions,
                )
            )  # fmt: skip
            refused = {f.index for f in findings if f.blocking}
            if not refused:
                break
            kept = [d for d in drafts if d.index not in refused]
            drafts = [rules.LineDraft(k, d.kind, d.code, d.quantity, d.days_supply)
                      for k, d in enumerate(kept)]  # fmt: skip
        if not drafts or any(f.blocking for f in findings):
            continue
        pid = len(rx_rows) + 1
        code_rx = tracking[n]
        links.prescription_ref[cid] = code_rx
        rx_rows.append(
            (pid, code_rx, "issued", people[nid][0], nid, doc_id, doc_facility,
             fac[doc_facility].province_id, on, rules.expiry(on),
             rules.prescription_active_until(on, (d.days_supply for d in drafts)), ACTOR, now)
        )  # fmt: skip
        expires = rules.expiry(on)
        dispenser = claim_facility
        if not rules.may_dispense(fac[dispenser].kind, "drug"):
            here = pharmacies.get(province) or [claim_facility]
            dispenser = here[pid % len(here)]
        for d in drafts:
            lid = len(line_rows) + 1
            drug = facts[d.code]
            q = min(d.quantity, given.get((cid, d.code), 0))
            line_rows.append(
                (lid, pid, d.index + 1, "drug", d.code, "", d.quantity, d.days_supply, "",
                 drug.price_rials, q)
            )  # fmt: skip
            mine.append(rules.ActiveDrug(d.code, rules.active_until(on, d.days_supply or 1),
                                         code_rx))  # fmt: skip
            if q:
                when = min(per[d.code].first, expires)
                pd_rows.append(
                    (len(pd_rows) + 1, lid, pid, dispenser, f"demo-{cid}", q, when, now, ACTOR)
                )
                disp_rows.append((code_rx, nid, d.code, q, when))
        for w in findings:
            finding_rows.append(
                (len(finding_rows) + 1, pid, None if w.index is None else w.index + 1, w.code,
                 w.blocking, w.quantity, w.value_rials, w.other_code, w.detail_fa[:300])
            )  # fmt: skip
        active[nid] = mine
    bulk.load(conn, "prescriptions",
              ("id", "tracking_code", "status", "insured_id", "national_id", "practitioner_id",
               "facility_id", "province_id", "issued_on", "expires_on", "active_until",
               "issued_by", "created_at"), rx_rows)  # fmt: skip
    bulk.load(conn, "prescription_lines",
              ("id", "prescription_id", "line_no", "kind", "code", "dose", "quantity",
               "days_supply", "instructions", "unit_price_rials", "dispensed"),
              line_rows)  # fmt: skip
    bulk.load(conn, "prescription_findings",
              ("id", "prescription_id", "line_no", "code", "blocking", "quantity",
               "value_rials", "other_code", "detail_fa"), finding_rows)  # fmt: skip
    bulk.load(conn, "prescription_dispensings",
              ("id", "line_id", "prescription_id", "facility_id", "request_key", "quantity",
               "dispensed_on", "dispensed_at", "dispensed_by"), pd_rows)  # fmt: skip
    bulk.load(conn, "dispensings",
              ("prescription_ref", "national_id", "drug_code", "quantity", "dispensed_on"),
              disp_rows)  # fmt: skip

    # ---------------------------------------------------------------- panels
    ref_nids = set(referred["national_id"].to_pylist())
    members: dict[int, list[tuple[int, str]]] = defaultdict(list)
    panel_of: dict[str, tuple[int, int]] = {}
    draw = rng.random(len(people))
    counter: dict[int, int] = defaultdict(int)
    for k, (nid, (insured_id, province)) in enumerate(sorted(people.items())):
        docs2 = family.get(province)
        if not docs2:
            continue
        share = ENROLLED_SHARE["referral" if province in referral_provinces else "other"]
        if draw[k] >= share and nid not in ref_nids:
            continue
        for _ in range(len(docs2)):
            doc, facility_id = docs2[counter[province] % len(docs2)]
            counter[province] += 1
            if len(members[doc]) < referral_rules.MAX_PANEL_CAPACITY:
                members[doc].append((insured_id, nid))
                panel_of[nid] = (doc, facility_id)
                break
    start = dt.date(2024, 3, 20)
    panel_rows = [
        (i, doc, max(referral_rules.DEFAULT_PANEL_CAPACITY, len(m)), ACTOR, now)
        for i, (doc, m) in enumerate(sorted(members.items()), start=1)
    ]
    enrol_rows: list[tuple[object, ...]] = []
    doc_province = {p: fac[f].province_id for p, _, f in staff}
    for doc, m in sorted(members.items()):
        for insured_id, nid in m:
            enrol_rows.append(
                (len(enrol_rows) + 1, insured_id, nid, doc, doc_province[doc],
                 start + dt.timedelta(days=int(insured_id) % 365), None, "", None, insured_id,
                 "", ACTOR, now)
            )  # fmt: skip
    bulk.load(conn, "panels", ("id", "practitioner_id", "capacity", "updated_by", "updated_at"),
              panel_rows)  # fmt: skip
    bulk.load(conn, "panel_enrolments",
              ("id", "insured_id", "national_id", "practitioner_id", "province_id",
               "enrolled_on", "ended_on", "end_reason", "transferred_from_id",
               "open_insured_id", "note", "created_by", "created_at"), enrol_rows)  # fmt: skip

    # ---------------------------------------------------------------- referrals
    claim_facility_of = dict(zip(cols["claim_id"], cols["facility_id"], strict=True))
    taken: set[str] = set()
    ref_rows: list[tuple[object, ...]] = []
    claims_refs: list[tuple[object, ...]] = []
    tokens = rng.integers(0, len(rules.ALPHABET), (referred.num_rows, 8))
    answered = rng.random(referred.num_rows) < ANSWERED_SHARE
    for k, (rf, nid, issued, until) in enumerate(
        zip(referred["ref_number"].to_pylist(), referred["national_id"].to_pylist(),
            referred["issued_on"].to_pylist(), referred["valid_until"].to_pylist(), strict=True)
    ):  # fmt: skip
        cid = int(rf[2:])
        if nid not in panel_of or nid not in people:
            continue
        body = "".join(rules.ALPHABET[int(i)] for i in tokens[k])
        number = f"RF{to_jalali(issued).year:04d}-{body}"
        if number in taken:
            continue
        taken.add(number)
        doc, from_facility = panel_of[nid]
        to = fac[claim_facility_of[cid]]
        visit = issued + dt.timedelta(days=3)
        internal = to.ownership == "owned"
        ref_rows.append(
            (len(ref_rows) + 1, number, None,
             (ReferralStatus.ANSWERED if answered[k] else ReferralStatus.ISSUED).value,
             people[nid][0], nid, fac[from_facility].province_id, doc, from_facility, 1,
             max(2, int(to.level)), to.id, "", internal, "داخلی",
             "ارجاع برای ویزیت پزشک متخصص", "R69",
             "" if internal else "نوبت نزدیک‌تر در مرکز طرف قرارداد", issued, until,
             referral_rules.feedback_due(issued), visit + dt.timedelta(days=2) if answered[k]
             else None, "ویزیت انجام شد؛ ادامه‌ی درمان نزد پزشک خانواده" if answered[k] else "",
             "R69" if answered[k] else "", None, ACTOR, now)
        )  # fmt: skip
        claims_refs.append((number, nid, issued, until))
        links.referral_ref[cid] = number
    bulk.load(conn, "referral_orders",
              ("id", "ref_number", "parent_id", "status", "insured_id", "national_id",
               "province_id", "from_practitioner_id", "from_facility_id", "from_level",
               "to_level", "to_facility_id", "outside_facility", "internal", "specialty",
               "reason", "diagnosis", "choice_reason", "issued_on", "valid_until",
               "feedback_due_on", "feedback_on", "feedback_text", "feedback_diagnosis",
               "feedback_practitioner_id", "issued_by", "created_at"), ref_rows)  # fmt: skip
    bulk.load(conn, "referrals", ("ref_number", "national_id", "issued_on", "valid_until"),
              claims_refs)  # fmt: skip
    bulk.reset_sequences(
        conn,
        ["prescriptions", "prescription_lines", "prescription_findings",
         "prescription_dispensings", "dispensings", "panels", "panel_enrolments",
         "referral_orders", "referrals"],
    )  # fmt: skip
    links.counts = {
        "prescriptions": len(rx_rows), "prescription_lines": len(line_rows),
        "prescription_dispensings": len(pd_rows), "panels": len(panel_rows),
        "panel_enrolments": len(enrol_rows), "referral_orders": len(ref_rows),
    }  # fmt: skip
    return links
