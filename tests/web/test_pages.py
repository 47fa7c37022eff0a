"""The Persian web shell through the TestClient: log-in, cookies, redirects, scope, fragments."""

from __future__ import annotations

import re

from fastapi.testclient import TestClient
from sqlalchemy.orm import Session, sessionmaker

from darman.db.uow import UnitOfWork
from darman.security.deps import TOKEN_COOKIE
from darman.security.enums import Role, ScopeLevel
from darman.security.models import User
from darman.web.views import WRONG_CREDENTIALS_FA
from tests import factories as f

PERSIAN_DIGIT = re.compile(r"[۰-۹]")


def _login(client: TestClient, username: str, password: str = f.PASSWORD) -> None:
    resp = client.post(
        "/login", data={"username": username, "password": password}, follow_redirects=False
    )
    assert resp.status_code == 303, resp.text
    assert resp.headers["location"] == "/"


def _rows(html: str) -> list[str]:
    return re.findall(r'<tr data-province="(\d\d)">', html)


def test_a_right_password_sets_an_httponly_lax_cookie_and_redirects_home(
    client: TestClient, uow: UnitOfWork
) -> None:
    f.user(uow.session, username="sara", full_name="سارا احمدی")
    uow.commit()
    resp = client.post(
        "/login", data={"username": "sara", "password": f.PASSWORD}, follow_redirects=False
    )
    assert resp.status_code == 303
    assert resp.headers["location"] == "/"
    cookie = resp.headers["set-cookie"]
    assert cookie.startswith(f"{TOKEN_COOKIE}=")
    assert "HttpOnly" in cookie
    assert "SameSite=lax" in cookie or "SameSite=Lax" in cookie
    home = client.get("/")
    assert home.status_code == 200
    assert '<html lang="fa" dir="rtl">' in home.text
    assert "سارا احمدی" in home.text
    assert "مدیر سامانه" in home.text  # the Persian role label
    assert "سراسری" in home.text


def test_the_login_form_shows_to_a_visitor_and_sends_a_signed_in_user_on(
    client: TestClient, uow: UnitOfWork
) -> None:
    f.user(uow.session, username="already-in")
    uow.commit()
    form = client.get("/login?next=/claims", follow_redirects=False)
    assert form.status_code == 200 and 'name="password"' in form.text
    _login(client, "already-in")
    again = client.get("/login?next=/claims", follow_redirects=False)
    assert again.status_code == 303 and again.headers["location"] == "/claims"


def test_the_page_cookie_also_authenticates_the_api(client: TestClient, uow: UnitOfWork) -> None:
    f.user(uow.session, username="api-by-cookie")
    uow.commit()
    _login(client, "api-by-cookie")
    assert client.get("/api/v1/me").json()["username"] == "api-by-cookie"


def test_a_wrong_password_rerenders_the_form_with_a_persian_error_and_401(
    client: TestClient, uow: UnitOfWork
) -> None:
    f.user(uow.session, username="reza")
    uow.commit()
    resp = client.post("/login", data={"username": "reza", "password": "not-the-password"})
    assert resp.status_code == 401
    assert resp.headers["content-type"].startswith("text/html")
    assert WRONG_CREDENTIALS_FA in resp.text
    assert TOKEN_COOKIE not in resp.headers.get("set-cookie", "")
    assert 'value="reza"' in resp.text  # the username is kept, the password is not


def test_an_unknown_user_gets_the_same_message_as_a_wrong_password(client: TestClient) -> None:
    resp = client.post("/login", data={"username": "nobody", "password": "whatever-123"})
    assert resp.status_code == 401
    assert WRONG_CREDENTIALS_FA in resp.text


def test_five_failed_page_logins_lock_the_account_and_say_so_in_persian(
    client: TestClient, uow: UnitOfWork, session_factory: sessionmaker[Session]
) -> None:
    f.user(uow.session, username="clerk")
    uow.commit()
    for _ in range(4):
        resp = client.post("/login", data={"username": "clerk", "password": "wrong-pass"})
        assert resp.status_code == 401
        assert WRONG_CREDENTIALS_FA in resp.text
    resp = client.post("/login", data={"username": "clerk", "password": "wrong-pass"})
    assert resp.status_code == 401
    assert "قفل" in resp.text
    assert "۱۵ دقیقه" in resp.text
    # The lock was committed although every attempt failed: the right password is refused too.
    with session_factory() as s:
        assert s.query(User).filter_by(username="clerk").one().locked_until is not None
    resp = client.post("/login", data={"username": "clerk", "password": f.PASSWORD})
    assert resp.status_code == 401
    assert "قفل" in resp.text
    assert TOKEN_COOKIE not in resp.headers.get("set-cookie", "")


def test_pages_redirect_to_login_without_a_cookie_and_the_api_still_answers_problem_json(
    client: TestClient,
) -> None:
    home = client.get("/", follow_redirects=False)
    assert home.status_code == 303
    assert home.headers["location"] == "/login"
    page = client.get("/registry?sort=insured", follow_redirects=False)
    assert page.status_code == 303
    assert page.headers["location"] == "/login?next=%2Fregistry%3Fsort%3Dinsured"
    api = client.get("/api/v1/provinces/overview")
    assert api.status_code == 401
    assert api.headers["content-type"].startswith("application/problem+json")


def test_a_forged_cookie_is_dropped_and_leads_to_the_login_page(client: TestClient) -> None:
    client.cookies.set(TOKEN_COOKIE, "not-a-jwt")
    resp = client.get("/", follow_redirects=False)
    assert resp.status_code == 303
    assert resp.headers["location"] == "/login"
    assert f'{TOKEN_COOKIE}=""' in resp.headers["set-cookie"]


def test_after_logging_in_the_next_page_is_the_one_first_asked_for(
    client: TestClient, uow: UnitOfWork
) -> None:
    f.user(uow.session, username="back")
    uow.commit()
    form = client.get("/login?next=%2Fregistry")
    assert 'name="next" value="/registry"' in form.text
    resp = client.post(
        "/login",
        data={"username": "back", "password": f.PASSWORD, "next": "/registry"},
        follow_redirects=False,
    )
    assert resp.headers["location"] == "/registry"


def test_a_next_address_on_another_host_is_ignored(client: TestClient, uow: UnitOfWork) -> None:
    f.user(uow.session, username="phish")
    uow.commit()
    resp = client.post(
        "/login",
        data={"username": "phish", "password": f.PASSWORD, "next": "//evil.example/x"},
        follow_redirects=False,
    )
    assert resp.headers["location"] == "/"


def test_logging_out_clears_the_cookie(client: TestClient, uow: UnitOfWork) -> None:
    f.user(uow.session, username="leaver")
    uow.commit()
    _login(client, "leaver")
    resp = client.post("/logout", follow_redirects=False)
    assert resp.status_code == 303
    assert resp.headers["location"] == "/login"
    assert f'{TOKEN_COOKIE}=""' in resp.headers["set-cookie"]
    assert client.get("/", follow_redirects=False).status_code == 303


def test_a_national_user_sees_every_province_with_persian_digits_and_a_totals_row(
    client: TestClient, uow: UnitOfWork
) -> None:
    f.facility(uow.session, province_code="01", ownership="owned", beds_general=120, beds_icu=8)
    f.insured(uow.session, province_code="01")
    f.user(uow.session, username="analyst", role=Role.HQ_ANALYST)
    uow.commit()
    _login(client, "analyst")
    page = client.get("/registry")
    assert page.status_code == 200
    assert len(_rows(page.text)) == 31
    assert "جمع کل" in page.text
    assert "۱۲۸" in page.text  # 120 general + 8 ICU beds
    assert 'id="registry-chart"' in page.text
    assert 'id="registry-chart-data"' in page.text
    assert PERSIAN_DIGIT.search(page.text)
    assert "Content-Security-Policy" in page.headers


def test_a_province_manager_sees_only_the_row_of_their_province(
    client: TestClient, uow: UnitOfWork
) -> None:
    f.facility(uow.session, province_code="01", beds_general=40)
    f.facility(uow.session, province_code="24", beds_general=900)
    f.insured(uow.session, province_code="24")
    f.user(
        uow.session,
        username="boss",
        role=Role.PROVINCE_MANAGER,
        scope_level=ScopeLevel.PROVINCE,
        province_id=1,
    )
    uow.commit()
    _login(client, "boss")
    page = client.get("/registry")
    assert page.status_code == 200
    assert _rows(page.text) == ["01"]
    assert "۹۰۰" not in page.text  # the other province's beds leak nowhere, not even the chart
    fragment = client.get("/registry/table?sort=beds&dir=desc")
    assert _rows(fragment.text) == ["01"]
    home = client.get("/")
    assert "مدیر درمان استان" in home.text


def test_the_table_fragment_sorts_filters_and_keeps_the_address_bar_in_step(
    client: TestClient, uow: UnitOfWork
) -> None:
    f.facility(uow.session, province_code="24", beds_general=300)
    f.facility(uow.session, province_code="01", beds_general=100)
    f.user(uow.session, username="sorter", role=Role.HQ_ANALYST)
    uow.commit()
    _login(client, "sorter")
    resp = client.get("/registry/table?sort=beds&dir=desc", headers={"HX-Request": "true"})
    assert resp.status_code == 200
    assert "<html" not in resp.text  # a fragment, not a page
    assert _rows(resp.text)[:2] == ["24", "01"]
    assert resp.headers["HX-Replace-Url"] == "/registry?sort=beds&dir=desc"
    assert 'aria-sort="descending"' in resp.text
    filtered = client.get("/registry/table", params={"q": "قم"})
    assert len(_rows(filtered.text)) == 1
    assert "جمع استان‌های نمایش‌داده‌شده" in filtered.text
    none = client.get("/registry/table", params={"q": "زززز"})
    assert _rows(none.text) == []
    assert "یافت نشد" in none.text


def test_a_provider_user_home_shows_their_facility(client: TestClient, uow: UnitOfWork) -> None:
    mine = f.facility(uow.session, province_code="01", name="بیمارستان شفا", code="SH1")
    f.user(
        uow.session,
        username="desk",
        role=Role.PROVIDER_USER,
        scope_level=ScopeLevel.FACILITY,
        facility_id=mine.id,
    )
    uow.commit()
    _login(client, "desk")
    home = client.get("/")
    assert "کاربر مرکز درمانی" in home.text
    assert "بیمارستان شفا" in home.text
    assert 'id="card-facility"' in home.text
    assert 'id="card-users"' not in home.text


def test_the_eligibility_fragment_answers_in_persian_within_scope(
    client: TestClient, uow: UnitOfWork
) -> None:
    mine = f.facility(uow.session, province_code="01")
    here = f.insured(uow.session, province_code="01")
    f.coverage(uow.session, national_id=here.national_id)
    there = f.insured(uow.session, province_code="24")
    f.user(
        uow.session,
        username="front",
        role=Role.PROVIDER_USER,
        scope_level=ScopeLevel.FACILITY,
        facility_id=mine.id,
    )
    uow.commit()
    _login(client, "front")
    ok = client.get("/eligibility", params={"national_id": here.national_id})
    assert "پوشش بیمه‌ای دارد" in ok.text
    hidden = client.get("/eligibility", params={"national_id": there.national_id})
    assert "یافت نشد" in hidden.text
    bad = client.get("/eligibility", params={"national_id": "12345"})
    assert "معتبر نیست" in bad.text


def test_the_admin_home_lists_users_and_recent_audit_entries(
    client: TestClient, uow: UnitOfWork
) -> None:
    f.user(uow.session, username="root", full_name="مدیر اصلی")
    uow.commit()
    _login(client, "root")
    home = client.get("/")
    assert 'id="card-users"' in home.text
    assert 'id="card-audit"' in home.text
    assert PERSIAN_DIGIT.search(home.text)


def test_a_failed_page_login_of_a_locked_account_is_audited_once(
    client: TestClient, uow: UnitOfWork, session_factory: sessionmaker[Session]
) -> None:
    from darman.audit.models import AuditEntry

    f.user(uow.session, username="watched")
    uow.commit()
    for _ in range(6):
        client.post("/login", data={"username": "watched", "password": "wrong-pass"})
    with session_factory() as s:
        locks = s.query(AuditEntry).filter_by(entity="user", action="lock").count()
    assert locks == 1


def test_vendored_assets_are_served_from_this_origin(client: TestClient) -> None:
    for path in (
        "/static/vendor/htmx.min.js",
        "/static/vendor/chart.umd.min.js",
        "/static/vendor/vazirmatn/vazirmatn.css",
        "/static/vendor/vazirmatn/Vazirmatn-Regular.woff2",
        "/static/vendor/vazirmatn/Vazirmatn-Bold.woff2",
        "/static/css/darman.css",
        "/static/js/registry.js",
    ):
        assert client.get(path).status_code == 200, path
    login = client.get("/login")
    assert "http://" not in login.text.replace('xmlns="http://www.w3.org/2000/svg"', "")
    assert "https://" not in login.text


def test_an_htmx_request_without_a_log_in_makes_htmx_load_the_login_page(
    client: TestClient,
) -> None:
    resp = client.get(
        "/registry/table?sort=beds",
        headers={"HX-Request": "true", "HX-Current-URL": "http://testserver/registry?sort=beds"},
        follow_redirects=False,
    )
    assert resp.status_code == 401
    assert resp.headers["HX-Redirect"] == "/login?next=%2Fregistry%3Fsort%3Dbeds"


def test_a_refused_page_is_a_persian_html_error_with_the_same_status() -> None:
    from fastapi import APIRouter, FastAPI

    from darman.common import problems
    from darman.common.errors import PermissionDenied
    from darman.web.rendering import PageHeaders, answer_error, is_page

    router = APIRouter()

    @router.get("/secret")
    def secret() -> None:
        raise PermissionDenied("role 'physician' may not do this")

    @router.get("/broken")
    def broken() -> None:
        raise RuntimeError("boom")

    app = FastAPI()
    problems.install(app)
    problems.answer_errors_under(app, is_page, answer_error)
    app.add_middleware(PageHeaders)
    app.include_router(router)
    with TestClient(app, raise_server_exceptions=False) as c:
        refused = c.get("/secret")
        assert refused.status_code == 403
        assert refused.headers["content-type"].startswith("text/html")
        assert "دسترسی مجاز نیست" in refused.text
        assert "Content-Security-Policy" in refused.headers
        failed = c.get("/broken")
        assert failed.status_code == 500
        assert "خطای سامانه" in failed.text
        assert "boom" not in failed.text
