from __future__ import annotations

import datetime as dt
import os
from typing import Annotated

import typer

from darman.cli import worker_cmd
from darman.cli.cells import table, verbatim
from darman.cli.context import console, engine, unit_of_work
from darman.cli.seed_cmd import run_seed
from darman.common.persian import format_number, to_persian_digits
from darman.security.enums import ROLE_LABELS_FA

DEMO_SCALE = 0.01
DEMO_SEED = 1405
DEMO_CLAIM_LINES = 150_000
# the seeds' COVID-19 inpatients, at their own size whatever the demo's scale
DEMO_EPIDEMIC_ADMISSIONS = 16_000
WORKER_HEALTHCHECK_TIMEOUT_S = 60


def port_is_free(host: str, port: int) -> None:
    """Refuse, in one Persian line, a port another program listens on: found before the
    demo seeds for minutes, and instead of uvicorn's traceback."""
    import errno
    import socket

    from darman.common.errors import InvalidInput

    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except socket.gaierror as exc:
        raise InvalidInput(f"نشانی «{host}» شناخته نیست ({exc.strerror})") from None
    family, kind, proto, _, address = infos[0]
    with socket.socket(family, kind, proto) as probe:
        # as uvicorn binds: a port left in TIME_WAIT by a server just stopped is free
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind(address)
        except OSError as exc:
            if exc.errno == errno.EADDRINUSE:
                raise InvalidInput(
                    f"درگاه {port} روی {host} در دست برنامه‌ی دیگری است؛ درگاه دیگری بدهید، "
                    "مثلاً make demo PORT=8080 یا darman demo --port 8080"
                ) from None
            raise InvalidInput(f"درگاه {port} روی {host} باز نمی‌شود ({exc.strerror})") from None


def serve(
    host: str = "127.0.0.1",
    port: int = 8000,
    workers: Annotated[
        int,
        typer.Option(
            min=1,
            max=64,
            help="server processes (uvicorn's own worker mode); one per core is a good start",
        ),
    ] = 1,
    access_log: Annotated[bool, typer.Option("--access-log/--no-access-log")] = True,
) -> None:
    """Serve the REST API (/api/v1, /docs), the FHIR facade (/fhir/r4) and the web pages (/)."""
    import uvicorn

    from darman.prescriptions import tables as prescription_tables
    from darman.settings import get_settings

    # Checked once here, before any server process starts: a busy port, a bad setting or
    # table stops the command with its reason, and the processes never run migrations
    # side by side.
    port_is_free(host, port)
    settings = get_settings()
    settings.check_secret()
    settings.audit_secret()
    prescription_tables.use(settings.prescription_tables)
    engine()
    # uvicorn's supervisor binds the socket, starts the processes, restarts one that dies
    # and stops them all on SIGINT or SIGTERM; spreading load across machines is a
    # reverse proxy's job (docs/deploy.md). It also kills a worker that does not answer
    # its ping in time, and a new worker answers only once it has imported the command's
    # modules: 11 to 15 s on a busy 2-core machine, against uvicorn's default of 5 s, so
    # workers were killed while starting, over and over. A process that has exited is
    # still replaced at once.
    uvicorn.run(
        "darman.app:create_served_app", factory=True, host=host, port=port,
        workers=workers if workers > 1 else None, log_level="info", access_log=access_log,
        timeout_worker_healthcheck=WORKER_HEALTHCHECK_TIMEOUT_S,
    )  # fmt: skip


def _load_epidemic(seed: int) -> None:
    """The seeds' COVID-19 inpatients and their monthly statements, once."""
    from darman.synth import epidemic_seed

    with unit_of_work() as uow, console.status("همه‌گیری کووید-۱۹: بستری‌ها و صورت‌حساب‌ها…"):
        epidemic = epidemic_seed.load(uow.session, seed=seed, admissions=DEMO_EPIDEMIC_ADMISSIONS)
        uow.commit()
    if epidemic.admissions:
        console.print(
            f"{format_number(epidemic.admissions)} بستری کووید-۱۹ و "
            f"{format_number(epidemic.statements)} صورت‌حساب ماهانه به دولت بار شد"
        )


def _load_population(seed: int, today: dt.date) -> None:
    """The chronic-disease registers built from the demo's claims and prescriptions, with
    historic enrolments and the measurements of the months, once."""
    from darman.synth import population_seed

    with unit_of_work() as uow, console.status("ثبت بیماران مزمن و اندازه‌گیری‌ها…"):
        loaded = population_seed.load(uow.session, seed=seed, today=today)
        uow.commit()
    if loaded.entries:
        console.print(
            f"{format_number(loaded.entries)} ورود به ثبت فشار خون و دیابت "
            f"({format_number(loaded.enrolled)} ثبت پزشک) و "
            f"{format_number(loaded.measurements)} اندازه‌گیری بار شد"
        )


def _load_activity(seed: int, today: dt.date) -> None:
    """Purchasing, patient surveys, the call for managers, circulars and indicators, each
    up to ``today`` and each loaded once."""
    from darman.synth import procurement_seed, programmes_seed, surveys_seed

    with unit_of_work() as uow, console.status("خرید راهبردی: موجودی، تأمین‌کنندگان، مناقصه‌ها…"):
        bought = procurement_seed.load(uow.session, seed=seed, today=today)
        uow.commit()
    if bought.stock_rows:
        console.print(
            f"دو سال موجودی ({format_number(bought.stock_rows)} ماه-کالا-مرکز)، "
            f"{format_number(bought.suppliers)} تأمین‌کننده و یک مناقصه‌ی باز با "
            f"{format_number(bought.bids)} پیشنهاد بار شد"
        )
    with unit_of_work() as uow, console.status("نظرسنجی بیماران…"):
        answered = surveys_seed.load(uow.session, seed=seed, today=today)
        uow.commit()
    if answered:
        console.print(f"یک سال پاسخ نظرسنجی بیماران بار شد ({format_number(answered)} پاسخ)")
    with unit_of_work() as uow, console.status("انتصاب مدیران، بخشنامه‌ها و شاخص‌ها…"):
        programmes = programmes_seed.load(uow.session, seed=seed, today=today)
        uow.commit()
    if programmes.candidates:
        console.print(
            f"فراخوان انتخاب مدیران با {format_number(programmes.candidates)} داوطلب بار شد"
        )
    if programmes.circulars:
        console.print(f"{format_number(programmes.circulars)} بخشنامه‌ی ساختگی ثبت شد")
    console.print(f"شاخص‌های عملکرد {format_number(programmes.indicator_months)} ماه محاسبه شد")


def demo(
    host: str = "127.0.0.1",
    port: int = 8000,
    serve_after: bool = typer.Option(True, "--serve/--no-serve"),
) -> None:
    """Seed the demo dataset if it is not there yet, print the demo log-ins, and serve, with
    a ``darman worker`` beside the server that adjudicates submitted claims. A database
    seeded before (darman seed, any scale and seed) is kept, and the demo's claims are
    drawn on it."""
    from darman.common.jalali import tehran_today
    from darman.synth import claims_seed, demo_users
    from darman.synth import service as synth

    os.environ.setdefault("DARMAN_DEMO_MODE", "1")
    # one anchor for every generator: the demo's activity runs up to the day it is seeded
    today = tehran_today()
    if serve_after:
        port_is_free(host, port)
    with unit_of_work() as uow:
        found = synth.existing_seed(uow.session)
        # read inside the unit of work: the row is detached once it closes. The demo's
        # claims are drawn on the registry that is there, which its own scale and seed
        # rebuild: the demo's would name facilities and people that seed never made.
        previous = None if found is None else synth.rebuilt_by(found)
    if previous is None:
        console.print(f"بار کردن داده‌ی نمایشی (مقیاس {to_persian_digits(DEMO_SCALE)} کشور)…")
        run_seed(DEMO_SCALE, DEMO_SEED)
        scale, seed = DEMO_SCALE, DEMO_SEED
    else:
        scale, seed = previous
        console.print(
            f"داده‌ی موجود به کار می‌رود (مقیاس {to_persian_digits(scale)}، "
            f"بذر {to_persian_digits(seed)})"
        )
    with unit_of_work() as uow, console.status("اسناد…") as status:
        loaded = claims_seed.load(
            uow.session,
            scale=scale,
            seed=seed,
            lines=DEMO_CLAIM_LINES,
            today=today,
            progress=status.update,
        )
        if loaded:
            console.print(f"بار کردن سند‌های دوازده ماه گذشته ({format_number(loaded)} خط)…")
            claims_seed.process(uow.session, today=today, progress=console.print)
        uow.commit()
    _load_epidemic(seed)
    _load_population(seed, today)
    _load_activity(seed, today)
    with unit_of_work() as uow:
        users = demo_users.ensure(uow.session)
        uow.commit()
    console.print(
        table(
            "ورود به نسخه‌ی نمایشی",
            ("نام کاربری", "گذرواژه", "نقش", "گستره"),
            ((verbatim(u.username), verbatim(u.password), ROLE_LABELS_FA[u.role],
              "کشوری" if u.scope == "national" else u.scope)
             for u in users),
        )
    )  # fmt: skip
    console.print(
        f"نشانی: http://{host}:{port}/  (راهنمای API در /docs، FHIR در /fhir/r4/metadata)"
    )
    if serve_after:
        # the schema is current (seeding brought it there), so the worker starts at once
        with worker_cmd.beside_the_server():
            serve(host=host, port=port)
