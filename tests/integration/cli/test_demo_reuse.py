"""`darman demo --no-serve` seeds once and, run again, reuses what is there: no second copy
of the claims or the purchasing world, and the log-ins are printed both times."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select, update
from typer.testing import CliRunner

from darman.appointments.models import Candidate, Rater
from darman.circulars.models import Circular
from darman.claims.models import Claim, ClaimLine
from darman.cli import demo_cmd
from darman.cli.main import app
from darman.common.errors import Conflict
from darman.db.uow import UnitOfWork
from darman.performance.models import IndicatorFact
from darman.population.epidemic_models import EpidemicStatement
from darman.population.models import Measurement, RegisterEntry
from darman.procurement.models import StockMonth, Supplier
from darman.registry.models import Facility, Insured
from darman.security.models import User
from darman.synth import programmes_seed
from darman.synth.models import SeedRun


@pytest.fixture
def cli(cli: CliRunner, monkeypatch) -> CliRunner:
    """The CLI, with the demo cut down to a small scale."""
    monkeypatch.setattr(demo_cmd, "DEMO_SCALE", 0.0002)
    monkeypatch.setattr(demo_cmd, "DEMO_CLAIM_LINES", 2_000)
    monkeypatch.setattr(demo_cmd, "DEMO_EPIDEMIC_ADMISSIONS", 300)
    monkeypatch.setattr(programmes_seed, "CANDIDATES", 400)
    monkeypatch.setattr(programmes_seed, "OPENINGS", 70)  # at least one a post
    monkeypatch.setattr(programmes_seed, "CIRCULAR_TOPICS", 12)
    return cli


def test_a_second_demo_reuses_the_seeded_data(cli, session_factory) -> None:
    first = cli.invoke(app, ["demo", "--no-serve"], env={"COLUMNS": "200"})
    assert first.exit_code == 0, first.output
    assert "بار کردن داده‌ی نمایشی" in first.output and "مناقصه‌ی باز" in first.output
    assert "فراخوان انتخاب مدیران با ۴۰۰ داوطلب" in first.output
    assert "شاخص‌های عملکرد ۲۴ ماه محاسبه شد" in first.output
    assert "۳۰۰ بستری کووید-۱۹" in first.output
    # the demo's interview rater signs in as the first rater of Tehran's director panel
    assert "rater-1405" in first.output and "ارزیاب مصاحبه" in first.output
    with UnitOfWork(session_factory) as uow:
        linked = uow.session.scalar(
            select(Rater.code).join(User, User.id == Rater.user_id).where(User.username == "rater")
        )
    assert linked == "R-DIR-08-1"
    assert "ورود به ثبت فشار خون و دیابت" in first.output

    def counts_now() -> tuple[int | None, ...]:
        with UnitOfWork(session_factory) as uow:
            return tuple(
                uow.session.scalar(select(func.count()).select_from(t))
                for t in (
                    StockMonth,
                    Supplier,
                    Candidate,
                    Circular,
                    IndicatorFact,
                    EpidemicStatement,
                    RegisterEntry,
                    Measurement,
                )
            )

    counts = counts_now()
    second = cli.invoke(app, ["demo", "--no-serve"], env={"COLUMNS": "200"})
    assert second.exit_code == 0, second.output
    assert "داده‌ی موجود به کار می‌رود (مقیاس ۰.۰۰۰۲" in second.output
    assert "ورود به نسخه‌ی نمایشی" in second.output and "مناقصه‌ی باز" not in second.output
    assert "rater-1405" in second.output
    assert "داوطلب" not in second.output and "بخشنامه‌ی ساختگی" not in second.output
    # nothing loaded twice; the indicators are computed again over the same months
    assert counts_now() == counts
    stock, suppliers, candidates, circulars, facts, statements, entries, measured = counts
    assert stock and suppliers and facts and statements and entries and measured
    assert "بستری کووید" not in second.output and "ثبت فشار خون" not in second.output
    assert candidates == 400 and circulars and circulars > 12


def test_the_demo_draws_its_claims_on_a_dataset_seeded_at_another_scale_and_seed(
    cli, session_factory, monkeypatch
) -> None:
    # a tenth of the demo's own scale, and not its seed (1405): the demo's registry would
    # have ten times the facilities this one has
    monkeypatch.setattr(demo_cmd, "DEMO_SCALE", 0.002)
    seeded = cli.invoke(app, ["seed", "--scale", "0.0002", "--seed", "7"])
    assert seeded.exit_code == 0, seeded.output
    with UnitOfWork(session_factory) as uow:
        people = set(uow.session.scalars(select(Insured.national_id)))
        facilities = uow.session.scalar(select(func.count()).select_from(Facility))
    result = cli.invoke(app, ["demo", "--no-serve"], env={"COLUMNS": "200"})
    assert result.exception is None, repr(result.exception)
    assert result.exit_code == 0, result.output
    assert "داده‌ی موجود به کار می‌رود (مقیاس ۰.۰۰۰۲، بذر ۷)" in result.output
    assert "ورود به نسخه‌ی نمایشی" in result.output
    with UnitOfWork(session_factory) as uow:
        s = uow.session
        # the demo's claim lines, beside the epidemic's own claims
        ordinary = select(Claim.id).where(Claim.document_number.not_like("CV%"))
        lines = select(func.count()).select_from(ClaimLine)
        assert s.scalar(lines.where(ClaimLine.claim_id.in_(ordinary))) == 2_000
        # the registry is the one seeded: nothing was added to it for the claims
        assert s.scalar(select(func.count()).select_from(Facility)) == facilities
        claimed = list(s.scalars(select(Claim.national_id)))
    # the claims are this dataset's people's, but for the few the synthetic claims send
    # with an unknown or mistyped national ID on purpose
    unknown = [n for n in claimed if n not in people]
    assert len(unknown) < 0.1 * len(claimed), (len(unknown), len(claimed))


def test_the_demo_refuses_a_dataset_of_another_generator_version_up_front(
    cli, session_factory, engine
) -> None:
    assert cli.invoke(app, ["seed", "--scale", "0.0002", "--seed", "7"]).exit_code == 0
    with engine.begin() as conn:
        conn.execute(update(SeedRun).values(version="0"))
    result = cli.invoke(app, ["demo", "--no-serve"])
    assert isinstance(result.exception, Conflict), repr(result.exception)
    assert "نسخه‌ی 0 سازنده‌ی داده‌ی مصنوعی" in result.exception.detail
    assert "darman demo را روی پایگاه داده‌ای تازه اجرا کنید" in result.exception.detail
    with UnitOfWork(session_factory) as uow:
        assert uow.session.scalar(select(func.count()).select_from(Claim)) == 0
        assert uow.session.scalar(select(func.count()).select_from(Supplier)) == 0
