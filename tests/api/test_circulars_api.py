"""The circulars API on both databases: record, read with timeline, search typed two ways,
in force on a day, a consolidation approved by two people, and problem+json naming the
field."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from darman.db.uow import UnitOfWork
from darman.security.enums import Role, ScopeLevel
from tests import factories as f

BASE = "/api/v1/circulars"
RULE = "تعرفه سونوگرافی در مراکز تصویربرداری استان یزد برابر ۴۵۰۰۰۰۰ ریال تعیین می‌شود."


@pytest.fixture
def people(session_factory, client: TestClient):
    with UnitOfWork(session_factory) as uow:
        f.user(uow.session, username="boss", role=Role.ADMIN)
        f.user(uow.session, username="hq", role=Role.HQ_ANALYST)
        f.user(uow.session, username="qm", role=Role.PROVINCE_MANAGER,
               scope_level=ScopeLevel.PROVINCE, province_id=1)  # fmt: skip
        uow.commit()
    return {n: f.token(client, n) for n in ("boss", "hq", "qm")}


def _post(client, who, number, date, body=RULE, effects=()):
    return client.post(
        BASE,
        json={"number": number, "issued_on": date, "issuer": "دفتر تعرفه", "subject": "تعرفه",
              "body": body, "effects": list(effects)},
        headers=who,
    )  # fmt: skip


def test_record_read_search_and_in_force(client, people):
    hq, qm = people["hq"], people["qm"]
    assert _post(client, hq, "1402/7", "1402/01/10").status_code == 201
    made = _post(client, hq, "1403/9", "1403/01/15", body=RULE + " نسخه قبلی نسخ مي شود.",
                 effects=[{"kind": "repeals", "target": "1402/7"}])  # fmt: skip
    assert made.status_code == 201, made.text
    one = client.get(f"{BASE}/by-number/1402/7", headers=qm)
    assert one.status_code == 200
    assert one.json()["circular"]["status"] == "repealed"
    assert [e["label_fa"] for e in one.json()["timeline"]] == ["صدور", "نسخ شد با بخشنامه‌ی 1403/9"]
    for q in ("می‌شود", "ميشود"):
        found = client.get(f"{BASE}/search", params={"q": q}, headers=qm).json()
        assert found["total"] == 2
    only = client.get(f"{BASE}/search", params={"q": "می شود", "status": "in_force"}, headers=qm)
    assert [h["number"] for h in only.json()["items"]] == ["1403/9"]
    on = client.get(f"{BASE}/in-force", params={"on": "1402/06/01"}, headers=qm).json()
    assert [c["number"] for c in on["items"]] == ["1402/7"]


def test_a_province_manager_reads_but_may_not_record(client, people):
    refused = _post(client, people["qm"], "1", "1402/01/10")
    assert refused.status_code == 403


def test_bad_input_is_problem_json_naming_the_field(client, people):
    bad = _post(client, people["hq"], "1", "1402/13/10")
    assert bad.status_code == 422
    assert bad.headers["content-type"].startswith("application/problem+json")
    assert "issued_on" in bad.text
    empty = client.get(f"{BASE}/search", params={"q": "؟!"}, headers=people["qm"])
    assert empty.status_code == 422 and "q" in empty.text
    missing = client.get(f"{BASE}/by-number/9/9", headers=people["qm"])
    assert missing.status_code == 404


def test_a_consolidation_needs_two_approvers(client, people):
    hq, boss = people["hq"], people["boss"]
    _post(client, hq, "A", "1400/01/10")
    _post(client, hq, "B", "1401/01/10", body=RULE + " مراکز تعرفه را نصب کنند.")
    never = client.get(f"{BASE}/clusters", headers=hq).json()
    assert (never["computed_at"], never["clusters"]) == (None, [])
    assert client.post(f"{BASE}/clusters/refresh", headers=people["qm"]).status_code == 403
    refreshed = client.post(f"{BASE}/clusters/refresh", headers=hq)
    assert refreshed.status_code == 200, refreshed.text
    clusters = client.get(f"{BASE}/clusters", headers=hq).json()
    assert clusters["circulars_clustered"] == 2 and clusters["computed_at_fa"]
    assert [[m["number"] for m in c["members"]] for c in clusters["clusters"]] == [["A", "B"]]
    assert clusters["clusters"][0]["centre"] == "A"
    project = {
        "number": "T/1", "subject": "تعرفه تجمیعی", "members": ["A", "B"],
        "effective_on": "1404/01/01",
    }  # fmt: skip
    made = client.post(f"{BASE}/projects", headers=hq, json=project)
    assert made.status_code == 201, made.text
    first = client.post(f"{BASE}/projects/T/1/approve", headers=hq).json()
    assert (first["status"], first["approvers"]) == ("draft", ["hq"])
    second = client.post(f"{BASE}/projects/T/1/approve", headers=boss).json()
    assert (second["status"], second["approvers"]) == ("applied", ["hq", "boss"])
    report = client.get(f"{BASE}/progress", headers=hq).json()
    assert (report["in_force_before"], report["in_force_now"]) == (2, 1)


def test_in_force_without_a_day_or_with_a_wrong_one_is_a_problem_naming_on(client, people):
    for given in ("", "1405/13/01", "x"):
        answer = client.get(f"{BASE}/in-force", params={"on": given}, headers=people["qm"])
        assert answer.status_code == 422, given
        assert answer.headers["content-type"].startswith("application/problem+json")
        assert "on" in answer.text


def test_attachments_over_the_api_upload_once_list_and_download(client, people):
    hq, qm = people["hq"], people["qm"]
    _post(client, hq, "1403/9", "1403/01/15")
    files = {"file": ("فرم.pdf", b"%PDF-1.4 form", "application/pdf")}
    made = client.post(f"{BASE}/attachments", params={"number": "1403/9"}, files=files, headers=hq)
    assert made.status_code == 201, made.text
    again = client.post(f"{BASE}/attachments", params={"number": "1403/9"}, files=files, headers=hq)
    assert again.status_code == 200 and again.json()["id"] == made.json()["id"]
    refused = client.post(
        f"{BASE}/attachments", params={"number": "1403/9"}, headers=qm,
        files={"file": ("x.pdf", b"abc", "application/pdf")},
    )  # fmt: skip
    assert refused.status_code == 403
    bad = client.post(
        f"{BASE}/attachments", params={"number": "1403/9"}, headers=hq,
        files={"file": ("x.exe", b"MZ", "application/octet-stream")},
    )  # fmt: skip
    assert bad.status_code == 422 and "file" in bad.text
    listed = client.get(f"{BASE}/attachments", params={"number": "1403/9"}, headers=qm).json()
    assert [(a["filename"], a["size_bytes"]) for a in listed] == [("فرم.pdf", 13)]
    one = client.get(f"{BASE}/by-number/1403/9", headers=qm).json()
    assert [a["filename"] for a in one["attachments"]] == ["فرم.pdf"]
    got = client.get(f"{BASE}/attachments/{made.json()['id']}", headers=qm)
    assert got.status_code == 200 and got.content == b"%PDF-1.4 form"
    assert got.headers["content-type"] == "application/pdf"
    assert "filename*=UTF-8''%D9%81%D8%B1%D9%85.pdf" in got.headers["content-disposition"]
    assert client.get(f"{BASE}/attachments/999999", headers=qm).status_code == 404


def test_search_and_in_force_filter_by_province_and_kind(client, people):
    hq, qm = people["hq"], people["qm"]
    body = {"issuer": "دفتر تعرفه", "subject": "تعرفه", "body": RULE}
    for number, audience in (
        ("N/1", {}),
        ("Y/1", {"provinces": ["یزد"], "facility_kinds": ["imaging"]}),
    ):
        made = client.post(
            BASE, json={"number": number, "issued_on": "1403/01/10", **body, **audience}, headers=hq
        )
        assert made.status_code == 201, made.text
    assert made.json()["provinces_fa"] == ["یزد"]
    found = client.get(f"{BASE}/search", params={"q": "تعرفه", "province": "تهران"}, headers=qm)
    assert [h["number"] for h in found.json()["items"]] == ["N/1"]
    yazd = client.get(f"{BASE}/search", params={"q": "تعرفه", "province": "31"}, headers=qm)
    assert {h["number"] for h in yazd.json()["items"]} == {"N/1", "Y/1"}
    on = client.get(
        f"{BASE}/in-force", params={"on": "1404/01/01", "facility_kind": "بیمارستان"}, headers=qm
    )
    assert [c["number"] for c in on.json()["items"]] == ["N/1"]
    wrong = client.get(f"{BASE}/search", params={"q": "تعرفه", "province": "تهرن"}, headers=qm)
    assert wrong.status_code == 422 and "provinces" in wrong.text
    unknown = client.post(
        BASE, json={"number": "Z/1", "issued_on": "1403/01/10", **body, "provinces": ["تهرن"]},
        headers=hq,
    )  # fmt: skip
    assert unknown.status_code == 422 and "تهرن" in unknown.json()["detail"] + unknown.text
