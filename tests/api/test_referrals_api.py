"""The referral REST API: problem+json naming the field, 403 and 404 by scope."""

from __future__ import annotations

import datetime as dt

import pytest
from fastapi.testclient import TestClient

from darman.db.uow import UnitOfWork
from darman.referrals import reading
from tests import factories as f
from tests.integration.referrals.world import INTERNAL, World, build, phase_1

BASE = "/api/v1/referrals"


@pytest.fixture
def world(session_factory, client: TestClient) -> World:
    with UnitOfWork(session_factory) as uow:
        w = build(uow.session)
        phase_1(uow.session, w)
        uow.commit()
    return w


def body(nid: str, facility: str | None, **kw) -> dict:
    return {"national_id": nid, "specialty": INTERNAL, "reason": "سرفه‌ی مزمن",
            "diagnosis": "r05", "facility_code": facility, **kw}  # fmt: skip


def problem_fields(resp) -> set[str]:
    assert resp.headers["content-type"].startswith("application/problem+json"), resp.text
    return {e.get("field") or "" for e in resp.json().get("errors", [])}


def test_a_family_physician_enrols_refers_and_reads_the_feedback(client, world) -> None:
    doc, spec = f.token(client, "doc"), f.token(client, "spec")
    nid = world.nids[0]
    enrolled = client.post(f"{BASE}/panels/enrol", json={"national_id": nid}, headers=doc)
    assert enrolled.status_code == 201, enrolled.text
    panel = client.get(f"{BASE}/panels/mine", headers=doc).json()
    assert panel["members"] == 1 and panel["items"][0]["national_id"] == nid
    hints = client.get(f"{BASE}/suggestions", params={"specialty": INTERNAL}, headers=doc).json()
    assert hints[0]["facility_code"] == world.hospital
    issued = client.post(BASE, json=body(nid, world.hospital), headers=doc)
    assert issued.status_code == 201, issued.text
    ref = issued.json()
    assert ref["diagnosis"] == "R05" and ref["issued_on_jalali"].startswith("۱۴")
    incoming = client.get(BASE, headers=spec).json()
    assert [r["ref_number"] for r in incoming["items"]] == [ref["ref_number"]]
    answered = client.post(
        f"{BASE}/{ref['id']}/feedback", json={"text": "سل رد شد؛ آسم"}, headers=spec
    )
    assert answered.status_code == 200, answered.text
    seen = client.get(f"{BASE}/{ref['id']}", headers=doc).json()
    assert seen["feedback"]["text"] == "سل رد شد؛ آسم" and seen["state"] == "answered"
    again = client.post(f"{BASE}/{ref['id']}/feedback", json={"text": "دوباره"}, headers=spec)
    assert again.status_code == 409
    assert again.json()["type"].endswith("/feedback-already-given")


def test_a_contracted_centre_in_phase_1_without_a_reason_names_the_field(client, world) -> None:
    doc = f.token(client, "doc")
    client.post(f"{BASE}/panels/enrol", json={"national_id": world.nids[0]}, headers=doc)
    refused = client.post(BASE, json=body(world.nids[0], world.contracted), headers=doc)
    assert refused.status_code == 422
    assert problem_fields(refused) == {"choice_reason"}
    assert "مرحله‌ی اول" in refused.json()["errors"][0]["reason"]
    both = client.post(
        BASE, json=body(world.nids[0], world.hospital, outside_facility="مطب خصوصی"), headers=doc
    )
    assert both.status_code == 422
    bad_icd = client.post(
        BASE, json=body(world.nids[0], world.hospital, diagnosis="high"), headers=doc
    )
    assert bad_icd.status_code == 422 and "diagnosis" in problem_fields(bad_icd)
    unknown = client.post(BASE, json=body(world.nids[0], world.hospital, colour="red"), headers=doc)
    assert "colour" in problem_fields(unknown)


def test_scope_answers_404_for_rows_outside_it_and_403_for_the_wrong_role(client, world) -> None:
    doc, doc2 = f.token(client, "doc"), f.token(client, "doc2")
    client.post(f"{BASE}/panels/enrol", json={"national_id": world.nids[0]}, headers=doc)
    ref = client.post(BASE, json=body(world.nids[0], world.hospital), headers=doc).json()
    assert client.get(f"{BASE}/{ref['id']}", headers=doc2).status_code == 404
    assert (
        client.get(f"{BASE}/{ref['id']}", headers=f.token(client, "far_manager")).status_code == 404
    )
    assert client.get(f"{BASE}/{ref['id']}", headers=f.token(client, "manager")).status_code == 200
    note = {"text": "ویزیت شد"}
    assert (
        client.post(
            f"{BASE}/{ref['id']}/feedback", json=note, headers=f.token(client, "suburb_spec")
        ).status_code
        == 404
    )
    assert client.post(f"{BASE}/{ref['id']}/feedback", json=note, headers=doc).status_code == 403
    assert client.get(f"{BASE}/panels/80001", headers=doc2).status_code == 404
    desk = f.token(client, "desk")
    assert client.get(BASE, headers=desk).status_code == 403
    assert client.get(f"{BASE}/panels/unenrolled", headers=desk).status_code == 403
    assert client.get(f"{BASE}/panels/unenrolled", headers=doc).status_code == 403
    assert client.get(f"{BASE}/indicators", params={"year": 1405}, headers=doc).status_code == 403
    assert client.get(BASE).status_code == 401


def test_staff_list_the_unenrolled_and_overdue_and_read_indicators(client, world) -> None:
    boss, manager = f.token(client, "boss"), f.token(client, "manager")
    listed = client.get(
        f"{BASE}/panels/unenrolled", params={"province_code": "08", "size": 2}, headers=boss
    )
    assert (
        listed.status_code == 200
        and listed.json()["total"] == 5
        and len(listed.json()["items"]) == 2
    )
    missing = client.get(f"{BASE}/panels/unenrolled", headers=boss)
    assert missing.status_code == 422 and problem_fields(missing) == {"province_code"}
    assert client.get(f"{BASE}/overdue", headers=manager).json()["total"] == 0
    report = client.get(f"{BASE}/indicators", params={"year": 1405}, headers=manager)
    assert report.status_code == 200 and "rows" in report.json()
    assert client.get(f"{BASE}/rollout", headers=manager).json()[0]["province_code"] == "08"


def test_a_manager_transfers_and_sets_capacity_and_a_full_panel_is_409(client, world) -> None:
    manager, doc = f.token(client, "manager"), f.token(client, "doc")
    cap = client.put(f"{BASE}/panels/80002/capacity", json={"capacity": 1}, headers=manager)
    assert cap.status_code == 200 and cap.json()["capacity"] == 1
    for nid in world.nids[:2]:
        client.post(f"{BASE}/panels/enrol", json={"national_id": nid}, headers=doc)
    moved = client.post(
        f"{BASE}/panels/transfer",
        json={"national_id": world.nids[0], "council_number": "80002"},
        headers=manager,
    )
    assert moved.status_code == 201, moved.text
    full = client.post(
        f"{BASE}/panels/transfer",
        json={"national_id": world.nids[1], "council_number": "80002"},
        headers=manager,
    )
    assert full.status_code == 409 and problem_fields(full) == {"council_number"}
    hist = client.post(
        f"{BASE}/panels/history", json={"national_id": world.nids[0]}, headers=manager
    ).json()
    assert [h["council_number"] for h in hist] == ["80001", "80002"]
    assert (
        client.put(f"{BASE}/panels/80002/capacity", json={"capacity": 5}, headers=doc).status_code
        == 403
    )


def test_refer_on_through_the_api_creates_a_child(client, world, session_factory) -> None:
    doc, spec = f.token(client, "doc"), f.token(client, "spec")
    client.post(f"{BASE}/panels/enrol", json={"national_id": world.nids[0]}, headers=doc)
    ref = client.post(BASE, json=body(world.nids[0], world.hospital), headers=doc).json()
    onward = {
        "specialty": "قلب و عروق",
        "reason": "آنژین",
        "diagnosis": "I20.9",
        "facility_code": world.tertiary,
    }
    child = client.post(f"{BASE}/{ref['id']}/refer-on", json=onward, headers=spec)
    assert child.status_code == 201, child.text
    assert child.json()["parent_ref_number"] == ref["ref_number"] and child.json()["to_level"] == 3
    with UnitOfWork(session_factory) as uow:
        assert (
            reading.get(uow.session, world.who["doc"], referral_id=ref["id"]).children[0].to_level
            == 3
        )


def test_headquarters_sets_a_province_validity_and_a_bad_one_names_the_field(client, world) -> None:
    admin, manager = f.token(client, "boss"), f.token(client, "manager")
    change = {"kind": "valid_days", "days": 21, "valid_from": "1400/01/01", "province_code": "08"}
    assert client.post(f"{BASE}/policy/days", json=change, headers=manager).status_code == 403
    done = client.post(f"{BASE}/policy/days", json=change, headers=admin)
    assert done.status_code == 201, done.text
    tehran = [p for p in done.json()["valid_days"] if p["province_code"] == "08"]
    assert [(p["days"], p["valid_from_jalali"]) for p in tehran] == [(21, "۱۴۰۰/۰۱/۰۱")]
    shown = client.get(f"{BASE}/policy", headers=manager).json()
    assert shown["default_feedback_days"] == 14 and shown["valid_days"] == done.json()["valid_days"]
    bad = client.post(f"{BASE}/policy/days", json={**change, "days": 400}, headers=admin)
    assert bad.status_code == 422 and "days" in problem_fields(bad)
    unknown = client.post(
        f"{BASE}/policy/days", json={**change, "province_code": "99"}, headers=admin
    )
    assert unknown.status_code == 422 and "province_code" in problem_fields(unknown)
    doc = f.token(client, "doc")
    nid = world.nids[0]
    client.post(f"{BASE}/panels/enrol", json={"national_id": nid}, headers=doc)
    issued = client.post(BASE, json=body(nid, world.hospital), headers=doc).json()
    days = (
        dt.date.fromisoformat(issued["valid_until"]) - dt.date.fromisoformat(issued["issued_on"])
    ).days
    assert days == 20  # valid on the issue day and the 20 after


def test_reception_looks_a_referral_up_only_at_the_centre_it_is_addressed_to(client, world) -> None:
    doc = f.token(client, "doc")
    nid = world.nids[0]
    client.post(f"{BASE}/panels/enrol", json={"national_id": nid}, headers=doc)
    ref = client.post(BASE, json=body(nid, world.hospital), headers=doc).json()
    query = {"ref_number": ref["ref_number"], "national_id": nid}
    desk = client.get(f"{BASE}/lookup", params=query, headers=f.token(client, "desk"))
    assert desk.status_code == 200, desk.text
    assert desk.json()["usable"] is True and desk.json()["referral"]["id"] == ref["id"]
    assert desk.json()["reason_fa"].startswith("معتبر تا")
    elsewhere = client.get(f"{BASE}/lookup", params=query, headers=f.token(client, "suburb_spec"))
    assert elsewhere.status_code == 403
    wrong = client.get(
        f"{BASE}/lookup",
        params={**query, "national_id": world.nids[1]},
        headers=f.token(client, "desk"),
    )
    assert wrong.status_code == 404
    bad = client.get(
        f"{BASE}/lookup", params={**query, "national_id": "12"}, headers=f.token(client, "desk")
    )
    assert bad.status_code == 422 and "national_id" in problem_fields(bad)
    far = client.get(f"{BASE}/lookup", params=query, headers=f.token(client, "far_manager"))
    assert far.status_code == 404  # outside the manager's province
    mine = client.get(f"{BASE}/lookup", params=query, headers=f.token(client, "manager"))
    assert mine.status_code == 200
