"""HTTP/1.1 load over loopback keep-alive connections from one uvloop event loop, for
the serving benchmarks (``eprescription.py``, ``concurrency.py``).

Two shapes:

- ``open_loop``: requests are OFFERED at fixed arrival times computed before the clock
  starts, whatever the answers do: a slow answer never delays the next send. Each send
  goes out on an idle connection of a pool opened beforehand (HTTP/1.1 has one request
  in flight per connection); a send that finds none is counted as an error ("no free
  connection") and dropped, never delayed. Latency runs from the request's scheduled
  time, so queueing anywhere (in the server, or the generator sending late) counts.
- ``closed_loop``: N clients, each on its own connection, sending its next request as
  soon as it has the answer, for a fixed time. Latency runs from the send.

Requests are encoded to bytes before the clock starts, answers are parsed with a few
byte searches in the protocol's callbacks, and no task is made per request, so the
generator costs little CPU beside the server it measures on the same cores; every phase
reports the generator's own CPU, the server's, the database's and the rest of the
machine's.

Only 2xx answers count as answers; any other status, a broken connection and an answer
slower than the timeout are errors.
"""

from __future__ import annotations

import asyncio
import collections
import os
import re
import subprocess
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import cast

import numpy as np
import uvloop

TIMEOUT_S = 5.0
# An open-loop pool holds this many seconds' worth of sends, so a run only runs out of
# connections when answers take longer than this, far past any latency aim.
POOL_SECONDS = 0.5
MIN_POOL = 64
MAX_POOL = 4_000
PROGRESS_EVERY_S = 5.0
CLK_TCK = os.sysconf("SC_CLK_TCK")


# ------------------------------------------------------------------ requests
def get(host: str, port: int, path: str, headers: dict[str, str] | None = None) -> bytes:
    head = "".join(f"{k}: {v}\r\n" for k, v in (headers or {}).items())
    return f"GET {path} HTTP/1.1\r\nHost: {host}:{port}\r\n{head}\r\n".encode()


def post_json(
    host: str, port: int, path: str, body: bytes, headers: dict[str, str] | None = None
) -> bytes:
    head = "".join(f"{k}: {v}\r\n" for k, v in (headers or {}).items())
    return (
        f"POST {path} HTTP/1.1\r\nHost: {host}:{port}\r\n{head}"
        f"Content-Type: application/json\r\nContent-Length: {len(body)}\r\n\r\n"
    ).encode() + body


# ------------------------------------------------------------------ results
@dataclass
class Phase:
    label: str
    offered: float | None  # requests a second offered (open loop); None for a closed loop
    clients: int  # connections (open loop: the pool)
    seconds: float = 0.0  # from the first scheduled send to the last answer
    sent: int = 0
    latencies: list[float] = field(default_factory=list)  # seconds, every answer
    kinds: list[int] = field(default_factory=list)  # the request kind of each answer
    statuses: collections.Counter[int] = field(default_factory=collections.Counter)
    transport_errors: int = 0
    timeouts: int = 0
    starved: int = 0  # sends that found no free connection
    lag: list[float] = field(default_factory=list)  # open loop: actual minus scheduled send
    examples: list[str] = field(default_factory=list)
    cpu: dict[str, float] = field(default_factory=dict)  # cores used over the phase, by whom

    @property
    def ok(self) -> int:
        return sum(n for s, n in self.statuses.items() if 200 <= s < 300)

    @property
    def errors(self) -> int:
        bad = sum(n for s, n in self.statuses.items() if not 200 <= s < 300)
        return bad + self.transport_errors + self.timeouts + self.starved

    @property
    def rate(self) -> float:
        return self.ok / self.seconds if self.seconds else 0.0

    def ms(self, q: float, kind: int | None = None) -> float:
        lat = np.asarray(self.latencies)
        if kind is not None:
            lat = lat[np.asarray(self.kinds) == kind]
        return float(np.percentile(lat, q) * 1000) if lat.size else float("nan")

    def max_ms(self) -> float:
        return max(self.latencies) * 1000 if self.latencies else float("nan")

    def error_text(self) -> str:
        parts = [f"{s}: {n}" for s, n in sorted(self.statuses.items()) if not 200 <= s < 300]
        for name, n in (("transport", self.transport_errors), ("timeout", self.timeouts),
                        ("no free connection", self.starved)):  # fmt: skip
            if n:
                parts.append(f"{name}: {n}")
        return ", ".join(parts) or "none"

    def summary(self) -> str:
        lag = (
            f", generator sent late p99 {np.percentile(self.lag, 99) * 1000:.2f} ms"
            if self.lag
            else ""
        )
        return (
            f"{self.label}: {self.ok:,} answers in {self.seconds:.1f} s = {self.rate:,.1f}/s, "
            f"p50 {self.ms(50):.1f} ms, p99 {self.ms(99):.1f} ms, max {self.max_ms():.1f} ms, "
            f"errors {self.errors} ({self.error_text()}){lag}"
        )


# ------------------------------------------------------------------ CPU accounting
def _ticks(pid: int) -> int:
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(") ", 1)[1].split()
    except (FileNotFoundError, ProcessLookupError, IndexError):
        return 0
    return int(fields[11]) + int(fields[12])  # utime + stime


def process_tree(root: int) -> list[int]:
    """``root`` and its descendants, from /proc."""
    children: dict[int, list[int]] = collections.defaultdict(list)
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            ppid = int((entry / "stat").read_text().rsplit(") ", 1)[1].split()[1])
        except (FileNotFoundError, ProcessLookupError, IndexError):
            continue
        children[ppid].append(int(entry.name))
    out, todo = [], [root]
    while todo:
        pid = todo.pop()
        out.append(pid)
        todo.extend(children.get(pid, ()))
    return out


def _machine() -> tuple[int, int]:
    """(busy, total) clock ticks of every core since boot."""
    values = [int(v) for v in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    idle = values[3] + values[4]  # idle + iowait
    return sum(values) - idle, sum(values)


class CpuMeter:
    """Cores used between ``start`` and ``stop`` by the generator (this process), the
    server's process tree, the database's backends (given as a callable listing their
    pids, PostgreSQL only) and everything else on the machine."""

    def __init__(self, server_pid: int, db_pids: Callable[[], list[int]] | None = None) -> None:
        self.server_pid = server_pid
        self.db_pids = db_pids or (lambda: [])

    def start(self) -> None:
        self.t0 = time.perf_counter()
        self.me0 = time.process_time()
        self.server0 = {p: _ticks(p) for p in process_tree(self.server_pid)}
        self.db0 = {p: _ticks(p) for p in self.db_pids()}
        self.busy0, self.total0 = _machine()

    def stop(self) -> dict[str, float]:
        wall = time.perf_counter() - self.t0
        me = time.process_time() - self.me0
        server = sum(_ticks(p) - self.server0.get(p, 0) for p in process_tree(self.server_pid))
        db = sum(_ticks(p) - self.db0.get(p, 0) for p in self.db_pids())
        busy, total = _machine()
        cores = os.cpu_count() or 1
        machine = (busy - self.busy0) / (total - self.total0) * cores if total > self.total0 else 0
        out = {
            "generator": me / wall,
            "server": server / CLK_TCK / wall,
            "database": db / CLK_TCK / wall,
        }
        out["others"] = max(0.0, machine - sum(out.values()))
        out["machine"] = machine
        return out


def cpu_text(cpu: dict[str, float]) -> str:
    if not cpu:
        return ""
    return (
        f"cores used: generator {cpu['generator']:.2f}, server {cpu['server']:.2f}, "
        f"database {cpu['database']:.2f}, everything else {cpu['others']:.2f} "
        f"(machine {cpu['machine']:.2f} of {os.cpu_count()})"
    )


def connections_per_process(port: int) -> dict[int, int]:
    """Established connections to ``port`` by the server process holding each (``ss``)."""
    out = subprocess.run(
        ["ss", "-Htnp", "state", "established", f"( sport = :{port} )"],
        capture_output=True, text=True, check=False,
    ).stdout  # fmt: skip
    counts: collections.Counter[int] = collections.Counter()
    for pid in re.findall(r"pid=(\d+)", out):
        counts[int(pid)] += 1
    return dict(counts)


# ------------------------------------------------------------------ the connection
class _Conn(asyncio.Protocol):
    """One keep-alive connection with at most one request in flight."""

    def __init__(self, owner: _Driver) -> None:
        self.owner = owner
        self.transport: asyncio.Transport | None = None
        self.buf = bytearray()
        self.busy = False
        self.since = 0.0  # the in-flight request's scheduled (open) or actual (closed) send
        self.kind = 0
        self.dead = False

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        # uvloop's transports are not subclasses of asyncio's, only alike
        self.transport = cast(asyncio.Transport, transport)

    def send(self, data: bytes, since: float, kind: int) -> None:
        self.busy, self.since, self.kind = True, since, kind
        assert self.transport is not None
        self.transport.write(data)

    def data_received(self, data: bytes) -> None:
        self.buf += data
        end = self.buf.find(b"\r\n\r\n")
        if end < 0:
            return
        head = bytes(self.buf[:end]).lower()
        at = head.find(b"\r\ncontent-length:")
        if at < 0:
            # every answer measured here has a length; anything else is reported, not parsed
            self.fail("answer without Content-Length")
            return
        stop = head.find(b"\r\n", at + 2)
        length = int(head[at + 17 : stop if stop > 0 else len(head)])
        total = end + 4 + length
        if len(self.buf) < total:
            return
        status = int(head[9:12])
        body = bytes(self.buf[end + 4 : total]) if not 200 <= status < 300 else b""
        del self.buf[:total]
        self.busy = False
        closes = b"\r\nconnection: close" in head
        self.owner.answered(self, status, body)
        if closes:
            self.close()

    def fail(self, why: str) -> None:
        if self.busy:
            self.busy = False
            self.owner.broken(self, why)
        self.close()

    def close(self) -> None:
        if not self.dead:
            self.dead = True
            if self.transport is not None:
                self.transport.abort()
            self.owner.lost(self)

    def connection_lost(self, exc: Exception | None) -> None:
        if self.busy:
            self.busy = False
            self.owner.broken(self, repr(exc) if exc else "connection closed by the server")
        if not self.dead:
            self.dead = True
            self.owner.lost(self)


class _Driver:
    """Keeps the connections and the tally of one phase."""

    def __init__(self, host: str, port: int, phase: Phase, timeout: float) -> None:
        self.host, self.port, self.phase, self.timeout = host, port, phase, timeout
        self.conns: set[_Conn] = set()
        self.idle: collections.deque[_Conn] = collections.deque()
        self.last_answer = 0.0
        self.closing = False
        self.reconnects = 0
        self.on_idle: Callable[[_Conn], None] = self.idle.append
        self.on_forget: Callable[[_Conn], None] = lambda _conn: None

    async def connect(self) -> _Conn:
        loop = asyncio.get_running_loop()
        _, conn = await loop.create_connection(lambda: _Conn(self), self.host, self.port)
        self.conns.add(conn)
        return conn

    async def open(self, n: int) -> None:
        sem = asyncio.Semaphore(64)

        async def one() -> None:
            async with sem:
                self.idle.append(await self.connect())

        await asyncio.gather(*(one() for _ in range(n)))

    def answered(self, conn: _Conn, status: int, body: bytes) -> None:
        now = time.perf_counter()
        self.last_answer = now
        p = self.phase
        p.latencies.append(now - conn.since)
        p.kinds.append(conn.kind)
        p.statuses[status] += 1
        if body and len(p.examples) < 5:
            p.examples.append(f"{status}: {body[:200].decode(errors='replace')}")
        if not conn.dead:
            self.on_idle(conn)

    def broken(self, conn: _Conn, why: str) -> None:
        self.phase.transport_errors += 1
        if len(self.phase.examples) < 5:
            self.phase.examples.append(why)

    def lost(self, conn: _Conn) -> None:
        """A connection is gone (the server's keep-alive timeout, an error, a timeout):
        another takes its place, so the pool keeps its size."""
        self.conns.discard(conn)
        if conn in self.idle:
            self.idle.remove(conn)
        self.on_forget(conn)
        if not self.closing:
            self.reconnects += 1
            asyncio.get_running_loop().create_task(self._replace())

    async def _replace(self) -> None:
        try:
            conn = await self.connect()
        except OSError as exc:
            self.phase.transport_errors += 1
            if len(self.phase.examples) < 5:
                self.phase.examples.append(f"reconnect: {exc!r}")
            return
        self.on_idle(conn)

    def in_flight(self) -> int:
        return sum(1 for c in self.conns if c.busy)

    def expire(self, now: float) -> None:
        for conn in [c for c in self.conns if c.busy and now - c.since > self.timeout]:
            conn.busy = False
            self.phase.timeouts += 1
            conn.close()

    def shut(self) -> None:
        self.closing = True
        for conn in list(self.conns):
            conn.dead = True
            if conn.transport is not None:
                conn.transport.close()
        self.conns.clear()
        self.idle.clear()


def _split(base: str) -> tuple[str, int]:
    host, port = base.removeprefix("http://").rsplit(":", 1)
    return host, int(port)


def _progress(phase: Phase, drv: _Driver, elapsed: float, seen: int) -> tuple[str, int]:
    """A progress line, and how many answers it has seen (its p99 is of the newer ones)."""
    window = phase.latencies[seen:]
    p99 = np.percentile(window, 99) * 1000 if window else float("nan")
    line = (
        f"  {phase.label}: {elapsed:5.1f} s, sent {phase.sent:,}, answered "
        f"{len(phase.latencies):,}, in flight {drv.in_flight()}, errors {phase.errors}, "
        f"p99 of the last {PROGRESS_EVERY_S:.0f} s {p99:.1f} ms"
    )
    return line, len(phase.latencies)


async def _drain(drv: _Driver) -> None:
    """Wait for the stragglers: answered, or timed out."""
    while drv.in_flight():
        await asyncio.sleep(0.01)
        drv.expire(time.perf_counter())


# ------------------------------------------------------------------ open loop
def arrival_times(rate: float, seconds: float, shape: str, seed: int) -> np.ndarray:
    """Offsets in seconds of every send: evenly spaced (``uniform``) or the arrivals of
    many independent callers (``poisson``: exponential gaps, from a fixed seed)."""
    n = int(rate * seconds)
    if shape == "uniform":
        return np.arange(n) / rate
    gaps = np.random.default_rng(seed).exponential(1 / rate, n)
    times = np.cumsum(gaps) - gaps[0]
    return times[times < seconds]


def pool_size(rate: float) -> int:
    return int(min(MAX_POOL, max(MIN_POOL, np.ceil(rate * POOL_SECONDS))))


async def _open_loop(
    host: str, port: int, phase: Phase, requests: Sequence[bytes], times: np.ndarray,
    timeout: float, meter: CpuMeter | None, say: Callable[[str], None] | None,
    on_open: Callable[[], None] | None,
) -> None:  # fmt: skip
    drv = _Driver(host, port, phase, timeout)
    await drv.open(phase.clients)
    if on_open is not None:
        on_open()
    n_req = len(requests)
    lag = phase.lag
    idle = drv.idle
    if meter:
        meter.start()
    start = time.perf_counter() + 0.05
    due = (start + times).tolist()
    next_report = start + PROGRESS_EVERY_S
    next_expiry = start + 0.25
    seen = 0
    i, n = 0, len(due)
    while i < n:
        now = time.perf_counter()
        while i < n and due[i] <= now:
            if idle:
                conn = idle.popleft()
                lag.append(now - due[i])
                conn.send(requests[i % n_req], due[i], 0)
            else:
                phase.starved += 1
            i += 1
        phase.sent = i
        if now >= next_expiry:
            drv.expire(now)
            next_expiry = now + 0.25
        if now >= next_report and say:
            line, seen = _progress(phase, drv, now - start, seen)
            say(line)
            next_report += PROGRESS_EVERY_S
        if i < n:
            # the loop's timers have a millisecond's resolution: waking at most once a
            # millisecond keeps the generator's CPU low, at a cost (a send up to about a
            # millisecond late, counted in its latency) that the summary reports as lag
            await asyncio.sleep(max(0.001, due[i] - time.perf_counter()))
    await _drain(drv)
    if meter:
        phase.cpu = meter.stop()
    phase.seconds = max(drv.last_answer, start + float(times[-1]) if len(times) else start) - start
    drv.shut()


def open_loop(
    base: str, label: str, requests: Sequence[bytes], *, rate: float, seconds: float,
    arrivals: str = "poisson", seed: int = 0, connections: int | None = None,
    timeout: float = TIMEOUT_S, meter: CpuMeter | None = None,
    say: Callable[[str], None] | None = print,
    on_open: Callable[[], None] | None = None,
) -> Phase:  # fmt: skip
    """Offer ``rate`` requests a second for ``seconds``, cycling through ``requests``."""
    host, port = _split(base)
    times = arrival_times(rate, seconds, arrivals, seed)
    phase = Phase(label, rate, connections or pool_size(rate))
    uvloop.run(_open_loop(host, port, phase, requests, times, timeout, meter, say, on_open))
    return phase


# ------------------------------------------------------------------ closed loop
class _Clients:
    """Closed-loop clients: each walks its own list of requests, one at a time, on one
    connection; a client whose connection was replaced carries on on the new one."""

    def __init__(self, phase: Phase, requests: Sequence[Sequence[tuple[int, bytes]]]) -> None:
        self.phase, self.requests = phase, requests
        self.position: dict[_Conn, tuple[int, int]] = {}  # client, its next request
        self.waiting: collections.deque[int] = collections.deque()  # clients with no connection
        self.stop_at = float("inf")

    def fire(self, conn: _Conn, client: int, k: int) -> None:
        mine = self.requests[client]
        kind, data = mine[k % len(mine)]
        self.position[conn] = (client, k + 1)
        self.phase.sent += 1
        conn.send(data, time.perf_counter(), kind)

    def on_idle(self, conn: _Conn) -> None:
        if time.perf_counter() >= self.stop_at:
            return
        if conn in self.position:
            client, k = self.position.pop(conn)
        elif self.waiting:
            client, k = self.waiting.popleft(), 0
        else:
            return
        self.fire(conn, client, k)

    def on_forget(self, conn: _Conn) -> None:
        if conn in self.position:
            self.waiting.append(self.position.pop(conn)[0])


async def _closed_loop(
    host: str, port: int, phase: Phase, requests: Sequence[Sequence[tuple[int, bytes]]],
    seconds: float, timeout: float, meter: CpuMeter | None, say: Callable[[str], None] | None,
) -> None:  # fmt: skip
    drv = _Driver(host, port, phase, timeout)
    await drv.open(phase.clients)
    clients = _Clients(phase, requests)
    drv.on_idle = clients.on_idle
    drv.on_forget = clients.on_forget
    conns = list(drv.idle)
    drv.idle.clear()
    if meter:
        meter.start()
    start = time.perf_counter()
    stop_at = clients.stop_at = start + seconds
    for c, conn in enumerate(conns):
        clients.fire(conn, c, 0)
    next_report = start + PROGRESS_EVERY_S
    seen = 0
    while time.perf_counter() < stop_at:
        await asyncio.sleep(0.05)
        now = time.perf_counter()
        drv.expire(now)
        if now >= next_report and say:
            line, seen = _progress(phase, drv, now - start, seen)
            say(line)
            next_report += PROGRESS_EVERY_S
    await _drain(drv)
    if meter:
        phase.cpu = meter.stop()
    phase.seconds = max(drv.last_answer, stop_at) - start
    drv.shut()


def closed_loop(
    base: str, label: str, requests: Sequence[Sequence[tuple[int, bytes]]], *,
    seconds: float, timeout: float = TIMEOUT_S, meter: CpuMeter | None = None,
    say: Callable[[str], None] | None = print,
) -> Phase:  # fmt: skip
    """One client per list in ``requests`` (each ``(kind, request)``), every client
    sending its next request when the last is answered, for ``seconds``."""
    host, port = _split(base)
    phase = Phase(label, None, len(requests))
    uvloop.run(_closed_loop(host, port, phase, requests, seconds, timeout, meter, say))
    return phase
