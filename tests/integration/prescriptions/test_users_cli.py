"""`darman users create --practitioner COUNCIL_NUMBER` links a physician user."""

from __future__ import annotations

import pytest
from typer.testing import CliRunner

from darman.cli.main import app
from darman.db.uow import UnitOfWork
from darman.security import service as security


@pytest.fixture
def cli(world, cli: CliRunner) -> CliRunner:
    """The CLI on a database holding ``world``."""
    return cli


def test_a_physician_is_linked_to_a_practitioner_from_the_command_line(
    cli, world, session_factory
) -> None:
    args = ["users", "create", "dr.kazemi", "--role", "physician", "--scope", "facility"]
    args += ["--facility-id", str(world.clinic_id), "--practitioner", "90002"]
    made = cli.invoke(app, args, input="s3cret-pass\ns3cret-pass\n")
    assert made.exit_code == 0, made.output
    with UnitOfWork(session_factory) as uow:
        user = security.get_user(uow.session, username="dr.kazemi")
        assert security.principal_of(user).practitioner_id == user.practitioner_id
        assert user.practitioner_id is not None


def test_an_unknown_council_number_is_refused_in_persian_naming_it(cli, world) -> None:
    args = ["users", "create", "dr.x", "--role", "physician", "--scope", "facility"]
    args += ["--facility-id", str(world.clinic_id), "--practitioner", "12345"]
    made = cli.invoke(app, args, input="s3cret-pass\ns3cret-pass\n")
    assert made.exit_code == 1
    (problem,) = made.exception.problems
    assert problem.field == "practitioner_council_number"
    assert problem.reason.startswith("پزشکی با شماره‌ی نظام پزشکی 12345 در ثبت نیست")
