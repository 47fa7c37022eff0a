"""Claims on the FHIR facade, on SQLite and PostgreSQL: POST a Claim, read its ClaimResponse
and ExplanationOfBenefit before and after adjudication and payment, search, scope, errors.

Every resource is parsed by fhir.resources (R4B) and fhirclient (4.0.1) and its
HL7 codes checked against the lists written out below, independently of the mapper.
"""

from __future__ import annotations

import copy
import json
from typing import Any

import pytest
from fastapi.testclient import TestClient
from fhir.resources.R4B.bundle import Bundle
from fhir.resources.R4B.claim import Claim
from fhir.resources.R4B.claimresponse import ClaimResponse
from fhir.resources.R4B.explanationofbenefit import ExplanationOfBenefit
from fhir.resources.R4B.operationoutcome import OperationOutcome
from fhirclient.models.bundle import Bundle as FCBundle
from fhirclient.models.claim import Claim as FCClaim
from fhirclient.models.claimresponse import ClaimResponse as FCClaimResponse
from fhirclient.models.explanationofbenefit import ExplanationOfBenefit as FCExplanationOfBenefit
from fhirclient.models.operationoutcome import OperationOutcome as FCOperationOutcome
from sqlalchemy import select

from darman.claims import payment, review, rules
from darman.claims import service as claims
from darman.db.uow import UnitOfWork
from darman.referrals.reading import claims_register
from darman.registry.models import Facility, Insured
from darman.security.enums import Role, ScopeLevel
from darman.security.principal import SYSTEM
from darman.synth import service as synth
from tests import factories as f
from tests.fhir.support import FHIR_JSON, HL7_CODES, ISSUE_TYPES
from tests.integration.claims.conftest import tariff

BASE = "/fhir/r4"
NID = "https://darman.example/fhir/sid/national-id"
FACILITY = "https://darman.example/fhir/sid/facility-code"
DOCUMENT = "https://darman.example/fhir/sid/claim-document"
COUNCIL = "https://darman.example/fhir/sid/medical-council"
SERVICE = "https://darman.example/fhir/CodeSystem/service"
VISIT = "https://darman.example/fhir/CodeSystem/visit-type"
REASON = "https://darman.example/fhir/CodeSystem/adjudication-reason"
DARMAN_ADJ = "https://darman.example/fhir/CodeSystem/adjudication"
ADJ = "http://terminology.hl7.org/CodeSystem/adjudication"

MODELS: dict[str, tuple[Any, Any]] = {
    "Claim": (Claim, FCClaim), "ClaimResponse": (ClaimResponse, FCClaimResponse),
    "ExplanationOfBenefit": (ExplanationOfBenefit, FCExplanationOfBenefit),
    "Bundle": (Bundle, FCBundle), "OperationOutcome": (OperationOutcome, FCOperationOutcome),
}  # fmt: skip
CODES: dict[str, set[str]] = {
    **HL7_CODES,
    "http://terminology.hl7.org/CodeSystem/claim-type": {
        "institutional", "oral", "pharmacy", "professional", "vision"},
    ADJ: {"submitted", "copay", "eligible", "deductible", "unallocdeduct", "eligpercent", "tax",
          "benefit"},
    "http://terminology.hl7.org/CodeSystem/processpriority": {"stat", "normal", "deferred"},
    "http://terminology.hl7.org/CodeSystem/ex-paymenttype": {"complete", "partial"},
    VISIT: {"outpatient", "inpatient", "emergency"},
    REASON: {r.code for r in rules.REASONS},
    DARMAN_ADJ: {"deducted"},
}  # fmt: skip
STATUS_CODES = {
    "status": {"active", "cancelled", "draft", "entered-in-error"},
    "use": {"claim", "preauthorization", "predetermination"},
    "outcome": {"queued", "complete", "error", "partial"},
}


def _walk(node: Any, where: str = "") -> list[tuple[str, Any]]:
    out = [(where, node)]
    if isinstance(node, dict):
        for key, value in node.items():
            out += _walk(value, f"{where}.{key}")
    elif isinstance(node, list):
        for i, value in enumerate(node):
            out += _walk(value, f"{where}[{i}]")
    return out


def validate(resource: dict[str, Any]) -> dict[str, Any]:
    """R4B and strict fhirclient parse it (fhirclient giving the same JSON back), no empty
    element, every coding of a known system has a known code, top-level codes are R4 codes."""
    r4b, fhirclient = MODELS[resource["resourceType"]]
    r4b.model_validate(resource)
    assert fhirclient(copy.deepcopy(resource), strict=True).as_json() == resource
    for where, node in _walk(resource):
        assert node not in ("", [], {}, None), f"empty value at {where}"
        if isinstance(node, dict) and "system" in node and "code" in node:
            assert node["code"] in CODES.get(node["system"], {node["code"]}), (where, node)
    for key, allowed in STATUS_CODES.items():
        if resource["resourceType"] != "Bundle" and key in resource:
            assert resource[key] in allowed, (key, resource[key])
    for entry in resource.get("entry", []):
        validate(entry["resource"])
    return resource


def answer(resp: Any, status: int) -> dict[str, Any]:
    assert resp.status_code == status, resp.text
    assert resp.headers["content-type"].startswith(FHIR_JSON)
    return validate(resp.json())


def refusal(resp: Any, status: int) -> dict[str, list[str]]:
    """The OperationOutcome's issues as {FHIRPath: [diagnostics]}."""
    body = answer(resp, status)
    assert body["resourceType"] == "OperationOutcome"
    assert {i["code"] for i in body["issue"]} <= ISSUE_TYPES
    out: dict[str, list[str]] = {}
    for issue in body["issue"]:
        for path in issue.get("expression", ["-"]):
            out.setdefault(path, []).append(issue["diagnostics"])
    return out


@pytest.fixture
def country(session_factory: Any, client: TestClient) -> dict[str, Any]:
    """A tiny seeded country; a provider user at a contracted hospital and one elsewhere."""
    with UnitOfWork(session_factory) as uow:
        s = uow.session
        synth.seed(s, scale=0.0002, seed=9)
        f.lasting_filing_deadline(s)
        hospital = s.scalar(
            select(Facility)
            .where(Facility.ownership == "contracted", Facility.kind == "hospital",
                   Facility.level == 2)
            .order_by(Facility.id)
        )  # fmt: skip
        assert hospital is not None
        other = s.scalar(
            select(Facility)
            .where(Facility.id != hospital.id, Facility.ownership == "contracted")
            .order_by(Facility.id)
        )
        person = s.scalar(
            select(Insured).where(Insured.province_id == hospital.province_id).order_by(Insured.id)
        )
        assert other is not None and person is not None
        f.user(s, username="boss")
        f.user(s, username="desk", role=Role.PROVIDER_USER, scope_level=ScopeLevel.FACILITY,
               facility_id=hospital.id)  # fmt: skip
        f.user(s, username="desk2", role=Role.PROVIDER_USER, scope_level=ScopeLevel.FACILITY,
               facility_id=other.id)  # fmt: skip
        uow.commit()
        world = {"hospital": hospital.code, "hospital_id": hospital.id, "other": other.code,
                 "nid": person.national_id, "patient_id": person.id}  # fmt: skip
    for name in ("boss", "desk", "desk2"):
        world[name] = {**f.token(client, name), "Accept": FHIR_JSON}
    return world


def fhir_claim(w: dict[str, Any], doc: str, **overrides: Any) -> dict[str, Any]:
    """An outpatient R4 Claim with one visit at the tariff price."""
    body: dict[str, Any] = {
        "resourceType": "Claim",
        "identifier": [{"system": DOCUMENT, "value": doc}],
        "status": "active",
        "type": {"coding": [{"system": "http://terminology.hl7.org/CodeSystem/claim-type",
                             "code": "professional"}]},
        "subType": {"coding": [{"system": VISIT, "code": "outpatient"}]},
        "use": "claim",
        "patient": {"identifier": {"system": NID, "value": w["nid"]}},
        "created": "2026-09-23",
        "provider": {"identifier": {"system": FACILITY, "value": w["hospital"]}},
        "priority": {"coding": [{"system": "http://terminology.hl7.org/CodeSystem/processpriority",
                                 "code": "normal"}]},
        "insurance": [{"sequence": 1, "focal": True, "coverage": {"display": "پایه"}}],
        "diagnosis": [{"sequence": 1, "diagnosisCodeableConcept": {
            "coding": [{"system": "http://hl7.org/fhir/sid/icd-10", "code": "J06.9"}]}}],
        "item": [item(tariff("100102"))],
    }  # fmt: skip
    body.update(overrides)
    return body


def item(price: int, code: str = "100102", quantity: Any = 1, day: str = "2026-09-23") -> Any:
    return {"sequence": 1, "productOrService": {"coding": [{"system": SERVICE, "code": code}]},
            "servicedDate": day, "quantity": {"value": quantity},
            "unitPrice": {"value": price, "currency": "IRR"}}  # fmt: skip


def post(client: TestClient, body: Any, headers: dict[str, str]) -> Any:
    data = body if isinstance(body, str) else json.dumps(body, ensure_ascii=False)
    return client.post(f"{BASE}/Claim", content=data.encode(),
                       headers={**headers, "Content-Type": FHIR_JSON})  # fmt: skip


def adjudication(entries: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    return {e["category"]["coding"][0]["code"]: e for e in entries}


def test_a_provider_posts_a_claim_and_gets_a_queued_claim_response_with_201(
    client: TestClient, country: dict[str, Any]
) -> None:
    resp = post(client, fhir_claim(country, "1001"), country["desk"])
    cr = answer(resp, 201)
    assert cr["resourceType"] == "ClaimResponse" and cr["status"] == "active"
    assert cr["outcome"] == "queued" and cr["use"] == "claim"
    assert cr["request"]["reference"] == f"Claim/{cr['id']}"
    assert resp.headers["location"].endswith(f"{BASE}/Claim/{cr['id']}")
    assert cr["patient"]["reference"] == f"Patient/{country['patient_id']}"
    assert cr["requestor"]["identifier"]["value"] == country["hospital"]
    (line,) = cr["item"]
    assert line["itemSequence"] == 1
    assert line["adjudication"] == [
        {"category": {"coding": [{"system": ADJ, "code": "submitted",
                                  "display": "Submitted Amount"}]},
         "amount": {"value": tariff("100102"), "currency": "IRR"}},
    ]  # fmt: skip


def test_posting_the_same_claim_again_answers_200_and_other_content_answers_409(
    client: TestClient, country: dict[str, Any]
) -> None:
    first = answer(post(client, fhir_claim(country, "1002"), country["desk"]), 201)
    again = answer(post(client, fhir_claim(country, "1002"), country["desk"]), 200)
    assert again["id"] == first["id"]
    changed = fhir_claim(country, "1002", subType={"coding": [{"system": VISIT,
                                                               "code": "emergency"}]})  # fmt: skip
    issues = refusal(post(client, changed, country["desk"]), 409)
    assert "پیش‌تر با محتوای دیگری ارسال شده است" in issues["Claim.identifier[0].value"][0]
    assert (
        answer(post(client, fhir_claim(country, "1002"), country["desk"]), 200)["id"] == first["id"]
    )


def test_after_adjudication_and_payment_the_response_and_eob_show_amounts_and_reasons(
    client: TestClient, country: dict[str, Any], session_factory: Any
) -> None:
    price = tariff("100102")
    body = fhir_claim(country, "1003", item=[item(price + 50_000), item(price, code="999999")])
    cid = answer(post(client, body, country["desk"]), 201)["id"]
    with UnitOfWork(session_factory) as uow:
        claims.adjudicate_pending(uow.session, referrals=claims_register(), actor="test")
        uow.commit()
    cr = answer(client.get(f"{BASE}/ClaimResponse/{cid}", headers=country["desk"]), 200)
    assert cr["outcome"] == "complete"
    over, unknown = (adjudication(i["adjudication"]) for i in cr["item"])
    copay = (price * 30 + 50) // 100
    assert {k: v["amount"]["value"] for k, v in over.items()} == {
        "submitted": price + 50_000, "eligible": price, "copay": copay,
        "benefit": price - copay, "deducted": 50_000,
    }  # fmt: skip
    assert over["deducted"]["reason"]["coding"] == [
        {"system": REASON, "code": "D01", "display": rules.REASON_BY_CODE["D01"].label_fa}
    ]
    assert "مازاد" in over["deducted"]["reason"]["text"]
    assert unknown["eligible"]["amount"]["value"] == 0
    assert unknown["deducted"]["reason"]["coding"][0]["code"] == "R01"
    eob = answer(client.get(f"{BASE}/ExplanationOfBenefit/{cid}", headers=country["desk"]), 200)
    assert eob["outcome"] == "complete" and eob["claim"]["reference"] == f"Claim/{cid}"
    totals = {t["category"]["coding"][0]["code"]: t["amount"]["value"] for t in eob["total"]}
    assert totals["benefit"] == price - copay and totals["submitted"] == 2 * price + 50_000
    assert "payment" not in eob
    with UnitOfWork(session_factory) as uow:
        review.select_for_review(uow.session, actor="test")
        payment.pay(uow.session, SYSTEM, run_key="fhir-1", budget_rials=10**12)
        uow.commit()
    eob = answer(client.get(f"{BASE}/ExplanationOfBenefit/{cid}", headers=country["desk"]), 200)
    assert eob["payment"]["amount"] == {"value": price - copay, "currency": "IRR"}
    assert eob["payment"]["type"]["coding"][0]["code"] == "complete" and eob["payment"]["date"]


def test_another_facilitys_provider_gets_404_and_finds_nothing(
    client: TestClient, country: dict[str, Any]
) -> None:
    cid = answer(post(client, fhir_claim(country, "1004"), country["desk"]), 201)["id"]
    for kind in ("Claim", "ClaimResponse", "ExplanationOfBenefit"):
        resp = client.get(f"{BASE}/{kind}/{cid}", headers=country["desk2"])
        assert refusal(resp, 404) == {"-": [f"no {kind} {cid} in your scope"]}
        answer(client.get(f"{BASE}/{kind}/{cid}", headers=country["boss"]), 200)
    found = answer(client.get(f"{BASE}/Claim?identifier=1004", headers=country["desk2"]), 200)
    assert found["total"] == 0
    theirs = fhir_claim(country, "1005")  # for desk's hospital, sent by desk2
    issues = refusal(post(client, theirs, country["desk2"]), 422)
    assert "Claim.provider.identifier.value" in issues


def test_a_bad_quantity_is_a_422_operation_outcome_naming_the_item(
    client: TestClient, country: dict[str, Any]
) -> None:
    price = tariff("100102")
    body = fhir_claim(country, "1006", item=[item(price), item(price, quantity=0)])
    issues = refusal(post(client, body, country["desk"]), 422)
    assert list(issues) == ["Claim.item[1].quantity.value"]
    assert "greater than or equal to 1" in issues["Claim.item[1].quantity.value"][0]
    body = fhir_claim(country, "1006", item=[item(price, quantity=1.5), item(price)])
    body["item"][1]["unitPrice"]["currency"] = "USD"
    issues = refusal(post(client, body, country["desk"]), 422)
    assert set(issues) == {"Claim.item[0].quantity.value", "Claim.item[1].unitPrice.currency"}
    found = answer(client.get(f"{BASE}/Claim?identifier=1006", headers=country["desk"]), 200)
    assert found["total"] == 0


def test_missing_and_unknown_values_are_each_named_in_one_422(
    client: TestClient, country: dict[str, Any]
) -> None:
    body = fhir_claim(country, "1007", status="cancelled", subType=None, identifier=[])
    body["item"][0]["productOrService"]["coding"][0]["system"] = "http://loinc.org"
    body["diagnosis"][0]["diagnosisCodeableConcept"]["coding"][0]["code"] = "not-icd"
    issues = refusal(post(client, body, country["desk"]), 422)
    assert {"Claim.status", "Claim.subType", "Claim.identifier",
            "Claim.item[0].productOrService"} <= set(issues)  # fmt: skip
    inpatient = fhir_claim(country, "1008")
    inpatient["subType"]["coding"][0]["code"] = "inpatient"
    issues = refusal(post(client, inpatient, country["desk"]), 422)
    assert (
        "تاریخ پذیرش (admission_date) و ترخیص (discharge_date) لازم دارد"
        in issues["Claim.billablePeriod"][0]
    )
    icd = fhir_claim(country, "1009")
    icd["diagnosis"][0]["diagnosisCodeableConcept"]["coding"][0]["code"] = "not-icd"
    assert list(refusal(post(client, icd, country["desk"]), 422)) == [
        "Claim.diagnosis[0].diagnosisCodeableConcept"
    ]


def test_a_body_that_is_not_a_claim_in_fhir_json_is_a_400_or_415(
    client: TestClient, country: dict[str, Any]
) -> None:
    refusal(post(client, {"resourceType": "Patient"}, country["desk"]), 400)
    refusal(post(client, "{not json", country["desk"]), 400)
    shapeless = fhir_claim(country, "1010", item={"quantity": 1})
    assert "Claim.item" in refusal(post(client, shapeless, country["desk"]), 400)
    as_text = client.post(f"{BASE}/Claim", content=json.dumps(fhir_claim(country, "1010")),
                          headers={**country["desk"], "Content-Type": "text/plain"})  # fmt: skip
    assert "application/fhir+json" in refusal(as_text, 415)["-"][0]


def test_an_inpatient_claim_reads_back_as_a_claim_that_posts_again_as_the_same(
    client: TestClient, country: dict[str, Any]
) -> None:
    body = fhir_claim(
        country, "1011",
        subType={"coding": [{"system": VISIT, "code": "inpatient"}]},
        billablePeriod={"start": "2026-09-20", "end": "2026-09-25T12:00:00+03:30"},
        careTeam=[{"sequence": 1, "provider": {"reference": "#doc"}}],
        contained=[{"resourceType": "Practitioner", "id": "doc",
                    "identifier": [{"system": COUNCIL, "value": "12345"}]}],
        referral={"identifier": {"system": "https://darman.example/fhir/sid/referral",
                                 "value": "R-77"}},
        patient={"reference": f"Patient/{country['patient_id']}"},
    )  # fmt: skip
    cid = answer(post(client, body, country["desk"]), 201)["id"]
    claim = answer(client.get(f"{BASE}/Claim/{cid}", headers=country["desk"]), 200)
    assert claim["billablePeriod"] == {"start": "2026-09-20", "end": "2026-09-25"}
    assert claim["type"]["coding"][0]["code"] == "institutional"
    assert claim["careTeam"][0]["provider"]["identifier"]["value"] == "12345"
    assert claim["patient"]["identifier"]["value"] == country["nid"]
    assert claim["referral"]["identifier"]["value"] == "R-77"
    assert claim["item"][0]["careTeamSequence"] == [1]
    assert claim["diagnosis"][0]["diagnosisCodeableConcept"]["coding"][0]["code"] == "J06.9"
    assert answer(post(client, claim, country["desk"]), 200)["id"] == cid


def test_claims_are_searched_by_identifier_and_patient_within_the_callers_scope(
    client: TestClient, country: dict[str, Any]
) -> None:
    ids = [answer(post(client, fhir_claim(country, d), country["desk"]), 201)["id"]
           for d in ("2001", "2002")]  # fmt: skip
    h = country["desk"]
    by_doc = answer(client.get(f"{BASE}/Claim?identifier={DOCUMENT}|2002", headers=h), 200)
    assert [e["resource"]["id"] for e in by_doc["entry"]] == [ids[1]]
    by_patient = answer(
        client.get(f"{BASE}/Claim?patient=Patient/{country['patient_id']}", headers=h), 200
    )
    assert [e["resource"]["id"] for e in by_patient["entry"]] == ids
    by_nid = client.get(f"{BASE}/Claim?patient:identifier={NID}|{country['nid']}&_count=1",
                        headers=h)  # fmt: skip
    page = answer(by_nid, 200)
    assert page["total"] == 2 and {x["relation"] for x in page["link"]} >= {"self", "next"}
    assert answer(client.get(f"{BASE}/Claim?patient=Patient/999999", headers=h), 200)["total"] == 0
    assert answer(client.get(f"{BASE}/Claim", headers=country["desk2"]), 200)["total"] == 0
    assert "colour" in refusal(client.get(f"{BASE}/Claim?colour=red", headers=h), 400)["-"][0]


def test_the_capability_statement_offers_claims(client: TestClient) -> None:
    cap = client.get(f"{BASE}/metadata").json()
    served = {r["type"]: r for r in cap["rest"][0]["resource"]}
    claim = served["Claim"]
    assert [i["code"] for i in claim["interaction"]] == ["create", "read", "search-type"]
    assert {"identifier", "patient"} <= {p["name"] for p in claim["searchParam"]}
    for kind in ("ClaimResponse", "ExplanationOfBenefit"):
        assert [i["code"] for i in served[kind]["interaction"]] == ["read"]


def test_a_user_who_may_not_submit_claims_gets_a_403_outcome(
    client: TestClient, country: dict[str, Any], session_factory: Any
) -> None:
    with UnitOfWork(session_factory) as uow:
        f.user(uow.session, username="analyst", role=Role.HQ_ANALYST)
        uow.commit()
    h = {**f.token(client, "analyst"), "Accept": FHIR_JSON}
    refusal(post(client, fhir_claim(country, "3001"), h), 403)
