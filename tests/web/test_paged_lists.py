"""Every paged web list reads ``?page=`` the same way: a page number in either script is
that page, anything else a Persian 400 page naming what was typed, never a silent first
page that hides a broken link."""

from __future__ import annotations

import html

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session, sessionmaker

from darman.db.uow import UnitOfWork
from darman.security.enums import Role
from tests import factories as f
from tests.web.test_claims_pages import login

# every web list with a ``page`` parameter, and a role that may open it
PAGED = [
    ("/claims", "boss"),
    ("/claims/remittances", "boss"),
    ("/prescriptions", "boss"),
    ("/admin/users", "boss"),
    ("/admin/audit", "aud"),
    ("/circulars", "boss"),
]


@pytest.fixture
def users(session_factory: sessionmaker[Session]) -> None:
    with UnitOfWork(session_factory) as uow:
        f.user(uow.session, username="boss", role=Role.ADMIN)
        f.user(uow.session, username="aud", role=Role.AUDITOR)
        uow.commit()


@pytest.mark.parametrize(("path", "username"), PAGED)
def test_a_malformed_page_number_answers_a_persian_400_page(
    client: TestClient, users: None, path: str, username: str
) -> None:
    login(client, username)
    assert client.get(path).status_code == 200
    assert client.get(path, params={"page": "۲"}).status_code == 200  # Persian digits read
    for bad in ("abc", "0", "-1", "2.5", "99999999999"):
        page = client.get(path, params={"page": bad})
        assert page.status_code == 400, (path, bad)
        assert page.headers["content-type"].startswith("text/html")
        text = html.unescape(page.text)
        assert f"شماره‌ی صفحه «{bad}» پذیرفته نیست" in text, (path, bad)
        assert "Traceback" not in text and "Input should" not in text
