"""``darman worker``: the background adjudicator as a process of its own, beside ``darman
serve`` (``make demo`` starts one), and ``beside_the_server`` for the demo."""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from types import FrameType
from typing import TYPE_CHECKING, Annotated

import typer

from darman.cli.context import settings
from darman.common.persian import format_decimal, format_number

if TYPE_CHECKING:
    from sqlalchemy import Engine

    from darman.claims.adjudicator import Batch

SCHEMA_WAIT_S = 2.0
# The operator's log, in Persian: the words a log search (and the tests) look for.
BATCH_MARK = "دسته‌ی رسیدگی‌شده:"
STOPPING_FA = "پس از پایان دسته‌ی در کار می‌ایستد"
STOPPED_FA = "ایستاد"
UNAVAILABLE_FA = "پایگاه داده در دسترس نیست، دوباره تلاش می‌شود"
STOP_TIMEOUT_S = 60


def _say(message: str) -> None:
    # one plain line per event: readable in a terminal, a log file or the journal
    print(f"{time.strftime('%Y-%m-%d %H:%M:%S')} worker[{os.getpid()}] {message}", flush=True)


def _batch_line(batch: Batch) -> str:
    r = batch.run
    n = format_number
    return (
        f"{BATCH_MARK} {n(r.claims)} سند ({n(r.lines)} خط: {n(r.accepted)} پذیرفته، "
        f"{n(r.partial)} با کسور، {n(r.rejected)} رد) در {format_decimal(batch.seconds, 2)} "
        f"ثانیه؛ دیرترین سند {format_decimal(batch.oldest_waited_s, 1)} ثانیه پس از ارسال "
        "تصمیم گرفت"
    )


def _current_schema(engine: Engine, stop: threading.Event) -> bool:
    """Wait until the schema is at the newest migration (``darman serve`` or ``darman db
    upgrade`` brings it there): a worker never migrates, so several of them and the server
    can start at once. False if stopped while waiting."""
    from sqlalchemy.exc import OperationalError

    from darman.db import migrate

    told = ""
    while not stop.is_set():
        try:
            if migrate.is_current(engine):
                return True
            why = "در انتظار به‌روز شدن ساختار پایگاه داده (darman db upgrade)"
        except OperationalError as exc:
            why = f"{UNAVAILABLE_FA}: {str(exc.orig or exc).splitlines()[0]}"
        if why != told:
            _say(why)
            told = why
        stop.wait(SCHEMA_WAIT_S)
    return False


def worker(
    every: Annotated[
        float, typer.Option(min=0.1, help="seconds between looks for pending claims")
    ] = 2.0,
    batch: Annotated[
        int, typer.Option(min=1, help="most claims decided in one batch (one transaction)")
    ] = 5_000,
) -> None:
    """Adjudicate submitted claims in the background, batch by batch, until SIGTERM or
    Ctrl-C, which finish the batch under way; a second signal stops at once and leaves
    that batch's claims pending. Any number may run: one batch at a time is decided."""
    from darman.claims import adjudicator
    from darman.db.engine import make_engine, make_session_factory
    from darman.referrals.reading import claims_register

    stop = threading.Event()

    def _on_signal(signum: int, _frame: FrameType | None) -> None:
        if stop.is_set():
            raise KeyboardInterrupt  # the second signal: the batch under way rolls back
        _say(f"{signal.Signals(signum).name}: {STOPPING_FA}")
        stop.set()

    signal.signal(signal.SIGTERM, _on_signal)
    signal.signal(signal.SIGINT, _on_signal)
    audit_key = settings().audit_secret()  # an unfit key stops the worker before it starts
    engine = make_engine(settings().database_url, pool_size=2)
    actor = f"worker {socket.gethostname()}:{os.getpid()}"[:64]
    _say(
        f"رسیدگی به اسناد رسیده هر {format_decimal(every, 1)} ثانیه، "
        f"هر بار حداکثر {format_number(batch)} سند"
    )
    try:
        if _current_schema(engine, stop):
            decided = adjudicator.run(
                make_session_factory(engine, audit_key=audit_key),
                make_session_factory(engine, audit_key=audit_key, reads_only=True),
                actor=actor, referrals=claims_register, stop=stop, every_s=every,
                batch_claims=batch,
                on_batch=lambda b: _say(_batch_line(b)),
                on_retry=lambda why: _say(f"{UNAVAILABLE_FA}: {why}"),
            )  # fmt: skip
            _say(f"{STOPPED_FA}؛ {format_number(decided)} سند رسیدگی شد")
    except KeyboardInterrupt:
        _say("بی‌درنگ ایستاد؛ دسته‌ی در کار برگشت خورد و در انتظار رسیدگی می‌ماند")
        raise typer.Exit(130) from None
    finally:
        engine.dispose()


@contextlib.contextmanager
def beside_the_server() -> Iterator[subprocess.Popen[bytes]]:
    """A ``darman worker`` child process for as long as the block runs (the demo's server),
    stopped with SIGTERM afterwards so its batch under way is finished. It runs in a
    session of its own: Ctrl-C in the terminal stops the server, and the server's end
    stops the worker with one signal (a second would roll its batch back)."""
    proc = subprocess.Popen(
        [sys.executable, "-m", "darman.cli.main", "worker"], start_new_session=True
    )
    try:
        yield proc
    finally:
        if proc.poll() is None:
            proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(STOP_TIMEOUT_S)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
