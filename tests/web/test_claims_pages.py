"""The claims screens through the TestClient, on both databases: list, claim, review queue,
payment runs and aging, each within the signed-in user's role and scope."""

from __future__ import annotations

import datetime as dt
import html
import json
import re
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from darman.claims import payment, review, rules, service
from darman.claims.models import Claim, ClaimLine, Payment, PaymentRun
from darman.claims.schemas import ClaimIn
from darman.common.errors import InvalidInput
from darman.common.money import format_rials
from darman.common.persian import format_number, to_persian_digits
from darman.db.uow import UnitOfWork
from darman.referrals.reading import claims_register
from darman.registry.models import Facility, Insured, Province, Service
from darman.security import service as security
from darman.security.enums import Role, ScopeLevel
from darman.synth import service as synth
from darman.web.claims_views import BUDGET_FA, parse_rials, reason_labels
from darman.web.rendering import fa_datetime
from tests import factories as f
from tests.integration.claims.conftest import claim, tariff

ABOVE_TARIFF = 10_000  # rials asked above the tariff on line 2: a D01 deduction


def seed_world(session_factory: sessionmaker[Session]) -> dict[str, Any]:
    """A tiny seeded country; a provider at a contracted hospital and one at a contracted centre
    of another province; reviewers of both provinces, a national finance officer and an admin."""
    with UnitOfWork(session_factory) as uow:
        s = uow.session
        synth.seed(s, scale=0.0002, seed=9)
        f.lasting_filing_deadline(s)
        hospital = s.scalar(
            select(Facility)
            .where(
                Facility.ownership == "contracted", Facility.kind == "hospital", Facility.level == 2
            )
            .order_by(Facility.id)
        )
        other = s.scalar(
            select(Facility)
            .where(
                Facility.ownership == "contracted",
                Facility.level == 2,
                Facility.province_id != hospital.province_id,
            )
            .order_by(Facility.id)
        )
        person = s.scalar(select(Insured).order_by(Insured.id))
        province = s.get(Province, hospital.province_id)
        users = {
            "boss": {},
            "desk": {
                "role": Role.PROVIDER_USER,
                "scope_level": ScopeLevel.FACILITY,
                "facility_id": hospital.id,
            },
            "desk2": {
                "role": Role.PROVIDER_USER,
                "scope_level": ScopeLevel.FACILITY,
                "facility_id": other.id,
            },
            "rev": {
                "role": Role.CLAIMS_REVIEWER,
                "scope_level": ScopeLevel.PROVINCE,
                "province_id": hospital.province_id,
            },
            "rev2": {
                "role": Role.CLAIMS_REVIEWER,
                "scope_level": ScopeLevel.PROVINCE,
                "province_id": other.province_id,
            },
            "fin": {"role": Role.FINANCE_OFFICER, "full_name": "مریم مالی"},
        }
        for name, fields in users.items():
            f.user(s, username=name, **fields)
        uow.commit()
        return {
            "hospital": hospital.code,
            "hospital_id": hospital.id,
            "hospital_name": hospital.name,
            "province_name": province.name_fa if province else "",
            "other": other.code,
            "nid": person.national_id,
        }


def submit(session_factory: sessionmaker[Session], username: str, body: dict[str, Any]) -> int:
    """Submit through the claims service as the named user; the stored claim's id."""
    with UnitOfWork(session_factory) as uow:
        who = security.principal_of(security.get_user(uow.session, username=username))
        stored = service.submit(uow.session, who, claim=ClaimIn(**body))
        uow.commit()
    assert stored.claim_id is not None
    return stored.claim_id


def two_line_claim(world: dict[str, Any], doc: str, day: str = "1405/07/01") -> dict[str, Any]:
    """A specialist visit at the tariff and a blood count asked above the tariff."""
    body = claim(world, doc)
    body["lines"][0]["service_date"] = day
    body["lines"].append(
        {
            "item_type": "service",
            "code": "200101",
            "service_date": day,
            "quantity": 1,
            "unit_price_rials": tariff("200101") + ABOVE_TARIFF,
        }
    )
    return body


def adjudicate(session_factory: sessionmaker[Session], *, review_percent: int) -> None:
    """Adjudicate what is pending, then send ``review_percent`` of it to review."""
    with UnitOfWork(session_factory) as uow:
        service.adjudicate_pending(uow.session, referrals=claims_register(), actor="test")
        policy = review.ReviewPolicy(sample_percent=review_percent)
        review.select_for_review(uow.session, actor="test", policy=policy)
        uow.commit()


def login(client: TestClient, username: str) -> None:
    client.cookies.clear()
    resp = client.post(
        "/login", data={"username": username, "password": f.PASSWORD}, follow_redirects=False
    )
    assert resp.status_code == 303, resp.text


def chart_of(page: str) -> dict[str, Any]:
    raw = re.search(r"data-chart='([^']*)'", page)
    assert raw is not None, "no chart data on the page"
    return dict(json.loads(html.unescape(raw.group(1))))


def fa(value: int | str) -> str:
    return to_persian_digits(value)


def _text(page: str) -> str:
    return html.unescape(re.sub(r"\s+", " ", page))


# ------------------------------------------------------------------- claims
def test_a_provider_sees_only_its_own_facilitys_claims_with_persian_statuses_and_rials(
    client: TestClient, session_factory: sessionmaker[Session]
) -> None:
    world = seed_world(session_factory)
    mine = submit(session_factory, "desk", two_line_claim(world, "5001"))
    theirs = submit(session_factory, "boss", claim(world, "5002", facility_code=world["other"]))
    adjudicate(session_factory, review_percent=0)
    login(client, "desk")
    page = client.get("/claims")
    assert page.status_code == 200
    text = _text(page.text)
    assert f'href="/claims/{mine}"' in page.text and f"/claims/{theirs}" not in page.text
    assert fa("5001") in text and fa("5002") not in text
    assert 'data-status="approved">تأییدشده</span>' in page.text
    with session_factory() as s:
        c = s.get(Claim, mine)
        assert c is not None
        assert format_rials(c.asked_rials) in text and format_rials(c.insurer_rials) in text
    assert re.search(r"۱۴۰[۵-۹]/[۰-۹]{2}/[۰-۹]{2}", text)  # the Jalali submission date

    none_paid = _text(client.get("/claims?status=paid").text)
    assert fa("5001") not in none_paid and "سندی مطابق این جستجو در محدوده‌ی شما نیست" in none_paid
    fragment = client.get(
        "/claims?status=approved", headers={"HX-Request": "true", "HX-Target": "claims-table"}
    )
    assert fragment.text.lstrip().startswith('<div id="claims-table"')
    assert fa("5001") in fragment.text and "<html" not in fragment.text

    other = client.get(f"/claims/{theirs}")
    assert other.status_code == 404 and "یافت نشد" in other.text
    assert other.headers["content-type"].startswith("text/html")
    assert client.get("/claims/not-a-number").status_code == 404


def test_a_claim_page_explains_every_deduction_in_persian_and_shows_its_totals(
    client: TestClient, session_factory: sessionmaker[Session]
) -> None:
    world = seed_world(session_factory)
    cid = submit(session_factory, "desk", two_line_claim(world, "5101"))
    adjudicate(session_factory, review_percent=0)
    login(client, "desk")
    page = client.get(f"/claims/{cid}")
    assert page.status_code == 200
    text = _text(page.text)
    with session_factory() as s:
        c = s.get(Claim, cid)
        assert c is not None and c.deducted_rials == ABOVE_TARIFF
        for amount in (c.asked_rials, c.allowed_rials, c.copay_rials, c.insurer_rials):
            assert format_rials(amount) in text
        line = s.scalar(select(ClaimLine).where(ClaimLine.claim_id == cid, ClaimLine.line_no == 2))
        assert line is not None and line.reasons == "D01" and line.outcome == "partial"
    assert 'data-code="D01"' in page.text and rules.REASON_BY_CODE["D01"].label_fa in text
    assert "پذیرفته با کسر" in text and "پذیرفته" in text
    assert format_rials(ABOVE_TARIFF) in text  # the deducted total


# ------------------------------------------------------------------- review
def test_the_review_queue_is_the_reviewers_province_and_another_province_sees_it_empty(
    client: TestClient, session_factory: sessionmaker[Session]
) -> None:
    world = seed_world(session_factory)
    cid = submit(session_factory, "desk", two_line_claim(world, "5201"))
    adjudicate(session_factory, review_percent=100)
    login(client, "rev")
    page = _text(client.get("/claims/review").text)
    assert f'id="review-claim-{cid}"' in page and "نمونه‌ی تصادفی" in page
    assert "پایان بررسی این سند" in page
    login(client, "rev2")
    empty = _text(client.get("/claims/review").text)
    assert "صف رسیدگی شما خالی است" in empty and "review-claim-" not in empty
    refused = client.post(
        f"/claims/review/{cid}/lines/1",
        data={"action": "reject", "reason": "x"},
        headers={"HX-Request": "true"},
    )
    assert "این سند یا ردیف در محدوده‌ی رسیدگی شما نیست" in refused.text
    login(client, "desk")
    forbidden = client.get("/claims/review")
    assert forbidden.status_code == 403 and "دسترسی مجاز نیست" in forbidden.text
    with session_factory() as s:
        assert s.scalar(select(Claim.status).where(Claim.id == cid)) == "in_review"


def test_a_reviewer_cuts_a_line_with_a_reason_and_finishing_approves_the_claim(
    client: TestClient, session_factory: sessionmaker[Session]
) -> None:
    world = seed_world(session_factory)
    cid = submit(session_factory, "desk", two_line_claim(world, "5301"))
    adjudicate(session_factory, review_percent=100)
    login(client, "rev")
    hx = {"HX-Request": "true"}
    url = f"/claims/review/{cid}/lines/1"
    no_reason = client.post(url, data={"action": "cut", "allowed_rials": "1000000"}, headers=hx)
    assert no_reason.status_code == 200 and "دلیل تصمیم را بنویسید" in no_reason.text
    assert no_reason.text.lstrip().startswith('<div id="review-queue"')
    too_much = client.post(
        url, data={"action": "cut", "allowed_rials": "999999999999", "reason": "x"}, headers=hx
    )
    assert "مبلغ مجاز جدید را به ریال" in too_much.text
    cut = client.post(
        url,
        data={"action": "cut", "allowed_rials": "۱٬۰۰۰٬۰۰۰", "reason": "مستندات ناقص"},
        headers=hx,
    )
    assert "ردیف ۱ کسر شد" in cut.text
    approve = client.post(f"/claims/review/{cid}/lines/2", data={"action": "approve"}, headers=hx)
    assert "ردیف ۲ تأیید شد" in approve.text
    done = client.post(f"/claims/review/{cid}/finish", headers=hx)
    assert 'data-status="approved"' in done.text and "تأییدشده" in done.text
    assert f'id="review-claim-{cid}"' not in done.text and "صف رسیدگی شما خالی است" in done.text
    with session_factory() as s:
        c = s.get(Claim, cid)
        assert c is not None and c.status == "approved"
        first = s.scalar(select(ClaimLine).where(ClaimLine.claim_id == cid, ClaimLine.line_no == 1))
        assert first is not None and first.allowed_rials == 1_000_000
    login(client, "desk")
    text = _text(client.get(f"/claims/{cid}").text)
    assert reason_labels(["V01"])[0]["label"] in text and "«مستندات ناقص»" in text
    again = client.post(f"/claims/review/{cid}/finish")  # a provider may not review
    assert again.status_code == 403


# ------------------------------------------------------------------ payments
def test_a_replayed_payment_run_is_dated_the_day_it_paid_not_the_day_it_was_loaded(
    client: TestClient, session_factory: sessionmaker[Session]
) -> None:
    world = seed_world(session_factory)
    submit(session_factory, "desk", claim(world, "5501"))
    adjudicate(session_factory, review_percent=0)
    # the demo replays last year's monthly runs: 26 Farvardin 1405, 12:00 UTC (15:30 Tehran)
    paid_on = dt.datetime(2026, 4, 15, 12, 0, tzinfo=dt.UTC)
    with UnitOfWork(session_factory) as uow:
        fin = security.principal_of(security.get_user(uow.session, username="fin"))
        result = payment.pay(
            uow.session, fin, run_key="history-01",
            budget_rials=10**12, paid_at=paid_on,
        )  # fmt: skip
        uow.commit()
    assert result.claims_paid == 1
    with session_factory() as s:
        run = s.get(PaymentRun, result.run_id)
        assert run is not None and run.created_at.replace(tzinfo=dt.UTC) == paid_on
        paid_at = s.scalar(select(Claim.paid_at).where(Claim.document_number == "5501"))
        assert paid_at is not None and paid_at.replace(tzinfo=dt.UTC) == paid_on
    login(client, "fin")
    listed = _text(client.get("/claims/payments").text)
    recent = listed[listed.index('id="recent-runs"') :]
    assert "۱۴۰۵/۰۱/۲۶ ۱۵:۳۰" in recent
    assert fa_datetime(dt.datetime.now(dt.UTC))[:10] not in recent  # not the loading day


def test_a_finance_officer_runs_a_payment_and_a_repeated_form_pays_nothing(
    client: TestClient, session_factory: sessionmaker[Session]
) -> None:
    world = seed_world(session_factory)
    for doc, day in (("5401", "1405/07/01"), ("5402", "1405/07/02")):
        body = claim(world, doc)
        body["lines"][0]["service_date"] = day
        submit(session_factory, "desk", body)
    adjudicate(session_factory, review_percent=0)
    login(client, "fin")
    form = client.get("/claims/payments")
    assert form.status_code == 200 and 'name="budget"' in form.text
    key = re.search(r'name="run_key" value="([0-9a-f]{32})"', form.text)
    assert key is not None
    assert key.group(1) not in client.get("/claims/payments").text  # a new key per render
    bad = client.post("/claims/payments", data={"budget": "دو میلیون", "run_key": key.group(1)})
    assert bad.status_code == 422 and BUDGET_FA in html.unescape(bad.text)
    data = {"budget": "۱۰۰٬۰۰۰٬۰۰۰٬۰۰۰", "run_key": key.group(1), "province_id": ""}
    paid = client.post("/claims/payments", data=data)
    assert paid.status_code == 200
    text = _text(paid.text)
    assert 'data-field="claims_paid">۲<' in paid.text and "تراز است" in text
    # the budget was far larger than the two claims: the page says why the rest is unspent
    assert 'id="payment-why" data-why="queue_empty"' in paid.text
    assert "سند تأییدشده‌ی دیگری در این گستره نمانده است" in text
    with session_factory() as s:
        run = s.scalar(select(PaymentRun))
        assert run is not None and run.claims_paid == 2
        assert format_rials(run.paid_rials) in text
    assert f"/api/v1/claims/payment-runs/{run.id}/remittance?format=csv" in paid.text
    assert f"/api/v1/claims/payment-runs/{run.id}/remittance?format=xlsx" in paid.text
    again = client.post("/claims/payments", data=data, headers={"HX-Request": "true"})
    assert "پرداخت دوباره انجام نشد" in again.text and 'id="payment-panel"' in again.text
    with session_factory() as s:
        assert s.scalar(select(func.count()).select_from(PaymentRun)) == 1
        assert s.scalar(select(func.count()).select_from(Payment)) == 2
    csv = client.get(f"/api/v1/claims/payment-runs/{run.id}/remittance?format=csv")
    assert csv.status_code == 200 and csv.text.count("\n") == 3  # header and two claims
    # the run is listed on the page afterwards, with its remittance links
    listed = client.get("/claims/payments").text
    recent = listed[listed.index('id="recent-runs"') :]
    assert f"/api/v1/claims/payment-runs/{run.id}/remittance?format=xlsx" in recent
    assert format_rials(run.paid_rials) in html.unescape(recent)


def test_a_user_outside_finance_cannot_open_or_run_payments(
    client: TestClient, session_factory: sessionmaker[Session]
) -> None:
    world = seed_world(session_factory)
    submit(session_factory, "desk", claim(world, "5501"))
    adjudicate(session_factory, review_percent=0)
    for username in ("desk", "rev"):
        login(client, username)
        assert client.get("/claims/payments").status_code == 403
        run = client.post("/claims/payments", data={"budget": "10000000000", "run_key": "k1"})
        assert run.status_code == 403 and "دسترسی مجاز نیست" in run.text
        home = client.get("/").text
        assert "/claims/payments" not in home
    with session_factory() as s:
        assert s.scalar(select(func.count()).select_from(PaymentRun)) == 0
        assert s.scalar(select(Claim.status)) == "approved"


def test_budgets_accept_persian_digits_and_thousands_separators() -> None:
    assert parse_rials("۵۰۰٬۰۰۰٬۰۰۰", field="b") == 500_000_000
    assert parse_rials(" 1,250,000 ", field="b") == 1_250_000
    assert parse_rials("٣٠٠ ٠٠٠", field="b") == 300_000
    for wrong in ("", "12.5", "-3", "۱۲a", "9" * 20):
        with pytest.raises(InvalidInput):
            parse_rials(wrong, field="b")


# --------------------------------------------------------------------- aging
def test_the_aging_page_shows_unpaid_amounts_by_age_and_embeds_the_chart_data(
    client: TestClient, session_factory: sessionmaker[Session]
) -> None:
    world = seed_world(session_factory)
    cid = submit(session_factory, "desk", claim(world, "5601"))
    submit(session_factory, "boss", claim(world, "5602", facility_code=world["other"]))
    adjudicate(session_factory, review_percent=0)
    login(client, "boss")
    page = client.get("/claims/aging")
    assert page.status_code == 200
    chart = chart_of(page.text)
    assert world["province_name"] in chart["labels"] and len(chart["labels"]) == 2
    assert chart["buckets"][0]["label"] == "کمتر از ۱ ماه"
    with session_factory() as s:
        insurer = s.scalar(select(Claim.insurer_rials).where(Claim.id == cid))
        assert insurer is not None
    row = chart["labels"].index(world["province_name"])
    assert chart["buckets"][0]["values"][row] == insurer  # rials, fresh claim
    assert f'data-bucket="<1">{format_number(insurer)}</td>' in _text(page.text)
    assert '<script src="/static/js/claims-aging.js" defer></script>' in page.text
    # the province map: the province's unpaid rials on its tile, as in the chart
    assert page.text.count('<li class="pmap-tile') == 31
    total = sum(b["values"][row] for b in chart["buckets"])
    assert f'title="{world["province_name"]}: {format_number(total)}"' in page.text

    login(client, "desk")
    mine = client.get("/claims/aging")
    assert chart_of(mine.text)["labels"] == [to_persian_digits(world["hospital_name"])]
    assert "pmap-tile" not in mine.text  # a facility's aging is by facility, not province


def test_the_top_bar_and_home_cards_follow_the_role(
    client: TestClient, session_factory: sessionmaker[Session]
) -> None:
    seed_world(session_factory)
    expected = {
        "desk": {"/claims", "/claims/upload", "/claims/remittances"},
        "rev": {"/claims", "/claims/review", "/claims/policy"},
        "fin": {"/claims", "/claims/payments", "/claims/aging", "/claims/policy"},
        "boss": {
            "/claims",
            "/claims/review",
            "/claims/payments",
            "/claims/aging",
            "/claims/policy",
        },
    }
    for username, links in expected.items():
        login(client, username)
        home = client.get("/").text
        nav = set(re.findall(r'<a href="(/claims[^"]*)" data-nav=', home))
        cards = set(re.findall(r'<a href="(/claims[^"]*)" data-card=', home))
        assert nav == links == cards, username


def test_the_review_queue_names_each_service_beside_its_code_and_shows_rials(
    client: TestClient, session_factory: sessionmaker[Session]
) -> None:
    world = seed_world(session_factory)
    cid = submit(session_factory, "desk", two_line_claim(world, "5251"))
    adjudicate(session_factory, review_percent=100)
    with session_factory() as s:
        names = dict(
            s.execute(
                select(Service.code, Service.name_fa).where(Service.code.in_(["100102", "200101"]))
            ).all()
        )
        lines = {
            ln.line_no: ln for ln in s.scalars(select(ClaimLine).where(ClaimLine.claim_id == cid))
        }
        asked = s.scalar(select(Claim.asked_rials).where(Claim.id == cid))
    assert set(names) == {"100102", "200101"} and asked is not None
    login(client, "rev")
    page = client.get("/claims/review").text
    card = page[page.index(f'id="review-claim-{cid}"') :]
    for line_no, code in ((1, "100102"), (2, "200101")):
        row = re.search(rf'<tr data-line="{line_no}">(.*?)</tr>', card, re.S)
        assert row is not None
        cells = html.unescape(row.group(1))
        assert to_persian_digits(names[code]) in cells and fa(code) in cells
        # one unit throughout: the line's asked and allowed amounts in rials
        ln = lines[line_no]
        assert f'data-amount="asked">{format_number(ln.asked_rials)}<' in cells
        assert f'data-amount="allowed">{format_number(ln.allowed_rials)}<' in cells
    assert lines[2].asked_rials == tariff("200101") + ABOVE_TARIFF
    head = html.unescape(card[: card.index("<table")])
    assert f'data-total="asked">{format_number(asked)} ریال<' in head
    assert "تومان" not in html.unescape(page[page.index('id="review-queue"') :])
