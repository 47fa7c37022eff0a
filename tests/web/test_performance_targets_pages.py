"""The targets and weights form through the TestClient on both databases: national staff
set a province's target and the ranking weights in Persian digits, each change is audited
once and shown in the dated history, bad fields are named in Persian and change nothing,
and a provincial manager reads their own province's targets without the forms."""

from __future__ import annotations

import html
import re

from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from darman.audit.models import AuditEntry
from darman.db.uow import UnitOfWork
from darman.performance import service
from darman.performance.definitions import shipped
from darman.security.principal import SYSTEM
from tests.web.test_claims_pages import login
from tests.web.test_performance_pages import PERIOD, make_world


def _audited(session_factory: sessionmaker[Session], action: str) -> int:
    with session_factory() as s:
        return int(s.scalar(select(func.count()).where(AuditEntry.action == action)) or 0)


def _history(page: str) -> list[str]:
    body = page.split('id="history-table"')[1].split("</table>")[0]
    rows = re.findall(r"<tr data-kind=.*?</tr>", body, re.S)
    return [re.sub(r"\s+", " ", html.unescape(re.sub(r"<[^>]+>", " ", r))).strip() for r in rows]


def _shown_weights(page: str) -> dict[str, str]:
    return dict(re.findall(r'name="(weight-[a-z0-9_]+)"[^>]*?value="([^"]*)"', page, re.S))


def test_a_target_set_on_the_form_is_audited_once_and_shown_in_the_history(
    client: TestClient, session_factory: sessionmaker[Session]
) -> None:
    make_world(session_factory)  # Qom's delay target for 1405/07 is 90 days
    login(client, "hq")
    assert 'href="/performance/targets"' in client.get("/").text
    page = client.get("/performance/targets", params={"period": PERIOD})
    assert page.status_code == 200 and 'id="target-form"' in page.text
    assert _history(page.text)[0].endswith("نخستین بار ۹۰٫۰۰ system")
    before = _audited(session_factory, "performance.target.set")
    form = {"indicator": "payment_delay_days", "province_code": "19", "period": "۱۴۰۵/۰۷",
            "value": "۸۰"}  # fmt: skip
    done = client.post("/performance/targets", data=form, follow_redirects=False)
    assert done.status_code == 303
    assert done.headers["location"] == f"/performance/targets?period={PERIOD}&saved=target"
    again = client.post("/performance/targets", data=form, follow_redirects=False)
    assert again.status_code == 303  # the same value again: nothing more recorded
    assert _audited(session_factory, "performance.target.set") == before + 1
    page = client.get(done.headers["location"])
    assert "هدف ثبت شد." in page.text
    row = re.search(r'<tr data-province="19" data-indicator="payment_delay_days">.*?</tr>',
                    page.text)  # fmt: skip
    assert row and "۸۰٫۰" in row.group(0) and "hq" in row.group(0)
    latest = _history(page.text)[0]
    assert "هدف" in latest and "قم · ۱۴۰۵/۰۷" in latest
    assert latest.endswith("۹۰٫۰۰ ۸۰٫۰۰ hq")
    with UnitOfWork(session_factory) as uow:
        got = service.list_targets(uow.session, SYSTEM, period=PERIOD)
    assert [(t.province_code, t.value) for t in got] == [("19", 80.0)]


def test_bad_target_fields_are_named_in_persian_and_nothing_is_stored(
    client: TestClient, session_factory: sessionmaker[Session]
) -> None:
    make_world(session_factory)
    login(client, "hq")
    before = _audited(session_factory, "performance.target.set")
    bad = {"indicator": "no_such", "province_code": "99", "period": "1405-07", "value": "abc"}
    page = client.post("/performance/targets", data=bad)
    assert page.status_code == 422
    errors = page.text.split('id="targets-errors"')[1].split("</div>")[0]
    for reason in ("شاخص: یکی از شاخص‌های فهرست", "استان: یکی از استان‌های فهرست",
                   "دوره: به شکل ۱۴۰۵/۰۷", "مقدار هدف: یک عدد بنویسید"):  # fmt: skip
        assert reason in errors
    assert 'value="abc"' in page.text  # what was typed stays to be corrected
    assert _audited(session_factory, "performance.target.set") == before


def test_weights_are_set_together_and_a_bad_one_changes_none(
    client: TestClient, session_factory: sessionmaker[Session]
) -> None:
    make_world(session_factory)
    login(client, "hq")
    shown = _shown_weights(client.get("/performance/targets").text)
    assert shown["weight-payment_delay_days"] == "۲"  # the file's default, in Persian
    assert shown["weight-days_of_stock"] == "۰٫۵"
    # one weight per shipped indicator (the elderly's screening coverage among them, at 0)
    assert len(shown) == len(shipped().indicators)
    assert shown["weight-elderly_bp_screening"] == "۰"
    bad = {**shown, "weight-payment_delay_days": "۳", "weight-stockout_rate": "۱۵۰"}
    page = client.post("/performance/weights", data=bad)
    assert page.status_code == 422
    assert "وزن «نرخ کمبود اقلام حیاتی»: عددی از ۰ تا ۱۰۰ بنویسید." in page.text
    assert 'aria-invalid="true" aria-describedby="weight-stockout_rate-error"' in page.text
    assert _audited(session_factory, "performance.weight.set") == 0
    good = {**shown, "weight-payment_delay_days": "۳٫۵"}
    done = client.post("/performance/weights", data=good, follow_redirects=False)
    assert done.status_code == 303
    # the form posts all fifteen; only the weight that changed is recorded
    assert _audited(session_factory, "performance.weight.set") == 1
    with UnitOfWork(session_factory) as uow:
        assert service.weights(uow.session)["payment_delay_days"] == 3.5
        assert service.weights(uow.session)["stockout_rate"] == 1.5
    page = client.get(done.headers["location"])
    assert "وزن‌ها ثبت شد." in page.text
    assert _history(page.text)[0].endswith("۲٫۰۰ ۳٫۵۰ hq")
    zero = {k: "0" for k in shown}
    page = client.post("/performance/weights", data=zero)
    assert page.status_code == 422 and "دست‌کم یک شاخص باید وزنی بیش از صفر" in page.text


def test_a_province_director_reads_their_targets_without_the_forms(
    client: TestClient, session_factory: sessionmaker[Session]
) -> None:
    make_world(session_factory)
    with UnitOfWork(session_factory) as uow:
        service.set_target(uow.session, SYSTEM, indicator="stockout_rate", province_code="08",
                           period=PERIOD, value=2)  # fmt: skip
        uow.commit()
    login(client, "qm")
    assert 'href="/performance/targets"' not in client.get("/").text
    page = client.get("/performance/targets", params={"period": PERIOD})
    assert page.status_code == 200
    assert 'id="target-form"' not in page.text and 'name="weight-' not in page.text
    assert re.findall(r'<tr data-province="(\d\d)"', page.text) == ["19"]
    assert len(_history(page.text)) == 1  # Qom's target, not Tehran's
    refused = client.post("/performance/targets", data={"indicator": "stockout_rate",
                          "province_code": "19", "period": PERIOD, "value": "1"})  # fmt: skip
    assert refused.status_code == 403
    login(client, "rev")
    assert client.get("/performance/targets").status_code == 403
