"""The fields a refused constraint was about, as each database reports them."""

from __future__ import annotations

import pytest
from sqlalchemy import text
from sqlalchemy.exc import IntegrityError

from darman.common.constraints import fields_of

ROW = (
    "INSERT INTO provinces (id, code, name_en, name_fa, population_2016, active_beds_1396,"
    " icu_beds_1396) VALUES (:id, :code, 'X', 'ایکس', 1, 1, 1)"
)


def _refused(session, statement: str, **values) -> IntegrityError:
    with pytest.raises(IntegrityError) as caught, session.begin_nested():
        session.execute(text(statement), values)
    return caught.value


def test_a_unique_violation_names_its_column(session) -> None:
    session.execute(text(ROW), {"id": 9001, "code": "Z9"})
    assert fields_of(_refused(session, ROW, id=9002, code="Z9")) == ["code"]


def test_a_unique_violation_of_two_columns_names_both(session) -> None:
    task = (
        "INSERT INTO plan_tasks (plan_code, task_code, title_fa, owner_unit, owner_role,"
        " start_on, due_on, depends_on, status, progress_percent) VALUES ('P1', :task, 'ک',"
        " 'واحد', 'manager', '2026-01-01', '2026-02-01', '', 'planned', 0)"
    )
    session.execute(text(task), {"task": "T1"})
    assert fields_of(_refused(session, task, task="T1")) == ["plan_code", "task_code"]


def test_a_missing_value_names_its_column(session) -> None:
    refused = _refused(
        session,
        "INSERT INTO provinces (id, code, name_en, name_fa, population_2016,"
        " active_beds_1396, icu_beds_1396) VALUES (9003, 'Z7', 'X', NULL, 1, 1, 1)",
    )
    assert fields_of(refused) == ["name_fa"]
