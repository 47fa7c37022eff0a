"""``darman worker`` as real processes on both databases: two workers at once never decide
a claim twice, and a worker stopped by SIGTERM mid-run finishes its batch and leaves every
claim either decided whole or pending untouched."""

from __future__ import annotations

import itertools
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session, sessionmaker

from darman.audit import verification as audit
from darman.audit.models import AuditEntry
from darman.claims.models import Claim, ClaimLine
from darman.claims.schemas import ClaimIn
from darman.claims.submission import store_batch
from darman.cli import worker_cmd
from darman.db.engine import make_session_factory
from darman.db.uow import UnitOfWork
from darman.registry.models import Facility, Insured
from darman.security.principal import SYSTEM
from darman.synth import catalogue
from darman.synth import service as synth
from tests import factories as f
from tests.conftest import TEST_SECRET

WAIT_S = 240
VISIT = catalogue.tariff_amount(3_300_000, 1405, 2, 2, "contracted")


def _pending_claims(factory: sessionmaker[Session], n: int) -> None:
    """A tiny country and ``n`` submitted claims of one visit and one drug each, spread over
    20 facilities and 200 people."""
    with UnitOfWork(factory) as uow:
        s = uow.session
        synth.seed(s, scale=0.0002, seed=4)
        f.lasting_filing_deadline(s)
        codes = s.scalars(
            select(Facility.code).where(Facility.ownership == "contracted").limit(20)
        ).all()
        people = s.scalars(select(Insured.national_id).limit(200)).all()
        batch = [
            (i + 1, ClaimIn.model_validate({
                "facility_code": codes[i % len(codes)], "document_number": str(300_000 + i),
                "national_id": people[i % len(people)], "visit_type": "outpatient",
                "lines": [
                    {"item_type": "service", "code": "100102", "service_date": "1405/07/01",
                     "quantity": 1, "unit_price_rials": VISIT},
                    {"item_type": "drug", "code": "10005", "service_date": "1405/07/01",
                     "quantity": 2, "unit_price_rials": 50_000},
                ],
            }))
            for i in range(n)
        ]  # fmt: skip
        stored = store_batch(s, SYSTEM, batch)
        assert all(r.problem is None for r in stored)
        uow.commit()


class Workers:
    """``darman worker`` processes, each in a session of its own with its own log."""

    def __init__(self, url: str, tmp_path: Path) -> None:
        self.url, self.tmp_path = url, tmp_path
        self.procs: list[subprocess.Popen[bytes]] = []

    def start(self, *args: str) -> subprocess.Popen[bytes]:
        env = {**os.environ, "DARMAN_DATABASE_URL": self.url, "DARMAN_SECRET_KEY": TEST_SECRET,
               "DARMAN_DEMO_MODE": "0"}  # fmt: skip
        log = (self.tmp_path / f"worker{len(self.procs)}.log").open("wb")
        proc = subprocess.Popen(
            [sys.executable, "-m", "darman.cli.main", "worker", *args],
            env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
        )  # fmt: skip
        self.procs.append(proc)
        return proc

    def log(self, i: int) -> str:
        return (self.tmp_path / f"worker{i}.log").read_text(errors="replace")

    def stop_all(self) -> None:
        for proc in self.procs:
            if proc.poll() is None:
                proc.send_signal(signal.SIGKILL)
            proc.wait(30)


@pytest.fixture
def workers(engine: Engine, tmp_path: Path) -> Iterator[Workers]:
    started = Workers(engine.url.render_as_string(hide_password=False), tmp_path)
    yield started
    started.stop_all()


def _count(engine: Engine, status: str) -> int:
    # read-only: on SQLite a writing session would queue for the worker's write lock
    with make_session_factory(engine, audit_key=None, reads_only=True)() as s:
        return s.scalar(select(func.count()).where(Claim.status == status)) or 0


def _batches(s: Session) -> list[AuditEntry]:
    return list(s.scalars(select(AuditEntry).where(AuditEntry.action == "adjudicate")))


def _every_claim_decided_whole_or_untouched(s: Session) -> None:
    """A decided claim has every line decided and its totals are its lines' sums; a pending
    claim has every line pending and nothing allowed."""
    per_claim = (
        select(
            Claim.id, Claim.status, Claim.allowed_rials, Claim.insurer_rials,
            func.sum(ClaimLine.allowed_rials), func.sum(ClaimLine.insurer_rials),
            func.count().filter(ClaimLine.outcome == "pending"), func.count(),
        )
        .join(ClaimLine, ClaimLine.claim_id == Claim.id)
        .group_by(Claim.id, Claim.status, Claim.allowed_rials, Claim.insurer_rials)
    )  # fmt: skip
    for cid, status, allowed, insurer, lines_allowed, lines_insurer, pending, lines in s.execute(
        per_claim
    ):
        if status == "submitted":
            assert (pending, allowed, insurer) == (lines, 0, 0), cid
        else:
            assert status == "adjudicated" and pending == 0, cid
            assert (allowed, insurer) == (lines_allowed, lines_insurer), cid


def test_two_workers_at_once_decide_every_claim_exactly_once(
    session_factory: sessionmaker[Session], engine: Engine, workers: Workers
) -> None:
    claims = 600
    _pending_claims(session_factory, claims)
    for _ in range(2):
        workers.start("--every", "0.2", "--batch", "40")
    deadline = time.monotonic() + WAIT_S
    while _count(engine, "submitted") and time.monotonic() < deadline:
        assert all(p.poll() is None for p in workers.procs), workers.log(0) + workers.log(1)
        time.sleep(0.5)
    for proc in workers.procs:
        proc.send_signal(signal.SIGTERM)
    assert [p.wait(60) for p in workers.procs] == [0, 0], workers.log(0) + workers.log(1)
    with session_factory() as s:
        assert _count(engine, "adjudicated") == claims
        batches = _batches(s)
        # each batch's audit entry counts its claims: had any claim been decided by both
        # workers, the counts would add up to more than the claims there are
        assert sum(b.after["claims"] for b in batches) == claims
        assert sum(b.after["lines"] for b in batches) == 2 * claims
        assert all(b.after["claims"] <= 40 for b in batches) and len(batches) >= claims // 40
        # the batches' claim ranges never overlap
        ranges = sorted(tuple(map(int, b.entity_id.split(".."))) for b in batches)
        assert all(a[1] < b[0] for a, b in itertools.pairwise(ranges))
        _every_claim_decided_whole_or_untouched(s)
        assert audit.verify(s).ok
    decided_by = [workers.log(i).count(worker_cmd.BATCH_MARK) for i in range(2)]
    assert sum(decided_by) == len(batches)


def test_a_worker_stopped_by_sigterm_finishes_its_batch_and_leaves_the_rest_pending(
    session_factory: sessionmaker[Session], engine: Engine, workers: Workers
) -> None:
    claims = 3_000
    _pending_claims(session_factory, claims)
    proc = workers.start("--every", "0.2", "--batch", "100")
    deadline = time.monotonic() + WAIT_S
    while not _count(engine, "adjudicated") and time.monotonic() < deadline:
        assert proc.poll() is None, workers.log(0)
        time.sleep(0.05)
    proc.send_signal(signal.SIGTERM)
    assert proc.wait(60) == 0, workers.log(0)
    log = workers.log(0)
    assert f"SIGTERM: {worker_cmd.STOPPING_FA}" in log and f"{worker_cmd.STOPPED_FA}؛" in log
    with session_factory() as s:
        decided = _count(engine, "adjudicated")
        assert 0 < decided < claims
        assert decided + _count(engine, "submitted") == claims
        assert sum(b.after["claims"] for b in _batches(s)) == decided
        _every_claim_decided_whole_or_untouched(s)
