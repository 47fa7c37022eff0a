"""Disabling and enabling users over the API: audited, idempotent, and never of your own
account."""

from __future__ import annotations

from fastapi.testclient import TestClient
from sqlalchemy import select

from darman.audit.models import AuditEntry
from darman.db.uow import UnitOfWork
from darman.security.enums import Role
from darman.security.models import User
from tests import factories as f

USERS = "/api/v1/users"
PROBLEMS = "https://darman.example/problems/"


def _entries(session_factory, username: str) -> list[tuple[str, str, bool, bool]]:
    """(actor, action, active before, active after) of the user's audit entries after
    its creation, oldest first."""
    with session_factory() as s:
        uid = s.scalars(select(User.id).where(User.username == username)).one()
        rows = s.scalars(
            select(AuditEntry)
            .where(AuditEntry.entity == "user", AuditEntry.entity_id == str(uid))
            .order_by(AuditEntry.seq)
        ).all()
        return [
            (e.actor, e.action, e.before["is_active"], e.after["is_active"])
            for e in rows
            if e.action != "create"
        ]


def _active(session_factory, username: str) -> bool:
    with session_factory() as s:
        return bool(s.scalars(select(User.is_active).where(User.username == username)).one())


def test_an_admin_disables_and_enables_another_user_each_once_and_audited(
    client: TestClient, uow: UnitOfWork, session_factory
) -> None:
    f.user(uow.session, username="chief")
    f.user(uow.session, username="deputy")
    uow.commit()
    chief = f.token(client, "chief")
    deputy = f.token(client, "deputy")
    for _ in range(2):  # the second time changes nothing and answers the same
        r = client.post(f"{USERS}/deputy/disable", headers=chief)
        assert r.status_code == 200 and r.json()["is_active"] is False
    assert client.get("/api/v1/me", headers=deputy).status_code == 401
    assert (
        client.post(
            "/api/v1/auth/token", data={"username": "deputy", "password": f.PASSWORD}
        ).json()["title"]
        == "Authentication failed"
    )
    for _ in range(2):
        r = client.post(f"{USERS}/deputy/enable", headers=chief)
        assert r.status_code == 200 and r.json()["is_active"] is True
    assert client.get("/api/v1/me", headers=f.token(client, "deputy")).status_code == 200
    assert _entries(session_factory, "deputy") == [
        ("chief", "disable", True, False),
        ("chief", "enable", False, True),
    ]


def test_an_admin_cannot_disable_their_own_account(
    client: TestClient, uow: UnitOfWork, session_factory
) -> None:
    f.user(uow.session, username="chief")
    f.user(uow.session, username="deputy")
    uow.commit()
    r = client.post(f"{USERS}/chief/disable", headers=f.token(client, "chief"))
    assert r.status_code == 409
    assert r.headers["content-type"].startswith("application/problem+json")
    body = r.json()
    assert body["type"] == PROBLEMS + "cannot-disable-yourself"
    assert body["detail"].startswith("نمی‌توانید حساب کاربری خودتان را غیرفعال کنید")
    assert body["errors"] == [{"field": "username", "reason": "«chief» حساب خود شماست"}]
    assert _active(session_factory, "chief")
    assert _entries(session_factory, "chief") == []


def test_enabling_or_disabling_someone_unknown_or_by_a_non_admin_is_refused(
    client: TestClient, uow: UnitOfWork, session_factory
) -> None:
    f.user(uow.session, username="chief")
    f.user(uow.session, username="clerk", role=Role.HQ_ANALYST)
    uow.commit()
    chief = f.token(client, "chief")
    for verb in ("disable", "enable"):
        assert client.post(f"{USERS}/nobody/{verb}", headers=chief).status_code == 404
        r = client.post(f"{USERS}/chief/{verb}", headers=f.token(client, "clerk"))
        assert r.status_code == 403
    assert _active(session_factory, "chief")
