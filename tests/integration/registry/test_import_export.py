from __future__ import annotations

import io

import pytest
from fastapi.testclient import TestClient
from openpyxl import load_workbook
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from darman.audit import service as audit
from darman.common import national_id
from darman.common.errors import InvalidInput
from darman.common.tabular import TableFormat, read_table, write_table
from darman.db.uow import UnitOfWork
from darman.registry import transfer
from darman.registry.models import Facility, Insured
from darman.security.enums import Role, ScopeLevel
from darman.security.principal import SYSTEM
from tests import factories as f

GOOD_1 = national_id.make(200_000_001)
GOOD_2 = national_id.make(200_000_002)


def _to_persian(text: str) -> str:
    return text.translate(str.maketrans("0123456789", "۰۱۲۳۴۵۶۷۸۹"))


def _insured_csv() -> bytes:
    bad_check = GOOD_1[:9] + str((int(GOOD_1[9]) + 1) % 10)
    lines = [
        "national_id,first_name,last_name,sex,birth_date,province_code,relation,main_national_id",
        f"{_to_persian(GOOD_1)},علي,كريمي,male,۱۳۶۵/۰۲/۱۵,19,main,",  # row 2: Persian digits
        f"{bad_check},مریم,احمدی,female,1370/01/01,19,main,",  # row 3
        f"{GOOD_2},زهرا,کریمی,female,1990-05-01,99,main,",  # row 4
        f"{national_id.make(200_000_003)},سارا,کریمی,female,1400/13/01,19,main,",  # row 5
        f"{national_id.make(200_000_004)},رضا,کریمی,male,1395/06/01,19,dependant,{GOOD_1}",  # row 6
        f"{_to_persian(GOOD_1)},تکرار,کریمی,male,1365/02/15,19,main,",  # row 7: duplicate of row 2
    ]
    return ("\ufeff" + "\n".join(lines) + "\n").encode("utf-8")


def test_good_rows_are_kept_and_each_bad_row_is_reported_with_row_and_column(
    session_factory,
) -> None:
    with UnitOfWork(session_factory) as uow:
        report = transfer.import_file(
            uow.session, SYSTEM, table="insured", content=_insured_csv(), filename="insured.csv"
        )
        uow.commit()
    assert report.rows_read == 6 and report.accepted == 2
    by_row = {p.row: p for p in report.problems}
    assert set(by_row) == {3, 4, 5, 7}
    assert by_row[3].field == "national_id" and "رقم کنترل" in by_row[3].reason
    assert by_row[4].field == "province_code" and "99" in by_row[4].reason
    assert by_row[5].field == "birth_date"
    assert by_row[7].field == "national_id" and "already exists" in by_row[7].reason
    with session_factory() as s:
        people = {p.national_id: p for p in s.scalars(select(Insured))}
        assert set(people) == {GOOD_1, national_id.make(200_000_004)}
        assert people[GOOD_1].first_name == "علی" and people[GOOD_1].last_name == "کریمی"
        child = people[national_id.make(200_000_004)]
        assert child.main_insured_id == people[GOOD_1].id
        assert audit.list_entries(s, entity="insured")[1] == 2


def test_a_wrong_header_writes_nothing(session_factory) -> None:
    content = b"national_id,first_name,surname\n0499370899,a,b\n"
    with UnitOfWork(session_factory) as uow, pytest.raises(InvalidInput) as err:
        transfer.import_file(
            uow.session, SYSTEM, table="insured", content=content, filename="x.csv"
        )
    problems = {(p.field, p.reason) for p in err.value.problems}
    assert ("surname", "ستون ناشناخته") in problems
    assert ("last_name", "این ستون لازم است و در پرونده نیست") in problems
    with session_factory() as s:
        assert s.scalar(select(func.count()).select_from(Insured)) == 0


def test_an_excel_file_of_facilities_imports_and_exports_back_identically(session_factory) -> None:
    rows = [
        [
            "X0001",
            "بیمارستان نمونه",
            "owned",
            "hospital",
            "۳",
            "08",
            "تهران",
            "۲۰۰",
            "20",
            5,
            4,
            2,
            1,
            1,
            10,
            3,
            150,
            300,
            200,
        ],
        [
            "X0002",
            "آزمایشگاه نمونه",
            "contracted",
            "laboratory",
            1,
            "19",
            "قم",
            0,
            0,
            0,
            0,
            0,
            0,
            0,
            0,
            0,
            1,
            2,
            3,
        ],
        ["X0003", "بد", "owned", "castle", 1, "19", "قم", 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 2, 3],
    ]
    header = transfer.TABLES["facilities"].columns
    content = write_table(header, rows, TableFormat.XLSX)
    with UnitOfWork(session_factory) as uow:
        report = transfer.import_file(
            uow.session, SYSTEM, table="facilities", content=content, filename="f.xlsx"
        )
        uow.commit()
    assert report.accepted == 2
    assert [(p.row, p.field) for p in report.problems] == [(4, "kind")]
    with session_factory() as s:
        exported = transfer.export_table(s, SYSTEM, table="facilities", fmt=TableFormat.CSV)
    out_header, out_rows = read_table(exported, TableFormat.CSV, name="export.csv")
    # the file people open carries Persian headers, one per column the import takes
    assert out_header[:4] == ["کد", "نام", "مالکیت", "نوع"]
    assert out_header[-3:] == ["پزشک", "پرستار", "سایر کارکنان"]
    assert len(out_header) == len(header)
    first = out_rows[0].values
    assert first["کد"] == "X0001" and first["سطح"] == "3" and first["تخت عادی"] == "200"
    assert first["کد استان"] == "08"
    with session_factory() as s:
        assert s.scalar(select(Facility.beds_icu).where(Facility.code == "X0001")) == 20


def test_an_exported_file_with_persian_headers_imports_back_and_its_errors_name_them(
    session_factory,
) -> None:
    rows = [["X0101", "درمانگاه نمونه", "owned", "clinic", 1, "19", "قم", *([0] * 12)]]
    header = transfer.TABLES["facilities"].columns
    with UnitOfWork(session_factory) as uow:
        transfer.import_file(
            uow.session, SYSTEM, table="facilities",
            content=write_table(header, rows, TableFormat.CSV), filename="f.csv",
        )  # fmt: skip
        uow.commit()
    with session_factory() as s:
        exported = transfer.export_table(s, SYSTEM, table="facilities", fmt=TableFormat.XLSX)
    sheet = load_workbook(io.BytesIO(exported)).active
    assert sheet.title == "مراکز" and sheet["A1"].value == "کد"
    # edited and sent back: a new code, and a level the schema refuses
    out_header, out_rows = read_table(exported, TableFormat.XLSX, name="back.xlsx")
    edited = [dict(r.values) for r in out_rows]
    edited[0]["کد"], edited[0]["سطح"] = "X0102", "9"
    back = write_table(out_header, [list(r.values()) for r in edited], TableFormat.CSV)
    with UnitOfWork(session_factory) as uow:
        report = transfer.import_file(
            uow.session, SYSTEM, table="facilities", content=back, filename="back.csv"
        )
    assert report.accepted == 0
    assert [(p.row, p.field) for p in report.problems] == [(2, "سطح")]
    edited[0]["سطح"] = "2"
    back = write_table(out_header, [list(r.values()) for r in edited], TableFormat.CSV)
    with UnitOfWork(session_factory) as uow:
        report = transfer.import_file(
            uow.session, SYSTEM, table="facilities", content=back, filename="back.csv"
        )
        uow.commit()
    assert (report.accepted, report.problems) == (1, [])
    with session_factory() as s:
        assert s.scalar(select(Facility.level).where(Facility.code == "X0102")) == 2


def test_import_through_the_api_can_be_all_or_nothing(
    client: TestClient, uow: UnitOfWork, session_factory: sessionmaker[Session]
) -> None:
    f.user(uow.session, username="chief")
    uow.commit()
    headers = f.token(client, "chief")
    files = {"file": ("insured.csv", _insured_csv(), "text/csv")}
    strict = client.post(
        "/api/v1/registry/insured/import?all_or_nothing=true", files=files, headers=headers
    )
    assert strict.status_code == 200 and strict.json()["committed"] is False
    with session_factory() as s:
        assert s.scalar(select(func.count()).select_from(Insured)) == 0
    loose = client.post("/api/v1/registry/insured/import", files=files, headers=headers).json()
    assert loose["accepted"] == 2 and loose["rejected_rows"] == 4
    assert {"row": 3, "field": "national_id"}.items() <= loose["problems"][0].items()


def test_a_province_manager_cannot_import_rows_of_another_province(
    client: TestClient, uow: UnitOfWork
) -> None:
    f.user(
        uow.session,
        username="qm",
        role=Role.PROVINCE_MANAGER,
        scope_level=ScopeLevel.PROVINCE,
        province_id=8,
    )
    uow.commit()
    body = _insured_csv()
    resp = client.post(
        "/api/v1/registry/insured/import",
        files={"file": ("i.csv", body, "text/csv")},
        headers=f.token(client, "qm"),
    ).json()
    assert resp["accepted"] == 0
    assert any("outside your scope" in p["reason"] for p in resp["problems"])


def test_export_is_limited_to_the_callers_scope(client: TestClient, uow: UnitOfWork) -> None:
    f.facility(uow.session, code="IN1", province_code="08")
    f.facility(uow.session, code="OUT1", province_code="19")
    f.user(
        uow.session,
        username="tm",
        role=Role.PROVINCE_MANAGER,
        scope_level=ScopeLevel.PROVINCE,
        province_id=8,
    )
    uow.commit()
    resp = client.get(
        "/api/v1/registry/facilities/export?format=csv", headers=f.token(client, "tm")
    )
    assert resp.status_code == 200
    _, rows = read_table(resp.content, TableFormat.CSV, name="export.csv")
    assert [r.values["کد"] for r in rows] == ["IN1"]


def test_a_wrong_choice_in_an_import_is_said_in_persian_with_its_row_and_column(
    session_factory,
) -> None:
    content = (
        "national_id,first_name,last_name,sex,birth_date,province_code,relation,main_national_id\n"
        f"{GOOD_1},علی,کریمی,male,1365/02/15,19,main,\n"
        f"{GOOD_2},زهرا,کریمی,female,1366/02/15,19,parent,\n"  # row 3
        f"{national_id.make(200_000_005)},رضا,کریمی,man,1367/02/15,19,main,\n"  # row 4
    ).encode()
    with UnitOfWork(session_factory) as uow:
        report = transfer.import_file(
            uow.session, SYSTEM, table="insured", content=content, filename="insured.csv"
        )
        uow.commit()
    assert report.accepted == 1
    found = {(p.row, p.field): p.reason for p in report.problems}
    assert found == {
        (3, "relation"): "«parent» پذیرفته نیست: باید یکی از «main» یا «dependant» باشد",
        (4, "sex"): "«man» پذیرفته نیست: باید یکی از «male» یا «female» باشد",
    }
