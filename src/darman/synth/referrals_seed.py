"""The demo's family-physician panels and the referrals the synthetic claims cite
(claims rule R10 reads them).

Family physicians of every province get a panel of insured people of their province;
claims of the referral provinces that name a referral cite one issued by the person's
own family physician to the claim's facility, as ``referrals.service.issue`` writes it;
an answered one is answered after the claim's last day, since the feedback closes the
referral for later claims. Referrals issued in the last weeks before the seeding day are
often still waiting for their feedback; older ones nearly all have it. Rows are
bulk-built and deterministic for the generator they draw from and the seeding day.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from typing import Any

import numpy as np
import pyarrow as pa
from sqlalchemy import Connection

from darman.common.jalali import to_jalali
from darman.db import bulk
from darman.prescriptions import rules
from darman.referrals import rules as referral_rules
from darman.referrals.enums import ReferralStatus
from darman.synth.claim_links_registry import ACTOR, World

# share of each province's insured people on a family physician's panel
ENROLLED_SHARE = {"referral": 0.6, "other": 0.2}
ANSWERED_SHARE = 0.7
# Referrals issued this many days or more before the seeding day: nearly all answered.
RECENT_DAYS = 45
ANSWERED_SHARE_OLDER = 0.96


# ---------------------------------------------------------------- panels


def enrol(
    rng: np.random.Generator,
    world: World,
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
    world: World, members: dict[int, list[tuple[int, str]]], now: dt.datetime, before: dt.date
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


def load_panels(
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


def refer(
    rng: np.random.Generator,
    world: World,
    panel_of: dict[str, tuple[int, int]],
    lines: pa.Table,
    referred: pa.Table,
    now: dt.datetime,
    today: dt.date,
    referral_ref: dict[int, str],
) -> list[tuple[object, ...]]:
    """For each claim of ``referred`` (ref_number ``RF<claim id>``, national_id,
    issued_on, valid_until), one referral from the person's family physician (per
    ``panel_of``) to the claim's facility in ``lines``, if the person is on a panel; most
    are answered, after the claim's last day: of those issued ``RECENT_DAYS`` or more
    before ``today``, nearly all, since feedback that never comes is the exception the
    overdue list is for.

    Answers the referral orders, and records each claim's referral number in
    ``referral_ref``.
    """
    claim_facility = dict(
        zip(lines["claim_id"].to_pylist(), lines["facility_id"].to_pylist(), strict=True)
    )
    last_day = _last_days(lines)
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
        referral_ref[cid] = number
    return ref_rows


def _referral_row(
    world: World,
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


def load_referrals(conn: Connection, ref_rows: list[tuple[object, ...]]) -> None:
    bulk.load(conn, "referral_orders",
              ("id", "ref_number", "parent_id", "status", "insured_id", "national_id",
               "province_id", "from_practitioner_id", "from_facility_id", "from_level",
               "to_level", "to_facility_id", "outside_facility", "internal", "specialty",
               "reason", "diagnosis", "choice_reason", "issued_on", "valid_until",
               "feedback_due_on", "feedback_on", "feedback_text", "feedback_diagnosis",
               "feedback_practitioner_id", "issued_by", "created_at"), ref_rows)  # fmt: skip
