"""SIGKILL of the real server in the middle of a streamed bulk upload over HTTP: every
batch the server acknowledged on the stream is stored whole, and after a restart
resending the whole file adds no duplicate and stores the rest."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import func, select

from darman.claims.models import Claim, ClaimLine
from darman.db.uow import UnitOfWork
from darman.registry.models import Facility, Insured
from darman.security import api_keys
from darman.synth import catalogue
from darman.synth import service as synth
from tests import factories as f
from tests.conftest import TEST_SECRET

CLAIMS = 12_000
FIRST_DOC = 200_000
DRUG_RIALS = 2 * 50_000
START_TIMEOUT_S = 60
UPLOAD_TIMEOUT_S = 300


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class Server:
    """``darman serve`` as a child process of its own, on a free loopback port."""

    def __init__(self, url: str, log: Path) -> None:
        self.port = _free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        env = {
            **os.environ,
            "DARMAN_DATABASE_URL": url,
            "DARMAN_SECRET_KEY": TEST_SECRET,
            "DARMAN_DEMO_MODE": "0",
        }
        self._log = log.open("ab")
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "darman.cli.main", "serve", "--port", str(self.port)],
            stdout=self._log,
            stderr=subprocess.STDOUT,
            env=env,
            start_new_session=True,
        )
        deadline = time.monotonic() + START_TIMEOUT_S
        while True:
            assert self.proc.poll() is None, f"the server exited; see {log}"
            try:
                if httpx.get(f"{self.base}/health", timeout=2).status_code == 200:
                    return
            except httpx.TransportError:
                pass
            assert time.monotonic() < deadline, f"the server did not start; see {log}"
            time.sleep(0.2)

    def kill(self) -> None:
        self.proc.send_signal(signal.SIGKILL)
        self.proc.wait(timeout=30)

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(timeout=30)
        self._log.close()


@pytest.fixture
def servers() -> Iterator[list[Server]]:
    started: list[Server] = []
    yield started
    for server in started:
        server.stop()


def _file(tmp_path: Path, session_factory) -> tuple[Path, int]:
    with session_factory() as s:
        codes = s.scalars(
            select(Facility.code).where(Facility.ownership == "contracted").limit(20)
        ).all()
        people = s.scalars(select(Insured.national_id).limit(200)).all()
    price = catalogue.tariff_amount(3_300_000, 1405, 2, 2, "contracted")
    path = tmp_path / "claims.ndjson"
    with path.open("w", encoding="utf-8") as out:
        for i in range(CLAIMS):
            record = {
                "facility_code": codes[i % len(codes)],
                "document_number": str(FIRST_DOC + i),
                "national_id": people[i % len(people)],
                "visit_type": "outpatient",
                "lines": [
                    {
                        "item_type": "service",
                        "code": "100102",
                        "service_date": "1405/07/01",
                        "quantity": 1,
                        "unit_price_rials": price,
                    },
                    {
                        "item_type": "drug",
                        "code": "10005",
                        "service_date": "1405/07/01",
                        "quantity": 2,
                        "unit_price_rials": 50_000,
                    },
                ],
            }
            out.write(json.dumps(record) + "\n")
    return path, price + DRUG_RIALS


def _upload(
    server: Server, path: Path, key: str, *, kill_after_batches: int | None
) -> list[dict[str, Any]]:
    """The stream's lines as read; with ``kill_after_batches``, SIGKILL the server as soon as
    that many batches were acknowledged and return what was read until then."""
    lines: list[dict[str, Any]] = []
    batches = 0
    with path.open("rb") as body:
        try:
            with httpx.stream(
                "POST",
                f"{server.base}/api/v1/claims/bulk",
                files={"file": (path.name, body, "application/x-ndjson")},
                headers={"X-API-Key": key, "Accept": "application/x-ndjson"},
                timeout=UPLOAD_TIMEOUT_S,
            ) as resp:
                assert resp.status_code == 200, resp.read()
                for text in resp.iter_lines():
                    if not text:
                        continue
                    lines.append(json.loads(text))
                    batches += lines[-1]["type"] == "batch"
                    if kill_after_batches is not None and batches >= kill_after_batches:
                        server.kill()
                        break
        except httpx.TransportError:
            assert kill_after_batches is not None
    return lines


def test_a_server_killed_mid_upload_keeps_every_acknowledged_batch_and_a_resend_adds_the_rest(
    session_factory, engine, servers: list[Server], tmp_path: Path
) -> None:
    with UnitOfWork(session_factory) as uow:
        synth.seed(uow.session, scale=0.0002, seed=4)
        f.user(uow.session, username="his")
        key = api_keys.create_api_key(uow.session, actor="test", username="his", name="HIS").key
        uow.commit()
    path, asked_per_claim = _file(tmp_path, session_factory)
    url = engine.url.render_as_string(hide_password=False)
    log = tmp_path / "server.log"

    servers.append(Server(url, log))
    before = _upload(servers[-1], path, key, kill_after_batches=2)
    acks = [line for line in before if line["type"] == "batch"]
    assert len(acks) == 2 and servers[-1].proc.returncode == -signal.SIGKILL
    assert [(a["first_record"], a["last_record"]) for a in acks] == [(1, 1_000), (1_001, 2_000)]
    assert all(a["accepted"] == a["records"] for a in acks)
    acknowledged = {str(FIRST_DOC + i) for i in range(acks[-1]["last_record"])}
    with session_factory() as s:
        stored = s.scalar(select(func.count()).select_from(Claim)) or 0
        assert len(acknowledged) <= stored < CLAIMS
        assert acknowledged <= set(s.scalars(select(Claim.document_number)))
        # whole claims only: two lines each, and every claim's total is the sum of its lines
        assert s.scalar(select(func.count()).select_from(ClaimLine)) == 2 * stored
        assert s.scalar(select(func.sum(Claim.asked_rials))) == stored * asked_per_claim
        assert s.scalar(select(func.sum(ClaimLine.asked_rials))) == stored * asked_per_claim

    servers.append(Server(url, log))
    after = _upload(servers[-1], path, key, kill_after_batches=None)
    summary = after[-1]
    assert summary["type"] == "summary" and summary["records"] == CLAIMS
    assert (summary["accepted"], summary["unchanged"]) == (CLAIMS - stored, stored)
    assert (summary["conflicts"], summary["rejected"], summary["problem_count"]) == (0, 0, 0)
    with session_factory() as s:
        assert s.scalar(select(func.count()).select_from(Claim)) == CLAIMS
        assert s.scalar(select(func.count(func.distinct(Claim.document_number)))) == CLAIMS
        assert s.scalar(select(func.count()).select_from(ClaimLine)) == 2 * CLAIMS
        assert s.scalar(select(func.sum(Claim.asked_rials))) == CLAIMS * asked_per_claim
