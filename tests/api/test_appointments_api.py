"""The appointments API on both databases: imports by upload with per-row errors, the
ranking stored and downloaded, a rule change refused without a reason, a conflict of
interest refused, the fairness report, a province manager kept to their province, and a
candidate's own result without an account."""

from __future__ import annotations

import io

import pytest
from fastapi.testclient import TestClient
from openpyxl import load_workbook

from darman.appointments import rules
from darman.db.uow import UnitOfWork
from darman.registry.service_support import province_id_for
from darman.security.enums import Role, ScopeLevel
from tests import factories as f
from tests.integration.appointments.world import CALL, IDS, POST, build

BASE = "/api/v1/appointments"


@pytest.fixture
def world(session_factory, client: TestClient) -> None:
    with UnitOfWork(session_factory) as uow:
        build(uow.session)
        f.user(uow.session, username="hq", role=Role.HQ_ANALYST)
        for name, code in (("qm", "19"), ("tm", "08")):
            f.user(
                uow.session, username=name, role=Role.PROVINCE_MANAGER,
                scope_level=ScopeLevel.PROVINCE, province_id=province_id_for(uow.session, code),
            )  # fmt: skip
        uow.commit()


def _auth(client: TestClient, name: str) -> dict[str, str]:
    return f.token(client, name)


def test_the_ranking_is_stored_read_and_downloaded_and_offers_pass_on_refusal(
    client, world
) -> None:
    hq = _auth(client, "hq")
    assert client.post(f"{BASE}/posts/{POST}/ranking", headers=hq).json()["applications"] == 5
    read = client.get(f"{BASE}/posts/{POST}/ranking", headers=hq).json()
    assert [ln["national_id"] for ln in read["lines"] if ln["outcome"] == "selected"] == [
        IDS["A"],
        IDS["C"],
    ]
    book = client.get(f"{BASE}/posts/{POST}/ranking", params={"format": "xlsx"}, headers=hq)
    rows = list(load_workbook(io.BytesIO(book.content)).active.iter_rows(values_only=True))
    assert rows[0][0] == "رتبه" and rows[1][1] == IDS["A"] and len(rows) == 6
    assert client.post(f"{BASE}/posts/{POST}/offers", headers=hq).json() == {"offers_made": 2}
    said = client.post(
        f"{BASE}/posts/{POST}/offers/{IDS['A']}/answer", json={"accept": False}, headers=hq
    )
    # A's seat was won by rank: it passes to B, the best-ranked not yet offered
    assert said.json()["passed_to"] == IDS["B"]


def test_a_rule_change_after_scores_without_a_reason_is_a_409_naming_the_field(
    client, world
) -> None:
    hq = _auth(client, "hq")
    body = {"weight_exam": 40, "weight_interview": 40, "weight_record": 20}
    refused = client.post(f"{BASE}/posts/{POST}/rules", json=body, headers=hq)
    assert refused.status_code == 409 and refused.headers["content-type"].startswith(
        "application/problem+json"
    )
    assert "reason" in refused.text
    done = client.post(
        f"{BASE}/posts/{POST}/rules", json={**body, "reason": "اصلاح وزن‌ها"}, headers=hq
    )
    assert done.status_code == 201 and done.json()["version"] == 2
    versions = client.get(f"{BASE}/posts/{POST}/rules", headers=hq).json()
    assert [v["version"] for v in versions] == [1, 2] and versions[1]["reason"] == "اصلاح وزن‌ها"


def test_an_upload_reports_its_bad_rows_and_a_conflicted_rater_is_refused(client, world) -> None:
    hq = _auth(client, "hq")
    csv = f"call_code,national_id,score\n{CALL},{IDS['A']},90\n{CALL},{IDS['B']},130\n".encode()
    got = client.post(f"{BASE}/exam/import", files={"file": ("exam.csv", csv)}, headers=hq).json()
    assert (got["unchanged"], got["problems"][0]["row"], got["problems"][0]["field"]) == (
        1,
        3,
        "score",
    )
    client.post(
        f"{BASE}/raters", json={"code": "R7", "full_name": "ارزیاب", "unit_code": "U-A"}, headers=hq
    )
    marks = dict.fromkeys(rules.COMPETENCIES, 3)
    body = {"rater_code": "R7", "national_id": IDS["A"], "panel": "P1", "marks": marks}
    # R7 sits on no panel of the post: refused, naming the rater
    off = client.post(f"{BASE}/posts/{POST}/scorecards", json=body, headers=hq)
    assert off.status_code == 422 and "R7" in off.json()["detail"]
    assert [e["field"] for e in off.json()["errors"]] == ["rater"]
    seat = client.put(f"{BASE}/posts/{POST}/panels/P2", json={"raters": ["R7"]}, headers=hq)
    assert seat.json() == {"post": POST, "panel": "P2", "changed": 1}
    # taken off and seated again: the seat is freed once, a second removal changes nothing
    freed = client.delete(f"{BASE}/posts/{POST}/panels/seats/R7", headers=hq)
    assert freed.json() == {"post": POST, "rater": "R7", "changed": 1}
    again = client.delete(f"{BASE}/posts/{POST}/panels/seats/R7", headers=hq)
    assert again.json()["changed"] == 0
    assert client.delete(f"{BASE}/posts/{POST}/panels/seats/X9", headers=hq).status_code == 404
    client.put(f"{BASE}/posts/{POST}/panels/P2", json={"raters": ["R7"]}, headers=hq)
    # seated on P2, their marks under another panel are refused naming the panel
    other = client.post(f"{BASE}/posts/{POST}/scorecards", json=body, headers=hq)
    assert other.status_code == 422 and [e["field"] for e in other.json()["errors"]] == ["panel"]
    refused = client.post(
        f"{BASE}/posts/{POST}/scorecards", json={**body, "panel": "P2"}, headers=hq
    )
    assert refused.status_code == 409 and "U-A" in refused.text


def test_a_province_manager_sees_only_their_provinces_posts_and_report(client, world) -> None:
    qm, tm = _auth(client, "qm"), _auth(client, "tm")
    assert [p["code"] for p in client.get(f"{BASE}/calls/{CALL}/posts", headers=qm).json()] == [
        POST
    ]
    assert client.get(f"{BASE}/calls/{CALL}/posts", headers=tm).json() == []
    assert client.get(f"{BASE}/posts/{POST}/rules", headers=tm).status_code == 404
    assert client.get(f"{BASE}/calls/{CALL}/fairness", headers=tm).json()["applicants"] == 0
    report = client.get(f"{BASE}/calls/{CALL}/fairness", headers=qm).json()
    assert report["applicants"] == 5 and report["header"][0] == "مرحله"
    # province managers read, they do not run the call
    assert client.post(f"{BASE}/posts/{POST}/ranking", headers=qm).status_code == 403


def test_a_candidate_reads_their_own_result_with_their_code_and_no_account(client, world) -> None:
    hq = _auth(client, "hq")
    client.post(f"{BASE}/posts/{POST}/ranking", headers=hq)
    code = client.post(f"{BASE}/candidates/{IDS['C']}/access-code", headers=hq).json()[
        "access_code"
    ]
    mine = client.post(f"{BASE}/my-result", json={"national_id": IDS["C"], "access_code": code})
    assert mine.status_code == 200
    result = mine.json()["results"][0]
    assert result["line"]["rank"] == 3 and result["line"]["national_id"] == IDS["C"]
    other = client.post(f"{BASE}/my-result", json={"national_id": IDS["A"], "access_code": code})
    assert other.status_code == 401
