"""``darman serve --workers 2``: uvicorn's own worker mode serves from two processes,
replaces a worker that dies, and SIGTERM stops the supervisor and every worker; a bad
setting stops the command before any worker starts."""

from __future__ import annotations

import os
import re
import signal
import socket
import subprocess
import time
from collections.abc import Callable
from pathlib import Path

from tests.reliability import served

START_TIMEOUT_S = 90


def _wait_for(predicate: Callable[[], bool], timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.2)
    return False


def _serve(tmp_path: Path, **extra_env: str) -> tuple[subprocess.Popen[bytes], int, Path]:
    return served.start(f"sqlite:///{tmp_path / 'darman.db'}", tmp_path, **extra_env)


def _started(log_path: Path) -> list[int]:
    """Pids of the worker processes that finished starting, in order."""
    text = log_path.read_text()
    return [int(pid) for pid in re.findall(r"Started server process \[(\d+)\]", text)]


def _alive(pid: int) -> bool:
    """Running, not a zombie waiting for its exit to be collected."""
    try:
        return Path(f"/proc/{pid}/stat").read_text().split(") ")[1][0] != "Z"
    except (FileNotFoundError, IndexError):
        return False


def _health(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=5) as s:
            s.sendall(b"GET /health HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
            return s.recv(4096).startswith(b"HTTP/1.1 200")
    except OSError:
        return False


def test_two_workers_serve_a_dead_one_is_replaced_and_sigterm_stops_them_all(
    tmp_path: Path,
) -> None:
    proc, port, log_path = _serve(tmp_path)
    try:
        assert _wait_for(lambda: len(_started(log_path)) == 2, START_TIMEOUT_S), (
            log_path.read_text()[-3000:]
        )
        workers = _started(log_path)
        assert proc.pid not in workers and all(_alive(pid) for pid in workers)
        assert all(_health(port) for _ in range(20))

        dead = workers[0]
        os.kill(dead, signal.SIGKILL)
        assert _wait_for(lambda: len(_started(log_path)) == 3, START_TIMEOUT_S), (
            log_path.read_text()[-3000:]
        )
        replacement = _started(log_path)[-1]
        assert replacement not in workers and _alive(replacement)
        assert all(_health(port) for _ in range(20))

        proc.send_signal(signal.SIGTERM)
        assert proc.wait(60) == 0
        assert _wait_for(lambda: not any(_alive(p) for p in (workers[1], replacement)), 30)
        assert not _health(port)
    finally:
        served.stop(proc)


def test_a_bad_prescription_table_stops_the_server_before_any_worker_starts(
    tmp_path: Path,
) -> None:
    proc, _, log_path = _serve(tmp_path, DARMAN_PRESCRIPTION_TABLES=str(tmp_path / "nowhere"))
    try:
        assert proc.wait(60) == 1
        out = log_path.read_text().replace("\n", "")  # the message is wrapped to the terminal
        assert "cannot read" in out and "nowhere/interactions.csv" in out
        assert "Started server process" not in out
    finally:
        served.stop(proc)
