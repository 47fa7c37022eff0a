"""Purchasing services on both databases: quantification by scope, stock-outs, tenders by
province, the award stored once and audited, call-offs and deliveries feeding supplier
scores, and the action plan's overdue tasks by role."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select

from darman.audit.models import AuditEntry
from darman.common.errors import Conflict, InvalidInput, NotFound, PermissionDenied
from darman.procurement import service
from darman.security import service as security
from darman.security.enums import Role, ScopeLevel
from darman.security.principal import SYSTEM
from tests import factories as f
from tests.integration.procurement.world import LAST, TODAY, build


@pytest.fixture
def world(session):
    return build(session)


def _who(session, world, role, **scope):
    return security.principal_of(f.user(session, role=role, **scope))


def test_quantification_follows_the_callers_scope(session, world) -> None:
    q = service.quantification(session, SYSTEM)
    assert q.last_month == LAST and q.facilities.num_rows == 8 and q.nation.num_rows == 4
    qom_manager = _who(
        session,
        world,
        Role.PROVINCE_MANAGER,
        scope_level=ScopeLevel.PROVINCE,
        province_id=world.qom.province_id,
    )
    mine = service.quantification(session, qom_manager)
    assert set(mine.facilities["facility_id"].to_pylist()) == {world.qom.id}
    with pytest.raises(PermissionDenied):
        service.quantification(session, qom_manager, province_code="08")
    desk = _who(
        session,
        world,
        Role.PROVIDER_USER,
        scope_level=ScopeLevel.FACILITY,
        facility_id=world.tehran.id,
    )
    assert set(service.quantification(session, desk).facilities["facility_id"].to_pylist()) == {
        world.tehran.id
    }
    row = next(
        r
        for r in q.facilities.to_pylist()
        if r["facility_id"] == world.qom.id and r["item_id"] == world.items["X001"]
    )
    assert row["status"] == "out" and row["soh"] == 0 and row["order_qty"] > 0


def test_stockouts_list_qoms_vital_item_and_the_vital_share(session, world) -> None:
    found = service.stockouts(session, SYSTEM)
    first = found.rows[0]
    assert (first["province_code"], first["item_name_fa"], first["status"]) == (
        "19",
        "کالای X001",
        "out",
    )
    qom = next(p for p in found.provinces if p["province_code"] == "19")
    assert qom["vital_in_stock_share"] == pytest.approx(0.5)  # X001 out, X002 in stock


def test_a_province_manager_sees_national_and_own_tenders_and_runs_only_own(session, world) -> None:
    qom_manager = _who(
        session,
        world,
        Role.PROVINCE_MANAGER,
        scope_level=ScopeLevel.PROVINCE,
        province_id=world.qom.province_id,
    )
    assert [t.code for t in service.list_tenders(session, qom_manager)] == ["NT-T1"]
    with pytest.raises(NotFound):
        service.get_tender(session, qom_manager, code="PT-08-T1")
    with pytest.raises(PermissionDenied):
        service.award_tender(session, qom_manager, code="NT-T1")  # national: headquarters
    tehran_manager = _who(
        session,
        world,
        Role.PROVINCE_MANAGER,
        scope_level=ScopeLevel.PROVINCE,
        province_id=world.tehran.province_id,
    )
    service.add_bid(
        session,
        tehran_manager,
        tender_code="PT-08-T1",
        supplier_code="SP1",
        item_code="X004",
        unit_price_rials=5_000,
        lead_time_days=10,
        capacity=900,
        quality=80,
    )
    done = service.award_tender(session, tehran_manager, code="PT-08-T1")
    assert [(a.supplier_id, a.quantity) for a in done.result.lines] == [
        (world.suppliers["SP1"], 500)
    ]
    with pytest.raises(PermissionDenied):
        service.create_tender(
            session,
            qom_manager,
            code="PT-08-T2",
            title_fa="تهران",
            province_code="08",
            period_start=TODAY,
            period_end=TODAY,
            need_by=TODAY,
            items={"X004": 1},
            rules=service_rules(),
        )


def service_rules():
    from darman.procurement import award

    return award.Rules()


def test_the_award_is_stored_once_and_audited_and_keeps_the_rules(session, world) -> None:
    ev = service.evaluate(session, SYSTEM, code="NT-T1")
    r = ev.result
    # X001 is vital: two suppliers, none above 70 % of 2,000; SP4 (the cheapest, an
    # intermediary) is out: 80 days' lead time against 70 days to the need date
    by_item = {}
    for line in r.lines:
        by_item.setdefault(line.item_id, []).append(line)
    x1 = by_item[world.items["X001"]]
    assert len(x1) >= 2 and all(a.quantity <= 1_400 for a in x1)
    assert sum(a.quantity for a in x1) == 2_000
    assert world.suppliers["SP4"] not in {a.supplier_id for a in r.lines}
    assert r.cost_rials == sum(a.quantity * a.unit_price_rials for a in r.lines)
    stored = service.award_tender(session, SYSTEM, code="NT-T1")
    assert stored.result.cost_rials == r.cost_rials
    with pytest.raises(Conflict):
        service.award_tender(session, SYSTEM, code="NT-T1")
    actions = session.scalars(select(AuditEntry.action).where(AuditEntry.entity == "tender")).all()
    assert actions.count("award_tender") == 1


def test_call_offs_never_exceed_the_award_and_deliveries_move_the_score(session, world) -> None:
    service.award_tender(session, SYSTEM, code="NT-T1")
    from darman.procurement.models import Award

    first = session.scalars(select(Award).order_by(Award.id)).first()
    qom_manager = _who(
        session,
        world,
        Role.PROVINCE_MANAGER,
        scope_level=ScopeLevel.PROVINCE,
        province_id=world.qom.province_id,
    )
    po = service.order(
        session,
        qom_manager,
        award_id=first.id,
        facility_code=world.qom.code,
        quantity=first.quantity,
        due_on=TODAY + dt.timedelta(days=5),
    )
    with pytest.raises(InvalidInput) as caught:
        service.order(
            session,
            qom_manager,
            award_id=first.id,
            facility_code=world.qom.code,
            quantity=1,
            due_on=TODAY + dt.timedelta(days=5),
        )
    assert caught.value.problems[0].field == "quantity"
    with pytest.raises(PermissionDenied):
        service.order(
            session,
            qom_manager,
            award_id=first.id,
            facility_code=world.tehran.code,
            quantity=1,
            due_on=TODAY + dt.timedelta(days=5),
        )
    before = service.supplier_performance(session, on=TODAY + dt.timedelta(days=30))
    service.deliver(
        session,
        SYSTEM,
        order_id=po.id,
        quantity=po.quantity // 2,
        defective=10,
        on=TODAY + dt.timedelta(days=20),
    )
    after = service.supplier_performance(session, on=TODAY + dt.timedelta(days=30))
    assert before[first.supplier_id] == 0.2 * 100  # due, nothing arrived: only "no defects"
    assert after[first.supplier_id] == pytest.approx(100 * 0.2 * (1 - 10 / (po.quantity // 2)))


def test_the_action_plan_flags_overdue_tasks_to_their_role(session, world) -> None:
    tasks = service.plan(session, SYSTEM, plan_code="SP-T")
    late = {v.task.task_code for v in tasks if v.overdue}
    assert {"T01", "T02"} <= late and "T11" not in late
    analyst = _who(session, world, Role.HQ_ANALYST)
    assert "T02" in {t.task_code for t in service.my_overdue(session, analyst)}
    with pytest.raises(Conflict):  # T03 waits for T02
        service.update_task(session, analyst, plan_code="SP-T", task_code="T03", status="done")
    service.update_task(session, analyst, plan_code="SP-T", task_code="T02", status="done")
    service.update_task(session, analyst, plan_code="SP-T", task_code="T03", status="done")
    with pytest.raises(PermissionDenied):
        service.update_task(session, analyst, plan_code="SP-T", task_code="T01", status="done")


def test_two_awards_at_once_store_one(session_factory, engine) -> None:
    import threading

    from darman.db.uow import UnitOfWork
    from darman.procurement.models import Award

    with UnitOfWork(session_factory) as uow:
        build(uow.session)
        uow.commit()
    outcomes: list[str] = []
    barrier = threading.Barrier(2)

    def run() -> None:
        with UnitOfWork(session_factory) as uow:
            barrier.wait()
            try:
                service.award_tender(uow.session, SYSTEM, code="NT-T1")
                uow.commit()
                outcomes.append("awarded")
            except Conflict:
                outcomes.append("conflict")

    threads = [threading.Thread(target=run) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(outcomes) == ["awarded", "conflict"]
    with UnitOfWork(session_factory) as uow:
        pairs = [(a.item_id, a.supplier_id) for a in uow.session.scalars(select(Award))]
    assert len(set(pairs)) == len(pairs) > 0
