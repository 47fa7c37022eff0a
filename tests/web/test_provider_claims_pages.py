"""A provider's own screens through the TestClient, on both databases: sending a claims file
(good lines kept, each bad one named by row and column in Persian, a resend storing nothing
twice) and the remittances of the runs that paid the facility, within its scope only."""

from __future__ import annotations

import html
import io
import json
import re
from typing import Any

from fastapi.testclient import TestClient
from openpyxl import load_workbook
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from darman.claims import bulk, payment
from darman.claims.bulk import FLAT_COLUMNS
from darman.claims.models import Claim, ClaimLine
from darman.claims.schemas import ClaimIn
from darman.common.errors import FieldProblem
from darman.common.persian import format_number, to_persian_digits
from darman.db.uow import UnitOfWork
from darman.security import service as security
from darman.web.provider_claims_views import EXAMPLE_ROW, where_fa
from tests.integration.claims.conftest import claim, tariff
from tests.web.test_claims_pages import adjudicate, login, seed_world, submit


def csv_file(rows: list[dict[str, Any]]) -> bytes:
    lines = [",".join(FLAT_COLUMNS)]
    lines += [",".join(str(r.get(c, "")) for c in FLAT_COLUMNS) for r in rows]
    return ("\r\n".join(lines) + "\r\n").encode("utf-8")


def row(world: dict[str, Any], doc: str, **cells: Any) -> dict[str, Any]:
    """One CSV row: a specialist visit at the tariff, for the hospital's desk."""
    base = {
        "facility_code": world["hospital"],
        "document_number": doc,
        "national_id": world["nid"],
        "visit_type": "outpatient",
        "diagnoses": "J06.9",
        "item_type": "service",
        "code": "100102",
        "service_date": "1405/07/01",
        "quantity": 1,
        "unit_price_rials": tariff("100102"),
    }
    return {**base, **cells}


def upload(client: TestClient, name: str, content: bytes) -> Any:
    return client.post("/claims/upload", files={"file": (name, content, "text/csv")})


def stored_docs(session_factory: sessionmaker[Session]) -> dict[str, int]:
    """Document number -> how many lines were stored for it."""
    with session_factory() as s:
        rows = s.execute(
            select(Claim.document_number, func.count(ClaimLine.id))
            .join(ClaimLine, ClaimLine.claim_id == Claim.id)
            .group_by(Claim.document_number)
        ).all()
    return {doc: int(n) for doc, n in rows}


def _text(page: str) -> str:
    return html.unescape(re.sub(r"\s+", " ", page))


def test_a_file_with_one_bad_line_keeps_the_good_claims_and_names_the_row_and_column(
    client: TestClient, session_factory: sessionmaker[Session]
) -> None:
    world = seed_world(session_factory)
    login(client, "desk")
    form = client.get("/claims/upload")
    assert form.status_code == 200 and 'enctype="multipart/form-data"' in form.text
    assert "unit_price_rials" in form.text and "قیمت درخواستی هر واحد به ریال" in form.text
    content = csv_file(
        [
            row(world, "8001"),  # row 2
            row(world, "8001", code="200101", unit_price_rials=tariff("200101")),  # row 3
            row(world, "8002", quantity="دو"),  # row 4: the bad line
            row(world, "8003", unit_price_rials="۱۲۵۰۰۰۰"),  # row 5, Persian digits
            row(world, "8004", facility_code=world["other"]),  # row 6: not this desk's centre
        ]
    )
    answer = upload(client, "claims.csv", content)
    assert answer.status_code == 200
    text = _text(answer.text)
    assert 'data-accepted="2"' in answer.text and 'data-rejected="2"' in answer.text
    assert re.search(r'data-count="records">۴<', answer.text)  # four claims in five rows
    problems = answer.text[answer.text.index('id="upload-problems"') :]
    bad = re.search(r'<tr data-row="ردیف ۴" data-field="quantity">(.*?)</tr>', problems, re.S)
    assert bad is not None, problems[:2000]
    assert "تعداد" in bad.group(1) and "«دو» پذیرفته نیست: باید عدد صحیح باشد" in bad.group(1)
    foreign = re.search(
        r'<tr data-row="ردیف ۶" data-field="facility_code">(.*?)</tr>', problems, re.S
    )
    assert foreign is not None and "کد مرکز" in foreign.group(1)
    assert f"مرکزی با کد «{world['other']}»" in html.unescape(foreign.group(1))
    # the good claims are stored whole, the bad ones not at all
    assert stored_docs(session_factory) == {"8001": 2, "8003": 1}
    with session_factory() as s:
        ids = {doc: cid for doc, cid in s.execute(select(Claim.document_number, Claim.id))}
        assert s.scalar(select(Claim.asked_rials).where(Claim.id == ids["8003"])) == 1_250_000
    for doc in ("8001", "8003"):
        assert f'<a href="/claims/{ids[doc]}">{to_persian_digits(doc)}</a>' in answer.text
    assert "تازه ثبت شد" in text
    # each accepted claim opens
    assert client.get(f"/claims/{ids['8001']}").status_code == 200

    # sending the same file again stores nothing twice and says the claims were there
    again = upload(client, "claims.csv", content)
    assert 'data-accepted="0"' in again.text and re.search(r'data-count="unchanged">۲<', again.text)
    assert "پیش‌تر با همین محتوا ثبت شده بود" in again.text
    assert stored_docs(session_factory) == {"8001": 2, "8003": 1}


def test_an_ndjson_file_names_the_line_and_the_item_of_each_problem(
    client: TestClient, session_factory: sessionmaker[Session]
) -> None:
    world = seed_world(session_factory)
    login(client, "desk")
    good = claim(world, "8101")
    bad = claim(world, "8102")
    bad["lines"].append({**bad["lines"][0], "service_date": "1405/13/40"})
    content = "\n".join([json.dumps(good), "{not json", json.dumps(bad)]).encode()
    answer = client.post("/claims/upload", files={"file": ("day.ndjson", content)})
    assert answer.status_code == 200
    assert 'data-accepted="1"' in answer.text and 'data-rejected="2"' in answer.text
    text = _text(answer.text)
    assert 'data-row="خط ۲"' in answer.text and "JSON درست نیست" in text
    item = re.search(r'<tr data-row="خط ۳" data-field="service_date">(.*?)</tr>', answer.text, re.S)
    assert item is not None and "قلم ۲، تاریخ خدمت" in item.group(1)
    assert stored_docs(session_factory) == {"8101": 1}


def test_a_missing_or_unreadable_file_is_refused_in_persian_on_the_page(
    client: TestClient, session_factory: sessionmaker[Session]
) -> None:
    world = seed_world(session_factory)
    login(client, "desk")
    none = client.post("/claims/upload", data={})
    assert none.status_code == 422 and "پرونده‌ای انتخاب نشده است" in none.text
    wrong = client.post("/claims/upload", files={"file": ("claims.txt", b"hello")})
    assert wrong.status_code == 422 and "باید .ndjson، .jsonl، .csv یا .xlsx باشد" in _text(
        wrong.text
    )
    header = client.post("/claims/upload", files={"file": ("c.csv", b"a,b\r\n1,2\r\n")})
    assert header.status_code == 200 and 'id="upload-stopped"' in header.text
    assert "سرستون‌ها نمی‌خوانند" in _text(header.text)
    assert stored_docs(session_factory) == {}
    template = client.get("/claims/upload/template.csv")
    assert template.status_code == 200
    first, example = template.content.decode("utf-8-sig").splitlines()
    assert first.split(",") == list(FLAT_COLUMNS)
    assert example.split(",")[0] == world["hospital"]  # the desk's own centre
    # a reviewer does not send claims
    login(client, "rev")
    refused = client.get("/claims/upload")
    assert refused.status_code == 403 and "دسترسی مجاز نیست" in refused.text


def test_problems_are_placed_by_row_and_column_as_the_file_names_them() -> None:
    line = FieldProblem("lines.1.unit_price_rials", "x", row=7)
    assert where_fa(line, "csv") == {
        "place": "ردیف ۷",
        "column": "قیمت واحد (ریال)",
        "name": "unit_price_rials",
    }
    assert where_fa(line, "ndjson")["column"] == "قلم ۲، قیمت واحد (ریال)"
    assert where_fa(FieldProblem(None, "x", row=3), "ndjson") == {
        "place": "خط ۳",
        "column": "کل رکورد",
        "name": "",
    }


def _pay(session_factory: sessionmaker[Session], key: str) -> None:
    with UnitOfWork(session_factory) as uow:
        who = security.principal_of(security.get_user(uow.session, username="fin"))
        payment.pay(uow.session, who, run_key=key, budget_rials=10**12)
        uow.commit()


def test_a_provider_lists_the_runs_that_paid_it_and_downloads_only_its_own_rows(
    client: TestClient, session_factory: sessionmaker[Session]
) -> None:
    world = seed_world(session_factory)
    for doc, day in (("8201", "1405/07/01"), ("8202", "1405/07/02")):
        body = claim(world, doc)
        body["lines"][0]["service_date"] = day  # a repeat visit the same day would be refused
        submit(session_factory, "desk", body)
    adjudicate(session_factory, review_percent=0)
    _pay(session_factory, "run-hospital")
    submit(session_factory, "boss", claim(world, "8203", facility_code=world["other"]))
    adjudicate(session_factory, review_percent=0)
    _pay(session_factory, "run-other")
    with session_factory() as s:
        ours = s.execute(
            select(Claim.document_number, Claim.insurer_rials).where(
                Claim.facility_id == world["hospital_id"]
            )
        ).all()
        keys = select(payment.PaymentRun.run_key, payment.PaymentRun.id)
        runs = {key: run_id for key, run_id in s.execute(keys)}
    assert len(ours) == 2 and all(insurer > 0 for _, insurer in ours)

    login(client, "desk")
    page = client.get("/claims/remittances")
    assert page.status_code == 200
    listed = set(re.findall(r'<tr data-run="(\d+)">', page.text))
    assert listed == {str(runs["run-hospital"])}  # the other centre's run is not theirs
    text = _text(page.text)
    assert format_number(sum(insurer for _, insurer in ours)) in text
    assert "تسویه" in text
    link = f"/api/v1/claims/payment-runs/{runs['run-hospital']}/remittance?format=xlsx"
    assert f'href="{link}"' in page.text
    sheet = load_workbook(io.BytesIO(client.get(link).content)).active
    assert sheet is not None
    docs = sorted(str(r[2]) for r in sheet.iter_rows(min_row=2, values_only=True))
    assert docs == ["8201", "8202"]
    # the other centre's run, asked for by address, holds nothing of theirs
    other = client.get(f"/api/v1/claims/payment-runs/{runs['run-other']}/remittance?format=csv")
    assert other.status_code == 200 and "8203" not in other.text

    login(client, "desk2")
    theirs = client.get("/claims/remittances")
    assert set(re.findall(r'<tr data-run="(\d+)">', theirs.text)) == {str(runs["run-other"])}
    login(client, "rev")  # a reviewer reads no remittances
    refused = client.get("/claims/remittances")
    assert refused.status_code == 403 and "دسترسی مجاز نیست" in refused.text


def test_the_upload_templates_example_row_is_a_claim_the_intake_accepts() -> None:
    text = ",".join(FLAT_COLUMNS) + "\n" + EXAMPLE_ROW.format(code="C0100006") + "\n"
    (record,) = list(bulk.records(io.BytesIO(text.encode("utf-8")), "csv"))
    accepted = bulk.validate(record)
    assert isinstance(accepted, ClaimIn), accepted
    assert accepted.lines[0].unit_price_rials == 1_250_000
