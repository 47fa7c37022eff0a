"""Every list endpoint takes the same page and size query parameters, with the same limits."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from darman.db.uow import UnitOfWork
from tests import factories as f

LISTS = ["/api/v1/facilities", "/api/v1/claims", "/api/v1/audit", "/api/v1/referrals"]


@pytest.fixture
def admin(client: TestClient, uow: UnitOfWork) -> dict[str, str]:
    f.user(uow.session, username="adm")
    for code in ("G1", "G2", "G3"):
        f.facility(uow.session, code=code)
    uow.commit()
    return f.token(client, "adm")


@pytest.mark.parametrize("path", LISTS)
@pytest.mark.parametrize("query", ["page=0", "size=0", "size=501"])
def test_a_page_or_size_out_of_range_is_refused_naming_it(
    client: TestClient, admin: dict[str, str], path: str, query: str
) -> None:
    resp = client.get(f"{path}?{query}", headers=admin)
    assert resp.status_code == 422, resp.text
    assert query.split("=")[0] in resp.text


def test_page_and_size_choose_the_rows_and_the_envelope_echoes_them(
    client: TestClient, admin: dict[str, str]
) -> None:
    body = client.get("/api/v1/facilities?page=2&size=2", headers=admin).json()
    assert ([x["code"] for x in body["items"]], body["total"]) == (["G3"], 3)
    assert (body["page"], body["size"]) == (2, 2)


def test_without_page_and_size_a_list_is_the_first_fifty(
    client: TestClient, admin: dict[str, str]
) -> None:
    body = client.get("/api/v1/facilities", headers=admin).json()
    assert (body["page"], body["size"], len(body["items"])) == (1, 50, 3)
