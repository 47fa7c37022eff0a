"""`darman demo --no-serve` seeds once and, run again, reuses what is there: no second copy
of the claims or the purchasing world, and the log-ins are printed both times."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from sqlalchemy import func, select
from typer.testing import CliRunner

from darman.cli import context, demo_cmd
from darman.cli.main import app
from darman.db.uow import UnitOfWork
from darman.procurement.models import StockMonth, Supplier
from darman.settings import get_settings


@pytest.fixture
def cli(session_factory, engine, monkeypatch) -> Iterator[CliRunner]:
    monkeypatch.setenv("DARMAN_DATABASE_URL", engine.url.render_as_string(hide_password=False))
    monkeypatch.setattr(demo_cmd, "DEMO_SCALE", 0.0002)
    monkeypatch.setattr(demo_cmd, "DEMO_CLAIM_LINES", 2_000)
    get_settings.cache_clear()
    context.engine.cache_clear()
    yield CliRunner()
    get_settings.cache_clear()
    context.engine.cache_clear()


def test_a_second_demo_reuses_the_seeded_data(cli, session_factory) -> None:
    first = cli.invoke(app, ["demo", "--no-serve"], env={"COLUMNS": "200"})
    assert first.exit_code == 0, first.output
    assert "seeding the demo dataset" in first.output and "open tender" in first.output
    with UnitOfWork(session_factory) as uow:
        counts = (
            uow.session.scalar(select(func.count()).select_from(StockMonth)),
            uow.session.scalar(select(func.count()).select_from(Supplier)),
        )
    second = cli.invoke(app, ["demo", "--no-serve"], env={"COLUMNS": "200"})
    assert second.exit_code == 0, second.output
    assert "reusing the dataset already seeded (scale 0.0002" in second.output
    assert "demo log-ins" in second.output and "open tender" not in second.output
    with UnitOfWork(session_factory) as uow:
        again = (
            uow.session.scalar(select(func.count()).select_from(StockMonth)),
            uow.session.scalar(select(func.count()).select_from(Supplier)),
        )
    assert again == counts and counts[0] > 0
