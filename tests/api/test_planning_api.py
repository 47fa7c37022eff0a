"""The planning API on both databases: facts, equity with its Lorenz curve, deprivation,
an allocation of the seeds' scenario with explanations, levelling, Excel downloads, and
who may call it."""

from __future__ import annotations

import io

import pytest
from fastapi.testclient import TestClient
from openpyxl import load_workbook

from darman.db.uow import UnitOfWork
from darman.security.enums import Role, ScopeLevel
from tests import factories as f
from tests.integration.planning.world import MRI, build

BASE = "/api/v1/planning"


@pytest.fixture
def world(session_factory, client: TestClient):
    with UnitOfWork(session_factory) as uow:
        w = build(uow.session)
        f.user(uow.session, username="hq", role=Role.HQ_ANALYST)
        f.user(
            uow.session, username="desk", role=Role.PROVIDER_USER,
            scope_level=ScopeLevel.FACILITY, facility_id=w.qom_hospital.id,
        )  # fmt: skip
        uow.commit()
    return w


def test_equity_answers_indices_with_and_without_tehran_and_the_lorenz_curve(client, world) -> None:
    hq = f.token(client, "hq")
    got = client.get(f"{BASE}/equity", params={"resource": "icu_beds_1396"}, headers=hq)
    assert got.status_code == 200, got.text
    body = got.json()
    curve = body["all_provinces"]["lorenz"]
    assert curve["population_share"][0] == 0 and curve["population_share"][-1] == pytest.approx(1)
    assert len(curve["order"]) == 31
    qom = next(r for r in body["rows"] if r["code"] == "19")
    assert qom["rank"] == 1
    assert body["all_provinces"]["gini"] != body["without_tehran"]["gini"]
    bad = client.get(f"{BASE}/equity", params={"resource": "tents"}, headers=hq)
    assert bad.status_code == 422
    xlsx = client.get(
        f"{BASE}/equity", params={"resource": "icu_beds_1396", "format": "xlsx"}, headers=hq
    )
    sheet = load_workbook(io.BytesIO(xlsx.content)).active
    assert sheet["A1"].value.startswith("رتبه") and sheet["C2"].value == "قم"


def test_the_seeds_scenario_is_allocated_and_explained_without_exceeding_budgets(
    client, world
) -> None:
    hq = f.token(client, "hq")
    example = client.get(f"{BASE}/scenarios/example", headers=hq).json()
    assert sum(line.get("units") or 0 for line in example["lines"][:2]) == 550
    done = client.post(
        f"{BASE}/allocations", json=example, headers=hq, params={"sensitivity_runs": 2}
    )
    assert done.status_code == 200, done.text
    result = done.json()
    assert result["objective"] <= result["greedy_objective"] + 1e-9
    for line, asked in zip(result["lines"], example["lines"], strict=True):
        if asked.get("budget_rials") is not None:
            assert line["spent_rials"] <= asked["budget_rials"]
        for p in line["provinces"]:
            assert p["after"] == max(0, p["need"] - p["given"])
            if p["given"] < p["need"]:
                reasons = set(p["binding"].split(","))
                assert reasons and reasons <= {"budget", "max_per_province", "absorption"}
    icu = next(line for line in result["lines"] if line["key"] == "icu_beds")
    qom = next(p for p in icu["provinces"] if p["code"] == "19")
    assert qom["need"] > 0
    assert result["stability"] and {"low", "high", "base", "stable"} <= set(result["stability"][0])
    assert all(r["stable"] == (r["low"] == r["high"]) for r in result["stability"])
    broken = client.post(
        f"{BASE}/allocations",
        json={**example, "lines": [{**example["lines"][0], "unit_cost_rials": -5}]},
        headers=hq,
    )
    assert broken.status_code == 422
    assert any(e["field"] == "lines.0.unit_cost_rials" for e in broken.json()["errors"])
    sheet = client.post(f"{BASE}/allocations", headers=hq, params={"format": "xlsx"})
    assert sheet.status_code == 200 and sheet.content[:2] == b"PK"


def test_levelling_facts_and_deprivation_and_the_desk_is_refused(client, world) -> None:
    hq = f.token(client, "hq")
    gaps = client.get(f"{BASE}/levelling", params={"province_code": "19"}, headers=hq).json()
    assert MRI in {g["code"] for g in gaps[0]["gaps"]}
    facts = client.get(f"{BASE}/facts", headers=hq).json()
    qom = next(r for r in facts if r["code"] == "19")
    assert qom["insured"] == 6 and qom["owned"]["beds_icu"] == 2
    ranking = client.get(f"{BASE}/deprivation", headers=hq).json()
    assert ranking[0]["rank"] == 1 and len(ranking[0]["components"]) == 5
    icu_only = {"icu_beds": 1, "beds": 0, "spending": 0, "physicians": 0, "nurses": 0}
    by_icu = client.get(f"{BASE}/deprivation", params=icu_only, headers=hq).json()
    assert by_icu[0]["code"] == "19"
    none = client.get(f"{BASE}/deprivation", params={**icu_only, "icu_beds": 0}, headers=hq)
    assert none.status_code == 422 and "weights" in problem_fields_of(none)
    csv = client.get(f"{BASE}/levelling", params={"format": "csv"}, headers=hq)
    assert csv.status_code == 200 and "قم" in csv.content.decode("utf-8-sig")
    desk = f.token(client, "desk")
    assert client.get(f"{BASE}/facts", headers=desk).status_code == 403
    assert client.post(f"{BASE}/allocations", headers=desk).status_code == 403


def problem_fields_of(resp) -> set[str]:
    return {e.get("field") or "" for e in resp.json().get("errors", [])}
