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


def _reuse_port_socket(host: str, port: int) -> socket.socket:
    # IPPROTO_TCP, not 0: asyncio sets TCP_NODELAY only on sockets that say TCP, and
    # without it an answer written in two parts waited for the client's delayed ACK.
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
    sock.bind((host, port))
    return sock


def _worker(host: str, port: int, access_log: bool) -> None:
    sock = _reuse_port_socket(host, port)
    config = uvicorn.Config(
        "darman.app:create_served_app", factory=True, log_level="info", access_log=access_log
    )
    uvicorn.Server(config).run(sockets=[sock])


def run(host: str, port: int, workers: int, *, access_log: bool) -> None:
    """Serve with ``workers`` processes until SIGINT or SIGTERM."""
    try:
        _reuse_port_socket(host, port).close()  # taken by another program: say so now
    except OSError as exc:
        raise ConfigurationError(f"cannot listen on {host}:{port}: {exc.strerror}") from exc
    spawn = multiprocessing.get_context("spawn")

    def start() -> multiprocessing.process.BaseProcess:
        p = spawn.Process(target=_worker, args=(host, port, access_log), daemon=False)
        p.start()
        return p

    procs = [start() for _ in range(workers)]
    stopping = False

    def stop(_sig: int, _frame: FrameType | None) -> None:
        nonlocal stopping
        stopping = True

    signal.signal(signal.SIGINT, stop)
    signal.signal(signal.SIGTERM, stop)
    try:
        while not stopping:
            time.sleep(0.2)
            for i, p in enumerate(procs):
                if not p.is_alive() and not stopping:
                    time.sleep(RESTART_PAUSE_S)  # a worker that dies at once does not spin
                    procs[i] = start()
    finally:
        for p in procs:
            if p.is_alive():
                p.terminate()  # uvicorn finishes the requests in flight on SIGTERM
        for p in procs:
            p.join(30)
            if p.is_alive():
                p.kill()
