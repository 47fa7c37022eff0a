"""``darman``: the entry point. Errors print as one clear line and exit 1, not a traceback:
Darman's own with what is wrong and where, any other with its class and where its
traceback was logged."""

from __future__ import annotations

import sys

import typer

from darman.cli import (
    appointments_cmd,
    audit_cmd,
    circulars_cmd,
    claims_cmd,
    claims_policy_cmd,
    db_cmd,
    demo_cmd,
    failures,
    performance_cmd,
    plan_cmd,
    population_cmd,
    procure_cmd,
    referrals_cmd,
    registry_cmd,
    seed_cmd,
    users_cmd,
    worker_cmd,
)
from darman.common.errors import DarmanError

app = typer.Typer(
    help="Darman: health deputy platform", no_args_is_help=True, pretty_exceptions_enable=False
)
app.add_typer(db_cmd.app, name="db")
app.add_typer(users_cmd.app, name="users")
app.add_typer(audit_cmd.app, name="audit")
app.add_typer(registry_cmd.app, name="registry")
app.add_typer(claims_cmd.app, name="claims")
claims_cmd.app.add_typer(claims_policy_cmd.app, name="policy")
app.add_typer(referrals_cmd.app, name="referrals")
app.add_typer(plan_cmd.app, name="plan")
app.add_typer(procure_cmd.app, name="procure")
app.add_typer(appointments_cmd.app, name="appointments")
app.add_typer(performance_cmd.app, name="performance")
app.add_typer(circulars_cmd.app, name="circulars")
app.add_typer(population_cmd.app, name="population")
app.command("seed")(seed_cmd.seed)
app.command("serve")(demo_cmd.serve)
app.command("demo")(demo_cmd.demo)
app.command("worker")(worker_cmd.worker)


def run() -> None:
    try:
        app()
    except DarmanError as exc:
        failures.known(exc)
        sys.exit(1)
    except Exception as exc:  # whatever else: one line for the person, the traceback logged
        failures.unexpected(exc)
        sys.exit(1)


if __name__ == "__main__":
    run()
