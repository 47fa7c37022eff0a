"""Many requests at once through the whole app on one event loop (as uvicorn serves
them): reads, checks and writes all answer, on both databases. The event loop's reads
have a pool of their own, so no request waits on the loop for a connection that only
the loop could give back (that froze the server on PostgreSQL's pool of 15)."""

from __future__ import annotations

import asyncio

import httpx
import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from tests import factories as f
from tests.integration.prescriptions.world import World, committed, drug

BASE = "/api/v1/prescriptions"
CLIENTS = 48  # more than PostgreSQL's pool (5 + 10) and the SQLite pool's 40 + 10 overflow
DEADLINE_S = 120


@pytest.fixture
def world(session_factory, client: TestClient) -> World:
    return committed(session_factory)


async def _all_at_once(app: FastAPI, headers: dict[str, str], nid: str) -> list[int]:
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://t", headers=headers) as c:
        body = {"national_id": nid, "lines": [drug("10005", 20, 7)]}

        async def one(i: int) -> int:
            kind = i % 3
            if kind == 0:
                r = await c.get(BASE)
            elif kind == 1:
                r = await c.post(f"{BASE}/check", json=body)
            else:
                r = await c.post(BASE, json=body)
            return r.status_code

        return await asyncio.wait_for(asyncio.gather(*(one(i) for i in range(CLIENTS))), DEADLINE_S)


def test_reads_checks_and_issues_at_once_all_answer(app: FastAPI, client, world) -> None:
    headers = f.token(client, "doc")
    statuses = asyncio.run(_all_at_once(app, headers, world.nid))
    reads, checks, issues = statuses[0::3], statuses[1::3], statuses[2::3]
    assert set(reads) == {200} and set(checks) == {200}
    # the same drug again is duplicate therapy once the first is issued: 201 or 422
    assert set(issues) <= {201, 422} and 201 in issues
    listed = client.get(BASE, headers=headers).json()
    assert listed["total"] == len(issues)  # every issue attempt was stored, none lost
