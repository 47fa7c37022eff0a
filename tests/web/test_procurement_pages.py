"""The strategic purchasing pages through the TestClient on both databases: quantification
per province and per facility with its Excel file, tenders in scope with the evaluation and
the award (once), the action plan's Gantt with overdue tasks, the stock-out dashboard, and
who may open what.

The world is built by hand rather than by the demo's loader: the loader writes two years of
stock for all 400 owned centres (about ten seconds a test), and a hand-made world lets the
tests name the item that is out of stock and the bids that must win."""

from __future__ import annotations

import datetime as dt
import html
import io
import json
import re
from dataclasses import dataclass
from typing import Any

from fastapi.testclient import TestClient
from openpyxl import load_workbook
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from darman.common.jalali import jalali_month, tehran_today
from darman.common.persian import to_persian_digits as fa
from darman.db.uow import UnitOfWork
from darman.procurement import award, quantify, service, tables
from darman.procurement.models import Award, Consumable, StockMonth, Supplier, SupplierItem
from darman.security.enums import Role, ScopeLevel
from darman.security.principal import SYSTEM, Principal
from darman.web import procurement_views
from tests import factories as f
from tests.web.test_claims_pages import login

TODAY = tehran_today()
LAST = quantify.month_before(jalali_month(TODAY))  # the last complete Jalali month
NATIONAL = "NT-T-01"
TEHRAN_TENDER = "PT-08-01"
PLAN = "SP-T"
VITAL, ESSENTIAL, OTHER = "MC9001", "MC9002", "MC9003"


@dataclass
class World:
    qom_a: Any  # Qom; its vital item is out of stock
    qom_b: Any
    tehran: Any  # its essential item is below the minimum


def _stock(s: Session, facility: Any, item: Consumable, closing: int, out_days: int = 0) -> None:
    """Three months of 100 issued a month; the last one ends at ``closing``."""
    for n in (2, 1, 0):
        last = n == 0
        s.add(
            StockMonth(
                facility_id=facility.id,
                item_id=item.id,
                month=quantify.month_before(LAST, n),
                opening=300,
                receipts=0,
                issues=100,
                losses=0,
                adjustments=0,
                closing=closing if last else 350,
                stockout_days=out_days if last else 0,
                on_order=0,
            )
        )


def make_world(session_factory: sessionmaker[Session]) -> World:
    with UnitOfWork(session_factory) as uow:
        s = uow.session
        qom_a = f.facility(s, province_code="19", ownership="owned", name="بیمارستان قم الف")
        qom_b = f.facility(s, province_code="19", ownership="owned", name="بیمارستان قم ب")
        tehran = f.facility(s, province_code="08", ownership="owned", name="بیمارستان تهران")
        items = {
            code: Consumable(
                code=code, name_fa=name, unit="عدد", category="injection", criticality=c
            )
            for code, name, c in (
                (VITAL, "سرنگ آزمون حیاتی", "vital"),
                (ESSENTIAL, "دستکش آزمون ضروری", "essential"),
                (OTHER, "گاز آزمون", "non_essential"),
            )
        }
        s.add_all(items.values())
        s.flush()
        for fac in (qom_a, qom_b, tehran):
            for code, item in items.items():
                closing = 350  # about 3.5 months: within every item's minimum and maximum
                if fac is qom_a and code == VITAL:
                    closing = 0
                if fac is tehran and code == ESSENTIAL:
                    closing = 50
                _stock(s, fac, item, closing, out_days=10 if closing == 0 else 0)
        kinds = (
            ("S901", "تولیدی آزمون", "manufacturer", True, 20),
            ("S902", "واردات آزمون", "importer", False, 30),
            ("S903", "واسطه‌ی آزمون", "intermediary", False, 25),
            ("S904", "توزیع کند آزمون", "distributor", False, 300),
        )
        suppliers = {}
        for code, name, kind, affiliated, lead in kinds:
            suppliers[code] = Supplier(
                code=code, name_fa=name, kind=kind, affiliated=affiliated, lead_time_days=lead
            )
        s.add_all(suppliers.values())
        s.flush()
        for sup in suppliers.values():
            for item in items.values():
                s.add(SupplierItem(supplier_id=sup.id, item_id=item.id, capacity_per_year=10**6))
        for code, province, wanted in (
            (NATIONAL, None, {VITAL: 1000, ESSENTIAL: 500}),
            (TEHRAN_TENDER, "08", {VITAL: 100}),
        ):
            service.create_tender(
                s,
                SYSTEM,
                code=code,
                title_fa=f"مناقصه‌ی آزمون {code}",
                province_code=province,
                period_start=TODAY,
                period_end=TODAY + dt.timedelta(days=180),
                need_by=TODAY + dt.timedelta(days=60),
                items=wanted,
                rules=award.Rules(),
            )
        bids = (  # supplier, item, price, capacity, quality
            ("S901", VITAL, 10_000, 800, 90),
            ("S902", VITAL, 11_000, 1000, 85),
            ("S903", VITAL, 10_500, 1000, 70),
            ("S904", VITAL, 8_000, 1000, 95),  # too slow for the need date
            ("S901", ESSENTIAL, 5_000, 300, 80),
            ("S903", ESSENTIAL, 4_800, 500, 60),
        )
        for sup, item, price, capacity, quality in bids:
            service.add_bid(
                s,
                SYSTEM,
                tender_code=NATIONAL,
                supplier_code=sup,
                item_code=item,
                unit_price_rials=price,
                lead_time_days=suppliers[sup].lead_time_days,
                capacity=capacity,
                quality=quality,
            )
        # started 8 days ago: T01-T05 are past due, T09 starts tomorrow
        service.seed_plan(s, SYSTEM, plan_code=PLAN, start=TODAY - dt.timedelta(days=8))
        f.user(s, username="boss", role=Role.ADMIN)
        f.user(s, username="hq", role=Role.HQ_ANALYST)
        f.user(
            s,
            username="qm",
            role=Role.PROVINCE_MANAGER,
            scope_level=ScopeLevel.PROVINCE,
            province_id=qom_a.province_id,
        )
        f.user(
            s,
            username="desk",
            role=Role.PROVIDER_USER,
            scope_level=ScopeLevel.FACILITY,
            facility_id=qom_a.id,
        )
        uow.commit()
    return World(qom_a, qom_b, tehran)


def hq() -> Principal:
    return Principal(
        user_id=0, username="hq", role=Role.HQ_ANALYST, scope_level=ScopeLevel.NATIONAL
    )


def rows_of(page: str, table: str) -> list[dict[str, str]]:
    """The data attributes of each body row of the table with id ``table``."""
    body = page.split(f'id="{table}"')[1].split("</table>")[0]
    return [
        dict(re.findall(r'data-([\w-]+)="([^"]*)"', tr)) for tr in re.findall(r"<tr [^>]*>", body)
    ]


def test_the_quantification_page_shows_the_services_rows_by_province_and_by_facility(
    client: TestClient, session_factory: sessionmaker[Session]
) -> None:
    w = make_world(session_factory)
    with UnitOfWork(session_factory) as uow:
        q = service.quantification(uow.session, hq())
        header, body = tables.quantification_table(uow.session, q, "province")
    login(client, "hq")
    page = client.get("/procurement/quantification")
    assert page.status_code == 200 and 'id="province-form"' in page.text
    shown = {
        (r["where"], r["item"]): int(r["order"]) for r in rows_of(page.text, "quantification-table")
    }
    expected = {(r[0], r[2]): r[10] for r in body}
    assert shown == expected and set(shown) >= {("19", VITAL), ("08", ESSENTIAL)}
    qom_vital = next(r for r in body if r[0] == "19" and r[2] == VITAL)
    assert qom_vital[10] > 0 and qom_vital[11] == 1  # one of Qom's two centres is out
    one = client.get("/procurement/quantification", params={"province": "19"})
    facility_rows = rows_of(one.text, "quantification-table")
    assert {r["where"] for r in facility_rows} == {w.qom_a.code, w.qom_b.code}
    out = [r for r in facility_rows if r["status"] == "out"]
    assert [(r["where"], r["item"]) for r in out] == [(w.qom_a.code, VITAL)]
    sheet = client.get("/procurement/quantification", params={"download": "xlsx"})
    got = list(load_workbook(io.BytesIO(sheet.content)).active.iter_rows(values_only=True))
    assert list(got[0]) == header and len(got) == len(body) + 1
    login(client, "qm")  # a province manager: their province's centres only, by facility
    mine = rows_of(client.get("/procurement/quantification").text, "quantification-table")
    assert {r["where"] for r in mine} == {w.qom_a.code, w.qom_b.code}
    tehran = client.get("/procurement/quantification", params={"province": "08"}).text
    assert w.tehran.code not in tehran  # the selector is ignored outside the scope
    login(client, "desk")  # a facility desk: its own centre
    desk = rows_of(client.get("/procurement/quantification").text, "quantification-table")
    assert {r["where"] for r in desk} == {w.qom_a.code}


def test_the_quantification_page_shows_one_page_of_rows_and_the_excel_file_all_of_them(
    client: TestClient, session_factory: sessionmaker[Session], monkeypatch: Any
) -> None:
    make_world(session_factory)
    with UnitOfWork(session_factory) as uow:
        q = service.quantification(uow.session, hq())
        _header, body = tables.quantification_table(uow.session, q, "province")
    # the hand-made world has a handful of rows; pages of two show the paging as a country's
    # 2,000 rows in pages of 50 would
    monkeypatch.setattr(procurement_views, "QUANTIFICATION_PAGE", 2)
    login(client, "hq")
    pages = -(-len(body) // 2)
    assert pages >= 2
    seen: list[tuple[str, str]] = []
    for number in range(1, pages + 1):
        page = client.get("/procurement/quantification", params={"page": str(number)})
        rows = rows_of(page.text, "quantification-table")
        assert len(rows) == (2 if number < pages else len(body) - 2 * (pages - 1))
        seen += [(r["where"], r["item"]) for r in rows]
        text = html.unescape(page.text)
        assert f"صفحه‌ی {fa(number)} از {fa(pages)}" in text
        assert f'id="quantification-matched">{fa(len(body))}<' in text
    assert seen == [(str(r[0]), str(r[2])) for r in body]  # every row once, in order
    # past the last page is the last page; a malformed page number a Persian 400
    last = client.get("/procurement/quantification", params={"page": "999"})
    assert f"صفحه‌ی {fa(pages)} از {fa(pages)}" in html.unescape(last.text)
    assert client.get("/procurement/quantification", params={"page": "x"}).status_code == 400
    # narrowed to one item by its code, or by part of its Persian name
    vital = rows_of(
        client.get("/procurement/quantification", params={"item": VITAL}).text,
        "quantification-table",
    )
    assert {r["item"] for r in vital} == {VITAL}
    assert len(vital) == sum(1 for r in body if r[2] == VITAL)
    name = str(next(r[3] for r in body if r[2] == VITAL))
    by_name = client.get("/procurement/quantification", params={"item": name[1:-1]}).text
    assert {r["item"] for r in rows_of(by_name, "quantification-table")} >= {VITAL}
    # the Excel file is every row of the scope, whatever the page shows
    sheet = client.get("/procurement/quantification", params={"download": "xlsx", "page": "2"})
    got = list(load_workbook(io.BytesIO(sheet.content)).active.iter_rows(values_only=True))
    assert len(got) == len(body) + 1


def test_a_province_manager_sees_national_tenders_but_not_another_provinces(
    client: TestClient, session_factory: sessionmaker[Session]
) -> None:
    make_world(session_factory)
    login(client, "qm")
    listed = {r["code"] for r in rows_of(client.get("/procurement/tenders").text, "tenders-table")}
    assert listed == {NATIONAL}
    assert client.get(f"/procurement/tenders/{TEHRAN_TENDER}").status_code == 404
    national = client.get(f"/procurement/tenders/{NATIONAL}")
    assert national.status_code == 200 and 'id="award-submit"' not in national.text
    assert client.post(f"/procurement/tenders/{NATIONAL}/award").status_code == 403
    login(client, "hq")
    listed = {r["code"] for r in rows_of(client.get("/procurement/tenders").text, "tenders-table")}
    assert listed == {NATIONAL, TEHRAN_TENDER}
    login(client, "desk")
    assert client.get("/procurement/tenders").status_code == 403
    assert client.get(f"/procurement/tenders/{NATIONAL}").status_code == 403
    assert client.get("/procurement/plan").status_code == 403
    home = client.get("/").text
    assert 'data-nav="procurement"' in home and 'data-card="procurement-stockouts"' in home
    assert 'data-card="procurement-tenders"' not in home


def test_the_evaluation_page_shows_the_totals_of_the_evaluation(
    client: TestClient, session_factory: sessionmaker[Session]
) -> None:
    make_world(session_factory)
    with UnitOfWork(session_factory) as uow:
        ev = service.evaluate(uow.session, hq(), code=NATIONAL)
        d = tables.evaluation_dict(ev)
        award_rows = tables.award_table(ev)
    login(client, "hq")
    page = client.get(f"/procurement/tenders/{NATIONAL}")
    assert page.status_code == 200 and 'id="award-submit"' in page.text

    def rials(key: str) -> str:
        found = re.search(rf'id="{key}" data-rials="([^"]*)"', page.text)
        assert found is not None
        return found.group(1)

    assert rials("award-cost") == str(d["cost_rials"])
    assert rials("saving-single") == str(d["saving_against_single_source_rials"])
    assert rials("saving-intermediaries") == str(d["saving_against_intermediaries_rials"])
    share = re.search(r'id="intermediary-share" data-share="([^"]+)"', page.text)
    assert share and float(share.group(1)) == d["intermediary_share"]
    lines = rows_of(page.text, "award-table")
    assert [(r["item"], r["supplier"], int(r["quantity"])) for r in lines] == [
        (x["item_code"], x["supplier_code"], x["quantity"]) for x in d["lines"]
    ]
    vital = {r["supplier"]: r for r in rows_of(page.text, f"bids-{VITAL}")}
    assert vital["S904"]["eligible"] == "no" and vital["S901"]["eligible"] == "yes"
    assert "دیرتر از مهلت" in page.text  # why the cheapest bid does not count
    assert d["status"].startswith("Optimization terminated")  # HiGHS's own English
    assert '<span id="solver-status">بهینه</span>' in page.text and "HiGHS" not in page.text
    assert d["single_source_items"] and ", ".join(d["single_source_items"]) in page.text
    assert "۶۰٪ / ۲۵٪ / ۱۵٪" in page.text and "۷۰٪" in page.text and "۱۵٪" in page.text
    sheet = client.get(f"/procurement/tenders/{NATIONAL}", params={"download": "xlsx"})
    got = list(load_workbook(io.BytesIO(sheet.content)).active.iter_rows(values_only=True))
    assert [list(r) for r in got[1:]] == [
        [None if c == "" else c for c in r] for r in award_rows[1]
    ]


def test_an_award_is_stored_once_and_a_second_one_is_refused_in_persian(
    client: TestClient, session_factory: sessionmaker[Session]
) -> None:
    make_world(session_factory)
    login(client, "hq")
    done = client.post(f"/procurement/tenders/{NATIONAL}/award", follow_redirects=False)
    assert done.status_code == 303
    page = client.get(done.headers["location"])
    assert 'data-status="awarded"' in page.text and 'id="tender-message"' in page.text
    assert 'id="award-submit"' not in page.text and 'id="stored-table"' in page.text
    with UnitOfWork(session_factory) as uow:
        stored = uow.session.scalar(select(func.count()).select_from(Award))
        cost = sum(a.quantity * a.unit_price_rials for a in uow.session.scalars(select(Award)))
    assert stored == len(rows_of(page.text, "stored-table")) and stored
    assert f'id="stored-cost" data-rials="{cost}"' in page.text
    again = client.post(f"/procurement/tenders/{NATIONAL}/award")
    assert again.status_code == 409 and "فقط یک بار" in again.text
    with UnitOfWork(session_factory) as uow:
        assert uow.session.scalar(select(func.count()).select_from(Award)) == stored
    # the awarded tender's Excel file is the stored award, its total the stored cost
    sheet = client.get(f"/procurement/tenders/{NATIONAL}", params={"download": "xlsx"})
    got = list(load_workbook(io.BytesIO(sheet.content)).active.iter_rows(values_only=True))
    assert len(got) == 1 + stored + 1 and got[-1][1] == "جمع" and got[-1][8] == cost


def test_the_gantt_marks_overdue_tasks_and_the_owner_reports_progress(
    client: TestClient, session_factory: sessionmaker[Session]
) -> None:
    make_world(session_factory)
    login(client, "hq")
    page = client.get("/procurement/plan")
    assert page.status_code == 200
    tasks = {r["task"]: r for r in rows_of(page.text, "gantt")}
    assert tasks["T02"]["overdue"] == "yes" and tasks["T09"]["overdue"] == "no"
    assert tasks["T01"]["offset"] == "0" and tasks["T03"]["offset"] == "3"
    assert tasks["T11"]["span"] == "30"
    days = int(re.search(r'id="gantt" data-days="(\d+)"', page.text).group(1))
    assert days == 42  # T11 ends on day 42 of the plan
    box = page.text.split('id="my-overdue"')[1].split("</section>")[0]
    assert set(re.findall(r'data-task="(T\d\d)"', box)) == {"T02", "T03", "T04", "T05"}
    assert 'action="/procurement/plan/SP-T/tasks/T02"' in page.text  # the analyst owns T02
    assert 'action="/procurement/plan/SP-T/tasks/T01"' not in page.text  # the admin's
    done = client.post("/procurement/plan/SP-T/tasks/T02", data={"status": "done"})
    assert done.status_code == 200 and 'id="plan-message"' in done.text
    tasks = {r["task"]: r for r in rows_of(done.text, "gantt")}
    assert tasks["T02"]["overdue"] == "no" and tasks["T02"]["status"] == "done"
    waiting = client.post("/procurement/plan/SP-T/tasks/T04", data={"status": "done"})
    assert waiting.status_code == 409 and "T01" in waiting.text and "پیش‌نیاز" in waiting.text
    assert (
        client.post("/procurement/plan/SP-T/tasks/T01", data={"status": "done"}).status_code == 403
    )
    assert client.get("/procurement/plan", params={"plan": "NOPE"}).status_code == 404


def test_the_stockout_dashboard_lists_the_vital_item_out_of_stock_with_the_chart_data(
    client: TestClient, session_factory: sessionmaker[Session]
) -> None:
    w = make_world(session_factory)
    with UnitOfWork(session_factory) as uow:
        found = service.stockouts(uow.session, hq())
    login(client, "hq")
    page = client.get("/procurement/stockouts")
    assert page.status_code == 200
    out = rows_of(page.text, "out-table")
    with UnitOfWork(session_factory) as uow:
        vital_id = uow.session.scalar(select(Consumable.id).where(Consumable.code == VITAL))
    assert [(r["facility"], r["item"], r["criticality"]) for r in out] == [
        (w.qom_a.code, str(vital_id), "vital")
    ]
    below = rows_of(page.text, "below-table")
    assert [r["facility"] for r in below] == [w.tehran.code]
    assert 'id="tile-out" data-value="1"' in page.text
    # 3 centres with one vital line each, one of them out: two thirds in stock
    vital = re.search(r'id="tile-vital" data-value="([^"]+)"', page.text)
    assert vital and abs(float(vital.group(1)) - 2 / 3) < 1e-9
    raw = re.search(r"data-chart='([^']*)'", page.text)
    assert raw is not None
    chart = json.loads(html.unescape(raw.group(1)))
    assert chart["labels"] == [p["province_name_fa"] for p in found.provinces]
    assert chart["vital"] == [100.0, 50.0]  # Tehran (08), then Qom (19)
    # the map shows the vital lines out of stock: none in Tehran, half in Qom
    assert page.text.count('<li class="pmap-tile') == 31
    assert re.search(r'pm-b0"[^>]*data-code="08"[^>]*title="تهران: ۰٫۰ ٪"', page.text)
    assert re.search(r'pm-b4"[^>]*data-code="19"[^>]*title="قم: ۵۰٫۰ ٪"', page.text)
    assert "بدون داده (۲۹ استان)" in page.text
    login(client, "desk")
    desk = client.get("/procurement/stockouts")
    assert desk.status_code == 200 and 'id="province-form"' not in desk.text
    assert {r["facility"] for r in rows_of(desk.text, "out-table")} == {w.qom_a.code}
    assert rows_of(desk.text, "below-table") == []
