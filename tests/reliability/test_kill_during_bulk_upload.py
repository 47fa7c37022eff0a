"""SIGKILL in the middle of a bulk upload: every batch acknowledged before the kill is
stored whole, nothing half-written remains, and resending the file adds no duplicate."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from pathlib import Path

from sqlalchemy import func, select

from darman.claims.models import Claim, ClaimLine
from darman.db.uow import UnitOfWork
from darman.registry.models import Facility, Insured
from darman.synth import catalogue
from darman.synth import service as synth

CLAIMS = 6_000


def _file(tmp_path: Path, session_factory) -> Path:
    with session_factory() as s:
        codes = s.scalars(
            select(Facility.code).where(Facility.ownership == "contracted").limit(20)
        ).all()
        people = s.scalars(select(Insured.national_id).limit(200)).all()
    price = catalogue.tariff_amount(3_300_000, 1405, 2, 2, "contracted")
    path = tmp_path / "claims.ndjson"
    with path.open("w", encoding="utf-8") as out:
        for i in range(CLAIMS):
            out.write(
                json.dumps(
                    {
                        "facility_code": codes[i % len(codes)],
                        "document_number": str(100_000 + i),
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
                )
                + "\n"
            )
    return path


def _submit(path: Path, url: str, *, kill_after_batches: int | None) -> list[int]:
    env = {**os.environ, "DARMAN_DATABASE_URL": url, "DARMAN_DEMO_MODE": "1"}
    proc = subprocess.Popen(
        [sys.executable, "-m", "darman.cli.main", "claims", "submit", str(path), "--log-batches"],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        env=env,
        text=True,
    )
    acknowledged = []
    assert proc.stdout is not None
    for line in proc.stdout:
        if line.startswith("committed records 1.."):
            acknowledged.append(int(line.strip().rsplit("..", 1)[1]))
            if kill_after_batches is not None and len(acknowledged) >= kill_after_batches:
                proc.send_signal(signal.SIGKILL)
                break
    proc.wait(timeout=120)
    return acknowledged


def test_a_killed_upload_keeps_every_acknowledged_batch_and_a_resend_adds_no_duplicate(
    session_factory, engine, tmp_path: Path
) -> None:
    with UnitOfWork(session_factory) as uow:
        synth.seed(uow.session, scale=0.0002, seed=4)
        uow.commit()
    path = _file(tmp_path, session_factory)
    url = engine.url.render_as_string(hide_password=False)
    acknowledged = _submit(path, url, kill_after_batches=2)
    assert acknowledged[-1] >= 2_000
    with session_factory() as s:
        stored = s.scalar(select(func.count()).select_from(Claim))
        assert acknowledged[-1] <= stored < CLAIMS
        # every stored claim is whole: two lines each, none half-written
        assert s.scalar(select(func.count()).select_from(ClaimLine)) == 2 * stored
        docs = set(s.scalars(select(Claim.document_number)))
        assert {str(100_000 + i) for i in range(acknowledged[-1])} <= docs
    _submit(path, url, kill_after_batches=None)
    with session_factory() as s:
        assert s.scalar(select(func.count()).select_from(Claim)) == CLAIMS
        assert s.scalar(select(func.count(func.distinct(Claim.document_number)))) == CLAIMS
        assert s.scalar(select(func.count()).select_from(ClaimLine)) == 2 * CLAIMS
