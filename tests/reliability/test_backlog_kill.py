"""``darman claims adjudicate`` as a real process on both databases: killed with SIGKILL in the
middle of a backlog, it leaves every claim either decided whole or still pending; run again,
it decides exactly the claims left, and a third run changes nothing."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session, sessionmaker

from darman.audit import verification as audit
from darman.audit.models import AuditEntry
from darman.claims.models import Claim, ClaimLine
from darman.claims.schemas import ClaimIn
from darman.claims.submission import store_batch
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
CLAIMS = 1_200


def _backlog(factory: sessionmaker[Session]) -> int:
    """``CLAIMS`` submitted claims of one visit and one drug each, spread over one contracted
    facility in each province; returns how many provinces that is."""
    with UnitOfWork(factory) as uow:
        s = uow.session
        synth.seed(s, scale=0.0002, seed=4)
        f.lasting_filing_deadline(s)
        codes = list(
            s.scalars(
                select(func.min(Facility.code))
                .where(Facility.ownership == "contracted")
                .group_by(Facility.province_id)
            )
        )
        people = s.scalars(select(Insured.national_id).limit(400)).all()
        batch = [
            (i + 1, ClaimIn.model_validate({
                "facility_code": codes[i % len(codes)], "document_number": str(500_000 + i),
                "national_id": people[i % len(people)], "visit_type": "outpatient",
                "lines": [
                    {"item_type": "service", "code": "100102", "service_date": "1405/07/01",
                     "quantity": 1, "unit_price_rials": VISIT},
                    {"item_type": "drug", "code": "10005", "service_date": "1405/07/01",
                     "quantity": 2, "unit_price_rials": 50_000},
                ],
            }))
            for i in range(CLAIMS)
        ]  # fmt: skip
        assert all(r.problem is None for r in store_batch(s, SYSTEM, batch))
        uow.commit()
    return len(codes)


def _adjudicate(url: str, log: Path) -> subprocess.Popen[bytes]:
    env = {**os.environ, "DARMAN_DATABASE_URL": url, "DARMAN_SECRET_KEY": TEST_SECRET,
           "DARMAN_DEMO_MODE": "0"}  # fmt: skip
    return subprocess.Popen(
        [sys.executable, "-m", "darman.cli.main", "claims", "adjudicate",
         "--partition-lines", "10"],
        env=env, stdout=log.open("ab"), stderr=subprocess.STDOUT, start_new_session=True,
    )  # fmt: skip


def _count(engine: Engine, status: str) -> int:
    # read-only: on SQLite a writing session would queue for the run's write lock
    with make_session_factory(engine, audit_key=None, reads_only=True)() as s:
        return s.scalar(select(func.count()).where(Claim.status == status)) or 0


def _partitions_audited(s: Session) -> list[AuditEntry]:
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


def test_a_backlog_run_killed_midway_leaves_each_claim_decided_or_pending_and_resumes(
    session_factory: sessionmaker[Session], engine: Engine, tmp_path: Path
) -> None:
    provinces = _backlog(session_factory)
    assert provinces >= 10  # one partition per province: the kill lands between partitions
    url = engine.url.render_as_string(hide_password=False)
    log = tmp_path / "adjudicate.log"
    proc = _adjudicate(url, log)
    deadline = time.monotonic() + WAIT_S
    while not _count(engine, "adjudicated") and time.monotonic() < deadline:
        assert proc.poll() is None, log.read_text(errors="replace")
        time.sleep(0.02)
    proc.send_signal(signal.SIGKILL)
    assert proc.wait(60) == -signal.SIGKILL
    with session_factory() as s:
        decided = _count(engine, "adjudicated")
        assert 0 < decided < CLAIMS
        assert decided + _count(engine, "submitted") == CLAIMS
        assert sum(p.after["claims"] for p in _partitions_audited(s)) == decided
        _every_claim_decided_whole_or_untouched(s)

    assert _adjudicate(url, log).wait(WAIT_S) == 0, log.read_text(errors="replace")
    with session_factory() as s:
        assert _count(engine, "adjudicated") == CLAIMS
        partitions = _partitions_audited(s)
        # each partition's audit entry counts its claims: a claim decided by both runs
        # would make them add up to more than the claims there are
        assert sum(p.after["claims"] for p in partitions) == CLAIMS
        assert sum(p.after["lines"] for p in partitions) == 2 * CLAIMS
        _every_claim_decided_whole_or_untouched(s)
        decisions = s.execute(
            select(ClaimLine.id, ClaimLine.outcome, ClaimLine.allowed_rials).order_by(ClaimLine.id)
        ).all()

    assert _adjudicate(url, log).wait(WAIT_S) == 0, log.read_text(errors="replace")
    with session_factory() as s:
        assert len(_partitions_audited(s)) == len(partitions)
        assert (
            s.execute(
                select(ClaimLine.id, ClaimLine.outcome, ClaimLine.allowed_rials).order_by(
                    ClaimLine.id
                )
            ).all()
            == decisions
        )
        assert audit.verify(s).ok
