"""Monthly statements to the government on the hand-worked cohort: numbering, idempotent
re-issue, immutability (refused in Persian by the session and by the database), the
correction chain, audit entries and the Excel workbook."""

from __future__ import annotations

import io

import pytest
from openpyxl import load_workbook
from sqlalchemy import select, text, update
from sqlalchemy.exc import DBAPIError

from darman.audit.models import AuditEntry
from darman.claims.models import ClaimLine
from darman.common.errors import Conflict, InvalidInput, PermissionDenied
from darman.population import epidemic_statements as statements
from darman.population.epidemic_models import EpidemicStatement, StatementImmutable
from darman.population.epidemic_workbook import HEADER, SHEET
from darman.security.enums import Role, ScopeLevel
from darman.security.principal import SYSTEM, Principal
from tests.integration.population.epidemic_world import EpidemicWorld, build


@pytest.fixture
def world(session) -> EpidemicWorld:
    return build(session)


def _audit(session, action: str) -> list[AuditEntry]:
    return list(session.scalars(select(AuditEntry).where(AuditEntry.action == action)))


def test_a_month_is_issued_once_numbered_and_audited(session, world) -> None:
    first = statements.issue(session, SYSTEM, month="1404/02")
    assert first.created
    s = first.statement
    assert (s.number, s.seq, s.revision, s.month) == ("COVID19-00001", 1, 0, 140402)
    assert (s.admissions, s.patient_days, s.icu_days) == (3, 13, 2)
    assert (s.insurer_rials, s.total_rials, s.drugs_insurer_rials) == (21_330, 23_700, 1_530)
    again = statements.issue(session, SYSTEM, month="۱۴۰۴/۰۲")
    assert not again.created and again.statement.id == s.id
    khordad = statements.issue(session, SYSTEM, month="140403").statement
    assert (khordad.number, khordad.insurer_rials) == ("COVID19-00002", 9_000)
    issued = _audit(session, "population.epidemic.issue")
    assert [e.entity_id for e in issued] == ["COVID19-00001", "COVID19-00002"]
    assert issued[0].after is not None and issued[0].after["insurer_rials"] == 21_330
    detail = statements.get(session, SYSTEM, statement_id=s.id)
    assert [line.admission_id for line in detail.lines] == [
        world.claims["a1"], world.claims["a2"], world.claims["a3"]
    ]  # fmt: skip
    assert detail.lines[0].icu_days == 2 and detail.lines[1].claim_ids.count(";") == 1


def test_an_issued_statement_cannot_be_changed(session, world) -> None:
    s = statements.issue(session, SYSTEM, month="1404/02").statement
    row = session.get(EpidemicStatement, s.id)
    row.insurer_rials = 1
    with pytest.raises(StatementImmutable) as refused:
        session.flush()
    assert "صورت‌حساب صادرشده COVID19-00001 تغییر نمی‌کند" in refused.value.detail
    assert refused.value.status == 409
    session.rollback()


def test_the_database_refuses_an_update_of_a_statement(session, world) -> None:
    s = statements.issue(session, SYSTEM, month="1404/02").statement
    with pytest.raises(DBAPIError):
        session.execute(
            update(EpidemicStatement).where(EpidemicStatement.id == s.id).values(insurer_rials=1)
        )
    session.rollback()


def test_changed_figures_need_a_correction_that_refers_to_the_old_statement(session, world) -> None:
    old = statements.issue(session, SYSTEM, month="1404/02").statement
    with pytest.raises(Conflict) as same:
        statements.correct(session, SYSTEM, statement_id=old.id, reason="بازبینی")
    assert "تغییری نکرده" in same.value.detail
    # a medical review cuts a1's drug line by 400 rials after the statement was issued
    session.execute(
        update(ClaimLine)
        .where(ClaimLine.claim_id == world.claims["a1"], ClaimLine.item_type == "drug")
        .values(allowed_rials=600, insurer_rials=500)
    )
    with pytest.raises(Conflict) as changed:
        statements.issue(session, SYSTEM, month="1404/02")
    assert "COVID19-00001" in changed.value.detail and "اصلاحی" in changed.value.detail
    new = statements.correct(session, SYSTEM, statement_id=old.id, reason="کسر بازبینی پزشکی")
    assert (new.number, new.revision, new.corrects_id) == ("COVID19-00002", 1, old.id)
    assert (new.insurer_rials, new.reason) == (20_930, "کسر بازبینی پزشکی")
    # the old one is kept as it was, and says who corrected it
    kept = statements.get(session, SYSTEM, statement_id=old.id)
    assert (kept.insurer_rials, kept.corrected_by_id) == (21_330, new.id)
    with pytest.raises(Conflict) as stale:
        statements.correct(session, SYSTEM, statement_id=old.id, reason="دوباره")
    assert "COVID19-00002" in stale.value.detail
    # issuing the month now answers the correction, the end of the chain
    assert statements.issue(session, SYSTEM, month="1404/02").statement.id == new.id
    corrected = _audit(session, "population.epidemic.correct")
    assert len(corrected) == 1 and corrected[0].before == {
        "number": "COVID19-00001", "insurer_rials": 21_330, "admissions": 3,
    }  # fmt: skip


def test_an_empty_month_and_a_province_manager_are_refused(session, world) -> None:
    with pytest.raises(InvalidInput) as empty:
        statements.issue(session, SYSTEM, month="1405/03")
    assert "هیچ بستری" in empty.value.detail and empty.value.problems[0].field == "month"
    qom = Principal(user_id=91, username="qm", role=Role.PROVINCE_MANAGER,
                    scope_level=ScopeLevel.PROVINCE, province_id=world.q.province_id)  # fmt: skip
    with pytest.raises(PermissionDenied):
        statements.issue(session, qom, month="1404/02")
    with pytest.raises(PermissionDenied):
        statements.list_statements(session, qom)


def test_the_statement_opens_in_excel_with_its_persian_sheet_and_header(session, world) -> None:
    s = statements.issue(session, SYSTEM, month="1404/02").statement
    name, content = statements.workbook(session, SYSTEM, statement_id=s.id)
    assert name == "epidemic-statement-COVID19-00001.xlsx"
    book = load_workbook(io.BytesIO(content))
    assert book.sheetnames == [SHEET]
    sheet = book[SHEET]
    assert sheet.sheet_view.rightToLeft and sheet.freeze_panes == "A2"
    assert [c.value for c in sheet[1]] == list(HEADER)
    first = [c.value for c in sheet[2]]
    assert first[7:11] == ["۱۴۰۴/۰۲/۰۱", "۱۴۰۴/۰۲/۰۶", 5, 2]
    assert first[13:] == [12_600, 14_000]
    total = [c.value for c in sheet[5]]
    assert total[0] == "جمع صورت‌حساب COVID19-00001" and total[13:] == [21_330, 23_700]


def test_the_database_trigger_is_in_place(session) -> None:
    dialect = session.get_bind().dialect.name
    if dialect == "postgresql":
        found = session.scalar(text(
            "SELECT count(*) FROM pg_trigger WHERE tgname LIKE 'population_epidemic_%_immutable'"
        ))  # fmt: skip
    else:
        found = session.scalar(text(
            "SELECT count(*) FROM sqlite_master WHERE type = 'trigger' "
            "AND name LIKE 'population_epidemic_%_immutable'"
        ))  # fmt: skip
    assert found == 2
