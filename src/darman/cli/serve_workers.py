"""``darman serve --workers N``: N server processes, each with a listening socket of its
own on the same port (``SO_REUSEPORT``), so the kernel spreads new connections over them.

uvicorn's own workers share one listening socket, and whichever worker woke first took
every connection that was waiting: with two workers and 32 clients connecting at
once, one worker held 28 connections (and, connecting one after another, all 32) while
the other stood idle. With a socket each, the kernel hands each new connection to one
of the sockets by a hash of its addresses, so no worker can take another's share.

The parent binds nothing that takes connections: it checks the port can be had, starts
the workers, restarts one that dies and stops them all on SIGINT or SIGTERM. A worker's
socket closes with it, so a dead worker is never handed a connection.
"""

from __future__ import annotations

import multiprocessing
import signal
import socket
import time
from types import FrameType

import uvicorn

from darman.common.errors import ConfigurationError

RESTART_PAUSE_S = 1.0


def _address(host: str, port: int) -> tuple[socket.AddressFamily, tuple[object, ...]]:
    family, _, _, _, address = socket.getaddrinfo(
        host, port, type=socket.SOCK_STREAM, flags=socket.AI_PASSIVE
    )[0]
    return family, address


def _reuse_port_socket(host: str, port: int) -> socket.socket:
    family, address = _address(host, port)
    # IPPROTO_TCP, not 0: asyncio sets TCP_NODELAY only on sockets that say TCP, and
    # without it an answer written in two parts waited for the client's delayed ACK.
    sock = socket.socket(family, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
    sock.bind(address)
    return sock


def _someone_listens(host: str, port: int) -> bool:
    """Another server on the port (a second ``darman serve`` would share its traffic
    through SO_REUSEPORT without a word, so binding alone does not tell)."""
    family, address = _address(host, port)
    probe_host = str(address[0])
    if probe_host in ("0.0.0.0", "::"):
        probe_host = "127.0.0.1" if family == socket.AF_INET else "::1"
    try:
        with socket.create_connection((probe_host, port), timeout=1):
            return True
    except OSError:
        return False


def _worker(host: str, port: int, access_log: bool) -> None:
    sock = _reuse_port_socket(host, port)
    config = uvicorn.Config(
        "darman.app:create_served_app", factory=True, log_level="info", access_log=access_log
    )
    uvicorn.Server(config).run(sockets=[sock])


def run(host: str, port: int, workers: int, *, access_log: bool) -> None:
    """Serve with ``workers`` processes until SIGINT or SIGTERM."""
    if _someone_listens(host, port):
        raise ConfigurationError(f"cannot listen on {host}:{port}: another server listens there")
    try:
        _reuse_port_socket(host, port).close()  # taken by another program: say so now
    except OSError as exc:
        raise ConfigurationError(f"cannot listen on {host}:{port}: {exc.strerror}") from exc
    spawn = multiprocessing.get_context("spawn")
    stopping = False

    def stop(_sig: int, _frame: FrameType | None) -> None:
        nonlocal stopping
        stopping = True

    # before any worker exists, so a stop that comes early still stops them all
    signal.signal(signal.SIGINT, stop)
    signal.signal(signal.SIGTERM, stop)

    def start() -> multiprocessing.process.BaseProcess:
        p = spawn.Process(target=_worker, args=(host, port, access_log), daemon=False)
        p.start()
        return p

    procs: list[multiprocessing.process.BaseProcess] = []
    try:
        procs.extend(start() for _ in range(workers))
        while not stopping:
            time.sleep(0.2)
            for i, p in enumerate(procs):
                if p.is_alive() or stopping:
                    continue
                # a pause before each restart, so a worker that cannot start (a broken
                # database URL, say) is retried once a second rather than in a spin
                time.sleep(RESTART_PAUSE_S)
                if not stopping:
                    procs[i] = start()
    finally:
        for p in procs:
            if p.is_alive():
                p.terminate()  # uvicorn finishes the requests in flight on SIGTERM
        for p in procs:
            p.join(30)
            if p.is_alive():
                p.kill()
