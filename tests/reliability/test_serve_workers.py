"""``darman serve --workers 2``: both worker processes take connections (each has its own
listening socket on the port), a worker that dies is replaced, and SIGTERM stops the
parent and every worker."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx

from tests.conftest import TEST_SECRET

START_TIMEOUT_S = 90


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _children(pid: int) -> list[int]:
    path = Path(f"/proc/{pid}/task/{pid}/children")
    return [int(p) for p in path.read_text().split()] if path.exists() else []


def _listening_workers(port: int) -> set[int]:
    """Pids holding a listening socket on ``port`` (``ss`` from iproute2)."""
    out = subprocess.run(
        ["ss", "-Htlnp", f"sport = :{port}"], capture_output=True, text=True, check=True
    ).stdout
    return {int(part.split("=")[1]) for part in out.replace(",", " ").split() if "pid=" in part}


def _serving_pids(port: int) -> dict[int, int]:
    """Established connections to ``port`` per server pid."""
    out = subprocess.run(
        ["ss", "-Htnp", "state", "established", f"sport = :{port}"],
        capture_output=True, text=True, check=True,
    ).stdout  # fmt: skip
    counts: dict[int, int] = {}
    for part in out.replace(",", " ").split():
        if part.startswith("pid="):
            pid = int(part.split("=")[1])
            counts[pid] = counts.get(pid, 0) + 1
    return counts


def _wait_for(predicate, timeout: float) -> bool:  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.2)
    return False


def test_two_workers_share_the_connections_and_stop_on_sigterm(tmp_path: Path) -> None:
    port = _free_port()
    env = {
        **os.environ,
        "DARMAN_DATABASE_URL": f"sqlite:///{tmp_path / 'darman.db'}",
        "DARMAN_SECRET_KEY": TEST_SECRET,
        "DARMAN_DEMO_MODE": "0",
    }
    log = (tmp_path / "server.log").open("wb")
    proc = subprocess.Popen(
        [sys.executable, "-m", "darman.cli.main", "serve", "--port", str(port), "--workers", "2",
         "--no-access-log"],
        env=env, stdout=log, stderr=subprocess.STDOUT,
    )  # fmt: skip
    clients: list[socket.socket] = []
    try:
        assert _wait_for(lambda: len(_listening_workers(port)) == 2, START_TIMEOUT_S), (
            tmp_path / "server.log"
        ).read_text()[-3000:]
        workers = _listening_workers(port)
        # the workers are the parent's children; the parent itself listens on nothing
        assert workers <= set(_children(proc.pid)) and proc.pid not in workers
        for _ in range(40):  # keep-alive connections, each answered once
            s = socket.create_connection(("127.0.0.1", port))
            s.sendall(b"GET /health HTTP/1.1\r\nHost: x\r\n\r\n")
            assert s.recv(4096).startswith(b"HTTP/1.1 200")
            clients.append(s)
        spread = _serving_pids(port)
        assert set(spread) == workers, spread  # both take connections
        assert sum(spread.values()) == 40
        for s in clients:
            s.close()

        one = sorted(workers)[0]
        os.kill(one, signal.SIGKILL)
        assert _wait_for(
            lambda: len(_listening_workers(port)) == 2 and one not in _listening_workers(port),
            START_TIMEOUT_S,
        )
        assert httpx.get(f"http://127.0.0.1:{port}/health", timeout=10).status_code == 200

        current = _listening_workers(port)
        proc.send_signal(signal.SIGTERM)
        proc.wait(60)
        assert all(not Path(f"/proc/{pid}").exists() for pid in current)
    finally:
        for s in clients:
            s.close()
        if proc.poll() is None:
            proc.kill()
            proc.wait(10)
        log.close()
