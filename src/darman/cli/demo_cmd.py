from __future__ import annotations

import os
from typing import Annotated

import typer
from rich.table import Table

from darman.cli import worker_cmd
from darman.cli.context import console, engine, unit_of_work
from darman.cli.seed_cmd import run_seed
from darman.security.enums import ROLE_LABELS_FA

DEMO_SCALE = 0.01
DEMO_SEED = 1405
DEMO_CLAIM_LINES = 150_000
WORKER_HEALTHCHECK_TIMEOUT_S = 60


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

    # Checked once here, before any server process starts: a bad setting or table stops
    # the command with its reason, and the processes never run migrations side by side.
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


def demo(
    host: str = "127.0.0.1",
    port: int = 8000,
    serve_after: bool = typer.Option(True, "--serve/--no-serve"),
) -> None:
    """Seed the demo dataset if it is not there yet, print the demo log-ins, and serve, with
    a ``darman worker`` beside the server that adjudicates submitted claims. A database
    seeded before (darman seed, any scale and seed) is kept, and the demo's claims are
    drawn on it."""
    from darman.synth import claims_seed, demo_users, procurement_seed, surveys_seed
    from darman.synth import service as synth

    os.environ.setdefault("DARMAN_DEMO_MODE", "1")
    with unit_of_work() as uow:
        found = synth.existing_seed(uow.session)
        # read inside the unit of work: the row is detached once it closes. The demo's
        # claims are drawn on the registry that is there, which its own scale and seed
        # rebuild: the demo's would name facilities and people that seed never made.
        previous = None if found is None else synth.rebuilt_by(found)
    if previous is None:
        console.print(f"seeding the demo dataset (scale {DEMO_SCALE} of the nation)…")
        run_seed(DEMO_SCALE, DEMO_SEED)
        scale, seed = DEMO_SCALE, DEMO_SEED
    else:
        scale, seed = previous
        console.print(f"reusing the dataset already seeded (scale {scale}, seed {seed})")
    with unit_of_work() as uow, console.status("claims…") as status:
        loaded = claims_seed.load(
            uow.session,
            scale=scale,
            seed=seed,
            lines=DEMO_CLAIM_LINES,
            progress=status.update,
        )
        if loaded:
            console.print(f"loading a year of demo claims ({loaded:,} lines)…")
            claims_seed.process(uow.session, progress=console.print)
        uow.commit()
    with unit_of_work() as uow, console.status("purchasing: stock, suppliers, tenders…"):
        bought = procurement_seed.load(uow.session, seed=seed)
        uow.commit()
    if bought.stock_rows:
        console.print(
            f"loaded two years of stock ({bought.stock_rows:,} facility-item months), "
            f"{bought.suppliers} suppliers and an open tender with {bought.bids} bids"
        )
    with unit_of_work() as uow, console.status("patient-experience surveys…"):
        answered = surveys_seed.load(uow.session, seed=seed)
        uow.commit()
    if answered:
        console.print(f"loaded a year of patient-experience responses ({answered:,})")
    with unit_of_work() as uow:
        users = demo_users.ensure(uow.session)
        uow.commit()
    table = Table(title="demo log-ins")
    table.add_column("username", no_wrap=True)
    table.add_column("password", no_wrap=True)
    table.add_column("role", no_wrap=True)
    table.add_column("نقش / scope")
    for u in users:
        table.add_row(u.username, u.password, u.role.value, f"{ROLE_LABELS_FA[u.role]} — {u.scope}")
    console.print(table)
    console.print(f"open http://{host}:{port}/  (API docs at /docs, FHIR at /fhir/r4/metadata)")
    if serve_after:
        # the schema is current (seeding brought it there), so the worker starts at once
        with worker_cmd.beside_the_server():
            serve(host=host, port=port)
