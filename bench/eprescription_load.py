"""Closed-loop HTTP load for ``bench/eprescription.py``: N clients, each on its own
keep-alive connection, sending its requests one after another and timing each answer.

Two clients, to compare like with like:
- ``run_async``: one uvloop event loop, raw HTTP/1.1 over one socket per client, bodies
  encoded before the clock starts. It costs tens of microseconds a request, so on a
  small machine the server, not the client, gets the CPU.
- ``run_threads``: one thread per client with ``httpx`` (the benchmark's first client).
  Its 32 threads compete for one interpreter's GIL and take a core's worth of CPU from
  the server they measure.

Every answer is read in full and its status checked: 200, 201 and 422 (a refusal by
the checks) are answers; any other status or a broken connection is a failure.
"""

from __future__ import annotations

import asyncio
import json
import threading
import time
from dataclasses import dataclass, field
from typing import Any

import httpx
import uvloop

OK_STATUSES = (200, 201, 422)
HEALTH_REPEAT = 40  # GET /health requests per client


@dataclass
class Outcome:
    label: str
    clients: int
    latencies: list[float] = field(default_factory=list)
    statuses: dict[int, int] = field(default_factory=dict)
    errors: list[str] = field(default_factory=list)
    seconds: float = 0.0

    @property
    def failed(self) -> int:
        bad = sum(n for s, n in self.statuses.items() if s not in OK_STATUSES)
        return bad + len(self.errors)

    def answered(self, status: int, took: float, text: str) -> None:
        self.latencies.append(took)
        self.statuses[status] = self.statuses.get(status, 0) + 1
        if status not in OK_STATUSES and len(self.errors) < 5:
            self.errors.append(f"{status}: {text[:200]}")


Work = list[list[dict[str, Any]] | None]  # per client: request bodies, or None for /health


# ------------------------------------------------------------------ asyncio, raw HTTP/1.1
def _request(host: str, port: int, path: str, key: str, body: dict[str, Any] | None) -> bytes:
    head = f"Host: {host}:{port}\r\nX-API-Key: {key}\r\nAccept: application/json\r\n"
    if body is None:
        return f"GET {path} HTTP/1.1\r\n{head}\r\n".encode()
    data = json.dumps(body, ensure_ascii=False).encode()
    return (
        f"POST {path} HTTP/1.1\r\n{head}Content-Type: application/json\r\n"
        f"Content-Length: {len(data)}\r\n\r\n"
    ).encode() + data


async def _response(reader: asyncio.StreamReader) -> tuple[int, bytes, bool]:
    """(status, body, server closes) of one HTTP/1.1 response."""
    head = await reader.readuntil(b"\r\n\r\n")
    lines = head[:-4].split(b"\r\n")
    status = int(lines[0].split(b" ", 2)[1])
    length: int | None = None
    chunked = closes = False
    for line in lines[1:]:
        name, _, value = line.partition(b":")
        name, value = name.strip().lower(), value.strip().lower()
        if name == b"content-length":
            length = int(value)
        elif name == b"transfer-encoding":
            chunked = b"chunked" in value
        elif name == b"connection":
            closes = b"close" in value
    if chunked:
        parts = []
        while True:
            size = int((await reader.readuntil(b"\r\n")).split(b";")[0], 16)
            if size == 0:
                await reader.readuntil(b"\r\n")
                break
            parts.append(await reader.readexactly(size))
            await reader.readexactly(2)
        return status, b"".join(parts), closes
    if length is not None:
        return status, await reader.readexactly(length), closes
    return status, await reader.read(), True


async def _run_async(
    host: str, port: int, path: str, out: Outcome, keys: list[str], work: Work,
    deadline_s: float,
) -> None:  # fmt: skip
    todo: list[list[bytes]] = []
    conns = []
    for key, mine in zip(keys, work, strict=True):
        if mine is None:
            todo.append([_request(host, port, "/health", key, None)] * HEALTH_REPEAT)
        else:
            todo.append([_request(host, port, path, key, b) for b in mine])
        # one at a time, each answered before the next opens (screens connecting over
        # a morning), before the clock starts
        reader, writer = await asyncio.open_connection(host, port)
        writer.write(_request(host, port, "/health", key, None))
        await _response(reader)
        conns.append((reader, writer))
    stop_at = time.perf_counter() + deadline_s

    async def client(i: int) -> None:
        reader, writer = conns[i]
        for req in todo[i]:
            if time.perf_counter() > stop_at:
                break
            t0 = time.perf_counter()
            try:
                writer.write(req)
                status, body, closes = await _response(reader)
            except (OSError, asyncio.IncompleteReadError, ValueError) as exc:
                out.errors.append(repr(exc))
                reader, writer = await asyncio.open_connection(host, port)
                continue
            out.answered(status, time.perf_counter() - t0, body.decode(errors="replace"))
            if closes:
                writer.close()
                reader, writer = await asyncio.open_connection(host, port)
        writer.close()

    t0 = time.perf_counter()
    await asyncio.gather(*(client(i) for i in range(len(keys))))
    out.seconds = time.perf_counter() - t0


def run_async(
    base: str, label: str, keys: list[str], work: Work, deadline_s: float, path: str
) -> Outcome:
    """All clients on one asyncio loop in this process; ``base`` is http://host:port."""
    host, port = base.removeprefix("http://").rsplit(":", 1)
    out = Outcome(label, len(keys))
    # uvloop (the server's loop too) costs the client about half of asyncio's CPU, which
    # on a 2-core machine is CPU the server being measured gets back
    uvloop.run(_run_async(host, int(port), path, out, keys, work, deadline_s))
    return out


# ------------------------------------------------------------------ threads with httpx
def run_threads(
    base: str, label: str, keys: list[str], work: Work, deadline_s: float, path: str
) -> Outcome:
    """One thread per client with its own ``httpx.Client``."""
    out = Outcome(label, len(keys))
    lock = threading.Lock()
    start_gate = threading.Barrier(len(keys) + 1)
    stop_at = [0.0]

    def client(i: int) -> None:
        mine = work[i]
        with httpx.Client(base_url=base, headers={"X-API-Key": keys[i]}, timeout=30) as c:
            c.get("/health")  # open the connection before the clock starts
            start_gate.wait()
            todo = range(HEALTH_REPEAT) if mine is None else mine
            for body in todo:
                if time.perf_counter() > stop_at[0]:
                    break
                t0 = time.perf_counter()
                try:
                    r = c.get("/health") if mine is None else c.post(path, json=body)
                except httpx.HTTPError as exc:
                    with lock:
                        out.errors.append(repr(exc))
                    continue
                took = time.perf_counter() - t0
                with lock:
                    out.answered(r.status_code, took, r.text)

    threads = [threading.Thread(target=client, args=(i,)) for i in range(len(keys))]
    for t in threads:
        t.start()
    stop_at[0] = time.perf_counter() + deadline_s
    start_gate.wait()
    t0 = time.perf_counter()
    for t in threads:
        t.join()
    out.seconds = time.perf_counter() - t0
    return out


CLIENTS = {"async": run_async, "threads": run_threads}
