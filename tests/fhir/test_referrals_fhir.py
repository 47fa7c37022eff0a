"""Referrals on the FHIR facade as ServiceRequest: mapping, feedback as a note, the
level-3 chain, search parameters, scope as on the REST API, paging across referrals
and prescription orders; both databases."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from darman.common.jalali import tehran_today
from darman.db.uow import UnitOfWork
from darman.prescriptions import issuing as rx_issuing
from darman.prescriptions import service as rx_service
from darman.prescriptions.models import PrescriptionLine
from darman.referrals import panels, service
from darman.referrals.schemas import FeedbackIn
from darman.registry.models import Facility, Insured, Practitioner
from tests import factories as f
from tests.fhir.support import (
    FHIR_JSON,
    REQUEST_INTENTS,
    REQUEST_STATUSES,
    assert_outcome,
    fhir_get,
)
from tests.integration.prescriptions.world import order, rx
from tests.integration.referrals.world import CARDIO, INTERNAL, World, build, onward, referral

BASE = "/fhir/r4"
TODAY = tehran_today()
ICD10 = "http://hl7.org/fhir/sid/icd-10"
SNOMED = "http://snomed.info/sct"
SPECIALTY_SYSTEM = "https://darman.example/fhir/CodeSystem/specialty"
REFERRAL_SYSTEM = "https://darman.example/fhir/sid/referral"


@dataclass
class Chain:
    world: World
    parent: str  # doc -> hospital (internal medicine), then referred on
    child: str  # spec at the hospital -> tertiary (cardiology), answered by cardio
    expired: str  # doc -> hospital for nids[1], 10 days ago, valid 7 days
    other: str  # doc2 -> contracted hospital for nids[2]
    order: str  # doc's lab order for nids[0], a prescription line
    parent_ref: str
    patient: int
    doc: int
    spec: int
    cardio: int
    hospital: int
    tertiary: int


@pytest.fixture
def chain(session_factory: Any, client: TestClient) -> Chain:
    with UnitOfWork(session_factory) as uow:
        s = uow.session
        w = build(s, catalogue=True)
        who = w.who
        old = TODAY - dt.timedelta(days=10)
        panels.enrol(s, who["doc"], national_id=w.nids[0])
        panels.enrol(s, who["doc"], national_id=w.nids[1], on=old)
        panels.enrol(s, who["doc2"], national_id=w.nids[2])
        parent = service.issue(s, who["doc"], data=referral(w.nids[0], w.hospital))
        child = service.refer_on(s, who["spec"], referral_id=parent.id, data=onward(w.tertiary))
        answer = FeedbackIn(text="آنژیوگرافی انجام شد؛ درمان دارویی", diagnosis="I25.1")
        service.feedback(s, who["cardio"], referral_id=child.id, data=answer)
        expired = service.issue(s, who["doc"], data=referral(w.nids[1], w.hospital), on=old,
                                valid_days=7)  # fmt: skip
        elsewhere = referral(w.nids[2], w.contracted, choice_reason="نزدیک به منزل بیمار")
        other = service.issue(s, who["doc2"], data=elsewhere)
        issued = rx_issuing.issue(s, who["doc"], data=rx(w.nids[0], order("200101")))
        council = dict(s.execute(select(Practitioner.council_number, Practitioner.id)).all())
        codes = dict(s.execute(select(Facility.code, Facility.id)).all())
        patient = s.scalar(select(Insured.id).where(Insured.national_id == w.nids[0]))
        (line,) = rx_service.get(s, who["doc"], prescription_id=issued.id).lines
        line_id = s.scalar(
            select(PrescriptionLine.id).where(PrescriptionLine.prescription_id == issued.id)
        )
        assert line.line_no == 1 and patient is not None
        uow.commit()
    return Chain(
        world=w, parent=f"referral-{parent.id}", child=f"referral-{child.id}",
        expired=f"referral-{expired.id}", other=f"referral-{other.id}", order=f"order-{line_id}",
        parent_ref=parent.ref_number, patient=patient, doc=council["80001"],
        spec=council["80003"], cardio=council["80007"], hospital=codes[w.hospital],
        tertiary=codes[w.tertiary],
    )  # fmt: skip


def h(client: TestClient, name: str) -> dict[str, str]:
    return {**f.token(client, name), "Accept": FHIR_JSON}


def ids(bundle: dict[str, Any]) -> set[str]:
    return {e["resource"]["id"] for e in bundle.get("entry", [])}


def test_a_referral_is_a_valid_r4_service_request(client: TestClient, chain: Chain) -> None:
    res = fhir_get(client, f"{BASE}/ServiceRequest/{chain.parent}", h(client, "doc"))
    assert res["id"] == chain.parent
    assert res["identifier"] == [
        {"use": "official", "system": REFERRAL_SYSTEM, "value": chain.parent_ref}
    ]
    assert res["status"] == "active" and res["status"] in REQUEST_STATUSES
    assert res["intent"] == "order" and res["intent"] in REQUEST_INTENTS
    assert res["category"][0]["coding"] == [
        {"system": SNOMED, "code": "3457005", "display": "Patient referral"}
    ]
    assert res["code"] == {
        "coding": [{"system": SPECIALTY_SYSTEM, "code": INTERNAL, "display": INTERNAL}],
        "text": INTERNAL,
    }
    (reason,) = res["reasonCode"]
    assert reason["coding"] == [{"system": ICD10, "code": "I10"}]
    assert reason["text"].startswith("فشار خون")
    assert res["occurrencePeriod"] == {
        "start": TODAY.isoformat(), "end": (TODAY + dt.timedelta(days=29)).isoformat()
    }  # fmt: skip
    assert res["authoredOn"] == TODAY.isoformat()
    assert res["subject"]["reference"] == f"Patient/{chain.patient}"
    assert res["requester"]["reference"] == f"Practitioner/{chain.doc}"
    assert res["performer"][0]["reference"] == f"Organization/{chain.hospital}"
    assert "basedOn" not in res and "note" not in res


def test_a_level_3_referral_is_based_on_its_parent_and_the_feedback_is_a_note(
    client: TestClient, chain: Chain
) -> None:
    res = fhir_get(client, f"{BASE}/ServiceRequest/{chain.child}", h(client, "cardio"))
    assert res["basedOn"] == [{"reference": f"ServiceRequest/{chain.parent}"}]
    assert res["status"] == "completed"
    assert res["code"]["text"] == CARDIO
    assert res["requester"]["reference"] == f"Practitioner/{chain.spec}"
    assert res["performer"][0]["reference"] == f"Organization/{chain.tertiary}"
    (note,) = res["note"]
    assert note["authorReference"]["reference"] == f"Practitioner/{chain.cardio}"
    assert note["time"] == TODAY.isoformat()
    assert note["text"].startswith("آنژیوگرافی") and note["text"].endswith("ICD-10: I25.1")


def test_an_unanswered_referral_past_its_validity_is_revoked(
    client: TestClient, chain: Chain
) -> None:
    doc = h(client, "doc")
    assert fhir_get(client, f"{BASE}/ServiceRequest/{chain.expired}", doc)["status"] == "revoked"

    def search(query: str) -> set[str]:
        return ids(fhir_get(client, f"{BASE}/ServiceRequest?{query}", doc))

    # doc wrote parent, expired and the order; the child (by spec) is not addressed to doc
    assert search("") == {chain.parent, chain.expired, chain.order}
    assert search("status=revoked") == {chain.expired}
    assert search("status=active") == {chain.parent, chain.order}
    assert search("status=completed,revoked") == {chain.expired}
    assert search("status=draft") == set()
    assert_outcome(client.get(f"{BASE}/ServiceRequest?status=expired", headers=doc), 400,
                   "invalid")  # fmt: skip


def test_service_requests_are_searched_by_patient_requester_performer_and_day(
    client: TestClient, chain: Chain
) -> None:
    boss = h(client, "boss")

    def search(query: str) -> set[str]:
        return ids(fhir_get(client, f"{BASE}/ServiceRequest?{query}", boss))

    everything = {chain.parent, chain.child, chain.expired, chain.other, chain.order}
    assert search("") == everything
    assert search(f"patient=Patient/{chain.patient}") == {chain.parent, chain.child, chain.order}
    assert search(f"patient:identifier={chain.world.nids[1]}") == {chain.expired}
    assert search(f"requester=Practitioner/{chain.spec}") == {chain.child}
    assert search(f"requester=Practitioner/{chain.doc}") == {
        chain.parent, chain.expired, chain.order
    }  # fmt: skip
    assert search(f"performer=Organization/{chain.hospital}") == {chain.parent, chain.expired}
    assert search(f"performer={chain.tertiary}") == {chain.child}
    assert search(f"authored=lt{TODAY.isoformat()}") == {chain.expired}
    assert search(f"identifier={REFERRAL_SYSTEM}|{chain.parent_ref}") == {chain.parent}
    assert search(f"based-on=ServiceRequest/{chain.parent}") == {chain.child}
    assert search(f"category={SNOMED}|3457005") == everything - {chain.order}
    assert search("category=108252007") == {chain.order}
    assert search("category=363679005") == set()
    assert search(f"_id={chain.child},{chain.order}") == {chain.child, chain.order}
    assert search("intent=order&status=completed") == {chain.child}
    for bad in ("performer=Patient/1", "authored=soon", "colour=red", "intent=wish"):
        assert_outcome(client.get(f"{BASE}/ServiceRequest?{bad}", headers=boss), 400, "invalid")


def test_scope_is_the_referral_apis_a_desk_gets_403_and_another_physician_404(
    client: TestClient, chain: Chain
) -> None:
    doc2, spec, cardio = h(client, "doc2"), h(client, "spec"), h(client, "cardio")
    for who in (doc2, cardio):
        assert_outcome(client.get(f"{BASE}/ServiceRequest/{chain.parent}", headers=who), 404,
                       "not-found")  # fmt: skip
    assert ids(fhir_get(client, f"{BASE}/ServiceRequest", doc2)) == {chain.other}
    # the hospital's specialist sees what was addressed to it and what they wrote
    assert ids(fhir_get(client, f"{BASE}/ServiceRequest", spec)) == {
        chain.parent, chain.child, chain.expired
    }  # fmt: skip
    assert ids(fhir_get(client, f"{BASE}/ServiceRequest", cardio)) == {chain.child}
    fhir_get(client, f"{BASE}/ServiceRequest/{chain.parent}", h(client, "manager"))
    far = h(client, "far_manager")
    assert_outcome(client.get(f"{BASE}/ServiceRequest/{chain.parent}", headers=far), 404,
                   "not-found")  # fmt: skip
    assert fhir_get(client, f"{BASE}/ServiceRequest", far)["total"] == 0
    desk = h(client, "desk")
    assert_outcome(client.get(f"{BASE}/ServiceRequest", headers=desk), 403, "forbidden")
    assert_outcome(client.get(f"{BASE}/ServiceRequest/{chain.parent}", headers=desk), 403,
                   "forbidden")  # fmt: skip
    for weird in ("referral-x", "referral-999999", "42", "order-", "referral-0"):
        assert_outcome(client.get(f"{BASE}/ServiceRequest/{weird}", headers=h(client, "boss")),
                       404, "not-found")  # fmt: skip


def test_paging_walks_the_referrals_then_the_orders(client: TestClient, chain: Chain) -> None:
    boss = h(client, "boss")
    seen: list[str] = []
    url = f"{BASE}/ServiceRequest?_count=2&intent=order"
    pages = 0
    while url:
        bundle = fhir_get(client, url, boss)
        assert bundle["total"] == 5
        seen.extend(e["resource"]["id"] for e in bundle.get("entry", []))
        links = {x["relation"]: x["url"] for x in bundle["link"]}
        assert "intent=order" in links["self"]
        url = f"{BASE}/" + links["next"].split("/fhir/r4/", 1)[1] if "next" in links else ""
        pages += 1
    assert pages == 3 and len(seen) == 5 and set(seen) == {
        chain.parent, chain.child, chain.expired, chain.other, chain.order
    }  # fmt: skip
    assert seen[-1] == chain.order  # referrals first, then prescription orders
    assert "entry" not in fhir_get(client, f"{BASE}/ServiceRequest?_count=2&_page=9", boss)
