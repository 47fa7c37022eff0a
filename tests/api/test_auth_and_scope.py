from __future__ import annotations

import datetime as dt

from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from darman.audit.models import AuditEntry
from darman.db import migrate
from darman.db.uow import UnitOfWork
from darman.registry.models import Province
from darman.security.enums import Role, ScopeLevel
from darman.security.models import User
from tests import factories as f


def _setup_two_facilities(uow: UnitOfWork) -> tuple[int, int, int]:
    s = uow.session
    a = f.facility(s, province_code="01", code="A1")
    b = f.facility(s, province_code="01", code="B1")
    c = f.facility(s, province_code="24", code="C1")
    f.user(
        s,
        username="hisa",
        role=Role.PROVIDER_USER,
        scope_level=ScopeLevel.FACILITY,
        facility_id=a.id,
    )
    f.user(
        s,
        username="boss",
        role=Role.PROVINCE_MANAGER,
        scope_level=ScopeLevel.PROVINCE,
        province_id=1,
    )
    uow.commit()
    return a.id, b.id, c.id


def test_a_provider_user_sees_only_its_own_facility(client: TestClient, uow: UnitOfWork) -> None:
    a, b, c = _setup_two_facilities(uow)
    headers = f.token(client, "hisa")
    listed = client.get("/api/v1/facilities", headers=headers).json()
    assert [row["id"] for row in listed["items"]] == [a]
    assert listed["total"] == 1
    assert client.get(f"/api/v1/facilities/{a}", headers=headers).status_code == 200
    for other in (b, c):
        resp = client.get(f"/api/v1/facilities/{other}", headers=headers)
        assert resp.status_code == 404
        assert resp.headers["content-type"].startswith("application/problem+json")


def test_a_province_manager_sees_its_province_but_not_another(
    client: TestClient, uow: UnitOfWork
) -> None:
    a, b, c = _setup_two_facilities(uow)
    headers = f.token(client, "boss")
    ids = {row["id"] for row in client.get("/api/v1/facilities", headers=headers).json()["items"]}
    assert ids == {a, b}
    assert client.get(f"/api/v1/facilities/{c}", headers=headers).status_code == 404


def test_a_provider_user_cannot_read_insured_of_another_province(
    client: TestClient, uow: UnitOfWork
) -> None:
    _setup_two_facilities(uow)
    here = f.insured(uow.session, province_code="01")
    there = f.insured(uow.session, province_code="24")
    uow.commit()
    headers = f.token(client, "hisa")
    assert client.get("/api/v1/insured", headers=headers).status_code == 403
    mine = client.get(f"/api/v1/insured?national_id={here.national_id}", headers=headers).json()
    assert [p["national_id"] for p in mine["items"]] == [here.national_id]
    other = client.get(f"/api/v1/insured?national_id={there.national_id}", headers=headers).json()
    assert other["items"] == []
    export = client.get("/api/v1/registry/insured/export", headers=headers)
    assert export.status_code == 403
    assert client.get(f"/api/v1/insured/{there.id}", headers=headers).status_code == 404
    assert (
        client.get(f"/api/v1/eligibility/{there.national_id}", headers=headers).status_code == 404
    )


def test_five_failed_logins_lock_the_account_even_for_the_right_password(
    client: TestClient, uow: UnitOfWork, session_factory
) -> None:
    f.user(uow.session, username="clerk")
    uow.commit()
    for _ in range(4):
        r = client.post("/api/v1/auth/token", data={"username": "clerk", "password": "wrong-pass"})
        assert r.status_code == 401
        assert r.json()["title"] == "Authentication failed"
    r = client.post("/api/v1/auth/token", data={"username": "clerk", "password": "wrong-pass"})
    assert r.status_code == 401 and r.json()["title"] == "Account locked"
    r = client.post("/api/v1/auth/token", data={"username": "clerk", "password": f.PASSWORD})
    assert r.status_code == 401 and r.json()["title"] == "Account locked"
    with session_factory() as s:
        user = s.query(User).filter_by(username="clerk").one()
        remaining = user.locked_until - dt.datetime.now(dt.UTC)
        assert dt.timedelta(minutes=14) < remaining <= dt.timedelta(minutes=15)
        # Once the lock has passed, the right password works again.
        user.locked_until = dt.datetime.now(dt.UTC) - dt.timedelta(seconds=1)
        s.commit()
    assert (
        client.post(
            "/api/v1/auth/token", data={"username": "clerk", "password": f.PASSWORD}
        ).status_code
        == 200
    )


def test_a_successful_login_resets_the_failure_count(
    client: TestClient, uow: UnitOfWork, session_factory
) -> None:
    f.user(uow.session, username="nurse")
    uow.commit()
    for _ in range(4):
        client.post("/api/v1/auth/token", data={"username": "nurse", "password": "nope-nope"})
    assert (
        client.post(
            "/api/v1/auth/token", data={"username": "nurse", "password": f.PASSWORD}
        ).status_code
        == 200
    )
    with session_factory() as s:
        assert s.query(User).filter_by(username="nurse").one().failed_logins == 0


def test_requests_without_credentials_are_refused_as_problem_json(client: TestClient) -> None:
    r = client.get("/api/v1/facilities")
    assert r.status_code == 401
    assert r.headers["content-type"].startswith("application/problem+json")
    assert "sign in" in r.json()["detail"]


def test_an_api_key_acts_as_its_user_and_stops_when_the_user_is_disabled(
    client: TestClient, uow: UnitOfWork
) -> None:
    a, _, _ = _setup_two_facilities(uow)
    f.user(uow.session, username="root1")
    uow.commit()
    admin = f.token(client, "root1")
    made = client.post("/api/v1/api-keys", json={"username": "hisa", "name": "HIS"}, headers=admin)
    assert made.status_code == 201
    key = {"X-API-Key": made.json()["key"]}
    rows = client.get("/api/v1/facilities", headers=key).json()["items"]
    assert [r["id"] for r in rows] == [a]
    assert client.post("/api/v1/users/hisa/disable", headers=admin).status_code == 200
    assert client.get("/api/v1/facilities", headers=key).status_code == 401


def test_a_disabled_users_token_an_inactive_key_and_a_forged_subject_are_refused(
    client: TestClient, uow: UnitOfWork, settings
) -> None:
    from sqlalchemy import select, update

    from darman.security import tokens
    from darman.security.models import ApiKey

    _setup_two_facilities(uow)
    f.user(uow.session, username="root3")
    uow.commit()
    admin = f.token(client, "root3")
    made = client.post("/api/v1/api-keys", json={"username": "hisa", "name": "k"}, headers=admin)
    key = {"X-API-Key": made.json()["key"]}
    assert client.get("/api/v1/facilities", headers=key).status_code == 200
    with UnitOfWork(uow.factory) as u:
        u.session.execute(update(ApiKey).values(is_active=False))
        u.commit()
    assert client.get("/api/v1/facilities", headers=key).status_code == 401

    user_token = f.token(client, "hisa")
    assert client.get("/api/v1/me", headers=user_token).status_code == 200
    with UnitOfWork(uow.factory) as u:
        uid = u.session.scalar(select(User.id).where(User.username == "hisa"))
    forged = tokens.issue(username="root3", user_id=uid, secret=settings.secret_key, minutes=5)
    bad = client.get("/api/v1/me", headers={"Authorization": f"Bearer {forged}"})
    assert bad.status_code == 401  # the subject is not the user with that id
    assert client.post("/api/v1/users/hisa/disable", headers=admin).status_code == 200
    assert client.get("/api/v1/me", headers=user_token).status_code == 401


def test_an_api_key_records_its_last_use_to_the_minute_without_a_write_per_request(
    client: TestClient, uow: UnitOfWork
) -> None:
    from sqlalchemy import select, update

    from darman.security.models import ApiKey

    _setup_two_facilities(uow)
    f.user(uow.session, username="root2")
    uow.commit()
    made = client.post(
        "/api/v1/api-keys",
        json={"username": "hisa", "name": "HIS"},
        headers=f.token(client, "root2"),
    )
    key = {"X-API-Key": made.json()["key"]}

    def last_used() -> dt.datetime | None:
        with UnitOfWork(uow.factory) as u:
            return u.session.scalar(select(ApiKey.last_used_at))

    assert last_used() is None
    assert client.get("/api/v1/facilities", headers=key).status_code == 200
    first = last_used()
    assert first is not None  # the first use is recorded
    assert client.get("/api/v1/facilities", headers=key).status_code == 200
    assert last_used() == first  # within the minute: not written again
    earlier = first - dt.timedelta(minutes=2)
    with UnitOfWork(uow.factory) as u:
        u.session.execute(update(ApiKey).values(last_used_at=earlier))
        u.commit()
    assert client.get("/api/v1/facilities", headers=key).status_code == 200
    assert last_used() > earlier  # a stale record is brought up to date


def test_the_demo_secret_is_refused_outside_demo_mode(settings) -> None:
    import pytest

    from darman.app import create_app
    from darman.common.errors import ConfigurationError
    from darman.settings import DEMO_SECRET, Settings

    with pytest.raises(ConfigurationError, match="demo secret"):
        create_app(Settings(database_url="sqlite://", secret_key=DEMO_SECRET, demo_mode=False))


def test_health_answers_with_the_schema_revision(client: TestClient) -> None:
    body = client.get("/health").json()
    assert body["status"] == "ok" and body["schema"] == migrate.head_revision()


_ = Session


def test_a_facility_user_created_over_the_api_takes_the_province_of_its_facility(
    client: TestClient, uow: UnitOfWork
) -> None:
    qom = uow.session.scalar(select(Province.id).where(Province.code == "19"))
    clinic = f.facility(uow.session, code="QOM9", province_code="19")
    f.user(uow.session, username="root2")
    f.user(uow.session, username="boss2", role=Role.PROVINCE_MANAGER,
           scope_level=ScopeLevel.PROVINCE, province_id=qom)  # fmt: skip
    uow.commit()
    admin = f.token(client, "root2")
    body = {"username": "desk9", "password": "long-enough-1", "role": "provider_user",
            "scope_level": "facility", "facility_id": clinic.id}  # fmt: skip
    made = client.post("/api/v1/users", headers=admin, json=body)
    assert made.status_code == 201, made.text
    assert (made.json()["facility_id"], made.json()["province_id"]) == (clinic.id, qom)
    assert qom != 1  # not the default province of the factories
    refused = client.post("/api/v1/users", headers=f.token(client, "boss2"), json=body)
    assert refused.status_code == 403
    nowhere = client.post(
        "/api/v1/users", headers=admin, json={**body, "username": "desk10", "facility_id": 999_999}
    )
    assert nowhere.status_code == 422
    assert nowhere.json()["errors"][0]["field"] == "facility_id"
    no_province = client.post(
        "/api/v1/users",
        headers=admin,
        json={"username": "boss3", "password": "long-enough-1", "role": "province_manager",
              "scope_level": "province", "province_id": 999_999},
    )  # fmt: skip
    assert no_province.status_code == 422
    assert no_province.json()["errors"][0]["field"] == "province_id"
    users = {u["username"] for u in client.get("/api/v1/users", headers=admin).json()["items"]}
    assert users == {"root2", "boss2", "desk9"}


def test_the_audit_log_is_listed_and_verified_for_a_national_auditor_only(
    client: TestClient, uow: UnitOfWork, session_factory
) -> None:
    f.user(uow.session, username="root3")
    f.user(uow.session, username="aud1", role=Role.AUDITOR)
    f.user(uow.session, username="aud2", role=Role.AUDITOR,
           scope_level=ScopeLevel.PROVINCE, province_id=1)  # fmt: skip
    uow.commit()
    with session_factory() as s:
        assert s.scalar(select(func.count()).select_from(AuditEntry)) == 3  # a "create" a user
    national = f.token(client, "aud1")
    listed = client.get("/api/v1/audit", params={"entity": "user"}, headers=national).json()
    assert listed["total"] == 3
    assert [e["action"] for e in listed["items"]] == ["create"] * 3
    assert {e["after"]["username"] for e in listed["items"]} == {"root3", "aud1", "aud2"}
    verified = client.get("/api/v1/audit/verify", headers=national).json()
    assert verified == {"ok": True, "entries_checked": 3, "first_bad_seq": None, "reason": None}
    provincial = f.token(client, "aud2")
    assert client.get("/api/v1/audit", headers=provincial).status_code == 403
    assert client.get("/api/v1/audit/verify", headers=provincial).status_code == 403
