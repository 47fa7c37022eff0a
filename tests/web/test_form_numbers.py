"""Numbers typed into forms and query strings in any digit script: read or refused, never a 500.

Unicode has digits that ``str.isdigit`` accepts but ``int`` cannot read (superscripts);
each screen that reads a number must refuse them like any other non-number."""

from __future__ import annotations

import re

from fastapi.testclient import TestClient
from sqlalchemy.orm import Session, sessionmaker

from tests.web.test_claims_pages import login
from tests.web.test_prescription_pages import PARACETAMOL, issue_direct, make_world


def test_superscript_digits_in_a_year_or_a_quantity_are_refused_not_a_server_error(
    client: TestClient, session_factory: sessionmaker[Session]
) -> None:
    w = make_world(session_factory)
    code = issue_direct(session_factory, w, "doc", code=PARACETAMOL, quantity=10)
    login(client, "manager")
    assert client.get("/prescriptions/savings?year=²").status_code == 200
    assert client.get("/referrals/indicators?year=²").status_code == 200
    assert client.get("/prescriptions/savings?year=۱۴۰۵").status_code == 200
    login(client, "pharm_a")
    found = client.post(
        "/prescriptions/dispense/lookup", data={"tracking_code": code, "national_id": w.nid}
    )
    key = re.search(r'name="request_key" value="([0-9a-f]+)"', found.text)
    assert key is not None
    for line_no, quantity in (("1", "²"), ("²", "1")):
        answer = client.post(
            "/prescriptions/dispense",
            data={
                "tracking_code": code,
                "national_id": w.nid,
                "request_key": key.group(1),
                "line_no": [line_no],
                "quantity": [quantity],
            },
        )
        assert answer.status_code in (200, 422), (line_no, quantity, answer.status_code)
        assert 'data-field="remaining">۱۰<' in answer.text
