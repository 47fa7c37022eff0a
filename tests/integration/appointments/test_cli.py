"""`darman appointments import-candidates|import-exam|rank|fairness|panel` on the
hand-worked call of ``world``."""

from __future__ import annotations

import pytest
from openpyxl import load_workbook
from typer.testing import CliRunner

from darman.cli.main import app
from darman.common.errors import InvalidInput
from darman.common.persian import to_persian_digits
from darman.db.uow import UnitOfWork
from tests.integration.appointments.world import IDS, POST, build, candidates_csv, exam_csv

WIDE = {"COLUMNS": "240"}


@pytest.fixture
def cli(session_factory, cli: CliRunner) -> CliRunner:
    """The CLI on a database holding the call, its post and rule, raters but no scores."""
    with UnitOfWork(session_factory) as uow:
        build(uow.session, scores=False)
        uow.commit()
    return cli


def test_imports_report_bad_rows_in_persian_and_exit_one(cli, tmp_path) -> None:
    again = tmp_path / "candidates.csv"
    again.write_bytes(candidates_csv())
    done = cli.invoke(app, ["appointments", "import-candidates", str(again)], env=WIDE)
    assert done.exit_code == 1
    assert "پیش‌تر برای همین پست ثبت‌نام کرده است" in done.output
    exam = tmp_path / "exam.csv"
    exam.write_bytes(exam_csv() + b"\nC-1,0012345678,50\n")
    done = cli.invoke(app, ["appointments", "import-exam", str(exam)], env=WIDE)
    assert done.exit_code == 1, done.output
    assert "رقم کنترل" in done.output and "نوشته‌شده ۵" in done.output
    missing = cli.invoke(app, ["appointments", "import-exam", str(tmp_path / "no.csv")])
    # darman.cli.main.run prints a DarmanError as one line; the runner hands it back
    assert isinstance(missing.exception, InvalidInput) and "پیدا نشد" in missing.exception.detail


def test_ranking_a_post_without_a_published_rule_says_so(cli) -> None:
    from darman.appointments import service
    from darman.cli import context
    from darman.security.principal import SYSTEM

    with context.unit_of_work() as uow:
        service.create_post(
            uow.session, SYSTEM, call_code="C-1", code="P-NEW", title_fa="پست تازه",
            kind="unit_head", province_code="19", openings=1, min_education=2,
            min_experience_years=1,
        )  # fmt: skip
        uow.commit()
    done = cli.invoke(app, ["appointments", "rank", "--post", "P-NEW"], env=WIDE)
    assert done.exit_code == 1 and "قاعده‌ی امتیازدهی منتشرشده‌ای ندارد" in str(done.exception)


def test_rank_and_fairness_print_persian_tables_and_write_excel(cli, tmp_path) -> None:
    exam = tmp_path / "exam.csv"
    exam.write_bytes(exam_csv())
    assert cli.invoke(app, ["appointments", "import-exam", str(exam)]).exit_code == 0
    out = tmp_path / "rank.xlsx"
    done = cli.invoke(app, ["appointments", "rank", "--post", POST, "--out", str(out)], env=WIDE)
    assert done.exit_code == 0, done.output
    # nobody was interviewed: every shortlisted one is marked so
    assert "مصاحبه‌ی ناقص" in done.output and to_persian_digits(IDS["A"]) in done.output
    rows = list(load_workbook(out).active.iter_rows(values_only=True))
    assert rows[0][0] == "رتبه" and len(rows) == 1 + 5
    fair = cli.invoke(app, ["appointments", "fairness", "--call", "C-1"], env=WIDE)
    assert fair.exit_code == 0, fair.output
    assert "آزمون کتبی" in fair.output and "هیئت‌های مصاحبه" in fair.output


def test_users_create_links_a_raters_account_and_refuses_one_without_a_rater(
    cli, session_factory
) -> None:
    from sqlalchemy import select

    from darman.appointments.models import Rater
    from darman.security import service as security

    password = "s3cret-pass\ns3cret-pass\n"
    made = cli.invoke(
        app, ["users", "create", "r2", "--role", "rater", "--rater", "R2"], input=password
    )
    assert made.exit_code == 0, made.output
    assert "ارزیاب R2" in made.output
    lone = cli.invoke(app, ["users", "create", "r9", "--role", "rater"], input=password)
    assert lone.exit_code == 1 and lone.exception.problems[0].field == "rater"
    # R2 is taken: the refused link leaves no account behind
    again = cli.invoke(
        app, ["users", "create", "r3", "--role", "rater", "--rater", "R2"], input=password
    )
    assert again.exit_code == 1 and "پیوند خورده" in again.exception.detail
    with UnitOfWork(session_factory) as uow:
        user = security.get_user(uow.session, username="r2")
        linked = uow.session.scalar(select(Rater.code).where(Rater.user_id == user.id))
        names = {u.username for u in security.list_users(uow.session)[0]}
        held = (user.role, user.scope_level, linked)
    assert held == ("rater", "own", "R2")
    assert "r3" not in names and "r9" not in names


def test_panel_seats_raters_once_and_names_an_unknown_one(cli, session_factory) -> None:
    from darman.appointments import service
    from darman.audit import service as audit
    from darman.security.principal import SYSTEM

    with UnitOfWork(session_factory) as uow:
        service.add_rater(uow.session, SYSTEM, code="R4", full_name="ارزیاب ۴", unit_code="HQ")
        uow.commit()
    args = ["appointments", "panel", "--post", POST, "--panel", "P2", "--rater", "R4"]
    done = cli.invoke(app, [*args, "--rater", "R3"], env=WIDE)
    assert done.exit_code == 0, done.output
    assert "جابه‌جاشده: ۲" in done.output and "P۲" in done.output  # codes in Persian digits
    again = cli.invoke(app, [*args, "--rater", "R3"], env=WIDE)
    assert again.exit_code == 0 and "جابه‌جاشده: ۰" in again.output
    with session_factory() as s:
        seats = service.seats(s, SYSTEM, post_code=POST)
        _, audited = audit.list_entries(s, action="seat")
    assert [(x.panel, x.rater_code) for x in seats] == [
        ("P1", "R1"),
        ("P1", "R2"),
        ("P2", "R3"),
        ("P2", "R4"),
    ]
    assert audited == 3 + 2  # build's three seats, then R3's move and R4's seat
    unknown = cli.invoke(app, [*args, "--rater", "X9"], env=WIDE)
    assert unknown.exit_code == 1 and "X9" in str(unknown.exception)


def test_panel_unseat_frees_a_seat_once(cli, session_factory) -> None:
    from darman.appointments import service
    from darman.security.principal import SYSTEM

    args = ["appointments", "panel", "--post", POST, "--rater", "R3", "--unseat"]
    done = cli.invoke(app, args, env=WIDE)
    assert done.exit_code == 0, done.output
    assert "آزادشده: ۱" in done.output
    again = cli.invoke(app, args, env=WIDE)
    assert again.exit_code == 0 and "آزادشده: ۰" in again.output
    with session_factory() as s:
        seated = [x.rater_code for x in service.seats(s, SYSTEM, post_code=POST)]
    assert "R3" not in seated
