"""The e-prescription screens through the TestClient, on both databases: the physician's form
with live checks and issuing, their own list, the dispensing desk and the savings report,
each scoped by the service exactly as the API is."""

from __future__ import annotations

import html
import re
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from darman.db.uow import UnitOfWork
from darman.prescriptions import issuing
from darman.prescriptions.exceptions import PrescriptionRefused
from darman.prescriptions.models import Prescription
from tests.integration.prescriptions.world import World, build, drug, order, rx
from tests.web.test_claims_pages import chart_of, login

WARFARIN, ASPIRIN, PARACETAMOL = "10028", "10013", "10001"


def make_world(session_factory: sessionmaker[Session]) -> World:
    with UnitOfWork(session_factory) as uow:
        w = build(uow.session)
        uow.commit()
    return w


def issue_direct(session_factory: sessionmaker[Session], w: World, user: str, **line: Any) -> str:
    """A prescription issued through the service as ``user``; its tracking code."""
    with UnitOfWork(session_factory) as uow:
        read = issuing.issue(uow.session, w.who[user], data=rx(w.nid, drug(**line)))
        uow.commit()
    assert read.tracking_code is not None
    return read.tracking_code


def lines_form(nid: str, *rows: dict[str, str]) -> dict[str, Any]:
    fields = ("kind", "code", "dose", "quantity", "days_supply", "instructions")
    form: dict[str, Any] = {"national_id": nid}
    for name in fields:
        form[name] = [r.get(name, "") for r in rows]
    return form


def row(code: str, quantity: str = "10", days: str = "10", kind: str = "drug") -> dict[str, str]:
    return {
        "kind": kind,
        "code": code,
        "quantity": quantity,
        "days_supply": days,
        "dose": "روزی یک",
    }


def count(session_factory: sessionmaker[Session], status: str | None = None) -> int:
    with session_factory() as s:
        query = select(func.count()).select_from(Prescription)
        if status:
            query = query.where(Prescription.status == status)
        return int(s.scalar(query) or 0)


def messages(page: str, field: str) -> list[str]:
    """The Persian messages shown beside one field (``lines.1.code``)."""
    found = re.findall(rf'data-field="{re.escape(field)}">(.*?)</p>', page, flags=re.S)
    return [html.unescape(re.sub(r"<[^>]+>", "", m)).strip() for m in found]


def test_the_live_check_shows_a_severe_interaction_beside_its_line_and_stores_nothing(
    client: TestClient, session_factory: sessionmaker[Session]
) -> None:
    w = make_world(session_factory)
    login(client, "cardio")
    form = lines_form(w.nid, row(WARFARIN), row(ASPIRIN))
    resp = client.post("/prescriptions/check", data=form, headers={"HX-Request": "true"})
    assert resp.status_code == 200
    page = resp.text
    assert 'data-state="blocked"' in page
    beside = messages(page, "lines.1.code")
    assert any("P08" in m and "تداخل دارویی شدید" in m for m in beside), beside
    assert messages(page, "lines.0.code") == []
    assert 'id="m-1-code" data-msg="code" aria-live="polite" hx-swap-oob="true"' in page
    assert "وارفارین" in page  # the formulary name beside the code
    assert count(session_factory) == 0


def test_issuing_a_blocked_prescription_refuses_it_in_persian_and_a_clean_one_shows_its_code(
    client: TestClient, session_factory: sessionmaker[Session]
) -> None:
    w = make_world(session_factory)
    login(client, "cardio")
    refused = client.post("/prescriptions", data=lines_form(w.nid, row(WARFARIN), row(ASPIRIN)))
    assert refused.status_code == 200
    assert 'id="rx-refused"' in refused.text
    assert any("P08" in m for m in messages(refused.text, "lines.1.code"))
    assert count(session_factory, "issued") == 0
    assert count(session_factory, "refused") == 1  # kept for the savings report

    ok = client.post("/prescriptions", data=lines_form(w.nid, row(WARFARIN)))
    assert ok.status_code == 200, ok.text
    code = re.search(r'id="tracking-code" dir="ltr">([^<]+)<', ok.text)
    assert code is not None and re.fullmatch(r"[0-9A-Z]{4}-[0-9A-Z]{4}-[0-9A-Z]{3}", code.group(1))
    assert count(session_factory, "issued") == 1


def _form_key(page: str) -> str:
    found = re.search(r'name="request_key" value="([0-9a-f]{32})"', page)
    assert found is not None, "the issue form carries no request key"
    return found.group(1)


def test_a_form_sent_twice_issues_once_and_each_new_form_has_a_new_key(
    client: TestClient, session_factory: sessionmaker[Session]
) -> None:
    w = make_world(session_factory)
    login(client, "cardio")
    key = _form_key(client.get("/prescriptions/new").text)
    form = {**lines_form(w.nid, row(WARFARIN)), "request_key": key}
    first = client.post("/prescriptions", data=form)
    again = client.post("/prescriptions", data=form)  # a double click, a reload
    codes = [re.search(r'id="tracking-code" dir="ltr">([^<]+)<', r.text) for r in (first, again)]
    assert codes[0] is not None and codes[1] is not None
    assert codes[0].group(1) == codes[1].group(1)
    assert 'id="rx-replayed"' in again.text and 'id="rx-replayed"' not in first.text
    assert count(session_factory, "issued") == 1
    # the form shown after issuing is for the next prescription: a key of its own
    assert _form_key(first.text) not in {key, _form_key(again.text)}

    # the old form's key sent with other lines (back button, edited): refused, nothing issued
    edited = client.post("/prescriptions", data={**form, **lines_form(w.nid, row(PARACETAMOL))})
    assert "پیش‌تر با نسخهٔ دیگری فرستاده شده" in edited.text
    assert count(session_factory, "issued") == 1
    # a refusal is kept once however often the same form is sent
    blocked = {**lines_form(w.nid, row(WARFARIN), row(ASPIRIN)), "request_key": "b" * 32}
    client.post("/prescriptions", data=blocked)
    client.post("/prescriptions", data=blocked)
    assert count(session_factory, "refused") == 1


def test_form_errors_are_shown_in_persian_beside_the_field_they_concern(
    client: TestClient, session_factory: sessionmaker[Session]
) -> None:
    w = make_world(session_factory)
    login(client, "doc")
    form = lines_form("1234567890", row(PARACETAMOL, quantity="ده"), row("99999", days="۵۰۰"))
    resp = client.post("/prescriptions", data=form)
    assert 'id="rx-refused"' in resp.text
    assert messages(resp.text, "national_id") == ["کد ملی باید ده رقم با رقم کنترل درست باشد."]
    assert messages(resp.text, "lines.0.quantity") == [
        "تعداد را عددی صحیح از ۱ تا ۱۰٬۰۰۰ وارد کنید."
    ]
    assert messages(resp.text, "lines.1.days_supply") == [
        "مدت مصرف دارو را به روز وارد کنید (۱ تا ۳۶۵)."
    ]
    # a drug outside the formulary is the check's P02, on the code of its own row
    form = lines_form(w.nid, row(PARACETAMOL), {}, row("99999"))
    checked = client.post("/prescriptions/check", data=form).text
    assert any("P02" in m for m in messages(checked, "lines.2.code"))
    assert messages(checked, "lines.0.code") == []
    unknown = client.post("/prescriptions/check", data=lines_form(w.uninsured_nid, row("1")))
    assert count(session_factory) == 0
    assert unknown.status_code == 200


def test_a_physician_sees_only_their_own_prescriptions_and_a_pharmacist_none(
    client: TestClient, session_factory: sessionmaker[Session]
) -> None:
    w = make_world(session_factory)
    mine = issue_direct(session_factory, w, "doc", code=PARACETAMOL)
    theirs = issue_direct(session_factory, w, "doc2", code=ASPIRIN)
    login(client, "doc")
    page = client.get("/prescriptions").text
    assert service_display(mine) in page and service_display(theirs) not in page
    login(client, "pharm_a")
    denied = client.get("/prescriptions")
    assert denied.status_code == 403
    assert "دسترسی مجاز نیست" in denied.text
    assert client.get("/prescriptions/new").status_code == 403
    assert client.post("/prescriptions/check", data=lines_form(w.nid, row("1"))).status_code == 403


def service_display(code: str) -> str:
    from darman.prescriptions import rules

    return rules.display_tracking_code(code)


def test_the_desk_dispenses_partly_then_fully_and_a_double_submit_dispenses_once(
    client: TestClient, session_factory: sessionmaker[Session]
) -> None:
    w = make_world(session_factory)
    code = issue_direct(session_factory, w, "doc", code=PARACETAMOL, quantity=10)
    login(client, "pharm_a")
    assert client.get("/prescriptions/dispense").status_code == 200
    found = client.post(
        "/prescriptions/dispense/lookup",
        data={"tracking_code": service_display(code).lower(), "national_id": w.nid},
    )
    assert found.status_code == 200
    assert 'data-field="remaining">۱۰<' in found.text
    key = re.search(r'name="request_key" value="([0-9a-f]+)"', found.text)
    assert key is not None
    form = {
        "tracking_code": code,
        "national_id": w.nid,
        "request_key": key.group(1),
        "line_no": ["1"],
        "quantity": ["4"],
    }
    first = client.post("/prescriptions/dispense", data=form)
    assert first.status_code == 200 and 'id="dispense-ok"' in first.text
    assert 'data-field="remaining">۶<' in first.text
    again = client.post("/prescriptions/dispense", data=form)
    assert 'id="dispense-replayed"' in again.text
    assert 'data-field="remaining">۶<' in again.text

    fresh = re.search(r'name="request_key" value="([0-9a-f]+)"', again.text)
    assert fresh is not None and fresh.group(1) != key.group(1)
    beyond = client.post(
        "/prescriptions/dispense", data={**form, "request_key": fresh.group(1), "quantity": ["7"]}
    )
    assert beyond.status_code == 422
    assert "بیش از باقی‌مانده‌ی نسخه (۶)" in html.unescape(beyond.text)
    assert 'data-field="remaining">۶<' in beyond.text


def test_mistyped_foreign_and_unknown_codes_show_their_persian_error(
    client: TestClient, session_factory: sessionmaker[Session]
) -> None:
    w = make_world(session_factory)
    code = issue_direct(session_factory, w, "doc", code=PARACETAMOL)
    login(client, "pharm_a")
    typo = code[:-1] + ("2" if code[-1] != "2" else "3")
    resp = client.post(
        "/prescriptions/dispense/lookup", data={"tracking_code": typo, "national_id": w.nid}
    )
    assert resp.status_code == 422
    assert "کد رهگیری نادرست است" in resp.text and 'id="err-tracking_code"' in resp.text
    foreign = client.post(
        "/prescriptions/dispense/lookup", data={"tracking_code": code, "national_id": w.other_nid}
    )
    assert foreign.status_code == 404
    assert "نسخه‌ای با این کد رهگیری برای این کد ملی نیست" in foreign.text
    bad_nid = client.post(
        "/prescriptions/dispense/lookup", data={"tracking_code": code, "national_id": "12"}
    )
    assert bad_nid.status_code == 422 and 'id="err-national_id"' in bad_nid.text


def test_staff_read_the_savings_report_and_each_role_sees_only_its_links(
    client: TestClient, session_factory: sessionmaker[Session]
) -> None:
    w = make_world(session_factory)
    with UnitOfWork(session_factory) as uow:
        with pytest.raises(PrescriptionRefused):
            issuing.issue(
                uow.session, w.who["cardio"], data=rx(w.nid, drug(WARFARIN), drug(ASPIRIN))
            )
        uow.commit()
    login(client, "manager")
    page = client.get("/prescriptions/savings")
    assert page.status_code == 200
    assert "data-chart='" in page.text and 'id="savings-grid"' in page.text
    # the chart draws at most ten provinces and the national average (chart_series); the
    # table keeps every province it has rows for
    chart = chart_of(page.text)
    provinces = [s["label"] for s in chart["series"] if s["role"] != "national"]
    assert 1 <= len(provinces) <= 10 and chart["provinces"] >= len(provinces)
    grid = html.unescape(page.text[page.text.index('id="savings-grid"') :])
    assert all(f"<td>{name}</td>" in grid for name in provinces)
    assert 'data-code="P08"' in page.text
    nav = client.get("/").text
    assert 'data-nav="rx-savings"' in nav and 'data-nav="rx-dispense"' not in nav
    login(client, "pharm_a")
    home = client.get("/").text
    assert 'data-card="rx-dispense"' in home and 'data-nav="rx-new"' not in home
    assert 'data-nav="rx-list"' not in home
    assert client.get("/prescriptions/savings").status_code == 403
    login(client, "doc")
    home = client.get("/").text
    assert 'data-nav="rx-new"' in home and 'data-nav="rx-list"' in home
    assert 'data-nav="rx-dispense"' not in home


def test_a_laboratory_desk_dispenses_the_lab_order_and_not_the_drug_line(
    client: TestClient, session_factory: sessionmaker[Session]
) -> None:
    w = make_world(session_factory)
    with UnitOfWork(session_factory) as uow:
        read = issuing.issue(
            uow.session, w.who["doc"], data=rx(w.nid, drug(PARACETAMOL), order("200101"))
        )
        uow.commit()
    assert read.tracking_code is not None
    login(client, "lab")
    found = client.post(
        "/prescriptions/dispense/lookup",
        data={"tracking_code": read.tracking_code, "national_id": w.nid},
    )
    key = re.search(r'name="request_key" value="([0-9a-f]+)"', found.text)
    assert key is not None
    form = {
        "tracking_code": read.tracking_code,
        "national_id": w.nid,
        "request_key": key.group(1),
        "line_no": ["1", "2"],
        "quantity": ["", "1"],
    }
    done = client.post("/prescriptions/dispense", data=form)
    assert 'id="dispense-ok"' in done.text
    drug_line = client.post(
        "/prescriptions/dispense", data={**form, "request_key": "k" * 16, "quantity": ["2", ""]}
    )
    assert drug_line.status_code == 422
    assert "این ردیف در این مرکز تحویل داده نمی‌شود." in drug_line.text
