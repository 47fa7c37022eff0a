"""A ``darman serve`` worker that takes new connections from the listening socket the
workers share only while it holds no more open connections than the least busy of them.

Clients of this server (prescribing systems, pharmacy software, a reverse proxy) keep
their connections open and send request after request on them, so a worker's load is
the connections it holds. Left to themselves, the workers split them unevenly: on one
shared socket whichever worker woke first took every connection waiting (28 of 32),
and with a socket each (``SO_REUSEPORT``) the kernel's hash of the addresses gave
splits such as 21 and 11 of 32, and the requests on the busier worker waited twice as
long as the others. Here every worker publishes its count of open connections in a
small array shared with the other workers; a worker that holds more than the least
busy one leaves a waiting connection to it. So that a worker which is stuck (its
event loop busy, say) cannot hold up new connections, one waiting longer than
``GATE_LIMIT_S`` is taken by whichever worker sees it.
"""

from __future__ import annotations

import asyncio
import errno
import logging
import os
import select
import socket
import time
from collections.abc import Callable, MutableSequence
from typing import Any

import uvicorn

log = logging.getLogger("uvicorn.error")  # configured by uvicorn in each worker

ABSENT = -1  # the count of a worker slot with no worker serving in it
GATE_RECHECK_S = 0.002  # how soon a worker that left a connection to another looks again
GATE_LIMIT_S = 0.05  # a connection waiting this long is taken by any worker
ACCEPT_BATCH = 16  # connections taken in one wake-up at most, turn permitting
_OUT_OF_RESOURCES = {errno.EMFILE, errno.ENFILE, errno.ENOBUFS, errno.ENOMEM}


class Acceptor:
    """Takes this worker's share of the connections waiting on ``sock``."""

    def __init__(
        self,
        sock: socket.socket,
        counts: MutableSequence[int],
        slot: int,
        serve: Callable[[socket.socket], Any],
    ) -> None:
        self._sock = sock
        self._counts = counts
        self._slot = slot
        self._serve = serve  # hands an accepted socket to the HTTP protocol
        self._loop = asyncio.get_running_loop()
        self._open = 0
        self._armed = False
        self._stopped = False
        self._gated_since: float | None = None
        self._recheck: asyncio.TimerHandle | None = None

    # -- connections held
    def opened(self) -> None:
        self._open += 1
        self._publish()

    def closed(self) -> None:
        self._open -= 1
        self._publish()

    def _publish(self) -> None:
        if not self._stopped:
            self._counts[self._slot] = self._open

    # -- taking connections
    def start(self) -> None:
        self._sock.setblocking(False)
        self._publish()
        self._arm()

    def stop(self) -> None:
        """No more connections; the slot is marked absent, so the others never wait
        for this worker to take its share, and this worker's copy of the listening
        socket is closed (once every process has closed theirs, new clients are
        refused instead of waiting on a server that is going away)."""
        self._stopped = True
        self._disarm()
        if self._recheck is not None:
            self._recheck.cancel()
        self._counts[self._slot] = ABSENT
        self._sock.close()

    def _arm(self) -> None:
        self._recheck = None
        if self._stopped or self._armed:
            return
        if not _readable(self._sock):
            self._gated_since = None  # whatever waited was taken meanwhile
        self._loop.add_reader(self._sock.fileno(), self._ready)
        self._armed = True

    def _disarm(self) -> None:
        if self._armed:
            self._loop.remove_reader(self._sock.fileno())
            self._armed = False

    def my_turn(self) -> bool:
        others = [c for i, c in enumerate(self._counts) if i != self._slot and c != ABSENT]
        return not others or self._open <= min(others)

    def _ready(self) -> None:
        for _ in range(ACCEPT_BATCH):
            if not self.my_turn() and not self._waited_too_long():
                # leave it to a less busy worker; look again shortly (the socket stays
                # readable while the connection waits, so staying armed would spin)
                self._disarm()
                self._recheck = self._loop.call_later(GATE_RECHECK_S, self._arm)
                return
            try:
                conn, _ = self._sock.accept()
            except (BlockingIOError, InterruptedError):
                self._gated_since = None  # another worker took it
                return
            except ConnectionError:  # the client gave up while it waited: the next one
                continue
            except OSError as exc:
                if exc.errno not in _OUT_OF_RESOURCES:
                    continue  # a failure of that one connection (EPROTO, say)
                # out of file descriptors or memory: back off, keep serving the others
                log.warning("accept failed: %s", exc)
                self._disarm()
                self._recheck = self._loop.call_later(0.1, self._arm)
                return
            self._gated_since = None
            conn.setblocking(False)
            if conn.family in (socket.AF_INET, socket.AF_INET6):
                # an answer written in two parts would otherwise wait for the client's
                # delayed ACK
                conn.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            self.opened()
            self._loop.create_task(self._connect(conn))

    def _waited_too_long(self) -> bool:
        now = time.monotonic()
        if self._gated_since is None:
            self._gated_since = now
        return now - self._gated_since >= GATE_LIMIT_S

    async def _connect(self, conn: socket.socket) -> None:
        try:
            await self._serve(conn)
        except Exception as exc:  # the protocol never took it (the client went away, say)
            log.debug("connection not set up: %s", exc)
            conn.close()
            self.closed()


def _readable(sock: socket.socket) -> bool:
    ready, _, _ = select.select([sock], [], [], 0)
    return bool(ready)


class BalancedServer(uvicorn.Server):
    """uvicorn's server with no listener of its own: an ``Acceptor`` on the shared
    socket hands it its connections. Startup, graceful shutdown (the connections in
    flight are finished) and signals are uvicorn's."""

    def __init__(
        self, config: uvicorn.Config, sock: socket.socket, counts: MutableSequence[int], slot: int
    ) -> None:
        super().__init__(config)
        self._shared = sock
        self._counts = counts
        self._slot = slot
        self.acceptor: Acceptor | None = None

    async def startup(self, sockets: list[socket.socket] | None = None) -> None:
        await super().startup(sockets=[])  # the app and its lifespan, no listener
        if self.should_exit:
            return
        loop = asyncio.get_running_loop()
        base: type[asyncio.Protocol] = self.config.http_protocol_class

        acceptor = Acceptor(
            self._shared,
            self._counts,
            self._slot,
            lambda conn: loop.connect_accepted_socket(protocol, conn),
        )

        class Counted(base):  # type: ignore[valid-type, misc]
            def connection_lost(self, exc: Exception | None) -> None:
                try:
                    super().connection_lost(exc)
                finally:
                    acceptor.closed()

        def protocol() -> asyncio.Protocol:
            made: asyncio.Protocol = Counted(
                config=self.config, server_state=self.server_state, app_state=self.lifespan.state
            )
            return made

        self.acceptor = acceptor
        acceptor.start()
        host, port = self._shared.getsockname()[:2]
        log.info(
            "worker %d (pid %d) taking connections on %s:%d", self._slot, os.getpid(), host, port
        )

    async def shutdown(self, sockets: list[socket.socket] | None = None) -> None:
        if self.acceptor is not None:
            self.acceptor.stop()
        await super().shutdown(sockets=[])
