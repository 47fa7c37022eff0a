"""``darman serve --workers N``: N server processes taking turns at one listening socket.

The parent binds and listens, starts the workers, restarts one that dies and stops
them all on SIGINT or SIGTERM; it never accepts a connection itself. Each worker takes
connections only while it holds no more than the least busy worker
(``balanced_accept.py``), through a small array of counts the workers share, so long
kept-alive connections end up spread evenly. A worker that dies has its slot marked
absent at once, so the others do not wait for it; connections that arrive while no
worker serves wait in the socket's backlog for the restarted one.
"""

from __future__ import annotations

import ctypes
import multiprocessing
import os
import signal
import socket
import sys
import time
from collections.abc import MutableSequence
from types import FrameType

import uvicorn

from darman.cli.balanced_accept import ABSENT, BalancedServer
from darman.common.errors import ConfigurationError

RESTART_PAUSE_S = 1.0
BACKLOG = 2048
PR_SET_PDEATHSIG = 1  # prctl option (linux/prctl.h)
MAX_FAILED_STARTS = 5  # a worker that dies this often before serving: give up


def _address(host: str, port: int) -> tuple[socket.AddressFamily, tuple[object, ...]]:
    family, _, _, _, address = socket.getaddrinfo(
        host, port, type=socket.SOCK_STREAM, flags=socket.AI_PASSIVE
    )[0]
    return family, address


def _listening_socket(host: str, port: int, backlog: int) -> socket.socket:
    family, address = _address(host, port)
    # IPPROTO_TCP, not 0: asyncio sets TCP_NODELAY only on sockets that say TCP
    sock = socket.socket(family, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(address)
    sock.listen(backlog)
    return sock


def _worker(
    sock: socket.socket, counts: MutableSequence[int], slot: int, access_log: bool, parent: int
) -> None:
    _exit_with_parent(parent)
    config = uvicorn.Config(
        "darman.app:create_served_app",
        factory=True,
        log_level="info",
        access_log=access_log,
        # a WebSocket upgrade would swap the protocol that counts the connection
        ws="none",
    )
    BalancedServer(config, sock, counts, slot).run()


def _exit_with_parent(parent: int) -> None:
    """Have the kernel send SIGTERM to this worker when the supervisor dies (killed,
    say), so no worker lives on serving alone (Linux; elsewhere nothing)."""
    if not sys.platform.startswith("linux"):
        return
    libc = ctypes.CDLL(None, use_errno=True)
    libc.prctl(PR_SET_PDEATHSIG, signal.SIGTERM)
    if os.getppid() != parent:  # it died before the request was made
        os.kill(os.getpid(), signal.SIGTERM)


def run(host: str, port: int, workers: int, *, access_log: bool) -> None:
    """Serve with ``workers`` processes until SIGINT or SIGTERM."""
    try:
        sock = _listening_socket(host, port, BACKLOG)
    except OSError as exc:
        raise ConfigurationError(f"cannot listen on {host}:{port}: {exc.strerror}") from exc
    spawn = multiprocessing.get_context("spawn")
    counts = spawn.Array("i", [ABSENT] * workers, lock=False)
    stopping = False

    def stop(_sig: int, _frame: FrameType | None) -> None:
        nonlocal stopping
        stopping = True

    # before any worker exists, so a stop that comes early still stops them all
    signal.signal(signal.SIGINT, stop)
    signal.signal(signal.SIGTERM, stop)

    def start(slot: int) -> multiprocessing.process.BaseProcess:
        counts[slot] = ABSENT  # until the worker's app is built and it takes connections
        p = spawn.Process(
            target=_worker, args=(sock, counts, slot, access_log, os.getpid()), daemon=False
        )
        p.start()
        return p

    procs: list[multiprocessing.process.BaseProcess] = []
    served = [False] * workers  # whether the worker in each slot got as far as serving
    failed = [0] * workers  # its starts in a row that died before serving
    try:
        procs.extend(start(slot) for slot in range(workers))
        while not stopping:
            time.sleep(0.2)
            for i, p in enumerate(procs):
                served[i] = served[i] or counts[i] != ABSENT
                if p.is_alive() or stopping:
                    continue
                counts[i] = ABSENT  # its connections died with it
                failed[i] = 0 if served[i] else failed[i] + 1
                if failed[i] >= MAX_FAILED_STARTS:
                    raise ConfigurationError(
                        f"a server worker exited {failed[i]} times in a row before serving "
                        f"(exit code {p.exitcode}); its log above says why"
                    )
                # a pause before each restart, so a worker that cannot start (a broken
                # database URL, say) is retried once a second rather than in a spin
                time.sleep(RESTART_PAUSE_S)
                if not stopping:
                    served[i] = False
                    procs[i] = start(i)
    finally:
        # no new connections from here (each worker closes its copy as it stops): new
        # clients are refused and can go elsewhere instead of waiting on a closing server
        sock.close()
        for p in procs:
            if p.is_alive():
                p.terminate()  # uvicorn finishes the requests in flight on SIGTERM
        for p in procs:
            p.join(30)
            if p.is_alive():
                p.kill()
