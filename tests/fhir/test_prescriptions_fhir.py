"""E-prescriptions on the FHIR facade: MedicationRequest per drug line, MedicationDispense
per dispensing, order lines as ServiceRequest; scope as on the REST API; both databases."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from darman.common.jalali import tehran_today
from darman.db.uow import UnitOfWork
from darman.prescriptions import dispensing, issuing
from darman.prescriptions.models import PrescriptionLine
from darman.prescriptions.schemas import DispenseIn, DispenseLineIn
from darman.registry.models import Insured, Practitioner
from tests import factories as f
from tests.fhir.support import (
    FHIR_JSON,
    MEDICATION_DISPENSE_STATUSES,
    MEDICATION_REQUEST_STATUSES,
    REQUEST_INTENTS,
    REQUEST_STATUSES,
    assert_outcome,
    fhir_get,
    validate,
)
from tests.integration.prescriptions.world import World, build, drug, order, rx

BASE = "/fhir/r4"
DRUG_SYSTEM = "https://darman.example/fhir/CodeSystem/drug"
SERVICE_SYSTEM = "https://darman.example/fhir/CodeSystem/service"
RX_SYSTEM = "https://darman.example/fhir/sid/prescription"
LINE_SYSTEM = "https://darman.example/fhir/sid/prescription-line"
TODAY = tehran_today()


@dataclass
class Rx:
    world: World
    tracking: str  # doc's current prescription: 10001 x20 (7 days), 10005 x10, a lab order
    old_tracking: str  # doc's prescription issued 40 days ago (expired), 10005 x10
    other_tracking: str  # doc2's prescription for the other patient, 10006 x12
    patient: int
    other_patient: int
    doc: int  # practitioner ids
    doc2: int
    lines: dict[tuple[str, int], int]  # (tracking, line no) -> line id


@pytest.fixture
def rxw(session_factory: Any, client: TestClient) -> Rx:
    with UnitOfWork(session_factory) as uow:
        w = build(uow.session)
        s = uow.session
        current = issuing.issue(
            s, w.who["doc"],
            data=rx(w.nid, drug("10001", 20, 7, instructions="بعد از غذا"), drug("10005", 10, 5),
                    order("200101")),
        )  # fmt: skip
        old = issuing.issue(
            s, w.who["doc"], data=rx(w.nid, drug("10005", 10, 5)), on=TODAY - dt.timedelta(days=40)
        )
        other = issuing.issue(s, w.who["doc2"], data=rx(w.other_nid, drug("10006", 12, 6)))
        assert current.tracking_code and old.tracking_code and other.tracking_code
        ids = {p.id: p.tracking_code for p in (current, old, other)}
        lines = {
            (ids[li.prescription_id], li.line_no): li.id
            for li in s.scalars(select(PrescriptionLine))
        }
        nid_to_id = dict(s.execute(select(Insured.national_id, Insured.id)).all())
        council = dict(s.execute(select(Practitioner.council_number, Practitioner.id)).all())
        uow.commit()
    return Rx(
        world=w, tracking=current.tracking_code, old_tracking=old.tracking_code,
        other_tracking=other.tracking_code, patient=nid_to_id[w.nid],
        other_patient=nid_to_id[w.other_nid], doc=council["90001"], doc2=council["90003"],
        lines=lines,
    )  # fmt: skip


def h(client: TestClient, name: str) -> dict[str, str]:
    return {**f.token(client, name), "Accept": FHIR_JSON}


def ids(bundle: dict[str, Any]) -> set[str]:
    return {e["resource"]["id"] for e in bundle.get("entry", [])}


def dispense(session_factory: Any, r: Rx, key: str, *lines: tuple[int, int], who: str = "pharm_a"):
    with UnitOfWork(session_factory) as uow:
        out = dispensing.dispense(
            uow.session, r.world.who[who],
            data=DispenseIn(tracking_code=r.tracking, national_id=r.world.nid, request_key=key,
                            lines=[DispenseLineIn(line_no=n, quantity=q) for n, q in lines]),
        )  # fmt: skip
        uow.commit()
    return out


# ------------------------------------------------------------ MedicationRequest
def test_a_drug_line_is_a_valid_r4_medication_request_with_the_formulary_code(
    client: TestClient, rxw: Rx
) -> None:
    line_id = rxw.lines[(rxw.tracking, 1)]
    res = fhir_get(client, f"{BASE}/MedicationRequest/{line_id}", h(client, "doc"))
    assert res["resourceType"] == "MedicationRequest" and res["id"] == str(line_id)
    assert res["status"] == "active" and res["status"] in MEDICATION_REQUEST_STATUSES
    assert res["intent"] == "order"
    (coding,) = res["medicationCodeableConcept"]["coding"]
    assert coding == {"system": DRUG_SYSTEM, "code": "10001", "display": "آموکسی‌سیلین"}
    assert res["groupIdentifier"] == {"system": RX_SYSTEM, "value": rxw.tracking}
    assert {"system": LINE_SYSTEM, "value": f"{rxw.tracking}-1", "use": "official"} in res[
        "identifier"
    ]
    assert res["subject"]["reference"] == f"Patient/{rxw.patient}"
    assert res["requester"]["reference"] == f"Practitioner/{rxw.doc}"
    assert res["authoredOn"] == TODAY.isoformat()
    (dosage,) = res["dosageInstruction"]
    assert dosage["text"] == "روزی یک عدد" and dosage["patientInstruction"] == "بعد از غذا"
    request = res["dispenseRequest"]
    assert request["quantity"] == {"value": 20}
    assert request["expectedSupplyDuration"] == {
        "value": 7, "unit": "days", "system": "http://unitsofmeasure.org", "code": "d"
    }  # fmt: skip
    expiry = TODAY + dt.timedelta(days=30)
    assert request["validityPeriod"]["start"] == TODAY.isoformat()
    assert request["validityPeriod"]["end"] <= expiry.isoformat()


def test_the_status_is_completed_when_fully_dispensed_and_stopped_after_expiry(
    client: TestClient, rxw: Rx, session_factory: Any
) -> None:
    dispense(session_factory, rxw, "pharm-key-0001", (2, 10), (1, 5))
    doc = h(client, "doc")
    status = {
        n: fhir_get(client, f"{BASE}/MedicationRequest/{rxw.lines[(t, n)]}", doc)["status"]
        for t, n in ((rxw.tracking, 1), (rxw.tracking, 2))
    }
    assert status == {1: "active", 2: "completed"}  # line 1 partly dispensed is still active
    old = fhir_get(client, f"{BASE}/MedicationRequest/{rxw.lines[(rxw.old_tracking, 1)]}", doc)
    assert old["status"] == "stopped"

    def search(query: str) -> set[str]:
        return ids(fhir_get(client, f"{BASE}/MedicationRequest?{query}", doc))

    line = {k: str(v) for k, v in rxw.lines.items()}
    assert search("status=completed") == {line[(rxw.tracking, 2)]}
    assert search("status=stopped") == {line[(rxw.old_tracking, 1)]}
    assert search("status=active") == {line[(rxw.tracking, 1)]}
    assert search("status=active,stopped") == {line[(rxw.tracking, 1)], line[(rxw.old_tracking, 1)]}
    assert search("status=on-hold") == set()
    assert_outcome(client.get(f"{BASE}/MedicationRequest?status=expired", headers=doc), 400,
                   "invalid")  # fmt: skip


def test_medication_requests_are_searched_by_patient_tracking_code_requester_and_day(
    client: TestClient, rxw: Rx
) -> None:
    boss = h(client, "boss")
    line = {k: str(v) for k, v in rxw.lines.items()}
    mine = {line[(rxw.tracking, 1)], line[(rxw.tracking, 2)], line[(rxw.old_tracking, 1)]}

    def search(query: str) -> set[str]:
        return ids(fhir_get(client, f"{BASE}/MedicationRequest?{query}", boss))

    assert search("") == mine | {line[(rxw.other_tracking, 1)]}  # the lab order is not here
    assert search(f"patient=Patient/{rxw.patient}") == mine
    assert search(f"patient:identifier={rxw.world.nid}") == mine
    assert search(f"identifier={rxw.tracking}") == mine - {line[(rxw.old_tracking, 1)]}
    assert search(f"identifier={RX_SYSTEM}|{rxw.tracking.lower()}") == {
        line[(rxw.tracking, 1)], line[(rxw.tracking, 2)]
    }  # fmt: skip
    assert search(f"identifier={LINE_SYSTEM}|{rxw.tracking}-2") == {line[(rxw.tracking, 2)]}
    assert search("identifier=NOT-A-CODE") == set()
    assert search(f"requester=Practitioner/{rxw.doc2}") == {line[(rxw.other_tracking, 1)]}
    assert search(f"authoredon=lt{TODAY.isoformat()}") == {line[(rxw.old_tracking, 1)]}
    assert search(f"authoredon={TODAY.isoformat()}&requester={rxw.doc}") == {
        line[(rxw.tracking, 1)], line[(rxw.tracking, 2)]
    }  # fmt: skip
    assert search("intent=order") == search("")
    assert search("intent=plan") == set()
    body = assert_outcome(client.get(f"{BASE}/MedicationRequest?colour=red", headers=boss), 400,
                          "invalid")  # fmt: skip
    assert "colour" in str(body)
    assert_outcome(client.get(f"{BASE}/MedicationRequest?requester=Patient/1", headers=boss),
                   400, "invalid")  # fmt: skip
    assert_outcome(client.get(f"{BASE}/MedicationRequest?authoredon=yesterday", headers=boss),
                   400, "invalid")  # fmt: skip


def test_a_physician_sees_only_their_own_lines_and_another_ones_answer_404(
    client: TestClient, rxw: Rx
) -> None:
    doc2 = h(client, "doc2")
    theirs = str(rxw.lines[(rxw.other_tracking, 1)])
    assert ids(fhir_get(client, f"{BASE}/MedicationRequest", doc2)) == {theirs}
    not_mine = rxw.lines[(rxw.tracking, 1)]
    body = assert_outcome(client.get(f"{BASE}/MedicationRequest/{not_mine}", headers=doc2), 404,
                          "not-found")  # fmt: skip
    assert "10001" not in str(body)
    assert ids(fhir_get(client, f"{BASE}/MedicationRequest?patient=Patient/{rxw.patient}",
                        doc2)) == set()  # fmt: skip
    # staff by province: the manager of the clinic's province sees it, another province's not
    fhir_get(client, f"{BASE}/MedicationRequest/{not_mine}", h(client, "manager"))
    far = h(client, "far_manager")
    assert_outcome(client.get(f"{BASE}/MedicationRequest/{not_mine}", headers=far), 404,
                   "not-found")  # fmt: skip
    assert fhir_get(client, f"{BASE}/MedicationRequest", far)["total"] == 0
    for weird in ("abc", "0", "99999999", f"order-{not_mine}"):
        assert_outcome(client.get(f"{BASE}/MedicationRequest/{weird}", headers=h(client, "doc")),
                       404, "not-found")  # fmt: skip


def test_a_pharmacist_gets_403_on_search_and_read_and_no_credentials_401(
    client: TestClient, rxw: Rx
) -> None:
    pharm = h(client, "pharm_a")
    line = rxw.lines[(rxw.tracking, 1)]
    for url in ("MedicationRequest", f"MedicationRequest/{line}", "MedicationDispense",
                "ServiceRequest"):  # fmt: skip
        assert_outcome(client.get(f"{BASE}/{url}", headers=pharm), 403, "forbidden")
        assert_outcome(client.get(f"{BASE}/{url}", headers={"Accept": FHIR_JSON}), 401, "login")


def test_a_search_pages_with_links_that_repeat_the_parameters(client: TestClient, rxw: Rx) -> None:
    boss = h(client, "boss")
    first = fhir_get(client, f"{BASE}/MedicationRequest?_count=3&intent=order", boss)
    assert first["total"] == 4 and len(first["entry"]) == 3
    links = {x["relation"]: x["url"] for x in first["link"]}
    assert set(links) == {"self", "first", "next", "last"}
    assert "intent=order" in links["next"] and "_page=2" in links["next"]
    path = links["next"].split("/fhir/r4/", 1)[1]
    second = fhir_get(client, f"{BASE}/{path}", boss)
    assert len(second["entry"]) == 1 and "previous" in {x["relation"] for x in second["link"]}
    assert ids(first).isdisjoint(ids(second))
    assert "entry" not in fhir_get(client, f"{BASE}/MedicationRequest?_count=0", boss)


# ------------------------------------------------------------ MedicationDispense
def test_each_dispensing_is_a_completed_medication_dispense_of_its_line(
    client: TestClient, rxw: Rx, session_factory: Any
) -> None:
    dispense(session_factory, rxw, "pharm-key-0001", (1, 5))
    dispense(session_factory, rxw, "pharm-key-0002", (1, 15), (2, 10), who="pharm_b")
    doc = h(client, "doc")
    bundle = fhir_get(client, f"{BASE}/MedicationDispense", doc)
    assert bundle["total"] == 3
    first_line = rxw.lines[(rxw.tracking, 1)]
    by_key = {}
    for e in bundle["entry"]:
        res = e["resource"]
        assert res["status"] == "completed" and res["status"] in MEDICATION_DISPENSE_STATUSES
        assert res["subject"]["reference"] == f"Patient/{rxw.patient}"
        assert res["medicationCodeableConcept"]["coding"][0]["system"] == DRUG_SYSTEM
        assert dt.datetime.fromisoformat(res["whenHandedOver"]).tzinfo is not None
        by_key.setdefault(res["identifier"][0]["value"], []).append(res)
    (one,) = by_key["pharm-key-0001"]
    assert one["authorizingPrescription"] == [{"reference": f"MedicationRequest/{first_line}"}]
    assert one["quantity"] == {"value": 5}
    assert one["performer"][0]["actor"]["reference"] == f"Organization/{rxw.world.pharmacy_a_id}"
    assert fhir_get(client, f"{BASE}/MedicationDispense/{one['id']}", doc) == one

    def search(query: str) -> int:
        return int(fhir_get(client, f"{BASE}/MedicationDispense?{query}", doc)["total"])

    assert search(f"prescription=MedicationRequest/{first_line}") == 2
    assert search(f"performer=Organization/{rxw.world.pharmacy_b_id}") == 2
    assert search(f"patient=Patient/{rxw.other_patient}") == 0
    assert search(f"whenhandedover={TODAY.isoformat()}") == 3
    assert search(f"whenhandedover=lt{TODAY.isoformat()}") == 0
    assert search("identifier=pharm-key-0002") == 2
    assert search("status=completed") == 3 and search("status=declined") == 0
    # another physician neither reads nor finds them
    doc2 = h(client, "doc2")
    assert_outcome(client.get(f"{BASE}/MedicationDispense/{one['id']}", headers=doc2), 404,
                   "not-found")  # fmt: skip
    assert fhir_get(client, f"{BASE}/MedicationDispense", doc2)["total"] == 0
    assert fhir_get(client, f"{BASE}/MedicationDispense", h(client, "far_manager"))["total"] == 0


def test_a_lab_order_line_is_a_service_request_with_the_tracking_code_as_requisition(
    client: TestClient, rxw: Rx
) -> None:
    order_id = f"order-{rxw.lines[(rxw.tracking, 3)]}"
    doc = h(client, "doc")
    res = fhir_get(client, f"{BASE}/ServiceRequest/{order_id}", doc)
    assert res["status"] == "active" and res["status"] in REQUEST_STATUSES
    assert res["intent"] == "order" and res["intent"] in REQUEST_INTENTS
    assert res["requisition"] == {"system": RX_SYSTEM, "value": rxw.tracking}
    assert res["category"] == [
        {"coding": [{"system": "http://snomed.info/sct", "code": "108252007",
                     "display": "Laboratory procedure"}]}
    ]  # fmt: skip
    assert res["code"]["coding"][0]["system"] == SERVICE_SYSTEM
    assert res["code"]["coding"][0]["code"] == "200101"
    assert res["subject"]["reference"] == f"Patient/{rxw.patient}"
    found = fhir_get(client, f"{BASE}/ServiceRequest?requisition={rxw.tracking}", doc)
    assert ids(found) == {order_id}
    assert_outcome(client.get(f"{BASE}/ServiceRequest/{order_id}", headers=h(client, "doc2")),
                   404, "not-found")  # fmt: skip


def test_the_capability_statement_offers_the_prescription_resources(client: TestClient) -> None:
    cap = client.get(f"{BASE}/metadata").json()
    served = {r["type"]: r for r in cap["rest"][0]["resource"]}
    for kind in ("MedicationRequest", "MedicationDispense", "ServiceRequest"):
        assert {"read", "search-type"} <= {i["code"] for i in served[kind]["interaction"]}
    names = {p["name"] for p in served["MedicationRequest"]["searchParam"]}
    assert {"patient", "identifier", "requester", "status", "authoredon"} <= names
    names = {p["name"] for p in served["MedicationDispense"]["searchParam"]}
    assert {"patient", "prescription", "performer", "whenhandedover"} <= names


# ------------------------------------------------------------ POST MedicationDispense
KEY_SYSTEM = "https://darman.example/fhir/sid/dispense-request"
NID_SYSTEM = "https://darman.example/fhir/sid/national-id"


def posted(tracking: str, line_no: int, nid: str, quantity: int, key: str) -> dict[str, Any]:
    return {
        "resourceType": "MedicationDispense",
        "identifier": [{"system": KEY_SYSTEM, "value": key}],
        "status": "completed",
        "authorizingPrescription": [
            {"identifier": {"system": LINE_SYSTEM, "value": f"{tracking}-{line_no}"}}
        ],
        "subject": {"identifier": {"system": NID_SYSTEM, "value": nid}},
        "quantity": {"value": quantity},
    }


def post(client: TestClient, body: Any, headers: dict[str, str]) -> Any:
    return client.post(
        f"{BASE}/MedicationDispense",
        json=body,
        headers={**headers, "Content-Type": FHIR_JSON},
    )


def expressions(resp: Any, status: int) -> list[str]:
    assert resp.status_code == status, resp.text
    body = resp.json()
    assert body["resourceType"] == "OperationOutcome"
    return [e for i in body["issue"] for e in i.get("expression", [])]


def test_a_pharmacy_dispenses_by_posting_a_medication_dispense_and_a_retry_is_a_replay(
    client: TestClient, rxw: Rx
) -> None:
    pharm = h(client, "pharm_a")
    body = posted(rxw.tracking, 1, rxw.world.nid, 8, "fhir-disp-0001")
    first = post(client, body, pharm)
    assert first.status_code == 201, first.text
    made = first.json()
    validate(made)
    assert made["status"] == "completed" and made["quantity"] == {"value": 8}
    assert made["authorizingPrescription"] == [
        {"reference": f"MedicationRequest/{rxw.lines[(rxw.tracking, 1)]}"}
    ]
    assert first.headers["location"].endswith(f"/MedicationDispense/{made['id']}")
    again = post(client, body, pharm)
    assert again.status_code == 200 and again.json() == made
    # the same identifier for another quantity is a conflict, not a second dispensing
    clash = posted(rxw.tracking, 1, rxw.world.nid, 3, "fhir-disp-0001")
    assert expressions(post(client, clash, pharm), 409) == [
        "MedicationDispense.identifier[0].value"
    ]
    doc = h(client, "doc")
    line = fhir_get(client, f"{BASE}/MedicationRequest/{rxw.lines[(rxw.tracking, 1)]}", doc)
    assert line["status"] == "active"
    assert fhir_get(client, f"{BASE}/MedicationDispense", doc)["total"] == 1
    rest = post(client, posted(rxw.tracking, 1, rxw.world.nid, 12, "fhir-disp-0002"), pharm)
    assert rest.status_code == 201
    line = fhir_get(client, f"{BASE}/MedicationRequest/{rxw.lines[(rxw.tracking, 1)]}", doc)
    assert line["status"] == "completed"


def test_a_posted_medication_dispense_is_refused_with_the_element_named(
    client: TestClient, rxw: Rx
) -> None:
    pharm = h(client, "pharm_a")
    nid = rxw.world.nid
    too_many = posted(rxw.tracking, 2, nid, 11, "fhir-disp-0003")
    assert expressions(post(client, too_many, pharm), 422) == ["MedicationDispense.quantity.value"]
    foreign = posted(rxw.tracking, 1, rxw.world.other_nid, 1, "fhir-disp-0004")
    assert expressions(post(client, foreign, pharm), 404) == [
        "MedicationDispense.authorizingPrescription[0].identifier.value"
    ]
    expired = posted(rxw.old_tracking, 1, nid, 1, "fhir-disp-0005")
    assert expressions(post(client, expired, pharm), 410)
    lab_order = posted(rxw.tracking, 3, nid, 1, "fhir-disp-0006")
    assert expressions(post(client, lab_order, h(client, "lab")), 422) == [
        "MedicationDispense.authorizingPrescription[0].identifier.value"
    ]
    empty = {"resourceType": "MedicationDispense"}
    assert set(expressions(post(client, empty, pharm), 422)) == {
        "MedicationDispense.identifier[0].value",
        "MedicationDispense.authorizingPrescription[0].identifier.value",
        "MedicationDispense.subject.identifier.value",
        "MedicationDispense.quantity.value",
    }
    assert post(client, {"resourceType": "Claim"}, pharm).status_code == 400
    assert_outcome(post(client, too_many, h(client, "doc")), 403, "forbidden")
    as_text = client.post(f"{BASE}/MedicationDispense", content="x",
                          headers={**pharm, "Content-Type": "text/plain"})  # fmt: skip
    assert_outcome(as_text, 415, "not-supported")
    nothing = fhir_get(client, f"{BASE}/MedicationDispense", h(client, "boss"))
    assert nothing["total"] == 0
