"""``darman serve --workers 2`` as a subprocess on a free port, for the reliability tests."""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import sys
from pathlib import Path

from tests.conftest import TEST_SECRET


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def start(
    database_url: str, tmp_path: Path, **extra_env: str
) -> tuple[subprocess.Popen[bytes], int, Path]:
    """The command in a process group of its own, so that ``stop`` reaches every worker
    whatever happened to the supervisor; its output goes to ``server.log``."""
    port = free_port()
    env = {
        **os.environ,
        "DARMAN_DATABASE_URL": database_url,
        "DARMAN_SECRET_KEY": TEST_SECRET,
        "DARMAN_DEMO_MODE": "0",
        **extra_env,
    }
    log_path = tmp_path / "server.log"
    with log_path.open("wb") as log:
        proc = subprocess.Popen(
            [sys.executable, "-m", "darman.cli.main", "serve", "--port", str(port),
             "--workers", "2", "--no-access-log"],
            env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
        )  # fmt: skip
    return proc, port, log_path


def stop(proc: subprocess.Popen[bytes]) -> None:
    with contextlib.suppress(ProcessLookupError):
        os.killpg(proc.pid, signal.SIGKILL)
    proc.wait(10)
