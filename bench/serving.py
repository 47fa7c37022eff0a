"""What the serving benchmarks share: a throwaway database, a real ``darman serve`` on
loopback, and the pids of the PostgreSQL backends serving it (for CPU accounting)."""

from __future__ import annotations

import contextlib
import os
import re
import signal
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

from sqlalchemy import create_engine, text

import darman

# trust authentication on loopback; ``test`` is the admin database to create others from
# Seals the audit entries a benchmark writes, both while it builds its database and in
# the server it starts, so the log it leaves verifies with one key.
AUDIT_KEY = "bench-audit-key-" + uuid.uuid4().hex
PG_ADMIN_URL = os.environ.get("DARMAN_BENCH_PG_URL", "postgresql+psycopg://127.0.0.1:5432/test")
START_TIMEOUT_S = 120


@contextlib.contextmanager
def throwaway_database(kind: str, work: Path) -> Iterator[str]:
    """A new, empty database: a SQLite file under ``work``, or a PostgreSQL database
    dropped afterwards, even if the benchmark fails."""
    if kind == "sqlite":
        yield f"sqlite:///{work / 'darman.db'}"
        return
    admin = create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
    name = f"darman_bench_{uuid.uuid4().hex[:8]}"
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield PG_ADMIN_URL.rsplit("/", 1)[0] + f"/{name}"
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def database_pids(url: str) -> Callable[[], list[int]]:
    """For PostgreSQL on this machine, a function listing the backends connected to the
    database of ``url`` (the server's pool); for SQLite, nothing (it runs inside the
    server's processes)."""
    if not url.startswith("postgresql"):
        return lambda: []
    name = url.rsplit("/", 1)[1]
    admin = create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT", pool_size=1)

    def pids() -> list[int]:
        with admin.connect() as conn:
            rows = conn.execute(
                text("SELECT pid FROM pg_stat_activity WHERE datname = :d"), {"d": name}
            )
            return [int(r[0]) for r in rows]

    return pids


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _health(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=5) as s:
            s.sendall(b"GET /health HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
            return s.recv(4096).startswith(b"HTTP/1.1 200")
    except OSError:
        return False


class Server:
    """``darman serve --workers N`` on 127.0.0.1, in a process group of its own, run
    from the same ``darman`` this script imported."""

    def __init__(self, url: str, work: Path, workers: int, **env: str) -> None:
        self.url, self.work, self.workers, self.env = url, work, workers, env
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.log_path = work / "server.log"
        self.proc: subprocess.Popen[bytes] | None = None

    def __enter__(self) -> Server:
        src = str(Path(darman.__file__).parents[1])
        env = {
            **os.environ,
            "PYTHONPATH": os.pathsep.join(p for p in (src, os.environ.get("PYTHONPATH")) if p),
            "DARMAN_DATABASE_URL": self.url,
            "DARMAN_SECRET_KEY": uuid.uuid4().hex + uuid.uuid4().hex,
            "DARMAN_AUDIT_KEY": AUDIT_KEY,
            "DARMAN_DEMO_MODE": "0",
            **self.env,
        }
        with self.log_path.open("wb") as log:
            self.proc = subprocess.Popen(
                [sys.executable, "-m", "darman.cli.main", "serve", "--host", "127.0.0.1",
                 "--port", str(self.port), "--workers", str(self.workers), "--no-access-log"],
                env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
            )  # fmt: skip
        deadline = time.monotonic() + START_TIMEOUT_S
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise SystemExit(self.log_path.read_text()[-3000:])
            if len(self.worker_pids()) >= self.workers and _health(self.port):
                return self
            time.sleep(0.2)
        self.__exit__()
        raise SystemExit(
            f"the server did not start within {START_TIMEOUT_S} s:\n"
            + self.log_path.read_text(errors="replace")[-3000:]
        )

    def worker_pids(self) -> list[int]:
        text_ = self.log_path.read_text(errors="replace")
        return [int(p) for p in re.findall(r"Started server process \[(\d+)\]", text_)]

    @property
    def pid(self) -> int:
        assert self.proc is not None
        return self.proc.pid

    def errors_in_log(self, most: int = 6) -> list[str]:
        """The server log's error lines, by kind, most frequent first."""
        kinds: dict[str, int] = {}
        for line in self.log_path.read_text(errors="replace").splitlines():
            if line.split(":")[0].endswith(("Error", "Exception")) or "Traceback" in line:
                kinds[line[:160]] = kinds.get(line[:160], 0) + 1
        return [f"{n:>6} x {k}" for k, n in sorted(kinds.items(), key=lambda kv: -kv[1])][:most]

    def __exit__(self, *_exc: object) -> None:
        if self.proc is None:
            return
        self.proc.send_signal(signal.SIGTERM)
        with contextlib.suppress(subprocess.TimeoutExpired):
            self.proc.wait(20)
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.proc.pid, signal.SIGKILL)
        with contextlib.suppress(subprocess.TimeoutExpired):
            self.proc.wait(10)
