"""The administration pages through the TestClient, on both databases: users searched,
created with Persian errors naming the field, disabled and enabled; API keys created,
rotated, disabled and enabled; the audit log filtered and its chain verified; and every
other role refused with the Persian 403 page."""

from __future__ import annotations

import datetime as dt
import html
import re

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select, text
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session, sessionmaker

from darman.audit.models import AuditEntry
from darman.common.jalali import format_jalali, tehran_today
from darman.db.uow import UnitOfWork
from darman.registry.models import Province
from darman.security.enums import Role, ScopeLevel
from darman.security.models import ApiKey, User
from tests import factories as f
from tests.integration.audit.tampering import as_owner
from tests.web.test_claims_pages import login

SECRET = re.compile(r'id="new-key-secret" dir="ltr">(dk_[^<]+)</code>')


def make_world(session_factory: sessionmaker[Session]) -> dict[str, int]:
    """Two administrators (boss, deputy), an analyst, a national auditor and a facility."""
    with UnitOfWork(session_factory) as uow:
        s = uow.session
        f.user(s, username="boss", role=Role.ADMIN, full_name="مدیر نخست")
        f.user(s, username="deputy", role=Role.ADMIN)
        f.user(s, username="hq", role=Role.HQ_ANALYST)
        f.user(s, username="aud", role=Role.AUDITOR)
        facility = f.facility(s)
        qom = s.scalar(select(Province.id).where(Province.code == "19"))
        uow.commit()
        return {"facility": facility.id, "qom": int(qom or 0)}


def _text(page: str) -> str:
    return html.unescape(re.sub(r"\s+", " ", page))


def _entries(session_factory: sessionmaker[Session], **where: str) -> list[AuditEntry]:
    with session_factory() as s:
        query = select(AuditEntry).filter_by(**where).order_by(AuditEntry.seq)
        return list(s.scalars(query).all())


NEW_USER = {
    "username": "qom.manager",
    "full_name": "مدیر درمان قم",
    "password": "long-enough-1",
    "role": "province_manager",
    "scope_level": "province",
}


def test_an_admin_creates_a_user_and_each_wrong_field_is_named_in_persian(
    client: TestClient, session_factory: sessionmaker[Session]
) -> None:
    world = make_world(session_factory)
    login(client, "boss")
    assert client.get("/admin/users/new").status_code == 200
    bad = client.post(
        "/admin/users",
        data={**NEW_USER, "username": "قم مدیر", "password": "short", "province_id": ""},
    )
    assert bad.status_code == 422
    page = _text(bad.text)
    assert "«نام کاربری»: ۱ تا ۶۴ نویسه از حروف و رقم‌های لاتین" in page
    assert "«گذرواژه»: دست‌کم ۸ نویسه لازم است" in page
    assert "«استان»: گستره‌ی استانی استانِ موجودی می‌خواهد" in page
    assert 'value="قم مدیر"' in page and "short" not in page  # the password is not echoed
    wrong_scope = client.post(
        "/admin/users", data={**NEW_USER, "scope_level": "national", "province_id": "۹x"}
    )
    assert wrong_scope.status_code == 422
    assert "«شناسه‌ی مرکز درمانی»" not in _text(wrong_scope.text)
    assert "«استان»: «9x» عدد نیست" in _text(wrong_scope.text)

    made = client.post(
        "/admin/users",
        data={**NEW_USER, "province_id": to_fa(world["qom"])},  # Persian digits are read
        follow_redirects=False,
    )
    assert (
        made.status_code == 303
        and made.headers["location"] == "/admin/users/qom.manager?done=created"
    )
    detail = _text(client.get(made.headers["location"]).text)
    assert "کاربر ساخته شد." in detail
    assert "مدیر درمان استان" in detail and "قم" in detail and 'data-active="yes"' in detail
    [created] = _entries(session_factory, entity="user", action="create", actor="boss")
    assert created.after is not None and created.after["username"] == "qom.manager"
    assert "password_hash" not in created.after

    taken = client.post("/admin/users", data={**NEW_USER, "province_id": str(world["qom"])})
    assert taken.status_code == 409
    assert "نام کاربری «qom.manager» گرفته شده است" in _text(taken.text)
    wrong_role_scope = client.post(
        "/admin/users",
        data={**NEW_USER, "username": "x1", "role": "admin", "scope_level": "facility",
              "facility_id": str(world["facility"])},
    )  # fmt: skip
    assert wrong_role_scope.status_code == 422
    assert "«گستره»: نقش «مدیر سامانه» در گستره‌ی کشوری کار می‌کند" in _text(wrong_role_scope.text)


def to_fa(number: int) -> str:
    return str(number).translate(str.maketrans("0123456789", "۰۱۲۳۴۵۶۷۸۹"))


def test_users_are_searched_by_name_or_role_and_paged(
    client: TestClient, session_factory: sessionmaker[Session]
) -> None:
    make_world(session_factory)
    with UnitOfWork(session_factory) as uow:
        facility = f.facility(uow.session)
        for i in range(27):
            f.user(uow.session, username=f"desk{i:02d}", role=Role.PROVIDER_USER,
                   scope_level=ScopeLevel.FACILITY, facility_id=facility.id)  # fmt: skip
        uow.commit()
    login(client, "boss")
    everyone = client.get("/admin/users")
    assert 'data-total="31"' in everyone.text  # 4 of the world and 27 desks
    assert everyone.text.count("<tr data-username=") == 25
    second = client.get("/admin/users", params={"page": "2"})
    assert second.text.count("<tr data-username=") == 6
    assert 'data-username="hq"' in second.text  # username order: boss, deputy, desk00..26
    desks = client.get("/admin/users", params={"q": "DESK1", "role": "provider_user"})
    assert 'data-total="10"' in desks.text  # desk10..desk19, any case
    by_name = client.get("/admin/users", params={"q": "نخست"})
    assert 'data-total="1"' in by_name.text and 'data-username="boss"' in by_name.text
    admins = client.get("/admin/users", params={"role": "admin"})
    assert 'data-total="2"' in admins.text
    literal = client.get("/admin/users", params={"q": "%"})
    assert 'data-total="0"' in literal.text  # a wildcard typed is a character, not "all"


def test_disabling_and_enabling_a_user_is_audited_once_and_yourself_is_refused(
    client: TestClient, session_factory: sessionmaker[Session]
) -> None:
    make_world(session_factory)
    login(client, "boss")
    first = client.post("/admin/users/hq/disable", follow_redirects=False)
    assert first.status_code == 303 and first.headers["location"] == "/admin/users/hq?done=disabled"
    again = client.post("/admin/users/hq/disable")
    assert again.status_code == 200 and 'data-active="no"' in again.text
    assert len(_entries(session_factory, entity="user", action="disable")) == 1
    refused_login = client.post("/login", data={"username": "hq", "password": f.PASSWORD})
    assert refused_login.status_code == 401
    login(client, "boss")
    client.post("/admin/users/hq/enable")
    client.post("/admin/users/hq/enable")
    assert len(_entries(session_factory, entity="user", action="enable")) == 1
    with session_factory() as s:
        assert s.scalar(select(User.is_active).where(User.username == "hq")) is True
    own = client.post("/admin/users/boss/disable")
    assert own.status_code == 409
    assert "نمی‌توانید حساب کاربری خودتان را غیرفعال کنید" in _text(own.text)
    assert 'id="disable-user"' not in own.text  # no button to disable yourself
    missing = client.post("/admin/users/nobody/enable")
    assert missing.status_code == 404 and "کاربری با نام «nobody» نیست" in _text(missing.text)


def test_a_key_is_shown_once_and_rotating_disabling_and_enabling_it_take_effect(
    client: TestClient, session_factory: sessionmaker[Session]
) -> None:
    make_world(session_factory)
    login(client, "boss")
    made = client.post("/admin/users/hq/keys", data={"name": "سامانه‌ی آمار"})
    assert made.status_code == 201 and made.headers["cache-control"] == "no-store"
    found = SECRET.search(made.text)
    assert found is not None
    old = found.group(1)
    with session_factory() as s:
        key_id = s.scalar(select(ApiKey.id).where(ApiKey.name == "سامانه‌ی آمار"))
    assert old not in client.get("/admin/users/hq").text  # shown once, never again

    def me(key: str) -> int:
        return client.get("/api/v1/me", headers={"X-API-Key": key}).status_code

    assert me(old) == 200
    rotated = client.post(f"/admin/users/hq/keys/{key_id}/rotate")
    assert rotated.status_code == 200
    new_found = SECRET.search(rotated.text)
    assert new_found is not None
    new = new_found.group(1)
    assert new != old and me(old) == 401 and me(new) == 200

    client.post(f"/admin/users/hq/keys/{key_id}/disable")
    client.post(f"/admin/users/hq/keys/{key_id}/disable")
    assert me(new) == 401
    page = client.get("/admin/users/hq")
    assert f'data-key="{key_id}"' in page.text and 'data-active="no"' in page.text
    refused = client.post(f"/admin/users/hq/keys/{key_id}/rotate")
    assert refused.status_code == 409 and "نخست آن را فعال کنید" in _text(refused.text)
    client.post(f"/admin/users/hq/keys/{key_id}/enable")
    assert me(new) == 200
    actions = [e.action for e in _entries(session_factory, entity="api_key")]
    assert actions == ["create", "rotate", "disable", "enable"]
    [rotation] = _entries(session_factory, entity="api_key", action="rotate")
    assert rotation.before and rotation.after
    assert rotation.before["prefix"] == old.split("_")[1]
    assert rotation.after["prefix"] == new.split("_")[1]

    not_theirs = client.post(f"/admin/users/aud/keys/{key_id}/disable")
    assert not_theirs.status_code == 404
    empty_name = client.post("/admin/users/hq/keys", data={"name": "  "})
    assert empty_name.status_code == 422 and "نام کلید ۱ تا ۱۰۰ نویسه است" in _text(empty_name.text)


def test_the_audit_viewer_filters_by_actor_action_entity_and_jalali_days(
    client: TestClient, session_factory: sessionmaker[Session]
) -> None:
    make_world(session_factory)
    login(client, "boss")
    client.post("/admin/users/hq/disable")
    login(client, "deputy")
    client.post("/admin/users/hq/enable")
    client.post("/admin/users/aud/keys", data={"name": "گزارش‌گیر"})
    with session_factory() as s:
        everything = s.scalar(select(func.count()).select_from(AuditEntry))
    page = client.get("/admin/audit")
    assert f'data-total="{everything}"' in page.text

    by_boss = client.get("/admin/audit", params={"actor": "boss"})
    assert 'data-total="1"' in by_boss.text and 'data-action="disable"' in by_boss.text
    disabling = _text(by_boss.text)
    assert "غیرفعال‌سازی" in disabling and "کاربر" in disabling
    # the before/after table: Persian labels, yes/no, the changed field marked
    assert (
        '<tr data-field="is_active" class="changed"><th scope="row">فعال</th>'
        "<td>بله</td><td>خیر</td>" in by_boss.text
    )
    assert '<th scope="row">نقش</th><td>کارشناس ستاد</td>' in by_boss.text
    keys = client.get("/admin/audit", params={"entity": "api_key"})
    assert 'data-total="1"' in keys.text and "گزارش‌گیر" in keys.text
    enabled = client.get("/admin/audit", params={"action": "enable", "actor": "deputy"})
    assert 'data-total="1"' in enabled.text

    today = format_jalali(tehran_today())  # Persian digits, as people type them
    todays = client.get("/admin/audit", params={"since": today, "until": today})
    assert f'data-total="{everything}"' in todays.text
    yesterday = format_jalali(tehran_today() - dt.timedelta(days=1), persian_digits=False)
    earlier = client.get("/admin/audit", params={"until": yesterday})
    assert 'data-total="0"' in earlier.text
    bad = client.get("/admin/audit", params={"since": "1405/13/01"})
    assert bad.status_code == 422 and "«از تاریخ»" in _text(bad.text)
    backwards = client.get("/admin/audit", params={"since": today, "until": yesterday})
    assert backwards.status_code == 422 and "پس از «تا تاریخ» است" in _text(backwards.text)


def test_the_verification_page_says_how_far_the_chain_holds_and_where_it_breaks(
    client: TestClient, session_factory: sessionmaker[Session], engine: Engine
) -> None:
    make_world(session_factory)
    with session_factory() as s:
        entries = int(s.scalar(select(func.count()).select_from(AuditEntry)) or 0)
    login(client, "boss")
    ok = client.get("/admin/audit/verify")
    assert ok.status_code == 200
    assert f'data-ok="yes" data-entries="{entries}"' in ok.text
    with as_owner(engine) as conn:
        conn.execute(text("UPDATE audit_log SET actor = 'mallory' WHERE seq = 3"))
    broken = client.get("/admin/audit/verify")
    assert broken.status_code == 200
    assert 'data-ok="no" data-entries="2" data-broken="3" data-kind="altered"' in broken.text
    page = _text(broken.text)
    assert "زنجیره در ردیف ۳ شکسته است" in page and "رویدادهای ۱ تا ۲ درست‌اند" in page
    assert "مهر این ورودی با محتوایش نمی‌خواند" in page and "mallory" in page


@pytest.mark.parametrize("username", ["hq", "aud"])
def test_every_other_role_gets_the_persian_forbidden_page_and_no_admin_menu(
    client: TestClient, session_factory: sessionmaker[Session], username: str
) -> None:
    make_world(session_factory)
    login(client, "boss")
    assert 'data-nav="admin-users"' in client.get("/").text
    assert 'data-nav="admin-audit"' in client.get("/").text
    login(client, username)
    assert 'data-nav="admin-users"' not in client.get("/").text
    # the audit log is the national auditor's work too (test_the_national_auditor_...)
    audit_log = ("/admin/audit", "/admin/audit/verify") if username == "hq" else ()
    for path in ("/admin/users", "/admin/users/new", "/admin/users/boss", *audit_log):
        page = client.get(path)
        assert page.status_code == 403, path
        assert "دسترسی مجاز نیست" in page.text
    for path in ("/admin/users", "/admin/users/deputy/disable", "/admin/users/deputy/keys"):
        assert client.post(path, data={**NEW_USER, "name": "k"}).status_code == 403
    with session_factory() as s:
        assert s.scalar(select(func.count()).select_from(ApiKey)) == 0
        assert s.scalar(select(User.is_active).where(User.username == "deputy")) is True


def test_the_national_auditor_reaches_the_audit_log_from_its_menu_and_reads_it(
    client: TestClient, session_factory: sessionmaker[Session]
) -> None:
    world = make_world(session_factory)
    login(client, "boss")
    made = client.post("/admin/users", data={**NEW_USER, "province_id": str(world["qom"])})
    assert made.status_code in (200, 303)  # one audited change to read
    login(client, "aud")
    home = client.get("/").text
    assert 'data-nav="admin-audit"' in home and 'href="/admin/audit"' in home
    log = client.get("/admin/audit", params={"actor": "boss"})
    assert log.status_code == 200
    assert "qom.manager" in _text(log.text)
    verified = client.get("/admin/audit/verify")
    assert verified.status_code == 200 and "زنجیره" in _text(verified.text)


def test_a_provincial_auditor_has_no_audit_log_link_and_is_refused_it(
    client: TestClient, session_factory: sessionmaker[Session]
) -> None:
    world = make_world(session_factory)
    with UnitOfWork(session_factory) as uow:
        f.user(uow.session, username="qom.aud", role=Role.AUDITOR,
               scope_level=ScopeLevel.PROVINCE, province_id=world["qom"])  # fmt: skip
        uow.commit()
    login(client, "qom.aud")
    assert 'data-nav="admin-audit"' not in client.get("/").text
    assert client.get("/admin/audit").status_code == 403


def test_a_rater_account_shows_the_rater_record_it_is_linked_to(
    client: TestClient, session_factory: sessionmaker[Session]
) -> None:
    """In the users list and on the user's page: the linked rater's code for a rater
    account, a note while a rater account has none, and nothing for other roles."""
    from darman.appointments import service as appointments
    from darman.security.principal import SYSTEM

    make_world(session_factory)
    with UnitOfWork(session_factory) as uow:
        s = uow.session
        appointments.add_rater(s, SYSTEM, code="R-HQ-7", full_name="ارزیاب هفتم", unit_code="HQ")
        f.user(s, username="linked", role=Role.RATER, scope_level=ScopeLevel.OWN)
        f.user(s, username="waiting", role=Role.RATER, scope_level=ScopeLevel.OWN)
        appointments.link_user(s, SYSTEM, rater_code="R-HQ-7", username="linked")
        uow.commit()
    login(client, "boss")

    listed = _text(client.get("/admin/users").text)
    rows = dict(re.findall(r'<tr data-username="([^"]+)"[^>]*>(.*?)</tr>', listed))
    assert "R-HQ-7" in rows["linked"]
    assert "R-HQ-7" not in rows["waiting"] and "بی‌پیوند" in rows["waiting"]
    assert "بی‌پیوند" not in rows["hq"] and "R-HQ-7" not in rows["hq"]

    page = _text(client.get("/admin/users/linked").text)
    assert re.search(r'<dd id="linked-rater"><span dir="ltr">R-HQ-7</span></dd>', page)
    waiting = _text(client.get("/admin/users/waiting").text)
    assert "هنوز به ارزیابی پیوند نخورده است" in waiting
    assert 'id="linked-rater"' not in _text(client.get("/admin/users/hq").text)
